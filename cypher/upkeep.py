"""What the server writes on its own, outside GraphQL: the record of an upload, the sweep of silent runs, the
fold of the lineage counts' rows, and the steps that keep the server processes on one graph in agreement."""

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


async def sweep_wandb_uploads(executor: Executor, seconds: int) -> int:
    """Remove the wandb client's uploads older than `seconds` (sweep_wandb_uploads.cypher); how many."""
    statement = Statement(named("sweep_wandb_uploads"), {"seconds": seconds})
    rows = await executor.write(lambda tx: tx.run(statement), kind="sweep")
    return int(rows[0]["swept"]) if rows else 0


async def fold_lineage_counts(executor: Executor, keys: int) -> int:
    """Merge the rows of at most `keys` lineage-count keys that have new ones (fold_lineage_counts.cypher); how
    many keys were folded."""
    statement = Statement(named("fold_lineage_counts"), {"keys": keys})
    rows = await executor.write(lambda tx: tx.run(statement), kind="fold")
    return int(rows[0]["folded"]) if rows else 0


async def cluster_step(executor: Executor, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """One host's step in keeping the server processes on this graph in agreement (server/cluster.py)."""
    statement = Statement(named("cluster_step"), dict(parameters))
    rows = await executor.write(lambda tx: tx.run(statement), kind="cluster")
    return rows[0]


async def cluster_leave(executor: Executor, instance: str, lease: str) -> None:
    statement = Statement(named("cluster_leave"), {"instance": instance, "lease": lease})
    await executor.write(lambda tx: tx.run(statement), kind="cluster")
