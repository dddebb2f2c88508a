"""Scalars: JSON objects (stored as JSON text on nodes), UTC date-times and 64-bit sizes."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any, NewType

import strawberry
from neo4j.time import DateTime as Neo4jDateTime
from strawberry.types.scalar import ScalarDefinition

JSON = NewType("JSON", object)
DateTime = NewType("DateTime", dt.datetime)
Long = NewType("Long", int)

MAX_JSON_DEPTH = 64
EPOCH = dt.datetime(1970, 1, 1)  # in UTC, without a zone: it formats with no offset, and "Z" is appended
MAX_UTC_OFFSET = dt.timedelta(hours=18)  # what Neo4j (Java's ZoneOffset) accepts


def stored_json(text: str | None) -> Any:
    """Metadata and config are kept on nodes as JSON text (Neo4j properties cannot be maps)."""
    return json.loads(text) if text else {}


def _serialize_datetime(value: Any) -> str:
    if type(value) is int:  # microseconds since the epoch, as the compiled reads give date-times (rules.epoch_micros)
        return _utc_text(value)
    if isinstance(value, Neo4jDateTime):
        value = value.to_native()
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    raise ValueError(f"not a date-time: {value!r}")


def _utc_text(micros: int) -> str:
    """`micros` since the epoch as `(EPOCH + timedelta(microseconds=micros)).isoformat() + "Z"` writes it, from
    kept pieces: the day's date, the minute's clock and the second's digits. Twice as fast, and a 500-node
    lineage answer writes a thousand of them (a fifth of its server CPU, py-spy). Out of the years 1 to 9999:
    OverflowError, as the datetime arithmetic raises."""
    seconds, fraction = divmod(micros, 1_000_000)
    days, second = divmod(seconds, 86_400)
    date = _DATES.get(days)
    if date is None:
        if len(_DATES) >= MAX_DATES:
            _DATES.clear()
        date = _DATES[days] = (EPOCH.date() + dt.timedelta(days=days)).isoformat() + "T"
    minute, second = divmod(second, 60)
    if fraction:
        return f"{date}{_CLOCK[minute]}{_SECONDS[second]}.{fraction:06}Z"
    return f"{date}{_CLOCK[minute]}{_SECONDS[second]}Z"


_CLOCK = tuple(f"{hour:02}:{minute:02}:" for hour in range(24) for minute in range(60))  # each minute of a day
_SECONDS = tuple(f"{second:02}" for second in range(60))
_DATES: dict[int, str] = {}  # "YYYY-MM-DDT" by days since the epoch
MAX_DATES = 4096


def _parse_datetime(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError("a DateTime is an ISO 8601 string such as 2026-01-31T12:00:00Z")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"not an ISO 8601 date-time: {value[:64]!r}") from exc
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    offset = parsed.utcoffset() or dt.timedelta()
    if abs(offset) > MAX_UTC_OFFSET:
        raise ValueError(f"a DateTime's UTC offset is at most ±18:00; got {value[:64]!r}")
    try:
        return parsed.astimezone(dt.UTC)
    except OverflowError as exc:
        raise ValueError(f"{value[:64]!r} is outside the years 1 to 9999 in UTC") from exc


def _parse_json(value: Any) -> Any:
    """Any JSON value, refused when it holds NaN or Infinity (no JSON reader accepts them, but Python's
    writes them) or nests deeper than MAX_JSON_DEPTH."""
    pending: list[tuple[Any, int, str]] = [(value, 0, "")]
    while pending:
        item, depth, where = pending.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError(f"JSON numbers must be finite; got {item!r}{_at(where)}")
        if isinstance(item, (dict, list)):
            if depth == MAX_JSON_DEPTH:
                raise ValueError(f"JSON may nest at most {MAX_JSON_DEPTH} objects or lists deep{_at(where)}")
            children = item.items() if isinstance(item, dict) else enumerate(item)
            pending.extend(
                (child, depth + 1, f"{where}.{key}" if isinstance(item, dict) else f"{where}[{key}]")
                for key, child in children
            )
    return value


def _at(where: str) -> str:
    return f" at {where[:200]}" if where else ""


def _parse_long(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not -(2**63) <= value < 2**63:
        raise ValueError("a Long is a whole number within 64 bits")
    return value


SCALARS: dict[object, ScalarDefinition] = {
    JSON: strawberry.scalar(
        name="JSON",
        description="A JSON value; metadata and config are JSON objects.",
        serialize=lambda value: value,
        parse_value=_parse_json,
    ),
    DateTime: strawberry.scalar(
        name="DateTime",
        description="An ISO 8601 date-time in UTC, e.g. 2026-11-25T08:30:00.123Z.",
        serialize=_serialize_datetime,
        parse_value=_parse_datetime,
    ),
    Long: strawberry.scalar(
        name="Long",
        description="A 64-bit integer (byte sizes).",
        serialize=int,
        parse_value=_parse_long,
    ),
}
