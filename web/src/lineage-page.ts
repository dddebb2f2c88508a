// The Lineage tab: controls, the graph, the keyboard outline and the details panel, kept in step.

import { explain, isAbort, request } from "./api";
import { collectionHeader } from "./collection-page";
import { artifactDetails, clusterDetails, hiddenDetails, runDetails, type DetailActions } from "./details";
import { el } from "./elements";
import { setCrumbs } from "./frame";
import { GraphView } from "./graph-view";
import { serverLimits } from "./limits";
import { LineageControls } from "./lineage-controls";
import { LineageGraph } from "./lineage-model";
import { Outline } from "./outline";
import { CLUSTER_PAGE, LINEAGE } from "./queries";
import { lineageRoute, navigate, routeUrl, splitRef, withinLimits, type LineageRoute } from "./route";

// The page's own choice, not the server's limit: the graph size tests/web/test_large_graph.py lays out and pans.
// The page asks for fewer when the server allows fewer.
const PAGE_MAX_NODES = 500;

declare global {
  interface Window {
    /** For browser tests and the console: where a node is drawn, in page pixels. */
    stemmaLineage?: { position(id: string): { x: number; y: number } | null };
  }
}

class LineageSession {
  private detailsRequest = new AbortController();
  private readonly alive = new AbortController();
  private expanding = false;
  private readonly view: GraphView;
  private readonly outline: Outline;

  constructor(
    private readonly graph: LineageGraph,
    private readonly route: LineageRoute,
    private readonly maxNodes: number,
    private readonly parts: {
      details: HTMLElement;
      status: HTMLElement;
      outlineSlot: HTMLElement;
      graphSlot: HTMLElement;
    },
  ) {
    const label = `Lineage graph of ${route.ref}; the node list beside it reaches every node by keyboard`;
    this.view = new GraphView(parts.graphSlot, label, (id) => this.select(id, false));
    this.outline = new Outline((id) => this.select(id, true));
    parts.outlineSlot.replaceWith(this.outline.element);
    window.stemmaLineage = { position: (id) => this.view.position(id) };
  }

  start(): void {
    this.redraw(this.graph.rootId);
    this.select(this.graph.rootId, false);
  }

  private redraw(focusId: string): void {
    const timing = this.view.show(this.graph, focusId);
    this.outline.show(this.graph);
    const notes = [`${timing.nodes} nodes, laid out in ${Math.round(timing.layoutMs)} ms`];
    if (this.graph.truncated)
      notes.push(`only the nearest ${this.maxNodes} nodes are shown; lower the depth to see the rest`);
    this.parts.status.textContent = notes.join(" · ");
  }

  private actions(): DetailActions {
    return {
      lineageHref: (ref) => routeUrl(lineageRoute(ref, this.route)),
      recentre: (ref) => navigate(lineageRoute(ref, this.route)),
    };
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
    this.alive.abort();
    this.detailsRequest.abort();
    this.view.destroy();
    delete window.stemmaLineage;
  }
}

async function header(route: LineageRoute, signal: AbortSignal): Promise<HTMLElement> {
  const parts = splitRef(route.ref);
  if (!parts) {
    setCrumbs([{ label: "Home", href: "/" }, { label: route.ref }]);
    return el(
      "header",
      { class: "collection-header" },
      el("div", {}, el("p", { class: "muted" }, "run"), el("h1", {}, route.ref)),
    );
  }
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
  const controls = new LineageControls(route, limits, (changed) => navigate(changed));
  const status = el("p", { class: "status muted", role: "status" }, "Loading lineage…");
  const outlineSlot = el("div", { class: "outline" });
  const graphSlot = el("div", { class: "graph-frame" });
  const details = el("aside", { class: "panel", "aria-label": "Details", "aria-live": "polite" });
  const headerSlot = el("div");
  root.replaceChildren(
    headerSlot,
    el("div", { class: "toolbar" }, controls.element, status),
    el("div", { class: "lineage" }, outlineSlot, graphSlot, details),
  );
  const [top, answer] = await Promise.all([
    header(route, signal),
    request(
      LINEAGE,
      {
        ref: route.ref,
        direction: route.direction,
        depth: route.depth,
        clusterThreshold: route.clusterThreshold,
        maxNodes,
      },
      signal,
    ),
  ]);
  headerSlot.replaceWith(top);
  const session = new LineageSession(LineageGraph.from(answer.lineage), route, maxNodes, {
    details,
    status,
    outlineSlot,
    graphSlot,
  });
  session.start();
  return () => session.destroy();
}
