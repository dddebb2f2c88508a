"""The part of W&B's GraphQL schema the `wandb` client uses, answered from Stemma's graph.

Type and field names are W&B's (the client parses answers strictly and checks `__typename`s); every answer
is read or written through Stemma's own write path and access rules, with the caller the key names.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any, NewType, TypeVar

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.types.scalar import ScalarDefinition

from cypher.errors import InvalidInput, NotFound
from cypher.executor import WriteTransaction
from cypher.ids import global_id
from cypher.refs import LATEST, REGISTRY_PREFIX, WANDB_REGISTRY_PREFIX, check_name, check_project
from cypher.writes import Writer
from schema.accounts import default_entity
from schema.build import StemmaSchema
from schema.errors import StemmaErrors
from server.wandb_compat.artifacts import (
    COLLECTION,
    DOWNLOAD_SECONDS,
    LINK,
    MANIFEST_NAME,
    PREFIX,
    REGISTRY_COLLECTION,
    RUN,
    RUNS_OF,
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
from server.wandb_compat.runs import DEFAULT_PROJECT, Bucket

JSONString = NewType("JSONString", str)
Int64 = NewType("Int64", int)


def _whole(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not -(2**63) <= value < 2**63:
        raise ValueError("an Int64 is a whole number within 64 bits")
    return value


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("a JSONString is JSON written as a string")
    return value


SCALARS: dict[object, ScalarDefinition] = {
    JSONString: strawberry.scalar(name="JSONString", description="JSON as text.", serialize=str, parse_value=_text),
    Int64: strawberry.scalar(name="Int64", description="A 64-bit integer.", serialize=int, parse_value=_whole),
}
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
    """Stemma keeps registries in each entity, so an entity is its own organization (and its org entity):
    `wandb-registry-NAME` of an entity are that entity's registries."""

    name: str
    org_entity: Entity | None
    core_weave_organization_id: str | None = None


@strawberry.type
class Entity:
    id: strawberry.ID
    name: str

    @strawberry.field
    def organization(self) -> Organization:
        return Organization(name=self.name, org_entity=Entity(id=self.id, name=self.name))

    @strawberry.field
    def user(self) -> User | None:
        return None


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
    flags: JSONString | None = None
    admin: bool = False
    teams: EntityConnection = strawberry.field(default_factory=lambda: EntityConnection(edges=[]))
    name: str | None = None
    organizations: list[Organization] = strawberry.field(default_factory=list)


@strawberry.type
class Project:
    id: strawberry.ID
    name: str
    entity: Entity

    @strawberry.field
    def internal_id(self) -> strawberry.ID:
        return self.id

    @strawberry.field
    async def artifact(self, info: Info, name: str) -> Artifact | None:
        version = await StemmaRead(info.context).version(ref=self._ref(name))
        return artifact_of(version) if version else None

    @strawberry.field
    async def artifact_collection_membership(self, info: Info, name: str) -> ArtifactCollectionMembership | None:
        version = await StemmaRead(info.context).version(ref=self._ref(name))
        if version is None:
            return None
        if registry_of(self.name) is None:
            return ArtifactCollectionMembership.of(version)
        return ArtifactCollectionMembership.of(version, self, name.split(":")[0])

    @strawberry.field
    async def artifact_type(self, info: Info, name: str) -> ArtifactType | None:
        return ArtifactType(name=name, project=self)

    @strawberry.field
    async def artifact_collection(self, info: Info, name: str) -> ArtifactSequence | None:
        return await ArtifactSequence.named(info, self, name)

    @strawberry.field
    async def run(self, info: Info, name: str) -> Run | None:
        try:
            found = (await StemmaRead(info.context).data(RUN, id=f"{self.entity.name}/{self.name}/{name}"))["run"]
        except NotFound:
            return None
        config = {key: {"value": value} for key, value in found["config"].items()}
        user = found["user"]
        owner = (
            User(id=strawberry.ID(global_id("Entity", user)), username=user, name=user, entity=None) if user else None
        )
        return Run(
            id=strawberry.ID(global_id("Run", f"{found['entity']}/{found['project']}/{found['runId']}")),
            name=found["runId"],
            project=self,
            display_name=found["name"],
            config=JSONString(json.dumps(config)),
            history_line_count=0 if found["lastStep"] is None else found["lastStep"] + 1,
            project_id=project_number(self.entity.name, self.name),
            tags=found["tags"],
            state=found["state"].lower(),
            group=found["group"],
            job_type=found["jobType"],
            created_at=found["createdAt"],
            heartbeat_at=found["heartbeatAt"],
            notes=found["notes"],
            description=found["notes"],
            system_metrics=JSONString(json.dumps({})),
            summary_metrics=JSONString(json.dumps(found["summary"])),
            user=owner,
        )

    def _ref(self, name: str) -> str:
        return f"{self.entity.name}/{self.name}/{name if ':' in name else name + ':latest'}"


