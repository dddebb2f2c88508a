"""Root query fields: each compiles its whole selection into one Cypher statement."""

from __future__ import annotations

from typing import Any

import strawberry

from cypher.errors import NotFound
from cypher.health import neo4j_status
from cypher.paging import finish_page
from cypher.reads import compile_read
from schema.context import Info
from schema.selection import selection_of
from schema.types import (
    ArtifactCollection,
    ArtifactVersion,
    Connection,
    Entity,
    Project,
    Registry,
    RegistryCollection,
    Run,
    RunState,
)


async def read_one(info: Info, missing: str, field: str) -> Any:
    """Compile and run the field being resolved; no row means the object does not exist."""
    context = info.context
    rows = await context.executor.read(compile_read(selection_of(info), context.caller, context.limits))
    if not rows:
        raise NotFound(missing, field=field)
    return rows[0]["result"]


async def read_page(info: Info, first: int, after: str | None) -> Any:
    context = info.context
    rows = await context.executor.read(compile_read(selection_of(info), context.caller, context.limits))
    return finish_page(rows[0]["result"], first, after)


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
