"""Bundles in and out (cypher/bundle.py says what they hold): a bundle read from a client is checked whole, with
the path of anything wrong as the field (`runs[2].createdAt`), before a byte is written; its manifests must
name content the caller holds, as any log's must.

The bundle's own entity becomes the importing one everywhere: in its runs, its collections, its registries and
the references of its edges. References to other entities stay as they are.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from cypher.batch import LogInput, RunInput
from cypher.bundle import (
    FORMAT,
    FORMAT_VERSION,
    Bundle,
    BundleCollection,
    BundleEdge,
    BundleLink,
    BundleRegistryCollection,
    BundleRun,
    BundleVersion,
    HistoryChunk,
)
from cypher.errors import InvalidInput
from cypher.jsonvalues import check_json
from cypher.manifest import check_manifest
from cypher.refs import (
    MAX_VERSION,
    ArtifactRef,
    CollectionRef,
    check_alias,
    check_name,
    check_project,
    parse_artifact_ref,
)
from cypher.writes import MAX_HISTORY_BYTES, MAX_OBJECT_BYTES, MAX_STEP
from schema.content import Holder, check_possession
from schema.inputs import check_object, check_tags, check_text

MAX_RUNS = 20_000
MAX_VERSIONS = 20_000
MAX_EDGES = 200_000
MAX_LINKS = 20_000
RUN_STATES = ("running", "finished", "failed", "crashed")
VERSION_STATES = ("committed", "deleted")
T = TypeVar("T")
Versions = Mapping[tuple[str, int], tuple[str, bool]]  # (collection, number) -> (type, deleted)
_TIME = re.compile(
    r"(?P<second>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.(?P<fraction>[0-9]{1,9}))?"
    r"(?P<offset>Z|[+-][0-9]{2}:[0-9]{2})"
)
_LINKED = re.compile(r"(?P<name>[^:]+):v(?P<version>[0-9]{1,19})")
MAX_COLLECTIONS = 10_000
MAX_REGISTRY_COLLECTIONS = 10_000


def check_bundle(raw: Any, into: str) -> Bundle:
    """The bundle `raw` (parsed JSON), addressed to the entity `into`."""
    check_json(raw, "a bundle")
    top = _object(raw, "body")
    if top.get("format") != FORMAT:
        raise InvalidInput(f'format: a bundle says "format": "{FORMAT}" (stemma export writes one)', field="format")
    if top.get("formatVersion") != FORMAT_VERSION:
        raise InvalidInput(
            f"formatVersion: this server reads bundles of version {FORMAT_VERSION}; got {top.get('formatVersion')!r}",
            field="formatVersion",
        )
    source = check_name(_text(top, "entity", ""), "entity")
    if top.get("registry") is not None:  # a registry's bundle: only its collections and links
        named = check_name(_text(top, "registry", ""), "registry")
        for key in ("runs", "collections", "edges"):
            if _list(top, key, ""):
                raise InvalidInput(f"{key}: a registry's bundle holds none", field=key)
        registries = _items(
            top,
            "registries",
            "",
            MAX_REGISTRY_COLLECTIONS,
            lambda item, where: _registry(item, where, {}, source, into, None),
        )
        for registry in registries:
            if registry.registry != named:
                field = f"{registry.where}.registry"
                raise InvalidInput(f"{field}: a bundle of registry {named!r} holds only its collections", field=field)
        _check_links(registries)
        return Bundle(entity=into, project=None, runs=[], collections=[], edges=[], registries=registries)
    project = check_project(_text(top, "project", ""), "project")
    runs = _items(top, "runs", "", MAX_RUNS, lambda item, where: _run(item, where, into, project))
    run_ids = {run.run.run_id for run in runs}
    if len(run_ids) != len(runs):
        raise InvalidInput("runs: a runId appears twice", field="runs")
    collections = _items(top, "collections", "", MAX_COLLECTIONS, _collection)
    if sum(len(c.versions) for c in collections) > MAX_VERSIONS:
        raise InvalidInput(f"collections: a bundle holds at most {MAX_VERSIONS:,} versions", field="collections")
    names = [c.name for c in collections]
    if len(set(names)) != len(names):
        raise InvalidInput("collections: a name appears twice", field="collections")
    versions = {(c.name, v.number): (c.type, v.deleted) for c in collections for v in c.versions}
    edges = _items(
        top, "edges", "", MAX_EDGES, lambda item, where: _edge(item, where, source, into, project, run_ids, versions)
    )
    registries = _items(
        top,
        "registries",
        "",
        MAX_REGISTRY_COLLECTIONS,
        lambda item, where: _registry(item, where, versions, source, into, project),
    )
    _check_links(registries)
    return Bundle(entity=into, project=project, runs=runs, collections=collections, edges=edges, registries=registries)


def _check_links(registries: list[BundleRegistryCollection]) -> None:
    if sum(len(r.links) for r in registries) > MAX_LINKS:
        raise InvalidInput(f"registries: a bundle holds at most {MAX_LINKS:,} links", field="registries")


async def check_content(held_by: Holder, bundle: Bundle) -> None:
    """Every file the bundle's versions store must be content the caller holds (uploaded, or readable)."""
    await check_possession(
        held_by, [(f"{v.where}.files", v.log.manifest) for c in bundle.collections for v in c.versions]
    )


