"""Root query fields compiled to one statement each: find the root object, project the selection."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cypher.access import visible
from cypher.errors import InvalidInput
from cypher.executor import Statement
from cypher.ids import run_key
from cypher.model import BY_NAME, COLLECTION_FILTERS, NEWEST_FIRST, RUN_FILTERS
from cypher.printer import Limits, Scope, project, render_page
from cypher.refs import ArtifactRef, CollectionRef, parse_artifact_ref, parse_collection_ref
from cypher.rules import NO_PARENT, Finder, Found, Fresh, Page, Vars, equals
from cypher.selection import Field

ROOT = Vars("x")


@dataclass(frozen=True)
class Root:
    """Where a root object is found: a MATCH binding its variables (`x` by default) and its GraphQL type."""

    match: str
    type: str
    bound: Vars = ROOT
    params: Mapping[str, Any] = field(default_factory=dict)


def compile_read(selection: Field, caller: Mapping[str, Any], limits: Limits | None = None) -> Statement:
    """One statement for one root query field; the row `result` holds the whole answer. Reads of one text may be
    sent to Neo4j together (`batchable`)."""
    scope = Scope(caller, limits or Limits())
    if selection.name in ROOT_PAGES:
        body = render_page(ROOT_PAGES[selection.name], selection, NO_PARENT, scope)
        return Statement(f"RETURN {body} AS result", scope.params, batchable=True)
    return compile_root(ROOT_OBJECTS[selection.name](selection.args, scope), selection, scope)


def compile_root(root: Root, selection: Field, scope: Scope) -> Statement:
    """The root's MATCH (which keeps to what the caller may see), then the selection as the column `result`."""
    scope.params.update(root.params)
    body = project(root.type, root.bound, selection.fields(root.type), scope)
    return Statement(f"{root.match} RETURN {body} AS result", scope.params, batchable=True)


def file_readable(digest: str, caller: Mapping[str, Any]) -> Statement:
    """One row when some artifact version the caller may see holds this content; else none."""
    scope = Scope(caller)
    return Statement(
        f"MATCH (:File {{digest: {scope.param(digest)}}})<-[:CONTAINS]-(x:ArtifactVersion) "
        f"WHERE {visible('ArtifactVersion', ROOT)} RETURN x.id AS id LIMIT 1",
        scope.params,
    )


def possessed_files(digests: list[str], caller: Mapping[str, Any]) -> Statement:
    """The digests among `digests` the caller has shown they hold: uploaded by them, or in an artifact version
    they may see. Knowing a digest proves nothing."""
    scope = Scope(caller)
    seen = visible("ArtifactVersion", ROOT)
    return Statement(
        f"UNWIND {scope.param(digests)} AS digest MATCH (f:File {{digest: digest}}) "
        "WHERE EXISTS { (f)-[:UPLOADED_BY]->(:User {name: $caller.user}) } "
        f"OR EXISTS {{ (f)<-[:CONTAINS]-(x:ArtifactVersion) WHERE {seen} }} RETURN f.digest AS digest",
        scope.params,
    )


def match_collection(ref: CollectionRef, scope: Scope, var: str) -> str:
    """MATCH binding `var` to a project's artifact collection or a registry collection the caller may see."""
    if ref.registry is not None:
        return (
            f"MATCH ({var}:RegistryCollection {{entity: {scope.param(ref.entity)}, "
            f"registry: {scope.param(ref.registry)}, name: {scope.param(ref.name)}}}) "
            f"WHERE {visible('RegistryCollection', Vars(var))}"
        )
    return (
        f"MATCH ({var}:ArtifactCollection {{entity: {scope.param(ref.entity)}, "
        f"project: {scope.param(ref.project)}, name: {scope.param(ref.name)}}}) "
        f"WHERE {visible('ArtifactCollection', Vars(var))}"
    )


