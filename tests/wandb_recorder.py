"""A recording HTTP proxy between the `wandb` client and Stemma: it forwards every request as it is and writes
down its shape (method, route, GraphQL operation and the names of its variables), so that a new client version
shows what it sends differently in one diff of tests/wandb_client_requests.txt."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

ROUTES = [
    (re.compile(r"/wandb/files/[^/]+/[^/]+/[^/]+/file_stream"), "/wandb/files/{entity}/{project}/{run}/file_stream"),
    (re.compile(r"/wandb/uploads/[^/]+/manifest"), "/wandb/uploads/{upload}/manifest"),
    (re.compile(r"/wandb/uploads/[^/]+/[0-9a-f]{32}"), "/wandb/uploads/{upload}/{md5}"),
    (re.compile(r"/wandb/blobs/[0-9a-f]{64}"), "/wandb/blobs/{sha256}"),
]
_OPERATION = re.compile(r"(?:query|mutation)\s+(\w+)")
HOP_HEADERS = {"host", "content-length", "connection", "transfer-encoding", "keep-alive", "accept-encoding"}


def route_of(path: str) -> str:
    path = path.split("?", 1)[0]
    return next((template for pattern, template in ROUTES if pattern.fullmatch(path)), path)


def shape(method: str, path: str, body: bytes) -> str:
    """One line saying what a request is, without its values."""
    line = f"{method} {route_of(path)}"
    if not path.startswith("/wandb/graphql"):
        return line
    sent: dict[str, Any] = json.loads(body)
    found = _OPERATION.search(sent.get("query") or "")
    variables = sent.get("variables") or {}
    names = [
        f"{name}{{{','.join(sorted(value))}}}" if isinstance(value, dict) else name
        for name, value in sorted(variables.items())
    ]
    return f"{line} {sent.get('operationName') or (found.group(1) if found else '?')}({', '.join(names)})"


class Recorder:
    def __init__(self, target: str) -> None:
        self.target = target
        self.lines: set[str] = set()
        self.lock = threading.Lock()
        self.http = httpx.Client(base_url=target, timeout=120)
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def forward(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                with recorder.lock:
                    recorder.lines.add(shape(self.command, self.path, body))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
                headers["host"] = self.headers.get("host", "")
                answer = recorder.http.request(self.command, self.path, content=body, headers=headers)
                self.send_response(answer.status_code)
                for name, value in answer.headers.items():
                    if name.lower() not in HOP_HEADERS and name.lower() != "content-encoding":
                        self.send_header(name, value)
                self.send_header("content-length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PUT = do_HEAD = forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Recorder:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.http.close()
