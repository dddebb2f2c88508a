"""Reads of one statement text sent together (`cypher.batching`), against the session's real Neo4j.

Each scenario starts more reads at once than a lane lets run, so all but the first wait and go together; each
read must get exactly the rows it gets alone, whoever else it went with."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from neo4j import AsyncGraphDatabase, Driver

from cypher.batching import IN_FLIGHT
from cypher.executor import Executor, Row, Statement, StatementRefused

BOXES = "UNWIND $boxes AS box CREATE (:Box {entity: box[0], name: box[1], n: box[2]})"
VISIBLE_BOX = (
    "MATCH (x:Box {name: $name}) WHERE ($caller.superuser OR x.entity IN $caller.read) "
    "RETURN {name: x.name, n: x.n} AS result"
)
SMALLEST = "RETURN COLLECT { UNWIND range(1, 20) AS n WITH n WHERE n > $above RETURN n LIMIT $first } AS result"


BOX_OF = {"a": ("acme", {"name": "a", "n": 1}), "g": ("globex", {"name": "g", "n": 2})}


def visible_box(read: Statement) -> list[Row]:
    """The rows VISIBLE_BOX answers when read alone: the box, if the caller may read its entity."""
    if read.params["name"] not in BOX_OF:
        return []
    entity, box = BOX_OF[read.params["name"]]
    who = read.params["caller"]
    return [{"result": box}] if who["superuser"] or entity in who["read"] else []


def caller(*read: str, superuser: bool = False) -> dict[str, Any]:
    return {"user": "u", "superuser": superuser, "read": list(read), "write": [], "manage": [], "hidden_registries": []}


def run(
    neo4j_uri: str,
    neo4j_auth: tuple[str, str] | None,
    scenario: Callable[[Executor, list[str]], Awaitable[None]],
) -> None:
    async def main() -> None:
        statements: list[str] = []
        driver = AsyncGraphDatabase.driver(neo4j_uri, auth=neo4j_auth)
        executor = Executor(driver, "neo4j", on_statement=statements.append, keep_read_sessions=True, batch_reads=True)
        try:
            await scenario(executor, statements)
        finally:
            await executor.close()

    asyncio.run(main())


async def alone_and_together(
    executor: Executor, statements: list[str], reads: list[Statement]
) -> tuple[list[list[Row]], list[list[Row]], int]:
    """Each read's rows read one at a time, then all at once; and the statements the second took."""
    alone = [await executor.read(read) for read in reads]
    before = len(statements)
    together = list(await asyncio.gather(*map(executor.read, reads)))
    return alone, together, len(statements) - before


def test_reads_sent_together_answer_each_caller_as_alone(
    driver: Driver, neo4j_uri: str, neo4j_auth: tuple[str, str] | None
) -> None:
    """Twenty-four reads of one text, by callers of two entities and a superuser, of boxes of both entities and
    of none: together they take a few statements, and each caller gets what it gets alone — its own entity's
    box, never the other's. (The callers share a user name, so that they share a lane and a statement.)"""
    driver.execute_query(BOXES, boxes=[[entity, box["name"], box["n"]] for entity, box in BOX_OF.values()])
    callers = [caller("acme"), caller("globex"), caller(superuser=True)]
    reads = [
        Statement(VISIBLE_BOX, {"name": name, "caller": callers[i % 3]}, batchable=True)
        for i, name in enumerate(["a", "g", "missing", "g", "a", "a"] * 4)
    ]

    async def scenario(executor: Executor, statements: list[str]) -> None:
        alone, together, sent = await alone_and_together(executor, statements, reads)
        assert together == alone
        assert alone == [visible_box(read) for read in reads]
        assert sent <= IN_FLIGHT + 1 < len(reads)

    run(neo4j_uri, neo4j_auth, scenario)


def test_a_caller_s_slow_read_holds_back_only_its_own(neo4j_uri: str, neo4j_auth: tuple[str, str] | None) -> None:
    """Lanes are per caller: while ana's read of a text counts to ten million, bob's read of the same text goes
    at once and answers first, and ana's next read waits for hers."""
    text = "UNWIND range(1, $spin) AS x WITH count(x) AS counted RETURN $n AS result"

    def read(user: str, n: int, spin: int) -> Statement:
        return Statement(text, {"n": n, "spin": spin, "caller": {**caller(), "user": user}}, batchable=True)

    async def scenario(executor: Executor, statements: list[str]) -> None:
        slow = asyncio.ensure_future(executor.read(read("ana", 1, 10_000_000)))
        await asyncio.sleep(0.05)
        ana_next = asyncio.ensure_future(executor.read(read("ana", 2, 1)))
        assert await executor.read(read("bob", 3, 1)) == [{"result": 3}]
        assert not slow.done() and not ana_next.done()
        assert await asyncio.gather(slow, ana_next) == [[{"result": 1}], [{"result": 2}]]

    run(neo4j_uri, neo4j_auth, scenario)


