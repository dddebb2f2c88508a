"""Lineage graphs: runs and artifact versions around a root, with the edges between them and collapsed clusters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stemma.artifacts import Artifact, RunInfo
from stemma.client import GraphQLClient
from stemma.errors import UsageError
from stemma.queries import LINEAGE_DIRECTIONS
from stemma.records import parse_datetime


@dataclass(frozen=True)
class RedactedNode:
    """A node of an entity the key may not read: only its kind (RUN or ARTIFACT), so the lineage keeps its shape."""

    id: str
    kind: str


LineageNode = RunInfo | Artifact | RedactedNode


def check_direction(direction: str) -> str:
    """upstream (against the arrows: where it came from), downstream (what it reached) or both."""
    value = direction.upper() if isinstance(direction, str) else ""
    if value not in LINEAGE_DIRECTIONS:
        raise UsageError(f"direction must be upstream, downstream or both; got {direction!r}", field="direction")
    return value


def node_id(node: LineageNode) -> str:
    """The id edges use: a run's or an artifact version's global id, a redacted node's id."""
    return node.node_id if isinstance(node, RunInfo) else node.id


@dataclass(frozen=True)
class LineageEdge:
    """USED_BY (artifact version → run) or LOGGED (run → artifact version), pointing the way data flows."""

    kind: str
    source: str
    target: str
    at: dt.datetime | None


@dataclass(frozen=True)
class LineageCluster:
    """More than `cluster_threshold` similar nodes on one side of `parent` (runs of one group and job type,
    versions of one collection), collapsed into one with a count; `leaves` when it holds only nodes whose lineage
    ends there (below the depth asked, the others are drawn); `description` says what it holds."""

    id: str
    parent: str
    side: str
    kind: str
    count: int
    leaves: bool
    description: str


@dataclass(frozen=True)
class Lineage:
    """Each node once and each edge once, however many paths lead there; `truncated` when max_nodes cut it."""

    root: LineageNode
    nodes: list[LineageNode]
    edges: list[LineageEdge]
    clusters: list[LineageCluster]
    truncated: bool

    @property
    def runs(self) -> list[RunInfo]:
        return [node for node in self.nodes if isinstance(node, RunInfo)]

    @property
    def artifacts(self) -> list[Artifact]:
        return [node for node in self.nodes if isinstance(node, Artifact)]

    def node(self, id: str) -> LineageNode:
        """The node an edge names."""
        for node in self.nodes:
            if node_id(node) == id:
                return node
        raise KeyError(id)

    @classmethod
    def from_server(cls, data: Mapping[str, Any], client: GraphQLClient) -> Lineage:
        return cls(
            root=_node(data["root"], client),
            nodes=[_node(node, client) for node in data["nodes"]],
            edges=[
                LineageEdge(edge["kind"], edge["from"], edge["to"], parse_datetime(edge["at"]))
                for edge in data["edges"]
            ],
            clusters=[
                LineageCluster(
                    str(item["id"]),
                    str(item["parent"]),
                    str(item["side"]),
                    str(item["kind"]),
                    item["count"],
                    item["leaves"],
                    str(item["description"]),
                )
                for item in data["clusters"]
            ],
            truncated=data["truncated"],
        )


def _node(data: Mapping[str, Any], client: GraphQLClient) -> LineageNode:
    if data["__typename"] == "RedactedNode":
        return RedactedNode(str(data["id"]), str(data["kind"]))
    if data["__typename"] == "Run":
        return RunInfo.from_server({**data, "name": data["runName"], "state": data["runState"]}, client)
    return Artifact.from_server(data, client)
