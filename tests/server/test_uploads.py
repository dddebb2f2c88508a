"""Who may upload, and how many uploads one user may hold open (the hostile-tenant review of issue 11)."""

from __future__ import annotations

import hashlib
import select
import socket
import time
from urllib.parse import urlparse

from tests.client import GraphQLClient

MAX_UPLOADS = 8


def _client(api: GraphQLClient, user: str, entity: str, role: str) -> GraphQLClient:
    api.query(f'mutation {{ addMember(entity: "{entity}", user: "{user}", role: {role}) {{ role }} }}')
    key = api.query("mutation($u: String) { createApiKey(user: $u) { key } }", u=user)["createApiKey"]["key"]
    return GraphQLClient(str(api.http.base_url), key=key)


def test_viewers_cannot_upload(api: GraphQLClient) -> None:
    content = b"a viewer's attempt to fill the disk"
    digest = hashlib.sha256(content).hexdigest()
    with _client(api, "vic", "acme", "VIEWER") as vic:
        refused = vic.http.put(f"/files/sha256/{digest}", content=content)
    assert refused.status_code == 403
    assert refused.json() == {
        "error": {"code": "FORBIDDEN", "message": "uploading needs the member role in some entity; viewers only read"}
    }


def answered(sockets: list[socket.socket], count: int) -> list[socket.socket]:
    """The first `count` of `sockets` the server answers, waiting until it has answered them."""
    ready: list[socket.socket] = []
    while len(ready) < count:
        readable, _, _ = select.select([held for held in sockets if held not in ready], [], [], 60)
        assert readable, "the server answered none of the stalled uploads within a minute"
        ready += readable
    return ready


def test_a_user_holds_at_most_eight_uploads_open_at_once(api: GraphQLClient) -> None:
    """Twelve uploads that send one byte and stall: eight are held open, the other four and any further upload
    answer 429 at once, and once the stalled ones close, uploads go through again. No other upload is sent
    until the four are answered, so the eight held are the stalled ones."""
    content = b"one more"
    digest = hashlib.sha256(content).hexdigest()
    with _client(api, "mia", "acme", "MEMBER") as mia:
        url = urlparse(str(api.http.base_url))
        token = mia.http.headers["authorization"]
        stalled = []
        for index in range(12):
            held = socket.create_connection((url.hostname or "127.0.0.1", url.port or 80))
            held.sendall(
                f"PUT /files/sha256/{index:064x} HTTP/1.1\r\nhost: x\r\nauthorization: {token}\r\n"
                "content-length: 1000\r\n\r\nx".encode()
            )
            stalled.append(held)
        try:
            refused = answered(stalled, 12 - MAX_UPLOADS)
            assert [held.recv(12) for held in refused] == [b"HTTP/1.1 429"] * (12 - MAX_UPLOADS)
            one_more = mia.http.put(f"/files/sha256/{digest}", content=content)
            assert (one_more.status_code, one_more.json()["error"]) == (
                429,
                {
                    "code": "RATE_LIMITED",
                    "message": "at most 8 uploads at once per user; wait for one to finish",
                    "limit": 8,
                },
            )
        finally:
            for held in stalled:
                held.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until the server has seen the stalled connections close
            status = mia.http.put(f"/files/sha256/{digest}", content=content).status_code
            if status != 429:
                break
        assert status in (200, 201)


def test_metrics_span_every_tenant_and_are_for_superusers_only(api: GraphQLClient) -> None:
    with _client(api, "ada", "acme", "ADMIN") as ada:
        refused = ada.http.get("/metrics")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "FORBIDDEN"
    assert "stemma_http_request_seconds" in api.http.get("/metrics").text
