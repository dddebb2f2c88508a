"""A small GraphQL-over-HTTP client for tests: real requests to the real server."""

from __future__ import annotations

import hashlib
import os
import re
from typing import Any

import httpx

from tests.waiting import until

_STATEMENTS = re.compile(r'^stemma_cypher_statements_total\{kind="(\w+)"\} ([0-9.e+]+)$', re.MULTILINE)


class GraphQLFailure(AssertionError):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors


class GraphQLClient:
    def __init__(self, base_url: str, key: str | None = None) -> None:
        """Sends `key` (by default the session superuser's, STEMMA_API_KEY) as a bearer token."""
        key = key if key is not None else os.environ.get("STEMMA_API_KEY", "")
        headers = {"authorization": f"Bearer {key}"} if key else {}
        self.http = httpx.Client(base_url=base_url, timeout=60, headers=headers)

    def __enter__(self) -> GraphQLClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def post(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.http.post("/graphql", json={"query": query, "variables": variables or {}})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def query(self, query: str, **variables: Any) -> dict[str, Any]:
        """The data of a request that must succeed."""
        body = self.post(query, variables)
        if body.get("errors"):
            raise GraphQLFailure(body["errors"])
        data: dict[str, Any] = body["data"]
        return data

    def error(self, query: str, **variables: Any) -> dict[str, Any]:
        """The single error of a request that must be refused."""
        body = self.post(query, variables)
        errors = body.get("errors") or []
        assert len(errors) == 1, body
        error: dict[str, Any] = errors[0]
        return error

    def put_file(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        response = self.http.put(f"/files/sha256/{digest}", content=content)
        assert response.status_code in (200, 201), response.text
        return digest

    def statements(self) -> dict[str, float]:
        """Cypher statements the server has sent so far, by kind (read, write)."""
        text = self.http.get("/metrics").text
        return {kind: float(value) for kind, value in _STATEMENTS.findall(text)}

    def after_two_steps(self) -> None:
        """Wait until the server has begun and ended a whole cluster step after now (its count of statements of
        that kind grows by two: steps are taken one after another)."""
        start = self.statements().get("cluster", 0)
        until(lambda: self.statements().get("cluster", 0) >= start + 2, "two cluster steps", poll_seconds=0.1)

    def statements_sent_by(self, query: str, **variables: Any) -> tuple[dict[str, Any], int]:
        """The answer, and how many statements answering it took (API-key lookups are counted apart)."""

        def answering() -> float:
            counts = self.statements()
            return counts.get("read", 0) + counts.get("write", 0)

        before = answering()
        data = self.query(query, **variables)
        return data, int(answering() - before)

    def statements_read_by(self, query: str, tries: int = 3, **variables: Any) -> tuple[dict[str, Any], int]:
        """For a read: the answer, and the fewest statements of `tries` askings. The count spans the whole
        server, so work it does meanwhile (a stale-run sweep, another client's heartbeat) can only add to one
        asking; the fewest is the request's own."""
        answers = [self.statements_sent_by(query, **variables) for _ in range(tries)]
        return answers[0][0], min(count for _, count in answers)
