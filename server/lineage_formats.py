"""Lineage answers as text: JSON, Graphviz DOT and Mermaid flowcharts (left to right, like the page)."""

from __future__ import annotations

import json
from typing import Any

QUERY = """query($ref: String!, $direction: LineageDirection!, $depth: Int!) {
  lineage(ref: $ref, direction: $direction, depth: $depth) {
    root { ... on Run { id } ... on ArtifactVersion { id } }
    nodes { __typename ... on Run { id ref name state jobType } ... on ArtifactVersion { id ref type deleted } }
    edges { kind from to at alias created }
    clusters { id parent side kind count jobType collection }
    truncated
  }
}"""


def label(node: dict[str, Any]) -> str:
    if node["__typename"] == "Run":
        return f"{node['name']} ({node['jobType'] or 'run'}, {node['state'].lower()})"
    return f"{node['ref']} [{node['type']}{', deleted' if node['deleted'] else ''}]"


def cluster_label(cluster: dict[str, Any]) -> str:
    what = f"{cluster['jobType']} runs" if cluster["kind"] == "RUN" else f"versions of {cluster['collection']}"
    return f"{cluster['count']} {what}"


def as_json(lineage: dict[str, Any]) -> str:
    return json.dumps(lineage, indent=2)


def as_dot(lineage: dict[str, Any]) -> str:
    ids = {node["id"]: f"n{index}" for index, node in enumerate(lineage["nodes"])}
    lines = ["digraph lineage {", "  rankdir=LR;"]
    for node in lineage["nodes"]:
        shape = "box" if node["__typename"] == "Run" else "ellipse"
        lines.append(f"  {ids[node['id']]} [shape={shape}, label={json.dumps(label(node))}];")
    for index, cluster in enumerate(lineage["clusters"]):
        lines.append(f"  c{index} [shape=folder, label={json.dumps(cluster_label(cluster))}];")
        parent = ids[cluster["parent"]]
        ends = (parent, f"c{index}") if cluster["side"] == "DOWNSTREAM" else (f"c{index}", parent)
        lines.append(f"  {ends[0]} -> {ends[1]} [style=dashed];")
    for edge in lineage["edges"]:
        lines.append(f"  {ids[edge['from']]} -> {ids[edge['to']]} [label={json.dumps(edge['kind'])}];")
    lines.append("}")
    return "\n".join(lines)


def as_mermaid(lineage: dict[str, Any]) -> str:
    ids = {node["id"]: f"n{index}" for index, node in enumerate(lineage["nodes"])}
    lines = ["flowchart LR"]
    for node in lineage["nodes"]:
        text = label(node).replace('"', "'")
        lines.append(
            f'  {ids[node["id"]]}["{text}"]' if node["__typename"] == "Run" else f'  {ids[node["id"]]}(["{text}"])'
        )
    for index, cluster in enumerate(lineage["clusters"]):
        lines.append(f'  c{index}[["{cluster_label(cluster)}"]]')
        parent = ids[cluster["parent"]]
        lines.append(f"  {parent} -.-> c{index}" if cluster["side"] == "DOWNSTREAM" else f"  c{index} -.-> {parent}")
    for edge in lineage["edges"]:
        lines.append(f"  {ids[edge['from']]} -->|{edge['kind']}| {ids[edge['to']]}")
    return "\n".join(lines)


FORMATS = {"json": as_json, "dot": as_dot, "mermaid": as_mermaid}
DIRECTIONS = {"up": "UPSTREAM", "down": "DOWNSTREAM", "both": "BOTH"}
