"""Root query fields: each compiles its whole selection into one Cypher statement."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any

import strawberry

from cypher.clusters import compile_cluster_page
from cypher.errors import NotFound, StemmaError
from cypher.executor import Row, Statement
from cypher.health import neo4j_status
from cypher.history import compile_run_history, page_of
from cypher.lineage import compile_impact, compile_lineage, compile_path
from cypher.lineage_answer import number_redacted
from cypher.nodes import arrange_nodes, compile_nodes
from cypher.paging import DEFAULT_PAGE_SIZE, DEFAULT_PAGE_SIZES, finish_page, page_request
from cypher.printer import Limits
from cypher.reads import compile_read
from cypher.search import MAX_CANDIDATES, MAX_QUERY_LENGTH, compile_search
from cypher.selection import Field
from schema.context import Context, Info
from schema.lineage import ClusterMemberConnection, Lineage, LineageDirection, LineagePath
from schema.lineage_formats import FORMATS, QUERIES, QUERY
from schema.scalars import DateTime, Long
from schema.selection import selection_of
from schema.types import (
    After,
    AnyTags,
    ArtifactCollection,
    ArtifactVersion,
    Before,
    Connection,
    Entity,
    First,
    Last,
    Node,
    Project,
    Registry,
    RegistryCollection,
    RegistryVersion,
    Run,
    RunHistoryPage,
    RunState,
    SearchConnection,
    SearchKind,
)

Compiler = Callable[[Field, Mapping[str, Any], Limits], Statement]


def _one(rows: list[Row], _: Field) -> Any:
    return rows[0]["result"]


def _page(rows: list[Row], selection: Field) -> Any:
    default = DEFAULT_PAGE_SIZES.get(selection.name, DEFAULT_PAGE_SIZE)
    return finish_page(rows[0]["result"], page_request(selection.args, default=default))


def _nodes(rows: list[Row], selection: Field) -> Any:
    return arrange_nodes(rows[0]["result"], selection.args)


def _node(rows: list[Row], selection: Field) -> Any:
    return _nodes(rows, selection)[0]


def _history_page(rows: list[Row], selection: Field) -> Any:
    return page_of(rows[0]["result"], selection.args)


def _lineage(rows: list[Row], _: Field) -> Any:
    return number_redacted(rows[0]["result"])


@dataclass(frozen=True)
class RootRead:
    """How a root query field is answered: the statement its selection compiles to, and what the statement's
    first row becomes. A root that finds no row names what is missing (from its arguments) and the argument."""

    compile: Compiler
    finish: Callable[[list[Row], Field], Any]
    missing: Callable[[Mapping[str, Any]], str] | None = None
    missing_field: str = "ref"
    nullable: bool = False  # the field may answer null (node): its failure leaves the other root fields be


ROOT_READS: Mapping[str, RootRead] = {
    "entity": RootRead(compile_read, _one, lambda a: f"no entity is named {a['name']!r}", "name"),
    "entities": RootRead(compile_read, _page),
    "project": RootRead(compile_read, _one, lambda a: f"no project {a['entity']}/{a['name']}", "name"),
    "artifact": RootRead(compile_read, _one, lambda a: f"no artifact version matches ref {a['ref']!r}"),
    "artifactCollection": RootRead(compile_read, _one, lambda a: f"no artifact collection matches ref {a['ref']!r}"),
    "collections": RootRead(compile_read, _page),
    "run": RootRead(compile_read, _one, lambda a: f"no run has id {a['id']!r}", "id"),
    "runs": RootRead(compile_read, _page),
    "registries": RootRead(compile_read, _page),
    "registry": RootRead(compile_read, _one, lambda a: f"no registry {a['entity']}/{a['name']}", "name"),
    "registryCollection": RootRead(compile_read, _one, lambda a: f"no registry collection matches ref {a['ref']!r}"),
    "lineage": RootRead(compile_lineage, _lineage, lambda a: f"nothing matches ref {a['ref']!r}"),
    "lineageCluster": RootRead(compile_cluster_page, _page),
    "lineagePath": RootRead(
        compile_path, _lineage, lambda a: f"no artifact version or run matches {a['from']!r} or {a['to']!r}"
    ),
    "impact": RootRead(compile_impact, _lineage, lambda a: f"nothing matches ref {a['ref']!r}"),
    "node": RootRead(compile_nodes, _node, nullable=True),
    "nodes": RootRead(compile_nodes, _nodes),
    "search": RootRead(compile_search, _page),
    "runHistory": RootRead(compile_run_history, _history_page, lambda a: f"no run has id {a['id']!r}", "id"),
}
"""Every root query field that compiles to one statement: the resolvers below and compiled execution
(`schema.compiled`) both answer them through `root_statement` and `root_answer`."""


def root_statement(selection: Field, context: Context) -> Statement:
    """The statement a root field's selection compiles to, for the caller and within the limits."""
    return ROOT_READS[selection.name].compile(selection, context.caller.param(), context.limits)


