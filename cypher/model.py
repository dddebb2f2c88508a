"""The public graph model seen through the GraphQL types: for each type, how each field is read.

Labels, relationship types and property names live here and nowhere in the
request. Each rule takes the variables of the object being read (`Vars`):
`v.node` is its node; a `RegistryVersion` is a `LINKS` relationship, read
through `v.node` (the artifact version), `v.link` (the link) and `v.collection`
(the registry collection); aliases add `v.alias`. `rules.py` says what each
kind of rule means and `printer.py` writes them.
"""

from __future__ import annotations

from collections.abc import Mapping

from cypher.rules import (
    Expr,
    Finder,
    Found,
    Fresh,
    Many,
    One,
    Order,
    Page,
    Rule,
    Sort,
    SortKind,
    Vars,
    View,
    epoch_micros,
    equals,
    holds_any,
    instant,
    link_instant,
    link_prop,
    prop,
    starts_with,
)

NEWEST_FIRST = (Sort("created_at", Order.DESC, SortKind.DATETIME), Sort("id", Order.DESC, SortKind.STRING))
BY_NAME = (Sort("name", Order.ASC, SortKind.STRING),)
EDGE_NEWEST_FIRST = (Sort("at", Order.DESC, SortKind.DATETIME, on_link=True), Sort("id", Order.DESC, SortKind.STRING))

RUN_FILTERS = {
    "state": equals("state"),
    "jobType": equals("job_type"),
    "group": equals("group"),
    "tags": holds_any("tags"),
}
COLLECTION_FILTERS = {"type": equals("type"), "namePrefix": starts_with("name")}
EDGE_FIELDS = {
    "USED_BY": {"at": link_instant("at"), "alias": link_prop("alias")},
    "LOGGED": {"at": link_instant("at"), "created": link_prop("created")},
}


def version_ref(v: Vars) -> str:
    return f"{v.node}.entity + '/' + {v.node}.project + '/' + {v.node}.name + ':v' + toString({v.node}.version)"


def _project_key(v: Vars, _: Fresh) -> str:
    return f"{v.node}.entity + '/' + {v.node}.name"


def _alias_key(v: Vars, _: Fresh) -> str:
    return f"{v.alias}.collection_id + '/' + {v.alias}.name"


def in_parent(label: str) -> Finder:
    """The `label` nodes `IN` the parent: projects of an entity, runs of a project, ..."""

    def find(parent: Vars, fresh: Fresh) -> Found:
        x = fresh("x")
        return Found(f"({x}:{label})-[:IN]->({parent.node})", Vars(x))

    return find


def edge_page(item: str, relationship: str, item_first: bool) -> Page:
    """The runs or versions at the other end of the parent's lineage edges of one kind, newest edge first.

    `item_first`: the edges point from the item to the parent (a run's inputs, a version's producers)."""

    def find(parent: Vars, fresh: Fresh) -> Found:
        if item_first:
            x, r = fresh("x"), fresh("r")
            return Found(f"({x}:{item})-[{r}:{relationship}]->({parent.node})", Vars(x, link=r))
        r, x = fresh("r"), fresh("x")
        return Found(f"({parent.node})-[{r}:{relationship}]->({x}:{item})", Vars(x, link=r))

    return Page(item, find, EDGE_NEWEST_FIRST, edge=EDGE_FIELDS[relationship])


def _live_versions(collection: Vars, fresh: Fresh) -> Found:
    x = fresh("x")
    c = collection.node
    return Found(
        f"({x}:ArtifactVersion)", Vars(x), f"{x}.collection_id = {c}.id AND {x}.version >= 0 AND {x}.state <> 'deleted'"
    )


def _collection_aliases(collection: Vars, fresh: Fresh) -> Found:
    a, x = fresh("a"), fresh("x")
    return Found(
        f"({a}:Alias)-[:POINTS_TO]->({x}:ArtifactVersion)",
        Vars(x, alias=a),
        f"{a}.collection_id = {collection.node}.id",
    )


def _latest(collection: Vars, fresh: Fresh) -> Found:
    x = fresh("x")
    return Found(
        f"(:Alias {{collection_id: {collection.node}.id, name: 'latest'}})-[:POINTS_TO]->({x}:ArtifactVersion)", Vars(x)
    )


def _alias_names(version: str, collection: str, fresh: Fresh) -> str:
    """The names of the aliases of `collection` (an expression for its id) that point at `version`."""
    a = fresh("a")
    return (
        f"COLLECT {{ MATCH ({a}:Alias)-[:POINTS_TO]->({version}) WHERE {a}.collection_id = {collection} "
        f"RETURN {a}.name ORDER BY {a}.name }}"
    )


