"""How a GraphQL field is read from the graph: the vocabulary `model.py` is written in.

An object is read through a few Cypher variables, named by a `Vars`. Every rule
is plain Python that takes those names and returns Cypher text: a scalar is an
expression over the object's variables; a related object or list says how it
is found from its parent (`Found`: a pattern, extra conditions, and the
variables the found object is read through). New variables come from a
`Fresh` function, so two parts of one statement never share a name. Rules are
fixed text written here and in `model.py`; request values only ever reach a
statement as `$p` parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum

Fresh = Callable[[str], str]
"""A variable name not yet used in the statement, made from a stem: `fresh("x")` -> `"x4"`."""


@dataclass(frozen=True)
class Vars:
    """The Cypher variables an object is read through.

    `node` is the object's node (for a registry version or registry alias: the artifact version). `link` is the
    relationship a listed item hangs by (`USED_BY`, `LOGGED`) or a registry version's `LINKS`; `collection` is a
    registry version's registry collection; `alias` is an `Alias` node. Unused roles are empty."""

    node: str
    link: str = ""
    collection: str = ""
    alias: str = ""

    def names(self) -> set[str]:
        return {name for name in (self.node, self.link, self.collection, self.alias) if name}


NO_PARENT = Vars("")
"""The parent of a root listing: it binds nothing."""


@dataclass(frozen=True)
class Found:
    """Related objects: the pattern that finds them from the parent, conditions on it, how each is read."""

    pattern: str
    item: Vars
    where: str = ""


Finder = Callable[[Vars, Fresh], Found]
"""How a relation is found from its parent's variables, with fresh names for what the pattern introduces."""


class Order(Enum):
    ASC = "ASC"
    DESC = "DESC"


class SortKind(Enum):
    INT = "int"
    STRING = "string"
    DATETIME = "datetime"


@dataclass(frozen=True)
class Sort:
    """One key of a keyset-paginated listing: a property of the item's node (or of its `link`); cursors carry
    these values."""

    prop: str
    order: Order
    kind: SortKind
    on_link: bool = False

    def expr(self, item: Vars) -> str:
        return f"{item.link if self.on_link else item.node}.{self.prop}"


@dataclass(frozen=True)
class Expr:
    """A scalar computed from the object's variables (and fresh ones, for a subquery of its own)."""

    read: Callable[[Vars, Fresh], str]


@dataclass(frozen=True)
class View:
    """The same variables read as another type (an alias's version, a registry version's collection)."""

    type: str
    vars: Callable[[Vars], Vars]


@dataclass(frozen=True)
class One:
    """A single related object found by a pattern (null when the pattern finds none or it is not visible)."""

    type: str
    find: Finder


@dataclass(frozen=True)
class Many:
    """A short list of related objects, unpaginated, in a fixed order."""

    type: str
    find: Finder
    order_by: Callable[[Vars], str]


@dataclass(frozen=True)
class Page:
    """A Relay connection over related objects: filters from arguments, keyset cursors, COUNT for totalCount.

    `filters` maps an argument name to a predicate on the item and the argument's parameter;
    `edge` maps edge field names to expressions on the item (its `link`'s properties);
    `count`, when given, is a kept counter on the parent read instead of counting (for long listings without
    filters); `order_prefix` leads the ORDER BY with a key that is constant within the listing (in the direction
    of the first sort key), so that Neo4j can walk a composite index in order instead of sorting every row."""

    type: str
    find: Finder
    sort: tuple[Sort, ...]
    filters: Mapping[str, Callable[[Vars, str], str]] = field(default_factory=dict)
    edge: Mapping[str, Callable[[Vars], str]] = field(default_factory=dict)
    count: Callable[[Vars], str] | None = None
    order_prefix: Callable[[Vars], str] | None = None


Rule = Expr | View | One | Many | Page


def prop(name: str) -> Expr:
    """The object's node property `name`."""
    return Expr(lambda v, _: f"{v.node}.{name}")


def epoch_micros(value: str) -> str:
    """A date-time as whole microseconds since 1970-01-01T00:00:00Z, an integer (null stays null): the driver
    decodes an integer natively, where each temporal value costs a Python call to hydrate; the DateTime scalar
    writes both the same way."""
    return f"{value}.epochMillis * 1000 + {value}.microsecond % 1000"  # epochSeconds rounds toward zero


def instant(name: str) -> Expr:
    """The object's node property `name`, a date-time, as `epoch_micros`."""
    return Expr(lambda v, _: epoch_micros(f"{v.node}.{name}"))


def link_instant(name: str) -> Callable[[Vars], str]:
    """A date-time property of the relationship an item hangs by, as `epoch_micros`."""
    return lambda item: epoch_micros(f"{item.link}.{name}")


def link_prop(name: str) -> Callable[[Vars], str]:
    """A property of the relationship an item hangs by (an edge field of a connection)."""
    return lambda item: f"{item.link}.{name}"


def equals(name: str) -> Callable[[Vars, str], str]:
    """A filter: the item's node property `name` equals the argument."""
    return lambda item, param: f"{item.node}.{name} = {param}"


def holds_any(name: str) -> Callable[[Vars, str], str]:
    """A filter: the item's list property `name` holds at least one of the argument's values."""
    return lambda item, param: f"any(value IN {item.node}.{name} WHERE value IN {param})"


def starts_with(name: str) -> Callable[[Vars, str], str]:
    """A filter: the item's node property `name` starts with the argument."""
    return lambda item, param: f"{item.node}.{name} STARTS WITH {param}"
