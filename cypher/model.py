"""The public graph model seen through the GraphQL types: for each type, how each field is read.

Labels, relationship types and property names live here and nowhere in the
request. `@v` is the object being projected; `RegistryVersion` is a `LINKS`
relationship, so it binds `@v` (the artifact version), `@r` (the link) and `@c`
(the registry collection).
"""

from __future__ import annotations

from collections.abc import Mapping

from cypher.rules import Expr, Many, One, Order, Page, Rule, Sort, SortKind, prop

NEWEST_FIRST = (Sort("@x.created_at", Order.DESC, SortKind.DATETIME), Sort("@x.id", Order.DESC, SortKind.STRING))
BY_NAME = (Sort("@x.name", Order.ASC, SortKind.STRING),)
EDGE_NEWEST_FIRST = (Sort("@r.at", Order.DESC, SortKind.DATETIME), Sort("@x.id", Order.DESC, SortKind.STRING))

VERSION_FULL_NAME = "@v.entity + '/' + @v.project + '/' + @v.name + ':v' + toString(@v.version)"
LIVE_VERSION = "@x.state <> 'deleted'"

RUN_FILTERS = {"state": "@x.state = @p", "jobType": "@x.job_type = @p"}
COLLECTION_FILTERS = {"type": "@x.type = @p", "namePrefix": "@x.name STARTS WITH @p"}