def _files(v: Vars, fresh: Fresh) -> str:
    """The stored files in path order, then the references (files left at their URIs) in path order."""
    i, j, n = fresh("i"), fresh("j"), v.node
    return (
        f"[{i} IN range(0, size({n}.file_paths) - 1) | "
        f"{{path: {n}.file_paths[{i}], digest: {n}.file_digests[{i}], size: {n}.file_sizes[{i}], ref: null}}] + "
        f"[{j} IN range(0, size(coalesce({n}.ref_paths, [])) - 1) | "
        f"{{path: {n}.ref_paths[{j}], digest: {n}.ref_digests[{j}], size: {n}.ref_sizes[{j}], ref: {n}.ref_uris[{j}]}}]"
    )


def _collection_of(version: Vars, fresh: Fresh) -> Found:
    x = fresh("x")
    return Found(f"({version.node})-[:VERSION_OF]->({x}:ArtifactCollection)", Vars(x))


def _producer(version: Vars, fresh: Fresh) -> Found:
    x = fresh("x")
    return Found(f"({x}:Run)-[:LOGGED {{created: true}}]->({version.node})", Vars(x))


def _links(version: Vars, fresh: Fresh) -> Found:
    c, r = fresh("c"), fresh("r")
    return Found(f"({c}:RegistryCollection)-[{r}:LINKS]->({version.node})", Vars(version.node, link=r, collection=c))


def _registry_entries(collection: Vars, fresh: Fresh) -> Found:
    r, x = fresh("r"), fresh("x")
    c = collection.node
    return Found(f"({c})-[{r}:LINKS]->({x}:ArtifactVersion)", Vars(x, link=r, collection=c))


def _registry_aliases(collection: Vars, fresh: Fresh) -> Found:
    a, x, r = fresh("a"), fresh("x"), fresh("r")
    c = collection.node
    return Found(
        f"({a}:Alias)-[:POINTS_TO]->({x}:ArtifactVersion)<-[{r}:LINKS]-({c})",
        Vars(x, link=r, collection=c, alias=a),
        f"{a}.collection_id = {c}.id",
    )


def _registry_version_ref(v: Vars, _: Fresh) -> str:
    c = v.collection
    return f"{c}.entity + '/registry-' + {c}.registry + '/' + {c}.name + ':v' + toString({v.link}.version)"


DESCRIBED_COLLECTION = {
    "type": prop("type"),
    "description": prop("description"),
    "metadata": prop("metadata"),
    "tags": prop("tags"),
    "createdAt": instant("created_at"),
}
"""What an artifact collection and a registry collection both carry."""

