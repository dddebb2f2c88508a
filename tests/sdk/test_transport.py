"""Retries the real server cannot provoke on demand — 429 with Retry-After, a bare 503, an UNAVAILABLE answer —
played by a small HTTP server standing in for a throttling proxy in front of Stemma."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stemma

RUN = {
    "id": "proxy-team/p/abc123",
    "runId": "abc123",
    "entity": "proxy-team",
    "project": "p",
    "name": "behind-a-proxy",
    "state": "RUNNING",
    "jobType": None,
    "createdAt": "2026-11-25T08:30:00.123Z",
    "finishedAt": None,
    "heartbeatAt": "2026-11-25T08:30:01Z",
    "config": {},
    "tags": [],
    "notes": None,
}
UNAVAILABLE = {"errors": [{"message": "Neo4j is unreachable", "extensions": {"code": "UNAVAILABLE"}}], "data": None}


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class Proxy(ThreadingHTTPServer):
    """Answers POSTs from a script of answers and records when each arrived and with which headers."""

    def __init__(self, answers: list[Answer]) -> None:
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.answers = answers
        self.seen: list[tuple[float, dict[str, str]]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class ProxyHandler(BaseHTTPRequestHandler):
    server: Proxy

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        self.server.seen.append((time.monotonic(), {key.lower(): value for key, value in self.headers.items()}))
        answer = self.server.answers.pop(0)
        self.send_response(answer.status)
        for key, value in {"content-type": "application/json", **answer.headers}.items():
            self.send_header(key, value)
        self.send_header("content-length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    server = Proxy([])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_429_503_and_unavailable_are_retried_honouring_retry_after_with_the_key_as_bearer_token(
    proxy: Proxy, caplog: pytest.LogCaptureFixture
) -> None:
    proxy.answers += [
        Answer(429, b'{"error": {"message": "slow down"}}', {"retry-after": "1"}),
        Answer(503, b"busy"),
        Answer(200, json.dumps(UNAVAILABLE).encode()),
        Answer(200, json.dumps({"data": {"run": RUN}}).encode()),
    ]
    caplog.set_level(logging.DEBUG)
    with stemma.Api(base_url=proxy.url, api_key="sk-test-0123456789") as api:
        run = api.run("proxy-team/p/abc123")
    assert (run.path, run.name, run.state) == ("proxy-team/p/abc123", "behind-a-proxy", "running")
    assert [headers["authorization"] for _, headers in proxy.seen] == ["Bearer sk-test-0123456789"] * 4
    assert proxy.seen[1][0] - proxy.seen[0][0] >= 1.0
    assert proxy.answers == []
    retries = [record.getMessage() for record in caplog.records if record.name == "stemma"]
    assert [message.split(" in ")[0] for message in retries] == ["retrying POST /graphql"] * 3
    assert "sk-test" not in caplog.text


def test_a_retry_after_beyond_the_budget_gives_up_at_once(proxy: Proxy) -> None:
    proxy.answers.append(Answer(429, b"{}", {"retry-after": "120"}))
    started = time.monotonic()
    with (
        stemma.Api(base_url=proxy.url, retry_seconds=10) as api,
        pytest.raises(stemma.Unavailable, match="failed after 1 attempt"),
    ):
        api.run("proxy-team/p/abc123")
    assert time.monotonic() - started < 2
    assert len(proxy.seen) == 1


def test_a_client_error_is_not_retried(proxy: Proxy) -> None:
    body = {"errors": [{"message": "no run has id 'a/b/c'", "extensions": {"code": "NOT_FOUND", "field": "id"}}]}
    proxy.answers.append(Answer(200, json.dumps(body).encode()))
    with stemma.Api(base_url=proxy.url) as api, pytest.raises(stemma.NotFound) as missing:
        api.run("a/b/c")
    assert (missing.value.field, missing.value.message, len(proxy.seen)) == ("id", "no run has id 'a/b/c'", 1)