TYPES: Mapping[str, Mapping[str, Rule]] = {
    "Entity": {
        "name": prop("name"),
        "createdAt": prop("created_at"),
        "projects": Page("Project", "(@x:Project)-[:IN]->(@v)", BY_NAME),
        "registries": Page("Registry", "(@x:Registry)-[:IN]->(@v)", BY_NAME),
    },
    "Project": {
        "id": Expr("@v.entity + '/' + @v.name"),
        "entity": prop("entity"),
        "name": prop("name"),
        "createdAt": prop("created_at"),
        "collections": Page(
            "ArtifactCollection", "(@x:ArtifactCollection)-[:IN]->(@v)", BY_NAME, filters=COLLECTION_FILTERS
        ),
        "runs": Page("Run", "(@x:Run)-[:IN]->(@v)", NEWEST_FIRST, filters=RUN_FILTERS),
    },
    "Run": {
        "id": prop("id"),
        "runId": prop("run_id"),
        "entity": prop("entity"),
        "project": prop("project"),
        "name": prop("name"),
        "state": prop("state"),
        "jobType": prop("job_type"),
        "createdAt": prop("created_at"),
        "finishedAt": prop("finished_at"),
        "heartbeatAt": prop("heartbeat_at"),
        "config": prop("config"),
        "tags": prop("tags"),
        "notes": prop("notes"),
        "user": prop("user"),
        "inputs": Page(
            "ArtifactVersion",
            "(@x:ArtifactVersion)-[@r:USED_BY]->(@v)",
            EDGE_NEWEST_FIRST,
            edge={"at": "@r.at", "alias": "@r.alias"},
        ),
        "outputs": Page(
            "ArtifactVersion",
            "(@v)-[@r:LOGGED]->(@x:ArtifactVersion)",
            EDGE_NEWEST_FIRST,
            edge={"at": "@r.at", "created": "@r.created"},
        ),
    },
    "ArtifactCollection": {
        "id": prop("id"),
        "entity": prop("entity"),
        "project": prop("project"),
        "name": prop("name"),
        "ref": Expr("@v.entity + '/' + @v.project + '/' + @v.name"),
        "type": prop("type"),
        "description": prop("description"),
        "metadata": prop("metadata"),
        "tags": prop("tags"),
        "createdAt": prop("created_at"),
        "versions": Page(
            "ArtifactVersion",
            "(@x:ArtifactVersion)",
            (Sort("@x.version", Order.DESC, SortKind.INT),),
            where=f"@x.collection_id = @v.id AND @x.version >= 0 AND {LIVE_VERSION}",
            count="@v.live_versions",
            order_prefix="@x.collection_id DESC",
        ),
        "aliases": Many(
            "Alias",
            "(@a:Alias)-[:POINTS_TO]->(@x:ArtifactVersion)",
            where="@a.collection_id = @v.id",
            order_by="@a.name",
            binds={"a": "a", "v": "x"},
        ),
        "latest": One(
            "ArtifactVersion",
            "(:Alias {collection_id: @v.id, name: 'latest'})-[:POINTS_TO]->(@x:ArtifactVersion)",
        ),
    },
    "Alias": {
        "name": Expr("@a.name"),
        "version": Expr("@v.version"),
        "artifact": One("ArtifactVersion", binds={"v": "v"}),
    },
    "ArtifactVersion": {
        "id": prop("id"),
        "entity": prop("entity"),
        "project": prop("project"),
        "name": prop("name"),
        "type": prop("type"),
        "version": prop("version"),
        "versionName": Expr("'v' + toString(@v.version)"),
        "ref": Expr(VERSION_FULL_NAME),
        "digest": prop("digest"),
        "size": prop("size"),
        "fileCount": prop("file_count"),
        "metadata": prop("metadata"),
        "description": prop("description"),
        "tags": prop("tags"),
        "createdAt": prop("created_at"),
        "state": prop("state"),
        "deleted": Expr("@v.state = 'deleted'"),
        "aliases": Expr(
            "COLLECT { MATCH (@a:Alias)-[:POINTS_TO]->(@v) WHERE @a.collection_id = @v.collection_id "
            "RETURN @a.name ORDER BY @a.name }"
        ),
        "files": Expr(
            "[@i IN range(0, size(@v.file_paths) - 1) | "
            "{path: @v.file_paths[@i], digest: @v.file_digests[@i], size: @v.file_sizes[@i]}]"
        ),
        "collection": One("ArtifactCollection", "(@v)-[:VERSION_OF]->(@x:ArtifactCollection)"),
        "createdBy": One("Run", "(@x:Run)-[:LOGGED {created: true}]->(@v)"),
        "loggedBy": Page(
            "Run",
            "(@x:Run)-[@r:LOGGED]->(@v)",
            EDGE_NEWEST_FIRST,
            edge={"at": "@r.at", "created": "@r.created"},
        ),
        "usedBy": Page(
            "Run",
            "(@v)-[@r:USED_BY]->(@x:Run)",
            EDGE_NEWEST_FIRST,
            edge={"at": "@r.at", "alias": "@r.alias"},
        ),
        "links": Many(
            "RegistryVersion",
            "(@c:RegistryCollection)-[@r:LINKS]->(@v)",
            order_by="@r.linked_at",
            binds={"v": "v", "r": "r", "c": "c"},
        ),
    },
    "Registry": {
        "id": prop("id"),
        "entity": prop("entity"),
        "name": prop("name"),
        "description": prop("description"),
        "createdAt": prop("created_at"),
        "collections": Page(
            "RegistryCollection",
            "(@x:RegistryCollection)-[:IN]->(@v)",
            BY_NAME,
            filters={"namePrefix": "@x.name STARTS WITH @p"},
        ),
    },
    "RegistryCollection": {
        "id": prop("id"),
        "entity": prop("entity"),
        "registry": prop("registry"),
        "name": prop("name"),
        "ref": Expr("@v.entity + '/registry-' + @v.registry + '/' + @v.name"),
        "type": prop("type"),
        "description": prop("description"),
        "metadata": prop("metadata"),
        "tags": prop("tags"),
        "createdAt": prop("created_at"),
        "versions": Page(
            "RegistryVersion",
            "(@v)-[@r:LINKS]->(@x:ArtifactVersion)",
            (Sort("@r.version", Order.DESC, SortKind.INT),),
            binds={"v": "x", "r": "r", "c": "v"},
        ),
        "aliases": Many(
            "RegistryAlias",
            "(@a:Alias)-[:POINTS_TO]->(@x:ArtifactVersion)<-[@r:LINKS]-(@v)",
            where="@a.collection_id = @v.id",
            order_by="@a.name",
            binds={"a": "a", "v": "x", "r": "r", "c": "v"},
        ),
    },
    "RegistryAlias": {
        "name": Expr("@a.name"),
        "version": Expr("@r.version"),
        "entry": One("RegistryVersion", binds={"v": "v", "r": "r", "c": "c"}),
    },
    "RegistryVersion": {
        "version": Expr("@r.version"),
        "versionName": Expr("'v' + toString(@r.version)"),
        "ref": Expr("@c.entity + '/registry-' + @c.registry + '/' + @c.name + ':v' + toString(@r.version)"),
        "linkedAt": Expr("@r.linked_at"),
        "linkedBy": Expr("@r.linked_by"),
        "aliases": Expr(
            "COLLECT { MATCH (@a:Alias)-[:POINTS_TO]->(@v) WHERE @a.collection_id = @c.id "
            "RETURN @a.name ORDER BY @a.name }"
        ),
        "artifact": One("ArtifactVersion", binds={"v": "v"}),
        "collection": One("RegistryCollection", binds={"v": "c"}),
    },
}
