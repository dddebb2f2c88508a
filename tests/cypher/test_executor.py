"""The executor tells an overloaded Neo4j from an unreachable one, against the session's real Neo4j.

A busy pool or a slow connection open is a queue: the request waits within its retry budget and the outage
breaker stays open for everyone else. Only a Neo4j that answered nobody during the attempt is unreachable.
The slow open is made real with a TCP relay in front of Neo4j that holds new connections silent on request.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from neo4j import AsyncDriver, AsyncGraphDatabase

from cypher.errors import PayloadTooLarge, Unavailable
from cypher.executor import Executor, Statement, StatementRefused, WriteTransaction

ONE = Statement("RETURN 1 AS one")


class Relay:
    """Relays TCP connections to `target`, except the next `silent` new ones: it accepts them and says nothing."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.silent = 0.0
        self.port = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if self.silent > 0:
                self.silent -= 1
                await asyncio.sleep(3600)  # open and saying nothing, as on a machine too busy to answer
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
            try:
                await asyncio.gather(self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer))
            finally:
                upstream_writer.close()
        finally:
            writer.close()

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[Relay]:
        def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.create_task(self._accept(reader, writer))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        server = await asyncio.start_server(accept, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        try:
            yield self
        finally:
            server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)


def _driver(uri: str, auth: tuple[str, str] | None, **pool: float) -> AsyncDriver:
    return AsyncGraphDatabase.driver(uri, auth=auth, max_transaction_retry_time=0, **pool)


def _executor(driver: AsyncDriver, budget: float) -> Executor:
    """A long breaker: a test sees it tripped or not, never reopened."""
    return Executor(driver, "neo4j", outage_probe_seconds=30, transient_retry_seconds=budget)


async def _hold_connection(executor: Executor, seconds: float) -> None:
    """One write transaction that keeps its connection for `seconds` and then commits."""

    async def work(tx: WriteTransaction) -> None:
        await tx.run(ONE)
        await asyncio.sleep(seconds)
        await tx.run(ONE)

    await executor.write(work)


def test_kept_read_sessions_answer_together_and_after_a_refused_statement(
    neo4j_uri: str, neo4j_auth: tuple[str, str] | None
) -> None:
    """The server's executor keeps its read sessions between reads (`keep_read_sessions`): sixteen reads at once
    answer, each once; a statement Neo4j refuses is refused, its session closed rather than kept, and the reads
    after it answer; a read cancelled mid-way leaves nothing behind that the next reads trip on; `close` closes
    the kept sessions (an unclosed one is a ResourceWarning, an error in this suite) and the driver."""

    async def scenario() -> None:
        executor = Executor(_driver(neo4j_uri, neo4j_auth), "neo4j", keep_read_sessions=True)
        numbered = [Statement("RETURN $n AS n", {"n": n}) for n in range(16)]
        assert await asyncio.gather(*map(executor.read, numbered)) == [[{"n": n}] for n in range(16)]
        with pytest.raises(StatementRefused):
            await executor.read(Statement("RETURN nonsense("))
        endless = Statement("UNWIND range(1, 1000000000) AS x WITH x WHERE x < 0 RETURN count(x) AS none")
        slow = asyncio.create_task(executor.read(endless))
        await asyncio.sleep(0.3)
        slow.cancel()
        with contextlib.suppress(asyncio.CancelledError, StatementRefused):
            await slow
        assert await asyncio.gather(*map(executor.read, numbered)) == [[{"n": n}] for n in range(16)]
        await executor.close()

    asyncio.run(scenario())
    gc.collect()


def test_a_request_waits_for_a_busy_pool_and_past_its_budget_is_told_busy_not_unreachable(
    neo4j_uri: str, neo4j_auth: tuple[str, str] | None
) -> None:
    """With one pooled connection, held by a transaction longer than the acquisition timeout, a read waits for
    it and answers; held longer than the whole budget, the read is refused as busy, and the next read answers at
    once (the breaker did not trip)."""

    async def scenario() -> None:
        async with _driver(
            neo4j_uri, neo4j_auth, max_connection_pool_size=1, connection_acquisition_timeout=0.2
        ) as driver:
            executor = _executor(driver, budget=2.5)
            holder = asyncio.create_task(_hold_connection(executor, 0.8))
            await asyncio.sleep(0.2)
            assert await executor.read(ONE) == [{"one": 1}]
            assert holder.done()

            holder = asyncio.create_task(_hold_connection(executor, 5.0))
            await asyncio.sleep(0.2)
            with pytest.raises(Unavailable, match="the graph database is busy; try again shortly"):
                await executor.read(ONE)
            await holder
            assert await executor.read(ONE) == [{"one": 1}]

    asyncio.run(scenario())


