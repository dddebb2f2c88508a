"""The registry's object types. Values are the maps the compiled Cypher returns, read by field name;
fields with arguments (connections) are read by response key and turned into Relay pages."""

from __future__ import annotations

from enum import Enum, auto
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from strawberry.types import Info

from cypher.ids import global_id
from cypher.paging import finish_page, page_request
from cypher.printer import page_key
from schema.scalars import JSON, DateTime, Long, stored_json

T = TypeVar("T")

First = Annotated[
    int | None,
    strawberry.argument(
        description="Page size from the start (20 when neither first nor last is given); 0 asks for totalCount "
        "and pageInfo only. Not with last."
    ),
]
After = Annotated[str | None, strawberry.argument(description="The page starts after this cursor (with first).")]
Last = Annotated[
    int | None, strawberry.argument(description="Page size from the end, paging backward. Not with first.")
]
Before = Annotated[str | None, strawberry.argument(description="The page ends before this cursor (with last).")]
AnyTags = Annotated[list[str] | None, strawberry.argument(description="Only runs holding at least one of these tags.")]


def read(root: Any, key: str) -> Any:
    """A projected value from the compiled map standing in for `self`."""
    return root[key]


def page(root: Any, info: Info[Any, Any], **args: Any) -> Any:
    """A connection field's value: the compiled rows under its response key (`page_key`), made a Relay page."""
    return finish_page(root[page_key(str(info.path.key))], page_request(args))


class DictBacked:
    """Values are maps tagged with `__typename`; unions and interfaces resolve through it."""

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, dict) and obj.get("__typename") == cls.__name__


class NamedEnum(Enum):
    """An enum whose values are its names, as the compiled Cypher stores and compares them."""

    @staticmethod
    def _generate_next_value_(name: str, start: int, count: int, last_values: list[Any]) -> str:
        return name


LEGACY_ID = (
    "Use `id`, a global id. This field keeps the id this object had before global ids, for one release; "
    "arguments that took it still do."
)


def deprecated_id(description: str = "The id this object had before global ids.") -> Any:
    return strawberry.field(description=description, deprecation_reason=LEGACY_ID)


