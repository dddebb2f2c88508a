"""What a request asks, worked out once: a document's operation with one set of variables, its root fields'
selections, their estimated cost, and the statements they compile to for each caller.

All of it is a function of the document, the operation, the variables sent and (for the statements) the
caller's `$caller` parameter and the server's limits; none of it reads the graph or the clock. So a request
that sends the same variables as an earlier one (a client polling `artifact(ref: "…:latest")`, a page asking
the same lineage) skips variable coercion, field collection, argument coercion, the cost estimate and the
compile, which were a fifth of the server's CPU for a registry read. What the statements return is read anew
every time."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import FieldNode

from cypher.executor import Statement
from cypher.printer import Limits
from cypher.selection import Field
from schema.selection import RequestFields

KEPT_REQUESTS = 1024  # requests kept, over all documents
KEPT_CALLERS = 4  # callers whose statements one request keeps
KEPT_VARIABLE_BYTES = 4096  # requests whose variables are longer as JSON are not kept: memory stays bounded
KEPT_CALLER_BYTES = 16384  # nor statements for a `$caller` longer than this (a user of thousands of entities)


def exact(value: Any) -> bytes | None:
    """A key equal for two values exactly when they are the same JSON (object keys in any order); None for a
    value that is not plain JSON (an integer past 64 bits, a lone surrogate), which is then not kept."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None


def variables_key(variables: Any) -> bytes | None:
    """The key a request's variables are kept by; None (not kept) past KEPT_VARIABLE_BYTES."""
    found = exact(variables)
    return found if found is not None and len(found) <= KEPT_VARIABLE_BYTES else None


@dataclass
class Compiled:
    """The root fields' selections and estimated cost, once they compiled without error."""

    selections: dict[str, Field]
    cost: int
    statements: OrderedDict[Hashable, dict[str, Statement]] = field(default_factory=OrderedDict)  # by caller

    def statements_for(self, caller: Hashable) -> dict[str, Statement] | None:
        found = self.statements.get(caller)
        if found is not None:
            self.statements.move_to_end(caller)
        return found

    def keep(self, caller: Hashable, statements: dict[str, Statement]) -> None:
        self.statements[caller] = statements
        if len(self.statements) > KEPT_CALLERS:
            self.statements.popitem(last=False)


@dataclass
class Asked:
    """One document's operation with one set of variables: the coerced variables and the root fields by response
    key (`request`, `roots`), and what they compile to once known (`compiled`)."""

    document: object  # the prepared document this was worked out from: a document prepared anew misses
    request: RequestFields
    roots: dict[str, list[FieldNode]]
    compiled: Compiled | None = None


class AskedRequests:
    """The requests worked out lately, least recently asked forgotten first. A request is kept by its prepared
    document (which an entry keeps alive, so its `id` is not reused meanwhile), operation name and variables."""

    def __init__(self, capacity: int = KEPT_REQUESTS) -> None:
        self.capacity = capacity
        self._kept: OrderedDict[tuple[int, str | None, bytes], Asked] = OrderedDict()

    def get(self, document: object, operation: str | None, variables: bytes | None) -> Asked | None:
        if variables is None:
            return None
        key = (id(document), operation, variables)
        found = self._kept.get(key)
        if found is None or found.document is not document:
            return None
        self._kept.move_to_end(key)
        return found

    def keep(self, operation: str | None, variables: bytes | None, asked: Asked) -> None:
        if variables is None:
            return
        self._kept[id(asked.document), operation, variables] = asked
        if len(self._kept) > self.capacity:
            self._kept.popitem(last=False)


def caller_key(caller: Mapping[str, Any], limits: Limits) -> Hashable | None:
    """What a statement depends on besides the selection: the `$caller` parameter and the limits."""
    found = exact(caller)
    return None if found is None or len(found) > KEPT_CALLER_BYTES else (found, limits)
