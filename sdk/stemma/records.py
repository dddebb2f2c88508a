"""What the server records about runs and registry links, as read-only values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from stemma import queries
from stemma.client import GraphQLClient
from stemma.errors import UsageError

if TYPE_CHECKING:
    from stemma.artifacts import Artifact


def parse_datetime(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def require_datetime(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


@dataclass(frozen=True)
class RunInfo:
    """A run as the server records it; like wandb's public Run, `id` is the short id and `path` the full one."""

    path: str
    id: str
    entity: str
    project: str
    name: str | None
    state: str
    job_type: str | None
    config: dict[str, Any]
    tags: tuple[str, ...]
    notes: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None
    heartbeat_at: dt.datetime | None
    client: GraphQLClient | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_server(cls, data: Mapping[str, Any], client: GraphQLClient | None = None) -> RunInfo:
        return cls(
            path=data["id"],
            id=data["runId"],
            entity=data["entity"],
            project=data["project"],
            name=data["name"],
            state=data["state"].lower(),
            job_type=data["jobType"],
            config=dict(data["config"] or {}),
            tags=tuple(data["tags"]),
            notes=data["notes"],
            created_at=require_datetime(data["createdAt"]),
            finished_at=parse_datetime(data["finishedAt"]),
            heartbeat_at=parse_datetime(data["heartbeatAt"]),
            client=client,
        )

    def used_artifacts(self) -> list[Artifact]:
        """Artifact versions this run used, newest use first."""
        return self._artifacts(queries.RUN_INPUTS)

    def logged_artifacts(self) -> list[Artifact]:
        """Artifact versions this run logged, newest first."""
        return self._artifacts(queries.RUN_OUTPUTS)

    def _artifacts(self, document: str) -> list[Artifact]:
        from stemma.artifacts import Artifact

        client = self._client()
        return [Artifact.from_server(node, client) for node in client.nodes(document, {"id": self.path}, "run")]

    def _client(self) -> GraphQLClient:
        if self.client is None:
            raise UsageError("this RunInfo was built without a connection to the server")
        return self.client


@dataclass(frozen=True)
class RegistryLink:
    """A version linked into a registry collection under the collection's own version number."""

    ref: str
    version: str
    aliases: tuple[str, ...]
    linked_at: dt.datetime
    linked_by: str | None
    artifact_ref: str

    @classmethod
    def from_server(cls, data: Mapping[str, Any]) -> RegistryLink:
        return cls(
            ref=data["ref"],
            version=f"v{data['version']}",
            aliases=tuple(data["aliases"]),
            linked_at=require_datetime(data["linkedAt"]),
            linked_by=data["linkedBy"],
            artifact_ref=data["artifact"]["ref"],
        )
