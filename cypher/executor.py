"""Runs compiled statements on Neo4j: reads in read transactions, writes in retried write transactions."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from neo4j import (
    READ_ACCESS,
    WRITE_ACCESS,
    AsyncDriver,
    AsyncGraphDatabase,
    AsyncManagedTransaction,
    AsyncSession,
    Query,
    unit_of_work,
)
from neo4j.exceptions import (
    ClientError,
    ConnectionAcquisitionTimeoutError,
    ConstraintError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from cypher.batching import Batches
from cypher.errors import Conflict, PayloadTooLarge, StemmaError, TimedOut, Unavailable

T = TypeVar("T")
BUSY = "the graph database is busy; try again shortly"
Row = dict[str, Any]


@dataclass(frozen=True)
class Statement:
    """One Cypher statement and its parameters; its text never contains user input (the admins' console,
    which runs an admin's own Cypher, aside). A `batchable` statement returns the one column `result`, and
    reads of its text may be sent together (`cypher.batching`)."""

    text: str
    params: dict[str, Any] = field(default_factory=dict)
    batchable: bool = False


class StatementRefused(Exception):
    """Neo4j refused a statement (its syntax, its types, a write in a read transaction): Neo4j's code and
    message. Internal (masked) unless the caller ran someone's own Cypher and says so."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class WriteTransaction:
    """The statements of one write transaction; `run` returns rows as dicts."""

    def __init__(self, tx: AsyncManagedTransaction, on_statement: Callable[[str], None], kind: str = "write") -> None:
        self._tx = tx
        self._on_statement = on_statement
        self._kind = kind

    async def run(self, statement: Statement) -> list[Row]:
        self._on_statement(self._kind)
        result = await self._tx.run(statement.text, statement.params)
        return await result.data()


class ReadTransaction:
    """The statements of one read transaction."""

    def __init__(self, tx: AsyncManagedTransaction) -> None:
        self._tx = tx

    async def run(self, statement: Statement) -> list[Row]:
        result = await self._tx.run(statement.text, statement.params)
        return await result.data()

    async def plan(self, statement: Statement) -> dict[str, Any]:
        """The plan of an `EXPLAIN` statement (nothing runs)."""
        result = await self._tx.run(statement.text, statement.params)
        summary = await result.consume()
        return dict(summary.plan or {})

    async def first_rows(self, statement: Statement, max_rows: int) -> tuple[list[str], list[list[Any]], bool]:
        """The columns and at most `max_rows` rows of driver values; True when more rows were left unread."""
        result = await self._tx.run(statement.text, statement.params)
        rows: list[list[Any]] = []
        async for record in result:
            if len(rows) == max_rows:
                return list(result.keys()), rows, True
            rows.append(list(record.values()))
        return list(result.keys()), rows, False


class Executor:
    """The one place the server, schema and cypher code open sessions and transactions on Neo4j, and the one
    place driver failures become client errors (`translate_driver_error`).

    When Neo4j is unreachable, requests for the next `outage_probe_seconds` fail
    at once with UNAVAILABLE instead of each waiting out the driver's retries;
    after that one request probes again, so the server recovers by itself.
    Transient errors (deadlocks, leader switches) are retried for up to
    `transient_retry_seconds`, the whole transaction function each time.

    Overload is not an outage. When every pooled connection is busy past the
    acquisition timeout, or a new connection cannot be opened while Neo4j
    answered other requests during the attempt (a loaded machine is slow to
    open connections), the request waits and tries again within the same
    budget; the breaker stays as it is, and past the budget the answer is
    UNAVAILABLE "busy", not "unreachable". A transaction past its own memory
    limit would pass it again: it is not retried, and answers PAYLOAD_TOO_LARGE."""

    def __init__(
        self,
        driver: AsyncDriver,
        database: str,
        on_statement: Callable[[str], None] = lambda kind: None,
        outage_probe_seconds: float = 1.0,
        transient_retry_seconds: float = 15.0,
        transaction_timeout_seconds: float = 30.0,
        keep_read_sessions: bool = False,
        batch_reads: bool = False,
    ) -> None:
        self.driver = driver
        self.database = database
        self._on_statement = on_statement
        self._bookmarks = AsyncGraphDatabase.bookmark_manager()
        self._outage_probe = outage_probe_seconds
        self._transient_budget = transient_retry_seconds
        self._unreachable_until = 0.0
        self._answered_at = 0.0  # when a transaction last succeeded (monotonic)
        self._timeout = transaction_timeout_seconds
        # Read sessions between reads, holding no connection (`_session`), for an owner that calls `close`.
        self._keep_reads = keep_read_sessions
        self._idle_reads: list[AsyncSession] = []
        self._batches = Batches(self._read_alone, READ_FAILURES, _batch_goes_alone) if batch_reads else None

    async def close(self) -> None:
        """Close the idle read sessions and the driver."""
        idle, self._idle_reads = self._idle_reads, []
        for session in idle:
            await session.close()
        await self.driver.close()

    async def read(self, statement: Statement, kind: str = "read") -> list[Row]:
        """Run one read statement as an auto-commit read transaction; `kind` labels it in the statement count
        (authentication lookups are counted apart).

        One statement needs no explicit transaction: auto-commit sends it with no BEGIN and COMMIT, one
        round trip instead of three (about a third of the driver's CPU per request). Retries are `_guarded`'s.
        Read statements return maps, lists and scalars, never nodes, so each record is taken as it was decoded:
        the driver's `data()` would copy every nested map and list again (a tenth of a page's server CPU).
        The session is one that an earlier read left idle, when there is one (`_session`). With `batch_reads`,
        a batchable statement may be sent together with others of its text (`cypher.batching`)."""
        if self._batches is not None and statement.batchable and kind == "read":
            return await self._batches.read(statement.text, statement.params)
        return await self._read_alone(statement.text, statement.params, kind)

    async def _read_alone(self, text: str, params: dict[str, Any], kind: str = "read") -> list[Row]:
        query = Query(text, timeout=self._timeout)

        async def unit(session: AsyncSession) -> list[Row]:
            result = await session.run(query, params)
            self._on_statement(kind)
            return [dict(zip(record.keys(), record, strict=True)) async for record in result]

        return await self._guarded(READ_ACCESS, unit, reuse=self._keep_reads)

    async def read_in(self, work: Callable[[ReadTransaction], Awaitable[T]], timeout: float, kind: str = "read") -> T:
        """Run `work` as one read transaction of at most `timeout` seconds (the console reads a plan and its
        own records this way)."""

        @unit_of_work(timeout=timeout)
        async def unit(tx: AsyncManagedTransaction) -> T:
            self._on_statement(kind)
            return await work(ReadTransaction(tx))

        return await self._guarded(READ_ACCESS, lambda session: session.execute_read(unit))

    async def write(
        self, work: Callable[[WriteTransaction], Awaitable[T]], kind: str = "write", timeout: float | None = None
    ) -> T:
        """Run `work` as one write transaction with retries; all or nothing. `kind` labels its statements in
        the statement count (the server's own upkeep is counted apart from requests); `timeout` replaces the
        transaction timeout (an import rebuilds a whole project in one transaction)."""

        @unit_of_work(timeout=self._timeout if timeout is None else timeout)
        async def unit(tx: AsyncManagedTransaction) -> T:
            return await work(WriteTransaction(tx, self._on_statement, kind))

        return await self._guarded(WRITE_ACCESS, lambda session: session.execute_write(unit))

    async def write_in_batches(self, statement: Statement) -> None:
        """Run one statement that commits its own batches (`CALL … IN TRANSACTIONS`, which Neo4j runs only in an
        implicit transaction), without a time limit: it is a migration's walk over the whole graph, and each batch
        is small. A transient failure runs it again from the start, so it must be safe to repeat."""
        query = Query(statement.text, timeout=0)

        async def work(session: AsyncSession) -> None:
            result = await session.run(query, statement.params)
            await result.consume()

        await self._guarded(WRITE_ACCESS, work)

    @asynccontextmanager
    async def held_session(self) -> AsyncIterator[AsyncSession]:
        """A session for work that holds one transaction open across other work (the migration lock), behind
        the outage breaker; the holder retries what it may and translates the rest of the driver's errors."""
        if time.monotonic() < self._unreachable_until:
            raise Unavailable("the graph database is unreachable; try again shortly")
        try:
            async with self.driver.session(database=self.database) as session:
                yield session
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            self._unreachable_until = time.monotonic() + self._outage_probe
            raise translate_driver_error(exc) from exc

    async def _session(self, access_mode: str, work: Callable[[AsyncSession], Awaitable[T]], reuse: bool) -> T:
        """`work` in a session: with `reuse`, a read session an earlier read left idle (after its result was read
        to the end it holds no connection), and this one is left idle in turn. Making a session for every read
        cost a tenth of the driver's CPU per read. A session whose work failed, or was cancelled, is closed."""
        if reuse and self._idle_reads:
            session = self._idle_reads.pop()
        else:
            session = self.driver.session(
                database=self.database, default_access_mode=access_mode, bookmark_manager=self._bookmarks
            )
        try:
            answer = await work(session)
        except BaseException:
            await asyncio.shield(_close_on_failure(session))
            raise
        if reuse and len(self._idle_reads) < IDLE_READS:
            self._idle_reads.append(session)
        else:
            await session.close()
        return answer

    async def _guarded(self, access_mode: str, work: Callable[[AsyncSession], Awaitable[T]], reuse: bool = False) -> T:
        """Run `work` in a session of `access_mode`, behind the outage breaker and with transient retries."""
        if time.monotonic() < self._unreachable_until:
            raise Unavailable("the graph database is unreachable; try again shortly")
        deadline = time.monotonic() + self._transient_budget
        delay = 0.05
        while True:
            attempt_started = time.monotonic()
            try:
                answer = await self._session(access_mode, work, reuse)
                self._answered_at = time.monotonic()
                return answer
            except (ServiceUnavailable, SessionExpired, OSError) as exc:
                if self._answered_at <= attempt_started:
                    self._unreachable_until = time.monotonic() + self._outage_probe
                    raise translate_driver_error(exc) from exc
                # Neo4j answered another request while this one could not reach it: overloaded, not down
                if time.monotonic() + delay > deadline:
                    raise Unavailable(BUSY) from exc
            except (TransientError, ConnectionAcquisitionTimeoutError) as exc:  # busy: every pooled connection too
                if time.monotonic() + delay > deadline or _over_transaction_memory(exc):
                    raise translate_driver_error(exc) from exc
            except (Neo4jError, DriverError) as exc:
                raise translate_driver_error(exc) from exc
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)


