// The lineage drawn with Cytoscape.js, laid out left to right by dagre (inputs left, outputs right).

import cytoscape, { type Core, type EdgeSingular, type ElementDefinition, type StylesheetJson } from "cytoscape";
import dagre from "cytoscape-dagre";
import { el } from "./elements";
import type { GraphNode, LineageGraph } from "./lineage-model";

cytoscape.use(dagre);

const STYLE: StylesheetJson = [
  {
    selector: "node",
    style: {
      label: "data(label)",
      width: "data(width)",
      height: 38,
      shape: "round-rectangle",
      "font-family": "system-ui, sans-serif",
      "font-size": 12,
      color: "#111827",
      "text-valign": "center",
      "text-halign": "center",
      "text-wrap": "wrap",
      "text-max-width": "data(textWidth)",
      "min-zoomed-font-size": 6,
      "border-width": 1.5,
    },
  },
  { selector: "node.run", style: { "background-color": "#dbeafe", "border-color": "#1d4ed8" } },
  { selector: "node.failed", style: { "border-color": "#b91c1c", "border-width": 2.5 } },
  {
    selector: "node.artifact",
    style: { shape: "cut-rectangle", "background-color": "#fef3c7", "border-color": "#b45309" },
  },
  {
    selector: "node.hidden",
    style: { "background-color": "#e5e7eb", "border-color": "#6b7280", "border-style": "dotted", color: "#374151" },
  },
  { selector: "node.deleted", style: { "border-style": "dashed", "background-color": "#f5f5f4", color: "#57534e" } },
  {
    selector: "node.cluster",
    style: {
      "background-color": "#f3f4f6",
      "border-color": "#374151",
      "border-style": "double",
      "border-width": 5,
      "font-weight": "bold",
    },
  },
  {
    selector: "node.root",
    style: {
      "border-width": 3.5,
      "border-color": "#92400e",
      "font-weight": "bold",
      "underlay-color": "#facc15",
      "underlay-padding": 7,
      "underlay-opacity": 0.55,
      "underlay-shape": "round-rectangle",
    },
  },
  { selector: "node:selected", style: { "border-color": "#6d28d9", "border-width": 4, "overlay-opacity": 0 } },
  {
    selector: "edge",
    style: {
      width: 1.5,
      "curve-style": "taxi",
      "taxi-direction": "rightward",
      "taxi-turn": "28px",
      "taxi-turn-min-distance": 6,
      "line-color": "#64748b",
      "target-arrow-color": "#64748b",
      "target-arrow-shape": "triangle",
      "arrow-scale": 0.9,
      "font-size": 11,
      color: "#111827",
      "text-background-color": "#ffffff",
      "text-background-opacity": 1,
      "text-background-padding": "2px",
    },
  },
  { selector: "edge.LOGGED", style: { "line-color": "#15803d", "target-arrow-color": "#15803d" } },
  { selector: "edge.near", style: { width: 2.5, "z-index": 9 } },
  { selector: "edge.hover", style: { label: "data(label)", width: 3, "z-index": 10 } },
];

function classes(node: GraphNode): string {
  const failed = node.state === "FAILED" || node.state === "CRASHED";
  return [node.kind, node.root && "root", node.deleted && "deleted", failed && "failed"].filter(Boolean).join(" ");
}

function nodeData(node: GraphNode): ElementDefinition {
  const longest = Math.max(node.title.length, node.subtitle.length);
  const width = Math.min(240, Math.max(110, longest * 7 + 24));
  return {
    group: "nodes",
    data: {
      id: node.id,
      title: node.title,
      label: node.subtitle ? `${node.title}\n${node.subtitle}` : node.title,
      width,
      textWidth: width - 12,
    },
    classes: classes(node),
  };
}

/** What the shapes and colours mean, folded away on small screens. */
function legend(): HTMLElement {
  const item = (swatch: string, text: string) =>
    el("li", {}, el("span", { class: `swatch ${swatch}`, "aria-hidden": "true" }), text);
  const folded = window.matchMedia("(max-width: 1000px)").matches;
  return el(
    "details",
    { class: "legend", open: !folded },
    el("summary", {}, "Legend"),
    el(
      "ul",
      {},
      item("run", "run"),
      item("artifact", "artifact version"),
      item("cluster", "cluster: click to expand"),
      item("hidden", "hidden: no access"),
      item("root", "the node asked about"),
      item("deleted", "deleted version"),
      item("failed", "failed or crashed run"),
      item("edge used", "USED_BY: version → run"),
      item("edge logged", "LOGGED: run → version"),
    ),
  );
}

