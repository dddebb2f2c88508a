"""Relay pages over keyset cursors: opaque cursors carry the sort values of the last edge.

Backward pages (`last`, `before`) read the same listing in the reverse order from the cursor, then turn the
rows back, so a page is the same whichever way it was reached. Every listing's order is total (its last
key is unique within it), which is what makes both directions well defined.

Every paginated read (connections in `printer.py`, cluster members in `clusters.py`) is written by
`page_rows` from a `Listing`: the rows a pattern finds, after the cursor by `keyset`, in sort order, one more
than the page holds so that `finish_page` can tell whether a next page exists."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from cypher.errors import InvalidInput
from cypher.rules import Order, Sort, SortKind, Vars

_KIND_TYPES: dict[SortKind, type] = {SortKind.INT: int, SortKind.STRING: str, SortKind.DATETIME: str}
_INT64 = range(-(2**63), 2**63)
# What Cypher's toString(datetime) writes for the UTC and offset times Stemma stores.
_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?(?:Z|[+-]\d\d:\d\d)", re.ASCII)
_NANOSECONDS = re.compile(r"(\.\d{6})\d+")
_MAX_OFFSET = dt.timedelta(hours=18)


def encode_cursor(values: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values), separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str, sort: Sequence[Sort], field: str = "after") -> list[Any]:
    """The sort values in a cursor, checked against the listing's sort keys."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeError, RecursionError) as exc:
        raise InvalidInput(f"{field}: not a cursor this API issued", field=field) from exc
    if not isinstance(values, list) or len(values) != len(sort):
        raise InvalidInput(f"{field}: not a cursor for this listing", field=field)
    for value, key in zip(values, sort, strict=True):
        expected = _KIND_TYPES[key.kind]
        if not isinstance(value, expected) or isinstance(value, bool) or not _in_range(value, key.kind):
            raise InvalidInput(f"{field}: not a cursor for this listing", field=field)
    return values


def _in_range(value: object, kind: SortKind) -> bool:
    """A value Neo4j can compare: an integer within 64 bits, a date-time it can parse."""
    if kind is SortKind.INT:
        return value in _INT64
    if kind is SortKind.DATETIME:
        return isinstance(value, str) and _is_datetime(value)
    return _is_unicode(value)


def _is_unicode(value: object) -> bool:
    """False for a string JSON let through that no Unicode text holds (a lone surrogate such as `\\ud800`)."""
    try:
        str(value).encode()
    except UnicodeEncodeError:
        return False
    return True


def _is_datetime(value: str) -> bool:
    if not _DATETIME.fullmatch(value):
        return False
    try:
        parsed = dt.datetime.fromisoformat(_NANOSECONDS.sub(r"\1", value).replace("Z", "+00:00"))
    except ValueError:
        return False
    offset = parsed.utcoffset()
    return offset is not None and abs(offset) <= _MAX_OFFSET


DEFAULT_PAGE_SIZE = 20
DEFAULT_PAGE_SIZES = {"lineageCluster": 50}
"""A page's size when neither `first` nor `last` is given: 20, or for these fields their own."""


@dataclass(frozen=True)
class PageRequest:
    """Which page a connection's arguments ask for: `size` rows after the cursor `after` (forward, `first`), or
    before the cursor `before` (backward, `last`: the listing's order reversed, then turned back)."""

    size: int
    cursor: str | None
    backward: bool

    @property
    def cursor_field(self) -> str:
        return "before" if self.backward else "after"

    def sort(self, sort: Sequence[Sort]) -> tuple[Sort, ...]:
        """The order rows are read in: the listing's, or its reverse when paging backward."""
        if not self.backward:
            return tuple(sort)
        return tuple(replace(key, order=Order.ASC if key.order is Order.DESC else Order.DESC) for key in sort)


