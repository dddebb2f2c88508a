"""How a GraphQL field is read from the graph: the vocabulary `model.py` is written in.

Templates are Cypher fragments with `@role` placeholders. A role the parent
binds (`@v` is the parent node) is replaced by the parent's variable; any other
`@name` becomes a fresh variable of its own. Templates are fixed text written
here; request values only ever reach a statement as `$p` parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum


class Order(Enum):
    ASC = "ASC"
    DESC = "DESC"


class SortKind(Enum):
    INT = "int"
    STRING = "string"
    DATETIME = "datetime"


@dataclass(frozen=True)
class Sort:
    """One key of a keyset-paginated listing; cursors carry these values."""

    expr: str
    order: Order
    kind: SortKind


@dataclass(frozen=True)
class Expr:
    """A scalar computed from the bound variables."""

    template: str


@dataclass(frozen=True)
class One:
    """A single related object (null when the pattern finds none).

    Without a pattern the object is projected from the parent's own variables,
    re-labelled by `binds` (target role -> parent role)."""

    type: str
    pattern: str | None = None
    binds: Mapping[str, str] = field(default_factory=lambda: {"v": "x"})


@dataclass(frozen=True)
class Many:
    """A short list of related objects, unpaginated, in a fixed order."""

    type: str
    pattern: str
    order_by: str
    where: str = ""
    binds: Mapping[str, str] = field(default_factory=lambda: {"v": "x"})


@dataclass(frozen=True)
class Page:
    """A Relay connection over a pattern: filters from arguments, keyset cursors, COUNT for totalCount.

    `filters` maps an argument name to a predicate using `@p` for its value;
    `edge` maps edge field names to expressions (relationship properties);
    `count`, when given, is a kept counter read instead of counting (for long listings without filters);
    `order_prefix` leads the ORDER BY with a key that is constant within the listing, so that Neo4j can
    walk a composite index in order instead of sorting every row."""

    type: str
    pattern: str
    sort: tuple[Sort, ...]
    where: str = ""
    filters: Mapping[str, str] = field(default_factory=dict)
    edge: Mapping[str, str] = field(default_factory=dict)
    binds: Mapping[str, str] = field(default_factory=lambda: {"v": "x"})
    count: str | None = None
    order_prefix: str | None = None


Rule = Expr | One | Many | Page


def prop(name: str) -> Expr:
    return Expr(f"@v.{name}")
