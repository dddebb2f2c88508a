// The Lineage tab: controls, the graph, the keyboard outline and the details panel, kept in step.

import { explain, isAbort, request } from "./api";
import { collectionHeader } from "./collection-page";
import { artifactDetails, clusterDetails, hiddenDetails, runDetails, type DetailActions } from "./details";
import { el } from "./elements";
import { exportMenu } from "./export-menu";
import { setCrumbs } from "./frame";
import { GraphView } from "./graph-view";
import { serverLimits } from "./limits";
import { LineageControls } from "./lineage-controls";
import { LineageGraph } from "./lineage-model";
import { asDot, asMermaid } from "./lineage-text";
import { Outline } from "./outline";
import { CLUSTER_PAGE, LINEAGE, type Lineage } from "./queries";
import {
  lineageRoute,
  navigate,
  replaceRoute,
  routeUrl,
  splitRef,
  withinLimits,
  type Expansion,
  type LineageRoute,
} from "./route";
import { graphSvg } from "./svg-export";

// The page's own choice, not the server's limit: the graph size tests/web/test_large_graph.py lays out, fits and
// pans, and bench/page.py times. The page asks for fewer when the server allows fewer.
const PAGE_MAX_NODES = 2000;

declare global {
  interface Window {
    /** For browser tests and the console: where a node is drawn, in page pixels; the zoom and whether all shows. */
    stemmaLineage?: {
      position(id: string): { x: number; y: number } | null;
      viewport(): { zoom: number; allVisible: boolean };
    };
  }
}

type Answer = Lineage["lineage"];

function lineageRequest(
  ref: string,
  direction: LineageRoute["direction"],
  depth: number,
  route: LineageRoute,
  maxNodes: number,
  signal: AbortSignal,
): Promise<Answer> {
  const variables = { ref, direction, depth, clusterThreshold: route.clusterThreshold, maxNodes };
  return request(LINEAGE, variables, signal).then((answer) => answer.lineage);
}

function sameExpansion(a: Expansion, b: Expansion): boolean {
  return a.ref === b.ref && a.direction === b.direction;
}

class LineageSession {
  private detailsRequest = new AbortController();
  private readonly alive = new AbortController();
  private expanding = false;
  private readonly view: GraphView;
  private readonly outline: Outline;

  private truncated: boolean;

  constructor(
    private readonly graph: LineageGraph,
    private route: LineageRoute,
    private readonly maxNodes: number,
    private readonly parts: {
      root: HTMLElement;
      details: HTMLElement;
      status: HTMLElement;
      notice: HTMLElement;
      outlineSlot: HTMLElement;
      graphSlot: HTMLElement;
    },
  ) {
    const label = `Lineage graph of ${route.ref}; the node list beside it reaches every node by keyboard`;
    this.truncated = graph.truncated;
    this.view = new GraphView(parts.graphSlot, label, (id) => this.select(id, false));
    this.outline = new Outline((id) => this.select(id, true));
    parts.outlineSlot.replaceWith(this.outline.element);
    // Beside Fit, after the node list in the tab order: the keyboard goes from the controls straight to the nodes.
    parts.graphSlot.querySelector(".graph-tools")?.append(
      exportMenu({
        name: () => `lineage-${route.ref}`,
        png: () => this.view.png(),
        svg: () => graphSvg(this.view.core),
        mermaid: () => asMermaid(this.graph),
        dot: () => asDot(this.graph),
      }),
    );
    window.stemmaLineage = { position: (id) => this.view.position(id), viewport: () => this.view.viewport() };
  }

  /** Draws the answer with the URL's expansions merged in, in their order; an expansion that fails is dropped. */
  async start(expansions: [Expansion, Promise<Answer>][]): Promise<void> {
    const kept: Expansion[] = [];
    const notices = [...this.route.notices];
    for (const [expansion, answer] of expansions) {
      try {
        this.mergeExpansion(await answer);
        kept.push(expansion);
      } catch (error) {
        if (isAbort(error)) throw error;
        notices.push(`Could not show the neighbours of ${expansion.ref}: ${explain(error)}`);
      }
    }
    this.route = { ...this.route, expansions: kept, notices };
    this.showNotices(notices);
    replaceRoute(this.route);
    this.redraw(this.graph.rootId);
    this.select(this.graph.rootId, false);
  }