def _run(item: Any, where: str, entity: str, project: str) -> BundleRun:
    raw = _object(item, where)
    run_id = check_name(_text(raw, "runId", where), f"{where}.runId")
    state = _text(raw, "state", where)
    if state not in RUN_STATES:
        raise InvalidInput(
            f"{where}.state must be one of {', '.join(RUN_STATES)}; got {state[:40]!r}", field=f"{where}.state"
        )
    history = _items(raw, "history", where, None, _chunk)
    for before, after in itertools.pairwise(history):
        if after.first_step <= before.last_step:
            raise InvalidInput(f"{where}.history: chunks must follow one another by step", field=f"{where}.history")
    if sum(len(json.dumps(chunk.rows)) for chunk in history) > MAX_HISTORY_BYTES:
        raise InvalidInput(f"{where}.history: more than a run may hold", field=f"{where}.history")
    run = RunInput(
        entity=entity,
        project=project,
        run_id=run_id,
        name=check_name(_text(raw, "name", where), f"{where}.name"),
        job_type=_optional(raw, "jobType", where, check_name),
        group=_optional(raw, "group", where, check_name),
        config=_stored_object(raw.get("config"), f"{where}.config"),
        tags=check_tags(_list(raw, "tags", where), f"{where}.tags"),
        notes=_optional(raw, "notes", where, check_text),
        where=where,
        state=state,
    )
    return BundleRun(
        run=run,
        user=_optional(raw, "user", where, check_name),
        created_at=_time(raw, "createdAt", where),
        finished_at=_optional_time(raw, "finishedAt", where),
        heartbeat_at=_optional_time(raw, "heartbeatAt", where),
        summary=None if raw.get("summary") is None else _stored_object(raw["summary"], f"{where}.summary"),
        history=history,
    )


def _chunk(item: Any, where: str) -> HistoryChunk:
    raw = _object(item, where)
    first, last = _number(raw, "firstStep", where, MAX_STEP), _number(raw, "lastStep", where, MAX_STEP)
    rows = _list(raw, "rows", where)
    steps = [row.get("_step") if isinstance(row, dict) else None for row in rows]
    rising = all(
        isinstance(s, int) and not isinstance(s, bool) and (i == 0 or s > steps[i - 1])  # type: ignore[operator]
        for i, s in enumerate(steps)
    )
    if not rows or not rising or steps[0] != first or steps[-1] != last:
        raise InvalidInput(f"{where}.rows: objects whose _step rises from firstStep to lastStep", field=f"{where}.rows")
    return HistoryChunk(first_step=first, last_step=last, rows=rows, at=_time(raw, "at", where))


