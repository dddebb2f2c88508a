"""The inputs built by a plan (schema/fast_inputs.py) are exactly what Strawberry's own conversion builds, for
values with every field, with only the required ones, and with explicit nulls."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry.types.arguments import convert_argument

from schema.build import build_schema
from schema.inputs import CreateRunInput, FileInput, LogArtifactInput, RecordLogInput, RecordRunInput
from schema.types import RunState

SCHEMA = build_schema()
FILE = {"path": "a/b.bin", "digest": "ab" * 32, "size": 3, "ref": None}
LOG = {
    "name": "model",
    "type": "model",
    "files": [FILE, {**FILE, "path": "c", "ref": "s3://b/c"}],
    "metadata": {"acc": 0.9, "nested": [1, {"x": None}]},
    "description": "d",
    "aliases": ["best", "latest"],
}
RUN = {
    "entity": "zoo-team",
    "project": "zoo",
    "runId": "r1",
    "name": "n",
    "jobType": "train",
    "group": "g",
    "config": {"lr": 0.1},
    "tags": ["a", "b"],
    "notes": "hello",
}
VALUES: list[tuple[type, dict[str, Any]]] = [
    (FileInput, FILE),
    (FileInput, {"path": "p", "digest": "cd" * 32, "size": 0}),
    (RecordLogInput, LOG),
    (RecordLogInput, {"name": "m", "type": "model", "files": [], "aliases": []}),
    (LogArtifactInput, {**LOG, "runId": "zoo-team/zoo/r1"}),
    (CreateRunInput, RUN),
    (CreateRunInput, {"entity": "e", "project": "p", "tags": [], "runId": None, "config": None}),
    (RecordRunInput, {**RUN, "state": RunState.CRASHED, "uses": ["data:v0"], "logs": [LOG, LOG]}),
    (RecordRunInput, {"entity": "e", "project": "p", "tags": [], "state": RunState.FINISHED, "uses": [], "logs": []}),
]


def convert(cls: type, value: dict[str, Any]) -> Any:
    converter = SCHEMA.schema_converter
    return convert_argument(value, cls, converter.scalar_registry, SCHEMA.config)


@pytest.mark.parametrize(("cls", "value"), VALUES)
def test_a_planned_input_equals_what_strawberry_builds(cls: type, value: dict[str, Any]) -> None:
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    planned = convert(cls, value)
    hook, definition.from_input = definition.from_input, None
    try:
        generic = convert(cls, value)
    finally:
        definition.from_input = hook
    assert hook is not None
    assert type(planned) is cls and planned == generic


def test_lists_are_copies_not_the_value_graphql_core_gave() -> None:
    value = {"name": "m", "type": "model", "files": [], "aliases": ["best"]}
    built = convert(RecordLogInput, value)
    built.aliases.append("changed")
    assert value["aliases"] == ["best"]
