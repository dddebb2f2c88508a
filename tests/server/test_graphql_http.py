"""/graphql speaks GraphQL over HTTP: two media types with their status codes, a JSON answer naming the field to
every malformed request, GET for queries only, one operation at a time — real requests to the real server."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.client import GraphQLClient

GRAPHQL_RESPONSE = "application/graphql-response+json"
ENTITIES = "query Count { entities { totalCount } }"
MAKE_REGISTRY = 'mutation Make { createRegistry(entity: "http-team", name: "made") { id } }'
REGISTRIES = '{ registries(entity: "http-team") { edges { node { name } } } }'


@pytest.fixture
def http(server: str) -> Iterator[httpx.Client]:
    headers = {"authorization": f"Bearer {os.environ['STEMMA_API_KEY']}"}
    with httpx.Client(base_url=server, headers=headers, timeout=60) as client:
        yield client


def refusal(response: httpx.Response, status: int, code: str, field: str) -> dict[str, Any]:
    """The one error of a refused request, after checking its status, code and the field it names."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(("application/json", GRAPHQL_RESPONSE))
    body = response.json()
    assert "data" not in body, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == code and error["extensions"]["field"] == field, error
    assert error["message"].startswith(f"{field}: "), error
    return dict(error)


def registries(api: GraphQLClient) -> int:
    """How many registries named `made` http-team has (a new entity comes with `model` and `dataset` too)."""
    edges = api.query(REGISTRIES)["registries"]["edges"]
    return sum(edge["node"]["name"] == "made" for edge in edges)


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE};q=0.5", "application/json"),
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        (None, "application/json"),
    ],
)
def test_the_answer_comes_in_the_media_type_asked_for(http: httpx.Client, accept: str | None, media: str) -> None:
    headers = {"accept": accept} if accept else {}
    response = http.post("/graphql", json={"query": ENTITIES}, headers=headers)
    assert response.status_code == 200 and response.headers["content-type"] == media
    assert response.json() == {"data": {"entities": {"totalCount": 0}}}


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{ entities { totalCount }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("{ nope }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("query($n: Int!) { entities(first: $n) { totalCount } }", {"n": "many"}, "BAD_USER_INPUT"),
    ],
)
def test_a_request_that_cannot_run_is_400_without_data_only_for_graphql_response_json(
    http: httpx.Client, query: str, variables: dict[str, Any] | None, code: str
) -> None:
    body = {"query": query, "variables": variables}
    strict = http.post("/graphql", json=body, headers={"accept": GRAPHQL_RESPONSE})
    assert strict.status_code == 400 and strict.headers["content-type"] == GRAPHQL_RESPONSE
    assert "data" not in strict.json() and len(strict.json()["errors"]) == 1
    legacy = http.post("/graphql", json=body, headers={"accept": "application/json"})
    assert legacy.status_code == 200 and legacy.json()["data"] is None
    assert legacy.json()["errors"] == strict.json()["errors"]
    assert [error["extensions"]["code"] for error in legacy.json()["errors"]] == [code]


