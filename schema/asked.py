"""What a request asks, worked out once: a document's operation with one set of variables, its root fields'
selections, their estimated cost, and the statements they compile to for each caller.

All of it is a function of the document, the operation, the variables sent and (for the statements) the
caller's `$caller` parameter and the server's limits; none of it reads the graph or the clock. So a request
that sends the same variables as an earlier one (a client polling `artifact(ref: "…:latest")`, a page asking
the same lineage) skips variable coercion, field collection, argument coercion, the cost estimate and the
compile, which were a fifth of the server's CPU for a registry read. What the statements return is read anew
every time."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import FieldNode

from cypher.executor import Statement
from cypher.printer import Limits
from cypher.selection import Field
from schema.selection import RequestFields

KEPT_REQUESTS = 1024  # requests kept, over all documents
KEPT_BYTES = 32 * 1024 * 1024  # and the bytes of their variables and statements, at most
KEPT_CALLERS = 4  # callers whose statements one request keeps
KEPT_VARIABLE_BYTES = 4096  # requests whose variables are longer as JSON are not kept
KEPT_CALLER_BYTES = 16384  # nor statements for a `$caller` longer than this (a user of thousands of entities)
ASKED_BYTES = 8192  # what a kept request is counted for at least
FIELD_BYTES = 1024  # and for each field it selects (measured: about 125 bytes held for each)
Key = tuple[int, str | None, bytes]


def exact(value: Any) -> bytes | None:
    """A key equal for two values exactly when they are the same JSON (object keys in any order); None for a
    value that is not plain JSON (an integer past 64 bits, a lone surrogate, NaN or an infinity, which orjson
    would write as null), which is then not kept."""
    try:
        found = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None
    return None if b"null" in found and not _finite(value) else found


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(map(_finite, value.values()))
    if isinstance(value, list):
        return all(map(_finite, value))
    return True


def variables_key(variables: Mapping[str, Any] | None, declared: Sequence[str]) -> bytes | None:
    """The key a request's variables are kept by: those the operation declares (coercion reads no other); None
    (not kept) past KEPT_VARIABLE_BYTES."""
    sent = variables or {}
    found = exact({name: sent[name] for name in declared if name in sent})
    return found if found is not None and len(found) <= KEPT_VARIABLE_BYTES else None


def caller_key(caller: Mapping[str, Any], limits: Limits) -> Hashable | None:
    """What a statement depends on besides the selection: the `$caller` parameter and the limits."""
    found = exact(caller)
    return None if found is None or len(found) > KEPT_CALLER_BYTES else (found, limits)


@dataclass
class Compiled:
    """The root fields' selections and estimated cost, once they compiled without error, and their statements by
    caller (the last KEPT_CALLERS)."""

    selections: dict[str, Field]
    cost: int
    statements: OrderedDict[Hashable, dict[str, Statement]] = field(default_factory=OrderedDict)

    def statements_for(self, caller: Hashable) -> dict[str, Statement] | None:
        found = self.statements.get(caller)
        if found is not None:
            self.statements.move_to_end(caller)
        return found


@dataclass
class Asked:
    """One document's operation with one set of variables: the coerced variables and the root fields by response
    key (`request`, `roots`), and what they compile to once known (`compiled`). Kept (`key`) once it compiled."""

    document: object  # the prepared document this was worked out from: a document prepared anew misses
    operation: str | None
    variables: bytes | None  # the key of its declared variables (None: not to be kept)
    request: RequestFields
    roots: dict[str, list[FieldNode]]
    compiled: Compiled | None = None
    key: Key | None = None  # where AskedRequests keeps it
    size: int = 0  # the bytes it is counted for


class AskedRequests:
    """The requests that compiled lately, least recently asked forgotten first once there are more than
    `capacity` or they count more than `budget` bytes. A request is counted for what it holds, generously: a
    fixed ASKED_BYTES, FIELD_BYTES for each field of its selections (with what was collected to make them), its
    variables, and each caller's statement texts. It is kept by its prepared document's `id` (the entry holds
    the document, so the id is not reused meanwhile), operation name and variables."""

    def __init__(self, capacity: int = KEPT_REQUESTS, budget: int = KEPT_BYTES) -> None:
        self.capacity = capacity
        self.budget = budget
        self.size = 0
        self._kept: OrderedDict[Key, Asked] = OrderedDict()

    def get(self, document: object, operation: str | None, variables: bytes | None) -> Asked | None:
        if variables is None:
            return None
        key = (id(document), operation, variables)
        found = self._kept.get(key)
        if found is None or found.document is not document:
            return None
        self._kept.move_to_end(key)
        return found

    def keep(
        self, asked: Asked, caller: Hashable, selections: dict[str, Field], statements: dict[str, Statement], cost: int
    ) -> None:
        """Keep what a request compiled to without error, for the next one with the same variables and caller."""
        if asked.variables is None:
            return
        if asked.key is None:
            key = (id(asked.document), asked.operation, asked.variables)
            if key in self._kept:
                return  # another request's, kept meanwhile
            asked.key = key
            asked.compiled = Compiled(selections, cost)
            self._kept[key] = asked
            self._grow(asked, ASKED_BYTES + len(asked.variables) + FIELD_BYTES * _fields(selections.values()))
        elif self._kept.get(asked.key) is not asked or asked.compiled is None:
            return  # forgotten meanwhile
        kept = asked.compiled.statements
        if caller in kept:
            return
        kept[caller] = statements
        grown = _size(statements)
        if len(kept) > KEPT_CALLERS:
            grown -= _size(kept.popitem(last=False)[1])
        self._grow(asked, grown)

    def forget(self, document: object) -> None:
        """Drop the requests of a document no longer prepared."""
        for key in [key for key, asked in self._kept.items() if asked.document is document]:
            self._drop(self._kept.pop(key))

    def _grow(self, asked: Asked, added: int) -> None:
        asked.size += added
        self.size += added
        while self._kept and (len(self._kept) > self.capacity or self.size > self.budget):
            self._drop(self._kept.popitem(last=False)[1])

    def _drop(self, asked: Asked) -> None:
        self.size -= asked.size
        asked.key = None


def _fields(selections: Iterable[Field]) -> int:
    """How many fields the selections hold, under every type they select on."""
    return sum(1 + _fields(each for fields in field_.selections.values() for each in fields) for field_ in selections)


def _size(statements: Mapping[str, Statement]) -> int:
    """What a caller's statements are counted for: their texts (their parameters hold the variables and the
    `$caller`, both bounded above)."""
    return sum(len(statement.text) for statement in statements.values()) + KEPT_VARIABLE_BYTES + KEPT_CALLER_BYTES
