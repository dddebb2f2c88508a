"""The one documented bulk loader: writes a `Graph` into Neo4j in the public graph model with batched UNWIND.

It writes exactly the nodes, properties and edges the API writes (design.md,
"Graph model"), and the lineage counts and onward marks the API keeps beside
them (migrations 0007 and 0008), so anything loaded here reads back through GraphQL like data logged
through it. It assumes the graph's keys are new (it CREATEs) and that every
lineage edge joins two nodes of the graph (the counts are made from its rows).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from neo4j import Driver

STATEMENTS = {
    "entities": "UNWIND $rows AS row CREATE (:Entity {name: row.name, created_at: datetime(row.at)})",
    "projects": """UNWIND $rows AS row MATCH (e:Entity {name: row.entity})
        CREATE (:Project {entity: row.entity, name: row.name, created_at: datetime(row.at)})-[:IN]->(e)""",
    "runs": """UNWIND $rows AS row MATCH (p:Project {entity: row.entity, name: row.project})
        CREATE (:Run {id: row.entity + '/' + row.project + '/' + row.run_id, run_id: row.run_id,
          entity: row.entity, project: row.project, name: row.name, job_type: row.job_type, group: row.group,
          state: row.state,
          config: '{}', tags: [], user: 'loader', created_at: datetime(row.at), heartbeat_at: datetime(row.at),
          finished_at: datetime(row.at)})-[:IN]->(p)""",
    "collections": """UNWIND $rows AS row MATCH (p:Project {entity: row.entity, name: row.project})
        CREATE (:ArtifactCollection {id: row.id, entity: row.entity, project: row.project, name: row.name,
          type: row.type, tags: [], created_at: datetime(row.at), next_version: row.next_version,
          live_versions: row.next_version})-[:IN]->(p)""",
    "versions": """UNWIND $rows AS row MATCH (c:ArtifactCollection {id: row.collection_id})
        CREATE (v:ArtifactVersion {id: row.id, collection_id: c.id, entity: c.entity, project: c.project,
          name: c.name, type: c.type, version: row.version, digest: row.digest, size: row.size, file_count: 1,
          file_paths: ['data.bin'], file_digests: [row.digest], file_sizes: [row.size], metadata: '{}', tags: [],
          state: 'committed', created_at: datetime(row.at)})-[:VERSION_OF]->(c)
        MERGE (f:File {digest: row.digest}) CREATE (v)-[:CONTAINS]->(f)""",
    "logged": """UNWIND $rows AS row MATCH (r:Run {id: row.run}) MATCH (v:ArtifactVersion {id: row.version})
        CREATE (r)-[:LOGGED {at: datetime(row.at), created: row.created}]->(v)""",
    "used": """UNWIND $rows AS row MATCH (v:ArtifactVersion {id: row.version}) MATCH (r:Run {id: row.run})
        CREATE (v)-[:USED_BY {at: datetime(row.at), alias: row.alias}]->(r)""",
    "aliases": """UNWIND $rows AS row MATCH (v:ArtifactVersion {id: row.version})
        CREATE (:Alias {collection_id: row.collection_id, name: row.name, created_at: datetime(row.at)})
          -[:POINTS_TO]->(v)""",
    "registries": """UNWIND $rows AS row MATCH (e:Entity {name: row.entity})
        CREATE (:Registry {id: row.id, entity: row.entity, name: row.name, created_at: datetime(row.at)})-[:IN]->(e)""",
    "registry_collections": """UNWIND $rows AS row MATCH (r:Registry {id: row.registry_id})
        CREATE (:RegistryCollection {id: row.id, registry_id: r.id, entity: r.entity, registry: r.name,
          name: row.name, type: row.type, tags: [], created_at: datetime(row.at), next_version: row.next_version})
          -[:IN]->(r)""",
    "links": """UNWIND $rows AS row MATCH (c:RegistryCollection {id: row.collection_id})
        MATCH (v:ArtifactVersion {id: row.version})
        CREATE (c)-[:LINKS {version: row.number, linked_at: datetime(row.at), linked_by: 'loader'}]->(v)""",
}
ORDER = tuple(STATEMENTS)
LINEAGE_COUNTS = """UNWIND $rows AS row CREATE (:LineageCount {node: row.node, side: row.side, group: row.group,
    entity: row.entity, project: row.project, count: row.count, onward: row.onward})"""
LINEAGE_ONWARD = """UNWIND $rows AS row
    CREATE (:LineageOnward {node: row.node, side: row.side, neighbour: row.neighbour, at: datetime(row.at)})"""


@dataclass
class Graph:
    """Rows per kind, in the order they must be written (each row a dict of the statement's fields)."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {kind: [] for kind in ORDER})

    def add(self, kind: str, **row: Any) -> dict[str, Any]:
        self.rows[kind].append(row)
        return row

    def count(self) -> tuple[int, int]:
        """(nodes, relationships) this graph writes."""
        node_kinds = (
            "entities",
            "projects",
            "runs",
            "collections",
            "versions",
            "aliases",
            "registries",
            "registry_collections",
        )
        nodes = sum(len(self.rows[kind]) for kind in node_kinds)
        structural = sum(len(self.rows[kind]) for kind in node_kinds if kind != "entities")
        edges = structural + sum(len(self.rows[kind]) for kind in ("logged", "used", "links"))
        return nodes, edges


def lineage_counts(graph: Graph) -> list[dict[str, Any]]:
    """The counts the write path would keep for the graph's lineage edges: per node, side, group (`job:` + the
    neighbour run's job type, or `group:` + its group + `/` + its job type; `collection:` + the neighbour
    version's collection id) and the neighbours' entity and project, one per edge; `onward` counts those
    neighbours with lineage beyond them on that side (`lineage_onward`)."""
    runs = {f"{row['entity']}/{row['project']}/{row['run_id']}": row for row in graph.rows["runs"]}
    collections = {row["id"]: row for row in graph.rows["collections"]}
    collection_of = {row["id"]: collections[row["collection_id"]] for row in graph.rows["versions"]}

    def job(run_id: str) -> tuple[str, str, str]:
        run = runs[run_id]
        job_type = run["job_type"] or ""
        group = f"group:{run['group']}/{job_type}" if run.get("group") else f"job:{job_type}"
        return group, run["entity"], run["project"]

    def collection(version_id: str) -> tuple[str, str, str]:
        found = collection_of[version_id]
        return "collection:" + found["id"], found["entity"], found["project"]

    def group(node: str) -> tuple[str, str, str]:
        return job(node) if node in runs else collection(node)

    counts: Counter[tuple[str, ...]] = Counter()
    for row in graph.rows["logged"]:
        counts[(row["run"], "DOWNSTREAM", *collection(row["version"]))] += 1
        counts[(row["version"], "UPSTREAM", *job(row["run"]))] += 1
    for row in graph.rows["used"]:
        counts[(row["version"], "DOWNSTREAM", *job(row["run"]))] += 1
        counts[(row["run"], "UPSTREAM", *collection(row["version"]))] += 1
    onward = Counter((mark["node"], mark["side"], *group(mark["neighbour"])) for mark in lineage_onward(graph))
    keys = ("node", "side", "group", "entity", "project")
    return [
        {**dict(zip(keys, key, strict=True)), "count": count, "onward": onward[key]} for key, count in counts.items()
    ]


def lineage_onward(graph: Graph) -> list[dict[str, Any]]:
    """The onward marks the write path would keep (mark_onward.cypher): for each edge a->b, b is onward of a
    (DOWNSTREAM) when b has edges out, a onward of b (UPSTREAM) when a has edges in; `at` is the onward
    node's creation time."""
    created = {f"{row['entity']}/{row['project']}/{row['run_id']}": row["at"] for row in graph.rows["runs"]}
    created.update({row["id"]: row["at"] for row in graph.rows["versions"]})
    edges = [(row["run"], row["version"]) for row in graph.rows["logged"]]
    edges += [(row["version"], row["run"]) for row in graph.rows["used"]]
    starts, ends = {a for a, _ in edges}, {b for _, b in edges}
    marks = [{"node": a, "side": "DOWNSTREAM", "neighbour": b, "at": created[b]} for a, b in edges if b in starts]
    marks += [{"node": b, "side": "UPSTREAM", "neighbour": a, "at": created[a]} for a, b in edges if a in ends]
    return marks


def _batches(rows: Sequence[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def load(driver: Driver, graph: Graph, database: str = "neo4j", batch: int = 5000) -> float:
    """Write the graph; returns the seconds it took."""
    started = time.perf_counter()
    with driver.session(database=database) as session:
        writes = [(STATEMENTS[kind], graph.rows[kind]) for kind in ORDER] + [
            (LINEAGE_COUNTS, lineage_counts(graph)),
            (LINEAGE_ONWARD, lineage_onward(graph)),
        ]
        for text, all_rows in writes:
            for rows in _batches(all_rows, batch):
                session.execute_write(lambda tx, t=text, r=rows: tx.run(t, rows=list(r)).consume())
    return time.perf_counter() - started
