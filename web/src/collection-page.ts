// A collection (project or registry): its header, the version dropdown, and the Version / Lineage tabs.

import type { DetailActions } from "./details";
import { artifactDetails } from "./details";
import { el } from "./elements";
import { setCrumbs } from "./frame";
import { lineageRoute, navigate, routeUrl, type CollectionRoute, type LineageRoute } from "./route";
import { findChoice, loadVersions, versionPicker, type Choice, type VersionList } from "./versions";

export type Tab = "version" | "lineage";

function tabs(list: VersionList, choice: Choice | undefined, active: Tab, lineage: LineageRoute | null): HTMLElement {
  const tab = (name: Tab, label: string, href: string | null) =>
    href
      ? el("a", { href, class: "tab", "aria-current": name === active ? "page" : null, "data-tab": name }, label)
      : el("span", { class: "tab disabled", "data-tab": name }, label);
  const version = choice ? routeUrl({ page: "collection", collection: list.ref, version: choice.versionName }) : null;
  const graph = choice ? routeUrl(lineageRoute(choice.ref, lineage ?? undefined)) : null;
  return el(
    "nav",
    { class: "tabs", "aria-label": "Views of this version" },
    tab("version", "Version", version),
    tab("lineage", "Lineage", graph),
  );
}

/** Loads the collection's versions and draws its header; `version` is the URL's vN or alias. */
export async function collectionHeader(
  collection: string,
  version: string | null,
  active: Tab,
  lineage: LineageRoute | null,
  signal: AbortSignal,
): Promise<{ element: HTMLElement; list: VersionList; choice: Choice | undefined }> {
  const list = await loadVersions(collection, signal);
  const choice = findChoice(list, version);
  const pick = (picked: Choice) =>
    navigate(
      active === "lineage"
        ? lineageRoute(picked.ref, lineage ?? undefined)
        : { page: "collection", collection: list.ref, version: picked.versionName },
    );
  const [entity = ""] = list.ref.split("/");
  setCrumbs([
    { label: "Home", href: "/" },
    { label: entity },
    { label: list.name, href: routeUrl({ page: "collection", collection: list.ref, version: null }) },
  ]);
  const element = el(
    "header",
    { class: "collection-header", "data-collection": list.ref },
    el(
      "div",
      {},
      el("p", { class: "muted" }, list.home),
      el("h1", {}, list.name, list.type ? el("span", { class: "badge" }, list.type) : null),
    ),
    list.description ? el("p", { class: "muted" }, list.description) : null,
    list.choices.length ? versionPicker(list, choice, pick) : el("p", { class: "muted" }, "No versions yet."),
    tabs(list, choice, active, lineage),
  );
  return { element, list, choice };
}

export async function renderCollection(root: HTMLElement, route: CollectionRoute, signal: AbortSignal): Promise<void> {
  const header = await collectionHeader(route.collection, route.version, "version", null, signal);
  const actions: DetailActions = { lineageHref: (ref) => routeUrl(lineageRoute(ref)) };
  const body = header.choice
    ? await artifactDetails(header.choice.ref, actions, signal, true)
    : el(
        "p",
        { class: "muted" },
        route.version ? `No version ${route.version} in this collection.` : "Pick a version.",
      );
  root.replaceChildren(header.element, el("section", { class: "version-overview" }, body));
}
