"""Root mutation fields: input is checked here, written in one transaction, and read back with the
request's selection inside that same transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from strawberry.types import Info as StrawberryInfo

from cypher.batch import create_run, log_artifact, use_artifact
from cypher.errors import InvalidInput
from cypher.executor import WriteTransaction
from cypher.ids import run_key
from cypher.reads import Root
from cypher.refs import check_alias, check_name, parse_artifact_ref, parse_collection_ref, parse_run_id
from cypher.writes import Writer, by_id
from schema.content import check_possession
from schema.context import Context, Info
from schema.inputs import (
    CreateRunInput,
    LogArtifactInput,
    LogRunInput,
    check_aliases,
    check_log,
    check_object,
    check_run,
    check_run_log,
    check_tags,
    check_text,
)
from schema.scalars import JSON
from schema.selection import selection_of
from schema.types import (
    ArtifactCollection,
    ArtifactVersion,
    Registry,
    RegistryCollection,
    RegistryVersion,
    Run,
    RunState,
)

T = TypeVar("T")
C = TypeVar("C", bound=Context)  # a request's context: Stemma's, or one that extends it (the W&B layer's)


async def transact(info: StrawberryInfo[C, Any], step: Callable[[Writer], Awaitable[T]]) -> T:
    """Run `step` as one write transaction on behalf of the caller (retried as a whole)."""
    context = info.context

    async def unit(tx: WriteTransaction) -> T:
        return await step(Writer(tx, context.caller))

    return await context.executor.write(unit)


async def write(info: Info, step: Callable[[Writer], Awaitable[Root]]) -> Any:
    """Run `step` and read back the request's selection from the root it returns, in one transaction."""
    selection = selection_of(info)
    limits = info.context.limits

    async def with_answer(writer: Writer) -> Any:
        return await writer.answer(await step(writer), selection, limits)

    return await transact(info, with_answer)


