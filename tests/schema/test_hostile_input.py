"""Hostile input: requests generated from the schema itself, and injection strings in every string argument.

No request may produce a 500, a stack trace or Cypher text in a response; an injection string is refused or
stored verbatim, never executed."""

from __future__ import annotations

import os
import re
from typing import Any

import httpx
import pytest
from graphql import IntValueNode, StringValueNode, parse_value, print_ast
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import strategies as gql
from neo4j import Driver

from schema.build import schema
from tests.builders import Builder
from tests.client import GraphQLClient

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


STRING_LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')


def check_answer(response: httpx.Response, *echoes: str) -> None:
    """No 500, no internals; `echoes` are the request's own strings, which messages may quote back."""
    assert response.status_code in (200, 400, 413), response.text[:500]
    body = response.json()
    text = str(body)
    for echo in sorted(echoes, key=len, reverse=True):
        for quoted in (echo, repr(echo)[1:-1], echo[:80], repr(echo[:80])[1:-1]):
            if quoted:
                text = text.replace(quoted, "")
    assert not LEAKS.search(text), text[:500]
    for error in body.get("errors") or []:
        assert error["extensions"]["code"] != "INTERNAL_SERVER_ERROR", error
        RESULTS[error["extensions"]["code"]] = RESULTS.get(error["extensions"]["code"], 0) + 1


@pytest.mark.parametrize("operation", ["queries", "mutations"])
def test_requests_generated_from_the_schema_never_fail_inside(api: GraphQLClient, operation: str) -> None:
    zoo = Builder(api)
    zoo.log(zoo.run("r1"), "data")
    strategy = getattr(gql, operation)(SDL, custom_scalars=SCALARS, print_ast=print_ast)

    @settings(
        max_examples=int(os.environ.get("STEMMA_FUZZ_EXAMPLES", "200")),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(document=strategy)
    def run(document: str) -> None:
        check_answer(api.http.post("/graphql", json={"query": document}), *STRING_LITERAL.findall(document))

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
    before = driver.execute_query("MATCH (n) RETURN count(n) AS n").records[0]["n"]
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
    after = driver.execute_query("MATCH (n) RETURN count(n) AS n").records[0]["n"]
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
    assert driver.execute_query("MATCH (n) RETURN count(n) AS n").records[0]["n"] == after


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
