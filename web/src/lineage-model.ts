// A lineage answer as the nodes and edges the page draws, growing as clusters are expanded.

import type { ClusterPage, Lineage, LineageCluster, LineageEdge, LineageNode, RunState } from "./queries";

export type NodeKind = "run" | "artifact" | "cluster" | "hidden";

export interface GraphNode {
  id: string;
  kind: NodeKind;
  title: string;
  subtitle: string;
  /** An artifact's or a run's reference (ENTITY/PROJECT/…): what details and re-centring ask for. */
  ref: string;
  root: boolean;
  deleted: boolean;
  state: RunState | null;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  kind: LineageEdge["kind"];
  label: string;
}

export interface ClusterState {
  cluster: LineageCluster;
  label: string;
  loaded: number;
  after: string | null;
  pageSize: number;
}

export const CLUSTER_PAGE_SIZE = 50;

function clusterLabel(cluster: LineageCluster, loaded: number): string {
  const remaining = cluster.count - loaded;
  const more = loaded > 0 ? " more" : "";
  if (cluster.kind === "RUN") {
    const job = cluster.jobType ? `${cluster.jobType} ` : "";
    return `${remaining}${more} ${job}run${remaining === 1 ? "" : "s"}`;
  }
  const collection = cluster.collection?.split("/").pop() ?? "a collection";
  return `${remaining}${more} version${remaining === 1 ? "" : "s"} of ${collection}`;
}

function edgeLabel(edge: LineageEdge): string {
  if (edge.kind === "USED_BY") return edge.alias ? `USED_BY (as ${edge.alias})` : "USED_BY";
  return edge.created ? "LOGGED (created)" : "LOGGED";
}

export class LineageGraph {
  readonly nodes = new Map<string, GraphNode>();
  readonly edges = new Map<string, GraphEdge>();
  readonly clusters = new Map<string, ClusterState>();

  constructor(
    readonly rootId: string,
    readonly truncated: boolean,
  ) {}

  static from(answer: Lineage["lineage"]): LineageGraph {
    const graph = new LineageGraph(answer.root.id, answer.truncated);
    for (const node of answer.nodes) graph.addNode(node);
    for (const edge of answer.edges) graph.addEdge(edge);
    for (const cluster of answer.clusters) graph.addCluster(cluster);
    return graph;
  }

  addNode(node: LineageNode): GraphNode | null {
    if (this.nodes.has(node.id)) return null;
    const root = node.id === this.rootId;
    const added: GraphNode =
      node.__typename === "RedactedNode"
        ? {
            id: node.id,
            kind: "hidden",
            title: node.kind === "RUN" ? "hidden run" : "hidden version",
            subtitle: "no access",
            ref: node.id,
            root,
            deleted: false,
            state: null,
          }
        : node.__typename === "Run"
          ? {
              id: node.id,
              kind: "run",
              title: node.name ?? node.runId,
              subtitle: node.jobType ?? "run",
              ref: node.ref,
              root,
              deleted: false,
              state: node.state,
            }
          : {
              id: node.id,
              kind: "artifact",
              title: `${node.collectionName}:${node.versionName}`,
              subtitle: [node.type, ...node.aliases].join(" · "),
              ref: node.ref,
              root,
              deleted: node.deleted,
              state: null,
            };
    this.nodes.set(added.id, added);
    return added;
  }

  addEdge(edge: LineageEdge): void {
    const id = `${edge.from}->${edge.to}`;
    if (!this.edges.has(id))
      this.edges.set(id, { id, source: edge.from, target: edge.to, kind: edge.kind, label: edgeLabel(edge) });
  }

  private addCluster(cluster: LineageCluster): void {
    const state: ClusterState = {
      cluster,
      label: clusterLabel(cluster, 0),
      loaded: 0,
      after: null,
      pageSize: CLUSTER_PAGE_SIZE,
    };
    this.clusters.set(cluster.id, state);
    this.nodes.set(cluster.id, {
      id: cluster.id,
      kind: "cluster",
      title: state.label,
      subtitle: cluster.kind === "RUN" ? "click to show more" : (cluster.type ?? ""),
      ref: cluster.id,
      root: false,
      deleted: false,
      state: null,
    });
    const inward = cluster.side === "UPSTREAM";
    const [source, target] = inward ? [cluster.id, cluster.parent] : [cluster.parent, cluster.id];
    const id = `${source}->${target}`;
    this.edges.set(id, { id, source, target, kind: cluster.edgeKind, label: `${cluster.edgeKind} ×${cluster.count}` });
  }

  /** Adds a page of a cluster's members; the cluster node stays while members are left to show. */
  addClusterPage(clusterId: string, page: ClusterPage["lineageCluster"]): GraphNode[] {
    const state = this.clusters.get(clusterId);
    if (!state) return [];
    const added: GraphNode[] = [];
    for (const member of page.edges) {
      const node = this.addNode(member.node);
      if (node) added.push(node);
      this.addEdge(member.edge);
    }
    state.cluster = { ...state.cluster, count: page.totalCount };
    state.loaded += page.edges.length;
    state.after = page.pageInfo.endCursor;
    if (!page.pageInfo.hasNextPage || state.loaded >= state.cluster.count) state.loaded = state.cluster.count;
    state.label = clusterLabel(state.cluster, state.loaded);
    const node = this.nodes.get(clusterId);
    if (node) node.title = state.label;
    if (state.loaded >= state.cluster.count) this.removeClusterNode(clusterId);
    return added;
  }

  private removeClusterNode(clusterId: string): void {
    this.nodes.delete(clusterId);
    for (const [id, edge] of this.edges)
      if (edge.source === clusterId || edge.target === clusterId) this.edges.delete(id);
  }
}