@strawberry.type
class LogArtifactPayload:
    created: bool = strawberry.field(description="False when the collection already held this content.")
    artifact: ArtifactVersion


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Start a run; the entity and project are created on first use.")
    async def create_run(self, info: Info, input: CreateRunInput) -> Run:
        run = check_run(input, "input")
        return await write(info, lambda writer: create_run(writer, run))

    @strawberry.mutation(
        description="End a run (by global id or ENTITY/PROJECT/RUN_ID) as FINISHED, FAILED or CRASHED."
    )
    async def finish_run(self, info: Info, id: strawberry.ID, state: RunState = RunState.FINISHED) -> Run:
        id = strawberry.ID(run_key(id))
        if state is RunState.RUNNING:
            raise InvalidInput("state must be FINISHED, FAILED or CRASHED to end a run", field="state")
        return await write(info, lambda w: w.finish_run(id, state.value))

    @strawberry.mutation(
        description="Resume a run (by global id or ENTITY/PROJECT/RUN_ID), as W&B's resume: an ended run is "
        "running again and keeps its config, summary and history; NOT_FOUND when there is no such run."
    )
    async def resume_run(self, info: Info, id: strawberry.ID) -> Run:
        key = run_key(id)
        return await write(info, lambda w: w.resume_run(key))

    @strawberry.mutation(
        description="Add to a run what it logged (W&B's run.log, run.config, run.summary): config and summary "
        "keys merged over the run's, history rows kept in chunks. Allowed after the run ended, as W&B allows."
    )
    async def log_run(self, info: Info, input: LogRunInput) -> Run:
        id = run_key(input.id, "input.id")
        parse_run_id(id, "input.id")
        log = check_run_log(input)
        return await write(info, lambda w: w.log_run(id, log))

    @strawberry.mutation(description="A running run reports it is alive; false when it is not running.")
    async def heartbeat(self, info: Info, id: strawberry.ID) -> bool:
        id = strawberry.ID(run_key(id))
        return await transact(info, lambda w: w.heartbeat(id))

    @strawberry.mutation(
        description="Log an artifact version from a run. Content the collection already "
        "holds returns that version (created: false) and records this run as a logger too."
    )
    async def log_artifact(self, info: Info, input: LogArtifactInput) -> LogArtifactPayload:
        run_id = run_key(input.run_id, "input.runId")
        entity, _, _ = parse_run_id(run_id, "input.runId")
        log = check_log(input, "input", type_field="type")
        # Roles first: whether the content is stored must not change the answer to someone who may not write.
        info.context.caller.require(entity, "member", "input.runId")
        await check_possession(info.context, [("input.files", log.manifest)])
        artifact = selection_of(info).child("artifact")
        limits = info.context.limits

        async def step(writer: Writer) -> LogArtifactPayload:
            root, created = await log_artifact(writer, run_id, log)
            answer: Any = await writer.answer(root, artifact, limits) if artifact else None
            return LogArtifactPayload(created=created, artifact=answer)

        return await transact(info, step)

    @strawberry.mutation(
        description="Mark an artifact version as a run's input, by version or by alias "
        "(resolved now and remembered on the edge); a name alone means the run's project."
    )
    async def use_artifact(self, info: Info, run_id: strawberry.ID, ref: str) -> ArtifactVersion:
        key = run_key(run_id, "runId")
        entity, project, _ = parse_run_id(key, "runId")
        artifact = parse_artifact_ref(ref, entity=entity, project=project)
        return await write(info, lambda writer: use_artifact(writer, key, artifact))

    @strawberry.mutation(description="Point an alias at a version (project or registry), moving it if needed.")
    async def set_alias(self, info: Info, ref: str, alias: str) -> ArtifactVersion:
        artifact = parse_artifact_ref(ref)
        name = check_alias(alias, "alias")
        return await write(info, lambda w: w.set_alias(artifact, name))

    @strawberry.mutation(description="Remove an alias from a collection; false when it was not there.")
    async def remove_alias(self, info: Info, collection: str, alias: str) -> bool:
        target = parse_collection_ref(collection, "collection")
        name = check_alias(alias, "alias")
        return await transact(info, lambda w: w.remove_alias(target, name))

    @strawberry.mutation(description="Edit a version's description, metadata or tags; omitted fields stay.")
    async def update_artifact_version(
        self,
        info: Info,
        ref: str,
        description: str | None = strawberry.UNSET,
        metadata: JSON | None = strawberry.UNSET,
        tags: list[str] | None = strawberry.UNSET,
    ) -> ArtifactVersion:
        artifact = parse_artifact_ref(ref)
        changes = _edits(description, metadata, tags)

        async def step(writer: Writer) -> Root:
            version = await writer.resolve(artifact, "ref", live=False)
            return await writer.update(by_id("ArtifactVersion", version["id"]), version["entity"], changes)

        return await write(info, step)

    @strawberry.mutation(description="Edit a collection's description, metadata or tags; omitted fields stay.")
    async def update_artifact_collection(
        self,
        info: Info,
        ref: str,
        description: str | None = strawberry.UNSET,
        metadata: JSON | None = strawberry.UNSET,
        tags: list[str] | None = strawberry.UNSET,
    ) -> ArtifactCollection:
        return await _update_collection(info, ref, description, metadata, tags, registry=False)

    @strawberry.mutation(description="Edit a registry collection's description, metadata or tags; omitted fields stay.")
    async def update_registry_collection(
        self,
        info: Info,
        ref: str,
        description: str | None = strawberry.UNSET,
        metadata: JSON | None = strawberry.UNSET,
        tags: list[str] | None = strawberry.UNSET,
    ) -> RegistryCollection:
        return await _update_collection(info, ref, description, metadata, tags, registry=True)

    @strawberry.mutation(
        description="Delete a version: refused while aliases name it unless deleteAliases; "
        "it leaves listings but keeps its place in lineage, marked deleted."
    )
    async def delete_artifact_version(self, info: Info, ref: str, delete_aliases: bool = False) -> ArtifactVersion:
        artifact = parse_artifact_ref(ref)
        return await write(info, lambda w: w.delete_version(artifact, delete_aliases))

    @strawberry.mutation(description="Create a registry (e.g. model, dataset); an existing one is returned.")
    async def create_registry(self, info: Info, entity: str, name: str, description: str | None = None) -> Registry:
        check_name(entity, "entity")
        check_name(name, "name")
        check_text(description, "description")
        return await write(info, lambda w: w.create_registry(entity, name, description))

    @strawberry.mutation(description="Create a collection in a registry; a type restricts what may be linked.")
    async def create_registry_collection(
        self,
        info: Info,
        entity: str,
        registry: str,
        name: str,
        type: str | None = None,
        description: str | None = None,
    ) -> RegistryCollection:
        check_name(entity, "entity")
        check_name(registry, "registry")
        check_name(name, "name")
        if type is not None:
            check_name(type, "type")
        check_text(description, "description")
        return await write(info, lambda w: w.create_registry_collection(entity, registry, name, type, description))

    @strawberry.mutation(
        description="Link a version into a registry collection (ENTITY/registry-R/NAME) under its "
        "next version number, with optional aliases; linking it again changes nothing."
    )
    async def link_artifact(
        self, info: Info, ref: str, target: str, aliases: list[str] | None = None
    ) -> RegistryVersion:
        artifact = parse_artifact_ref(ref)
        collection = parse_collection_ref(target, "target")
        if collection.registry is None:
            raise InvalidInput("target must name a registry collection: ENTITY/registry-REGISTRY/NAME", field="target")
        names = check_aliases(aliases or [])
        return await write(info, lambda w: w.link(artifact, collection, names))

    @strawberry.mutation(description="Unlink a registry version (ENTITY/registry-R/NAME:vN); false when not linked.")
    async def unlink_artifact(self, info: Info, ref: str) -> bool:
        artifact = parse_artifact_ref(ref)
        return await transact(info, lambda w: w.unlink(artifact))


def _edits(description: str | None, metadata: Any, tags: list[str] | None) -> dict[str, Any]:
    """The editable properties a request names (omitted arguments stay as they are), checked."""
    changes: dict[str, Any] = {}
    if description is not strawberry.UNSET:
        changes["description"] = check_text(description, "description")
    if metadata is not strawberry.UNSET:
        changes["metadata"] = check_object(metadata, "metadata")
    if tags is not strawberry.UNSET:
        changes["tags"] = check_tags(tags or [])
    return changes


async def _update_collection(
    info: Info, ref: str, description: str | None, metadata: Any, tags: list[str] | None, *, registry: bool
) -> Any:
    target = parse_collection_ref(ref)
    if (target.registry is not None) != registry:
        kind = "a registry collection (ENTITY/registry-R/NAME)" if registry else "a project's collection"
        raise InvalidInput(f"ref must name {kind}", field="ref")
    changes = _edits(description, metadata, tags)
    type_name = "RegistryCollection" if registry else "ArtifactCollection"

    async def step(writer: Writer) -> Root:
        collection = await writer.collection_id(target, "ref")
        return await writer.update(by_id(type_name, collection["id"]), target.entity, changes)

    return await write(info, step)
