"""Lineage answers as text: JSON, Graphviz DOT, Mermaid flowcharts (left to right, like the page) and GraphML
(for Gephi, yEd, Cytoscape, NetworkX).

The text is a function of the GraphQL answer alone (`QUERY`), so any client can print the same: the README's
"Lineage as text" section is the specification the web page follows. Each node is a few label lines; DOT joins
them with `\\n`, Mermaid with `<br/>`.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

QUERY = """query($ref: String!, $direction: LineageDirection!, $depth: Int!, $threshold: Int!) {
  lineage(ref: $ref, direction: $direction, depth: $depth, clusterThreshold: $threshold) {
    root { ... on Run { id } ... on ArtifactVersion { id } ... on RedactedNode { id } }
    nodes {
      __typename
      ... on Run { id ref name state jobType group }
      ... on ArtifactVersion { id ref type deleted aliases links { ref aliases } }
      ... on RedactedNode { id kind }
    }
    edges { kind from to at alias created }
    clusters { id parent side kind count jobType group collection description }
    truncated
  }
}"""


def label_lines(node: dict[str, Any]) -> list[str]:
    """What a node says, line by line: a run's name, job type, state and group; a version's ref, type,
    aliases and registry links; a redacted node only its kind."""
    if node["__typename"] == "RedactedNode":
        return ["hidden run" if node["kind"] == "RUN" else "hidden artifact version"]
    if node["__typename"] == "Run":
        lines = [node["name"], f"{node['jobType'] or 'run'}, {node['state'].lower()}"]
        return [*lines, f"group {node['group']}"] if node.get("group") else lines
    lines = [node["ref"], f"{node['type']}{', deleted' if node['deleted'] else ''}"]
    if node["aliases"]:
        lines.append("aliases: " + ", ".join(node["aliases"]))
    for link in node["links"]:
        lines.append(f"registry: {link['ref']}" + (f" ({', '.join(link['aliases'])})" if link["aliases"] else ""))
    return lines


def edge_label(edge: dict[str, Any]) -> str:
    return f"{edge['kind']} ({edge['alias']})" if edge.get("alias") else str(edge["kind"])


def node_ids(lineage: dict[str, Any]) -> dict[str, str]:
    """`n0`, `n1`, … in the answer's node order (nearest first); clusters are `c0`, `c1`, … in theirs."""
    return {node["id"]: f"n{index}" for index, node in enumerate(lineage["nodes"])}


def as_json(lineage: dict[str, Any]) -> str:
    return json.dumps(lineage, indent=2)


def dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


DOT_SHAPES = {"Run": "box", "ArtifactVersion": "ellipse", "RedactedNode": "hexagon"}


def as_dot(lineage: dict[str, Any]) -> str:
    ids = node_ids(lineage)
    root = ids[lineage["root"]["id"]]
    lines = ["digraph lineage {", "  rankdir=LR;"]
    for node in lineage["nodes"]:
        extra = ", penwidth=2" if ids[node["id"]] == root else ""
        extra += ", style=dashed" if node["__typename"] == "RedactedNode" else ""
        label = dot_string("\n".join(label_lines(node))).replace("\n", "\\n")
        lines.append(f"  {ids[node['id']]} [shape={DOT_SHAPES[node['__typename']]}, label={label}{extra}];")
    for index, cluster in enumerate(lineage["clusters"]):
        lines.append(f"  c{index} [shape=folder, label={dot_string(cluster['description'])}];")
        parent = ids[cluster["parent"]]
        ends = (parent, f"c{index}") if cluster["side"] == "DOWNSTREAM" else (f"c{index}", parent)
        lines.append(f"  {ends[0]} -> {ends[1]} [style=dashed];")
    for edge in lineage["edges"]:
        lines.append(f"  {ids[edge['from']]} -> {ids[edge['to']]} [label={dot_string(edge_label(edge))}];")
    lines.append("}")
    return "\n".join(lines)


