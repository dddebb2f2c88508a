"""What the wandb client sends: W&B's input types and enums, and the scalars it writes values in."""

from __future__ import annotations

from enum import Enum
from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

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


@strawberry.input
class CreateRunFilesInput:
    entity_name: str
    project_name: str
    run_name: str
    files: list[str]


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


@strawberry.input
class CommitArtifactInput:
    artifact_id: strawberry.ID = strawberry.field(name="artifactID")
    client_mutation_id: str | None = None


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