def _collection(item: Any, where: str) -> BundleCollection:
    raw = _object(item, where)
    name = check_name(_text(raw, "name", where), f"{where}.name")
    type_ = check_name(_text(raw, "type", where), f"{where}.type")
    versions = _items(raw, "versions", where, None, lambda v, w: _version(v, w, name, type_))
    if [v.number for v in versions] != list(range(len(versions))):
        raise InvalidInput(f"{where}.versions: numbered v0, v1, … in order, each once", field=f"{where}.versions")
    digests = [v.log.manifest.digest for v in versions]
    if len(set(digests)) != len(digests):
        raise InvalidInput(f"{where}.versions: two versions hold the same content", field=f"{where}.versions")
    return BundleCollection(
        name=name,
        type=type_,
        description=_optional(raw, "description", where, check_text),
        metadata=None if raw.get("metadata") is None else _stored_object(raw["metadata"], f"{where}.metadata"),
        tags=check_tags(_list(raw, "tags", where), f"{where}.tags"),
        created_at=_time(raw, "createdAt", where),
        versions=versions,
        where=where,
    )


def _version(item: Any, where: str, name: str, type_: str) -> BundleVersion:
    raw = _object(item, where)
    manifest = check_manifest(
        [_object(f, f"{where}.files[{i}]") for i, f in enumerate(_list(raw, "files", where))], f"{where}.files"
    )
    if _text(raw, "digest", where) != manifest.digest:
        raise InvalidInput(f"{where}.digest is not the digest of {where}.files", field=f"{where}.digest")
    state = _text(raw, "state", where)
    if state not in VERSION_STATES:
        raise InvalidInput(f"{where}.state must be committed or deleted; got {state[:40]!r}", field=f"{where}.state")
    deleted = state == "deleted"
    aliases = [
        check_alias(_str(a, f"{where}.aliases[{i}]"), f"{where}.aliases[{i}]")
        for i, a in enumerate(_list(raw, "aliases", where))
    ]
    if deleted and aliases:
        raise InvalidInput(f"{where}.aliases: a deleted version has none", field=f"{where}.aliases")
    log = LogInput(
        name=name,
        type=type_,
        manifest=manifest,
        metadata=_stored_object(raw.get("metadata"), f"{where}.metadata"),
        description=_optional(raw, "description", where, check_text),
        aliases=list(dict.fromkeys(aliases)),
        where=where,
        type_field=f"{where.rsplit('.', 1)[0]}.type",
    )
    return BundleVersion(
        number=_number(raw, "version", where, MAX_VERSION),
        log=log,
        tags=check_tags(_list(raw, "tags", where), f"{where}.tags"),
        deleted=deleted,
        created_at=_time(raw, "createdAt", where),
        deleted_at=_time(raw, "deletedAt", where) if deleted else None,
        where=where,
    )


def _edge(
    item: Any, where: str, source: str, into: str, project: str, run_ids: set[str], versions: Versions
) -> BundleEdge:
    raw = _object(item, where)
    kind = _text(raw, "kind", where)
    if kind not in ("used", "logged"):
        raise InvalidInput(f"{where}.kind must be used or logged; got {kind[:40]!r}", field=f"{where}.kind")
    run = _text(raw, "run", where)
    if run not in run_ids:
        raise InvalidInput(f"{where}.run names no run of the bundle", field=f"{where}.run")
    ref = parse_artifact_ref(_text(raw, "artifact", where), f"{where}.artifact")
    if ref.version is None or ref.collection.registry is not None:
        raise InvalidInput(
            f"{where}.artifact must name a project's version by number: ENTITY/PROJECT/NAME:vN",
            field=f"{where}.artifact",
        )
    collection = ref.collection
    if collection.entity == source:  # the bundle's entity is the importing one
        ref = ArtifactRef(CollectionRef(into, collection.project, collection.name), ref.version, None)
    if (
        ref.collection.entity == into
        and ref.collection.project == project
        and (collection.name, ref.version) not in versions
    ):
        raise InvalidInput(f"{where}.artifact names a version the bundle does not hold", field=f"{where}.artifact")
    alias = (
        _optional(raw, "alias", where, lambda a, f: check_alias(a, f, allow_latest=True)) if kind == "used" else None
    )
    created = raw.get("created", False)
    if not isinstance(created, bool):
        raise InvalidInput(f"{where}.created must be true or false", field=f"{where}.created")
    return BundleEdge(
        kind=kind,
        run=f"{into}/{project}/{run}",
        version=ref,
        at=_time(raw, "at", where),
        alias=alias,
        created=created,
        where=where,
    )


