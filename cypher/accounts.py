"""Users, memberships and API keys: keys are random, shown once, and stored only as sha256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from cypher.access import ROLES, Caller
from cypher.errors import Conflict, Forbidden, InvalidInput, NotFound
from cypher.executor import Executor, Statement, WriteTransaction
from cypher.named import named
from cypher.refs import DEFAULT_REGISTRIES, check_name

KEY_PREFIX = "stm_"
MAX_KEYS_PER_USER = 10
T = TypeVar("T")


@dataclass(frozen=True)
class NewKey:
    """A key as created: `secret` is shown this once and never stored."""

    id: str
    user: str
    secret: str


def key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    """`stm_` and 64 hex digits (256 bits): one word of letters, digits and `_`, which the `wandb` client takes
    as a key (it refuses keys whose part after a `-` is shorter than 40 characters)."""
    return KEY_PREFIX + secrets.token_hex(32)


def check_role(role: str, field: str = "role") -> str:
    if role not in ROLES:
        raise InvalidInput(f"{field} must be one of {', '.join(ROLES)}; got {role!r}", field=field)
    return role


async def authenticate(executor: Executor, secret: str) -> Caller | None:
    """The caller a key stands for, or None when the key is unknown or revoked."""
    rows = await executor.read(Statement(named("authenticate"), {"hash": key_hash(secret)}), kind="auth")
    if not rows:
        return None
    row = rows[0]
    roles = {entity: role for entity, role in row["roles"] if entity is not None}
    hidden = frozenset() if row["superuser"] else frozenset(row["hidden"])
    return Caller(row["user"], bool(row["superuser"]), roles, hidden, row["key_id"])


async def list_users(executor: Executor, caller: Caller, entity: str | None) -> list[dict[str, Any]]:
    """Superusers: every user (or one entity's members) with all roles and keys. An entity's admin: its
    members with their role in that entity only, and key ids only on the admin's own row."""
    if entity is None:
        if not caller.superuser:
            raise Forbidden("listing every user needs a superuser; name an entity", field="entity")
    else:
        check_name(entity, "entity")
        caller.require(entity, "admin", "entity")
    return await executor.read(Statement(named("list_users"), {"caller": caller.param(), "entity": entity}))


class Accounts:
    """Account changes inside one write transaction, on behalf of `caller`."""

    def __init__(self, tx: WriteTransaction, caller: Caller) -> None:
        self.tx = tx
        self.caller = caller

    async def run(self, statement: str, /, **params: Any) -> list[dict[str, Any]]:
        return await self.tx.run(Statement(named(statement), {"caller": self.caller.param(), **params}))

    async def add_member(self, entity: str, user: str, role: str) -> dict[str, Any]:
        """Admins of an entity (and superusers, who may also create entities) give users roles."""
        check_name(entity, "entity")
        check_name(user, "user")
        check_role(role)
        self.caller.require(entity, "admin", "entity")
        rows = await self.run("add_member", entity=entity, user=user, role=role, superuser=False)
        await self.run("default_registries", entities=[entity], registries=DEFAULT_REGISTRIES)
        return rows[0]

    async def create_user(self, user: str, superuser: bool) -> None:
        check_name(user, "user")
        if not self.caller.superuser:
            raise Forbidden("only a superuser may create users outside an entity", field="user")
        await self.run("create_user", user=user, superuser=superuser)

    async def create_key(self, user: str) -> NewKey:
        """Users make their own keys, at most `MAX_KEYS_PER_USER` live at once; only a superuser makes keys
        for someone else (a key is the whole of a user's power, in every entity they belong to)."""
        check_name(user, "user")
        if user != self.caller.user and not self.caller.superuser:
            raise Forbidden("user: only a superuser may create an API key for another user", field="user")
        key = NewKey(id="k_" + secrets.token_hex(6), user=user, secret=new_secret())
        rows = await self.run("create_key", user=user, id=key.id, hash=key_hash(key.secret), limit=MAX_KEYS_PER_USER)
        if not rows:
            raise NotFound(f"no user named {user!r}", field="user")
        if rows[0]["id"] is None:
            raise Conflict(
                f"user: {user!r} already has {MAX_KEYS_PER_USER} live API keys, the limit; revoke one first",
                field="user",
                limit=MAX_KEYS_PER_USER,
            )
        return key

    async def revoke_key(self, key_id: str) -> bool:
        """Users revoke their own keys; superusers any. Anyone else's key answers as if it did not exist."""
        owner = await self.run("key_owner", id=key_id)
        if not owner or not (self.caller.superuser or owner[0]["user"] == self.caller.user):
            raise NotFound(f"no API key has id {key_id!r}", field="id")
        await self.run("revoke_key", id=key_id)
        return True

    async def set_registry_access(self, entity: str, registry: str, members: list[str] | None) -> None:
        """None: the whole entity sees the registry; a list: only those members (and the entity's admins)."""
        self.caller.require(entity, "admin", "entity")
        for index, member in enumerate(members or []):
            check_name(member, f"members[{index}]")
        visibility = "entity" if members is None else "restricted"
        rows = await self.run(
            "set_registry_access", entity=entity, registry=registry, visibility=visibility, members=members or []
        )
        if not rows:
            raise NotFound(f"no registry {entity}/{registry}", field="registry")


async def account_change(
    tx: WriteTransaction, caller: Caller, step: Callable[[Accounts], Awaitable[T]], forget: bool = True
) -> T:
    """`step`'s changes to keys, roles or registry access, on behalf of `caller`. Unless nothing remembered
    can be stale after it (`forget=False`: a new key, whose secret nobody has presented), the keys generation
    moves in the same transaction, so every server process on the graph forgets the keys it remembers."""
    result = await step(Accounts(tx, caller))
    if forget:
        await tx.run(Statement(named("keys_changed")))
    return result


async def first_admin(executor: Executor) -> NewKey | None:
    """On a database without users, create the superuser `admin` and a key for it (shown once)."""
    rows = await executor.read(Statement(named("count_users")))
    if rows[0]["users"]:
        return None

    async def create(tx: WriteTransaction) -> NewKey:
        accounts = Accounts(tx, Caller("stemma", superuser=True))
        await accounts.create_user("admin", superuser=True)
        return await accounts.create_key("admin")

    return await executor.write(create)