def test_an_error_inside_execution_keeps_data_and_status_200(http: httpx.Client) -> None:
    response = http.post(
        "/graphql", json={"query": '{ artifact(ref: "a/b/c:v0") { ref } }'}, headers={"accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, "application/json"])
def test_an_explicit_null_for_a_non_null_argument_with_a_default_names_the_argument(
    http: httpx.Client, accept: str
) -> None:
    query = 'query($d: Int) { lineage(ref: "zoo-team/zoo/m:v0", depth: $d) { truncated } }'
    response = http.post("/graphql", json={"query": query, "variables": {"d": None}}, headers={"accept": accept})
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "depth"}
    assert "'depth'" in error["message"] and "not to be null" in error["message"]


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code", "field"),
    [
        (b'{ "not', "application/json", 400, "BAD_USER_INPUT", "body"),
        ('{"query": "{ __typename }"}'.encode("utf-16"), "application/json", 400, "BAD_USER_INPUT", "body"),
        (b"", "application/json", 400, "BAD_USER_INPUT", "body"),
        (b'[{"query": "{ __typename }"}]', "application/json", 400, "BAD_USER_INPUT", "body"),
        (b'"{ __typename }"', "application/json", 400, "BAD_USER_INPUT", "body"),
        (b'{"qeury": "{ __typename }"}', "application/json", 400, "BAD_USER_INPUT", "query"),
        (b'{"query": 7}', "application/json", 400, "BAD_USER_INPUT", "query"),
        (b'{"query": "{ __typename }", "variables": [1]}', "application/json", 400, "BAD_USER_INPUT", "variables"),
        (b'{"query": "{ __typename }", "extensions": "x"}', "application/json", 400, "BAD_USER_INPUT", "extensions"),
        (
            b'{"query": "{ __typename }", "operationName": 1}',
            "application/json",
            400,
            "BAD_USER_INPUT",
            "operationName",
        ),
        (b'{"query": "{ __typename }"}', "text/plain", 415, "UNSUPPORTED_MEDIA_TYPE", "content-type"),
        (
            b'{"query": "{ __typename }"}',
            "application/json; charset=latin-1",
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "content-type",
        ),
        (b'{"query": "{ __typename }"}', "", 415, "UNSUPPORTED_MEDIA_TYPE", "content-type"),
    ],
)
def test_a_malformed_request_is_answered_in_json_naming_what_was_wrong(
    http: httpx.Client, content: bytes, content_type: str, status: int, code: str, field: str
) -> None:
    for accept in (GRAPHQL_RESPONSE, "application/json"):
        response = http.post("/graphql", content=content, headers={"content-type": content_type, "accept": accept})
        refusal(response, status, code, field)
        assert response.headers["content-type"] == accept


def test_get_takes_url_encoded_json_and_refuses_what_is_not(http: httpx.Client) -> None:
    query = "query($n: Int!) { entities(first: $n) { totalCount } }"
    answered = http.get("/graphql", params={"query": query, "variables": json.dumps({"n": 1})})
    assert answered.json() == {"data": {"entities": {"totalCount": 0}}}
    refusal(http.get("/graphql", params={"query": query, "variables": "{n: 1}"}), 400, "BAD_USER_INPUT", "variables")
    refusal(http.get("/graphql"), 400, "BAD_USER_INPUT", "query")


def test_a_mutation_over_get_is_405_and_writes_nothing(http: httpx.Client, api: GraphQLClient) -> None:
    response = http.get("/graphql", params={"query": MAKE_REGISTRY})
    refusal(response, 405, "METHOD_NOT_ALLOWED", "method")
    assert response.headers["allow"] == "POST"
    assert registries(api) == 0
    api.query(MAKE_REGISTRY)  # the same mutation, by POST
    assert registries(api) == 1


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS"])
def test_other_methods_are_405_naming_get_and_post(http: httpx.Client, method: str) -> None:
    response = http.request(method, "/graphql", json={"query": ENTITIES})
    refusal(response, 405, "METHOD_NOT_ALLOWED", "method")
    assert response.headers["allow"] == "GET, POST"


def test_an_accept_header_allowing_neither_media_type_is_406(http: httpx.Client) -> None:
    response = http.post("/graphql", json={"query": ENTITIES}, headers={"accept": "text/csv"})
    refusal(response, 406, "NOT_ACCEPTABLE", "accept")


def test_several_operations_without_an_operation_name_run_nothing(http: httpx.Client, api: GraphQLClient) -> None:
    both = f"{MAKE_REGISTRY}\n{ENTITIES}"
    refusal(http.post("/graphql", json={"query": both}), 400, "BAD_USER_INPUT", "operationName")
    refusal(
        http.post("/graphql", json={"query": both, "operationName": "Other"}), 400, "BAD_USER_INPUT", "operationName"
    )
    assert registries(api) == 0
    named = http.post("/graphql", json={"query": both, "operationName": "Make"})
    assert named.status_code == 200 and "errors" not in named.json()
    assert registries(api) == 1
