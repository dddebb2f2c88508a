// The search box in the top bar: asks `search` as the user types, lists the hits grouped by kind, and goes to
// the hit chosen (click, or arrows and Enter) — a collection's page, a version's or a run's lineage, a registry
// on the home page.

import { explain, isAbort, request } from "./api";
import { el } from "./elements";
import { navigate, lineageRoute, type Route } from "./route";
import { SEARCH, type SearchHit } from "./search-query";

const DEBOUNCE_MS = 200;
const PAGE_SIZE = 12;
const MAX_QUERY_LENGTH = 200;

type Found = SearchHit["node"];
interface Kind {
  label: string;
  of: Found["__typename"][];
}

const KINDS: Kind[] = [
  { label: "Collections", of: ["ArtifactCollection", "RegistryCollection"] },
  { label: "Versions", of: ["ArtifactVersion", "RegistryVersion"] },
  { label: "Runs", of: ["Run"] },
  { label: "Registries", of: ["Registry"] },
];

function kindOf(node: Found): Kind {
  return KINDS.find((kind) => kind.of.includes(node.__typename)) ?? KINDS[0]!;
}

/** The hit's title and the line under it. */
function describe(hit: SearchHit): [string, string] {
  const node = hit.node;
  switch (node.__typename) {
    case "ArtifactCollection":
      return [node.name, `${node.ref} · ${node.type}`];
    case "RegistryCollection":
      return [node.name, `${node.ref} · registry collection`];
    case "ArtifactVersion":
    case "RegistryVersion": {
      const how = hit.matched === node.ref ? "" : node.aliases.includes(hit.matched) ? "alias " : "digest ";
      return [node.ref, how ? `${how}${hit.matched}` : node.aliases.join(", ")];
    }
    case "Run":
      return [node.runName ?? node.ref, `${node.ref} · ${node.state.toLowerCase()}`];
    case "Registry":
      return [node.name, `${node.entity} · registry`];
  }
}

function destination(node: Found): Route | null {
  switch (node.__typename) {
    case "ArtifactCollection":
    case "RegistryCollection":
      return { page: "collection", collection: node.ref, version: null };
    case "ArtifactVersion":
    case "RegistryVersion":
    case "Run":
      return lineageRoute(node.ref);
    case "Registry":
      return null;
  }
}

/** The home page lists registries by entity: go there and bring the registry's section into view. */
function showRegistry(entity: string, name: string): void {
  navigate({ page: "home" });
  const selector = `[data-entity="${CSS.escape(entity)}"] section[aria-label="${CSS.escape(`Registry ${name}`)}"]`;
  const started = Date.now();
  const look = (): void => {
    const section = document.querySelector<HTMLElement>(selector);
    if (section) {
      section.tabIndex = -1;
      section.scrollIntoView({ block: "start" });
      section.focus();
    } else if (Date.now() - started < 10_000) {
      window.setTimeout(look, 50);
    }
  };
  look();
}

class SearchBox {
  readonly root: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly panel: HTMLElement;
  private readonly status: HTMLElement;
  private options: { element: HTMLElement; hit: SearchHit }[] = [];
  private active = -1;
  private timer = 0;
  private pending = new AbortController();

  constructor() {
    this.input = el("input", {
      type: "search",
      class: "search-input",
      placeholder: "Search collections, versions, runs…",
      "aria-label": "Search",
      role: "combobox",
      "aria-autocomplete": "list",
      "aria-expanded": "false",
      "aria-controls": "search-results",
      autocomplete: "off",
      spellcheck: "false",
      maxlength: MAX_QUERY_LENGTH,
    });
    this.panel = el("div", {
      id: "search-results",
      class: "search-results",
      role: "listbox",
      "aria-label": "Search results",
      hidden: true,
    });
    this.status = el("div", { class: "visually-hidden", role: "status", "aria-live": "polite" });
    this.root = el("div", { class: "search", role: "search" }, this.input, this.panel, this.status);
    this.input.addEventListener("input", () => this.typed());
    this.input.addEventListener("keydown", (event) => this.key(event));
    this.input.addEventListener("focus", () => {
      if (this.options.length) this.open(true);
    });
    document.addEventListener("pointerdown", (event) => {
      if (!(event.target instanceof Node && this.root.contains(event.target))) this.open(false);
    });
  }