@strawberry.type
class Run:
    id: strawberry.ID
    name: str
    project: Project
    display_name: str | None = None
    description: str | None = None
    config: JSONString | None = None
    sweep_name: str | None = None
    history_line_count: int = 0
    project_id: int = 0
    tags: list[str] = strawberry.field(default_factory=list)
    state: str = "running"
    group: str | None = None
    job_type: str | None = None
    commit: str | None = None
    read_only: bool = False
    created_at: str | None = None
    heartbeat_at: str | None = None
    notes: str | None = None
    system_metrics: JSONString | None = None
    summary_metrics: JSONString | None = None
    history_keys: JSONString | None = None
    user: User | None = None


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
    config: JSONString | None = None
    commit: str | None = None
    host: str | None = None
    debug: bool | None = None
    job_program: str | None = None
    job_repo: str | None = None
    job_type: str | None = None
    state: str | None = None
    sweep: str | None = None
    tags: list[str] | None = None
    summary_metrics: JSONString | None = None


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


@strawberry.enum
class ArtifactState(Enum):
    PENDING = "PENDING"
    COMMITTED = "COMMITTED"
    DELETED = "DELETED"


@strawberry.enum
class ArtifactDigestAlgorithm(Enum):
    MANIFEST_MD5 = "MANIFEST_MD5"
    MANIFEST_XXH128 = "MANIFEST_XXH128"


@strawberry.enum
class ArtifactManifestType(Enum):
    FULL = "FULL"
    PATCH = "PATCH"
    INCREMENTAL = "INCREMENTAL"


@strawberry.type
class Tag:
    id: strawberry.ID
    name: str


@strawberry.type
class ArtifactType:
    name: str
    project: strawberry.Private[Project]

    @strawberry.field
    async def artifact_collection(self, info: Info, name: str) -> ArtifactSequence | None:
        found = await ArtifactSequence.named(info, self.project, name)
        return found if found is not None and found.type_name == self.name else None


@strawberry.interface
class ArtifactCollection:
    id: strawberry.ID
    name: str
    project: Project | None


@strawberry.type
class ArtifactSequence(ArtifactCollection):
    type_name: strawberry.Private[str] = ""
    description: str | None = None
    digest_algorithm: ArtifactDigestAlgorithm = ArtifactDigestAlgorithm.MANIFEST_MD5
    latest_artifact: Artifact | None = None

    @staticmethod
    async def named(info: Info, project: Project, name: str) -> ArtifactSequence | None:
        ref = f"{project.entity.name}/{project.name}/{name}"
        registry = registry_of(project.name) is not None
        try:
            data = await StemmaRead(info.context).data(REGISTRY_COLLECTION if registry else COLLECTION, ref=ref)
        except NotFound:
            return None
        found = data["registryCollection" if registry else "artifactCollection"]
        return ArtifactSequence(
            id=strawberry.ID(found["id"]),
            name=name,
            project=project,
            type_name=found["type"] or "",
            description=found["description"],
        )

    @strawberry.field
    async def artifact_membership(self, info: Info, alias_name: str) -> ArtifactCollectionMembership | None:
        assert self.project is not None
        ref = f"{self.project.entity.name}/{self.project.name}/{self.name}:{alias_name}"
        version = await StemmaRead(info.context).version(ref=ref)
        return ArtifactCollectionMembership.of(version) if version else None


@strawberry.type
class ArtifactPortfolio(ArtifactCollection):
    type_name: strawberry.Private[str] = ""


@strawberry.type
class ArtifactAlias:
    id: strawberry.ID
    alias: str
    artifact_collection: ArtifactCollection | None


@strawberry.type
class UploadPart:
    part_number: int
    upload_url: str


@strawberry.type
class UploadUrlParts:
    upload_id: str = strawberry.field(name="uploadID")
    upload_url_parts: list[UploadPart]


@strawberry.type
class ArtifactRef:
    id: strawberry.ID


@strawberry.type
class File:
    id: strawberry.ID
    name: str
    direct_url: str | None = None
    upload_url: str | None = None
    upload_headers: list[str] = strawberry.field(default_factory=list)
    storage_path: str | None = None
    upload_multipart_urls: UploadUrlParts | None = None
    artifact: ArtifactRef | None = None


