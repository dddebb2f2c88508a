"""Lineage answers as text: JSON, Graphviz DOT, Mermaid flowcharts (left to right, like the page), GraphML
(for Gephi, yEd, Cytoscape, NetworkX) and OpenLineage RunEvents (for Marquez, DataHub or another Stemma).

The text is a function of the GraphQL answer alone (`QUERY`), so any client can print the same: the README's
"Lineage as text" section is the specification the web page follows. Each node is a few label lines; DOT joins
them with `\\n`, Mermaid with `<br/>`.
"""

from __future__ import annotations

import json
import uuid
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


# The OpenLineage export asks for more: a run's time, id and config, a version's coordinates and metadata, which
# say where an event that came in through /api/v1/lineage came from.
OPENLINEAGE_QUERY = """query($ref: String!, $direction: LineageDirection!, $depth: Int!, $threshold: Int!) {
  lineage(ref: $ref, direction: $direction, depth: $depth, clusterThreshold: $threshold) {
    root { ... on Run { id } ... on ArtifactVersion { id } ... on RedactedNode { id } }
    nodes {
      __typename
      ... on Run { id ref runId entity project name state jobType group createdAt finishedAt config }
      ... on ArtifactVersion { id ref entity project collectionName: name version description metadata }
      ... on RedactedNode { id kind }
    }
    edges { kind from to at alias created }
    clusters { id parent side kind count jobType group collection description }
    truncated
  }
}"""
OPENLINEAGE_SPEC = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
# Each facet has a schema of its own, beside the core spec's; the versions whose fields the export writes.
OPENLINEAGE_FACETS = {
    "ParentRunFacet": "https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json",
    "DatasetVersionDatasetFacet": "https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json",
    "DocumentationDatasetFacet": "https://openlineage.io/spec/facets/1-1-0/DocumentationDatasetFacet.json",
}
OPENLINEAGE_PRODUCER = "https://github.com/stemma-registry/stemma"
EVENT_TYPES = {"RUNNING": "RUNNING", "FINISHED": "COMPLETE", "FAILED": "FAIL", "CRASHED": "ABORT"}


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


def as_openlineage(lineage: dict[str, Any]) -> str:
    """One OpenLineage RunEvent a line per run the answer shows (hidden runs and clusters are left out), in
    node order: its inputs are the versions it used, its outputs those it logged, each with its version as the
    dataset-version facet. What came in through /api/v1/lineage goes out under its own job and dataset names
    and run id; the rest under `stemma://ENTITY/PROJECT` namespaces, the job named by the run's job type, and
    a UUID derived from the run's ref. Sent to /api/v1/lineage, the events make the same lineage again."""
    nodes = {node["id"]: node for node in lineage["nodes"]}
    inputs: dict[str, list[dict[str, Any]]] = {}
    outputs: dict[str, list[dict[str, Any]]] = {}
    for edge in lineage["edges"]:
        if edge["kind"] == "USED_BY" and nodes[edge["from"]]["__typename"] == "ArtifactVersion":
            inputs.setdefault(edge["to"], []).append(_ol_dataset(nodes[edge["from"]]))
        elif edge["kind"] == "LOGGED" and nodes[edge["to"]]["__typename"] == "ArtifactVersion":
            outputs.setdefault(edge["from"], []).append(_ol_dataset(nodes[edge["to"]]))
    events = [
        _ol_event(node, inputs.get(node["id"], []), outputs.get(node["id"], []))
        for node in lineage["nodes"]
        if node["__typename"] == "Run"
    ]
    return "\n".join(json.dumps(event) for event in events)


def _ol_facet(definition: str, **fields: Any) -> dict[str, Any]:
    schema = f"{OPENLINEAGE_FACETS[definition]}#/$defs/{definition}"
    return {"_producer": OPENLINEAGE_PRODUCER, "_schemaURL": schema, **fields}


def _ol_event(run: dict[str, Any], inputs: list[dict[str, Any]], outputs: list[dict[str, Any]]) -> dict[str, Any]:
    came = run["config"].get("openlineage.job")
    if isinstance(came, dict) and isinstance(came.get("namespace"), str) and isinstance(came.get("name"), str):
        job = {"namespace": came["namespace"], "name": came["name"]}
    else:
        job = {"namespace": f"stemma://{run['entity']}/{run['project']}", "name": run["jobType"] or run["name"]}
    try:
        run_id = str(uuid.UUID(run["runId"]))
    except ValueError:
        run_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"stemma://{run['ref']}"))
    facets: dict[str, Any] = {}
    if run["group"]:  # the parent run facet names a run of the job `group`
        parent_id = run["group"] if _is_uuid(run["group"]) else str(uuid.uuid5(uuid.NAMESPACE_URL, run["group"]))
        facets["parent"] = _ol_facet(
            "ParentRunFacet", run={"runId": parent_id}, job={"namespace": job["namespace"], "name": run["group"]}
        )
    return {
        "eventType": EVENT_TYPES[run["state"]],
        "eventTime": run["finishedAt"] or run["createdAt"],
        "producer": OPENLINEAGE_PRODUCER,
        "schemaURL": f"{OPENLINEAGE_SPEC}#/$defs/RunEvent",
        "run": {"runId": run_id, "facets": facets},
        "job": {**job, "facets": {}},
        "inputs": inputs,
        "outputs": outputs,
    }


def _ol_dataset(version: dict[str, Any]) -> dict[str, Any]:
    came = version["metadata"].get("openlineage")
    if isinstance(came, dict) and isinstance(came.get("namespace"), str) and isinstance(came.get("name"), str):
        namespace, name = came["namespace"], came["name"]
    else:
        namespace, name = f"stemma://{version['entity']}/{version['project']}", version["collectionName"]
    facets = {"version": _ol_facet("DatasetVersionDatasetFacet", datasetVersion=f"v{version['version']}")}
    if version["description"]:
        facets["documentation"] = _ol_facet("DocumentationDatasetFacet", description=version["description"])
    return {"namespace": namespace, "name": name, "facets": facets}


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


FORMATS = {
    "json": as_json,
    "dot": as_dot,
    "mermaid": as_mermaid,
    "graphml": as_graphml,
    "openlineage": as_openlineage,
}
QUERIES = {"openlineage": OPENLINEAGE_QUERY}  # the others print QUERY's answer
DIRECTIONS = {"up": "UPSTREAM", "down": "DOWNSTREAM", "both": "BOTH"}
