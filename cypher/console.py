"""The Cypher console: an admin's own read-only Cypher, with a timeout and a row limit.

What a query may do is decided from its plan (EXPLAIN), not from its text: every operator must be a read
operator, and every procedure it calls must be on an allow-list. Text matching cannot work — comments,
escapes and casing all spell `LOAD CSV` differently, and the plan is what Neo4j will actually run."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from neo4j.graph import Node, Path, Relationship
from neo4j.time import Date, DateTime, Duration, Time

from cypher.errors import InvalidInput, TimedOut
from cypher.executor import Executor, ReadTransaction, Statement, StatementRefused

MAX_VALUE_DEPTH = 64
EXPLAIN = "EXPLAIN "
_FIRST_LINE_POSITION = re.compile(r"\(line 1, column (\d+) \(offset: (\d+)\)\)")
PROCEDURES = frozenset(
    {
        "db.labels",
        "db.relationshipTypes",
        "db.propertyKeys",
        "db.schema.visualization",
        "db.schema.nodeTypeProperties",
        "db.schema.relTypeProperties",
    }
)
# Operators that only read the graph (Neo4j 5.26 plan names, without `@db` and `(All)`-style variants).
READ_OPERATORS = frozenset(
    {
        # leaves: scans, seeks and counts
        "AllNodesScan",
        "Argument",
        "ArgumentTracker",
        "AssertingMultiNodeIndexSeek",
        "DirectedAllRelationshipsScan",
        "DirectedRelationshipByElementIdSeek",
        "DirectedRelationshipByIdSeek",
        "DirectedRelationshipIndexContainsScan",
        "DirectedRelationshipIndexEndsWithScan",
        "DirectedRelationshipIndexScan",
        "DirectedRelationshipIndexSeek",
        "DirectedRelationshipIndexSeekByRange",
        "DirectedRelationshipTypeScan",
        "DirectedUnionRelationshipTypesScan",
        "EmptyRow",
        "IntersectionNodeByLabelsScan",
        "MultiNodeIndexSeek",
        "NodeByElementIdSeek",
        "NodeByIdSeek",
        "NodeByLabelScan",
        "NodeCountFromCountStore",
        "NodeIndexContainsScan",
        "NodeIndexEndsWithScan",
        "NodeIndexScan",
        "NodeIndexSeek",
        "NodeIndexSeekByRange",
        "NodeUniqueIndexSeek",
        "NodeUniqueIndexSeekByRange",
        "RelationshipCountFromCountStore",
        "SubtractionNodeByLabelsScan",
        "UndirectedAllRelationshipsScan",
        "UndirectedRelationshipByElementIdSeek",
        "UndirectedRelationshipByIdSeek",
        "UndirectedRelationshipIndexContainsScan",
        "UndirectedRelationshipIndexEndsWithScan",
        "UndirectedRelationshipIndexScan",
        "UndirectedRelationshipIndexSeek",
        "UndirectedRelationshipIndexSeekByRange",
        "UndirectedRelationshipTypeScan",
        "UndirectedUnionRelationshipTypesScan",
        "UnionNodeByLabelsScan",
        # traversals
        "BFSPruningVarLengthExpand",
        "BidirectionalRepeat",
        "Expand",
        "NullifyMetadata",
        "OptionalExpand",
        "ProjectEndpoints",
        "Repeat",
        "ShortestPath",
        "StatefulShortestPath",
        "Trail",
        "TriadicBuild",
        "TriadicFilter",
        "TriadicSelection",
        "VarLengthExpand",
        # rows: filters, projections, joins, subqueries
        "Anti",
        "AntiConditionalApply",
        "AntiSemiApply",
        "Apply",
        "AssertSameNode",
        "AssertSameRelationship",
        "CacheProperties",
        "CartesianProduct",
        "ConditionalApply",
        "Distinct",
        "Eager",
        "EagerAggregation",
        "EmptyResult",
        "ExhaustiveLimit",
        "Filter",
        "LetAntiSemiApply",
        "LetSelectOrAntiSemiApply",
        "LetSelectOrSemiApply",
        "LetSemiApply",
        "Limit",
        "NodeHashJoin",
        "NodeLeftOuterHashJoin",
        "NodeRightOuterHashJoin",
        "Optional",
        "OrderedAggregation",
        "OrderedDistinct",
        "OrderedUnion",
        "PartialSort",
        "PartialTop",
        "ProduceResults",
        "Projection",
        "RollUpApply",
        "SelectOrAntiSemiApply",
        "SelectOrSemiApply",
        "SemiApply",
        "Skip",
        "Sort",
        "Top",
        "Union",
        "Unwind",
        "ValueHashJoin",
        # read-only schema listings (SHOW INDEXES, SHOW CONSTRAINTS)
        "ShowConstraints",
        "ShowIndexes",
    }
)


@dataclass(frozen=True)
class ConsoleAnswer:
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool


def plain(value: Any, depth: int = 0) -> Any:
    """A driver value as JSON: nodes and relationships as maps, times as ISO strings, NaN and ±Infinity
    (which JSON cannot carry) as the strings Cypher prints for them."""
    if depth > MAX_VALUE_DEPTH:
        raise InvalidInput(
            f"query: a value in the answer nests more than {MAX_VALUE_DEPTH} lists or maps deep; "
            "the console cannot return it",
            field="query",
        )
    inner = depth + 1
    if isinstance(value, Node):
        return {"elementId": value.element_id, "labels": sorted(value.labels), "properties": plain(dict(value), inner)}
    if isinstance(value, Relationship):
        return {
            "elementId": value.element_id,
            "type": value.type,
            "properties": plain(dict(value), inner),
            "start": value.start_node.element_id if value.start_node else None,
            "end": value.end_node.element_id if value.end_node else None,
        }
    if isinstance(value, Path):
        return {
            "nodes": [plain(n, inner) for n in value.nodes],
            "relationships": [plain(r, inner) for r in value.relationships],
        }
    if isinstance(value, (DateTime, Date, Time, Duration)):
        return value.iso_format()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value).replace("inf", "Infinity").replace("nan", "NaN")
    if isinstance(value, dict):
        return {str(k): plain(v, inner) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, inner) for v in value]
    return value


def operators(plan: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Every operator of a plan as (name, details): `Expand(All)@neo4j` becomes `Expand`."""
    name = str(plan.get("operatorType", ""))
    yield name.split("@")[0].split("(")[0], str((plan.get("args") or {}).get("Details", ""))
    for child in plan.get("children") or []:
        yield from operators(child)