def match_version(ref: ArtifactRef, scope: Scope, var: str = "x", collection: str | None = None) -> str:
    """MATCH binding `var` to the artifact version a reference names (number or alias, project or registry),
    and `collection` (a fresh name unless given) to its project or registry collection."""
    collection = collection or scope.var("c")
    clause = match_collection(ref.collection, scope, collection)
    if ref.version is not None and ref.collection.registry is not None:
        link = f"[:LINKS {{version: {scope.param(ref.version)}}}]"
        found = f"MATCH ({collection})-{link}->({var}:ArtifactVersion)"
    elif ref.version is not None:
        found = f"MATCH ({var}:ArtifactVersion {{collection_id: {collection}.id, version: {scope.param(ref.version)}}})"
    else:
        found = (
            f"MATCH (:Alias {{collection_id: {collection}.id, name: {scope.param(ref.alias)}}})"
            f"-[:POINTS_TO]->({var}:ArtifactVersion)"
        )
    return f"{clause} {found} WHERE {visible('ArtifactVersion', Vars(var))}"


def visible_root(match: str, type_name: str) -> Root:
    """A root found by `match` (binding `x`), kept only when the caller may see it."""
    return Root(f"{match} WHERE {visible(type_name, ROOT)}", type_name)


def _entity(args: Mapping[str, Any], scope: Scope) -> Root:
    return visible_root(f"MATCH (x:Entity {{name: {scope.param(args['name'])}}})", "Entity")


def _project(args: Mapping[str, Any], scope: Scope) -> Root:
    return visible_root(
        f"MATCH (x:Project {{entity: {scope.param(args['entity'])}, name: {scope.param(args['name'])}}})", "Project"
    )


def _artifact(args: Mapping[str, Any], scope: Scope) -> Root:
    return Root(match_version(parse_artifact_ref(args["ref"]), scope), "ArtifactVersion")


def _artifact_collection(args: Mapping[str, Any], scope: Scope) -> Root:
    ref = parse_collection_ref(args["ref"])
    if ref.registry is not None:
        raise InvalidInput("ref names a registry collection; ask registryCollection(ref:) for it", field="ref")
    return Root(match_collection(ref, scope, "x"), "ArtifactCollection")


def _registry_collection(args: Mapping[str, Any], scope: Scope) -> Root:
    ref = parse_collection_ref(args["ref"])
    if ref.registry is None:
        raise InvalidInput("ref must name a registry collection: ENTITY/registry-REGISTRY/NAME", field="ref")
    return Root(match_collection(ref, scope, "x"), "RegistryCollection")


def _run(args: Mapping[str, Any], scope: Scope) -> Root:
    return visible_root(f"MATCH (x:Run {{id: {scope.param(run_key(args['id']))}}})", "Run")


def _registry(args: Mapping[str, Any], scope: Scope) -> Root:
    return visible_root(
        f"MATCH (x:Registry {{entity: {scope.param(args['entity'])}, name: {scope.param(args['name'])}}})", "Registry"
    )


ROOT_OBJECTS: Mapping[str, Callable[[Mapping[str, Any], Scope], Root]] = {
    "entity": _entity,
    "project": _project,
    "artifact": _artifact,
    "artifactCollection": _artifact_collection,
    "registryCollection": _registry_collection,
    "run": _run,
    "registry": _registry,
}


def every(label: str) -> Finder:
    """All nodes of `label` (a root listing; its filters and the visibility rule narrow it)."""

    def find(_: Vars, fresh: Fresh) -> Found:
        x = fresh("x")
        return Found(f"({x}:{label})", Vars(x))

    return find


IN_PROJECT = {"entity": equals("entity"), "project": equals("project")}

ROOT_PAGES: Mapping[str, Page] = {
    "entities": Page("Entity", every("Entity"), BY_NAME),
    "runs": Page("Run", every("Run"), NEWEST_FIRST, filters={**IN_PROJECT, **RUN_FILTERS}),
    "collections": Page(
        "ArtifactCollection", every("ArtifactCollection"), BY_NAME, filters={**IN_PROJECT, **COLLECTION_FILTERS}
    ),
    "registries": Page("Registry", every("Registry"), BY_NAME, filters={"entity": equals("entity")}),
}