@strawberry.interface(description="An object with identity: refetch it with node(id:) or nodes(ids:).")
class Node:
    @strawberry.field(description="A global id: opaque, stable, unique across Stemma's types.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(global_id(read(self, "__typename"), read(self, "id")))


@strawberry.enum(description="Where a run stands; a run that stops reporting is swept to CRASHED.")
class RunState(Enum):
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    CRASHED = "crashed"


@strawberry.enum(description="Deleted versions vanish from listings but keep their place in lineage.")
class ArtifactState(Enum):
    COMMITTED = "committed"
    DELETED = "deleted"


@strawberry.type(description="A page of a run's history rows (W&B's run.log), in step order.")
class RunHistoryPage:
    rows: list[JSON] = strawberry.field(description="JSON objects with `_step` and the keys logged at that step.")
    has_more: bool = strawberry.field(description="Rows after these remain: ask again with afterStep: endStep.")
    end_step: Long | None = strawberry.field(description="The step of the last row here (afterStep when none).")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int


@strawberry.type
class Entity(Node, DictBacked):
    """A user or team namespace."""

    name: str
    created_at: DateTime | None

    @strawberry.field
    def projects(
        self, info: Info[Any, Any], first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Project]:
        return page(self, info, first=first, after=after, last=last, before=before)

    @strawberry.field
    def registries(
        self, info: Info[Any, Any], first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Registry]:
        return page(self, info, first=first, after=after, last=last, before=before)


@strawberry.type
class Project(Node, DictBacked):
    legacy_id: strawberry.ID = deprecated_id("ENTITY/NAME, the id this project had before global ids.")
    entity: str
    name: str
    created_at: DateTime | None

    @strawberry.field(description="Artifact collections, by name; filter by type and name prefix.")
    def collections(
        self,
        info: Info[Any, Any],
        type: str | None = None,
        name_prefix: str | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ArtifactCollection]:
        return page(self, info, first=first, after=after, last=last, before=before)

    @strawberry.field(description="Runs, newest first; filter by state, job type, group and tags.")
    def runs(
        self,
        info: Info[Any, Any],
        state: RunState | None = None,
        job_type: str | None = None,
        group: str | None = None,
        tags: AnyTags = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Run]:
        return page(self, info, first=first, after=after, last=last, before=before)


@strawberry.type
class RunInputEdge:
    cursor: str
    node: ArtifactVersion
    at: DateTime
    alias: str | None = strawberry.field(description="The alias the run asked for, resolved at use time.")


@strawberry.type
class RunOutputEdge:
    cursor: str
    node: ArtifactVersion
    at: DateTime
    created: bool = strawberry.field(description="True when this run first produced the content.")


@strawberry.type
class RunInputConnection:
    edges: list[RunInputEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class RunOutputConnection:
    edges: list[RunOutputEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class Run(Node, DictBacked):
    legacy_id: strawberry.ID = deprecated_id("ENTITY/PROJECT/RUN_ID, the id this run had before global ids; see `ref`.")
    ref: str = strawberry.field(
        description="ENTITY/PROJECT/RUN_ID, unique across Stemma: what run(id:), lineage(ref:) and the run "
        "mutations accept, beside the global id."
    )
    run_id: str
    entity: str
    project: str
    name: str | None
    state: RunState
    job_type: str | None
    group: str | None = strawberry.field(
        description="Runs that belong together (W&B's `group`, e.g. a sweep id); lineage clusters by it."
    )
    created_at: DateTime
    finished_at: DateTime | None
    heartbeat_at: DateTime | None
    tags: list[str]
    notes: str | None
    user: str | None

    @strawberry.field(description="The run's configuration (a JSON object).")
    def config(self) -> JSON:
        return stored_json(read(self, "config"))

    @strawberry.field(
        description="What the run reports about itself when done (W&B's run.summary): by default the last value "
        "logged for each key, and any keys set directly (a JSON object)."
    )
    def summary(self) -> JSON:
        return stored_json(read(self, "summary"))

    last_step: Long | None = strawberry.field(
        description="The last step the run's history holds (null before any): a resumed run logs after it; "
        "runHistory(id:) reads the rows."
    )

    @strawberry.field(description="Artifact versions this run used, newest use first.")
    def inputs(
        self, info: Info[Any, Any], first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> RunInputConnection:
        return page(self, info, first=first, after=after, last=last, before=before)

    @strawberry.field(description="Artifact versions this run logged, newest first.")
    def outputs(
        self, info: Info[Any, Any], first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> RunOutputConnection:
        return page(self, info, first=first, after=after, last=last, before=before)


@strawberry.type
class ArtifactCollection(Node, DictBacked):
    """An artifact's name within a project; its type is fixed by its first version."""

    legacy_id: strawberry.ID = deprecated_id()
    entity: str
    project: str
    name: str
    ref: str
    type: str
    description: str | None
    tags: list[str]
    created_at: DateTime
    aliases: list[Alias]
    latest: ArtifactVersion | None

    @strawberry.field(description="Free-form metadata (a JSON object).")
    def metadata(self) -> JSON:
        return stored_json(read(self, "metadata"))

    @strawberry.field(description="Versions, newest first; deleted versions are left out.")
    def versions(
        self, info: Info[Any, Any], first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[ArtifactVersion]:
        return page(self, info, first=first, after=after, last=last, before=before)


@strawberry.type
class Alias(Node, DictBacked):
    name: str
    version: int
    artifact: ArtifactVersion


@strawberry.type
class ManifestEntry:
    path: str
    digest: str = strawberry.field(
        description="sha256 of the file's content, hex; for a reference, the checksum it was recorded with "
        "(a sha256, or the ETag its store gave)."
    )
    size: Long
    ref: str | None = strawberry.field(
        default=None,
        description="For a reference (W&B's add_reference), the URI where the file stays (file://, http(s)://, "
        "s3://, gs://); its content is not in Stemma's file store. Null for an uploaded file.",
    )


@strawberry.type
class LoggedByEdge:
    cursor: str
    node: Run
    at: DateTime
    created: bool = strawberry.field(description="True for the run that first produced the content.")


@strawberry.type
class UsedByEdge:
    cursor: str
    node: Run
    at: DateTime
    alias: str | None


@strawberry.type
class LoggedByConnection:
    edges: list[LoggedByEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class UsedByConnection:
    edges: list[UsedByEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class ArtifactVersion(Node, DictBacked):
    legacy_id: strawberry.ID = deprecated_id()
    entity: str
    project: str
    name: str
    type: str
    version: int
    version_name: str = strawberry.field(description="v0, v1, …")
    ref: str = strawberry.field(description="Full name: ENTITY/PROJECT/NAME:vN.")
    digest: str = strawberry.field(description="sha256 of the manifest.")
    size: Long
    file_count: int
    description: str | None
    tags: list[str]
    created_at: DateTime
    state: ArtifactState
    deleted: bool
    aliases: list[str]
    files: list[ManifestEntry]
    collection: ArtifactCollection
    created_by: Run | None = strawberry.field(description="The run that first logged this content.")
    links: list[RegistryVersion] = strawberry.field(description="Where this version is linked in registries.")

    @strawberry.field(description="Free-form metadata (a JSON object).")
    def metadata(self) -> JSON:
        return stored_json(read(self, "metadata"))

    @strawberry.field(description="Runs that logged this content, newest first; the first creator is marked.")
    def logged_by(
        self, info: Info[Any, Any], first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> LoggedByConnection:
        return page(self, info, first=first, after=after, last=last, before=before)

    @strawberry.field(description="Runs that used this version as an input, newest first.")
    def used_by(
        self, info: Info[Any, Any], first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> UsedByConnection:
        return page(self, info, first=first, after=after, last=last, before=before)


@strawberry.type
class Registry(Node, DictBacked):
    legacy_id: strawberry.ID = deprecated_id()
    entity: str
    name: str
    description: str | None
    created_at: DateTime

    @strawberry.field
    def collections(
        self,
        info: Info[Any, Any],
        name_prefix: str | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[RegistryCollection]:
        return page(self, info, first=first, after=after, last=last, before=before)


@strawberry.type
class RegistryAlias(Node, DictBacked):
    name: str
    version: int = strawberry.field(description="The registry collection's own version number.")
    entry: RegistryVersion


@strawberry.type
class RegistryCollection(Node, DictBacked):
    legacy_id: strawberry.ID = deprecated_id()
    entity: str
    registry: str
    name: str
    ref: str = strawberry.field(description="ENTITY/registry-REGISTRY/NAME")
    type: str | None
    description: str | None
    tags: list[str]
    created_at: DateTime
    aliases: list[RegistryAlias]

    @strawberry.field(description="Free-form metadata (a JSON object).")
    def metadata(self) -> JSON:
        return stored_json(read(self, "metadata"))

    @strawberry.field(description="Linked versions, newest link first.")
    def versions(
        self, info: Info[Any, Any], first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[RegistryVersion]:
        return page(self, info, first=first, after=after, last=last, before=before)


@strawberry.type
class RegistryVersion(Node, DictBacked):
    """An artifact version linked into a registry collection, under that collection's own version number."""

    version: int
    version_name: str
    ref: str = strawberry.field(description="ENTITY/registry-REGISTRY/NAME:vN")
    linked_at: DateTime
    linked_by: str | None
    aliases: list[str]
    artifact: ArtifactVersion
    collection: RegistryCollection


@strawberry.enum(description="What search may find.")
class SearchKind(NamedEnum):
    COLLECTION = auto()
    VERSION = auto()
    RUN = auto()
    REGISTRY = auto()


SearchResult = Annotated[
    ArtifactCollection | RegistryCollection | ArtifactVersion | RegistryVersion | Run | Registry,
    strawberry.union(
        "SearchResult",
        description="What search finds: a collection (of a project or a registry), a version (by alias, digest "
        "prefix or reference; by a registry alias, the registry's version), a run (by name, short id or "
        "ENTITY/PROJECT/RUN_ID) or a registry.",
    ),
]


@strawberry.type
class SearchEdge:
    cursor: str
    node: SearchResult
    matched: str = strawberry.field(description="The text that matched: a name, an alias, a run id or a digest.")


@strawberry.type
class SearchConnection:
    edges: list[SearchEdge]
    page_info: PageInfo
    total_count: int