def check_plan(plan: Mapping[str, Any]) -> None:
    """Refuse a plan that reads files, writes, changes the schema or calls a procedure not on the list."""
    for name, details in operators(plan):
        if name == "LoadCSV":
            raise InvalidInput(
                "query: LOAD CSV reads files and URLs; the console refuses it", field="query", operator=name
            )
        if name == "ProcedureCall":
            procedure = details.split("(")[0].strip()
            if procedure not in PROCEDURES:
                raise InvalidInput(
                    f"query: the console calls only the procedures {', '.join(sorted(PROCEDURES))}; "
                    f"not {procedure[:80] or 'this one'}",
                    field="query",
                    procedure=procedure[:80],
                )
        elif name not in READ_OPERATORS:
            raise InvalidInput(
                f"query: the console runs read-only queries, and this query's plan has a {name} operator",
                field="query",
                operator=name,
            )


def check_limit(limit: int | None, max_rows: int) -> int:
    """Rows to return: `limit` when it is 1 to max_rows, max_rows when it is not given."""
    if limit is None:
        return max_rows
    if not 1 <= limit <= max_rows:
        raise InvalidInput(
            f"limit must be between 1 and {max_rows} (the console's row limit); got {limit}",
            field="limit",
            limit=max_rows,
        )
    return limit


def check_parameters(parameters: object) -> dict[str, Any]:
    """Parameters are a JSON object whose integers fit Neo4j's 64 bits."""
    if parameters is None:
        return {}
    if not isinstance(parameters, dict):
        raise InvalidInput("parameters must be a JSON object of parameter names to values", field="parameters")
    pending: list[Any] = [parameters]
    while pending:
        item = pending.pop()
        if isinstance(item, int) and not isinstance(item, bool) and not -(2**63) <= item < 2**63:
            raise InvalidInput("parameters: integers must fit in 64 bits (Neo4j's INTEGER)", field="parameters")
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return parameters


async def run_console(
    executor: Executor, text: str, parameters: dict[str, Any], max_rows: int, timeout: float
) -> ConsoleAnswer:
    """Check the plan, then run in a read transaction with a timeout; at most `max_rows` rows come back."""

    async def work(tx: ReadTransaction) -> ConsoleAnswer:
        check_plan(await tx.plan(Statement(EXPLAIN + text, parameters)))
        columns, rows, truncated = await tx.first_rows(Statement(text, parameters), max_rows)
        return ConsoleAnswer(columns, [[plain(value) for value in row] for row in rows], truncated)

    try:
        return await executor.read_in(work, timeout)
    except TimedOut as exc:
        raise InvalidInput(
            f"query: it ran past the console's {timeout:g} s limit", field="query", limit=timeout
        ) from exc
    except StatementRefused as exc:
        raise refusal(exc) from exc


def refusal(exc: StatementRefused) -> InvalidInput:
    """Neo4j refused the query: a mistake in it, or a write the read-only transaction would not run."""
    if "AccessMode" in exc.code or "ForbiddenDueToTransactionType" in exc.code:
        return InvalidInput(
            "query: the console is read-only; this query writes, and nothing was changed", field="query"
        )
    return InvalidInput(f"query: {_as_written(exc.message)}", field="query")


def _as_written(message: str) -> str:
    """Neo4j's message about the query as the client wrote it, without the EXPLAIN the console put in front."""
    if f'"{EXPLAIN}' not in message:
        return message
    shift = len(EXPLAIN)
    message = message.replace(f'"{EXPLAIN}', '"', 1)
    position = _FIRST_LINE_POSITION.search(message)
    if position is None:
        return message
    column, offset = int(position[1]) - shift, int(position[2]) - shift
    message = message.replace(position[0], f"(line 1, column {column} (offset: {offset}))")
    return message.replace("\n" + " " * (offset + shift + 1) + "^", "\n" + " " * (offset + 1) + "^")