def mermaid_text(text: str) -> str:
    """Text safe inside a quoted Mermaid label: `#`, `"`, `<` and `>` as Mermaid's entity codes."""
    return text.replace("#", "#35;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


MERMAID_SHAPES: dict[str, Callable[[str], str]] = {
    "Run": lambda text: f'["{text}"]',
    "ArtifactVersion": lambda text: f'(["{text}"])',
    "RedactedNode": lambda text: '{{"' + text + '"}}',
}


def as_mermaid(lineage: dict[str, Any]) -> str:
    ids = node_ids(lineage)
    lines = ["flowchart LR"]
    for node in lineage["nodes"]:
        text = "<br/>".join(mermaid_text(line) for line in label_lines(node))
        lines.append(f"  {ids[node['id']]}{MERMAID_SHAPES[node['__typename']](text)}")
    for index, cluster in enumerate(lineage["clusters"]):
        lines.append(f'  c{index}[["{mermaid_text(cluster["description"])}"]]')
        parent = ids[cluster["parent"]]
        lines.append(f"  {parent} -.-> c{index}" if cluster["side"] == "DOWNSTREAM" else f"  c{index} -.-> {parent}")
    for edge in lineage["edges"]:
        lines.append(f'  {ids[edge["from"]]} -->|"{mermaid_text(edge_label(edge))}"| {ids[edge["to"]]}')
    lines.extend(["  classDef root stroke-width:3px;", f"  class {ids[lineage['root']['id']]} root;"])
    return "\n".join(lines)


GRAPHML = "http://graphml.graphdrawing.org/xmlns"
GRAPHML_KEYS = {  # id: (for, attr.name): every node and edge says each of its own
    "kind": ("all", "kind"),
    "label": ("node", "label"),
    "ref": ("node", "ref"),
    "root": ("node", "root"),
    "alias": ("edge", "alias"),
    "at": ("edge", "at"),
}


def as_graphml(lineage: dict[str, Any]) -> str:
    """One GraphML graph: nodes `n…` (kind Run, ArtifactVersion or RedactedNode) and clusters `c…` (kind
    Cluster), each with its label lines joined by newlines; edges with their kind (a cluster's is CLUSTER)."""
    ET.register_namespace("", GRAPHML)
    graphml = ET.Element(f"{{{GRAPHML}}}graphml")
    for key, (scope, name) in GRAPHML_KEYS.items():
        kind = "boolean" if key == "root" else "string"
        ET.SubElement(graphml, f"{{{GRAPHML}}}key", {"id": key, "for": scope, "attr.name": name, "attr.type": kind})
    graph = ET.SubElement(graphml, f"{{{GRAPHML}}}graph", {"id": "lineage", "edgedefault": "directed"})
    ids = node_ids(lineage)

    def add(parent: ET.Element, tag: str, attributes: dict[str, str], data: dict[str, str | None]) -> None:
        element = ET.SubElement(parent, f"{{{GRAPHML}}}{tag}", attributes)
        for key, value in data.items():
            if value is not None:
                ET.SubElement(element, f"{{{GRAPHML}}}data", {"key": key}).text = value

    for node in lineage["nodes"]:
        root = "true" if node["id"] == lineage["root"]["id"] else None
        text = "\n".join(label_lines(node))
        add(
            graph,
            "node",
            {"id": ids[node["id"]]},
            {"kind": node["__typename"], "label": text, "ref": node.get("ref"), "root": root},
        )
    for index, cluster in enumerate(lineage["clusters"]):
        add(graph, "node", {"id": f"c{index}"}, {"kind": "Cluster", "label": cluster["description"]})
        parent = ids[cluster["parent"]]
        ends = (parent, f"c{index}") if cluster["side"] == "DOWNSTREAM" else (f"c{index}", parent)
        add(graph, "edge", {"source": ends[0], "target": ends[1]}, {"kind": "CLUSTER"})
    for edge in lineage["edges"]:
        data = {"kind": edge["kind"], "alias": edge.get("alias"), "at": edge.get("at")}
        add(graph, "edge", {"source": ids[edge["from"]], "target": ids[edge["to"]]}, data)
    ET.indent(graphml)
    return ET.tostring(graphml, encoding="unicode", xml_declaration=True)


FORMATS = {"json": as_json, "dot": as_dot, "mermaid": as_mermaid, "graphml": as_graphml}
DIRECTIONS = {"up": "UPSTREAM", "down": "DOWNSTREAM", "both": "BOTH"}
