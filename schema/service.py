"""The graph as the server asks it outside GraphQL: start-up, keys, files, health, and the operator's accounts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from neo4j import AsyncDriver

from cypher.access import Caller
from cypher.accounts import Accounts, NewKey, account_change, authenticate, first_admin, key_hash, list_users
from cypher.executor import Executor
from cypher.health import Neo4jStatus, neo4j_status
from cypher.migrate import migrate
from cypher.reads import file_readable
from cypher.upkeep import (
    cluster_leave,
    cluster_step,
    fold_lineage_counts,
    record_upload,
    sweep_stale_runs,
    sweep_wandb_uploads,
)

__all__ = ["OPERATOR", "Caller", "Graph", "Neo4jStatus", "NewKey", "key_hash"]

OPERATOR = Caller("stemma-cli", superuser=True)
T = TypeVar("T")


class Graph:
    """The server's one handle on Neo4j; GraphQL resolvers get its `executor` in their context."""

    def __init__(
        self, driver: AsyncDriver, database: str, on_statement: Callable[[str], None] = lambda kind: None
    ) -> None:
        self.executor = Executor(driver, database, on_statement=on_statement, keep_read_sessions=True, batch_reads=True)

    async def close(self) -> None:
        await self.executor.close()

    async def migrate(self) -> list[str]:
        """Apply the migrations not applied yet; their ids."""
        return await migrate(self.executor)

    async def prepare(self) -> tuple[list[str], NewKey | None]:
        """Migrate, then make the first admin on a database without users (its key, shown once)."""
        applied = await self.migrate()
        return applied, await first_admin(self.executor)

    async def status(self) -> Neo4jStatus:
        return await neo4j_status(self.executor)

    async def sweep_stale_runs(self, grace_seconds: int) -> int:
        return await sweep_stale_runs(self.executor, grace_seconds)

    async def sweep_wandb_uploads(self, seconds: int) -> int:
        return await sweep_wandb_uploads(self.executor, seconds)

    async def fold_lineage_counts(self, keys: int) -> int:
        return await fold_lineage_counts(self.executor, keys)

    async def cluster_step(self, parameters: Mapping[str, Any]) -> dict[str, Any]:
        return await cluster_step(self.executor, parameters)

    async def cluster_leave(self, instance: str, lease: str) -> None:
        await cluster_leave(self.executor, instance, lease)

    async def authenticate(self, secret: str) -> Caller | None:
        return await authenticate(self.executor, secret)

    async def file_readable(self, digest: str, caller: Caller) -> bool:
        """Whether some artifact version the caller may see holds this content."""
        return bool(await self.executor.read(file_readable(digest, caller.param())))

    async def record_upload(self, digest: str, caller: Caller) -> bool:
        return await record_upload(self.executor, digest, caller.param())

    async def add_user(self, user: str, entity: str | None, role: str, superuser: bool) -> NewKey:
        """The operator makes a user (a superuser, or `role` in `entity`, created when new) and a key for them."""

        async def add(accounts: Accounts) -> NewKey:
            if superuser:
                await accounts.create_user(user, superuser=True)
            if entity is not None:
                await accounts.add_member(entity, user, role)
            return await accounts.create_key(user)

        return await self._as_operator(add)

    async def users(self, entity: str | None) -> list[dict[str, Any]]:
        return await list_users(self.executor, OPERATOR, entity)

    async def create_key(self, user: str) -> NewKey:
        return await self._as_operator(lambda accounts: accounts.create_key(user), forget=False)

    async def revoke_key(self, key_id: str) -> bool:
        return await self._as_operator(lambda accounts: accounts.revoke_key(key_id))

    async def _as_operator(self, change: Callable[[Accounts], Awaitable[T]], forget: bool = True) -> T:
        return await self.executor.write(lambda tx: account_change(tx, OPERATOR, change, forget))
