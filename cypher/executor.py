"""Runs compiled statements on Neo4j: reads in read transactions, writes in retried write transactions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from neo4j import READ_ACCESS, WRITE_ACCESS, AsyncDriver, AsyncGraphDatabase, AsyncManagedTransaction
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
    """The one place Stemma talks to Neo4j and turns driver failures into client errors."""

    def __init__(
        self,
        driver: AsyncDriver,
        database: str,
        on_statement: Callable[[str], None] = lambda kind: None,
    ) -> None:
        self.driver = driver
        self.database = database
        self._on_statement = on_statement
        self._bookmarks = AsyncGraphDatabase.bookmark_manager()

    async def read(self, statement: Statement, kind: str = "read") -> list[Row]:
        """Run one read statement in a read transaction (retried on transient failures);
        `kind` labels it in the statement count (authentication lookups are counted apart)."""

        async def work(tx: AsyncManagedTransaction) -> list[Row]:
            self._on_statement(kind)
            result = await tx.run(statement.text, statement.params)
            return await result.data()

        try:
            async with self.driver.session(
                database=self.database, default_access_mode=READ_ACCESS, bookmark_manager=self._bookmarks
            ) as session:
                return await session.execute_read(work)
        except (Neo4jError, DriverError, OSError) as exc:
            raise translate_driver_error(exc) from exc

    async def write(self, work: Callable[[WriteTransaction], Awaitable[T]]) -> T:
        """Run `work` as one write transaction with the driver's retries; all or nothing."""

        async def unit(tx: AsyncManagedTransaction) -> T:
            return await work(WriteTransaction(tx, self._on_statement))

        try:
            async with self.driver.session(
                database=self.database, default_access_mode=WRITE_ACCESS, bookmark_manager=self._bookmarks
            ) as session:
                return await session.execute_write(unit)
        except (Neo4jError, DriverError, OSError) as exc:
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
