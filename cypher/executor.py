"""Runs compiled statements on Neo4j: reads in read transactions, writes in retried write transactions."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from neo4j import (
    READ_ACCESS,
    WRITE_ACCESS,
    AsyncDriver,
    AsyncGraphDatabase,
    AsyncManagedTransaction,
    unit_of_work,
)
from neo4j.exceptions import (
    ClientError,
    ConstraintError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from cypher.errors import Conflict, StemmaError, Unavailable

T = TypeVar("T")
Row = dict[str, Any]


@dataclass(frozen=True)
class Statement:
    """One Cypher statement: fixed text (never containing user input) and its parameters."""

    text: str
    params: dict[str, Any] = field(default_factory=dict)


class WriteTransaction:
    """The statements of one write transaction; `run` returns rows as dicts."""

    def __init__(self, tx: AsyncManagedTransaction, on_statement: Callable[[str], None]) -> None:
        self._tx = tx
        self._on_statement = on_statement

    async def run(self, statement: Statement) -> list[Row]:
        self._on_statement("write")
        result = await self._tx.run(statement.text, statement.params)
        return await result.data()


class Executor:
    """The one place Stemma talks to Neo4j and turns driver failures into client errors.

    When Neo4j is unreachable, requests for the next `outage_probe_seconds` fail
    at once with UNAVAILABLE instead of each waiting out the driver's retries;
    after that one request probes again, so the server recovers by itself.
    Transient errors (deadlocks, leader switches) are retried for up to
    `transient_retry_seconds`, the whole transaction function each time."""

    def __init__(
        self,
        driver: AsyncDriver,
        database: str,
        on_statement: Callable[[str], None] = lambda kind: None,
        outage_probe_seconds: float = 1.0,
        transient_retry_seconds: float = 15.0,
        transaction_timeout_seconds: float = 30.0,
    ) -> None:
        self.driver = driver
        self.database = database
        self._on_statement = on_statement
        self._bookmarks = AsyncGraphDatabase.bookmark_manager()
        self._outage_probe = outage_probe_seconds
        self._transient_budget = transient_retry_seconds
        self._unreachable_until = 0.0
        self._timeout = transaction_timeout_seconds

    async def read(self, statement: Statement, kind: str = "read") -> list[Row]:
        """Run one read statement in a read transaction; `kind` labels it in the statement count
        (authentication lookups are counted apart)."""

        async def rows(tx: AsyncManagedTransaction) -> list[Row]:
            result = await tx.run(statement.text, statement.params)
            return await result.data()

        return await self.read_in(rows, self._timeout, kind)

    async def read_in(
        self, work: Callable[[AsyncManagedTransaction], Awaitable[T]], timeout: float, kind: str = "read"
    ) -> T:
        """Run `work` as one read transaction of at most `timeout` seconds (the console reads a plan and its
        own records this way)."""

        @unit_of_work(timeout=timeout)
        async def unit(tx: AsyncManagedTransaction) -> T:
            self._on_statement(kind)
            return await work(tx)

        async def attempt() -> T:
            async with self.driver.session(
                database=self.database, default_access_mode=READ_ACCESS, bookmark_manager=self._bookmarks
            ) as session:
                return await session.execute_read(unit)

        return await self._guarded(attempt)

    async def write(self, work: Callable[[WriteTransaction], Awaitable[T]]) -> T:
        """Run `work` as one write transaction with retries; all or nothing."""

        @unit_of_work(timeout=self._timeout)
        async def unit(tx: AsyncManagedTransaction) -> T:
            return await work(WriteTransaction(tx, self._on_statement))

        async def attempt() -> T:
            async with self.driver.session(
                database=self.database, default_access_mode=WRITE_ACCESS, bookmark_manager=self._bookmarks
            ) as session:
                return await session.execute_write(unit)

        return await self._guarded(attempt)

    async def _guarded(self, attempt: Callable[[], Awaitable[T]]) -> T:
        if time.monotonic() < self._unreachable_until:
            raise Unavailable("the graph database is unreachable; try again shortly")
        deadline = time.monotonic() + self._transient_budget
        delay = 0.05
        while True:
            try:
                return await attempt()
            except (ServiceUnavailable, SessionExpired, OSError) as exc:
                self._unreachable_until = time.monotonic() + self._outage_probe
                raise translate_driver_error(exc) from exc
            except TransientError as exc:
                if time.monotonic() + delay > deadline:
                    raise translate_driver_error(exc) from exc
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
            except (Neo4jError, DriverError) as exc:
                raise translate_driver_error(exc) from exc


def translate_driver_error(exc: Exception) -> Exception:
    """Map a driver failure to the client-facing error family; anything else stays internal (masked)."""
    if isinstance(exc, StemmaError):
        return exc
    if isinstance(exc, ConstraintError):
        return Conflict("the change conflicts with data written concurrently; repeat the request")
    if isinstance(exc, (ServiceUnavailable, SessionExpired, OSError)):
        return Unavailable("the graph database is unreachable; try again shortly")
    if isinstance(exc, TransientError):
        return Unavailable("the graph database is busy; try again shortly")
    if isinstance(exc, ClientError):
        code = exc.code or ""
        if "TransactionTimedOut" in code or "TransactionTimeout" in code:
            return Unavailable("the query ran past the database's transaction timeout")
    return exc
