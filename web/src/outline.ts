// The keyboard way into the graph: a list of its nodes, one tab stop, arrows to move, Enter to select.

import { el } from "./elements";
import type { GraphNode, LineageGraph } from "./lineage-model";

const KIND_NAMES = { run: "Run", artifact: "Artifact", cluster: "Cluster", hidden: "Hidden" } as const;

export class Outline {
  readonly element: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly heading: HTMLHeadingElement;
  private readonly items = new Map<string, HTMLLIElement>();
  private focusedId: string | null = null;
  private selectedId: string | null = null;

  constructor(private readonly onSelect: (id: string) => void) {
    this.heading = el("h2", { id: "outline-title" }, "Nodes");
    this.list = el("ul", {
      role: "listbox",
      class: "outline-list",
      "aria-labelledby": "outline-title",
      "aria-describedby": "outline-help",
    });
    this.element = el(
      "nav",
      { class: "outline", "aria-label": "Nodes in this lineage" },
      this.heading,
      el("p", { id: "outline-help", class: "muted small" }, "Arrow keys move, Enter selects."),
      this.list,
    );
    this.list.addEventListener("keydown", (event) => this.onKey(event));
    this.list.addEventListener("click", (event) => {
      const item = event.target instanceof Element ? event.target.closest<HTMLLIElement>("li[data-node-id]") : null;
      const id = item?.dataset.nodeId;
      if (id) {
        this.focus(id);
        this.onSelect(id);
      }
    });
  }

  show(graph: LineageGraph): void {
    const hadFocus = this.list.contains(document.activeElement);
    this.items.clear();
    const items = [...graph.nodes.values()].map((node, index) => this.item(node, index));
    this.list.replaceChildren(...items);
    this.heading.textContent = `Nodes (${graph.nodes.size})`;
    const first = graph.nodes.keys().next().value ?? null;
    const keep = this.focusedId && this.items.has(this.focusedId) ? this.focusedId : first;
    if (this.selectedId) this.markSelected(this.selectedId);
    if (keep) this.focus(keep, hadFocus);
  }

  private item(node: GraphNode, index: number): HTMLLIElement {
    const item = el(
      "li",
      {
        id: `node-option-${index}`,
        role: "option",
        tabindex: -1,
        "aria-selected": "false",
        "data-node-id": node.id,
        "data-kind": node.kind,
        class: node.root ? "root" : null,
      },
      el("span", { class: `swatch ${node.kind}`, "aria-hidden": "true" }),
      el("span", { class: "visually-hidden" }, `${KIND_NAMES[node.kind]}: `),
      el("span", { class: "title" }, node.title),
      node.subtitle ? el("span", { class: "subtitle" }, node.subtitle) : null,
      node.root ? el("span", { class: "badge" }, node.kind === "run" ? "this run" : "this version") : null,
    );
    this.items.set(node.id, item);
    return item;
  }

  markSelected(id: string): void {
    if (this.selectedId) this.items.get(this.selectedId)?.setAttribute("aria-selected", "false");
    this.selectedId = id;
    const item = this.items.get(id);
    if (!item) return;
    item.setAttribute("aria-selected", "true");
    this.focus(id, false);
    this.reveal(item);
  }

  /** Scrolls the list, and only the list, so that `item` shows: the page itself stays where the reader left it. */
  private reveal(item: HTMLLIElement): void {
    const box = this.element;
    const top = item.offsetTop;
    const bottom = top + item.offsetHeight;
    if (top < box.scrollTop) box.scrollTop = top - 4;
    else if (bottom > box.scrollTop + box.clientHeight) box.scrollTop = bottom - box.clientHeight + 4;
  }

  private focus(id: string, move = true): void {
    if (this.focusedId) this.items.get(this.focusedId)?.setAttribute("tabindex", "-1");
    this.focusedId = id;
    const item = this.items.get(id);
    if (!item) return;
    item.setAttribute("tabindex", "0");
    if (!move) return;
    item.focus({ preventScroll: true });
    this.reveal(item);
  }

  private onKey(event: KeyboardEvent): void {
    const ids = [...this.items.keys()];
    const at = this.focusedId ? ids.indexOf(this.focusedId) : -1;
    const step: Record<string, number> = {
      ArrowDown: at + 1,
      ArrowUp: at - 1,
      Home: 0,
      End: ids.length - 1,
      PageDown: at + 10,
      PageUp: at - 10,
    };
    if (event.key in step) {
      event.preventDefault();
      const target = ids[Math.min(ids.length - 1, Math.max(0, step[event.key] ?? 0))];
      if (target) this.focus(target);
    } else if ((event.key === "Enter" || event.key === " ") && this.focusedId) {
      event.preventDefault();
      this.onSelect(this.focusedId);
    }
  }
}
