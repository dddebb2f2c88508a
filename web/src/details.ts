// The details panel: what a run, an artifact version or a cluster is, fetched when it is selected.

import { request } from "./api";
import { append, el, facts, type Child } from "./elements";
import { formatBytes, plural, timeElement, titleCase } from "./format";
import type { ClusterState } from "./lineage-model";
import { ARTIFACT_DETAILS, RUN_DETAILS, type ArtifactDetailsQuery } from "./queries";

/** Where a ref's own lineage lives (a link), and what the page does to centre on it. */
export interface DetailActions {
  lineageHref: (ref: string) => string;
  recentre?: (ref: string) => void;
  /** Grows the current view by the node's inputs (UPSTREAM) or outputs (DOWNSTREAM), one level. */
  expand?: (ref: string, direction: "UPSTREAM" | "DOWNSTREAM") => void;
}

function refLink(ref: string, actions: DetailActions): HTMLAnchorElement {
  return el("a", { href: actions.lineageHref(ref), class: "ref" }, ref);
}

function recentreButton(ref: string, actions: DetailActions, label: string): HTMLButtonElement | null {
  const recentre = actions.recentre;
  if (!recentre) return null;
  const button = el("button", { type: "button", class: "primary", "data-action": "recentre" }, label);
  button.addEventListener("click", () => recentre(ref));
  return button;
}

/** The node's actions: grow the view by its inputs or outputs in place, or centre the lineage on it. */
function nodeActions(ref: string, actions: DetailActions, recentreLabel: string): HTMLElement {
  const expand = actions.expand;
  const grow = (direction: "UPSTREAM" | "DOWNSTREAM", label: string) => {
    if (!expand) return null;
    const button = el(
      "button",
      { type: "button", class: "secondary", "data-action": `expand-${direction.toLowerCase()}` },
      label,
    );
    button.addEventListener("click", () => expand(ref, direction));
    return button;
  };
  return el(
    "div",
    { class: "actions" },
    grow("UPSTREAM", "Add its inputs here"),
    grow("DOWNSTREAM", "Add its outputs here"),
    recentreButton(ref, actions, recentreLabel),
  );
}

/** What heads the panel: the kind of thing shown (`kind` for tests and styles, `label` for people) and its title. */
interface Heading {
  kind: string;
  id?: string;
  label: string;
  title: string;
}

function detailsArticle({ kind, id, label, title }: Heading, ...body: Child[]): HTMLElement {
  return el(
    "article",
    { class: "details", "data-kind": kind, "data-id": id },
    el("p", { class: "kind" }, label),
    el("h2", {}, title),
    ...body,
  );
}

/** A run's inputs or outputs, each linked, with `note` saying how the run used or logged it. */
function artifactList<TEdge extends { node: { ref: string } }>(
  connection: { totalCount: number; edges: TEdge[] },
  note: (edge: TEdge) => string,
  actions: DetailActions,
): HTMLElement {
  if (connection.totalCount === 0) return el("span", { class: "muted" }, "none");
  const list = el(
    "ul",
    { class: "links" },
    ...connection.edges.map((edge) => el("li", {}, refLink(edge.node.ref, actions), note(edge))),
  );
  const hidden = connection.totalCount - connection.edges.length;
  if (hidden > 0) append(list, el("li", { class: "muted" }, `and ${hidden} more`));
  return list;
}

export async function runDetails(id: string, actions: DetailActions, signal: AbortSignal): Promise<HTMLElement> {
  const { run } = await request(RUN_DETAILS, { id }, signal);
  return detailsArticle(
    { kind: "run", id: run.id, label: "Run", title: run.name ?? run.runId },
    facts([
      ["ID", el("code", {}, run.ref)],
      ["Name", run.name],
      ["State", el("span", { class: `state state-${run.state.toLowerCase()}` }, titleCase(run.state))],
      ["Job type", run.jobType],
      ["Group", run.group],
      ["Created", timeElement(run.createdAt)],
      ["Finished", timeElement(run.finishedAt)],
      ["User", run.user],
      ["Tags", run.tags.join(", ")],
      ["Inputs", artifactList(run.inputs, (edge) => (edge.alias ? ` as ${edge.alias}` : ""), actions)],
      ["Outputs", artifactList(run.outputs, (edge) => (edge.created ? "" : " (already logged)"), actions)],
    ]),
    nodeActions(run.ref, actions, "Centre lineage on this run"),
  );
}

function metadataBlock(metadata: unknown): HTMLElement {
  const empty = metadata === null || (typeof metadata === "object" && Object.keys(metadata).length === 0);
  if (empty) return el("span", { class: "muted" }, "none");
  return el("pre", { class: "metadata" }, JSON.stringify(metadata, null, 2));
}

type ManifestFile = NonNullable<ArtifactDetailsQuery["artifact"]["files"]>[number];

