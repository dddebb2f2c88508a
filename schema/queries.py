"""Root query fields: each compiles its whole selection into one Cypher statement."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

import strawberry

from cypher.clusters import compile_cluster_page
from cypher.errors import NotFound
from cypher.executor import Statement
from cypher.health import neo4j_status
from cypher.lineage import compile_impact, compile_lineage, compile_path
from cypher.lineage_answer import number_redacted
from cypher.paging import finish_page
from cypher.printer import Limits
from cypher.reads import compile_read
from cypher.selection import Field
from schema.context import Info
from schema.lineage import ClusterMembers, Lineage, LineageDirection, LineagePath
from schema.scalars import DateTime
from schema.selection import selection_of
from schema.types import (
    ArtifactCollection,
    ArtifactVersion,
    Connection,
    Entity,
    Project,
    Registry,
    RegistryCollection,
    RegistryVersion,
    Run,
    RunState,
)

Compiler = Callable[[Field, Mapping[str, Any], Limits], Statement]


async def read_one(info: Info, missing: str, field: str) -> Any:
    """Compile and run the field being resolved; no row means the object does not exist."""
    context = info.context
    rows = await context.executor.read(compile_read(selection_of(info), context.caller.param(), context.limits))
    if not rows:
        raise NotFound(missing, field=field)
    return rows[0]["result"]


async def read_page(info: Info, first: int, after: str | None, compile: Compiler = compile_read) -> Any:
    context = info.context
    rows = await context.executor.read(compile(selection_of(info), context.caller.param(), context.limits))
    return finish_page(rows[0]["result"], first, after)


async def read_lineage(info: Info, compile: Compiler, missing: str) -> Any:
    """Lineage questions: one statement; no row means the root (or an end of the path) does not exist."""
    context = info.context
    rows = await context.executor.read(compile(selection_of(info), context.caller.param(), context.limits))
    if not rows:
        raise NotFound(missing, field="ref")
    return number_redacted(rows[0]["result"])


@strawberry.type
class Neo4jHealth:
    reachable: bool
    version: str | None
    edition: str | None
    reason: str | None


@strawberry.type
class Health:
    ok: bool
    version: str = strawberry.field(description="Stemma's version.")
    neo4j: Neo4jHealth


@strawberry.type
class Query:
    @strawberry.field(description="Stemma's version and whether Neo4j answers (its version and edition).")
    async def health(self, info: Info) -> Health:
        status = await neo4j_status(info.context.executor)
        return Health(
            ok=status.reachable,
            version=info.context.stemma_version,
            neo4j=Neo4jHealth(
                reachable=status.reachable, version=status.version, edition=status.edition, reason=status.reason
            ),
        )

    @strawberry.field(description="A user or team namespace.")
    async def entity(self, info: Info, name: str) -> Entity:
        return await read_one(info, f"no entity is named {name!r}", "name")

    @strawberry.field(description="Entities, by name.")
    async def entities(self, info: Info, first: int = 20, after: str | None = None) -> Connection[Entity]:
        return await read_page(info, first, after)

    @strawberry.field
    async def project(self, info: Info, entity: str, name: str) -> Project:
        return await read_one(info, f"no project {entity}/{name}", "name")

    @strawberry.field(
        description="An artifact version by reference: ENTITY/PROJECT/NAME:vN or :ALIAS; "
        "registry references (ENTITY/registry-REGISTRY/NAME:…) name the linked version."
    )
    async def artifact(self, info: Info, ref: str) -> ArtifactVersion:
        return await read_one(info, f"no artifact version matches ref {ref!r}", "ref")

    @strawberry.field(description="An artifact collection by ENTITY/PROJECT/NAME.")
    async def artifact_collection(self, info: Info, ref: str) -> ArtifactCollection:
        return await read_one(info, f"no artifact collection matches ref {ref!r}", "ref")

    @strawberry.field(description="Artifact collections of a project, by name; filter by type and name prefix.")
    async def collections(
        self,
        info: Info,
        entity: str,
        project: str,
        type: str | None = None,
        name_prefix: str | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[ArtifactCollection]:
        return await read_page(info, first, after)

    @strawberry.field(description="A run by ENTITY/PROJECT/RUN_ID.")
    async def run(self, info: Info, id: strawberry.ID) -> Run:
        return await read_one(info, f"no run has id {id!r}", "id")

    @strawberry.field(description="Runs of a project, newest first; filter by state and job type.")
    async def runs(
        self,
        info: Info,
        entity: str,
        project: str,
        state: RunState | None = None,
        job_type: str | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[Run]:
        return await read_page(info, first, after)

    @strawberry.field(description="Registries of an entity, by name.")
    async def registries(
        self, info: Info, entity: str, first: int = 20, after: str | None = None
    ) -> Connection[Registry]:
        return await read_page(info, first, after)

    @strawberry.field
    async def registry(self, info: Info, entity: str, name: str) -> Registry:
        return await read_one(info, f"no registry {entity}/{name}", "name")

    @strawberry.field(description="A registry collection by ENTITY/registry-REGISTRY/NAME.")
    async def registry_collection(self, info: Info, ref: str) -> RegistryCollection:
        return await read_one(info, f"no registry collection matches ref {ref!r}", "ref")

    @strawberry.field(
        description="The lineage of an artifact version (any ref form, registry refs included) or of "
        "a run (ENTITY/PROJECT/RUN_ID): runs and versions within `depth` edges, each once."
    )
    async def lineage(
        self,
        info: Info,
        ref: str,
        direction: LineageDirection = LineageDirection.BOTH,
        depth: int = 2,
        cluster_threshold: int = 5,
        max_nodes: int = 500,
        as_of: DateTime | None = None,
    ) -> Lineage:
        return await read_lineage(info, compile_lineage, f"nothing matches ref {ref!r}")

    @strawberry.field(description="One page of a lineage cluster's members, newest first.")
    async def lineage_cluster(
        self, info: Info, id: strawberry.ID, first: int = 50, after: str | None = None, as_of: DateTime | None = None
    ) -> ClusterMembers:
        return await read_page(info, first, after, compile_cluster_page)

    @strawberry.field(
        description="The shortest directed path from one artifact version or run to another, "
        "following the data; found: false when the data never flowed that way."
    )
    async def lineage_path(
        self, info: Info, from_: Annotated[str, strawberry.argument(name="from")], to: str, max_depth: int = 10
    ) -> LineagePath:
        return await read_lineage(info, compile_path, f"no artifact version or run matches {from_!r} or {to!r}")

    @strawberry.field(
        description="Every artifact version downstream of ref that is linked into a registry, with "
        "its registry collection, version and aliases: which registered models did this data reach?"
    )
    async def impact(self, info: Info, ref: str, depth: int = 10) -> list[RegistryVersion]:
        return await read_lineage(info, compile_impact, f"nothing matches ref {ref!r}")
