"""Client mistakes are client errors: BAD_USER_INPUT naming the argument and the rule, never an internal error."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from graphql import GraphQLEnumType, Undefined, get_named_type, is_leaf_type, is_non_null_type
from neo4j import Driver

from schema.build import schema
from tests.builders import Builder
from tests.client import GraphQLClient

UPDATE = 'mutation($m: JSON) { updateArtifactVersion(ref: "zoo-team/zoo/data:v0", metadata: $m) { metadata } }'


def cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


def body(api: GraphQLClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The answer to a request whose variables may hold NaN (sent as the NaN token, which Python's json reads)."""
    response = api.http.post(
        "/graphql",
        content=json.dumps({"query": query, "variables": variables or {}}),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_numbers_in_json_variables_are_refused_naming_the_argument(
    api: GraphQLClient, number: float
) -> None:
    zoo = Builder(api)
    zoo.log(zoo.run("r1"), "data", metadata={"x": 1})
    errors = body(api, UPDATE, {"m": {"x": [1, number]}})["errors"]
    assert [error["extensions"] for error in errors] == [{"code": "BAD_USER_INPUT", "field": "metadata"}]
    assert f"JSON numbers must be finite; got {number!r} at .x[1]" in errors[0]["message"]
    assert errors[0]["message"].startswith("Variable '$m' has invalid value: ")
    assert api.query('{ artifact(ref: "zoo-team/zoo/data:v0") { metadata } }')["artifact"]["metadata"] == {"x": 1}


def test_non_finite_numbers_in_json_literals_and_inputs_are_refused(api: GraphQLClient) -> None:
    zoo = Builder(api)
    run = zoo.run("r1")
    zoo.log(run, "data")
    literal = api.error('mutation { updateArtifactVersion(ref: "zoo-team/zoo/data:v0", metadata: {x: 1e400}) { id } }')
    assert literal["extensions"] == {"code": "BAD_USER_INPUT", "field": "metadata"}
    assert literal["message"].startswith("metadata: Expected value of type 'JSON', but encountered error ")
    assert "JSON numbers must be finite; got inf at .x" in literal["message"]
    manifest = [{"path": "a.bin", "digest": api.put_file(b"a"), "size": 1}]
    log = "mutation($i: LogArtifactInput!) { logArtifact(input: $i) { created } }"
    logged = body(
        api,
        log,
        {"i": {"runId": run, "name": "m", "type": "model", "files": manifest, "metadata": {"acc": float("nan")}}},
    )["errors"]
    assert [error["extensions"] for error in logged] == [{"code": "BAD_USER_INPUT", "field": "input.metadata"}]
    assert logged[0]["message"].startswith("Variable '$i' has invalid value at .metadata: ")


def test_json_nested_past_the_limit_is_refused_naming_the_argument(api: GraphQLClient) -> None:
    zoo = Builder(api)
    zoo.log(zoo.run("r1"), "data")
    assert api.query(UPDATE, m=nested(63))["updateArtifactVersion"]["metadata"] == nested(63)
    for depth in (65, 900):
        error = api.error(UPDATE, m=nested(depth))
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "metadata"}
        assert "JSON may nest at most 64 objects or lists deep at .a.a" in error["message"]


def test_version_numbers_past_64_bits_are_refused_naming_the_reference(api: GraphQLClient) -> None:
    for label in ("v9223372036854775808", "v99999999999999999999", "v" + "9" * 5000):
        error = api.error("query($r: String!) { artifact(ref: $r) { id } }", r=f"e/p/c:{label}")
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "ref"}
        assert error["message"].startswith("ref (version): version numbers are at most 9223372036854775807 (64 bits)")
    largest = api.error('{ artifact(ref: "e/p/c:v9223372036854775807") { id } }')
    assert largest["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    "values",
    [[2**64], [-(2**63) - 1], [1e400], [[1]]],
)
def test_tampered_version_cursors_are_refused(api: GraphQLClient, values: list[Any]) -> None:
    zoo = Builder(api)
    run = zoo.run("r1")
    zoo.log(run, "data")
    query = (
        '{ artifactCollection(ref: "zoo-team/zoo/data") { versions(first: 1, after: $after) { edges { cursor } } } }'
    )
    error = api.error(
        query.replace("{ artifactCollection", "query($after: String) { artifactCollection"), after=cursor(values)
    )
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}
    assert error["message"] == "after: not a cursor for this listing"


@pytest.mark.parametrize(
    "created",
    ["2026-99-02T15:32:11.508Z", "2026-02-29T00:00:00Z", "2026-01-01T00:00:00+19:00", "yesterday", "2026-01-01"],
)
def test_tampered_date_time_cursors_are_refused(api: GraphQLClient, created: str) -> None:
    zoo = Builder(api)
    zoo.run("r1")
    zoo.run("r2")
    query = 'query($a: String) { runs(entity: "zoo-team", project: "zoo", first: 1, after: $a) { edges { cursor } } }'
    issued = api.query(query)["runs"]["edges"][0]["cursor"]
    assert len(api.query(query, a=issued)["runs"]["edges"]) == 1
    error = api.error(query, a=cursor([created, "zoo-team/zoo/r2"]))
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}
    assert error["message"] == "after: not a cursor for this listing"


