"""The part of W&B's GraphQL schema the `wandb` client uses, answered from Stemma's graph.

Type and field names are W&B's (the client parses answers strictly and checks `__typename`s); every answer
is read or written through Stemma's own write path and access rules, with the caller the key names.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import NewType, TypeVar

import strawberry
from strawberry.schema.config import StrawberryConfig

from cypher.executor import WriteTransaction
from cypher.ids import global_id
from cypher.writes import Writer
from schema.accounts import default_entity
from schema.context import Info
from schema.errors import StemmaErrors
from server.wandb_compat.runs import Bucket

JSONString = strawberry.scalar(
    NewType("JSONString", str), serialize=lambda v: v, parse_value=lambda v: v, description="JSON as text."
)
T = TypeVar("T")


async def transact(info: Info, step: Callable[[Writer], Awaitable[T]]) -> T:
    context = info.context

    async def unit(tx: WriteTransaction) -> T:
        return await step(Writer(tx, context.caller))

    return await context.executor.write(unit)


@strawberry.type
class ServerFeature:
    name: str
    is_enabled: bool


@strawberry.type
class ServerInfo:
    features: list[ServerFeature]


@strawberry.type
class Organization:
    core_weave_organization_id: str | None = None


@strawberry.type
class Entity:
    id: strawberry.ID
    name: str
    organization: Organization | None = None


@strawberry.type
class EntityEdge:
    node: Entity


@strawberry.type
class EntityConnection:
    edges: list[EntityEdge]


@strawberry.type
class User:
    id: strawberry.ID
    username: str
    entity: str | None
    email: str | None = None
    flags: JSONString | None = None  # type: ignore[valid-type]
    admin: bool = False
    teams: EntityConnection


@strawberry.type
class Project:
    id: strawberry.ID
    name: str
    entity: Entity


@strawberry.type
class Run:
    id: strawberry.ID
    name: str
    display_name: str | None
    description: str | None
    config: JSONString | None  # type: ignore[valid-type]
    sweep_name: str | None
    project: Project
    history_line_count: int


@strawberry.type
class UpsertBucketPayload:
    bucket: Run
    inserted: bool


@strawberry.input
class UpsertBucketInput:
    id: str | None = None
    name: str | None = None
    group_name: str | None = None
    model_name: str | None = None
    entity_name: str | None = None
    description: str | None = None
    display_name: str | None = None
    notes: str | None = None
    config: JSONString | None = None  # type: ignore[valid-type]
    commit: str | None = None
    host: str | None = None
    debug: bool | None = None
    job_program: str | None = None
    job_repo: str | None = None
    job_type: str | None = None
    state: str | None = None
    sweep: str | None = None
    tags: list[str] | None = None
    summary_metrics: JSONString | None = None  # type: ignore[valid-type]


@strawberry.type
class RunFile:
    name: str
    upload_url: str | None


@strawberry.type
class CreateRunFilesPayload:
    run_id: strawberry.ID = strawberry.field(name="runID")
    upload_headers: list[str]
    files: list[RunFile]


@strawberry.input
class CreateRunFilesInput:
    entity_name: str
    project_name: str
    run_name: str
    files: list[str]


def _entity(name: str) -> Entity:
    return Entity(id=strawberry.ID(global_id("Entity", name)), name=name)


def _project(entity: str, name: str) -> Project:
    return Project(id=strawberry.ID(global_id("Project", f"{entity}/{name}")), name=name, entity=_entity(entity))


def _caller_entity(info: Info, given: str | None) -> str:
    """The entity a request names, else the caller's default (as W&B uses the key's default entity)."""
    return given or default_entity(info.context.caller) or info.context.caller.user


@strawberry.type
class Query:
    @strawberry.field
    def server_info(self) -> ServerInfo:
        return ServerInfo(features=[])

    @strawberry.field
    def viewer(self, info: Info) -> User:
        caller = info.context.caller
        entity = default_entity(caller)
        teams = [EntityEdge(node=_entity(name)) for name in sorted(caller.roles) if name != entity]
        return User(
            id=strawberry.ID(global_id("Entity", caller.user)),
            username=caller.user,
            entity=entity,
            admin=caller.superuser,
            teams=EntityConnection(edges=teams),
        )

    @strawberry.field
    def entity(self, info: Info, name: str) -> Entity | None:
        caller = info.context.caller
        return _entity(name) if caller.superuser or name in caller.roles else None


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def upsert_bucket(self, info: Info, input: UpsertBucketInput) -> UpsertBucketPayload:
        bucket = Bucket(_caller_entity(info, input.entity_name), input)
        stored = await transact(info, bucket.write)
        last_step = stored["last_step"]
        run = Run(
            id=strawberry.ID(global_id("Run", bucket.key)),
            name=bucket.run_id,
            display_name=input.display_name or bucket.name or bucket.run_id,
            description=input.notes,
            config=stored["config"] or json.dumps({}),
            sweep_name=None,
            project=_project(bucket.entity, bucket.project),
            history_line_count=0 if last_step is None else last_step + 1,
        )
        return UpsertBucketPayload(bucket=run, inserted=not stored["existed"])

    @strawberry.mutation(
        description="Where the client uploads a run's own files (config.yaml, requirements.txt, ...): nowhere, "
        "Stemma keeps what a run logs and its artifacts, not these files; the client skips them."
    )
    async def create_run_files(self, info: Info, input: CreateRunFilesInput) -> CreateRunFilesPayload:
        key = f"{input.entity_name}/{input.project_name}/{input.run_name}"
        return CreateRunFilesPayload(
            run_id=strawberry.ID(global_id("Run", key)),
            upload_headers=[],
            files=[RunFile(name=name, upload_url=None) for name in input.files],
        )


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    config=StrawberryConfig(),
    extensions=[StemmaErrors],
)