def page_request(
    args: Mapping[str, Any], max_page_size: int | None = None, default: int = DEFAULT_PAGE_SIZE
) -> PageRequest:
    """The page `first`/`after` or `last`/`before` ask for; refused, naming the argument, when both sizes are
    given, a cursor goes the other way, or a size is negative or (with `max_page_size`) over the limit."""
    first, last, after, before = (args.get(name) for name in ("first", "last", "after", "before"))
    if first is not None and last is not None:
        raise InvalidInput("last: give first or last, not both", field="last")
    if last is not None:
        if after is not None:
            raise InvalidInput("after: goes with first; page backward from a cursor with before", field="after")
        return PageRequest(check_size(int(last), max_page_size, "last"), _text(before), True)
    if before is not None:
        raise InvalidInput("before: goes with last; page forward from a cursor with after", field="before")
    size = default if first is None else int(first)
    return PageRequest(check_size(size, max_page_size, "first"), _text(after), False)


def _text(cursor: Any) -> str | None:
    return None if cursor is None else str(cursor)


def check_size(size: int, max_page_size: int | None, field: str) -> int:
    if size < 0 or (max_page_size is not None and size > max_page_size):
        bound = "" if max_page_size is None else f" and {max_page_size} (the page size limit)"
        raise InvalidInput(
            f"{field} must be between 0{bound}; got {size}",
            field=field,
            **({} if max_page_size is None else {"limit": max_page_size}),
        )
    return size


def finish_page(raw: dict[str, Any], request: PageRequest) -> dict[str, Any]:
    """Turn the compiled `{edges: size+1 rows in reading order, total_count}` into a Relay connection."""
    rows = raw.get("edges") or []
    kept = rows[: request.size]
    if request.backward:
        kept.reverse()
    edges = [{**row, "cursor": encode_cursor(row["cursor"])} for row in kept]
    more, from_cursor = len(rows) > request.size, request.cursor is not None
    page: dict[str, Any] = {
        "edges": edges,
        "page_info": {
            "has_next_page": from_cursor if request.backward else more,
            "has_previous_page": more if request.backward else from_cursor,
            "start_cursor": edges[0]["cursor"] if edges else None,
            "end_cursor": edges[-1]["cursor"] if edges else None,
        },
    }
    if "total_count" in raw:
        page["total_count"] = raw["total_count"]
    return page


@dataclass(frozen=True)
class Listing:
    """One page of rows as a plan: MATCH `pattern` WHERE `conditions` (the keyset included), carry `carried`,
    ORDER BY `order`, LIMIT `limit` (a parameter: first + 1), and RETURN the map of `row` entries."""

    pattern: str
    conditions: list[str]
    carried: list[str]
    order: list[str]
    limit: str
    row: list[str]


def page_rows(listing: Listing) -> str:
    """A listing as one COLLECT subquery: the list of its rows."""
    return (
        f"COLLECT {{ MATCH {listing.pattern}{where(listing.conditions)} WITH {', '.join(listing.carried)} "
        f"ORDER BY {', '.join(listing.order)} LIMIT {listing.limit} RETURN {{{', '.join(listing.row)}}} }}"
    )


def where(conditions: Sequence[str]) -> str:
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


def order_by(sort: Sequence[Sort], item: Vars) -> list[str]:
    return [f"{key.expr(item)} {key.order.value}" for key in sort]


def cursor_entry(sort: Sequence[Sort], item: Vars) -> str:
    """The row's `cursor`: its sort values (date-times as text), which `finish_page` encodes."""
    values = (f"toString({key.expr(item)})" if key.kind is SortKind.DATETIME else key.expr(item) for key in sort)
    return f"cursor: [{', '.join(values)}]"


def keyset(sort: Sequence[Sort], item: Vars, params: Sequence[str]) -> str:
    """Rows strictly after the cursor in (k1, k2, ...) order: k1 beyond, or equal and k2 beyond, ..."""
    exprs = [key.expr(item) for key in sort]
    values = [f"datetime({p})" if key.kind is SortKind.DATETIME else p for key, p in zip(sort, params, strict=True)]
    alternatives = []
    for i, key in enumerate(sort):
        beyond = "<" if key.order is Order.DESC else ">"
        equal = [f"{exprs[j]} = {values[j]}" for j in range(i)]
        alternatives.append(" AND ".join([*equal, f"{exprs[i]} {beyond} {values[i]}"]))
    return "(" + " OR ".join(f"({alt})" for alt in alternatives) + ")"