READ_FAILURES = (StemmaError, StatementRefused, Neo4jError, DriverError)  # what a read raises when unanswered
IDLE_READS = 64  # read sessions kept between reads: one per read running at once, as a rule


async def _close_on_failure(session: AsyncSession) -> None:
    with contextlib.suppress(Exception):
        await session.close()


def _batch_goes_alone(exc: Exception) -> bool:
    """A batch's failure that its text's next batches would meet too: Neo4j refused the batched text, or the
    batch ran past one transaction's time or memory."""
    refused = isinstance(exc, StatementRefused) and exc.code == "Neo.ClientError.Statement.SyntaxError"
    return refused or isinstance(exc, (TimedOut, PayloadTooLarge))


def _over_transaction_memory(exc: Exception) -> bool:
    """One transaction passed its own memory limit: the same work would again, so it is not retried. (Passing
    the limit shared by all transactions, db.memory.transaction.total.max, is busy and worth retrying.)"""
    return (
        isinstance(exc, TransientError)
        and exc.code == "Neo.TransientError.General.MemoryPoolOutOfMemoryError"
        and "db.memory.transaction.max" in (exc.message or "")
    )


def translate_driver_error(exc: Exception) -> Exception:
    """Map a driver failure to the client-facing error family; a refused statement becomes StatementRefused,
    anything else stays as it is (both internal, so masked)."""
    if isinstance(exc, StemmaError):
        return exc
    if isinstance(exc, ConstraintError):
        return Conflict("the change conflicts with data written concurrently; repeat the request")
    if isinstance(exc, (ServiceUnavailable, SessionExpired, OSError)):
        return Unavailable("the graph database is unreachable; try again shortly")
    if _over_transaction_memory(exc):
        return PayloadTooLarge(
            "the request needs more memory than one transaction may use on this server "
            "(Neo4j's db.memory.transaction.max); send less at once",
            field="body",
        )
    if isinstance(exc, (TransientError, ConnectionAcquisitionTimeoutError)):
        return Unavailable(BUSY)
    if isinstance(exc, ClientError):
        code = exc.code or ""
        if "Timeout" in code or "TimedOut" in code:
            return TimedOut("the query ran past the database's transaction timeout")
        return StatementRefused(code, exc.message or "")
    return exc