def root_answer(selection: Field, rows: list[Row]) -> Any:
    """The root field's value from its statement's rows; no row means what it asks for does not exist."""
    root = ROOT_READS[selection.name]
    if not rows:
        if root.missing is None:
            raise NotFound(f"{selection.response_key}: no answer", field=selection.response_key)
        raise NotFound(root.missing(selection.args), field=root.missing_field)
    return root.finish(rows, selection)


async def resolve_root(info: Info) -> Any:
    """A root field's resolver: compile, run, answer."""
    selection, context = selection_of(info), info.context
    return root_answer(selection, await context.reader.read(root_statement(selection, context)))


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


@strawberry.enum(description="A text form of a lineage answer (lineageText).")
class LineageFormat(Enum):
    JSON = "json"
    DOT = "dot"
    MERMAID = "mermaid"
    GRAPHML = "graphml"
    OPENLINEAGE = "openlineage"


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

    @strawberry.field(
        description="Any object with identity by its global id (Node.id); null when it does not exist or the "
        "caller may not see it. An id this API did not issue is refused (BAD_USER_INPUT)."
    )
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await resolve_root(info)

    @strawberry.field(
        description="Objects by global id, in the order asked, null where node(id:) would be; at most "
        "limits.maxNodeIds ids at once."
    )
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        return await resolve_root(info)

    @strawberry.field(description="A user or team namespace.")
    async def entity(self, info: Info, name: str) -> Entity:
        return await resolve_root(info)

    @strawberry.field(description="Entities, by name.")
    async def entities(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Entity]:
        return await resolve_root(info)

    @strawberry.field
    async def project(self, info: Info, entity: str, name: str) -> Project:
        return await resolve_root(info)

    @strawberry.field(
        description="An artifact version by reference: ENTITY/PROJECT/NAME:vN or :ALIAS; "
        "registry references (ENTITY/registry-REGISTRY/NAME:…) name the linked version."
    )
    async def artifact(self, info: Info, ref: str) -> ArtifactVersion:
        return await resolve_root(info)

    @strawberry.field(description="An artifact collection by ENTITY/PROJECT/NAME.")
    async def artifact_collection(self, info: Info, ref: str) -> ArtifactCollection:
        return await resolve_root(info)

    @strawberry.field(description="Artifact collections of a project, by name; filter by type and name prefix.")
    async def collections(
        self,
        info: Info,
        entity: str,
        project: str,
        type: str | None = None,
        name_prefix: str | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ArtifactCollection]:
        return await resolve_root(info)

    @strawberry.field(description="A run by its global id or ENTITY/PROJECT/RUN_ID (its ref).")
    async def run(self, info: Info, id: strawberry.ID) -> Run:
        return await resolve_root(info)

    @strawberry.field(
        description="A run's history rows (W&B's run.log) after afterStep, in step order: at most maxRows (up to "
        "10,000) and about 4 MiB a page; hasMore says to ask again with afterStep: endStep."
    )
    async def run_history(
        self, info: Info, id: strawberry.ID, after_step: Long | None = None, max_rows: int = 1000
    ) -> RunHistoryPage:
        return await resolve_root(info)

    @strawberry.field(description="Runs of a project, newest first; filter by state, job type, group and tags.")
    async def runs(
        self,
        info: Info,
        entity: str,
        project: str,
        state: RunState | None = None,
        job_type: str | None = None,
        group: str | None = None,
        tags: AnyTags = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Run]:
        return await resolve_root(info)

    @strawberry.field(description="Registries of an entity, by name.")
    async def registries(
        self,
        info: Info,
        entity: str,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Registry]:
        return await resolve_root(info)

    @strawberry.field
    async def registry(self, info: Info, entity: str, name: str) -> Registry:
        return await resolve_root(info)

    @strawberry.field(description="A registry collection by ENTITY/registry-REGISTRY/NAME.")
    async def registry_collection(self, info: Info, ref: str) -> RegistryCollection:
        return await resolve_root(info)

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
        return await resolve_root(info)

    @strawberry.field(
        description="The lineage answer as text, exactly as `stemma lineage REF --format …` prints it (the "
        "README's 'Lineage as text'): JSON, Graphviz DOT, Mermaid, GraphML, or OpenLineage RunEvents one per line."
    )
    async def lineage_text(
        self,
        info: Info,
        ref: str,
        format: LineageFormat,
        direction: LineageDirection = LineageDirection.BOTH,
        depth: int = 2,
        cluster_threshold: int = 5,
    ) -> str:
        name = format.name.lower()
        variables = {"ref": ref, "direction": direction.name, "depth": depth, "threshold": cluster_threshold}
        result = await info.schema.execute(QUERIES.get(name, QUERY), variables, context_value=info.context)
        for error in result.errors or []:  # the lineage field's own refusal (a bad ref, a depth past the limit)
            raise error.original_error if isinstance(error.original_error, StemmaError) else error
        assert result.data is not None
        return FORMATS[name](result.data["lineage"])

    @strawberry.field(description="One page of a lineage cluster's members, newest first.")
    async def lineage_cluster(
        self,
        info: Info,
        id: strawberry.ID,
        first: Annotated[
            int | None,
            strawberry.argument(description="Page size from the start (50 when neither first nor last is given)."),
        ] = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        as_of: DateTime | None = None,
    ) -> ClusterMemberConnection:
        return await resolve_root(info)

    @strawberry.field(
        description="The shortest directed path from one artifact version or run to another, "
        "following the data; found: false when the data never flowed that way."
    )
    async def lineage_path(
        self, info: Info, from_: Annotated[str, strawberry.argument(name="from")], to: str, max_depth: int = 10
    ) -> LineagePath:
        return await resolve_root(info)

    @strawberry.field(
        description="Every artifact version downstream of ref that is linked into a registry, with "
        "its registry collection, version and aliases: which registered models did this data reach?"
    )
    async def impact(self, info: Info, ref: str, depth: int = 10) -> list[RegistryVersion]:
        return await resolve_root(info)

    @strawberry.field(
        description="Collections, versions (by alias or digest prefix), runs (by name or id) and registries the "
        "caller may see whose names hold every word of `query`, best first: the whole name, then its start, then "
        f"a word or part of one. `query` is plain text of 1 to {MAX_QUERY_LENGTH} characters (no search syntax); "
        "`kinds` narrows what is searched (every kind when left out). Each way of finding reads at most the index's "
        f"best {MAX_CANDIDATES:,} matches, and totalCount counts the visible hits among them."
    )
    async def search(
        self,
        info: Info,
        query: str,
        kinds: list[SearchKind] | None = None,
        first: Annotated[
            int | None,
            strawberry.argument(description="Page size (20 when not given); 0 asks for totalCount and pageInfo only."),
        ] = None,
        after: After = None,
    ) -> SearchConnection:
        return await resolve_root(info)
