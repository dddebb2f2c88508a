"""Lineage clusters: what a cluster id stands for, and one page of its members.

A cluster is the members of one group (runs of one group and job type, runs of
one job type without a group, versions of one collection, or nodes the caller
may not see) one edge away from one parent on one side. Below the view's depth
it holds only leaves, members with no lineage beyond them on that side (onward
ones are drawn, never clustered), and its id ends `|leaves`; at the depth every
member clusters.
`lineage.py` forms clusters; `lineageCluster` pages through them with the same
keyset pieces as every other listing (`paging.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cypher.access import visible
from cypher.errors import InvalidInput
from cypher.executor import Statement
from cypher.lineage import SIDES, beyond, neighbours, onward_as_of
from cypher.lineage_answer import edge_map, project_node, seen
from cypher.model import NEWEST_FIRST
from cypher.paging import (
    DEFAULT_PAGE_SIZES,
    Listing,
    cursor_entry,
    decode_cursor,
    keyset,
    order_by,
    page_request,
    page_rows,
    where,
)
from cypher.printer import Limits, Scope
from cypher.rules import Vars
from cypher.selection import Field

GROUP_HEADS = (("job", ":"), ("group", ":"), ("collection", ":"), ("hidden", ":"))
MEMBER = Vars("n", link="e")


@dataclass(frozen=True)
class ClusterId:
    """What a cluster stands for: the members of one group on one side of one parent."""

    parent_kind: str
    parent: str
    side: str
    group: str
    leaves: bool = False

    def __str__(self) -> str:
        return f"{self.parent_kind}:{self.parent}|{self.side}|{self.group}{'|leaves' if self.leaves else ''}"

    @classmethod
    def parse(cls, text: str, field: str = "id") -> ClusterId:
        try:
            head, side, group, *rest = text.split("|")
            parent_kind, parent = head.split(":", 1)
        except ValueError as exc:
            raise InvalidInput(f"{field} is not a cluster id this API issued", field=field) from exc
        if (
            parent_kind not in ("RUN", "ARTIFACT")
            or side not in SIDES
            or group.partition(":")[:2] not in GROUP_HEADS
            or rest not in ([], ["leaves"])
        ):
            raise InvalidInput(f"{field} is not a cluster id this API issued", field=field)
        return cls(parent_kind, parent, side, group, leaves=rest == ["leaves"])


def compile_cluster_page(selection: Field, caller: Mapping[str, Any], limits: Limits) -> Statement:
    """One page of a cluster's members, newest first, each with the edge that ties it to the parent.

    Members are the parent's neighbours one edge away on the cluster's side (with the arrows downstream,
    against them upstream), only the leaves there for a cluster of leaves (`|leaves`, as `lineage` forms
    them below its depth), so no cycle can arise. Only
    members the caller may see are listed and counted (a hidden group has none), so neither a cursor (the last
    member's creation time and id) nor a forged cluster id tells anything of hidden ones."""
    cluster = ClusterId.parse(str(selection.args["id"]))
    request = page_request(selection.args, limits.max_page_size, DEFAULT_PAGE_SIZES["lineageCluster"])
    sort = request.sort(NEWEST_FIRST)
    scope = Scope(caller, limits)
    label = "Run" if cluster.parent_kind == "RUN" else "ArtifactVersion"
    conditions = [_in_group(cluster.group, scope), seen("n")]
    if selection.args.get("asOf") is not None:
        as_of = scope.param(selection.args["asOf"])
        conditions.append(f"e.at <= {as_of} AND n.created_at <= {as_of}")
        if cluster.leaves:
            conditions.append(f"NOT {onward_as_of(cluster.side, 'n', as_of)}")
    elif cluster.leaves:
        conditions.append(f"NOT EXISTS {{ {beyond(cluster.side, 'n')} }}")
    conditions.append(visible(label, Vars("p")))
    pattern = f"(p:{label} {{id: {scope.param(cluster.parent)}}}){neighbours(cluster.side)}(n)"
    keyed = list(conditions)
    if request.cursor is not None:
        values = decode_cursor(request.cursor, NEWEST_FIRST, request.cursor_field)
        keyed.append(keyset(sort, MEMBER, [scope.param(v) for v in values]))
    edges = selection.child("edges")
    row = [
        cursor_entry(NEWEST_FIRST, MEMBER),
        f"node: {project_node('n', edges.child('node') if edges else None, scope)}",
        f"edge: {edge_map('e', 'a', 'b')}",
    ]
    carried = ["e", "n", "startNode(e) AS a", "endNode(e) AS b"]
    listing = Listing(pattern, keyed, carried, order_by(sort, MEMBER), scope.param(request.size + 1), row)
    total = f"COUNT {{ MATCH {pattern}{where(conditions)} }}"
    return Statement(f"RETURN {{total_count: {total}, edges: {page_rows(listing)}}} AS result", scope.params)


def _in_group(group: str, scope: Scope) -> str:
    """Members of the group: runs of one group and job type, runs of one job type without a group, versions of
    one collection; a hidden group lists none."""
    kind, key = group.split(":", 1)
    if kind == "job":
        return f"n:Run AND n.group IS NULL AND coalesce(n.job_type, '') = {scope.param(key)}"
    if kind == "group":
        name, _, job_type = key.partition("/")
        return f"n:Run AND n.group = {scope.param(name)} AND coalesce(n.job_type, '') = {scope.param(job_type)}"
    if kind == "collection":
        return f"n:ArtifactVersion AND n.collection_id = {scope.param(key)}"
    return "false"
