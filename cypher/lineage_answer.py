"""How a lineage answer shows its parts: nodes (or redacted placeholders), edges and clusters.

Every lineage question (`lineage.py`, `clusters.py`) projects through these, so
a node the caller may not see looks the same everywhere: its kind and an
opaque id, which `number_redacted` renumbers within each answer.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from cypher.access import visible
from cypher.printer import Scope, project
from cypher.rules import Vars, epoch_micros
from cypher.selection import Field

_REDACTED = re.compile(r"redacted:[^|\s]+")
_NODE_IDS = {"id", "from_", "to", "parent"}  # where node ids stand
_USER_VALUES = {"metadata", "config"}  # a user's own JSON, left as it is
_SEEN = {"Run", "ArtifactVersion"}  # a lineage node's type when the caller sees it (else RedactedNode)


def seen(node: str) -> str:
    """The caller may see this run or artifact version (both are read by their entity)."""
    return visible("Run", Vars(node))


def project_node(var: str, field: Field | None, scope: Scope) -> str:
    """A run or an artifact version, projected with the selection for its type; a node the caller may not
    see becomes a redacted placeholder that keeps only its kind."""
    on = Vars(var)
    run = project("Run", on, field.fields("Run") if field else (), scope)
    version = project("ArtifactVersion", on, field.fields("ArtifactVersion") if field else (), scope)
    return (
        f"CASE WHEN NOT {seen(var)} THEN {redacted(var)} "
        f"WHEN {var}:Run THEN {run} WHEN {var}:ArtifactVersion THEN {version} END"
    )


def redacted(var: str) -> str:
    return (
        f"{{__typename: 'RedactedNode', id: {node_id(var)}, kind: CASE WHEN {var}:Run THEN 'RUN' ELSE 'ARTIFACT' END}}"
    )


def node_id(var: str) -> str:
    """A node's id as lineage shows it: opaque for nodes the caller may not see."""
    return f"CASE WHEN {seen(var)} THEN {var}.id ELSE 'redacted:' + elementId({var}) END"


EDGE_EXTRAS = ("alias", "created")  # what a lineage edge holds besides its kind, ends and time


def edge_map(edge: str, start: str, end: str, extras: Collection[str] = EDGE_EXTRAS) -> str:
    """A lineage edge as the API shows it: its kind, its ends' ids, when, and of `extras` the alias or creation
    flag; the alias a run asked for and who first produced a version are shown only when the caller sees both
    ends."""
    both = f"{seen(start)} AND {seen(end)}"
    shown = "".join(f", {name}: CASE WHEN {both} THEN {edge}.{name} END" for name in EDGE_EXTRAS if name in extras)
    at = epoch_micros(f"{edge}.at")
    return f"{{kind: type({edge}), from_: {node_id(start)}, to: {node_id(end)}, at: {at}{shown}}}"


def selected_extras(edges: Field | None) -> tuple[str, ...]:
    """The `EDGE_EXTRAS` that edges as selected (None: not selected) show: a 500-edge answer read the unselected
    ones for 1,000 db hits."""
    names = {sub.name for sub in edges.only_type()} if edges is not None else set()
    return tuple(name for name in EDGE_EXTRAS if name in names)


def cluster_map(cluster: str, collection: str) -> str:
    """A cluster (parent, side, grp, count, leaves) as the API shows it; `collection` is the collection node of a
    group of versions (null otherwise). Members lie one edge away from the parent on one side, so they are of the other
    kind than the parent (runs around a version, versions around a run) and the parent's kind and the side say
    which edge ties them; a hidden group (`hidden:`) tells nothing more. `job:` alone is runs without a job type
    (a job type is never empty), `group:G/` runs of group G without one. `description` says it in words."""
    c = cluster
    kind_of_parent = f"CASE WHEN {c}.parent:Run THEN 'RUN' ELSE 'ARTIFACT' END"
    job_type = (
        f"CASE WHEN {c}.grp STARTS WITH 'job:' AND {c}.grp <> 'job:' THEN substring({c}.grp, 4) "
        f"WHEN {c}.grp STARTS WITH 'group:' AND NOT {c}.grp ENDS WITH '/' THEN split({c}.grp, '/')[1] END"
    )
    group = f"CASE WHEN {c}.grp STARTS WITH 'group:' THEN substring(split({c}.grp, '/')[0], 6) END"
    ref = f"{collection}.entity + '/' + {collection}.project + '/' + {collection}.name"
    description = (
        f"toString({c}.count) + CASE "
        f"WHEN {c}.grp = 'hidden:' THEN CASE WHEN {c}.parent:Run THEN ' artifact versions' ELSE ' runs' END "
        f"+ ' you cannot see' "
        f"WHEN {c}.grp STARTS WITH 'collection:' THEN ' versions of ' + {ref} + ' (' + {collection}.type + ')' "
        f"WHEN {c}.grp STARTS WITH 'group:' "
        f"THEN ' runs of group ' + {group} + coalesce(', job type ' + {job_type}, '') "
        f"WHEN {c}.grp = 'job:' THEN ' runs without a job type' "
        f"ELSE ' runs of job type ' + {job_type} END"
    )
    return (
        f"{{id: {kind_of_parent} + ':' + {node_id(f'{c}.parent')} + '|' + {c}.side + '|' + {c}.grp "
        f"+ CASE WHEN {c}.leaves THEN '|leaves' ELSE '' END, leaves: {c}.leaves, "
        f"parent: {node_id(f'{c}.parent')}, parent_kind: {kind_of_parent}, side: {c}.side, count: {c}.count, "
        f"edge_kind: CASE WHEN ({c}.parent:Run) = ({c}.side = 'UPSTREAM') THEN 'USED_BY' ELSE 'LOGGED' END, "
        f"kind: CASE WHEN {c}.parent:Run THEN 'ARTIFACT' ELSE 'RUN' END, "
        f"job_type: {job_type}, group: {group}, collection: {ref}, type: {collection}.type, "
        f"description: {description}}}"
    )


def number_redacted(answer: Any) -> Any:
    """The answer with each hidden node's id (`redacted:` + Neo4j's element id, stable and revealing) replaced
    by `redacted:N`, N counting hidden nodes in order of first mention, so ids tie nodes, edges and clusters
    together within one answer and mean nothing outside it. Only id fields are rewritten, in place: the answer
    is a statement's fresh rows, and a 500-node answer copied map by map cost a tenth of its completion.

    An answer whose `nodes` are all runs and versions the caller sees hides nothing, and is returned at once:
    every hidden id stands for one of its nodes (the root is one, an edge joins two, a cluster hangs off one).
    Walking a 500-node answer for ids that are not there cost as much as serialising its date-times."""
    nodes = answer.get("nodes") if isinstance(answer, dict) else None
    if isinstance(nodes, list) and all(type(node) is dict and node.get("__typename") in _SEEN for node in nodes):
        return answer
    numbers: dict[str, str] = {}

    def opaque(match: re.Match[str]) -> str:
        return numbers.setdefault(match.group(0), f"redacted:{len(numbers) + 1}")

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, str):
                    if key in _NODE_IDS and "redacted:" in item:
                        value[key] = _REDACTED.sub(opaque, item)
                elif key not in _USER_VALUES and isinstance(item, dict | list):
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict | list):
                    walk(item)

    walk(answer)
    return answer
