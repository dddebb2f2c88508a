"""A project's history as a bundle, and that history rebuilt from one on any server.

A bundle (the format is in the README: camelCase JSON, times as ISO 8601) holds a project's runs with their
history, its collections with every version (deleted ones too), manifest and alias, the lineage edges of its
runs with their times, and the links of its versions into its entity's registries, with their numbers and
aliases. The file contents travel beside it, content-addressed (`stemma export` packs both in one tar).

Importing writes through the one write path (batch.py: runs, versions, LOGGED and USED_BY edges with their
lineage counts and onward marks, aliases, links), then gives what this import created the times, users, states
and numbers the bundle holds, in one transaction: all or nothing. Version numbers come out as they were because
each collection's content is logged in version order; a collection that already holds other content would
number it differently, and is refused (CONFLICT) rather than renumbered. What is already there (a repeated
import) is kept as it is, so importing twice changes nothing.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cypher.access import visible
from cypher.batch import LogInput, RunInput, _Group, _mark_onward, _record_logs, write_runs
from cypher.errors import Conflict, InvalidInput, NotFound
from cypher.executor import Executor, Statement
from cypher.named import named
from cypher.refs import LATEST, ArtifactRef, CollectionRef
from cypher.rules import Vars
from cypher.writes import Writer

FORMAT = "stemma-bundle"
_VISIBLE = re.compile(r"\[visible (\w+) (\w+)\]")
FORMAT_VERSION = 1
ONWARD_BATCH = 100


@dataclass(frozen=True)
class HistoryChunk:
    first_step: int
    last_step: int
    rows: list[dict[str, Any]]
    at: str


@dataclass(frozen=True)
class BundleRun:
    """A run (its RunInput names the importing entity) and what only an import may set."""

    run: RunInput
    user: str | None
    created_at: str
    finished_at: str | None
    heartbeat_at: str | None
    summary: Mapping[str, Any] | None
    history: Sequence[HistoryChunk]


@dataclass(frozen=True)
class BundleVersion:
    number: int
    log: LogInput  # name, type, manifest, metadata, description, aliases
    tags: Sequence[str]
    deleted: bool
    created_at: str
    deleted_at: str | None
    where: str


@dataclass(frozen=True)
class BundleCollection:
    name: str
    type: str
    description: str | None
    metadata: Mapping[str, Any] | None
    tags: Sequence[str]
    created_at: str
    versions: Sequence[BundleVersion]
    where: str


@dataclass(frozen=True)
class BundleEdge:
    """`used` (version -> run) or `logged` (run -> version): `run` is the run's full id, `version` the version's
    reference with the importing entity in place of the exporting one."""

    kind: str
    run: str
    version: ArtifactRef
    at: str
    alias: str | None
    created: bool
    where: str


@dataclass(frozen=True)
class BundleLink:
    ref: ArtifactRef  # the linked version, by number, with the importing entity in place of the exporting one
    number: int
    linked_at: str
    linked_by: str | None
    aliases: Sequence[str]
    where: str


@dataclass(frozen=True)
class BundleRegistryCollection:
    registry: str
    registry_description: str | None
    name: str
    type: str | None
    description: str | None
    tags: Sequence[str]
    created_at: str
    next_version: int
    links: Sequence[BundleLink]
    where: str


@dataclass(frozen=True)
class Bundle:
    """A checked bundle, addressed to the entity it is imported into."""

    entity: str
    project: str | None  # None: a registry's bundle (its links name versions of the entity's projects)
    runs: Sequence[BundleRun]
    collections: Sequence[BundleCollection]
    edges: Sequence[BundleEdge]
    registries: Sequence[BundleRegistryCollection]


@dataclass
class ImportCounts:
    runs: int = 0
    versions: int = 0
    edges: int = 0
    links: int = 0
    kept: dict[str, int] = field(default_factory=dict)  # what was already there, by kind


async def export_project(executor: Executor, caller: Mapping[str, Any], entity: str, project: str) -> dict[str, Any]:
    """The bundle of a project the caller may read (NOT_FOUND otherwise), without the file contents."""
    text = _with_visibility("export_project")
    rows = await executor.read(Statement(text, {"caller": caller, "entity": entity, "project": project}))
    if not rows:
        raise NotFound(f"no project {entity}/{project}", field="project")
    row = _plain(rows[0])
    collections = [_collection_out(c) for c in row["collections"]]
    files = sorted({f["digest"] for c in collections for v in c["versions"] for f in v["files"] if "ref" not in f})
    return _bundle(
        entity,
        project=project,
        runs=[_run_out(run) for run in row["runs"]],
        collections=collections,
        edges=[_edge_out(edge) for edge in row["edges"]],
        hidden=row["hidden_edges"],
        registries=[_registry_out(registry, project) for registry in row["registries"]],
        files=files,
    )


async def export_registry(executor: Executor, caller: Mapping[str, Any], entity: str, registry: str) -> dict[str, Any]:
    """The bundle of a registry the caller may see (NOT_FOUND otherwise): its collections and their links, each
    naming its version by reference (import the versions' projects first)."""
    text = _with_visibility("export_registry")
    rows = await executor.read(Statement(text, {"caller": caller, "entity": entity, "registry": registry}))
    if not rows:
        raise NotFound(f"no registry {entity}/{registry}", field="project")
    row = _plain(rows[0])
    registries = [_registry_out(collection, None) for collection in row["registries"]]
    return _bundle(entity, registry=registry, hidden=row["hidden_links"], registries=registries)


def _bundle(
    entity: str,
    *,
    project: str | None = None,
    registry: str | None = None,
    runs: list[Any] | None = None,
    collections: list[Any] | None = None,
    edges: list[Any] | None = None,
    hidden: int = 0,
    registries: list[Any] | None = None,
    files: list[str] | None = None,
) -> dict[str, Any]:
    """A bundle's JSON: a project's, or a registry's (`registry` named, holding only `registries`)."""
    head = {"format": FORMAT, "formatVersion": FORMAT_VERSION, "entity": entity, "project": project}
    return {
        **head,
        **({"registry": registry} if registry is not None else {}),
        "runs": runs or [],
        "collections": collections or [],
        "edges": edges or [],
        "hiddenEdges": hidden,
        "registries": registries or [],
        "files": files or [],
    }


def _with_visibility(statement: str) -> str:
    """The named statement with each `[visible TYPE VAR]` written as the visibility rule for VAR of TYPE."""
    return _VISIBLE.sub(lambda found: visible(found.group(1), Vars(found.group(2))), named(statement))


async def import_bundle(writer: Writer, bundle: Bundle) -> ImportCounts:
    """Rebuild the bundle's project in `bundle.entity` (needs the admin role there: an import writes history,
    times and users as they were)."""
    writer.who.require(bundle.entity, "admin", "entity")
    counts = ImportCounts()
    [before] = await writer.run(
        "import_existing",
        entity=bundle.entity,
        project=bundle.project,
        run_ids=[run.run.id for run in bundle.runs],
        collections=[collection.name for collection in bundle.collections],
        registries=[[r.registry, r.name] for r in bundle.registries],
    )
    if bundle.project is not None:
        await write_runs(writer, [run.run for run in bundle.runs], projects=[(bundle.entity, bundle.project)])
    new_runs = [run for run in bundle.runs if run.run.id not in set(before["runs"])]
    await writer.run("import_runs", runs=[_run_row(run) for run in new_runs])
    counts.runs = len(new_runs)
    ids: dict[tuple[str, int], Mapping[str, str]] = {}
    for collection in bundle.collections:
        made = await _import_collection(
            writer, bundle, collection, created=collection.name not in before["collections"]
        )
        ids.update(made[0])
        counts.versions += made[1]
    logged, used = await _import_edges(writer, bundle, ids)
    counts.edges = len(logged) + len(used)
    for registry in bundle.registries:
        counts.links += await _import_links(
            writer, bundle, registry, ids, created=[registry.registry, registry.name] not in before["registries"]
        )
    totals = (Counter(edge[1] for edge in (*used, *logged)), Counter(edge[0] for edge in (*used, *logged)))
    for start in range(0, max(len(used), len(logged)), ONWARD_BATCH):  # a statement's memory stays small
        batch = slice(start, start + ONWARD_BATCH)
        await _mark_onward(writer, used=used[batch], logged=logged[batch], totals=totals)
    counts.kept = {
        "runs": len(bundle.runs) - counts.runs,
        "versions": sum(len(c.versions) for c in bundle.collections) - counts.versions,
        "edges": len(bundle.edges) - counts.edges,
        "links": sum(len(r.links) for r in bundle.registries) - counts.links,
    }
    return counts


async def _import_collection(
    writer: Writer, bundle: Bundle, collection: BundleCollection, *, created: bool
) -> tuple[dict[tuple[str, int], dict[str, str]], int]:
    """Log the collection's content in version order (by no run: the bundle's LOGGED edges come after, with
    their times), check the numbers came out as they were, delete what was deleted, and give new versions their
    times. The id, collection id and digest of each (name, number)."""
    if not collection.versions or bundle.project is None:  # a registry's bundle holds no collections
        return {}, 0
    digests = {v.number: v.log.manifest.digest for v in collection.versions}
    here = await writer.run(
        "collection_versions",
        entity=bundle.entity,
        project=bundle.project,
        name=collection.name,
        digests=list(digests.values()),
    )
    known = {row["digest"]: row["id"] for row in here}
    gone = {row["digest"] for row in here if row["state"] == "deleted"}
    # Logging content that is here deleted would revive it: what the bundle holds as deleted too is left be.
    logs: list[tuple[str | None, LogInput]] = [
        (None, v.log) for v in collection.versions if not (v.deleted and v.log.manifest.digest in gone)
    ]
    new: set[str] = set()
    if logs:
        group = _Group(
            bundle.entity, bundle.project, collection.name, collection.type, f"{collection.where}.type", logs
        )
        logged = await _record_logs(writer, group)
        known.update(logged.ids)
        new = set(logged.created)
    rows = await writer.run("version_numbers", ids=[known[digest] for digest in digests.values()])
    found = {row["digest"]: row for row in rows}
    for version in collection.versions:
        number = found[version.log.manifest.digest]["version"]
        if number != version.number:
            raise Conflict(
                f"{version.where}.version: {bundle.entity}/{bundle.project}/{collection.name} already holds other "
                f"versions here, so this content would become v{number}, not v{version.number}; import into an "
                "entity where the collection is new",
                field=f"{version.where}.version",
            )
    ids = {(collection.name, number): found[digest] for number, digest in digests.items()}
    # Deleted in the bundle, live here: new, or revived by logging its content again.
    deleted = [v for v in collection.versions if v.deleted and found[v.log.manifest.digest]["state"] != "deleted"]
    for version in deleted:
        await writer.run("delete_version", version_id=ids[(collection.name, version.number)]["id"])
    await writer.run(
        "import_versions",
        collection={
            "entity": bundle.entity,
            "project": bundle.project,
            "name": collection.name,
            "created": created,
            "created_at": collection.created_at,
            "description": collection.description,
            "metadata": None if collection.metadata is None else json.dumps(collection.metadata),
            "tags": list(collection.tags),
        },
        versions=[
            {"id": ids[(collection.name, v.number)]["id"], "created_at": v.created_at, "tags": list(v.tags)}
            for v in collection.versions
            if v.log.manifest.digest in new
        ],
        deleted=[{"id": ids[(collection.name, v.number)]["id"], "deleted_at": v.deleted_at} for v in deleted],
    )
    if deleted:
        await writer.run(
            "point_latest_version", collection_id=ids[(collection.name, deleted[0].number)]["collection_id"]
        )
    return ids, len(new)


async def _import_edges(
    writer: Writer, bundle: Bundle, ids: Mapping[tuple[str, int], Mapping[str, str]]
) -> tuple[list[list[str]], list[list[str]]]:
    """Every LOGGED and USED_BY edge of the bundle's runs, through the write path's statements; new ones get the
    bundle's times (and `created`). A version in another project must be there already: it is named by its
    reference. The new edges: ([run id, version id] logged, [version id, run id] used)."""
    found: dict[str, Mapping[str, Any]] = {}
    logged_rows: dict[str, list[dict[str, Any]]] = {}  # by collection id
    used_rows: list[dict[str, Any]] = []
    for edge in bundle.edges:
        key = str(edge.version)
        if key not in found:
            local = ids.get((edge.version.collection.name, edge.version.version or 0))
            if _local(bundle, edge.version) and local is not None:
                found[key] = local
            else:
                try:
                    found[key] = await writer.resolve(edge.version, f"{edge.where}.artifact", live=False)
                except NotFound as exc:
                    raise NotFound(
                        f"{exc.message}; import the project that holds it first", field=f"{edge.where}.artifact"
                    ) from None
        version = found[key]
        # Another entity's version: only used, live, and as of now; its entity's history is not the bundle's.
        foreign = version.get("entity", bundle.entity) != bundle.entity
        if foreign and edge.kind == "logged":
            raise InvalidInput(
                f"{edge.where}.artifact: a bundle's runs may log only into the entity it is imported into",
                field=f"{edge.where}.artifact",
            )
        if foreign and version["state"] == "deleted":
            raise NotFound(f"{edge.where}.artifact {key!r} names a deleted version", field=f"{edge.where}.artifact")
        if edge.kind == "used":
            at = None if foreign else edge.at
            used_rows.append({"run_id": edge.run, "version_id": version["id"], "alias": edge.alias, "at": at})
        else:
            logged_rows.setdefault(version["collection_id"], []).append(
                {
                    "run_id": edge.run,
                    "digest": version["digest"],
                    "created": edge.created,
                    "at": edge.at,
                    "version_id": version["id"],
                }
            )
    logged: list[list[str]] = []
    for collection_id, rows in logged_rows.items():
        await writer.run("lock_collection_id", collection_id=collection_id)
        [made] = await writer.run("log_versions", collection_id=collection_id, new=[], revive=[], logged=rows)
        logged += made["added"]
    used: list[list[str]] = []
    if used_rows:
        [made] = await writer.run("record_uses", uses=used_rows)
        used = made["added"]
    added = {(v, r) for v, r in used} | {(v, r) for r, v in logged}
    times = [
        {"kind": kind, "run_id": row["run_id"], "version_id": row["version_id"], "at": row["at"]}
        for kind, rows in (("used", used_rows), ("logged", [row for rows in logged_rows.values() for row in rows]))
        for row in rows
        if (row["version_id"], row["run_id"]) in added and row["at"] is not None
    ]
    await writer.run("import_edge_times", edges=times)
    return logged, used


async def _import_links(
    writer: Writer,
    bundle: Bundle,
    registry: BundleRegistryCollection,
    ids: Mapping[tuple[str, int], Mapping[str, str]],
    *,
    created: bool,
) -> int:
    """The registry (made when missing), the registry collection, and each link under its own number."""
    await writer.run(
        "create_registry", entity=bundle.entity, name=registry.registry, description=registry.registry_description
    )
    [made] = await writer.run(
        "create_registry_collection",
        entity=bundle.entity,
        registry=registry.registry,
        name=registry.name,
        type=registry.type,
        description=registry.description,
    )
    links: list[dict[str, Any]] = []
    for link in registry.links:
        version = ids.get((link.ref.collection.name, link.ref.version or 0)) if _local(bundle, link.ref) else None
        if version is None:  # a version of another project, linked as linkArtifact would: live, of the right type
            found = await writer.resolve(link.ref, f"{link.where}.artifact")
            if registry.type is not None and found["type"] != registry.type:
                raise Conflict(
                    f"{link.where}.artifact {str(link.ref)!r} is a {found['type']}; {registry.where}.type says "
                    f"{registry.type}",
                    field=f"{link.where}.artifact",
                )
            version = found
        links.append(
            {
                "version_id": version["id"],
                "number": link.number,
                "linked_at": link.linked_at,
                "linked_by": link.linked_by,
            }
        )
    [result] = await writer.run(
        "import_links",
        collection_id=made["id"],
        links=links,
        next_version=registry.next_version,
        created=created,
        created_at=registry.created_at,
        tags=list(registry.tags),
    )
    place = f"{bundle.entity}/registry-{registry.registry}/{registry.name}"
    if result["type"] is not None and result["type"] != registry.type:
        raise Conflict(
            f"{registry.where}.type: {place} holds {result['type']} artifacts here, not {registry.type}",
            field=f"{registry.where}.type",
        )
    if result["taken"]:
        index = next(i for i, link in enumerate(links) if link["number"] in result["taken"])
        where = registry.links[index].where
        raise Conflict(
            f"{where}.version: {place}:v{links[index]['number']} names another version here (or this version is "
            "linked there under another number)",
            field=f"{where}.version",
        )
    for link, row in zip(registry.links, links, strict=True):
        await writer.set_aliases(made["id"], row["version_id"], [a for a in link.aliases if a != LATEST])
    if result["added"]:
        await writer.run("point_latest_link", collection_id=made["id"])
    return int(result["added"])


def _local(bundle: Bundle, ref: ArtifactRef) -> bool:
    return ref.collection.entity == bundle.entity and ref.collection.project == bundle.project


def _run_row(run: BundleRun) -> dict[str, Any]:
    return {
        "id": run.run.id,
        "user": run.user,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "heartbeat_at": run.heartbeat_at,
        "state": run.run.state,
        "summary": None if run.summary is None else json.dumps(run.summary),
        "history": [
            {
                "first_step": c.first_step,
                "last_step": c.last_step,
                "count": len(c.rows),
                "rows": json.dumps(c.rows),
                "at": c.at,
            }
            for c in run.history
        ],
    }


# The bundle's JSON, from the export statement's row.


def _plain(value: Any) -> Any:
    """Neo4j's values as JSON's: times as ISO 8601 text."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if hasattr(value, "iso_format"):
        return str(value.iso_format())
    return value


def _loads(text: str | None) -> Any:
    return json.loads(text) if text else None


def _run_out(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "runId": run["run_id"],
        "name": run["name"],
        "state": run["state"],
        "jobType": run["job_type"],
        "group": run["group"],
        "config": _loads(run["config"]),
        "summary": _loads(run["summary"]),
        "tags": run["tags"] or [],
        "notes": run["notes"],
        "user": run["user"],
        "createdAt": run["created_at"],
        "finishedAt": run["finished_at"],
        "heartbeatAt": run["heartbeat_at"],
        "history": [
            {"firstStep": h["first_step"], "lastStep": h["last_step"], "rows": json.loads(h["rows"]), "at": h["at"]}
            for h in run["history"]
        ],
    }


def _collection_out(collection: dict[str, Any]) -> dict[str, Any]:
    aliases: dict[int, list[str]] = {}
    for alias in collection["aliases"]:
        aliases.setdefault(alias["version"], []).append(alias["name"])
    return {
        "name": collection["name"],
        "type": collection["type"],
        "description": collection["description"],
        "metadata": _loads(collection["metadata"]),
        "tags": collection["tags"] or [],
        "createdAt": collection["created_at"],
        "versions": [
            {
                "version": v["version"],
                "digest": v["digest"],
                "files": [
                    *(
                        {"path": p, "digest": d, "size": s}
                        for p, d, s in zip(v["file_paths"], v["file_digests"], v["file_sizes"], strict=True)
                    ),
                    *(
                        {"path": p, "digest": d, "size": s, "ref": u}
                        for p, u, d, s in zip(
                            v["ref_paths"] or [],
                            v["ref_uris"] or [],
                            v["ref_digests"] or [],
                            v["ref_sizes"] or [],
                            strict=True,
                        )
                    ),
                ],
                "metadata": _loads(v["metadata"]),
                "description": v["description"],
                "tags": v["tags"] or [],
                "aliases": aliases.get(v["version"], []),
                "state": v["state"],
                "createdAt": v["created_at"],
                "deletedAt": v["deleted_at"],
            }
            for v in collection["versions"]
        ],
    }


def _edge_out(edge: dict[str, Any]) -> dict[str, Any]:
    ref = ArtifactRef(CollectionRef(edge["entity"], edge["project"], edge["name"]), edge["version"], None)
    out = {"kind": edge["kind"], "run": edge["run"], "artifact": str(ref), "at": edge["at"]}
    return {**out, "alias": edge["alias"]} if edge["kind"] == "used" else {**out, "created": bool(edge["created"])}


def _registry_out(registry: dict[str, Any], project: str | None) -> dict[str, Any]:
    """A registry collection; a link names its version as `NAME:vN` when it is in `project`, else by reference."""
    return {
        "registry": registry["registry"],
        "registryDescription": registry["registry_description"],
        "name": registry["name"],
        "type": registry["type"],
        "description": registry["description"],
        "tags": registry["tags"] or [],
        "createdAt": registry["created_at"],
        "nextVersion": registry["next_version"],
        "links": [
            {
                "artifact": f"{link['name']}:v{link['version']}"
                if link["project"] == project
                else str(
                    ArtifactRef(CollectionRef(link["entity"], link["project"], link["name"]), link["version"], None)
                ),
                "version": link["number"],
                "linkedAt": link["linked_at"],
                "linkedBy": link["linked_by"],
                "aliases": link["aliases"],
            }
            for link in registry["links"]
        ],
    }