TYPES: Mapping[str, Mapping[str, Rule]] = {
    "Entity": {
        "id": prop("name"),
        "name": prop("name"),
        "createdAt": instant("created_at"),
        "projects": Page("Project", in_parent("Project"), BY_NAME),
        "registries": Page("Registry", in_parent("Registry"), BY_NAME),
    },
    "Project": {
        "id": Expr(_project_key),
        "legacyId": Expr(_project_key),
        "entity": prop("entity"),
        "name": prop("name"),
        "createdAt": instant("created_at"),
        "collections": Page("ArtifactCollection", in_parent("ArtifactCollection"), BY_NAME, filters=COLLECTION_FILTERS),
        "runs": Page("Run", in_parent("Run"), NEWEST_FIRST, filters=RUN_FILTERS),
    },
    "Run": {
        "id": prop("id"),
        "legacyId": prop("id"),
        "ref": prop("id"),
        "runId": prop("run_id"),
        "entity": prop("entity"),
        "project": prop("project"),
        "name": prop("name"),
        "state": prop("state"),
        "jobType": prop("job_type"),
        "group": prop("group"),
        "createdAt": instant("created_at"),
        "finishedAt": instant("finished_at"),
        "heartbeatAt": instant("heartbeat_at"),
        "config": prop("config"),
        "summary": prop("summary"),
        "lastStep": prop("last_step"),
        "tags": prop("tags"),
        "notes": prop("notes"),
        "user": prop("user"),
        "inputs": edge_page("ArtifactVersion", "USED_BY", item_first=True),
        "outputs": edge_page("ArtifactVersion", "LOGGED", item_first=False),
    },
    "ArtifactCollection": {
        "id": prop("id"),
        "legacyId": prop("id"),
        "entity": prop("entity"),
        "project": prop("project"),
        "name": prop("name"),
        "ref": Expr(lambda v, _: f"{v.node}.entity + '/' + {v.node}.project + '/' + {v.node}.name"),
        **DESCRIBED_COLLECTION,
        "versions": Page(
            "ArtifactVersion",
            _live_versions,
            (Sort("version", Order.DESC, SortKind.INT),),
            count=lambda collection: f"{collection.node}.live_versions",
            order_prefix=lambda item: f"{item.node}.collection_id",
        ),
        "aliases": Many("Alias", _collection_aliases, order_by=lambda item: f"{item.alias}.name"),
        "latest": One("ArtifactVersion", _latest),
    },
    "Alias": {
        "id": Expr(_alias_key),
        "name": Expr(lambda v, _: f"{v.alias}.name"),
        "version": Expr(lambda v, _: f"{v.node}.version"),
        "artifact": View("ArtifactVersion", lambda alias: Vars(alias.node)),
    },
    "ArtifactVersion": {
        "id": prop("id"),
        "legacyId": prop("id"),
        "entity": prop("entity"),
        "project": prop("project"),
        "name": prop("name"),
        "type": prop("type"),
        "version": prop("version"),
        "versionName": Expr(lambda v, _: f"'v' + toString({v.node}.version)"),
        "ref": Expr(lambda v, _: version_ref(v)),
        "digest": prop("digest"),
        "size": prop("size"),
        "fileCount": prop("file_count"),
        "metadata": prop("metadata"),
        "description": prop("description"),
        "tags": prop("tags"),
        "createdAt": instant("created_at"),
        "state": prop("state"),
        "deleted": Expr(lambda v, _: f"{v.node}.state = 'deleted'"),
        "aliases": Expr(lambda v, fresh: _alias_names(v.node, f"{v.node}.collection_id", fresh)),
        "files": Expr(_files),
        "collection": One("ArtifactCollection", _collection_of),
        "createdBy": One("Run", _producer),
        "loggedBy": edge_page("Run", "LOGGED", item_first=True),
        "usedBy": edge_page("Run", "USED_BY", item_first=False),
        "links": Many("RegistryVersion", _links, order_by=lambda item: f"{item.link}.linked_at"),
    },
    "Registry": {
        "id": prop("id"),
        "legacyId": prop("id"),
        "entity": prop("entity"),
        "name": prop("name"),
        "description": prop("description"),
        "createdAt": instant("created_at"),
        "collections": Page(
            "RegistryCollection", in_parent("RegistryCollection"), BY_NAME, filters={"namePrefix": starts_with("name")}
        ),
    },
    "RegistryCollection": {
        "id": prop("id"),
        "legacyId": prop("id"),
        "entity": prop("entity"),
        "registry": prop("registry"),
        "name": prop("name"),
        "ref": Expr(lambda v, _: f"{v.node}.entity + '/registry-' + {v.node}.registry + '/' + {v.node}.name"),
        **DESCRIBED_COLLECTION,
        "versions": Page(
            "RegistryVersion", _registry_entries, (Sort("version", Order.DESC, SortKind.INT, on_link=True),)
        ),
        "aliases": Many("RegistryAlias", _registry_aliases, order_by=lambda item: f"{item.alias}.name"),
    },
    "RegistryAlias": {
        "id": Expr(_alias_key),
        "name": Expr(lambda v, _: f"{v.alias}.name"),
        "version": Expr(lambda v, _: f"{v.link}.version"),
        "entry": View("RegistryVersion", lambda alias: Vars(alias.node, link=alias.link, collection=alias.collection)),
    },
    "RegistryVersion": {
        "id": Expr(lambda v, _: f"{v.collection}.id + '/' + {v.node}.id"),
        "version": Expr(lambda v, _: f"{v.link}.version"),
        "versionName": Expr(lambda v, _: f"'v' + toString({v.link}.version)"),
        "ref": Expr(_registry_version_ref),
        "linkedAt": Expr(lambda v, _: epoch_micros(f"{v.link}.linked_at")),
        "linkedBy": Expr(lambda v, _: f"{v.link}.linked_by"),
        "aliases": Expr(lambda v, fresh: _alias_names(v.node, f"{v.collection}.id", fresh)),
        "artifact": View("ArtifactVersion", lambda entry: Vars(entry.node)),
        "collection": View("RegistryCollection", lambda entry: Vars(entry.collection)),
    },
}
