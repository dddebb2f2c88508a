"""A closed-loop HTTP load generator: N connections, each sending its next request as soon as the last answers.

It speaks just enough HTTP/1.1 (keep-alive, Content-Length or chunked answers)
on raw asyncio streams: on a 2-core machine shared with the server and Neo4j, a
general-purpose client such as httpx would spend more CPU than the server under
test and cap the figure it is meant to measure.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


class HttpError(RuntimeError):
    pass


class ConnectionClosed(HttpError):
    """The server closed the connection before any byte of an answer."""


class Connection:
    """One keep-alive connection to 127.0.0.1:port, opened on first use and again after the server closed it."""

    def __init__(self, port: int, path: str, headers: dict[str, str] | None = None) -> None:
        self.port, self.path = port, path
        self.extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.kept_alive = False
        self.reopened = 0

    async def open(self) -> Connection:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.kept_alive = False
        return self

    def close(self) -> None:
        """Close the socket; the next `send` opens a new one."""
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def reopen(self) -> None:
        self.close()
        await self.open()
        self.reopened += 1

    def encode(self, method: str, body: bytes, content_type: str = "application/json") -> bytes:
        head = (
            f"{method} {self.path} HTTP/1.1\r\nhost: 127.0.0.1:{self.port}\r\ncontent-type: {content_type}\r\n"
            f"accept: application/json\r\ncontent-length: {len(body)}\r\n{self.extra}\r\n"
        )
        return head.encode() + body

    async def send(self, request: bytes) -> tuple[int, bytes]:
        """Send prepared request bytes; the status and body of the answer.

        A kept-alive connection the server closed while it was idle (Node and uvicorn close them after their
        keep-alive timeout) is opened again, and a request it dropped on a kept-alive connection before any
        byte of an answer is sent once more on a new connection: the server never began to answer it. Any
        other failure raises (HttpError, OSError, a timeout's cancellation) and closes the connection, so the
        next request starts on a new one; a request answered in part is never re-sent."""
        try:
            if self.reader is None:
                await self.open()
            elif self.reader.at_eof():
                await self.reopen()
            try:
                head = await self._exchange(request)
            except ConnectionClosed:
                if not self.kept_alive:
                    raise
                await self.reopen()
                head = await self._exchange(request)
            answer = await self._answer(head)
        except BaseException:
            self.close()
            raise
        self.kept_alive = True
        return answer

    async def _exchange(self, request: bytes) -> bytes:
        """Write the request and read the head of its answer."""
        assert self.reader is not None and self.writer is not None
        try:
            self.writer.write(request)
            await self.writer.drain()
            return await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if exc.partial:
                raise HttpError(f"the connection closed in the middle of an answer: {exc.partial[:200]!r}") from exc
            raise ConnectionClosed("the server closed the connection before answering") from exc
        except (ConnectionResetError, BrokenPipeError) as exc:
            raise ConnectionClosed(f"the server closed the connection before answering: {exc}") from exc

    async def _answer(self, head: bytes) -> tuple[int, bytes]:
        assert self.reader is not None
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        try:
            if "content-length" in headers:
                return status, await self.reader.readexactly(int(headers["content-length"]))
            if headers.get("transfer-encoding") == "chunked":
                chunks = []
                while True:
                    size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                    chunk = await self.reader.readexactly(size + 2)
                    if size == 0:
                        return status, b"".join(chunks)
                    chunks.append(chunk[:-2])
        except (asyncio.IncompleteReadError, ConnectionResetError) as exc:
            raise HttpError(f"the connection closed in the middle of an answer (HTTP {status})") from exc
        raise HttpError(f"an answer without length: {head!r}")

    async def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        status, body = await self.send(
            self.encode("POST", json.dumps({"query": query, "variables": variables}).encode())
        )
        answer: dict[str, Any] = json.loads(body)
        if status != 200 or answer.get("errors"):
            raise HttpError(f"HTTP {status}: {body[:500]!r}")
        return answer


def graphql_request(
    port: int, path: str, query: str, variables: dict[str, Any], headers: dict[str, str] | None = None
) -> bytes:
    body = json.dumps({"query": query, "variables": variables}).encode()
    return Connection(port, path, headers).encode("POST", body)


@dataclass
class LoadResult:
    concurrency: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: float) -> float:
        return percentile(self.latencies, p)


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`; the median for p = 50."""
    if not values:
        return float("nan")
    if p == 50:
        return statistics.median(values)
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def ok(body: bytes) -> bool:
    return b'"errors"' not in body


async def closed_loop(
    port: int,
    path: str,
    requests: Sequence[bytes],
    concurrency: int,
    seconds: float,
    accept: Callable[[bytes], bool] = ok,
) -> LoadResult:
    """`concurrency` connections send `requests` round-robin for `seconds`; every answer's latency is kept.
    Each connection sends at least one request, so a machine too busy to start them all within `seconds`
    gives a slow figure, not an empty one."""
    result = LoadResult(concurrency, seconds)
    deadline = time.perf_counter() + seconds

    async def worker(offset: int) -> None:
        connection = Connection(port, path)
        index = offset
        try:
            while index == offset or time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    status, body = await connection.send(requests[index % len(requests)])
                except (HttpError, OSError) as exc:
                    status, body = 0, f"{type(exc).__name__}: {exc}".encode()
                if status == 200 and accept(body):
                    result.latencies.append(time.perf_counter() - started)
                else:
                    result.errors += 1
                    result.first_error = result.first_error or f"HTTP {status}: {body[:300]!r}"
                index += 1
        finally:
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(offset) for offset in range(concurrency)))
    result.seconds = time.perf_counter() - started
    return result