/** The version's files, each with its size and a link that downloads it (GET /files/sha256/DIGEST). A reference
 * (a file left at its URI) is not in Stemma's store: its URI is shown as text, never as a link the page follows,
 * since whoever logged the version chose it, and its checksum may be an ETag. */
function filesBlock(files: ManifestFile[]): HTMLElement {
  const rows = files.map((file) =>
    el(
      "tr",
      { class: file.ref ? "reference" : "" },
      el(
        "td",
        {},
        file.ref
          ? el(
              "span",
              {},
              file.path,
              " → ",
              el("code", { class: "ref", title: "reference: left at this URI" }, file.ref),
            )
          : el(
              "a",
              {
                href: `/files/sha256/${encodeURIComponent(file.digest)}`,
                download: file.path.split("/").pop() ?? file.path,
              },
              file.path,
            ),
      ),
      el("td", { class: "size" }, formatBytes(file.size)),
      el("td", {}, el("code", { class: "digest", title: file.digest }, file.digest.slice(0, 12))),
    ),
  );
  return el(
    "section",
    { class: "files", "aria-label": "Files" },
    el("h3", {}, `Files (${files.length})`),
    files.length
      ? el(
          "table",
          {},
          el("thead", {}, el("tr", {}, el("th", {}, "Path"), el("th", {}, "Size"), el("th", {}, "Checksum"))),
          el("tbody", {}, ...rows),
        )
      : el("p", { class: "muted" }, "No files."),
  );
}

/** A version's details; with `withFiles` (the Version tab) its files too, each downloadable. */
export async function artifactDetails(
  ref: string,
  actions: DetailActions,
  signal: AbortSignal,
  withFiles = false,
): Promise<HTMLElement> {
  const { artifact } = await request(ARTIFACT_DETAILS, { ref, files: withFiles }, signal);
  const files = withFiles ? (artifact.files ?? []) : null;
  return detailsArticle(
    { kind: "artifact", id: artifact.id, label: "Artifact version", title: `${artifact.name}:${artifact.versionName}` },
    facts([
      ["Full name", el("code", { "data-field": "ref" }, artifact.ref)],
      ["Type", artifact.type],
      ["Created", timeElement(artifact.createdAt)],
      [
        "Created by",
        artifact.createdBy
          ? el(
              "a",
              { href: actions.lineageHref(artifact.createdBy.ref) },
              artifact.createdBy.name ?? artifact.createdBy.ref,
            )
          : null,
      ],
      [
        "Aliases",
        [
          ...artifact.aliases.map((alias) => el("span", { class: "alias" }, alias)),
          ...artifact.links.flatMap((link) =>
            link.aliases.map((alias) =>
              el(
                "span",
                { class: "alias registry", title: `${link.ref}, alias ${alias}` },
                `${link.ref.split("/").pop()?.split(":")[0] ?? link.ref}:${alias}`,
              ),
            ),
          ),
        ],
      ],
      ["Digest", el("code", { class: "digest" }, artifact.digest)],
      [
        "Size",
        `${formatBytes(artifact.size)} (${artifact.size.toLocaleString("en")} bytes) in ${plural(artifact.fileCount, "file")}`,
      ],
      ["State", artifact.deleted ? "deleted" : null],
      ["Description", artifact.description],
      [
        "Registries",
        artifact.links.length
          ? el(
              "ul",
              { class: "links" },
              ...artifact.links.map((link) =>
                el("li", {}, link.ref, link.aliases.length ? ` (${link.aliases.join(", ")})` : ""),
              ),
            )
          : null,
      ],
      ["Metadata", metadataBlock(artifact.metadata)],
    ]),
    files ? filesBlock(files) : null,
    nodeActions(artifact.ref, actions, "Centre lineage on this version"),
  );
}

export function clusterDetails(state: ClusterState, more: () => void): HTMLElement {
  const { cluster } = state;
  const remaining = cluster.count - state.loaded;
  const button = el(
    "button",
    { type: "button", class: "primary", "data-action": "more", disabled: remaining === 0 },
    `Show ${Math.min(remaining, state.pageSize)} more`,
  );
  button.addEventListener("click", more);
  return detailsArticle(
    { kind: "cluster", id: cluster.id, label: "Cluster", title: state.label },
    facts([
      ["Members", `${state.loaded} of ${cluster.count} shown`],
      ["Kind", cluster.kind === "RUN" ? "runs" : "artifact versions"],
      ["Group", cluster.group],
      ["Job type", cluster.jobType],
      ["Collection", cluster.collection],
      ["Type", cluster.type],
      ["Side", cluster.side === "UPSTREAM" ? "inputs (upstream)" : "outputs (downstream)"],
      ["Edges", cluster.edgeKind],
    ]),
    remaining > 0 ? button : el("p", { class: "muted" }, "Every member is shown."),
  );
}

export function hiddenDetails(title: string): HTMLElement {
  return detailsArticle(
    { kind: "hidden", label: "Hidden", title },
    el("p", {}, "Your API key may not read this node. An admin of its entity can give you access."),
  );
}
