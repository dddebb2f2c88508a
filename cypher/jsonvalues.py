"""JSON values from clients, checked once for what GraphQL's JSON scalar would read back: at most
MAX_JSON_DEPTH deep, finite numbers, and text that is UTF-8 (no lone surrogates, which JSON's `\\ud800` escapes
can spell). OpenLineage events and bundles are checked here whole, before anything is written."""

from __future__ import annotations

import json
import math
from typing import Any

from cypher.errors import InvalidInput

MAX_JSON_DEPTH = 64  # as GraphQL's JSON scalar reads and writes


def parse_json(body: bytes | str, expected: str, field: str = "body") -> Any:
    """A request body as JSON, or a client error naming `field` that says the body must be `expected`."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        raise InvalidInput(f"the body must be JSON: {expected}", field=field) from None


def json_problem(value: Any, what: str) -> tuple[str, str] | None:
    """The first problem in `value` as (path, message), the path like `runs[2].config.lr`; None when sound.
    `what` names the whole in the depth message ("the event")."""
    pending: list[tuple[Any, int, str]] = [(value, 0, "")]
    while pending:
        item, depth, where = pending.pop()
        problem = None
        if isinstance(item, float) and not math.isfinite(item):
            problem = "numbers must be finite"
        elif isinstance(item, str) and not utf8(item):
            problem = "text must be UTF-8; it holds a lone surrogate"
        elif isinstance(item, (dict, list)):
            if depth == MAX_JSON_DEPTH:
                problem = f"{what} may nest at most {MAX_JSON_DEPTH} objects or lists deep"
            children = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in children:
                if isinstance(key, str) and not utf8(key):
                    problem = "keys must be UTF-8; one holds a lone surrogate"
                pending.append(
                    (child, depth + 1, f"{where}.{key}".lstrip(".") if isinstance(item, dict) else f"{where}[{key}]")
                )
        if problem is not None:
            return printable(where), problem
    return None


def check_json(value: Any, what: str, within: str | None = None) -> None:
    """Refuse `value` at its first problem, naming the path as the field (`body` for the whole); `within` is
    where the value was sent, when it is not the whole body (`input.config`: its path is prefixed)."""
    found = json_problem(value, what)
    if found is not None:
        path = found[0]
        if within:
            path = f"{within}{path}" if path.startswith("[") or not path else f"{within}.{path}"
        field = path or "body"
        raise InvalidInput(f"{field}: {found[1]}", field=field)


def utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable(where: str) -> str:
    """A path fit for a message: lone surrogates escaped, at most 200 characters."""
    return where.encode("utf-8", "backslashreplace").decode()[:200]
