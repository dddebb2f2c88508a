"""A run's history, a page at a time (`runHistory`): rows after a step, in step order, from its chunks.

History is kept in chunks, one per batch a client sent (migration 0010), each a JSON text of rows. A page is
the run's chunks that end after `afterStep`, taken in step order until they hold `maxRows` rows or
`PAGE_BYTES` bytes (at least one chunk), read from each chunk's `count` and `bytes` before any text is read;
the rows at or before `afterStep` and beyond `maxRows` are cut in Python (`page_of`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cypher.access import visible
from cypher.errors import InvalidInput
from cypher.executor import Statement
from cypher.ids import run_key
from cypher.printer import Limits, Scope
from cypher.rules import Vars
from cypher.selection import Field

MAX_ROWS = 10_000
PAGE_BYTES = 4 * 1024 * 1024


def compile_run_history(selection: Field, caller: Mapping[str, Any], limits: Limits) -> Statement:
    """The chunks of one page: their texts, and whether chunks beyond them remain."""
    scope = Scope(caller, limits)
    max_rows = selection.args["maxRows"]
    if not isinstance(max_rows, int) or not 1 <= max_rows <= MAX_ROWS:
        raise InvalidInput(f"maxRows must be between 1 and {MAX_ROWS}; got {max_rows}", field="maxRows", limit=MAX_ROWS)
    after = selection.args.get("afterStep")
    key = run_key(str(selection.args["id"]))
    scope.params.update({"after": -1 if after is None else after, "max_rows": max_rows, "page_bytes": PAGE_BYTES})
    return Statement(
        f"MATCH (r:Run {{id: {scope.param(key)}}}) WHERE {visible('Run', Vars('r'))}\n"
        "WITH r, COLLECT { MATCH (h:RunHistory {run: r.id}) WHERE h.last_step > $after\n"
        "  WITH h ORDER BY h.first_step RETURN [h.first_step, h.count, coalesce(h.bytes, 0)] } AS index\n"
        "WITH r, index, reduce(acc = {rows: 0, bytes: 0, firsts: []}, c IN index |\n"
        "  CASE WHEN size(acc.firsts) > 0 AND (acc.rows >= $max_rows OR acc.bytes >= $page_bytes) THEN acc\n"
        "  ELSE {rows: acc.rows + c[1], bytes: acc.bytes + c[2], firsts: acc.firsts + c[0]} END) AS page\n"
        "RETURN {chunks: COLLECT { MATCH (h:RunHistory {run: r.id}) WHERE h.first_step IN page.firsts\n"
        "  WITH h ORDER BY h.first_step RETURN h.rows }, more: size(index) > size(page.firsts)} AS result",
        scope.params,
    )


def page_of(result: Mapping[str, Any], args: Mapping[str, Any]) -> dict[str, Any]:
    """The page's rows (after `afterStep`, at most `maxRows`), whether more follow, and the step to ask after."""
    after = args.get("afterStep")
    rows = [row for chunk in result["chunks"] for row in json.loads(chunk) if after is None or row["_step"] > after]
    kept = rows[: args["maxRows"]]
    return {
        "rows": kept,
        "has_more": bool(result["more"]) or len(rows) > len(kept),
        "end_step": kept[-1]["_step"] if kept else after,
    }
