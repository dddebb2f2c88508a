"""Who am I, members and roles, API keys, registry access, and the admins' read-only Cypher console."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

from cypher.access import Caller
from cypher.accounts import account_change, list_users
from cypher.console import check_limit, check_parameters, run_console
from cypher.errors import Forbidden
from cypher.executor import WriteTransaction
from schema.context import Info
from schema.scalars import JSON


@strawberry.enum
class Role(Enum):
    VIEWER = "viewer"
    MEMBER = "member"
    ADMIN = "admin"


@strawberry.type
class Membership:
    entity: str
    role: Role


@strawberry.type
class Me:
    user: str
    superuser: bool
    roles: list[Membership]
    default_entity: str | None = strawberry.field(
        description="Where the SDK writes when no entity is named (W&B's default entity): of the entities the "
        "user may write to (member or admin), the one named like them, else the only one, else null."
    )


@strawberry.type
class UserAccount:
    user: str
    superuser: bool
    roles: list[Membership]
    keys: list[str] = strawberry.field(description="Ids of the user's live API keys.")


@strawberry.type(description="A new API key; `key` is shown this once and never again.")
class NewApiKey:
    id: strawberry.ID
    user: str
    key: str


@strawberry.type
class CypherAnswer:
    columns: list[str]
    rows: list[list[JSON | None]]
    truncated: bool = strawberry.field(description="True when the row limit cut the answer.")


async def accounts(info: Info, step: Any, forget: bool = True) -> Any:
    """Run an account change in one write transaction; unless it only adds a key (`forget=False`), keys
    remembered by this server are forgotten, and by the others on the graph at their next cluster step."""
    context = info.context

    async def unit(tx: WriteTransaction) -> Any:
        return await account_change(tx, context.caller, step, forget)

    result = await context.executor.write(unit)
    if forget and context.authenticator is not None:
        context.authenticator.forget()
    return result


def default_entity(caller: Caller) -> str | None:
    """Of the entities the caller may write to (member or admin): the one named like them, else the only one,
    else None."""
    writable = sorted(entity for entity, role in caller.roles.items() if role in ("member", "admin"))
    if caller.user in writable:
        return caller.user
    return writable[0] if len(writable) == 1 else None


def memberships(roles: list[dict[str, str]]) -> list[Membership]:
    return [Membership(entity=row["entity"], role=Role(row["role"])) for row in roles]


@strawberry.type
class AccountQuery:
    @strawberry.field(description="The caller: user name, superuser or not, and roles by entity.")
    def me(self, info: Info) -> Me:
        caller = info.context.caller
        roles = [Membership(entity=e, role=Role(r)) for e, r in sorted(caller.roles.items())]
        return Me(user=caller.user, superuser=caller.superuser, roles=roles, default_entity=default_entity(caller))

    @strawberry.field(description="Members of an entity (its admins ask), or every user (superusers ask).")
    async def users(self, info: Info, entity: str | None = None) -> list[UserAccount]:
        rows = await list_users(info.context.executor, info.context.caller, entity)
        return [
            UserAccount(user=r["user"], superuser=r["superuser"], roles=memberships(r["roles"]), keys=r["keys"])
            for r in rows
        ]

    @strawberry.field(description="Superusers only: run read-only Cypher with a timeout and a row limit.")
    async def cypher(
        self, info: Info, query: str, parameters: JSON | None = None, limit: int | None = None
    ) -> CypherAnswer:
        context = info.context
        if not context.caller.superuser:
            raise Forbidden("the Cypher console is for superusers", field="query")
        max_rows = check_limit(limit, context.console.max_rows)
        params = check_parameters(parameters)
        answer = await run_console(context.executor, query, params, max_rows, context.console.timeout_seconds)
        return CypherAnswer(columns=answer.columns, rows=answer.rows, truncated=answer.truncated)


@strawberry.type
class AccountMutation:
    @strawberry.mutation(description="Give a user a role in an entity (admins); the user is created if new.")
    async def add_member(self, info: Info, entity: str, user: str, role: Role) -> Membership:
        row = await accounts(info, lambda a: a.add_member(entity, user, role.value))
        return Membership(entity=row["entity"], role=Role(row["role"]))

    @strawberry.mutation(
        description="A new API key for yourself (superusers: for anyone); at most 10 live keys per user."
    )
    async def create_api_key(self, info: Info, user: str | None = None) -> NewApiKey:
        key = await accounts(info, lambda a: a.create_key(user or info.context.caller.user), forget=False)
        return NewApiKey(id=key.id, user=key.user, key=key.secret)

    @strawberry.mutation(description="Revoke an API key: your own, or any (superusers).")
    async def revoke_api_key(self, info: Info, id: strawberry.ID) -> bool:
        revoked: bool = await accounts(info, lambda a: a.revoke_key(id))
        return revoked

    @strawberry.mutation(
        description="Restrict a registry to named members (its entity's admins always see it), "
        "or open it to the whole entity with members: null."
    )
    async def set_registry_access(
        self, info: Info, entity: str, registry: str, members: list[str] | None = None
    ) -> bool:
        await accounts(info, lambda a: a.set_registry_access(entity, registry, members))
        return True
