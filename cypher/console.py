"""The Cypher console: an admin's own read-only Cypher, with a timeout and a row limit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from neo4j import READ_ACCESS, AsyncManagedTransaction, unit_of_work
from neo4j.exceptions import ClientError, Neo4jError
from neo4j.graph import Node, Path, Relationship
from neo4j.time import Date, DateTime, Duration, Time

from cypher.errors import Forbidden, InvalidInput
from cypher.executor import Executor, translate_driver_error

_LOAD_CSV = re.compile(r"\bLOAD\s+CSV\b", re.IGNORECASE)


@dataclass(frozen=True)
class ConsoleAnswer:
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool


def plain(value: Any) -> Any:
    """A driver value as JSON: nodes and relationships as maps, times as ISO strings."""
    if isinstance(value, Node):
        return {"elementId": value.element_id, "labels": sorted(value.labels), "properties": plain(dict(value))}
    if isinstance(value, Relationship):
        return {
            "elementId": value.element_id,
            "type": value.type,
            "properties": plain(dict(value)),
            "start": value.start_node.element_id if value.start_node else None,
            "end": value.end_node.element_id if value.end_node else None,
        }
    if isinstance(value, Path):
        return {"nodes": [plain(n) for n in value.nodes], "relationships": [plain(r) for r in value.relationships]}
    if isinstance(value, (DateTime, Date, Time, Duration)):
        return value.iso_format()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


async def run_console(
    executor: Executor, text: str, parameters: dict[str, Any], max_rows: int, timeout: float
) -> ConsoleAnswer:
    """Run in a read transaction: writes are refused by Neo4j itself and change nothing."""
    if _LOAD_CSV.search(text):
        raise Forbidden("the console does not read files: LOAD CSV is refused", field="query")

    @unit_of_work(timeout=timeout)
    async def work(tx: AsyncManagedTransaction) -> ConsoleAnswer:
        result = await tx.run(text, parameters)
        keys = list(result.keys())
        rows: list[list[Any]] = []
        async for record in result:
            if len(rows) == max_rows:
                return ConsoleAnswer(keys, rows, True)
            rows.append([plain(value) for value in record.values()])
        return ConsoleAnswer(keys, rows, False)

    try:
        async with executor.driver.session(database=executor.database, default_access_mode=READ_ACCESS) as session:
            return await session.execute_read(work)
    except ClientError as exc:
        code = exc.code or ""
        if "AccessMode" in code or "ForbiddenDueToTransactionType" in code or "write" in (exc.message or "").lower():
            raise Forbidden(
                "the console is read-only: this query writes, and nothing was changed", field="query"
            ) from exc
        if "Timeout" in code or "TimedOut" in code:
            raise InvalidInput(
                f"the query ran past the console's {timeout:g} s limit", field="query", limit=timeout
            ) from exc
        raise InvalidInput(f"query: {exc.message}", field="query") from exc
    except Neo4jError as exc:
        raise translate_driver_error(exc) from exc
