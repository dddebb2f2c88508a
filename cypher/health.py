"""Whether Neo4j answers, and which version and edition it is."""

from __future__ import annotations

from dataclasses import dataclass

from cypher.errors import StemmaError
from cypher.executor import Executor, Statement
from cypher.named import named


@dataclass(frozen=True)
class Neo4jStatus:
    reachable: bool
    version: str | None = None
    edition: str | None = None
    reason: str | None = None


async def neo4j_status(executor: Executor) -> Neo4jStatus:
    try:
        rows = await executor.read(Statement(named("server_components")))
    except StemmaError as exc:
        return Neo4jStatus(reachable=False, reason=exc.message)
    row = rows[0]
    return Neo4jStatus(reachable=True, version=row["version"], edition=row["edition"])
