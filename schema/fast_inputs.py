"""Inputs built without Strawberry's generic conversion, for the mutations that carry many of them.

Strawberry converts an argument by walking its type for every value: for each field of each input object it
names the field again, resolves its type and asks whether it is a scalar. A recordRuns batch of 500 runs holds
thousands of input objects, and that walk was a third of the server's time on it. `built_directly` plans each
input class once (its fields' GraphQL names and how each value converts) and gives Strawberry that plan as
the class's `from_input`, the hook Strawberry offers for types that build their own values. The values are
what graphql-core coerced already (scalars parsed, enums as their members); lists are copied, as Strawberry
copies them, because graphql-core hands every request the same default list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING
from typing import Any, TypeVar

from strawberry.types.arguments import InputContext
from strawberry.types.base import StrawberryList, StrawberryOptional, StrawberryType, has_object_definition
from strawberry.types.field import StrawberryField

T = TypeVar("T", bound=type)
Convert = Callable[[Any, InputContext], Any]


def built_directly(cls: T) -> T:
    """Build `cls` (a `strawberry.input`) from its input value by a plan made on first use."""
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    plan: list[tuple[str, str, Convert | None]] = []
    unset: dict[str, None] = {}

    def build(type_: type, value: Mapping[str, Any], context: InputContext) -> Any:
        if not plan:
            plan.extend(_field_plan(field, definition, context) for field in definition.fields)
            # as Strawberry does: a field without a default is None unless given (graphql-core has already
            # refused a missing non-null one)
            unset.update((field.python_name, None) for field in definition.fields if not _has_default(field))
        kwargs: dict[str, Any] = dict(unset)
        for python_name, graphql_name, convert in plan:
            if graphql_name in value:
                item = value[graphql_name]
                kwargs[python_name] = item if convert is None or item is None else convert(item, context)
        return type_(**kwargs)

    definition.from_input = build
    return cls


def _field_plan(field: StrawberryField, definition: Any, context: InputContext) -> tuple[str, str, Convert | None]:
    return (
        field.python_name,
        context.config.name_converter.from_field(field),
        _converter(field.resolve_type(type_definition=definition)),
    )


def _has_default(field: StrawberryField) -> bool:
    return field.default_value is not MISSING or field.default_factory is not MISSING


def _converter(type_: StrawberryType | type) -> Convert | None:
    """How a non-null value of `type_` converts; None: it is used as it is (a scalar or an enum member)."""
    if isinstance(type_, StrawberryOptional):
        return _converter(type_.of_type)
    if isinstance(type_, StrawberryList):
        inner = _converter(type_.of_type)
        if inner is None:
            return lambda value, context: list(value)
        return lambda value, context: [None if item is None else inner(item, context) for item in value]
    if has_object_definition(type_):
        nested = type_
        return lambda value, context: context.convert(value, nested)
    return None