def _registry(
    item: Any, where: str, versions: Versions, source: str, into: str, project: str | None
) -> BundleRegistryCollection:
    raw = _object(item, where)
    links = _items(raw, "links", where, None, lambda link, w: _link(link, w, versions, source, into, project))
    numbers = [link.number for link in links]
    next_version = _number(raw, "nextVersion", where, MAX_VERSION - 1)  # a link after it gets the next number
    if len(set(numbers)) != len(numbers) or (numbers and next_version <= max(numbers)):
        raise InvalidInput(f"{where}.links: each number once, each below nextVersion", field=f"{where}.links")
    if len({str(link.ref) for link in links}) != len(links):
        raise InvalidInput(f"{where}.links: a version is linked twice", field=f"{where}.links")
    type_ = _optional(raw, "type", where, check_name)
    for link in links:
        held = versions.get((link.ref.collection.name, link.ref.version or 0))
        if _in(link.ref, into, project) and held is not None and type_ is not None and held[0] != type_:
            raise InvalidInput(
                f"{link.where}.artifact: a {held[0]} cannot be linked where {where}.type says {type_}",
                field=f"{link.where}.artifact",
            )
    return BundleRegistryCollection(
        registry=check_name(_text(raw, "registry", where), f"{where}.registry"),
        registry_description=_optional(raw, "registryDescription", where, check_text),
        name=check_name(_text(raw, "name", where), f"{where}.name"),
        type=type_,
        description=_optional(raw, "description", where, check_text),
        tags=check_tags(_list(raw, "tags", where), f"{where}.tags"),
        created_at=_time(raw, "createdAt", where),
        next_version=next_version,
        links=links,
        where=where,
    )


def _link(item: Any, where: str, versions: Versions, source: str, into: str, project: str | None) -> BundleLink:
    """`NAME:vN`, a version of the bundle's project, or `ENTITY/PROJECT/NAME:vN`, one already on the server."""
    raw = _object(item, where)
    text = _text(raw, "artifact", where)
    field = f"{where}.artifact"
    if "/" in text:
        ref = parse_artifact_ref(text, field)
        if ref.version is None or ref.collection.registry is not None:
            raise InvalidInput(f"{field} must name a project's version by number: ENTITY/PROJECT/NAME:vN", field=field)
        if ref.collection.entity == source:
            ref = ArtifactRef(CollectionRef(into, ref.collection.project, ref.collection.name), ref.version, None)
    else:
        found = _LINKED.fullmatch(text)
        if found is None or project is None:
            raise InvalidInput(
                f"{field} must look like NAME:vN (ENTITY/PROJECT/NAME:vN in a registry's bundle)", field=field
            )
        name = check_name(found.group("name"), field)
        ref = ArtifactRef(CollectionRef(into, project, name), int(found.group("version")), None)
    if _in(ref, into, project):
        held = versions.get((ref.collection.name, ref.version or 0))
        if held is None:
            raise InvalidInput(f"{field} names a version the bundle does not hold", field=field)
        if held[1]:
            raise InvalidInput(f"{field} names a deleted version, which cannot be linked", field=field)
    return BundleLink(
        ref=ref,
        number=_number(raw, "version", where, MAX_VERSION),
        linked_at=_time(raw, "linkedAt", where),
        linked_by=_optional(raw, "linkedBy", where, check_name),
        aliases=[
            check_alias(_str(a, f"{where}.aliases[{i}]"), f"{where}.aliases[{i}]", allow_latest=True)
            for i, a in enumerate(_list(raw, "aliases", where))
        ],
        where=where,
    )