@strawberry.type
class FileEdge:
    node: File | None
    cursor: str = ""


@strawberry.type
class PageInfo:
    end_cursor: str | None
    has_next_page: bool


@strawberry.type
class FileConnection:
    edges: list[FileEdge]
    page_info: PageInfo


@strawberry.type
class ArtifactManifest:
    id: strawberry.ID
    file: File


@strawberry.type
class RunEdge:
    node: Run


@strawberry.type
class RunConnection:
    edges: list[RunEdge]


def _run_of(row: dict[str, Any]) -> Run:
    key = f"{row['entity']}/{row['project']}/{row['runId']}"
    return Run(
        id=strawberry.ID(global_id("Run", key)), name=row["runId"], project=_project(row["entity"], row["project"])
    )


@strawberry.type
class Artifact:
    id: strawberry.ID
    artifact_sequence: ArtifactSequence
    artifact_type: ArtifactType
    state: ArtifactState
    digest: str
    version_index: int | None = None
    description: str | None = None
    metadata: JSONString | None = None
    ttl_duration_seconds: Int64 = Int64(-1)
    ttl_is_inherited: bool = True
    tags: list[Tag] = strawberry.field(default_factory=list)
    history_step: Int64 | None = None
    size: Int64 = Int64(0)
    digest_algorithm: ArtifactDigestAlgorithm = ArtifactDigestAlgorithm.MANIFEST_MD5
    commit_hash: str | None = None
    file_count: Int64 = Int64(0)
    created_at: str = ""
    updated_at: str | None = None
    aliases: list[ArtifactAlias] = strawberry.field(default_factory=list)
    version: strawberry.Private[dict[str, Any] | None] = None

    @strawberry.field
    async def current_manifest(self, info: Info) -> ArtifactManifest | None:
        manifest = (self.version or {}).get("wandb", {}).get("manifest")
        if manifest is None:
            return None
        url = await SIGNER.sign(
            info.context.executor, info.context.base_url, f"{PREFIX}/blobs/{manifest}", DOWNLOAD_SECONDS
        )
        return ArtifactManifest(
            id=strawberry.ID(manifest), file=File(id=strawberry.ID(manifest), name=MANIFEST_NAME, direct_url=url)
        )

    @strawberry.field
    async def created_by(self, info: Info) -> Run | None:
        data = await StemmaRead(info.context).data(RUNS_OF, ref=self._ref())
        creator = data["artifact"]["createdBy"]
        return _run_of(creator) if creator else None

    @strawberry.field
    async def used_by(self, info: Info) -> RunConnection:
        data = await StemmaRead(info.context).data(RUNS_OF, ref=self._ref())
        return RunConnection(
            edges=[RunEdge(node=_run_of(edge["node"])) for edge in data["artifact"]["usedBy"]["edges"]]
        )

    @strawberry.field
    async def files(self, info: Info, after: str | None = None, first: int | None = None) -> FileConnection:
        return await files_page(info, self.version or {}, after, first)

    def _ref(self) -> str:
        version = self.version or {}
        return f"{version['entity']}/{version['project']}/{version['name']}:v{version['version']}"


@strawberry.type
class ArtifactCollectionMembership:
    id: strawberry.ID
    version_index: int | None
    created_at: str
    aliases: list[ArtifactAlias]
    artifact_collection: ArtifactCollection | None
    artifact: Artifact | None

    @staticmethod
    def of(version: dict[str, Any], registry: Project | None = None, name: str = "") -> ArtifactCollectionMembership:
        """The version as a member of its own collection, or (given a registry project and a collection name)
        of the registry collection it is linked into."""
        artifact = artifact_of(version)
        if registry is None:
            return ArtifactCollectionMembership(
                id=artifact.id,
                version_index=artifact.version_index,
                created_at=artifact.created_at,
                aliases=artifact.aliases,
                artifact_collection=artifact.artifact_sequence,
                artifact=artifact,
            )
        entity, registry_name = registry.entity.name, registry_of(registry.name)
        link = next(
            link
            for link in version["links"]
            if (link["collection"]["entity"], link["collection"]["registry"], link["collection"]["name"])
            == (entity, registry_name, name)
        )  # the version was found through this link, so it is there
        portfolio = ArtifactPortfolio(
            id=strawberry.ID(link["collection"]["id"]), name=name, project=registry, type_name=version["type"]
        )
        return ArtifactCollectionMembership(
            id=strawberry.ID(link["id"]),
            version_index=link["version"],
            created_at=link["linkedAt"],
            aliases=[
                ArtifactAlias(id=strawberry.ID(f"{link['id']}:{alias}"), alias=alias, artifact_collection=portfolio)
                for alias in link["aliases"]
            ],
            artifact_collection=portfolio,
            artifact=artifact,
        )

    @strawberry.field
    async def files(self, info: Info, after: str | None = None, first: int | None = None) -> FileConnection:
        assert self.artifact is not None
        return await files_page(info, self.artifact.version or {}, after, first)


