"""The part of W&B's GraphQL schema the `wandb` client uses, answered from Stemma's graph.

Type and field names are W&B's (the client parses answers strictly and checks `__typename`s); every answer
is read or written through Stemma's own write path and access rules, with the caller the key names.
"""

from __future__ import annotations

import json
from typing import Any

import strawberry
from strawberry.schema.config import StrawberryConfig

from cypher.errors import InvalidInput, NotFound
from cypher.ids import global_id
from cypher.refs import LATEST, check_name, check_project
from schema.accounts import default_entity
from schema.build import StemmaSchema, document_extensions
from schema.context import DocumentLimits
from schema.mutations import transact
from server.wandb_compat.accounts import (
    Entity,
    EntityConnection,
    EntityEdge,
    ServerInfo,
    User,
    caller_entity,
    entity_of,
)
from server.wandb_compat.artifacts import (
    LINK,
    PREFIX,
    SIGNER,
    UPLOAD_SECONDS,
    Info,
    NewArtifact,
    StemmaRead,
    commit,
    md5_hex,
    pending,
    upload_key,
    use,
)
from server.wandb_compat.files import ArtifactManifest, ArtifactRef, File, FileConnection, FileEdge, PageInfo
from server.wandb_compat.inputs import (
    SCALARS,
    ArtifactState,
    CommitArtifactInput,
    CreateArtifactFilesInput,
    CreateArtifactInput,
    CreateArtifactManifestInput,
    CreateRunFilesInput,
    JSONString,
    LinkArtifactInput,
    UpsertBucketInput,
    UseArtifactInput,
)
from server.wandb_compat.runs import DEFAULT_PROJECT, Bucket
from server.wandb_compat.types import (
    Artifact,
    ArtifactCollectionMembership,
    ArtifactPortfolio,
    ArtifactSequence,
    ArtifactType,
    Project,
    Run,
    artifact_of,
    project_of,
)


@strawberry.type
class UpsertBucketPayload:
    bucket: Run
    inserted: bool


@strawberry.type
class RunFile:
    name: str
    upload_url: str | None


@strawberry.type
class CreateRunFilesPayload:
    run_id: strawberry.ID = strawberry.field(name="runID")
    upload_headers: list[str]
    files: list[RunFile]


@strawberry.type
class CreateArtifactPayload:
    artifact: Artifact


@strawberry.type
class CreateArtifactFilesPayload:
    files: FileConnection


@strawberry.type
class CreateArtifactManifestPayload:
    artifact_manifest: ArtifactManifest


@strawberry.type
class CommitArtifactPayload:
    artifact: Artifact


@strawberry.type
class UseArtifactPayload:
    artifact: Artifact


@strawberry.type
class LinkArtifactPayload:
    version_index: int | None
    artifact_membership: ArtifactCollectionMembership | None


async def _version_by_id(info: Info, artifact_id: str, field: str) -> dict[str, Any]:
    """The version an artifact id names (a committed upload's id names the version it became)."""
    key = upload_key(artifact_id, field)
    if key is not None:
        upload = await pending(info.context, key, field)
        if not upload.get("version"):
            raise InvalidInput(f"{field}: this artifact is not committed yet", field=field)
        artifact_id = global_id("ArtifactVersion", upload["version"])
    version = await StemmaRead(info.context).version(id=artifact_id)
    if version is None:
        raise NotFound(f"{field}: no artifact has this id", field=field)
    return version


def _pending_artifact(artifact_id: str, new: NewArtifact) -> Artifact:
    project = project_of(new.entity, new.project)
    sequence = ArtifactSequence(
        id=strawberry.ID(global_id("ArtifactCollection", f"{new.entity}/{new.project}/{new.name}")),
        name=new.name,
        project=project,
        type_name=new.type,
    )
    return Artifact(
        id=strawberry.ID(artifact_id),
        artifact_sequence=sequence,
        artifact_type=ArtifactType(name=new.type, project=project),
        state=ArtifactState.PENDING,
        digest=new.digest,
    )


