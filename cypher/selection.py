"""A GraphQL selection as plain data: what the compiler reads, free of any GraphQL library."""

from __future__ import annotations

import re
from collections.abc import Mapping
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
        """The first sub-field with this name, for object-typed fields."""
        return next((sub for sub in self.only_type() if sub.name == name), None)


@cache
def _snake(name: str) -> str:
    """A field's name in snake case (`createdAt` → `created_at`): the schema's names, a bounded set."""
    return _CAMEL_BOUNDARY.sub("_", name).lower()
