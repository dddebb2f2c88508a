"""Lineage types: the cone around a root, clusters of wide fan-out, paths and registry impact."""

from __future__ import annotations

from enum import auto
from typing import Annotated

import strawberry

from cypher.ids import global_id
from schema.scalars import DateTime
from schema.types import ArtifactVersion, DictBacked, NamedEnum, PageInfo, Run, read


def lineage_node_id(raw: str, kind: str) -> strawberry.ID:
    """The global id of a run (kind RUN) or artifact version (ARTIFACT) in a lineage answer, as its node's `id`
    reads; a redacted node keeps its `redacted:N`, which means nothing outside the answer."""
    if raw.startswith("redacted:"):
        return strawberry.ID(raw)
    return strawberry.ID(global_id("Run" if kind == "RUN" else "ArtifactVersion", raw))


@strawberry.enum(
    description="UPSTREAM goes against the arrows (inputs), DOWNSTREAM with them (outputs); "
    "BOTH is the union of the two cones."
)
class LineageDirection(NamedEnum):
    UPSTREAM = auto()
    DOWNSTREAM = auto()
    BOTH = auto()


@strawberry.enum(description="USED_BY: artifact version -> run that used it. LOGGED: run -> version it logged.")
class LineageEdgeKind(NamedEnum):
    USED_BY = auto()
    LOGGED = auto()


@strawberry.enum
class LineageNodeKind(NamedEnum):
    RUN = auto()
    ARTIFACT = auto()


@strawberry.type(description="A node the caller may not see: only its kind, so the lineage keeps its shape.")
class RedactedNode(DictBacked):
    id: strawberry.ID
    kind: LineageNodeKind


LineageNode = Annotated[Run | ArtifactVersion | RedactedNode, strawberry.union("LineageNode")]


@strawberry.type(description="An edge in the direction data flowed.")
class LineageEdge:
    kind: LineageEdgeKind

    @strawberry.field(name="from", description="The id of the node the data came from (Node.id, or a redacted id).")
    def from_(self) -> strawberry.ID:
        return lineage_node_id(read(self, "from_"), "RUN" if read(self, "kind") == "LOGGED" else "ARTIFACT")

    @strawberry.field(description="The id of the node the data went to (Node.id, or a redacted id).")
    def to(self) -> strawberry.ID:
        return lineage_node_id(read(self, "to"), "ARTIFACT" if read(self, "kind") == "LOGGED" else "RUN")

    at: DateTime
    alias: str | None = strawberry.field(description="USED_BY: the alias the run asked for.")
    created: bool | None = strawberry.field(description="LOGGED: true for the run that first produced it.")


@strawberry.type(
    description="More than clusterThreshold runs of one group and job type (or of one job type, for runs without "
    "a group), versions of one collection, or nodes the caller may not see, on one side of one node, collapsed. "
    "Where the view goes on past them (below depth), only leaves cluster: a node whose lineage goes on beyond it "
    "(a run that logged something, a version something used) is drawn instead (leaves: true). At the view's "
    "depth every member clusters. Page through the members with lineageCluster(id:)."
)
class LineageCluster:
    id: strawberry.ID

    @strawberry.field(description="The id of the node the members hang off (Node.id, or a redacted id).")
    def parent(self) -> strawberry.ID:
        return lineage_node_id(read(self, "parent"), read(self, "parent_kind"))

    parent_kind: LineageNodeKind
    side: LineageDirection
    kind: LineageNodeKind
    edge_kind: LineageEdgeKind
    count: int = strawberry.field(description="How many members it holds.")
    leaves: bool = strawberry.field(
        description="True when it holds only leaves (members with no lineage beyond them on its side), because "
        "the view goes on past it; false at the view's depth, where every member clusters."
    )
    job_type: str | None = strawberry.field(description="The job type of clustered runs (null: none, or versions).")
    group: str | None = strawberry.field(description="The group of clustered runs (Run.group), e.g. a sweep id.")
    collection: str | None = strawberry.field(description="ENTITY/PROJECT/NAME of clustered versions.")
    type: str | None = strawberry.field(description="The artifact type of clustered versions.")
    description: str = strawberry.field(
        description="What it holds, in words: '300 runs of group s-42, job type train', '40 runs of job type "
        "train', '12 runs without a job type', '25 versions of acme/nlp/texts (dataset)', '6 runs you cannot see'."
    )


@strawberry.type
class Lineage:
    root: LineageNode
    nodes: list[LineageNode] = strawberry.field(description="Each node once, nearest first; the root included.")
    edges: list[LineageEdge] = strawberry.field(
        description="Every lineage edge whose two ends are both in nodes, once, however each end was reached."
    )
    clusters: list[LineageCluster]
    truncated: bool = strawberry.field(description="True when maxNodes left nodes out.")


@strawberry.type(description="A member of a lineage cluster, with the edge that ties it to the cluster's parent.")
class ClusterMemberEdge:
    cursor: str
    node: LineageNode
    edge: LineageEdge


@strawberry.type(description="One page of a lineage cluster's members (lineageCluster).")
class ClusterMemberConnection:
    edges: list[ClusterMemberEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class LineagePath:
    found: bool
    length: int = strawberry.field(description="Edges on the path.")
    nodes: list[LineageNode]
    edges: list[LineageEdge]