@strawberry.type
class Query:
    @strawberry.field
    def server_info(self) -> ServerInfo:
        return ServerInfo(features=[])

    @strawberry.field
    def viewer(self, info: Info) -> User:
        caller = info.context.caller
        entity = default_entity(caller)
        teams = [EntityEdge(node=entity_of(name)) for name in sorted(caller.roles) if name != entity]
        return User(
            id=strawberry.ID(global_id("Entity", caller.user)),
            username=caller.user,
            entity=entity,
            admin=caller.superuser,
            teams=EntityConnection(edges=teams),
        )

    @strawberry.field
    def project(self, info: Info, name: str | None = None, entity_name: str | None = None) -> Project | None:
        return project_of(caller_entity(info, entity_name), name or DEFAULT_PROJECT)

    @strawberry.field(description="W&B's older name for a project, as the client asks when it resumes a run.")
    def model(self, info: Info, name: str | None = None, entity_name: str | None = None) -> Project | None:
        return project_of(caller_entity(info, entity_name), name or DEFAULT_PROJECT)

    @strawberry.field
    async def artifact(self, info: Info, id: strawberry.ID) -> Artifact | None:
        try:
            return artifact_of(await _version_by_id(info, id, "id"))
        except NotFound:
            return None

    @strawberry.field
    def entity(self, info: Info, name: str) -> Entity | None:
        caller = info.context.caller
        return entity_of(name) if caller.superuser or name in caller.roles else None


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def upsert_bucket(self, info: Info, input: UpsertBucketInput) -> UpsertBucketPayload:
        bucket = Bucket(caller_entity(info, input.entity_name), input)
        stored = await transact(info, bucket.write)
        last_step = stored["last_step"]
        run = Run(
            id=strawberry.ID(global_id("Run", bucket.key)),
            name=bucket.run_id,
            display_name=input.display_name or bucket.name or bucket.run_id,
            description=input.notes,
            config=JSONString(stored["config"] or json.dumps({})),
            sweep_name=None,
            project=project_of(bucket.entity, bucket.project),
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

    @strawberry.mutation(description="Start saving an artifact; a collection that holds its digest answers COMMITTED.")
    async def create_artifact(self, info: Info, input: CreateArtifactInput) -> CreateArtifactPayload:
        new = NewArtifact(input, caller_entity(info, input.entity_name))
        await new.check_run(StemmaRead(info.context))
        found = await new.existing(info.context)
        if found is not None:
            version = await StemmaRead(info.context).version(id=found)
            if version is not None:
                await new.log_again(StemmaRead(info.context), version)
                return CreateArtifactPayload(artifact=artifact_of(version))
        return CreateArtifactPayload(artifact=_pending_artifact(await new.start(info.context), new))

    @strawberry.mutation(description="Where to put each file of an artifact being saved: a signed URL per MD5.")
    async def create_artifact_files(self, info: Info, input: CreateArtifactFilesInput) -> CreateArtifactFilesPayload:
        context = info.context
        edges = []
        for index, spec in enumerate(input.artifact_files):
            field = f"input.artifactFiles[{index}]"
            key = upload_key(spec.artifact_id, f"{field}.artifactID")
            if key is None:
                raise InvalidInput(
                    f"{field}.artifactID: this artifact is committed already", field=f"{field}.artifactID"
                )
            upload = await pending(context, key, f"{field}.artifactID")
            md5 = md5_hex(spec.md5, f"{field}.md5")
            url = None
            if md5 not in upload["files"]:
                path = f"{PREFIX}/uploads/{key}/{md5}"
                url = await SIGNER.sign(context.executor, context.base_url, path, UPLOAD_SECONDS)
            node = File(
                id=strawberry.ID(md5),
                name=spec.name,
                storage_path=md5,
                upload_url=url,
                artifact=ArtifactRef(id=spec.artifact_id),
            )
            edges.append(FileEdge(node=node))
        return CreateArtifactFilesPayload(
            files=FileConnection(edges=edges, page_info=PageInfo(end_cursor=None, has_next_page=False))
        )

    @strawberry.mutation(description="Where to put an artifact's manifest: a signed URL.")
    async def create_artifact_manifest(
        self, info: Info, input: CreateArtifactManifestInput
    ) -> CreateArtifactManifestPayload:
        key = upload_key(input.artifact_id, "input.artifactID")
        if key is None:
            raise InvalidInput("input.artifactID: this artifact is committed already", field="input.artifactID")
        await pending(info.context, key, "input.artifactID")
        context = info.context
        url = await SIGNER.sign(context.executor, context.base_url, f"{PREFIX}/uploads/{key}/manifest", UPLOAD_SECONDS)
        file = File(id=strawberry.ID(f"{key}:manifest"), name=input.name, upload_url=url)
        return CreateArtifactManifestPayload(artifact_manifest=ArtifactManifest(id=strawberry.ID(key), file=file))

    @strawberry.mutation(description="The artifact's files and manifest are up: it becomes a Stemma version.")
    async def commit_artifact(self, info: Info, input: CommitArtifactInput) -> CommitArtifactPayload:
        key = upload_key(input.artifact_id, "input.artifactID")
        version_id = input.artifact_id if key is None else await commit(info.context, key)
        return CommitArtifactPayload(artifact=artifact_of(await _version_by_id(info, version_id, "input.artifactID")))

    @strawberry.mutation(description="A run used an artifact version.")
    async def use_artifact(self, info: Info, input: UseArtifactInput) -> UseArtifactPayload:
        version = await _version_by_id(info, input.artifact_id, "input.artifactID")
        entity = check_name(input.entity_name, "input.entityName")
        project = check_project(input.project_name, "input.projectName")
        run = check_name(input.run_name, "input.runName")
        await use(info.context, f"{entity}/{project}/{run}", version)
        return UseArtifactPayload(artifact=artifact_of(version))

    @strawberry.mutation(description="Link a version into a registry collection (wandb-registry-NAME/COLLECTION).")
    async def link_artifact(self, info: Info, input: LinkArtifactInput) -> LinkArtifactPayload:
        if input.artifact_id is None:
            raise InvalidInput("input.artifactID: the version to link is required", field="input.artifactID")
        version = await _version_by_id(info, input.artifact_id, "input.artifactID")
        entity = check_name(caller_entity(info, input.entity_name), "input.entityName")
        registry = input.project_name or ""
        name = check_name(input.artifact_portfolio_name or "", "input.artifactPortfolioName")
        aliases = [alias.alias for alias in input.aliases or [] if alias.alias != LATEST]
        source = f"{version['entity']}/{version['project']}/{version['name']}:v{version['version']}"
        linked = (
            await StemmaRead(info.context).data(LINK, ref=source, target=f"{entity}/{registry}/{name}", aliases=aliases)
        )["linkArtifact"]
        linked_version = await StemmaRead(info.context).version(id=version["id"])
        if linked_version is None:  # deleted between the link and this read
            raise NotFound("input.artifactID: no artifact has this id", field="input.artifactID")
        membership = ArtifactCollectionMembership.of(linked_version, project_of(entity, registry), name)
        return LinkArtifactPayload(version_index=linked["version"], artifact_membership=membership)


def build_schema(limits: DocumentLimits) -> StemmaSchema:
    """The W&B layer's schema, with the document limits and checks Stemma's own has."""
    return StemmaSchema(
        query=Query,
        mutation=Mutation,
        types=[ArtifactSequence, ArtifactPortfolio],
        config=StrawberryConfig(scalar_map=SCALARS),
        extensions=document_extensions(limits),
    )
