"""Persisted queries: Apollo's automatic protocol by POST and GET, and a server that runs only its allow-list."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.processes import ProcessFailed
from tests.conftest import free_port
from tests.serving import ServerProcess

ENTITIES = "query Count { entities { totalCount } }"
ADHOC = "{ entities { totalCount } }"
MAKE_REGISTRY = 'mutation Make { createRegistry(entity: "pq-team", name: "made") { id } }'


def sha(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def by_hash(digest: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


def client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"authorization": f"Bearer {os.environ['STEMMA_API_KEY']}"}, timeout=60)


def only_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert "data" not in body, body
    [error] = body["errors"]
    return dict(error)


@pytest.fixture
def http(server: str) -> Iterator[httpx.Client]:
    with client(server) as http:
        yield http


def test_an_unknown_hash_is_asked_for_then_the_document_is_known_by_post_and_get(http: httpx.Client) -> None:
    document = f"query Fresh{free_port()} {{ entities {{ totalCount }} }}"  # a hash no earlier test registered
    digest = sha(document)
    unknown = only_error(http.post("/graphql", json={"extensions": by_hash(digest)}), 200)
    assert unknown["message"] == "PersistedQueryNotFound"
    assert unknown["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    registered = http.post("/graphql", json={"query": document, "extensions": by_hash(digest)})
    assert registered.json() == {"data": {"entities": {"totalCount": 0}}}
    assert http.post("/graphql", json={"extensions": by_hash(digest)}).json() == registered.json()
    by_get = http.get("/graphql", params={"extensions": json.dumps(by_hash(digest))})
    assert by_get.json() == registered.json()


def test_a_hash_that_is_not_the_documents_is_refused(http: httpx.Client) -> None:
    wrong = http.post("/graphql", json={"query": ENTITIES, "extensions": by_hash(sha(ADHOC))})
    error = only_error(wrong, 400)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "extensions.persistedQuery.sha256Hash"}
    assert only_error(http.post("/graphql", json={"extensions": by_hash(sha(ADHOC))}), 200)["extensions"]["code"] == (
        "PERSISTED_QUERY_NOT_FOUND"
    )  # the mismatched document was not kept under that hash


@pytest.mark.parametrize(
    ("persisted", "field"),
    [
        ({"version": 2, "sha256Hash": "0" * 64}, "extensions.persistedQuery"),
        ({"version": True, "sha256Hash": "0" * 64}, "extensions.persistedQuery"),
        ({"version": 1.0, "sha256Hash": "0" * 64}, "extensions.persistedQuery"),
        ("abc", "extensions.persistedQuery"),
        ({"version": 1, "sha256Hash": "ABC"}, "extensions.persistedQuery.sha256Hash"),
        ({"version": 1}, "extensions.persistedQuery.sha256Hash"),
    ],
)
def test_a_malformed_persisted_query_names_its_field(http: httpx.Client, persisted: object, field: str) -> None:
    error = only_error(http.post("/graphql", json={"extensions": {"persistedQuery": persisted}}), 400)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert error["message"].startswith(f"{field}: ")


def test_other_extensions_are_ignored(http: httpx.Client) -> None:
    answered = http.post("/graphql", json={"query": ENTITIES, "extensions": {"some": "value"}})
    assert answered.json() == {"data": {"entities": {"totalCount": 0}}}


def test_a_mutation_named_by_hash_still_needs_post(http: httpx.Client) -> None:
    digest = sha(MAKE_REGISTRY)
    only_error(http.post("/graphql", json={"extensions": by_hash(digest)}), 200)
    refused = http.get("/graphql", params={"query": MAKE_REGISTRY, "extensions": json.dumps(by_hash(digest))})
    assert only_error(refused, 405)["extensions"]["code"] == "METHOD_NOT_ALLOWED"


@pytest.fixture(scope="module")
def allowlisted(neo4j_uri: str, server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server that runs only ENTITIES (from an Apollo persisted-query manifest)."""
    state = tmp_path_factory.mktemp("allowlist")
    manifest = state / "manifest.json"
    operations = [{"id": sha(ENTITIES), "name": "Count", "type": "query", "body": ENTITIES}]
    manifest.write_text(
        json.dumps({"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations})
    )
    settings = {"STEMMA_PERSISTED_QUERIES": "allowlist", "STEMMA_PERSISTED_QUERIES_MANIFEST": str(manifest)}
    process = ServerProcess(neo4j_uri, state, free_port(), settings).start()
    yield process.url
    process.stop()


def test_an_allowlisted_server_runs_its_documents_by_hash_or_whole(allowlisted: str) -> None:
    with client(allowlisted) as http:
        expected = {"data": {"entities": {"totalCount": 0}}}
        assert http.post("/graphql", json={"extensions": by_hash(sha(ENTITIES))}).json() == expected
        assert http.get("/graphql", params={"extensions": json.dumps(by_hash(sha(ENTITIES)))}).json() == expected
        assert http.post("/graphql", json={"query": ENTITIES}).json() == expected


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"query": ADHOC}, "query"),
        ({"extensions": by_hash(sha(ADHOC))}, "extensions.persistedQuery.sha256Hash"),
        ({"query": ADHOC, "extensions": by_hash(sha(ADHOC))}, "extensions.persistedQuery.sha256Hash"),
    ],
)
def test_an_allowlisted_server_refuses_every_other_document(allowlisted: str, body: dict[str, Any], field: str) -> None:
    with client(allowlisted) as http:
        error = only_error(http.post("/graphql", json=body), 403)
        assert error["extensions"] == {"code": "PERSISTED_QUERY_NOT_ALLOWED", "field": field}
        # Nothing was learned: the hash is still unknown.
        again = http.post("/graphql", json={"extensions": by_hash(sha(ADHOC))})
        assert only_error(again, 403)["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"


@pytest.mark.parametrize(
    ("manifest", "said"),
    [
        ('{"0000": "{ __typename }"}', "is not a document keyed by its sha256"),
        ("not json", "persisted-query manifest"),
        ("{}", "need a manifest with at least one document"),
    ],
)
def test_an_allowlist_without_a_good_manifest_stops_the_server_saying_why(
    neo4j_uri: str, server: str, tmp_path: Path, manifest: str, said: str
) -> None:
    (tmp_path / "manifest.json").write_text(manifest)
    settings = {
        "STEMMA_PERSISTED_QUERIES": "allowlist",
        "STEMMA_PERSISTED_QUERIES_MANIFEST": str(tmp_path / "manifest.json"),
    }
    with pytest.raises(ProcessFailed, match=said):
        ServerProcess(neo4j_uri, tmp_path, free_port(), settings).start(timeout=30)
