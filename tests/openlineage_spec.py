"""OpenLineage events checked against the spec as `openlineage-python` carries it: its `generated` classes are
made from the spec's JSON schemas (the core spec and each facet's), one class per `$defs` entry, with the
schema's required properties as fields without defaults, its enums, and its formats as validators (date-time,
uuid, uri). No package this machine reaches ships the schema files themselves, so an event is walked against
those classes: every required property present, every value of its type, every format valid, and a facet whose
`_schemaURL` names one of the spec's facet schemas checked against that schema (others as any facet)."""

from __future__ import annotations

import enum
import importlib
import pkgutil
import types
import typing
from typing import Any

import attr
from openlineage.client import generated
from openlineage.client.generated import base

EVENTS = {"RunEvent": base.RunEvent, "DatasetEvent": base.DatasetEvent, "JobEvent": base.JobEvent}


def _facet_classes() -> dict[str, type]:
    """Every facet the spec defines, by its schema URL (`…/ParentRunFacet.json#/$defs/ParentRunFacet`)."""
    found: dict[str, type] = {}
    for module in pkgutil.iter_modules(generated.__path__):
        loaded = importlib.import_module(f"{generated.__name__}.{module.name}")
        for value in vars(loaded).values():
            if isinstance(value, type) and attr.has(value) and issubclass(value, base.BaseFacet):
                found[value._get_schema()] = value
    return found


FACETS = _facet_classes()


def spec_problems(event: dict[str, Any]) -> list[str]:
    """What in `event` the spec does not allow, each with its path; empty when it conforms."""
    problems: list[str] = []
    kind = "RunEvent" if "run" in event else "DatasetEvent" if "dataset" in event else "JobEvent"
    _check(event, EVENTS[kind], "", problems)
    return problems


def unknown_facets(event: Any) -> list[str]:
    """The `_schemaURL`s of the facets in `event` that name no facet of the spec (the spec allows custom ones)."""
    if isinstance(event, list):
        return [url for item in event for url in unknown_facets(item)]
    if not isinstance(event, dict):
        return []
    found = [url for key, value in event.items() if key == "_schemaURL" and (url := str(value)) not in FACETS]
    return found + [url for key, value in event.items() if key != "_schemaURL" for url in unknown_facets(value)]


def _check(value: Any, hint: Any, where: str, problems: list[str]) -> None:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return
        choices = [arg for arg in args if arg is not type(None)]
        if len(choices) > 1:  # one of several: the value must be one of them
            if all(_problems_as(value, choice, where) for choice in choices):
                problems.append(f"{where}: {value!r} is none of {', '.join(map(str, choices))}")
            return
        hint = choices[0]
        origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return
    if origin is list:
        if not isinstance(value, list):
            problems.append(f"{where}: an array is required")
            return
        for index, item in enumerate(value):
            _check(item, args[0], f"{where}[{index}]", problems)
    elif origin is dict:
        if not isinstance(value, dict):
            problems.append(f"{where}: an object is required")
            return
        for key, item in value.items():
            _check(item, args[1], f"{where}.{key}", problems)
    elif isinstance(hint, type) and issubclass(hint, enum.Enum):
        if value not in {member.value for member in hint}:
            problems.append(f"{where}: {value!r} is not one of the spec's {hint.__name__} values")
    elif isinstance(hint, type) and attr.has(hint):
        _check_object(value, hint, where, problems)
    elif hint in (str, bool, int, float):
        if not isinstance(value, hint) or (hint is not bool and isinstance(value, bool)):
            problems.append(f"{where}: a {hint.__name__} is required, got {value!r}")
    else:
        problems.append(f"{where}: the check does not know the type {hint!r}")


def _problems_as(value: Any, hint: Any, where: str) -> list[str]:
    found: list[str] = []
    _check(value, hint, where, found)
    return found


def _check_object(value: Any, cls: type, where: str, problems: list[str]) -> None:
    if not isinstance(value, dict):
        problems.append(f"{where}: an object is required")
        return
    if issubclass(cls, base.BaseFacet):  # a facet of the spec is checked as that facet, a custom one as a facet
        named = FACETS.get(str(value.get("_schemaURL")))
        if named is not None and not issubclass(named, cls):
            problems.append(f"{where}._schemaURL: {value.get('_schemaURL')!r} is not a {cls.__name__}")
            return
        cls = named or cls
    hints = typing.get_type_hints(cls)
    fields = attr.fields(cls)
    for field in fields:
        path = f"{where}.{field.name}".lstrip(".")
        if field.name not in value:
            if field.default is attr.NOTHING:
                problems.append(f"{path}: required by the spec, missing")
            continue
        _check(value[field.name], hints[field.name], path, problems)
        if field.validator is not None and not any(p.startswith(path) for p in problems):
            try:
                field.validator(None, field, value[field.name])
            except (ValueError, TypeError) as exc:
                problems.append(f"{path}: {exc}")
    if not issubclass(cls, base.BaseFacet):  # facets may carry more; the spec's other objects are what we write
        known = {field.name for field in fields}
        problems += [f"{where}.{key}".lstrip(".") + ": not in the spec" for key in value if key not in known]
