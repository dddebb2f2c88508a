"""How a lineage answer shows its parts: nodes (or redacted placeholders), edges and clusters.

Every lineage question (`lineage.py`, `clusters.py`) projects through these, so
a node the caller may not see looks the same everywhere: its kind and an
opaque id, which `number_redacted` renumbers within each answer.
"""

from __future__ import annotations

import re
from typing import Any

from cypher.access import visible
from cypher.printer import Scope, project
from cypher.rules import Vars
from cypher.selection import Field

_REDACTED = re.compile(r"redacted:[^|\s]+")
_NODE_IDS = {"id", "from_", "to", "parent"}  # where node ids stand
_USER_VALUES = {"metadata", "config"}  # a user's own JSON, left as it is


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


def edge_map(edge: str, start: str, end: str) -> str:
    """A lineage edge as the API shows it: its kind, its ends' ids, when, and the alias or creation flag; the
    alias a run asked for and who first produced a version are shown only when the caller sees both ends."""
    both = f"{seen(start)} AND {seen(end)}"
    return (
        f"{{kind: type({edge}), from_: {node_id(start)}, to: {node_id(end)}, at: {edge}.at, "
        f"alias: CASE WHEN {both} THEN {edge}.alias END, created: CASE WHEN {both} THEN {edge}.created END}}"
    )


def cluster_map() -> str:
    """A cluster `c` (parent, side, grp, count, sample: one member and its edge) as the API shows it; what a
    hidden group holds (job type, collection) stays hidden."""
    shown = seen("c.sample.n")
    kind_of_parent = "CASE WHEN c.parent:Run THEN 'RUN' ELSE 'ARTIFACT' END"
    return (
        f"{{id: {kind_of_parent} + ':' + {node_id('c.parent')} + '|' + c.side + '|' + "
        f"CASE WHEN {shown} THEN c.grp ELSE 'hidden:' END, "
        f"parent: {node_id('c.parent')}, parent_kind: {kind_of_parent}, side: c.side, count: c.count, "
        "edge_kind: type(c.sample.e), kind: CASE WHEN c.sample.n:Run THEN 'RUN' ELSE 'ARTIFACT' END, "
        f"job_type: CASE WHEN c.sample.n:Run AND {shown} THEN c.sample.n.job_type END, "
        f"collection: CASE WHEN c.sample.n:ArtifactVersion AND {shown} "
        "THEN c.sample.n.entity + '/' + c.sample.n.project + '/' + c.sample.n.name END, "
        f"type: CASE WHEN c.sample.n:ArtifactVersion AND {shown} THEN c.sample.n.type END}}"
    )


def number_redacted(answer: Any) -> Any:
    """The answer with each hidden node's id (`redacted:` + Neo4j's element id, stable and revealing) replaced
    by `redacted:N`, N counting hidden nodes in order of first mention, so ids tie nodes, edges and clusters
    together within one answer and mean nothing outside it. Only id fields are rewritten."""
    numbers: dict[str, str] = {}

    def opaque(match: re.Match[str]) -> str:
        return numbers.setdefault(match.group(0), f"redacted:{len(numbers) + 1}")

    def field(key: str, item: Any) -> Any:
        if key in _USER_VALUES:
            return item
        if key in _NODE_IDS and isinstance(item, str):
            return _REDACTED.sub(opaque, item) if "redacted:" in item else item
        return walk(item)

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: field(key, item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return walk(answer)
