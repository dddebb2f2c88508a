"""Applies the numbered Cypher files in `migrations/` in order and records each in the graph.

Several processes may start at once (the workers of `stemma serve --workers N`, replicas on other hosts, an
operator's `stemma users add`). Applying migrations concurrently is not safe: two `CREATE ... IF NOT EXISTS`
of one index race into "an equivalent index already exists", data migrations deadlock, and a migration is
recorded twice. So they run under `migration_lock`, a lock held in Neo4j itself, which every process that
reaches the database shares, on any host.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from neo4j import AsyncSession, AsyncTransaction
from neo4j.exceptions import ClientError, DatabaseError, DriverError, Neo4jError, TransientError

from cypher.errors import TimedOut
from cypher.executor import Executor, Statement, WriteTransaction, translate_driver_error

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_COMMENT = re.compile(r"^\s*//.*$", re.MULTILINE)
LOCK_CONSTRAINT = "CREATE CONSTRAINT stemma_lock_name IF NOT EXISTS FOR (l:StemmaLock) REQUIRE l.name IS UNIQUE"
LOCK_CONSTRAINT_FOUND = "SHOW CONSTRAINTS YIELD name WHERE name = 'stemma_lock_name' RETURN name"
# Locks taken while the constraint was missing (a database emptied under a running server) may be doubled; one of
# each name is kept, so the constraint can be made. A lock is an anchor: its holder is whoever has it locked.
MERGE_DOUBLED_LOCKS = """MATCH (l:StemmaLock)
WITH l.name AS name, collect(l) AS locks WHERE size(locks) > 1
UNWIND tail(locks) AS doubled
DETACH DELETE doubled"""
# MERGE on the unique name, then a write: the transaction holds the node's write lock until it ends, so a
# second taker blocks here until the first commits (or its connection dies and Neo4j rolls it back).
TAKE_LOCK = "MERGE (l:StemmaLock {name: $name}) SET l.holder = $holder, l.taken_at = datetime()"
# Longer than any migration; past it Neo4j ends the lock's transaction and a waiter goes ahead.
LOCK_SECONDS = 900
_held: ContextVar[bool] = ContextVar("stemma_migration_lock_held", default=False)
logger = logging.getLogger("stemma.migrate")
BATCHED = re.compile(r"\bIN TRANSACTIONS\b")  # a walk over the whole graph that commits batch by batch


@dataclass(frozen=True)
class Migration:
    id: str
    statements: tuple[str, ...]


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Every `NNNN_name.cypher` file, in number order, split into statements."""
    migrations = []
    for path in sorted(directory.glob("[0-9][0-9][0-9][0-9]_*.cypher")):
        body = _COMMENT.sub("", path.read_text())
        statements = tuple(part.strip() for part in body.split(";") if part.strip())
        migrations.append(Migration(id=path.stem, statements=statements))
    return migrations


async def applied_migrations(executor: Executor) -> set[str]:
    rows = await executor.read(Statement("MATCH (m:StemmaMigration) RETURN m.id AS id"))
    return {row["id"] for row in rows}


async def migrate(executor: Executor) -> list[str]:
    """Apply what is missing, under the migration lock; every statement is idempotent, so a crash half-way is
    safe to repeat. A statement that commits in batches (`CALL … IN TRANSACTIONS`, e.g. a backfill) runs on
    its own, outside a transaction function."""
    async with migration_lock(executor):
        done = await applied_migrations(executor)
        applied = []
        for migration in load_migrations():
            if migration.id in done:
                continue
            for text in migration.statements:
                if BATCHED.search(text):
                    await executor.write_in_batches(Statement(text))
                else:
                    await executor.write(_run_one(Statement(text)))
            await executor.write(
                _run_one(
                    Statement(
                        "MERGE (m:StemmaMigration {id: $id}) ON CREATE SET m.applied_at = datetime()",
                        {"id": migration.id},
                    )
                )
            )
            applied.append(migration.id)
        return applied


@asynccontextmanager
async def migration_lock(executor: Executor, name: str = "migrations") -> AsyncIterator[None]:
    """Hold the graph-wide lock `name` for the block: one process at a time, on any host. Re-entrant within
    a task, so start-up work that must follow the migrations at most once (the first admin) holds it around
    `migrate`. Raises the client-facing errors of an unreachable Neo4j."""
    if _held.get():
        yield
        return
    holder = f"{socket.gethostname()}:{os.getpid()}"
    try:
        await _ensure_lock_constraint(executor)
        async with executor.held_session() as session:
            tx = await _take(session, name, holder)
            token = _held.set(True)
            try:
                yield
            finally:
                _held.reset(token)
                await _release(tx, name)
    except (Neo4jError, DriverError, OSError) as exc:
        raise translate_driver_error(exc) from exc


async def _take(session: AsyncSession, name: str, holder: str) -> AsyncTransaction:
    """Begin the transaction that holds the lock, waiting while another process holds it."""
    while True:
        tx = await session.begin_transaction(timeout=LOCK_SECONDS)
        try:
            await (await tx.run(TAKE_LOCK, name=name, holder=holder)).consume()
            return tx
        except (TransientError, ClientError) as exc:
            await tx.close()
            if not isinstance(exc, TransientError) and not isinstance(translate_driver_error(exc), TimedOut):
                raise
            logger.warning("still waiting for the %s lock, held by another process", name)


async def _release(tx: AsyncTransaction, name: str) -> None:
    try:
        await tx.commit()
    except (Neo4jError, DriverError) as exc:
        logger.warning("the %s lock's transaction ended before the work it guarded (%s)", name, exc)


async def _ensure_lock_constraint(executor: Executor) -> None:
    """The lock node's name is unique, or two first takers would each create their own. Looked up first:
    creating it, even `IF NOT EXISTS`, takes schema locks that deadlock against a lock holder; two processes
    that create it at once may deadlock or see the other's, and try again; doubled locks are merged first."""
    async with executor.held_session() as session:
        while True:
            found = await (await session.run(LOCK_CONSTRAINT_FOUND)).single()
            if found is not None:
                return
            try:
                await (await session.run(LOCK_CONSTRAINT)).consume()
                return
            except TransientError:
                await asyncio.sleep(0.1)
            except ClientError as exc:
                if exc.code != "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists":
                    raise
            except DatabaseError as exc:
                if exc.code != "Neo.DatabaseError.Schema.ConstraintCreationFailed":
                    raise
                logger.warning("some locks were taken twice while their constraint was missing; keeping one of each")
                await (await session.run(MERGE_DOUBLED_LOCKS)).consume()


def _run_one(statement: Statement) -> Callable[[WriteTransaction], Awaitable[None]]:
    async def work(tx: WriteTransaction) -> None:
        await tx.run(statement)

    return work