  private showNotices(notices: string[]): void {
    this.parts.notice.hidden = notices.length === 0;
    this.parts.notice.replaceChildren(...notices.map((notice) => el("p", {}, notice)));
  }

  private mergeExpansion(answer: Answer): void {
    this.graph.merge(answer);
    this.truncated ||= answer.truncated;
  }

  private redraw(focusId: string): void {
    const timing = this.view.show(this.graph, focusId);
    this.outline.show(this.graph);
    const notes = [`${timing.nodes} nodes, laid out in ${Math.round(timing.layoutMs)} ms`];
    if (this.truncated)
      notes.push(`only the nearest ${this.maxNodes} nodes are shown; lower the depth to see the rest`);
    this.parts.status.textContent = notes.join(" · ");
  }

  private actions(): DetailActions {
    const base = lineageRoute(this.route.ref, this.route);
    return {
      lineageHref: (ref) => routeUrl(lineageRoute(ref, base)),
      recentre: (ref) => navigate(lineageRoute(ref, base)),
      expand: (ref, direction) => void this.expandNeighbours(ref, direction),
    };
  }

  /** One more level of a node's inputs or outputs, merged into the view; the URL keeps it. */
  private async expandNeighbours(ref: string, direction: Expansion["direction"]): Promise<void> {
    if (this.expanding) return;
    this.expanding = true;
    const side = direction === "UPSTREAM" ? "inputs" : "outputs";
    this.parts.status.textContent = `Loading the ${side} of ${ref}…`;
    try {
      const answer = await lineageRequest(ref, direction, 1, this.route, this.maxNodes, this.alive.signal);
      this.mergeExpansion(answer);
      const expansion = { ref, direction };
      const others = this.route.expansions.filter((each) => !sameExpansion(each, expansion));
      this.route = { ...this.route, expansions: [...others, expansion], notices: [] };
      replaceRoute(this.route);
      this.redraw(answer.root.id);
      this.view.select(answer.root.id, true);
      this.outline.markSelected(answer.root.id);
    } catch (error) {
      if (isAbort(error)) return;
      this.parts.status.textContent = explain(error);
    } finally {
      this.expanding = false;
    }
  }

  select(id: string, centre: boolean): void {
    this.view.select(id, centre);
    this.outline.markSelected(id);
    const cluster = this.graph.clusters.get(id);
    if (cluster) {
      void this.expand(id);
      return;
    }
    const node = this.graph.nodes.get(id);
    if (!node) return;
    this.detailsRequest.abort();
    if (node.kind === "hidden") {
      this.parts.details.replaceChildren(hiddenDetails(node.title));
      return;
    }
    this.detailsRequest = new AbortController();
    const signal = this.detailsRequest.signal;
    this.parts.details.replaceChildren(el("p", { class: "muted" }, `Loading ${node.title}…`));
    const loading =
      node.kind === "run"
        ? runDetails(node.ref, this.actions(), signal)
        : artifactDetails(node.ref, this.actions(), signal);
    loading.then(
      (details) => this.parts.details.replaceChildren(details),
      (error: unknown) => {
        if (!isAbort(error))
          this.parts.details.replaceChildren(el("p", { class: "error", role: "alert" }, explain(error)));
      },
    );
  }