  private typed(): void {
    window.clearTimeout(this.timer);
    this.pending.abort();
    const text = this.input.value.trim();
    if (!text) {
      this.show([], "");
      return;
    }
    this.timer = window.setTimeout(() => void this.ask(text), DEBOUNCE_MS);
  }

  private async ask(text: string): Promise<void> {
    this.pending = new AbortController();
    const signal = this.pending.signal;
    this.root.setAttribute("aria-busy", "true");
    try {
      const data = await request(SEARCH, { query: text, first: PAGE_SIZE }, signal);
      if (signal.aborted) return;
      const more = data.search.totalCount - data.search.edges.length;
      this.show(data.search.edges, data.search.edges.length ? (more > 0 ? `and ${more} more` : "") : "No matches.");
    } catch (error) {
      if (isAbort(error) || signal.aborted) return;
      this.show([], explain(error));
    } finally {
      if (!signal.aborted) this.root.removeAttribute("aria-busy");
    }
  }

  private show(hits: SearchHit[], note: string): void {
    this.options = [];
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
    const groups = KINDS.map((kind) => ({ kind, hits: hits.filter((hit) => kindOf(hit.node) === kind) }))
      .filter((group) => group.hits.length > 0)
      .sort((a, b) => hits.indexOf(a.hits[0]!) - hits.indexOf(b.hits[0]!));
    const sections = groups.map(({ kind, hits: members }, index) => {
      const heading = `search-group-${index}`;
      return el(
        "div",
        { role: "group", class: "search-group", "aria-labelledby": heading },
        el("div", { id: heading, class: "search-kind", role: "presentation" }, kind.label),
        ...members.map((hit) => this.option(hit)),
      );
    });
    if (note) sections.push(el("div", { class: "search-note muted" }, note));
    this.panel.replaceChildren(...sections);
    this.status.textContent = hits.length ? `${hits.length} results` : note;
    this.open(hits.length > 0 || note !== "");
  }

  private option(hit: SearchHit): HTMLElement {
    const [title, detail] = describe(hit);
    const index = this.options.length;
    const element = el(
      "div",
      { id: `search-option-${index}`, role: "option", class: "search-option", "aria-selected": "false" },
      el("span", { class: "search-title" }, title),
      detail ? el("span", { class: "search-detail" }, detail) : null,
    );
    element.dataset.kind = hit.node.__typename;
    element.addEventListener("pointerdown", (event) => event.preventDefault()); // keep the input's focus
    element.addEventListener("click", () => this.choose(index));
    this.options.push({ element, hit });
    return element;
  }

  private open(open: boolean): void {
    this.panel.hidden = !open;
    this.input.setAttribute("aria-expanded", String(open));
  }

  private move(step: number): void {
    if (!this.options.length) return;
    this.open(true);
    const count = this.options.length;
    this.highlight(this.active < 0 ? (step > 0 ? 0 : count - 1) : (this.active + step + count) % count);
  }

  private highlight(index: number): void {
    this.options[this.active]?.element.setAttribute("aria-selected", "false");
    this.active = index;
    const chosen = this.options[index]!.element;
    chosen.setAttribute("aria-selected", "true");
    chosen.scrollIntoView({ block: "nearest" });
    this.input.setAttribute("aria-activedescendant", chosen.id);
  }

  private key(event: KeyboardEvent): void {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      this.move(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter" && this.options.length) {
      event.preventDefault();
      this.choose(this.active >= 0 ? this.active : 0);
    } else if (event.key === "Escape") {
      this.open(false);
    }
  }

  private choose(index: number): void {
    const chosen = this.options[index];
    if (!chosen) return;
    // Chosen: the list is emptied, so neither a late answer nor the input's focus coming back reopens it.
    window.clearTimeout(this.timer);
    this.pending.abort();
    this.show([], "");
    this.input.blur();
    const node = chosen.hit.node;
    const route = destination(node);
    if (route) navigate(route);
    else if (node.__typename === "Registry") showRegistry(node.entity, node.name);
  }
}

/** The search box, in the top bar before its sign-out button. */
export function addSearch(): void {
  const topbar = document.querySelector(".topbar");
  if (!topbar || topbar.querySelector(".search")) return;
  const box = new SearchBox();
  topbar.insertBefore(box.root, topbar.querySelector(".sign-out"));
}
