"""A collection of artifact versions, as W&B's `ArtifactCollection`, and the paged lists `Api` gives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from stemma import queries
from stemma.artifacts import Artifact
from stemma.client import GraphQLClient
from stemma.errors import UsageError
from stemma.paging import Paged
from stemma.records import require_datetime


@dataclass(frozen=True)
class ArtifactCollection:
    """The versions of one artifact name in a project (W&B's artifact sequence): `artifacts()` lists them."""

    id: str
    entity: str
    project: str
    name: str
    type: str
    description: str | None
    tags: tuple[str, ...]
    aliases: tuple[str, ...]
    metadata: dict[str, Any]
    created_at: dt.datetime
    client: GraphQLClient = field(repr=False, compare=False)

    @classmethod
    def from_server(cls, data: Mapping[str, Any], client: GraphQLClient) -> ArtifactCollection:
        return cls(
            id=data["id"],
            entity=data["entity"],
            project=data["project"],
            name=data["name"],
            type=data["type"],
            description=data["description"],
            tags=tuple(data["tags"]),
            aliases=tuple(alias["name"] for alias in data["aliases"]),
            metadata=dict(data["metadata"] or {}),
            created_at=require_datetime(data["createdAt"]),
            client=client,
        )

    @property
    def path(self) -> str:
        """ENTITY/PROJECT/NAME."""
        return f"{self.entity}/{self.project}/{self.name}"

    def artifacts(self, per_page: int = 50) -> Paged[Artifact]:
        """Its live versions, newest first, a page per request."""
        return versions(self.client, self.path, per_page)

    versions = artifacts


def versions(client: GraphQLClient, path: str, per_page: int, type_name: str | None = None) -> Paged[Artifact]:
    """The collection's live versions, newest first; with `type_name`, the first page refuses a collection of
    another type (its type comes with each page: no request of its own)."""

    def check(collection: Mapping[str, Any]) -> None:
        if type_name is not None and collection["type"] != type_name:
            raise not_of_type(path, collection["type"], type_name)

    return Paged(
        client,
        queries.COLLECTION_VERSIONS,
        {"ref": path},
        ("artifactCollection",),
        lambda node: Artifact.from_server(node, client),
        per_page=per_page,
        check=check,
    )


def not_of_type(path: str, held: str, asked: str) -> UsageError:
    return UsageError(f"{path} holds {held} artifacts, not {asked}", field="type_name")