  /** Shows the next page of a cluster's members (clicking a cluster, or its "more" button). */
  private async expand(clusterId: string): Promise<void> {
    const state = this.graph.clusters.get(clusterId);
    if (!state || this.expanding) return;
    this.detailsRequest.abort();
    const showState = () =>
      this.parts.details.replaceChildren(clusterDetails(state, () => void this.expand(clusterId)));
    if (state.loaded >= state.cluster.count) {
      showState();
      return;
    }
    this.expanding = true;
    this.parts.details.replaceChildren(
      el("p", { class: "muted" }, `Loading ${state.pageSize} members of ${state.label}…`),
    );
    try {
      const variables = { id: clusterId, first: state.pageSize, after: state.after };
      const page = await request(CLUSTER_PAGE, variables, this.alive.signal);
      this.graph.addClusterPage(clusterId, page.lineageCluster);
      this.redraw(this.graph.nodes.has(clusterId) ? clusterId : state.cluster.parent);
      if (this.graph.nodes.has(clusterId)) {
        this.view.select(clusterId, false);
        this.outline.markSelected(clusterId);
      }
      showState();
    } catch (error) {
      if (isAbort(error)) return;
      this.parts.details.replaceChildren(el("p", { class: "error", role: "alert" }, explain(error)));
    } finally {
      this.expanding = false;
    }
  }

  destroy(): void {
    this.parts.root.classList.remove("lineage-view");
    this.alive.abort();
    this.detailsRequest.abort();
    this.view.destroy();
    delete window.stemmaLineage;
  }
}

/** A run's lineage is headed by its name (the id beneath it); the name comes with the lineage answer. */
function runHeader(route: LineageRoute, answer: Answer): HTMLElement {
  const root = answer.nodes.find((node) => node.id === answer.root.id);
  const name = root?.__typename === "Run" ? (root.name ?? root.runId) : route.ref;
  setCrumbs([{ label: "Home", href: "/" }, { label: name }]);
  return el(
    "header",
    { class: "collection-header run-header" },
    el("div", {}, el("p", { class: "muted" }, "run ", el("code", {}, route.ref)), el("h1", {}, name)),
  );
}

async function header(route: LineageRoute, answer: Promise<Answer>, signal: AbortSignal): Promise<HTMLElement> {
  const parts = splitRef(route.ref);
  if (!parts) return runHeader(route, await answer);
  try {
    return (await collectionHeader(parts.collection, parts.version, "lineage", route, signal)).element;
  } catch (error) {
    if (isAbort(error)) throw error;
    setCrumbs([{ label: "Home", href: "/" }, { label: route.ref }]);
    return el("header", { class: "collection-header" }, el("h1", {}, route.ref));
  }
}

/** Draws the lineage of `route.ref`; returns what to do when the page is left. */
export async function renderLineage(
  root: HTMLElement,
  requested: LineageRoute,
  signal: AbortSignal,
): Promise<() => void> {
  const limits = await serverLimits();
  signal.throwIfAborted();
  const route = withinLimits(requested, limits);
  const maxNodes = Math.min(PAGE_MAX_NODES, limits.lineageMaxNodes);
  const controls = new LineageControls(route, limits, (changed) => navigate({ ...changed, notices: [] }));
  const status = el("p", { class: "status muted", role: "status" }, "Loading lineage…");
  const notice = el("div", { class: "notice", role: "status", hidden: true });
  const outlineSlot = el("div", { class: "outline" });
  const graphSlot = el("div", { class: "graph-frame" });
  const details = el("aside", { class: "panel", "aria-label": "Details", "aria-live": "polite" });
  const headerSlot = el("div");
  root.replaceChildren(
    headerSlot,
    notice,
    el("div", { class: "toolbar" }, controls.element, status),
    el("div", { class: "lineage" }, outlineSlot, graphSlot, details),
  );
  const answer = lineageRequest(route.ref, route.direction, route.depth, route, maxNodes, signal);
  const expansions = route.expansions.map((expansion): [Expansion, Promise<Answer>] => {
    const asked = lineageRequest(expansion.ref, expansion.direction, 1, route, maxNodes, signal);
    asked.catch(() => undefined); // awaited in order by start(); an early failure is not unhandled meanwhile
    return [expansion, asked];
  });
  const [top, lineage] = await Promise.all([header(route, answer, signal), answer]);
  headerSlot.replaceWith(top);
  root.classList.add("lineage-view");
  const session = new LineageSession(LineageGraph.from(lineage), route, maxNodes, {
    root,
    details,
    status,
    notice,
    outlineSlot,
    graphSlot,
  });
  try {
    await session.start(expansions);
  } catch (error) {
    session.destroy();
    throw error;
  }
  return () => session.destroy();
}
