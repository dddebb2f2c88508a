"""Applies the numbered Cypher files in `migrations/` in order and records each in the graph."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from cypher.executor import Executor, Statement, WriteTransaction

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_COMMENT = re.compile(r"^\s*//.*$", re.MULTILINE)


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
    """Apply what is missing; every statement is idempotent, so a crash half-way is safe to repeat."""
    done = await applied_migrations(executor)
    applied = []
    for migration in load_migrations():
        if migration.id in done:
            continue
        for text in migration.statements:
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


def _run_one(statement: Statement) -> Callable[[WriteTransaction], Awaitable[None]]:
    async def work(tx: WriteTransaction) -> None:
        await tx.run(statement)

    return work
