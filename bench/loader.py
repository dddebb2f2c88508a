"""The one documented bulk loader: writes a `Graph` into Neo4j in the public graph model with batched UNWIND.

It writes exactly the nodes, properties and edges the API writes (design.md,
"Graph model"), so anything loaded here reads back through GraphQL like data
logged through it. It assumes the graph's keys are new (it CREATEs).
"""

from __future__ import annotations

import time
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
          entity: row.entity, project: row.project, name: row.name, job_type: row.job_type, state: row.state,
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


def _batches(rows: Sequence[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def load(driver: Driver, graph: Graph, database: str = "neo4j", batch: int = 5000) -> float:
    """Write the graph; returns the seconds it took."""
    started = time.perf_counter()
    with driver.session(database=database) as session:
        for kind in ORDER:
            for rows in _batches(graph.rows[kind], batch):
                session.execute_write(lambda tx, k=kind, r=rows: tx.run(STATEMENTS[k], rows=list(r)).consume())
    return time.perf_counter() - started
