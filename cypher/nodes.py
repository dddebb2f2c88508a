"""Refetching objects by global id (`node`, `nodes`): one statement, each object found from its key and kept
only when the caller may see it, so an id that names nothing and one the caller may not see look alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cypher.access import visible
from cypher.errors import InvalidInput
from cypher.executor import Statement
from cypher.ids import parse_global_id
from cypher.printer import Limits, Scope, project
from cypher.rules import Vars
from cypher.selection import Field

FOUND = Vars("x")
REGISTRY_ENTRY = Vars("x", link="r", collection="c")


@dataclass(frozen=True)
class NodeFinder:
    """MATCH text finding one object from `key` (its key parts, a list), binding `bound`; kept when the caller
    may see it as `visible_as` (its own type unless given)."""

    match: Callable[[str], str]
    bound: Vars = FOUND
    visible_as: str = ""


def _by(label: str, prop: str) -> NodeFinder:
    return NodeFinder(lambda key: f"(x:{label} {{{prop}: {key}[0]}})")


NODE_FINDERS: Mapping[str, NodeFinder] = {
    "Entity": _by("Entity", "name"),
    "Project": NodeFinder(lambda key: f"(x:Project {{entity: {key}[0], name: {key}[1]}})"),
    "Run": _by("Run", "id"),
    "ArtifactCollection": _by("ArtifactCollection", "id"),
    "ArtifactVersion": _by("ArtifactVersion", "id"),
    "Registry": _by("Registry", "id"),
    "RegistryCollection": _by("RegistryCollection", "id"),
    "RegistryVersion": NodeFinder(
        lambda key: f"(c:RegistryCollection {{id: {key}[0]}})-[r:LINKS]->(x:ArtifactVersion {{id: {key}[1]}})",
        REGISTRY_ENTRY,
    ),
    "Alias": NodeFinder(
        lambda key: (
            f"(a:Alias {{collection_id: {key}[0], name: {key}[1]}})"
            f"-[:POINTS_TO]->(x:ArtifactVersion {{collection_id: {key}[0]}})"
        ),
        Vars("x", alias="a"),
    ),
    "RegistryAlias": NodeFinder(
        lambda key: (
            f"(a:Alias {{collection_id: {key}[0], name: {key}[1]}})-[:POINTS_TO]->(x:ArtifactVersion)"
            f"<-[r:LINKS]-(c:RegistryCollection {{id: {key}[0]}})"
        ),
        Vars("x", link="r", collection="c", alias="a"),
        visible_as="RegistryVersion",  # the collection's entity too: no parent checked it
    ),
}
"""Where each type with a global id (`ids.KEY_PARTS`) is found from its key parts."""


def requested_ids(args: Mapping[str, Any]) -> list[tuple[str, tuple[str, ...]]]:
    """The (type, key) each requested id names, in request order: `id` (node) or `ids` (nodes)."""
    if "ids" not in args:
        type_name, key = parse_global_id(str(args["id"]), "id")
        return [(type_name, tuple(key))]
    ids: Sequence[Any] = args["ids"]
    found = []
    for index, text in enumerate(ids):
        type_name, key = parse_global_id(str(text), f"ids[{index}]")
        found.append((type_name, tuple(key)))
    return found


def compile_nodes(selection: Field, caller: Mapping[str, Any], limits: Limits) -> Statement:
    """One statement for `node(id:)` or `nodes(ids:)`: the column `result` maps each requested type to the
    list of `[key, object]` pairs found among the visible objects of that type. Which object stands where
    (null for none) is `arrange_nodes`."""
    ids = selection.args.get("ids", ())
    if len(ids) > limits.max_node_ids:
        raise InvalidInput(
            f"ids: at most {limits.max_node_ids} ids at once (the server's limit); got {len(ids)}",
            field="ids",
            limit=limits.max_node_ids,
        )
    scope = Scope(caller, limits)
    keys: dict[str, list[list[str]]] = {}
    for type_name, key in requested_ids(selection.args):
        if list(key) not in keys.setdefault(type_name, []):
            keys[type_name].append(list(key))
    entries = []
    for type_name, type_keys in keys.items():
        finder = NODE_FINDERS[type_name]
        body = project(type_name, finder.bound, selection.fields(type_name), scope)
        entries.append(
            f"`{type_name}`: COLLECT {{ UNWIND {scope.param(type_keys)} AS key MATCH {finder.match('key')} "
            f"WHERE {visible(finder.visible_as or type_name, finder.bound)} RETURN [key, {body}] }}"
        )
    return Statement(f"RETURN {{{', '.join(entries)}}} AS result", scope.params)


def arrange_nodes(result: Mapping[str, Any], args: Mapping[str, Any]) -> list[Any]:
    """The found objects in request order, null where an id names nothing the caller may see."""
    found = {(type_name, tuple(key)): value for type_name, pairs in result.items() for key, value in pairs}
    return [found.get(requested) for requested in requested_ids(args)]