async def files_page(info: Info, version: dict[str, Any], after: str | None, first: int | None) -> FileConnection:
    """A page of a version's files, each with a signed URL of its content (references: their URI)."""
    entries = version.get("files") or []
    start = int(after) if after and after.isdigit() else 0
    count = max(1, min(first or 1000, 10_000))
    page = entries[start : start + count]
    context = info.context
    edges = []
    for offset, entry in enumerate(page):
        url = entry["ref"] or await SIGNER.sign(
            context.executor, context.base_url, f"{PREFIX}/blobs/{entry['digest']}", DOWNLOAD_SECONDS
        )
        node = File(id=strawberry.ID(entry["digest"]), name=entry["path"], direct_url=url)
        edges.append(FileEdge(node=node, cursor=str(start + offset + 1)))
    end = start + len(page)
    return FileConnection(edges=edges, page_info=PageInfo(end_cursor=str(end), has_next_page=end < len(entries)))


def artifact_of(version: dict[str, Any]) -> Artifact:
    """A Stemma version (as StemmaRead gives it) as W&B's Artifact."""
    project = _project(version["entity"], version["project"])
    sequence = ArtifactSequence(
        id=strawberry.ID(
            global_id("ArtifactCollection", version["entity"] + "/" + version["project"] + "/" + version["name"])
        ),
        name=version["name"],
        project=project,
        type_name=version["type"],
    )
    aliases = [
        ArtifactAlias(id=strawberry.ID(f"{sequence.id}:{alias}"), alias=alias, artifact_collection=sequence)
        for alias in version["aliases"]
    ]
    return Artifact(
        id=strawberry.ID(version["id"]),
        artifact_sequence=sequence,
        artifact_type=ArtifactType(name=version["type"], project=project),
        state=ArtifactState.DELETED if version["state"] == "DELETED" else ArtifactState.COMMITTED,
        digest=version["wandb"]["digest"] or version["digest"],
        version_index=version["version"],
        description=version["description"],
        metadata=JSONString(json.dumps(version["metadata"])),
        tags=[Tag(id=strawberry.ID(f"{version['id']}:{tag}"), name=tag) for tag in version["tags"]],
        size=version["size"],
        file_count=version["fileCount"],
        created_at=version["createdAt"],
        aliases=aliases,
        version=version,
    )


@strawberry.type
class CreateArtifactPayload:
    artifact: Artifact


@strawberry.input
class ArtifactAliasInput:
    alias: str
    artifact_collection_name: str


@strawberry.input
class CreateArtifactInput:
    artifact_type_name: str
    entity_name: str
    project_name: str
    digest: str
    artifact_collection_name: str | None = None
    artifact_collection_names: list[str] | None = None
    run_name: str | None = None
    description: str | None = None
    labels: JSONString | None = None
    aliases: list[ArtifactAliasInput] | None = None
    metadata: JSONString | None = None
    digest_algorithm: ArtifactDigestAlgorithm | None = None
    client_id: strawberry.ID | None = strawberry.field(name="clientID", default=None)
    sequence_client_id: strawberry.ID | None = strawberry.field(name="sequenceClientID", default=None)
    client_mutation_id: str | None = None
    distributed_id: str | None = strawberry.field(name="distributedID", default=None)
    enable_digest_deduplication: bool | None = None
    history_step: Int64 | None = None
    storage_region: str | None = None
    ttl_duration_seconds: Int64 | None = None


@strawberry.input
class UploadPartsInput:
    part_number: int
    hex_md5: str = strawberry.field(name="hexMD5")


@strawberry.input
class CreateArtifactFileSpecInput:
    artifact_id: strawberry.ID = strawberry.field(name="artifactID")
    name: str
    md5: str
    mimetype: str | None = None
    artifact_manifest_id: strawberry.ID | None = strawberry.field(name="artifactManifestID", default=None)
    upload_parts_input: list[UploadPartsInput] | None = None


@strawberry.input
class CreateArtifactFilesInput:
    artifact_files: list[CreateArtifactFileSpecInput]
    storage_layout: str | None = None
    cloud_region_id: str | None = strawberry.field(name="cloudRegionID", default=None)
    client_mutation_id: str | None = None