def test_reads_with_other_limits_go_apart_and_each_keeps_its_own(
    neo4j_uri: str, neo4j_auth: tuple[str, str] | None
) -> None:
    """A LIMIT takes no variable, so its parameter stays a parameter: reads asking for 2 and for 3 go in two
    batches, and each gets as many as it asked for, after its own bound."""
    reads = [
        Statement(SMALLEST, {"above": above, "first": first}, batchable=True)
        for first in (2, 3)
        for above in (0, 5, 18, 19, 7, 11)
    ]

    async def scenario(executor: Executor, statements: list[str]) -> None:
        alone, together, sent = await alone_and_together(executor, statements, reads)
        assert together == alone
        assert alone == [
            [{"result": list(range(read.params["above"] + 1, 21))[: read.params["first"]]}] for read in reads
        ]
        assert sent <= 2 * (IN_FLIGHT + 1) < len(reads)

    run(neo4j_uri, neo4j_auth, scenario)


def test_a_read_that_fails_in_a_batch_fails_alone_and_the_others_answer(
    neo4j_uri: str, neo4j_auth: tuple[str, str] | None
) -> None:
    """One read of a batch divides by zero: Neo4j refuses the whole batched statement, so each read runs alone;
    that one is refused, the others answer."""
    reads = [Statement("RETURN 60 / $d AS result", {"d": d}, batchable=True) for d in [1, 2, 0, 3, 4, 5]]

    async def scenario(executor: Executor, statements: list[str]) -> None:
        together = await asyncio.gather(*map(executor.read, reads), return_exceptions=True)
        refused = together.pop(2)
        assert isinstance(refused, StatementRefused) and "ArithmeticError" in refused.code
        assert together == [[{"result": 60 // d}] for d in [1, 2, 3, 4, 5]]

    run(neo4j_uri, neo4j_auth, scenario)


def test_a_text_refused_in_the_batched_form_is_read_alone(neo4j_uri: str, neo4j_auth: tuple[str, str] | None) -> None:
    """After `WITH a` a batched statement no longer has the read's parameters, so Neo4j refuses the batched form;
    each read is then run alone and answers, now and the next time."""
    text = "WITH $a AS a WITH a RETURN a + $b AS result"
    reads = [Statement(text, {"a": a, "b": 100}, batchable=True) for a in range(8)]

    async def scenario(executor: Executor, statements: list[str]) -> None:
        for _ in range(2):
            together = await asyncio.gather(*map(executor.read, reads))
            assert together == [[{"result": a + 100}] for a in range(8)]

    run(neo4j_uri, neo4j_auth, scenario)


def test_reads_given_up_leave_the_others_their_answers(neo4j_uri: str, neo4j_auth: tuple[str, str] | None) -> None:
    """A read cancelled (its client went away) while it waits for its lane is left out of the batch, and one
    cancelled while its batch runs is let be; the reads that waited with them answer, and the lane serves the
    next reads. The batch is kept running by one read that counts to two million."""
    text = "UNWIND range(1, $spin) AS x WITH count(x) AS counted RETURN $n AS result"
    reads = [Statement(text, {"n": n, "spin": 2_000_000 if n == 3 else 1}, batchable=True) for n in range(10)]

    async def scenario(executor: Executor, statements: list[str]) -> None:
        tasks = [asyncio.ensure_future(executor.read(read)) for read in reads]
        await asyncio.sleep(0)
        tasks[5].cancel()  # waiting
        await tasks[0]
        await asyncio.sleep(0.05)
        tasks[7].cancel()  # in the batch, which waits for the count
        answers = await asyncio.gather(*tasks, return_exceptions=True)
        assert all(isinstance(answers[n], asyncio.CancelledError) for n in (5, 7))
        assert [answers[n] for n in range(10) if n not in (5, 7)] == [
            [{"result": n}] for n in range(10) if n not in (5, 7)
        ]
        assert await asyncio.gather(*map(executor.read, reads)) == [[{"result": n}] for n in range(10)]

    run(neo4j_uri, neo4j_auth, scenario)
