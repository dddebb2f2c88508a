"""Root mutation fields: input is checked here, written in one transaction, and read back with the
request's selection inside that same transaction."""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry

from cypher.errors import InvalidInput
from cypher.executor import WriteTransaction
from cypher.manifest import check_manifest
from cypher.reads import Root
from cypher.refs import (
    check_alias,
    check_name,
    check_project,
    parse_artifact_ref,
    parse_collection_ref,
    parse_run_id,
)
from cypher.writes import Writer, by_id, entity_of_run
from schema.content import check_possession
from schema.context import Info
from schema.scalars import JSON, Long
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
RUN_ID_ALPHABET = string.ascii_lowercase + string.digits
MAX_TAGS = 100
MAX_TEXT = 10_000
MAX_OBJECT_BYTES = 64 * 1024


async def transact(info: Info, step: Callable[[Writer], Awaitable[T]]) -> T:
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


def check_object(value: Any, field: str) -> dict[str, Any]:
    """A JSON object of at most `MAX_OBJECT_BYTES` once serialised (config, metadata: read back whole, so their
    size bounds what a reader of many of them costs)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"{field} must be a JSON object; got {type(value).__name__}", field=field)
    size = len(json.dumps(value, ensure_ascii=False).encode())
    if size > MAX_OBJECT_BYTES:
        raise InvalidInput(
            f"{field} is {size:,} bytes as JSON; at most {MAX_OBJECT_BYTES:,} are allowed",
            field=field,
            limit=MAX_OBJECT_BYTES,
        )
    return value


def check_tags(tags: list[str], field: str = "tags") -> list[str]:
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"{field}: at most {MAX_TAGS} tags are allowed", field=field)
    for index, tag in enumerate(tags):
        check_name(tag, f"{field}[{index}]")
    return list(dict.fromkeys(tags))


def check_text(value: str | None, field: str) -> str | None:
    if value is not None and (len(value) > MAX_TEXT or "\0" in value):
        raise InvalidInput(f"{field} must be at most {MAX_TEXT} characters without NUL", field=field)
    return value


def check_aliases(aliases: list[str], field: str = "aliases") -> list[str]:
    return list(dict.fromkeys(check_alias(alias, f"{field}[{i}]") for i, alias in enumerate(aliases)))


@strawberry.input
class CreateRunInput:
    entity: str
    project: str
    run_id: str | None = strawberry.field(default=None, description="Chosen by the client so retries are safe.")
    name: str | None = None
    job_type: str | None = None
    config: JSON | None = None
    tags: list[str] = strawberry.field(default_factory=list)
    notes: str | None = None


@strawberry.input
class FileInput:
    path: str
    digest: str = strawberry.field(description="sha256 of the content, 64 lowercase hex characters.")
    size: Long


@strawberry.input(description="An artifact a run logged: its name, type, files and what is said about it.")
class RecordLogInput:
    name: str
    type: str
    files: list[FileInput]
    metadata: JSON | None = None
    description: str | None = None
    aliases: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class LogArtifactInput(RecordLogInput):
    run_id: strawberry.ID


@strawberry.type
class LogArtifactPayload:
    created: bool = strawberry.field(description="False when the collection already held this content.")
    artifact: ArtifactVersion


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Start a run; the entity and project are created on first use.")
    async def create_run(self, info: Info, input: CreateRunInput) -> Run:
        entity = check_name(input.entity, "input.entity")
        project = check_project(input.project, "input.project")
        run_id = check_name(input.run_id, "input.runId") if input.run_id is not None else new_run_id()
        name = check_name(input.name, "input.name") if input.name is not None else run_id
        job_type = check_name(input.job_type, "input.jobType") if input.job_type is not None else None
        config = check_object(input.config, "input.config")
        tags = check_tags(input.tags, "input.tags")
        notes = check_text(input.notes, "input.notes")
        return await write(info, lambda w: w.create_run(entity, project, run_id, name, job_type, config, tags, notes))

    @strawberry.mutation(description="End a run as FINISHED, FAILED or CRASHED.")
    async def finish_run(self, info: Info, id: strawberry.ID, state: RunState = RunState.FINISHED) -> Run:
        parse_run_id(id)
        if state is RunState.RUNNING:
            raise InvalidInput("state must be FINISHED, FAILED or CRASHED to end a run", field="state")
        return await write(info, lambda w: w.finish_run(id, state.value))

    @strawberry.mutation(description="A running run reports it is alive; false when it is not running.")
    async def heartbeat(self, info: Info, id: strawberry.ID) -> bool:
        parse_run_id(id)
        return await transact(info, lambda w: w.heartbeat(id))

    @strawberry.mutation(
        description="Log an artifact version from a run. Content the collection already "
        "holds returns that version (created: false) and records this run as a logger too."
    )
    async def log_artifact(self, info: Info, input: LogArtifactInput) -> LogArtifactPayload:
        parse_run_id(input.run_id, "input.runId")
        name = check_name(input.name, "input.name")
        type_ = check_name(input.type, "input.type")
        manifest = check_manifest([vars(entry) for entry in input.files], "input.files")
        metadata = check_object(input.metadata, "input.metadata")
        description = check_text(input.description, "input.description")
        aliases = check_aliases(input.aliases, "input.aliases")
        # Roles first: whether the content is stored must not change the answer to someone who may not write.
        info.context.caller.require(entity_of_run(input.run_id), "member", "input.runId")
        await check_possession(info, [("input.files", manifest)])
        artifact = selection_of(info).child("artifact")
        limits = info.context.limits

        async def step(writer: Writer) -> LogArtifactPayload:
            root, created = await writer.log_artifact(
                input.run_id, name, type_, manifest, metadata, description, aliases
            )
            answer: Any = await writer.answer(root, artifact, limits) if artifact else None
            return LogArtifactPayload(created=created, artifact=answer)

        return await transact(info, step)

    @strawberry.mutation(
        description="Mark an artifact version as a run's input, by version or by alias "
        "(resolved now and remembered on the edge); a name alone means the run's project."
    )
    async def use_artifact(self, info: Info, run_id: strawberry.ID, ref: str) -> ArtifactVersion:
        entity, project, _ = parse_run_id(run_id, "runId")
        artifact = parse_artifact_ref(ref, entity=entity, project=project)
        return await write(info, lambda w: w.use_artifact(run_id, artifact))

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
        changes: dict[str, Any] = {}
        if description is not strawberry.UNSET:
            changes["description"] = check_text(description, "description")
        if metadata is not strawberry.UNSET:
            changes["metadata"] = check_object(metadata, "metadata")
        if tags is not strawberry.UNSET:
            changes["tags"] = check_tags(tags or [])

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


async def _update_collection(
    info: Info, ref: str, description: str | None, metadata: Any, tags: list[str] | None, *, registry: bool
) -> Any:
    target = parse_collection_ref(ref)
    if (target.registry is not None) != registry:
        kind = "a registry collection (ENTITY/registry-R/NAME)" if registry else "a project's collection"
        raise InvalidInput(f"ref must name {kind}", field="ref")
    changes: dict[str, Any] = {}
    if description is not strawberry.UNSET:
        changes["description"] = check_text(description, "description")
    if metadata is not strawberry.UNSET:
        changes["metadata"] = check_object(metadata, "metadata")
    if tags is not strawberry.UNSET:
        changes["tags"] = check_tags(tags or [])
    type_name = "RegistryCollection" if registry else "ArtifactCollection"

    async def step(writer: Writer) -> Root:
        collection = await writer.collection_id(target, "ref")
        return await writer.update(by_id(type_name, collection["id"]), target.entity, changes)

    return await write(info, step)


def new_run_id() -> str:
    return "".join(secrets.choice(RUN_ID_ALPHABET) for _ in range(8))