export interface LayoutTiming {
  nodes: number;
  edges: number;
  layoutMs: number;
}

// Below this zoom labels are too small to read: the view zooms in around the node in focus instead.
const READABLE_ZOOM = 0.55;
const FOCUS_ZOOM = 0.85;
// Fitting a small graph never blows its nodes up past their own size.
const MAX_FIT_ZOOM = 1;
// Low enough for Fit to show 2,000 nodes in one column (dagre ranks a hub's consumers one above the other).
const MIN_ZOOM = 0.002;
const FIT_PADDING = 30;
const LARGE = 500;

export class GraphView {
  private readonly container: HTMLElement;
  private readonly tip: HTMLElement;
  private readonly cy: Core;
  private layouts = 0;

  /** Draws into `frame`, which must already be in the document (Cytoscape measures it). */
  constructor(frame: HTMLElement, label: string, onSelect: (id: string) => void) {
    this.container = el("div", { class: "graph", id: "graph", role: "img", "aria-label": label });
    this.tip = el("div", { class: "edge-tip", role: "tooltip", id: "edge-tip", hidden: true });
    // When the lineage answer was in hand (the view is made right after it): bench/page.py reads it.
    this.container.dataset.answeredMs = performance.now().toFixed(1);
    frame.replaceChildren(this.container, this.tip, this.tools(), legend());
    this.cy = cytoscape({
      container: this.container,
      style: STYLE,
      autoungrabify: true,
      boxSelectionEnabled: false,
      minZoom: MIN_ZOOM,
      maxZoom: 3,
    });
    this.cy.on("tap", "node", (event) => onSelect(event.target.id()));
    this.cy.on("mouseover", "edge", (event) => this.hoverEdge(event.target, true));
    this.cy.on("mouseout", "edge", (event) => this.hoverEdge(event.target, false));
    this.cy.on("mouseover", "node", (event) => event.target.connectedEdges().addClass("near"));
    this.cy.on("mouseout", "node", (event) => event.target.connectedEdges().removeClass("near"));
    this.container.addEventListener("mouseleave", () => {
      this.cy.edges().removeClass("hover near");
      this.tip.hidden = true;
    });
  }

  private tools(): HTMLElement {
    const button = (label: string, title: string, action: () => void) => {
      const element = el("button", { type: "button", title, "aria-label": title }, label);
      element.addEventListener("click", action);
      return element;
    };
    const zoomBy = (factor: number) => {
      const centre = { x: this.container.clientWidth / 2, y: this.container.clientHeight / 2 };
      this.cy.zoom({ level: this.cy.zoom() * factor, renderedPosition: centre });
    };
    return el(
      "div",
      { class: "graph-tools", role: "toolbar", "aria-label": "Graph view" },
      button("+", "Zoom in", () => zoomBy(1.25)),
      button("−", "Zoom out", () => zoomBy(0.8)),
      button("Fit", "Fit the whole graph", () => this.fit()),
    );
  }

  /** The whole graph in view, never zoomed in past MAX_FIT_ZOOM. */
  fit(): void {
    this.cy.stop(true, false);
    this.cy.fit(undefined, FIT_PADDING);
    if (this.cy.zoom() > MAX_FIT_ZOOM) this.cy.zoom(MAX_FIT_ZOOM).center();
    this.container.dataset.zoom = this.cy.zoom().toFixed(4);
  }

  /** For tests and the console: the zoom, and whether every node is inside the visible area. */
  viewport(): { zoom: number; allVisible: boolean } {
    const box = this.cy.nodes().boundingBox({});
    const extent = this.cy.extent();
    const inside =
      box.x1 >= extent.x1 - 1 && box.x2 <= extent.x2 + 1 && box.y1 >= extent.y1 - 1 && box.y2 <= extent.y2 + 1;
    return { zoom: this.cy.zoom(), allVisible: inside };
  }

  /** The drawing as a PNG of the whole graph (not only what is in view), at twice the screen's pixels when small. */
  png(): Blob {
    const scale = this.cy.nodes().length > 300 ? 1 : 2;
    return this.cy.png({ output: "blob", full: true, bg: "#ffffff", scale });
  }

