"""Projects, runs and artifacts as W&B's types, answered by reading Stemma's own schema with the caller's context."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import strawberry

from cypher.errors import NotFound
from cypher.ids import global_id
from cypher.refs import REGISTRY_PREFIX, WANDB_REGISTRY_PREFIX
from server.wandb_compat.accounts import Entity, User, entity_of
from server.wandb_compat.artifacts import (
    COLLECTION,
    DOWNLOAD_SECONDS,
    LAST_ROW,
    MANIFEST_NAME,
    PREFIX,
    REGISTRY_COLLECTION,
    RUN,
    RUNS_OF,
    SIGNER,
    Info,
    StemmaRead,
)
from server.wandb_compat.files import ArtifactManifest, File, FileConnection, files_page
from server.wandb_compat.inputs import ArtifactDigestAlgorithm, ArtifactState, Int64, JSONString


def registry_of(project: str) -> str | None:
    """The registry a W&B project name stands for (`wandb-registry-model`, or Stemma's `registry-model`)."""
    for prefix in (WANDB_REGISTRY_PREFIX, REGISTRY_PREFIX):
        if project.startswith(prefix):
            return project[len(prefix) :]
    return None


def project_number(entity: str, project: str) -> int:
    """The client reads a project's internal id as a number: a stable one, from its name."""
    return int.from_bytes(hashlib.sha256(f"{entity}/{project}".encode()).digest()[:4], "big") >> 1


def project_of(entity: str, name: str) -> Project:
    return Project(id=strawberry.ID(global_id("Project", f"{entity}/{name}")), name=name, entity=entity_of(entity))


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
        return await self._run(info, name)

    @strawberry.field(description="W&B's older name for a run, as the client asks when it resumes one.")
    async def bucket(self, info: Info, name: str, missing_ok: bool = False) -> Run | None:
        return await self._run(info, name)

    async def _run(self, info: Info, name: str) -> Run | None:
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
            last_step=found["lastStep"],
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
    log_line_count: int = 0
    events_line_count: int = 0
    events_tail: JSONString = JSONString("[]")
    last_step: strawberry.Private[int | None] = None

    @strawberry.field(
        description="The run's last history row, as W&B's list of JSON lines: where a resumed run goes on."
    )
    async def history_tail(self, info: Info) -> JSONString:
        if self.last_step is None:
            return JSONString("[]")
        key = f"{self.project.entity.name}/{self.project.name}/{self.name}"
        rows = (await StemmaRead(info.context).data(LAST_ROW, id=key, after=self.last_step - 1))["runHistory"]["rows"]
        return JSONString(json.dumps([json.dumps(row) for row in rows]))

    @strawberry.field(
        description="The client's own bookkeeping in the config, which Stemma does not keep; `t` (its telemetry) is "
        "answered empty, which says the run has started, so a client resumes it."
    )
    def wandb_config(self, keys: list[str] | None = None) -> JSONString:
        return JSONString(json.dumps({key: {} for key in keys or [] if key == "t"}))


@strawberry.type
class RunEdge:
    node: Run


@strawberry.type
class RunConnection:
    edges: list[RunEdge]


def run_of(row: dict[str, Any]) -> Run:
    key = f"{row['entity']}/{row['project']}/{row['runId']}"
    return Run(
        id=strawberry.ID(global_id("Run", key)), name=row["runId"], project=project_of(row["entity"], row["project"])
    )


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
        return run_of(creator) if creator else None

    @strawberry.field
    async def used_by(self, info: Info) -> RunConnection:
        data = await StemmaRead(info.context).data(RUNS_OF, ref=self._ref())
        return RunConnection(edges=[RunEdge(node=run_of(edge["node"])) for edge in data["artifact"]["usedBy"]["edges"]])

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


def artifact_of(version: dict[str, Any]) -> Artifact:
    """A Stemma version (as StemmaRead gives it) as W&B's Artifact."""
    project = project_of(version["entity"], version["project"])
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
