// A collection's versions, newest first, and the dropdown that picks one.

import { request } from "./api";
import { el } from "./elements";
import { ARTIFACT_COLLECTION, REGISTRY_COLLECTION, type VersionChoice } from "./queries";
import { isRegistryCollection } from "./route";

export interface Choice extends VersionChoice {
  /** For a registry version, the project artifact it links to. */
  linked: string | null;
}

export interface VersionList {
  ref: string;
  name: string;
  /** "registry model" or "project zoo". */
  home: string;
  type: string | null;
  description: string | null;
  choices: Choice[];
  totalCount: number;
}

export async function loadVersions(collection: string, signal: AbortSignal): Promise<VersionList> {
  const [entity = "", project = ""] = collection.split("/");
  if (isRegistryCollection(collection)) {
    const { registryCollection: found } = await request(REGISTRY_COLLECTION, { ref: collection }, signal);
    return {
      ref: found.ref,
      name: found.name,
      home: `${entity} · registry ${found.registry}`,
      type: found.type,
      description: found.description,
      choices: found.versions.edges.map(({ node }) => ({ ...node, linked: node.artifact.ref })),
      totalCount: found.versions.totalCount,
    };
  }
  const { artifactCollection: found } = await request(ARTIFACT_COLLECTION, { ref: collection }, signal);
  return {
    ref: found.ref,
    name: found.name,
    home: `${entity} · project ${project}`,
    type: found.type,
    description: found.description,
    choices: found.versions.edges.map(({ node }) => ({ ...node, linked: null })),
    totalCount: found.versions.totalCount,
  };
}

/** The choice a URL's version part names (vN or an alias); the newest when it names none. */
export function findChoice(list: VersionList, version: string | null): Choice | undefined {
  if (version === null) return list.choices[0];
  return list.choices.find((choice) => choice.versionName === version || choice.aliases.includes(version));
}

function optionText(choice: Choice): string {
  const aliases = choice.aliases.length ? ` — ${choice.aliases.join(", ")}` : "";
  const linked = choice.linked ? ` (${choice.linked.split("/").pop() ?? choice.linked})` : "";
  return `${choice.versionName}${aliases}${linked}`;
}

export function versionPicker(
  list: VersionList,
  selected: Choice | undefined,
  onPick: (choice: Choice) => void,
): HTMLElement {
  const select = el("select", { id: "version", name: "version" });
  for (const choice of list.choices) {
    const option = el("option", { value: choice.ref }, optionText(choice));
    option.selected = choice === selected;
    select.append(option);
  }
  if (!selected) {
    select.prepend(el("option", { value: "", disabled: true }, "choose a version"));
    select.value = "";
  }
  select.addEventListener("change", () => {
    const choice = list.choices.find((each) => each.ref === select.value);
    if (choice) onPick(choice);
  });
  const more = list.totalCount - list.choices.length;
  return el(
    "div",
    { class: "picker" },
    el("label", { for: "version" }, "Version"),
    select,
    more > 0 ? el("span", { class: "muted" }, `newest ${list.choices.length} of ${list.totalCount}`) : null,
  );
}
