// The view as text: Mermaid and Graphviz DOT, exactly as `stemma lineage --format mermaid|dot` prints a lineage
// answer (schema/lineage_formats.py; the README's "Lineage as text" is the specification): nodes n0… in the
// order they joined the view, clusters c0… hung off their parent by a dashed edge, lineage edges labelled with
// their kind (and the alias a run used), left to right.

import type { ClusterState, GraphEdge, GraphNode, LineageGraph } from "./lineage-model";

interface Parts {
  nodes: [string, GraphNode][];
  clusters: [string, ClusterState][];
  ids: Map<string, string>;
  edges: { from: string; to: string; label: string }[];
  root: string;
}

function edgeLabel(edge: GraphEdge): string {
  return edge.alias ? `${edge.kind} (${edge.alias})` : edge.kind;
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
      return from && to ? [{ from, to, label: edgeLabel(edge) }] : [];
    });
  return { nodes, clusters, ids, edges, root: ids.get(graph.rootId) ?? "n0" };
}

function clusterEnds(state: ClusterState, name: string, ids: Map<string, string>): [string, string] {
  const parent = ids.get(state.cluster.parent) ?? "";
  return state.cluster.side === "DOWNSTREAM" ? [parent, name] : [name, parent];
}

/** Text safe inside a quoted Mermaid label: `#`, `"`, `<` and `>` as Mermaid's entity codes. */
function mermaidText(text: string): string {
  return text.replace(/#/g, "#35;").replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
}

function mermaidShape(kind: GraphNode["kind"], text: string): string {
  if (kind === "artifact") return `(["${text}"])`;
  if (kind === "hidden") return `{{"${text}"}}`;
  return `["${text}"]`;
}

export function asMermaid(graph: LineageGraph): string {
  const { nodes, clusters, ids, edges, root } = parts(graph);
  const lines = ["flowchart LR"];
  for (const [name, node] of nodes) {
    lines.push(`  ${name}${mermaidShape(node.kind, node.lines.map(mermaidText).join("<br/>"))}`);
  }
  for (const [name, state] of clusters) {
    lines.push(`  ${name}[["${mermaidText(state.label)}"]]`);
    const [from, to] = clusterEnds(state, name, ids);
    lines.push(`  ${from} -.-> ${to}`);
  }
  for (const edge of edges) lines.push(`  ${edge.from} -->|"${mermaidText(edge.label)}"| ${edge.to}`);
  lines.push("  classDef root stroke-width:3px;", `  class ${root} root;`);
  return lines.join("\n");
}

/** A quoted DOT string: `\` and `"` escaped, line breaks as `\n`. */
function dotString(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

const DOT_SHAPES: Record<string, string> = { run: "box", artifact: "ellipse", hidden: "hexagon" };

export function asDot(graph: LineageGraph): string {
  const { nodes, clusters, ids, edges, root } = parts(graph);
  const lines = ["digraph lineage {", "  rankdir=LR;"];
  for (const [name, node] of nodes) {
    const extra = (name === root ? ", penwidth=2" : "") + (node.kind === "hidden" ? ", style=dashed" : "");
    lines.push(`  ${name} [shape=${DOT_SHAPES[node.kind]}, label=${dotString(node.lines.join("\n"))}${extra}];`);
  }
  for (const [name, state] of clusters) {
    lines.push(`  ${name} [shape=folder, label=${dotString(state.label)}];`);
    const [from, to] = clusterEnds(state, name, ids);
    lines.push(`  ${from} -> ${to} [style=dashed];`);
  }
  for (const edge of edges) lines.push(`  ${edge.from} -> ${edge.to} [label=${dotString(edge.label)}];`);
  lines.push("}");
  return lines.join("\n");
}
