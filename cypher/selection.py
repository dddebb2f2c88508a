"""A GraphQL selection as plain data: what the compiler reads, free of any GraphQL library."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

_CAMEL_BOUNDARY = re.compile(r"(?<!^)(?=[A-Z])")


@dataclass(frozen=True)
class Field:
    """One selected field: its arguments (defaults applied) and its sub-selections per concrete type."""

    name: str
    alias: str | None = None
    args: Mapping[str, Any] = field(default_factory=dict)
    selections: Mapping[str, tuple[Field, ...]] = field(default_factory=dict)
    many: bool = False  # the field's value is a list of objects

    @property
    def response_key(self) -> str:
        return self.alias or self.name

    @property
    def python_name(self) -> str:
        return _snake(self.name)

    def fields(self, type_name: str) -> tuple[Field, ...]:
        """Sub-fields selected when the value is of `type_name` (fragments already applied)."""
        return self.selections.get(type_name, ())

    def only_type(self) -> tuple[Field, ...]:
        """Sub-fields of a field whose type is a single object type."""
        if len(self.selections) > 1:
            raise ValueError(f"{self.name} has several possible types")
        return next(iter(self.selections.values()), ())

    def child(self, name: str) -> Field | None:
        """The sub-field with this name, for object-typed fields; asked under several aliases, merged (`by_name`)."""
        return by_name(self.only_type()).get(name)

    def merged(self, other: Field) -> Field:
        """`other` with this field's sub-selections too: the same field asked twice (under two aliases, say),
        whose one value in a statement's map must hold what either asks."""
        selections = {t: self.fields(t) + other.fields(t) for t in {*self.selections, *other.selections}}
        return Field(other.name, other.alias, other.args, selections, other.many)


def by_name(fields: Iterable[Field]) -> dict[str, Field]:
    """Sub-fields without arguments by name, one asked under several aliases merged into one: a statement's map
    holds such a field once, under its name (`e1: edges { alias } e2: edges { kind }` reads one `edges`)."""
    found: dict[str, Field] = {}
    for field_ in fields:
        found[field_.name] = found[field_.name].merged(field_) if field_.name in found else field_
    return found


@cache
def _snake(name: str) -> str:
    """A field's name in snake case (`createdAt` → `created_at`): the schema's names, a bounded set."""
    return _CAMEL_BOUNDARY.sub("_", name).lower()
