"""Every limit refuses with its name and value: GraphQL depth, tokens and aliases, body size, rate per key."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.client import GraphQLClient
from tests.conftest import ADMIN_KEY, free_port
from tests.serving import ServerProcess

AUTH = {"authorization": f"Bearer {ADMIN_KEY}"}


def test_deep_queries_are_refused_naming_the_depth_limit(api: GraphQLClient) -> None:
    nested = "name"
    for _ in range(3):
        nested = f"inputs {{ edges {{ node {{ usedBy {{ edges {{ node {{ {nested} }} }} }} }} }} }}"
    error = api.error(f'{{ run(id: "e/p/r") {{ {nested} }} }}')
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "exceeds maximum operation depth of 15" in error["message"]


def test_too_many_aliases_and_tokens_are_refused(api: GraphQLClient) -> None:
    aliases = "{ " + " ".join(f"a{i}: me {{ user }}" for i in range(31)) + " }"
    assert "30" in api.error(aliases)["message"]
    tokens = "{ me { " + " ".join(["user"] * 5001) + " } }"
    too_long = api.post(tokens)
    assert too_long["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "5000 tokens" in too_long["errors"][0]["message"]


def test_a_body_over_the_limit_is_refused_before_parsing(server: str) -> None:
    body = {"query": "{ me { user } }", "variables": {"padding": "x" * (1024 * 1024)}}
    response = httpx.post(f"{server}/graphql", json=body, headers=AUTH)
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"] == {"code": "PAYLOAD_TOO_LARGE", "limit": 1048576}
    assert "1048576 bytes" in response.json()["errors"][0]["message"]

    def streamed() -> object:
        for _ in range(20):
            yield b"x" * 65536

    chunked = httpx.post(f"{server}/graphql", content=streamed(), headers={**AUTH, "content-type": "application/json"})
    assert chunked.status_code == 413


def test_each_key_is_rate_limited(neo4j_uri: str, tmp_path: Path, driver: object) -> None:
    process = ServerProcess(
        neo4j_uri, tmp_path, free_port(), {"STEMMA_RATE_LIMIT_PER_SECOND": "1", "STEMMA_RATE_LIMIT_BURST": "3"}
    )
    try:
        process.start()
        answers = [
            httpx.post(f"{process.url}/graphql", json={"query": "{ me { user } }"}, headers=AUTH) for _ in range(5)
        ]
        assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
        refused = answers[3]
        assert refused.headers["retry-after"] == "1"
        assert refused.json()["errors"][0]["extensions"] == {"code": "RATE_LIMITED"}
        assert "rate limit of 1 requests per second" in refused.json()["errors"][0]["message"]
    finally:
        process.stop()


def test_uploads_over_the_limit_are_refused_and_nothing_is_kept(neo4j_uri: str, tmp_path: Path, driver: object) -> None:
    process = ServerProcess(neo4j_uri, tmp_path, free_port(), {"STEMMA_MAX_UPLOAD_BYTES": "1000"})
    try:
        process.start()
        response = httpx.put(f"{process.url}/files/sha256/{'b' * 64}", content=b"y" * 2000, headers=AUTH)
        assert response.status_code == 413
        assert response.json()["error"]["message"] == "the body is larger than the upload limit of 1000 bytes"
        assert list((tmp_path / "blobs").rglob("*b" * 8)) == []
        assert list((tmp_path / "blobs" / "tmp").iterdir()) == []
    finally:
        process.stop()
