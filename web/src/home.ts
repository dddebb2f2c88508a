// The start page: every entity's registries and projects, and their collections.

import { request } from "./api";
import { el } from "./elements";
import { HOME, type CollectionSummary, type Home } from "./queries";
import { routeUrl } from "./route";

type Entity = Home["entities"]["edges"][number]["node"];

function collectionLink(collection: CollectionSummary): HTMLLIElement {
  const href = routeUrl({ page: "collection", collection: collection.ref, version: null });
  return el(
    "li",
    {},
    el("a", { href, "data-collection": collection.ref }, collection.name),
    collection.type ? el("span", { class: "badge" }, collection.type) : null,
  );
}

function collectionList(collections: { totalCount: number; edges: { node: CollectionSummary }[] }): HTMLElement {
  if (collections.totalCount === 0) return el("p", { class: "muted" }, "No collections yet.");
  const list = el("ul", { class: "collections" }, ...collections.edges.map((edge) => collectionLink(edge.node)));
  const hidden = collections.totalCount - collections.edges.length;
  return hidden > 0 ? el("div", {}, list, el("p", { class: "muted" }, `and ${hidden} more`)) : list;
}

function entitySection(entity: Entity): HTMLElement {
  const registries = entity.registries.edges.map(({ node }) =>
    el(
      "section",
      { class: "group", "aria-label": `Registry ${node.name}` },
      el("h4", {}, node.name, el("span", { class: "badge" }, "registry")),
      node.description ? el("p", { class: "muted" }, node.description) : null,
      collectionList(node.collections),
    ),
  );
  const projects = entity.projects.edges.map(({ node }) =>
    el(
      "section",
      { class: "group", "aria-label": `Project ${node.name}` },
      el("h4", {}, node.name, el("span", { class: "badge" }, "project")),
      collectionList(node.collections),
    ),
  );
  return el(
    "section",
    { class: "entity", "data-entity": entity.name },
    el("h2", {}, entity.name),
    el("h3", {}, "Registries"),
    registries.length ? el("div", { class: "groups" }, ...registries) : el("p", { class: "muted" }, "No registries."),
    el("h3", {}, "Projects"),
    projects.length ? el("div", { class: "groups" }, ...projects) : el("p", { class: "muted" }, "No projects."),
  );
}

/** Every name an entity's section shows (its own, its registries', projects' and collections'), lower case. */
function searchable(entity: Entity): string {
  const names = [entity.name];
  for (const { node } of entity.registries.edges)
    names.push(node.name, ...node.collections.edges.map((e) => e.node.name));
  for (const { node } of entity.projects.edges)
    names.push(node.name, ...node.collections.edges.map((e) => e.node.name));
  return names.join("\n").toLowerCase();
}

/** A box that keeps the entities whose names (or registries', projects', collections' names) hold its text. */
function entityFilter(sections: [HTMLElement, string][]): HTMLElement {
  const input = el("input", {
    type: "search",
    id: "entity-filter",
    placeholder: "entity, project, registry or collection",
    autocomplete: "off",
  });
  const count = el("span", { class: "muted small", role: "status" });
  const apply = () => {
    const wanted = input.value.trim().toLowerCase();
    let shown = 0;
    for (const [section, text] of sections) {
      section.hidden = wanted !== "" && !text.includes(wanted);
      if (!section.hidden) shown += 1;
    }
    count.textContent = wanted ? `${shown} of ${sections.length} entities` : "";
  };
  input.addEventListener("input", apply);
  return el("div", { class: "entity-filter" }, el("label", { for: "entity-filter" }, "Filter"), input, count);
}

export async function renderHome(root: HTMLElement, signal: AbortSignal): Promise<void> {
  const data = await request(HOME, {}, signal);
  const sections = data.entities.edges.map((edge): [HTMLElement, string] => [
    entitySection(edge.node),
    searchable(edge.node),
  ]);
  root.replaceChildren(
    el("h1", {}, "Registries and projects"),
    sections.length > 1 ? entityFilter(sections) : "",
    sections.length
      ? el("div", { class: "entities" }, ...sections.map(([section]) => section))
      : el("p", { class: "muted" }, "Nothing logged yet. Try `stemma demo` to log the zoo example."),
  );
}
