// The view as text: Mermaid and Graphviz DOT, as `stemma lineage --format mermaid|dot` prints a lineage
// (server/lineage_formats.py): nodes n0…, clusters c0… joined to their parent by a dashed edge, lineage edges
// labelled with their kind, left to right.

import type { ClusterState, GraphNode, LineageGraph } from "./lineage-model";

function nodeLabel(node: GraphNode): string {
  if (node.kind === "hidden") return node.title;
  if (node.kind === "run") return `${node.title} (${node.type ?? "run"}, ${(node.state ?? "").toLowerCase()})`;
  const kind = [node.type ?? "", ...(node.deleted ? ["deleted"] : [])].join(", ");
  const aliases = node.aliases.length ? ` (${node.aliases.join(", ")})` : "";
  return `${node.ref} [${kind}]${aliases}`;
}

function clusterLabel({ cluster, loaded }: ClusterState): string {
  const what = cluster.kind === "RUN" ? `${cluster.jobType ?? ""} runs` : `versions of ${cluster.collection ?? ""}`;
  return `${cluster.count - loaded} ${what}`;
}

interface Parts {
  nodes: [string, GraphNode][];
  clusters: [string, ClusterState][];
  ids: Map<string, string>;
  edges: { from: string; to: string; kind: string }[];
}

/** The drawn nodes and clusters named n0…, c0…, and the lineage edges between drawn nodes. */
function parts(graph: LineageGraph): Parts {
  const ids = new Map<string, string>();
  const nodes: [string, GraphNode][] = [];
  const clusters: [string, ClusterState][] = [];
  for (const node of graph.nodes.values()) {
    if (node.kind === "cluster") continue;
    const name = `n${nodes.length}`;
    ids.set(node.id, name);
    nodes.push([name, node]);
  }
  for (const state of graph.clusters.values()) {
    if (!graph.nodes.has(state.cluster.id) || !ids.has(state.cluster.parent)) continue;
    const name = `c${clusters.length}`;
    ids.set(state.cluster.id, name);
    clusters.push([name, state]);
  }
  const edges = [...graph.edges.values()]
    .filter((edge) => !graph.clusters.has(edge.source) && !graph.clusters.has(edge.target))
    .flatMap((edge) => {
      const [from, to] = [ids.get(edge.source), ids.get(edge.target)];
      return from && to ? [{ from, to, kind: edge.kind }] : [];
    });
  return { nodes, clusters, ids, edges };
}

function clusterEnds(state: ClusterState, name: string, ids: Map<string, string>): [string, string] {
  const parent = ids.get(state.cluster.parent) ?? "";
  return state.cluster.side === "DOWNSTREAM" ? [parent, name] : [name, parent];
}

export function asMermaid(graph: LineageGraph): string {
  const { nodes, clusters, ids, edges } = parts(graph);
  const lines = ["flowchart LR"];
  for (const [name, node] of nodes) {
    const text = nodeLabel(node).replace(/"/g, "'");
    lines.push(node.kind === "artifact" ? `  ${name}(["${text}"])` : `  ${name}["${text}"]`);
  }
  for (const [name, state] of clusters) {
    lines.push(`  ${name}[["${clusterLabel(state)}"]]`);
    const [from, to] = clusterEnds(state, name, ids);
    lines.push(`  ${from} -.-> ${to}`);
  }
  for (const edge of edges) lines.push(`  ${edge.from} -->|${edge.kind}| ${edge.to}`);
  return lines.join("\n");
}

export function asDot(graph: LineageGraph): string {
  const { nodes, clusters, ids, edges } = parts(graph);
  const lines = ["digraph lineage {", "  rankdir=LR;"];
  for (const [name, node] of nodes) {
    const shape = node.kind === "artifact" ? "ellipse" : "box";
    lines.push(`  ${name} [shape=${shape}, label=${JSON.stringify(nodeLabel(node))}];`);
  }
  for (const [name, state] of clusters) {
    lines.push(`  ${name} [shape=folder, label=${JSON.stringify(clusterLabel(state))}];`);
    const [from, to] = clusterEnds(state, name, ids);
    lines.push(`  ${from} -> ${to} [style=dashed];`);
  }
  for (const edge of edges) lines.push(`  ${edge.from} -> ${edge.to} [label=${JSON.stringify(edge.kind)}];`);
  lines.push("}");
  return lines.join("\n");
}
