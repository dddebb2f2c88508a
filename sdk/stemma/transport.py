"""HTTP to the server: connection errors, 5xx and 429 are retried with backoff (honouring Retry-After) within a
time budget; every request the SDK sends is safe to repeat, so a retry never does anything twice."""

from __future__ import annotations

import email.utils
import logging
import random
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from stemma.errors import Unavailable
from stemma.settings import Settings

T = TypeVar("T")
VERSION = "0.1.0"
logger = logging.getLogger("stemma")


class RetryLater(Exception):
    """Raised by a response handler when the answer is transient (e.g. the database is briefly unreachable)."""

    def __init__(self, reason: str, after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.after = after


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter: first, first·factor, … capped at `longest` seconds."""

    first: float = 0.25
    factor: float = 2.0
    longest: float = 5.0

    def delay(self, attempt: int) -> float:
        return min(self.longest, self.first * self.factor**attempt) * random.uniform(0.5, 1.0)


class Clock:
    """Time as the transport sees it: `now` for the retry budget, `sleep` between attempts. Tests pass one that
    records what the transport chose to wait."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def retryable_status(status: int) -> bool:
    return status == 429 or status >= 500


def retry_after(response: httpx.Response) -> float | None:
    """Seconds from a Retry-After header, given either as a number or as an HTTP date."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class Transport:
    """One connection pool to the server, shared by a run's threads; the API key travels as a bearer token."""

    def __init__(self, settings: Settings, backoff: Backoff | None = None, clock: Clock | None = None) -> None:
        headers = {"user-agent": f"stemma-python/{VERSION}"}
        if settings.api_key:
            headers["authorization"] = f"Bearer {settings.api_key}"
        self.base_url = settings.base_url
        self.retry_seconds = settings.retry_seconds
        self.backoff = backoff or Backoff()
        self.clock = clock or Clock()
        self.http = httpx.Client(
            base_url=settings.base_url,
            headers=headers,
            timeout=httpx.Timeout(60.0, connect=10.0),
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        )
        # Artifacts and runs read from the server keep their transport; its sockets close when the last one goes.
        self._closer = weakref.finalize(self, self.http.close)

    def close(self) -> None:
        self._closer()

    def send(
        self,
        method: str,
        path: str,
        handle: Callable[[httpx.Response], T],
        *,
        json: Any = None,
        body: Callable[[], Iterator[bytes]] | None = None,
        headers: Mapping[str, str] | None = None,
        retry_seconds: float | None = None,
        read_seconds: float | None = None,
    ) -> T:
        """Send until an answer that is not transient arrives, then return `handle(response)`.

        `body` makes a fresh request body for every attempt. `handle` reads the (streamed) response;
        it may raise RetryLater, and a connection lost while it reads is retried like any other.
        `read_seconds`: the longest wait for the answer, when the server's work takes longer than usual."""
        budget = self.retry_seconds if retry_seconds is None else retry_seconds
        deadline = self.clock.now() + budget
        attempt = 0
        while True:
            wait: float | None = None
            try:
                content = body() if body is not None else None
                timeout = (
                    httpx.USE_CLIENT_DEFAULT if read_seconds is None else httpx.Timeout(read_seconds, connect=10.0)
                )
                with self.http.stream(
                    method, path, json=json, content=content, headers=headers, timeout=timeout
                ) as response:
                    if not retryable_status(response.status_code):
                        return handle(response)
                    response.read()
                    failure: str | BaseException = f"HTTP {response.status_code}"
                    wait = retry_after(response)
            except httpx.TransportError as exc:
                failure = exc
            except RetryLater as exc:
                failure, wait = exc.reason, exc.after
            delay = wait if wait is not None else self.backoff.delay(attempt)
            attempt += 1
            if self.clock.now() + delay > deadline:
                raise Unavailable(
                    f"{method} {self.base_url}{path} failed after {attempt} attempt(s) "
                    f"within {budget:g}s: {_describe(failure)}"
                ) from (failure if isinstance(failure, BaseException) else None)
            logger.debug("retrying %s %s in %.2fs: %s", method, path, delay, _describe(failure))
            self.clock.sleep(delay)


def _describe(failure: str | BaseException) -> str:
    if isinstance(failure, BaseException):
        return f"{type(failure).__name__}: {failure}" if str(failure) else type(failure).__name__
    return failure
