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
  /** A run's job type, an artifact's type: what the text formats print beside the name. */
  type: string | null;
  /** A version's aliases, then its registry aliases as REGISTRY_COLLECTION:ALIAS. */
  aliases: string[];
  /** What the text formats print of the node, line by line (the README's "Lineage as text"). */
  lines: string[];
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  kind: LineageEdge["kind"];
  label: string;
  /** The alias a run used the version by. */
  alias: string | null;
}

export interface ClusterState {
  cluster: LineageCluster;
  label: string;
  loaded: number;
  after: string | null;
  pageSize: number;
}

export const CLUSTER_PAGE_SIZE = 50;

/** The server's description ("300 runs of group s-42, job type train"), its count what is left to show. */
function clusterLabel(cluster: LineageCluster, loaded: number): string {
  return loaded > 0 ? cluster.description.replace(/^\d+/, `${cluster.count - loaded} more`) : cluster.description;
}

function edgeLabel(edge: LineageEdge): string {
  if (edge.kind === "USED_BY") return edge.alias ? `USED_BY (as ${edge.alias})` : "USED_BY";
  return edge.created ? "LOGGED (created)" : "LOGGED";
}

type ArtifactNode = Extract<LineageNode, { __typename: "ArtifactVersion" }>;

/** Registry aliases name their collection (`zoo-classifier:production`): the version's own aliases do not. */
function registryAliases(node: ArtifactNode): string[] {
  return node.links.flatMap((link) => {
    const collection = link.ref.split("/").pop()?.split(":")[0] ?? link.ref;
    return link.aliases.map((alias) => `${collection}:${alias}`);
  });
}

function artifactNode(node: ArtifactNode, root: boolean): GraphNode {
  const aliases = [...node.aliases, ...registryAliases(node)];
  // A registry's own `latest` says little on a drawn node; the details and the text formats keep it.
  const shown = [...node.aliases, ...registryAliases(node).filter((alias) => !alias.endsWith(":latest"))];
  return {
    id: node.id,
    kind: "artifact",
    title: `${node.collectionName}:${node.versionName}`,
    subtitle: [node.type, ...shown].join(" · "),
    ref: node.ref,
    root,
    deleted: node.deleted,
    state: null,
    type: node.type,
    aliases,
    lines: [
      node.ref,
      `${node.type}${node.deleted ? ", deleted" : ""}`,
      ...(node.aliases.length ? [`aliases: ${node.aliases.join(", ")}`] : []),
      ...node.links.map((link) => `registry: ${link.ref}${link.aliases.length ? ` (${link.aliases.join(", ")})` : ""}`),
    ],
  };
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
    graph.merge(answer);
    return graph;
  }

  /** Adds another lineage answer (a node's neighbours, grown in place): what is new joins, what is known stays. */
  merge(answer: Lineage["lineage"]): number {
    const before = this.nodes.size;
    for (const node of answer.nodes) this.addNode(node);
    for (const edge of answer.edges) this.addEdge(edge);
    for (const cluster of answer.clusters) if (!this.clusters.has(cluster.id)) this.addCluster(cluster);
    return this.nodes.size - before;
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
            type: null,
            aliases: [],
            lines: [node.kind === "RUN" ? "hidden run" : "hidden artifact version"],
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
              type: node.jobType,
              aliases: [],
              lines: [
                node.name ?? node.runId,
                `${node.jobType ?? "run"}, ${node.state.toLowerCase()}`,
                ...(node.group ? [`group ${node.group}`] : []),
              ],
            }
          : artifactNode(node, root);
    this.nodes.set(added.id, added);
    return added;
  }

  addEdge(edge: LineageEdge): void {
    const id = `${edge.from}->${edge.to}`;
    if (!this.edges.has(id))
      this.edges.set(id, {
        id,
        source: edge.from,
        target: edge.to,
        kind: edge.kind,
        label: edgeLabel(edge),
        alias: edge.alias ?? null,
      });
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
      type: cluster.type ?? cluster.jobType,
      aliases: [],
      lines: [cluster.description],
    });
    const inward = cluster.side === "UPSTREAM";
    const [source, target] = inward ? [cluster.id, cluster.parent] : [cluster.parent, cluster.id];
    const id = `${source}->${target}`;
    const label = `${cluster.edgeKind} ×${cluster.count}`;
    this.edges.set(id, { id, source, target, kind: cluster.edgeKind, label, alias: null });
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
