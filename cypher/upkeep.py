"""What the server writes on its own, outside GraphQL: the record of an upload, and the sweep of silent runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cypher.executor import Executor, Statement
from cypher.named import named


async def record_upload(executor: Executor, digest: str, caller: Mapping[str, Any]) -> bool:
    """Remember that the caller holds this content; True when they had not uploaded it before (so the
    answer says nothing of whether someone else had)."""
    statement = Statement(named("record_upload"), {"digest": digest, "caller": caller})
    rows = await executor.write(lambda tx: tx.run(statement))
    return bool(rows and rows[0]["created"])


async def sweep_stale_runs(executor: Executor, grace_seconds: int) -> int:
    """Mark crashed the runs silent for longer than `grace_seconds`; how many there were."""
    statement = Statement(named("sweep_stale_runs"), {"grace_seconds": grace_seconds})
    rows = await executor.write(lambda tx: tx.run(statement), kind="sweep")
    return int(rows[0]["swept"]) if rows else 0