def test_a_connection_that_cannot_open_while_neo4j_answers_others_is_retried_and_otherwise_trips_the_breaker(
    neo4j_uri: str, neo4j_auth: tuple[str, str] | None
) -> None:
    """Through a relay that holds new connections silent: a read whose new connection never opens while another
    transaction commits tries again (the driver dropped its idle connections, so on a new one); once nothing
    answers during its attempt, a read is refused as unreachable, and so is the next one, at once."""
    address = urlsplit(neo4j_uri)
    assert address.hostname is not None and address.port is not None

    async def scenario() -> None:
        async with Relay((address.hostname, address.port)).serving() as relay:
            relayed = f"bolt://127.0.0.1:{relay.port}"
            timeouts = {"connection_timeout": 1.5, "connection_acquisition_timeout": 1.5}
            async with _driver(relayed, neo4j_auth, **timeouts) as driver:
                executor = _executor(driver, budget=5.0)
                assert await executor.read(ONE) == [{"one": 1}]  # one open connection, relayed
                relay.silent = 1
                holder = asyncio.create_task(_hold_connection(executor, 0.3))
                await asyncio.sleep(0.1)
                assert await executor.read(ONE) == [{"one": 1}]  # its first connection never opened
                await holder
                assert relay.silent == 0

            async with _driver(relayed, neo4j_auth, **timeouts) as driver:
                executor = _executor(driver, budget=5.0)
                assert await executor.read(ONE) == [{"one": 1}]
                relay.silent = math.inf
                blocker = asyncio.create_task(_hold_connection(executor, 4.0))
                await asyncio.sleep(0.1)
                with pytest.raises(Unavailable, match="the graph database is unreachable; try again shortly"):
                    await executor.read(ONE)
                assert not blocker.done()
                with pytest.raises(Unavailable, match="unreachable"):
                    await asyncio.wait_for(executor.read(ONE), 0.5)
                await blocker

    asyncio.run(scenario())


def test_a_connection_that_cannot_open_past_the_budget_while_neo4j_answers_others_is_busy_and_trips_nothing(
    neo4j_uri: str, neo4j_auth: tuple[str, str] | None
) -> None:
    """Through a relay that holds every new connection silent, while transactions on the one open connection
    keep committing: a read that needs a new connection is told busy when its budget runs out, not unreachable,
    and the breaker stays closed: the next read, on the open connection, answers."""
    address = urlsplit(neo4j_uri)
    assert address.hostname is not None and address.port is not None

    async def scenario() -> None:
        async with Relay((address.hostname, address.port)).serving() as relay:
            relayed = f"bolt://127.0.0.1:{relay.port}"
            timeouts = {"connection_timeout": 1.0, "connection_acquisition_timeout": 1.0}
            async with _driver(relayed, neo4j_auth, **timeouts) as driver:
                executor = _executor(driver, budget=2.0)
                assert await executor.read(ONE) == [{"one": 1}]  # one open connection, relayed
                relay.silent = math.inf

                async def answering() -> None:
                    for _ in range(16):
                        await _hold_connection(executor, 0.2)

                others = asyncio.create_task(answering())
                await asyncio.sleep(0.05)
                with pytest.raises(Unavailable, match="the graph database is busy; try again shortly"):
                    await executor.read(ONE)
                await others
                assert await asyncio.wait_for(executor.read(ONE), 2.0) == [{"one": 1}]

    asyncio.run(scenario())


def test_a_transaction_past_its_own_memory_limit_is_refused_at_once_as_too_large(
    neo4j_uri: str, neo4j_auth: tuple[str, str] | None
) -> None:
    """Neo4j calls it transient, but the same work would pass the per-transaction limit again (the session's
    Neo4j allows a quarter of its 1 GB heap): one attempt, PAYLOAD_TOO_LARGE, and the executor still answers."""
    statements: list[str] = []
    huge = Statement("UNWIND range(1, 40000000) AS i WITH collect(i) AS xs RETURN size(xs) AS n")

    async def scenario() -> None:
        async with _driver(neo4j_uri, neo4j_auth) as driver:
            executor = Executor(driver, "neo4j", on_statement=statements.append, transient_retry_seconds=60)

            async def work(tx: WriteTransaction) -> None:
                await tx.run(huge)

            with pytest.raises(PayloadTooLarge, match=r"db\.memory\.transaction\.max"):
                await executor.write(work)
            assert statements == ["write"]
            assert await executor.read(ONE) == [{"one": 1}]

    asyncio.run(scenario())
