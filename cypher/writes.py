"""Mutations as steps of one write transaction; each returns the `Root` the answer is read from.

Every step is a fixed statement from `statements/` (or a MATCH compiled from a
reference); refusing raises inside the transaction, so nothing is half-written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cypher.access import Caller, visible
from cypher.errors import Conflict, InvalidInput, NotFound
from cypher.executor import Statement, WriteTransaction
from cypher.named import named
from cypher.printer import Limits, Scope
from cypher.reads import ROOT, Root, compile_root, match_collection, match_version
from cypher.refs import DEFAULT_REGISTRIES, LATEST, ArtifactRef, CollectionRef
from cypher.rules import Vars
from cypher.selection import Field

MAX_ALIASES = 100
MAX_OBJECT_BYTES = 64 * 1024  # a JSON object kept on a node (config, summary, metadata): read back whole
MAX_HISTORY_BYTES = 32 * 1024 * 1024  # a run's history rows, all read back by Run.history
MAX_STEP = 2**63 - 1  # a history step is a Neo4j integer
REGISTRY_VERSION = Vars("x", link="r", collection="c")
EDITABLE = {
    "ArtifactVersion": {"description", "metadata", "tags"},
    "ArtifactCollection": {"description", "metadata", "tags"},
    "RegistryCollection": {"description", "metadata", "tags"},
}


def by_id(type_name: str, node_id: str) -> Root:
    match = f"MATCH (x:{type_name} {{id: $key}}) WHERE {visible(type_name, ROOT)}"
    return Root(match, type_name, params={"key": node_id})


def registry_version(collection_id: str, version_id: str) -> Root:
    return Root(
        "MATCH (c:RegistryCollection {id: $key_collection})-[r:LINKS]->(x:ArtifactVersion {id: $key}) "
        f"WHERE {visible('RegistryVersion', REGISTRY_VERSION)}",
        "RegistryVersion",
        bound=REGISTRY_VERSION,
        params={"key": version_id, "key_collection": collection_id},
    )


@dataclass(frozen=True)
class RunLog:
    """What logRun adds to a run: config and summary keys, history rows (each with its `_step`, in order), and
    tags and notes that replace the run's when given."""

    config: Mapping[str, Any]
    summary: Mapping[str, Any]
    history: Sequence[Mapping[str, Any]]
    tags: Sequence[str] | None = None
    notes: str | None = None


