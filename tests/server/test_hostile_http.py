"""Hostile review of /graphql over HTTP and persisted queries (issue 14): no client input is an internal error,
the store of learned documents is bounded in memory and tells one tenant nothing of another's documents, and
the sign-in page sends a browser only back to this server."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from server.persisted import Ask, PersistedQueries
from tests.client import GraphQLClient
from tests.conftest import ADMIN_KEY, free_port

ADD_MEMBER = "mutation($e: String!, $u: String!) { addMember(entity: $e, user: $u, role: VIEWER) { role } }"
NEW_KEY = "mutation($u: String) { createApiKey(user: $u) { key } }"


def sha(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def by_hash(digest: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


@pytest.fixture
def http(server: str) -> Iterator[httpx.Client]:
    headers = {"authorization": f"Bearer {os.environ['STEMMA_API_KEY']}", "connection": "close"}
    with httpx.Client(base_url=server, headers=headers, timeout=60) as client:
        yield client


@pytest.mark.parametrize(
    "body",
    [
        # A lone surrogate is valid JSON but not Unicode: the document cannot be hashed as UTF-8.
        b'{"query": "{ __typename } #\\ud800", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "'
        + b"0" * 64
        + b'"}}}',
        b'{"query": "{ __typename \\udfff }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "'
        + b"a" * 64
        + b'"}}}',
    ],
)
def test_a_document_holding_a_lone_surrogate_with_a_hash_is_refused_not_an_internal_error(
    http: httpx.Client, body: bytes
) -> None:
    answer = http.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 400, answer.text
    [error] = answer.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "query"


def test_learned_documents_are_charged_for_their_hashes_not_only_their_characters() -> None:
    """Each learned document holds a 64-character hash and dict bookkeeping besides its text: a flood of
    one-character documents must not keep a million entries under a budget counted in document characters."""
    store = PersistedQueries("automatic", {}, capacity=64 * 1024)
    for number in range(30_000):
        document = chr(0x4E00 + number)  # one character each, all distinct
        store.document(Ask(document, sha(document)))
    assert len(store.learned) <= store.capacity // 64


def test_a_document_one_tenant_registered_is_unknown_by_hash_to_another(api: GraphQLClient, server: str) -> None:
    """Whether a hash is known must not tell a tenant that someone else sent that exact document (documents
    may name another entity's objects in their literals)."""
    keys = {}
    for entity, user in (("acme", "ana"), ("globex", "bob")):
        api.query(ADD_MEMBER, e=entity, u=user)
        keys[user] = api.query(NEW_KEY, u=user)["createApiKey"]["key"]
    document = f'{{ artifact(ref: "acme/secret-{free_port()}/plans:v0") {{ id }} }}'
    for user, extensions in (("ana", by_hash(sha(document))), ("bob", by_hash(sha(document)))):
        with httpx.Client(base_url=server, headers={"authorization": f"Bearer {keys[user]}"}) as client:
            if user == "ana":
                client.post("/graphql", json={"query": document, "extensions": extensions})
                known = client.post("/graphql", json={"extensions": extensions}).json()
                assert known["errors"][0]["extensions"]["code"] == "NOT_FOUND"  # ran: ana's hash is known to ana
            else:
                unknown = client.post("/graphql", json={"extensions": extensions}).json()
                assert unknown["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize(
    "request_",
    [
        {"method": "POST", "content": '{"query": "{ __typename }"}'.encode("utf-16")},
        {"method": "POST", "content": b'{"query": "{ __typename \xff }"}'},
        {"method": "POST", "content": b'{"query": "{ __typename }", "variables": {"x": NaN}}'},
        {
            "method": "POST",
            "content": b'{"query": "query($f: Int) { entities(first: $f) { totalCount } }", '
            b'"variables": {"f": 1' + b"0" * 400 + b"}}",
        },
        {"method": "POST", "content": b'{"query": "{ __typename }", "variables": ' + b"[" * 3000 + b"]" * 3000 + b"}"},
        {"method": "POST", "content": b'{"query": "query A { __typename }", "operationName": "A\\ud800"}'},
        {"method": "POST", "content": b'{"query": "{ __typename }", "extensions": {"\\ud800": {"x": 1}}}'},
        {"method": "GET", "params": {"query": "{ __typename }", "variables": "[" * 5000 + "]" * 5000}},
        {"method": "GET", "params": {"extensions": json.dumps(by_hash("f" * 64)), "operationName": "x"}},
        {"method": "GET", "url": "/graphql?query=query%20A%7B__typename%7D&operationName=A%ff"},
        {"method": "GET", "params": {"query": "{ __typename }"}, "headers": {"accept": "application/json;q=nan"}},
        {"method": "GET", "params": {"query": "{ __typename }"}, "headers": {"accept": "text/html;q=1e999, */*"}},
        {"method": "HEAD", "params": {"query": "{ __typename }"}},
    ],
)
def test_malformed_requests_are_answered_never_an_internal_error(http: httpx.Client, request_: dict[str, Any]) -> None:
    url = request_.get("url", "/graphql")
    headers = {"content-type": "application/json", **request_.get("headers", {})}
    answer = http.request(
        request_["method"], url, content=request_.get("content"), params=request_.get("params"), headers=headers
    )
    assert answer.status_code < 500, answer.text
    if request_["method"] != "HEAD":
        assert "INTERNAL" not in answer.text


@pytest.mark.parametrize(
    "next_",
    [
        "//evil.example",
        "/\\evil.example",
        "/\t/evil.example",
        "/%2F/evil.example",
        "\\\\evil.example",
        " //evil.example",
        "///evil.example",
        "/\\/evil.example",
        "http:/evil.example",
        "/\r\nlocation: //evil.example",
    ],
)
def test_signing_in_goes_back_only_to_this_server(server: str, next_: str) -> None:
    answer = httpx.post(f"{server}/login", data={"key": ADMIN_KEY, "next": next_})
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith("/") and not location.startswith("//")
    assert "\\" not in location and "\t" not in location and "\n" not in location
    assert urlsplit(urljoin(f"{server}/login", location)).netloc == urlsplit(server).netloc
