"""The bounds this server refuses requests past, for clients that offer choices within them (the web page)."""

from __future__ import annotations

import strawberry

from schema.context import Info


@strawberry.type(description="Bounds this server refuses requests past; a larger argument is refused, not clipped.")
class ServerLimits:
    lineage_max_depth: int = strawberry.field(
        description="Largest `depth` of `lineage` and `impact`, and `maxDepth` of `lineagePath`."
    )
    lineage_max_nodes: int = strawberry.field(description="Largest `maxNodes` of `lineage`.")
    lineage_max_cluster_threshold: int = strawberry.field(description="Largest `clusterThreshold` of `lineage`.")
    max_page_size: int = strawberry.field(description="Largest `first` of any page of a connection or a cluster.")
    max_node_ids: int = strawberry.field(description="Most ids `nodes(ids:)` takes at once.")


@strawberry.type
class LimitsQuery:
    @strawberry.field(description="This server's bounds on lineage questions and page sizes.")
    def limits(self, info: Info) -> ServerLimits:
        limits = info.context.limits
        return ServerLimits(
            lineage_max_depth=limits.lineage_max_depth,
            lineage_max_nodes=limits.lineage_max_nodes,
            lineage_max_cluster_threshold=limits.lineage_max_cluster_threshold,
            max_page_size=limits.max_page_size,
            max_node_ids=limits.max_node_ids,
        )
