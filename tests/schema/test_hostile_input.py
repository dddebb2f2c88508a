"""Hostile input: requests generated from the schema itself, and injection strings in every string argument.

No request may produce a 500, a stack trace or Cypher text in a response; an injection string is refused or
stored verbatim, never executed."""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import replace
from typing import Any

import httpx
import pytest
from graphql import (
    ArgumentNode,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    IntValueNode,
    NameNode,
    OperationDefinitionNode,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    Undefined,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    parse,
    parse_type,
    parse_value,
    print_ast,
    value_from_ast_untyped,
    visit,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import strategies as gql
from neo4j import Driver

from schema.build import schema
from tests.builders import Builder
from tests.client import GraphQLClient
from tests.conftest import BOOKKEEPING, FOLDED

SDL = schema.as_str()
SCALARS = {
    "DateTime": st.sampled_from(["2026-01-01T00:00:00Z", "not a date", "9999-99-99"]).map(
        lambda text: StringValueNode(value=text)
    ),
    "JSON": st.sampled_from(['{a: 1, b: ["x"]}', "[1, 2]", '"text"', "null"]).map(parse_value),
    "Long": st.integers(min_value=-(2**63), max_value=2**63 - 1).map(lambda n: IntValueNode(value=str(n))),
}
LEAKS = re.compile(r"Traceback|File \"|MATCH \(|RETURN |neo4j\.|Neo\.ClientError|\$caller", re.IGNORECASE)
INJECTIONS = [
    "x'}) DETACH DELETE n //",
    "`) MATCH (n) DETACH DELETE n //",
    '"; MATCH (n) DETACH DELETE n; //',
    "zoo\u2010team",  # a hyphen look-alike
    "zoо",  # Cyrillic o
    "nul\x00byte",
    "{{caller}}",
    "$caller",
]
RESULTS: dict[str, int] = {}


def graph_nodes(driver: Driver) -> int:
    """The graph's nodes, leaving out Stemma's bookkeeping and the lineage-count rows servers fold."""
    query = f"MATCH (n) WHERE NOT n:{BOOKKEEPING} AND NOT n:{FOLDED} RETURN count(n) AS n"
    return int(driver.execute_query(query).records[0]["n"])


STRING_LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')


def check_answer(response: httpx.Response, *echoes: str) -> None:
    """No 500, no internals; `echoes` are the request's own strings, which error messages may quote back
    (whole, or a part of a reference between slashes). Echoes are taken out of the messages only, so the
    rest of the answer is searched as sent."""
    assert response.status_code in (200, 400, 413), response.text[:500]
    body = response.json()
    errors = body.get("errors") or []
    parts = {part for echo in echoes for part in echo.split("/")}
    messages = []
    for error in errors:
        message = str(error.get("message", ""))
        for echo in sorted({*echoes, *parts}, key=len, reverse=True):
            for quoted in (echo, repr(echo)[1:-1], echo[:80], repr(echo[:80])[1:-1]):
                if quoted:
                    message = message.replace(quoted, "")
        messages.append(message)
    rest = {**body, "errors": [{**error, "message": ""} for error in errors]}
    text = json.dumps(rest) + "\n" + "\n".join(messages)
    assert not LEAKS.search(text), text[:500]
    for error in body.get("errors") or []:
        assert error["extensions"]["code"] != "INTERNAL_SERVER_ERROR", error
        RESULTS[error["extensions"]["code"]] = RESULTS.get(error["extensions"]["code"], 0) + 1


FUZZ = settings(
    max_examples=int(os.environ.get("STEMMA_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)


def fuzz(api: GraphQLClient, path: str, sdl: str, scalars: dict[str, Any], operation: str) -> None:
    """POST `operation` documents ("queries" or "mutations") generated from `sdl` to `path`; check every answer."""
    strategy = getattr(gql, operation)(sdl, custom_scalars=scalars, print_ast=print_ast)

    @FUZZ
    @given(document=strategy)
    def run(document: str) -> None:
        check_answer(api.http.post(path, json={"query": document}), *STRING_LITERAL.findall(document))

    run()


@pytest.mark.parametrize("operation", ["queries", "mutations"])
def test_requests_generated_from_the_schema_never_fail_inside(api: GraphQLClient, operation: str) -> None:
    zoo = Builder(api)
    zoo.log(zoo.run("r1"), "data")
    fuzz(api, "/graphql", SDL, SCALARS, operation)


def deep_json(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


def cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


HOSTILE_SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "JSON": st.sampled_from(
        [{"x": float("nan")}, {"x": [float("inf")]}, float("-inf"), deep_json(900), {"a": deep_json(70)}, 2**70]
    ),
    "Long": st.sampled_from([2**63, -(2**63) - 1, 2**64 + 1, 1.5, "12"]),
    "Int": st.sampled_from([2**31, 2**63, -1, 0, 1.5]),
    "String": st.sampled_from(
        [
            *INJECTIONS,
            "e/p/c:v99999999999999999999",
            "e/p/c:v" + "9" * 5000,
            cursor([2**64]),
            cursor(["2026-99-99T00:00:00Z", "x"]),
            cursor(["9999-12-31T23:59:59Z", "x", "y"]),
            "LOAD/**/CSV FROM 'file:///etc/passwd' AS l RETURN l",
            "RETURN null AS x",
            "../../etc/passwd",
        ]
    ),
    "DateTime": st.sampled_from(["0000-01-01T00:00:00Z", "2026-13-01T00:00:00Z", ""]),
}


def hostile(type_: GraphQLInputType, raw: Any, draw: st.DrawFn) -> Any:
    """The literal's value as a variable, with hostile values put in at some of the places the type allows."""
    if isinstance(type_, GraphQLNonNull):
        return hostile(type_.of_type, raw, draw)
    if isinstance(type_, GraphQLList) and isinstance(raw, list):
        return [hostile(type_.of_type, item, draw) for item in raw]
    if isinstance(type_, GraphQLInputObjectType) and isinstance(raw, dict):
        value = {}
        for name, field in type_.fields.items():
            if isinstance(field.type, GraphQLNonNull) and field.default_value is not Undefined and draw(st.booleans()):
                value[name] = None
            elif name in raw:
                value[name] = hostile(field.type, raw[name], draw)
        return value
    if isinstance(type_, GraphQLScalarType) and type_.name in HOSTILE_SCALARS and draw(st.booleans()):
        return draw(HOSTILE_SCALARS[type_.name])
    return raw


@st.composite
def with_variables(draw: st.DrawFn, documents: st.SearchStrategy[str]) -> tuple[str, dict[str, Any]]:
    """A generated document whose arguments are all passed as variables: the literal's value, a hostile
    value, or null where the argument is non-null with a default (which graphql-core lets through)."""
    document = parse(draw(documents))
    type_info = TypeInfo(schema._schema)
    definitions: list[VariableDefinitionNode] = []
    values: dict[str, Any] = {}

    class Lift(Visitor):
        def enter_argument(self, node: ArgumentNode, *_: object) -> ArgumentNode:
            argument = type_info.get_argument()
            assert argument is not None
            name = f"v{len(definitions)}"
            defaulted = isinstance(argument.type, GraphQLNonNull) and argument.default_value is not Undefined
            declared = argument.type.of_type if defaulted else argument.type  # type: ignore[union-attr]
            raw = value_from_ast_untyped(node.value)
            values[name] = None if defaulted and draw(st.booleans()) else hostile(argument.type, raw, draw)
            variable = VariableNode(name=NameNode(value=name))
            definitions.append(VariableDefinitionNode(variable=variable, type=parse_type(str(declared))))
            return ArgumentNode(name=node.name, value=variable)

    lifted = visit(document, TypeInfoVisitor(type_info, Lift()))
    operation = lifted.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return print_ast(replace(operation, variable_definitions=tuple(definitions))), values


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings_in(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings_in(item)]
    return []


@pytest.mark.parametrize("operation", ["queries", "mutations"])
def test_requests_with_generated_variables_never_fail_inside(api: GraphQLClient, operation: str) -> None:
    zoo = Builder(api)
    zoo.log(zoo.run("r1"), "data")
    documents = getattr(gql, operation)(SDL, custom_scalars=SCALARS, print_ast=print_ast)

    @FUZZ
    @given(request=with_variables(documents))
    def run(request: tuple[str, dict[str, Any]]) -> None:
        document, variables = request
        response = api.http.post(
            "/graphql",
            content=json.dumps({"query": document, "variables": variables}),
            headers={"content-type": "application/json"},
        )
        check_answer(response, *STRING_LITERAL.findall(document), *strings_in(variables))

    run()


def string_arguments() -> list[tuple[str, str, dict[str, Any]]]:
    """(root field, argument, other required arguments) for every string argument of every root field."""
    cases = []
    graphql_schema = schema._schema
    for root in (graphql_schema.query_type, graphql_schema.mutation_type):
        assert root is not None
        for name, field in root.fields.items():
            for argument, definition in field.args.items():
                if str(definition.type).rstrip("!") in ("String", "ID"):
                    cases.append((name, argument, root.name))
    return cases  # type: ignore[return-value]


def test_injection_strings_are_refused_or_stored_verbatim_and_never_run(api: GraphQLClient, driver: Driver) -> None:
    zoo = Builder(api)
    run = zoo.run("r1")
    zoo.log(run, "data", description="kept")
    before = graph_nodes(driver)
    for hostile in INJECTIONS:
        for ref in (f"zoo-team/zoo/{hostile}:v0", f"zoo-team/zoo/data:{hostile}", hostile):
            check_answer(
                api.http.post(
                    "/graphql",
                    json={
                        "query": "query($r: String!) { artifact(ref: $r) { id } lineage(ref: $r) { truncated } }",
                        "variables": {"r": ref},
                    },
                ),
                hostile,
            )
        check_answer(
            api.http.post(
                "/graphql",
                json={
                    "query": "mutation($i: CreateRunInput!) { createRun(input: $i) { id } }",
                    "variables": {"i": {"entity": hostile, "project": "zoo", "name": hostile}},
                },
            ),
            hostile,
        )
        check_answer(
            api.http.post(
                "/graphql",
                json={
                    "query": 'query($p: String) { collections(entity: "zoo-team", project: "zoo", namePrefix: $p) '
                    "{ totalCount } }",
                    "variables": {"p": hostile},
                },
            ),
            hostile,
        )
    after = graph_nodes(driver)
    assert after == before
    for hostile in INJECTIONS:
        body = api.post(
            'mutation($d: String) { updateArtifactVersion(ref: "zoo-team/zoo/data:v0", description: $d) '
            "{ description } }",
            {"d": hostile},
        )
        if "\x00" in hostile:
            assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "description"}
        else:
            assert body["data"]["updateArtifactVersion"]["description"] == hostile
    assert graph_nodes(driver) == after


def test_a_ten_megabyte_string_is_refused_by_the_size_limit(api: GraphQLClient) -> None:
    response = api.http.post(
        "/graphql",
        json={"query": "query($r: String!) { artifact(ref: $r) { id } }", "variables": {"r": "x" * 10_000_000}},
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


def test_every_string_argument_is_covered() -> None:
    names = {(field, argument) for field, argument, _ in string_arguments()}
    assert ("artifact", "ref") in names and ("lineage", "ref") in names and ("cypher", "query") in names