# Typed reads of one key, the key's path named when it is wrong.


def _path(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput(f"{where} must be a JSON object", field=where)
    return value


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{where} must be text", field=where)
    return value


def _text(raw: Mapping[str, Any], key: str, where: str) -> str:
    return _str(raw.get(key), _path(where, key))


def _list(raw: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = raw.get(key, [])
    if not isinstance(value, list):
        raise InvalidInput(f"{_path(where, key)} must be a list", field=_path(where, key))
    return value


def _items(raw: Mapping[str, Any], key: str, where: str, limit: int | None, check: Callable[[Any, str], T]) -> list[T]:
    items = _list(raw, key, where)
    path = _path(where, key)
    if limit is not None and len(items) > limit:
        raise InvalidInput(f"{path}: a bundle holds at most {limit:,}; got {len(items):,}", field=path, limit=limit)
    return [check(item, f"{path}[{index}]") for index, item in enumerate(items)]


def _number(raw: Mapping[str, Any], key: str, where: str, most: int) -> int:
    value = raw.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= most:
        raise InvalidInput(f"{_path(where, key)} must be a whole number from 0 to {most}", field=_path(where, key))
    return value


def _optional(raw: Mapping[str, Any], key: str, where: str, check: Callable[[str, str], Any]) -> Any:
    value = raw.get(key)
    return None if value is None else check(_str(value, _path(where, key)), _path(where, key))


def _in(ref: ArtifactRef, entity: str, project: str | None) -> bool:
    return ref.collection.entity == entity and ref.collection.project == project


def _stored_object(value: Any, path: str) -> dict[str, Any]:
    """A JSON object within the size a node keeps, counted as it is stored (ASCII JSON text, as logRun counts)."""
    checked = check_object(value, path)
    size = len(json.dumps(checked))
    if size > MAX_OBJECT_BYTES:
        raise InvalidInput(
            f"{path} is {size:,} bytes as stored JSON; at most {MAX_OBJECT_BYTES:,} are allowed",
            field=path,
            limit=MAX_OBJECT_BYTES,
        )
    return checked


def _time(raw: Mapping[str, Any], key: str, where: str) -> str:
    """An ISO 8601 date and time with its offset (`2026-12-05T06:12:02.441000000+00:00`, or `Z`), as UTC text
    Neo4j's datetime() reads and the driver reads back: offsets of whole minutes up to ±18:00, years 1 to 9999
    in UTC, up to nanoseconds (kept)."""
    path = _path(where, key)
    text = _str(raw.get(key), path)
    found = _TIME.fullmatch(text)
    refusal = InvalidInput(
        f"{path} must be an ISO 8601 time with its offset, in the years 1 to 9999 in UTC "
        f"(2026-12-05T06:12:02.441+00:00); got {text[:40]!r}",
        field=path,
    )
    if found is None:
        raise refusal
    try:
        parsed = dt.datetime.fromisoformat(f"{found.group('second')}{found.group('offset').replace('Z', '+00:00')}")
        utc = parsed.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise refusal from None
    if abs(parsed.utcoffset() or dt.timedelta()) > dt.timedelta(hours=18):
        raise refusal
    fraction = found.group("fraction") or ""
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
        f"{'.' + fraction if fraction else ''}Z"
    )


def _optional_time(raw: Mapping[str, Any], key: str, where: str) -> str | None:
    return None if raw.get(key) is None else _time(raw, key, where)