class Writer:
    """The write steps of one transaction, run on behalf of one caller."""

    def __init__(self, tx: WriteTransaction, caller: Caller) -> None:
        self.tx = tx
        self.who = caller
        self.caller = caller.param()

    async def run(self, statement: str, /, **params: Any) -> list[dict[str, Any]]:
        """Run the fixed statement `statements/<statement>.cypher`."""
        return await self.tx.run(Statement(named(statement), {"caller": self.caller, **params}))

    async def default_registries(self, entities: Sequence[str]) -> None:
        """Give each entity its `model` and `dataset` registries when it has none yet (a new entity)."""
        await self.run("default_registries", entities=list(entities), registries=DEFAULT_REGISTRIES)

    def member_of(self, entity: str, field: str) -> None:
        """Writing needs the member (or admin) role in the entity written to."""
        self.who.require(entity, "member", field)

    async def answer(self, root: Root, selection: Field, limits: Limits) -> Any:
        """Read back what was written, shaped by the request's selection, inside the transaction."""
        rows = await self.tx.run(compile_root(root, selection, Scope(self.caller, limits)))
        return rows[0]["result"]

    async def finish_run(self, run_id: str, state: str) -> Root:
        self.member_of(entity_of_run(run_id), "id")
        rows = await self.run("finish_run", id=run_id, state=state)
        if not rows:
            raise NotFound(f"no run has id {run_id!r}", field="id")
        if rows[0]["after"] != state:
            raise Conflict(
                f"run {run_id!r} already ended as {rows[0]['before']}; it cannot become {state}", field="state"
            )
        return by_id("Run", run_id)

    async def resume_run(self, run_id: str) -> Root:
        self.member_of(entity_of_run(run_id), "id")
        if not await self.run("resume_run", id=run_id):
            raise NotFound(f"no run has id {run_id!r}", field="id")
        return by_id("Run", run_id)

    async def heartbeat(self, run_id: str) -> bool:
        self.member_of(entity_of_run(run_id), "id")
        return bool(await self.run("heartbeat_run", id=run_id))

    async def log_run(self, run_id: str, log: RunLog) -> Root:
        """Merge config and summary keys into the run's and keep a batch of history rows as one chunk, whatever
        the run's state (W&B lets a summary change after the run). A batch must start after the last step kept;
        the same batch sent again (a retry) is kept once."""
        self.member_of(entity_of_run(run_id), "input.id")
        rows = await self.run("run_data", id=run_id)
        if not rows:
            raise NotFound(f"no run has id {run_id!r}", field="input.id")
        stored = rows[0]
        chunk = None
        if log.history:
            first, last = log.history[0]["_step"], log.history[-1]["_step"]
            text = json.dumps(log.history)
            resent = stored["last_step"] is not None and first <= stored["last_step"]
            if resent:
                kept = await self.tx.run(
                    Statement(
                        "MATCH (h:RunHistory {run: $id, first_step: $first}) RETURN h.rows AS rows",
                        {"id": run_id, "first": first},
                    )
                )
                if not kept or json.loads(kept[0]["rows"]) != list(log.history):
                    raise Conflict(
                        f"input.history starts at step {first}, but run {run_id!r} already holds steps up to "
                        f"{stored['last_step']}; steps only go forward",
                        field="input.history",
                    )
            elif stored["history_bytes"] + len(text) > MAX_HISTORY_BYTES:
                raise InvalidInput(
                    f"input.history: run {run_id!r} holds {stored['history_bytes']:,} bytes of history; with these "
                    f"{len(text):,} it would pass the {MAX_HISTORY_BYTES:,} a run may hold",
                    field="input.history",
                    limit=MAX_HISTORY_BYTES,
                )
            chunk = {"first_step": first, "last_step": last, "count": len(log.history), "rows": text}
        config = {**json.loads(stored["config"] or "{}"), **log.config}
        summary = {**json.loads(stored["summary"] or "{}"), **log.summary}
        for field, merged in (("input.config", config), ("input.summary", summary)):
            size = len(json.dumps(merged))  # as stored: ASCII JSON text
            if size > MAX_OBJECT_BYTES:
                raise InvalidInput(
                    f"{field}: the run's {field.split('.')[1]} would be {size:,} bytes as JSON; at most "
                    f"{MAX_OBJECT_BYTES:,} are allowed",
                    field=field,
                    limit=MAX_OBJECT_BYTES,
                )
        await self.run(
            "log_run",
            id=run_id,
            config=json.dumps(config),
            summary=json.dumps(summary),
            tags=None if log.tags is None else list(log.tags),
            notes=log.notes,
            chunk=chunk,
        )
        return by_id("Run", run_id)

    async def resolve(self, ref: ArtifactRef, field: str, *, live: bool = True) -> dict[str, Any]:
        """The version a reference names, if the caller may see it: its id and own entity, its collection's
        (the registry collection's, for a registry ref) id and type, the link's number."""
        scope = Scope(self.caller)
        link = "[(c)-[l:LINKS]->(x) | l.version][0]" if ref.collection.registry else "null"
        text = (
            f"{match_version(ref, scope, collection='c')} "
            f"RETURN x.id AS id, x.entity AS entity, c.id AS collection_id, x.state AS state, x.type AS type, "
            "x.digest AS digest, "
            f"c.type AS collection_type, {link} AS link_version"
        )
        rows = await self.tx.run(Statement(text, scope.params))
        if not rows:
            raise NotFound(f"no artifact version matches {field} {str(ref)!r}", field=field)
        if live and rows[0]["state"] == "deleted":
            raise NotFound(f"{field} {str(ref)!r} names a deleted version", field=field)
        return rows[0]

    async def collection_id(self, ref: CollectionRef, field: str) -> dict[str, Any]:
        scope = Scope(self.caller)
        text = f"{match_collection(ref, scope, 'c')} RETURN c.id AS id, c.type AS type"
        rows = await self.tx.run(Statement(text, scope.params))
        if not rows:
            raise NotFound(f"no collection matches {field} {str(ref)!r}", field=field)
        return rows[0]

    async def set_aliases(self, collection_id: str, version_id: str, aliases: Sequence[str]) -> None:
        """Point `aliases` at the version; a collection holds at most `MAX_ALIASES` aliases (a cap the cost
        estimate relies on)."""
        if not aliases:
            return
        rows = await self.run("set_aliases", collection_id=collection_id, version_id=version_id, aliases=list(aliases))
        if rows and rows[0]["total"] > MAX_ALIASES:
            raise Conflict(
                f"aliases: a collection holds at most {MAX_ALIASES} aliases; remove some first",
                field="aliases",
                limit=MAX_ALIASES,
            )

    async def set_alias(self, ref: ArtifactRef, alias: str) -> Root:
        """The alias belongs to the collection the ref names (a registry collection for a registry ref): the
        role is needed in that collection's entity."""
        self.member_of(ref.collection.entity, "ref")
        version = await self.resolve(ref, "ref")
        await self.set_aliases(version["collection_id"], version["id"], [alias])
        return by_id("ArtifactVersion", version["id"])

    async def remove_alias(self, ref: CollectionRef, alias: str) -> bool:
        self.member_of(ref.entity, "collection")
        collection = await self.collection_id(ref, "ref")
        rows = await self.run("remove_alias", collection_id=collection["id"], alias=alias)
        return bool(rows and rows[0]["removed"])

    async def update(self, root: Root, entity: str, changes: Mapping[str, Any]) -> Root:
        """Set editable properties (names from `EDITABLE`, values as parameters) of an object owned by
        `entity`, the object's own entity, not the one a reference reached it through."""
        self.member_of(entity, "ref")
        allowed = EDITABLE[root.type]
        unknown = set(changes) - allowed
        if unknown:
            raise InvalidInput(f"{sorted(unknown)[0]} cannot be edited on {root.type}", field=sorted(unknown)[0])
        values = {name: json.dumps(value) if name == "metadata" else value for name, value in changes.items()}
        assignments = ", ".join(f"x.{name} = $set_{name}" for name in sorted(values))
        params = {"caller": self.caller, **root.params, **{f"set_{name}": value for name, value in values.items()}}
        text = f"{root.match} SET {assignments} RETURN x.id AS id" if assignments else f"{root.match} RETURN x.id AS id"
        if not await self.tx.run(Statement(text, params)):
            raise NotFound(f"no {root.type} matches the reference", field="ref")
        return root

    async def delete_version(self, ref: ArtifactRef, drop_aliases: bool) -> Root:
        """Deleting needs the role in the version's own entity, even when a registry ref names it."""
        version = await self.resolve(ref, "ref", live=False)
        self.member_of(version["entity"], "ref")
        aliases = await self.run("version_aliases", version_id=version["id"])
        if aliases and not drop_aliases:
            names = ", ".join(sorted(row["name"] for row in aliases))
            raise Conflict(
                f"ref {str(ref)!r} still has aliases ({names}); remove them or pass deleteAliases: true",
                field="deleteAliases",
            )
        rows = await self.run("delete_version", version_id=version["id"])
        await self.run("point_latest_version", collection_id=rows[0]["collection_id"])
        for registry_collection in rows[0]["registry_collection_ids"]:
            await self.run("point_latest_link", collection_id=registry_collection)
        return by_id("ArtifactVersion", version["id"])

    async def create_registry(self, entity: str, name: str, description: str | None) -> Root:
        self.who.require(entity, "admin", "entity")
        rows = await self.run("create_registry", entity=entity, name=name, description=description)
        await self.default_registries([entity])
        return by_id("Registry", rows[0]["id"])

    async def create_registry_collection(
        self, entity: str, registry: str, name: str, type_: str | None, description: str | None
    ) -> Root:
        self.member_of(entity, "entity")
        scope = Scope(self.caller)
        match = (
            f"MATCH (r:Registry {{entity: {scope.param(entity)}, name: {scope.param(registry)}}}) "
            f"WHERE {visible('Registry', Vars('r'))} RETURN r.id AS id"
        )
        if not await self.tx.run(Statement(match, scope.params)):
            raise NotFound(f"no registry {entity}/{registry}", field="registry")
        rows = await self.run(
            "create_registry_collection",
            entity=entity,
            registry=registry,
            name=name,
            type=type_,
            description=description,
        )
        if not rows:
            raise NotFound(f"no registry {entity}/{registry}", field="registry")
        return by_id("RegistryCollection", rows[0]["id"])

    async def link(self, ref: ArtifactRef, target: CollectionRef, aliases: Sequence[str]) -> Root:
        """Link into a registry collection, creating the collection (typed like the version) on first link."""
        self.member_of(target.entity, "target")
        version = await self.resolve(ref, "ref")
        if target.registry is not None:
            await self.create_registry_collection(target.entity, target.registry, target.name, version["type"], None)
        collection = await self.collection_id(target, "target")
        if collection["type"] is not None and collection["type"] != version["type"]:
            raise Conflict(
                f"target {str(target)!r} holds {collection['type']} artifacts; ref {str(ref)!r} is a {version['type']}",
                field="target",
            )
        rows = await self.run("link_version", collection_id=collection["id"], version_id=version["id"])
        await self.set_aliases(collection["id"], version["id"], [LATEST, *aliases] if rows[0]["created"] else aliases)
        return registry_version(collection["id"], version["id"])

    async def unlink(self, ref: ArtifactRef) -> bool:
        if ref.collection.registry is None:
            raise InvalidInput("ref must name a registry version: ENTITY/registry-REGISTRY/NAME:vN", field="ref")
        self.member_of(ref.collection.entity, "ref")
        version = await self.resolve(ref, "ref", live=False)
        rows = await self.run("unlink_version", collection_id=version["collection_id"], version_id=version["id"])
        await self.run("point_latest_link", collection_id=version["collection_id"])
        return bool(rows and rows[0]["unlinked"])


def entity_of_run(run_id: str) -> str:
    return run_id.split("/", 1)[0]