  get core(): Core {
    return this.cy;
  }

  private hoverEdge(edge: EdgeSingular, on: boolean): void {
    edge.toggleClass("hover", on);
    this.tip.hidden = !on;
    if (!on) return;
    const label = (id: string) => String(this.cy.getElementById(id).data("title") ?? id);
    this.tip.textContent = `${label(edge.data("source"))} → ${edge.data("label")} → ${label(edge.data("target"))}`;
    const at = edge.renderedMidpoint();
    this.tip.style.left = `${at.x}px`;
    this.tip.style.top = `${at.y}px`;
  }

  /** Makes the drawing match `graph` (new nodes added, expanded clusters removed, labels updated) and lays it out. */
  show(graph: LineageGraph, focusId: string): LayoutTiming {
    this.cy.batch(() => {
      this.cy
        .elements()
        .filter((element) => (element.isNode() ? !graph.nodes.has(element.id()) : !graph.edges.has(element.id())))
        .remove();
      for (const node of graph.nodes.values()) {
        const existing = this.cy.getElementById(node.id);
        if (existing.empty()) this.cy.add(nodeData(node));
        else existing.data(nodeData(node).data);
      }
      for (const edge of graph.edges.values()) {
        if (this.cy.getElementById(edge.id).nonempty()) continue;
        this.cy.add({
          group: "edges",
          data: { id: edge.id, source: edge.source, target: edge.target, label: edge.label },
          classes: edge.kind,
        });
      }
    });
    this.cy.stop(true, false);
    const timing = this.layout();
    const focus = this.cy.getElementById(focusId);
    if (this.cy.zoom() < READABLE_ZOOM && focus.nonempty()) this.cy.zoom(FOCUS_ZOOM).center(focus);
    this.container.dataset.zoom = this.cy.zoom().toFixed(4);
    return timing;
  }

  private layout(): LayoutTiming {
    const options = {
      name: "dagre",
      // Data flows left to right, or top to bottom in a view taller than wide (a phone held upright), where a
      // chain laid out sideways would have to shrink past readable to fit.
      rankDir: this.container.clientWidth < this.container.clientHeight ? "TB" : "LR",
      nodeSep: 10,
      rankSep: 56,
      edgeSep: 6,
      // network-simplex ranks best but costs most; above LARGE nodes tight-tree ranks nearly as well in about
      // two thirds of the time (bench/page.py).
      ranker: this.cy.nodes().length > LARGE ? "tight-tree" : "network-simplex",
      fit: false,
      animate: false,
    };
    const started = performance.now();
    this.cy.layout(options as cytoscape.LayoutOptions).run();
    this.fit();
    const timing = {
      nodes: this.cy.nodes().length,
      edges: this.cy.edges().length,
      layoutMs: performance.now() - started,
    };
    this.layouts += 1;
    Object.assign(this.container.dataset, {
      nodes: String(timing.nodes),
      edges: String(timing.edges),
      layoutMs: timing.layoutMs.toFixed(1),
      layouts: String(this.layouts),
    });
    // Cytoscape draws on the next animation frame; the one after it has been painted (bench/page.py reads it).
    delete this.container.dataset.paintedMs;
    requestAnimationFrame(() =>
      requestAnimationFrame(() => (this.container.dataset.paintedMs = performance.now().toFixed(1))),
    );
    return timing;
  }

  select(id: string, centre: boolean): void {
    this.cy.$(":selected").unselect();
    const node = this.cy.getElementById(id);
    if (node.empty()) return;
    node.select();
    if (centre)
      this.cy.animate({ center: { eles: node }, zoom: Math.max(this.cy.zoom(), FOCUS_ZOOM) }, { duration: 200 });
  }

  /** Where a node (or an edge's midpoint) is drawn, in page pixels; null when it is not in the graph. */
  position(id: string): { x: number; y: number } | null {
    const element = this.cy.getElementById(id);
    if (element.empty()) return null;
    const at = element.isNode() ? element.renderedPosition() : (element as EdgeSingular).renderedMidpoint();
    const box = this.container.getBoundingClientRect();
    return { x: box.left + at.x, y: box.top + at.y };
  }

  destroy(): void {
    this.cy.destroy();
  }
}
