"""Every limit refuses with its name and value: GraphQL depth, tokens and aliases, body size, rate per key."""

from __future__ import annotations

import json
import os
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

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
    # One request per 100 s refills the bucket: no token comes back while the test runs, however slow the machine.
    process = ServerProcess(
        neo4j_uri, tmp_path, free_port(), {"STEMMA_RATE_LIMIT_PER_SECOND": "0.01", "STEMMA_RATE_LIMIT_BURST": "3"}
    )
    try:
        process.start()
        answers = [
            httpx.post(f"{process.url}/graphql", json={"query": "{ me { user } }"}, headers=AUTH) for _ in range(5)
        ]
        assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
        refused = answers[3]
        assert refused.headers["retry-after"] == "100"
        assert refused.json()["errors"][0]["extensions"] == {"code": "RATE_LIMITED"}
        assert "rate limit of 0.01 requests per second" in refused.json()["errors"][0]["message"]
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


def read_until_closed(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """The server's whole answer: everything it sends until it closes the connection."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), {name.lower(): value for name, value in headers.items()}, body


def connect(url: str) -> socket.socket:
    """A raw connection; the timeout only keeps a broken server from hanging the test run."""
    port = int(url.rsplit(":", 1)[1])
    return socket.create_connection(("127.0.0.1", port), timeout=60)


def rss_mib(process: ServerProcess) -> int:
    assert process.process is not None
    status = Path(f"/proc/{process.process.pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) // 1024  # type: ignore[union-attr]


def requests_answered(process: ServerProcess, route: str, status: int) -> float:
    metrics = httpx.get(f"{process.url}/metrics", headers=AUTH).text
    found = re.search(
        rf'stemma_http_request_seconds_count\{{method="POST",route="{route}",status="{status}"\}} (\S+)', metrics
    )
    return float(found.group(1)) if found else 0.0


@pytest.fixture(scope="module")
def strict_server(neo4j_uri: str, driver: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server whose request bodies must keep arriving within a second; an earlier run left a partial upload."""
    state = tmp_path_factory.mktemp("strict-server")
    leftover = state / "blobs" / "tmp" / "tmp-left-by-a-killed-server"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"half an upload")
    an_hour_ago = time.time() - 3600
    os.utime(leftover, (an_hour_ago, an_hour_ago))
    process = ServerProcess(neo4j_uri, state, free_port(), {"STEMMA_BODY_READ_TIMEOUT_SECONDS": "1"})
    process.start()
    yield process
    process.stop()


def test_a_login_body_over_the_form_limit_is_refused_before_it_is_sent(server: str) -> None:
    with connect(server) as sock:
        sock.sendall(
            b"POST /login HTTP/1.1\r\nHost: stemma\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 314572800\r\n\r\n"
        )
        status, headers, body = read_until_closed(sock)
    assert (status, headers["connection"]) == (413, "close")
    assert json.loads(body) == {
        "error": {
            "code": "PAYLOAD_TOO_LARGE",
            "message": "the body is larger than the limit for POST /login of 8192 bytes",
            "limit": 8192,
        }
    }


def test_a_streamed_300_mb_login_body_is_cut_off_without_growing_the_server(strict_server: ServerProcess) -> None:
    before = rss_mib(strict_server)
    sent, megabyte = 0, b"k" * (1024 * 1024)
    chunk = f"{len(megabyte):x}\r\n".encode() + megabyte + b"\r\n"
    with connect(strict_server.url) as sock:
        sock.sendall(b"POST /login HTTP/1.1\r\nHost: stemma\r\nTransfer-Encoding: chunked\r\n\r\n")
        try:
            while sent < 300:
                sock.sendall(chunk)
                sent += 1
        except (BrokenPipeError, ConnectionResetError):
            pass
    assert sent < 300, "the server read a 300 MB login body to the end"
    assert requests_answered(strict_server, "/login", 413) == 1
    assert rss_mib(strict_server) - before < 20


def test_a_half_sent_body_is_answered_408_and_closed_after_the_read_timeout(strict_server: ServerProcess) -> None:
    with connect(strict_server.url) as sock:
        sock.sendall(b"POST /login HTTP/1.1\r\nHost: stemma\r\nContent-Length: 100\r\n\r\nkey=stm_")
        status, headers, body = read_until_closed(sock)
    assert (status, headers["connection"]) == (408, "close")
    assert json.loads(body) == {
        "error": {
            "code": "REQUEST_TIMEOUT",
            "message": "the request body did not arrive within the read timeout of 1 s; the connection is closed",
        }
    }


def test_a_stalled_upload_is_closed_and_its_partial_file_removed(strict_server: ServerProcess) -> None:
    temp = strict_server.state / "blobs" / "tmp"
    with connect(strict_server.url) as sock:
        sock.sendall(
            f"PUT /files/sha256/{'c' * 64} HTTP/1.1\r\nHost: stemma\r\nAuthorization: Bearer {ADMIN_KEY}\r\n"
            "Content-Length: 1000000\r\n\r\n".encode()
            + b"z" * 100_000
        )
        status, _, body = read_until_closed(sock)
    assert status == 408
    assert json.loads(body)["error"]["code"] == "REQUEST_TIMEOUT"
    assert list(temp.iterdir()) == []


def test_partial_uploads_left_by_an_earlier_run_are_removed_at_start_up(strict_server: ServerProcess) -> None:
    assert list((strict_server.state / "blobs" / "tmp").iterdir()) == []
    assert "removed 1 partial uploads left by an earlier run" in strict_server.log()
