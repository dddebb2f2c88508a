"""The requests the benchmark times, for Stemma and for the @neo4j/graphql peer, and how to compare their answers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cypher.executor import Statement
from cypher.ids import as_global_id
from cypher.lineage import compile_lineage
from cypher.printer import Limits
from schema.build import schema
from schema.queries import ROOT_READS
from schema.selection import root_selections

THRESHOLD = 5
MAX_NODES = 500

LINEAGE = """query($ref: String!, $direction: LineageDirection!, $depth: Int!, $threshold: Int!, $max: Int!) {
  lineage(ref: $ref, direction: $direction, depth: $depth, clusterThreshold: $threshold, maxNodes: $max) {
    nodes { __typename ... on Run { id name state jobType createdAt }
            ... on ArtifactVersion { id ref type version createdAt digest size aliases } }
    edges { kind from to at }
    clusters { id parent side kind count jobType collection }
    truncated
  }
}"""

ARTIFACT = """query($ref: String!) {
  artifact(ref: $ref) { id entity project name version digest size createdAt type aliases }
}"""

VERSIONS = """query($ref: String!) {
  artifactCollection(ref: $ref) { versions(first: 20) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id version digest size createdAt aliases } } } }
}"""

PEER_RUN = "id name state job_type created_at"
PEER_VERSION = "id entity project name version type created_at digest size aliases { name }"

PEER_ARTIFACT = """query($collection: String!, $alias: String!) {
  aliases(where: {collection_id: {eq: $collection}, name: {eq: $alias}}) {
    version { id entity project name version digest size created_at type aliases { name } } }
}"""

PEER_VERSIONS = """query($entity: String!, $project: String!, $name: String!) {
  artifactCollections(where: {entity: {eq: $entity}, project: {eq: $project}, name: {eq: $name}}) {
    versionsConnection(first: 20, sort: [{node: {version: DESC}}]) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { id version digest size created_at aliases { name } } } } }
}"""


def lineage_variables(ref: str, direction: str, depth: int) -> dict[str, Any]:
    return {"ref": ref, "direction": direction, "depth": depth, "threshold": THRESHOLD, "max": MAX_NODES}


def compiled_lineage(ref: str, direction: str, depth: int, caller: dict[str, Any]) -> Statement:
    """The one statement Stemma's compiler writes for `LINEAGE` (what the server sends to Neo4j)."""
    [selection] = root_selections(schema._schema, LINEAGE, lineage_variables(ref, direction, depth))
    return compile_lineage(selection, caller, Limits())


def compiled_artifact(ref: str, caller: dict[str, Any]) -> Statement:
    """The one statement Stemma's compiler writes for `ARTIFACT`."""
    [selection] = root_selections(schema._schema, ARTIFACT, {"ref": ref})
    return ROOT_READS["artifact"].compile(selection, caller, Limits())


def peer_lineage(direction: str, depth: int) -> str:
    """The closest @neo4j/graphql request: the cone as a tree of nested relationship fields, `depth` levels deep.

    @neo4j/graphql has no variable-length traversal and no clusters: each level is a
    nested field, every list capped at MAX_NODES (so a hub returns its first 500
    consumers instead of a cluster), and a node reached by several paths appears
    once per path. The root is found by its collection id and version number, the
    key Neo4j indexes (its client resolves the collection id once)."""

    def branch(upstream: bool, on_version: bool, left: int) -> str:
        if left == 0:
            return ""
        if on_version:
            field, fields = ("loggedBy", PEER_RUN) if upstream else ("usedBy", PEER_RUN)
        else:
            field, fields = ("inputs", PEER_VERSION) if upstream else ("outputs", PEER_VERSION)
        return f"{field}(limit: {MAX_NODES}) {{ {fields} {branch(upstream, not on_version, left - 1)} }}"

    sides = {"UPSTREAM": (True,), "DOWNSTREAM": (False,), "BOTH": (True, False)}[direction]
    trees = " ".join(branch(upstream, True, depth) for upstream in sides)
    return f"""query($collection: String!, $version: Int!) {{
  artifactVersions(where: {{collection_id: {{eq: $collection}}, version: {{eq: $version}}}}) {{
    {PEER_VERSION} {trees} }}
}}"""


def peer_root(collection_id: str, ref: str) -> dict[str, Any]:
    """The peer's variables for ENTITY/PROJECT/NAME:vN in the collection `collection_id`."""
    return {"collection": collection_id, "version": int(ref.rsplit(":v", 1)[1])}


def stored_id(node_id: str) -> str:
    """A node's stored id: GraphQL answers name nodes by global id, compiled Cypher and the others by the id
    stored on the node."""
    found = as_global_id(node_id, "id")
    return "/".join(found[1]) if found else node_id


def answer_of_stemma(lineage: dict[str, Any]) -> dict[str, Any]:
    """Node ids, edges and clusters of a lineage answer (GraphQL or compiled Cypher), for comparison."""
    nodes = [stored_id(node["id"]) for node in lineage["nodes"]]
    edges = {
        (edge["kind"], stored_id(edge.get("from", edge.get("from_"))), stored_id(edge["to"]))
        for edge in lineage["edges"]
    }
    clusters = {(stored_id(c["parent"]), c["side"], c["count"]) for c in lineage["clusters"]}
    return {"nodes": nodes, "edges": edges, "clusters": clusters, "truncated": lineage["truncated"]}


def answer_of_floor(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "nodes": [node["id"] for node in row["nodes"]],
        "edges": {(edge["kind"], edge["from"], edge["to"]) for edge in row["edges"]},
        "clusters": {(c["parent"], c["side"], c["count"]) for c in row["clusters"]},
        "truncated": row["truncated"],
    }


def peer_node_ids(data: dict[str, Any]) -> tuple[set[str], int]:
    """Distinct node ids in the peer's tree, and how many tree nodes (paths) it returned."""
    ids: set[str] = set()
    total = 0

    def walk(items: Iterable[dict[str, Any]]) -> None:
        nonlocal total
        for item in items:
            total += 1
            ids.add(item["id"])
            for key in ("usedBy", "loggedBy", "inputs", "outputs"):
                walk(item.get(key, ()))

    walk(data["artifactVersions"])
    return ids, total