@strawberry.type
class CreateArtifactFilesPayload:
    files: FileConnection


@strawberry.input
class CreateArtifactManifestInput:
    artifact_id: strawberry.ID = strawberry.field(name="artifactID")
    name: str
    digest: str
    entity_name: str
    project_name: str
    run_name: str
    base_artifact_id: strawberry.ID | None = strawberry.field(name="baseArtifactID", default=None)
    type: ArtifactManifestType = ArtifactManifestType.FULL
    client_mutation_id: str | None = None


@strawberry.type
class CreateArtifactManifestPayload:
    artifact_manifest: ArtifactManifest


@strawberry.input
class CommitArtifactInput:
    artifact_id: strawberry.ID = strawberry.field(name="artifactID")
    client_mutation_id: str | None = None


@strawberry.type
class CommitArtifactPayload:
    artifact: Artifact


@strawberry.input
class UseArtifactInput:
    entity_name: str
    project_name: str
    run_name: str
    artifact_id: strawberry.ID = strawberry.field(name="artifactID")
    used_as: str | None = None
    artifact_entity_name: str | None = None
    artifact_project_name: str | None = None
    client_mutation_id: str | None = None


@strawberry.type
class UseArtifactPayload:
    artifact: Artifact


@strawberry.input
class LinkArtifactInput:
    artifact_id: strawberry.ID | None = strawberry.field(name="artifactID", default=None)
    artifact_portfolio_id: strawberry.ID | None = strawberry.field(name="artifactPortfolioID", default=None)
    artifact_portfolio_name: str | None = None
    entity_name: str | None = None
    project_name: str | None = None
    aliases: list[ArtifactAliasInput] | None = None
    client_id: strawberry.ID | None = strawberry.field(name="clientID", default=None)
    client_mutation_id: str | None = None


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
    project = _project(new.entity, new.project)
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


def registry_of(project: str) -> str | None:
    """The registry a W&B project name stands for (`wandb-registry-model`, or Stemma's `registry-model`)."""
    for prefix in (WANDB_REGISTRY_PREFIX, REGISTRY_PREFIX):
        if project.startswith(prefix):
            return project[len(prefix) :]
    return None


def project_number(entity: str, project: str) -> int:
    """The client reads a project's internal id as a number: a stable one, from its name."""
    return int.from_bytes(hashlib.sha256(f"{entity}/{project}".encode()).digest()[:4], "big") >> 1


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
    def project(self, info: Info, name: str | None = None, entity_name: str | None = None) -> Project | None:
        return _project(_caller_entity(info, entity_name), name or DEFAULT_PROJECT)

    @strawberry.field
    async def artifact(self, info: Info, id: strawberry.ID) -> Artifact | None:
        try:
            return artifact_of(await _version_by_id(info, id, "id"))
        except NotFound:
            return None

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
            config=JSONString(stored["config"] or json.dumps({})),
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

    @strawberry.mutation(description="Start saving an artifact; a collection that holds its digest answers COMMITTED.")
    async def create_artifact(self, info: Info, input: CreateArtifactInput) -> CreateArtifactPayload:
        new = NewArtifact(input, _caller_entity(info, input.entity_name))
        found = await new.existing(info.context)
        if found is not None:
            version = await StemmaRead(info.context).version(id=found)
            if version is not None:
                await new.log_again(info.context, version)
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
        entity = check_name(_caller_entity(info, input.entity_name), "input.entityName")
        registry = input.project_name or ""
        name = check_name(input.artifact_portfolio_name or "", "input.artifactPortfolioName")
        aliases = [alias.alias for alias in input.aliases or [] if alias.alias != LATEST]
        source = f"{version['entity']}/{version['project']}/{version['name']}:v{version['version']}"
        linked = (
            await StemmaRead(info.context).data(LINK, ref=source, target=f"{entity}/{registry}/{name}", aliases=aliases)
        )["linkArtifact"]
        linked_version = await StemmaRead(info.context).version(id=version["id"])
        assert linked_version is not None
        membership = ArtifactCollectionMembership.of(linked_version, _project(entity, registry), name)
        return LinkArtifactPayload(version_index=linked["version"], artifact_membership=membership)


schema = StemmaSchema(
    query=Query,
    mutation=Mutation,
    types=[ArtifactSequence, ArtifactPortfolio],
    config=StrawberryConfig(scalar_map=SCALARS),
    extensions=[StemmaErrors],
)