def defaulted_root_arguments() -> list[tuple[str, str, str, str]]:
    """(operation, root field, argument, its type) for every non-null root argument that has a default."""
    cases = []
    for operation, root in (("query", schema._schema.query_type), ("mutation", schema._schema.mutation_type)):
        assert root is not None
        for name, field in root.fields.items():
            for argument, definition in field.args.items():
                if is_non_null_type(definition.type) and definition.default_value is not Undefined:
                    cases.append((operation, name, argument, str(definition.type)))
    return cases


def placeholder(type_: Any) -> str:
    """A literal of the type for an argument the test does not care about: an enum's first value, else "x"."""
    named = get_named_type(type_)
    return next(iter(named.values)) if isinstance(named, GraphQLEnumType) else '"x"'


@pytest.mark.parametrize(("operation", "root", "argument", "type_"), defaulted_root_arguments())
def test_an_explicit_null_for_an_argument_with_a_default_is_refused_naming_it(
    api: GraphQLClient, operation: str, root: str, argument: str, type_: str
) -> None:
    required = schema._schema.query_type if operation == "query" else schema._schema.mutation_type
    assert required is not None
    others = ", ".join(
        f"{name}: {placeholder(definition.type)}"
        for name, definition in required.fields[root].args.items()
        if is_non_null_type(definition.type) and definition.default_value is Undefined and name != argument
    )
    nullable = type_.removesuffix("!")
    answer = "" if is_leaf_type(get_named_type(required.fields[root].type)) else "{ __typename }"
    document = f"{operation}($v: {nullable}) {{ {root}({others}{', ' if others else ''}{argument}: $v) {answer} }}"
    error = api.error(document, v=None)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": argument}
    assert error["message"] == (
        f"Argument '{argument}' has invalid value: Expected variable '$v' provided to non-null type '{type_}' "
        "not to be null."
    )


def test_explicit_nulls_in_input_fields_are_refused_naming_them(api: GraphQLClient) -> None:
    Builder(api).run("r1")
    nested_first = api.query(
        'query($f: Int) { entity(name: "zoo-team") { projects(first: $f) { edges { node { name } } } } }', f=None
    )
    assert nested_first == {"entity": {"projects": {"edges": [{"node": {"name": "zoo"}}]}}}  # null first: the default
    tags = api.error(
        'mutation($t: [String!]) { createRun(input: {entity: "e", project: "p", name: "r", tags: $t}) { id } }', t=None
    )
    assert tags["extensions"] == {"code": "BAD_USER_INPUT", "field": "input.tags"}
    assert tags["message"] == (
        "Argument 'input' has invalid value at .tags: Expected variable '$t' provided to non-null type "
        "'[String!]!' not to be null."
    )
    in_variable = api.error(
        "mutation($i: CreateRunInput!) { createRun(input: $i) { id } }",
        i={"entity": "e", "project": "p", "name": "r", "tags": None},
    )
    assert in_variable["extensions"] == {"code": "BAD_USER_INPUT", "field": "input.tags"}
    assert in_variable["message"] == (
        "Variable '$i' has invalid value at .tags: Expected value of non-null type '[String!]!' not to be null."
    )


def test_file_sizes_near_two_to_the_63_are_refused_naming_the_field(api: GraphQLClient, driver: Driver) -> None:
    run = Builder(api).run("r1")
    digest = api.put_file(b"x")
    log = "mutation($i: LogArtifactInput!) { logArtifact(input: $i) { created } }"

    def files(*sizes: int) -> dict[str, Any]:
        manifest = [{"path": f"f{i}", "digest": digest, "size": size} for i, size in enumerate(sizes)]
        return {"runId": run, "name": "big", "type": "dataset", "files": manifest}

    summed = api.error(log, i=files(2**62, 2**62))
    assert summed["extensions"] == {"code": "BAD_USER_INPUT", "field": "input.files"}
    assert summed["message"] == "input.files: the sizes add up to more than 2^63-1 bytes"
    past = api.error(log, i=files(1, 2**63))
    assert past["extensions"] == {"code": "BAD_USER_INPUT", "field": "input.files[1].size"}
    assert "a Long is a whole number within 64 bits" in past["message"]
    literal = api.error(
        f'mutation {{ logArtifact(input: {{runId: "{run}", name: "big", type: "dataset", '
        f'files: [{{path: "a", digest: "{digest}", size: {2**63}}}]}}) {{ created }} }}'
    )
    assert literal["extensions"] == {"code": "BAD_USER_INPUT", "field": "input.files[0].size"}
    assert literal["message"].startswith("input.files[0].size: Expected value of type 'Long'")
    assert driver.execute_query("MATCH (v:ArtifactVersion) RETURN count(v) AS n").records[0]["n"] == 0
