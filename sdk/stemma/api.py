"""The public read API, as in wandb's `Api()`: artifacts, runs, lineage, and creating registries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from stemma import queries
from stemma.artifacts import Artifact, RunInfo
from stemma.batch import RecordedRuns, RunRecord, record_runs
from stemma.client import GraphQLClient
from stemma.collection import ArtifactCollection, not_of_type, versions
from stemma.errors import NotFound, UsageError
from stemma.lineage import Lineage, check_direction
from stemma.names import qualify
from stemma.paging import Paged
from stemma.settings import Settings

# W&B's run filters (MongoDB-style) that Stemma's runs query answers, by the argument each becomes.
RUN_FILTERS = {"state": "state", "group": "group", "jobType": "jobType", "job_type": "jobType", "tags": "tags"}
RUN_STATES = ("running", "finished", "failed", "crashed")
ORDERS = {"+created_at": True, "created_at": True, "-created_at": False}


class Api:
    """A connection to a Stemma server; settings come from arguments, STEMMA_* variables or the config file."""

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        entity: str | None = None,
        project: str | None = None,
        retry_seconds: float | None = None,
        overrides: Mapping[str, str] | None = None,
    ) -> None:
        """`overrides` is W&B's: `entity`, `project` and `base_url` that short references are read against. With
        no entity from anywhere, a short reference is read against the key's user's default entity
        (`me.defaultEntity`), asked of the server the first time one needs it."""
        given = dict(overrides or {})
        unknown = set(given) - {"entity", "project", "base_url"}
        if unknown:
            raise UsageError(f"overrides takes entity, project and base_url; got {', '.join(sorted(unknown))}")
        settings = Settings.resolve(
            base_url=base_url or given.get("base_url"),
            api_key=api_key,
            entity=entity or given.get("entity"),
            project=project or given.get("project"),
            retry_seconds=retry_seconds,
        )
        self.settings = settings
        self.client = GraphQLClient(settings)
        self._default_entity: str | None = None

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def artifact(self, name: str, type: str | None = None) -> Artifact:
        """A logged version by reference: ENTITY/PROJECT/NAME:vN or :ALIAS (`:latest` when no label is given)."""
        ref = self._qualify(name)
        data = self.client.execute(queries.ARTIFACT, {"ref": ref})
        artifact = Artifact.from_server(data["artifact"], self.client)
        if type is not None and artifact.type != type:
            raise UsageError(f"{artifact.ref} is a {artifact.type}, not a {type}", field="type")
        return artifact

    def artifact_exists(self, name: str, type: str | None = None) -> bool:
        """Whether `artifact(name, type)` would find a version (False for one the key may not see)."""
        try:
            self.artifact(name, type)
        except (NotFound, UsageError):
            return False
        return True

    def artifact_collection(self, type_name: str, name: str) -> ArtifactCollection:
        """A collection by ENTITY/PROJECT/NAME (or PROJECT/NAME, NAME against the defaults), of type `type_name`."""
        data = self.client.execute(queries.COLLECTION, {"ref": self._collection_path(name)})
        collection = ArtifactCollection.from_server(data["artifactCollection"], self.client)
        if collection.type != type_name:
            raise not_of_type(collection.path, collection.type, type_name)
        return collection

    def artifact_collection_exists(self, name: str, type: str) -> bool:
        try:
            self.artifact_collection(type, name)
        except (NotFound, UsageError):
            return False
        return True

    def artifact_collections(self, project_name: str, type_name: str, per_page: int = 50) -> Paged[ArtifactCollection]:
        """The collections of type `type_name` in a project (ENTITY/PROJECT, or PROJECT), by name, a page a
        request."""
        entity, project = self._project_path(project_name)
        return Paged(
            self.client,
            queries.COLLECTIONS,
            {"entity": entity, "project": project, "type": type_name},
            (),
            lambda node: ArtifactCollection.from_server(node, self.client),
            per_page=per_page,
        )

    def artifacts(
        self, type_name: str, name: str, per_page: int = 50, tags: list[str] | None = None
    ) -> Paged[Artifact]:
        """The live versions of a collection (ENTITY/PROJECT/NAME, or shorter against the defaults), newest
        first, a page a request; reading the first page refuses a collection of another type than `type_name`."""
        if tags:
            raise UsageError("tags: versions are not filtered by tag yet; leave tags out", field="tags")
        return versions(self.client, self._collection_path(name), per_page, type_name)

    artifact_versions = artifacts

    def run(self, path: str) -> RunInfo:
        """A run by ENTITY/PROJECT/RUN_ID."""
        data = self.client.execute(queries.RUN, {"id": path})
        return RunInfo.from_server(data["run"], self.client)

    def runs(
        self,
        path: str | None = None,
        filters: Mapping[str, Any] | None = None,
        order: str = "+created_at",
        per_page: int = 50,
        include_sweeps: bool = True,
    ) -> Paged[RunInfo]:
        """A project's runs (ENTITY/PROJECT, PROJECT, or the defaults' when left out), oldest first as in W&B
        (`order="-created_at"` for newest first), a page a request. `filters` takes W&B's keys `state`,
        `group`, `jobType` (or `job_type`) and `tags`, each a value, `{"$eq": value}` or, for tags,
        `{"$in": [...]}` (a run holding any of them); anything else is refused naming it."""
        if order not in ORDERS:
            raise UsageError(f"order must be one of {', '.join(ORDERS)}; got {order!r}", field="order")
        entity, project = self._project_path(path or self.settings.project or "")
        variables: dict[str, Any] = {"entity": entity, "project": project}
        for key, value in (filters or {}).items():
            if key not in RUN_FILTERS:
                raise UsageError(
                    f"filters: {key!r} is not one Stemma answers; it takes {', '.join(RUN_FILTERS)}", field="filters"
                )
            variables[RUN_FILTERS[key]] = _filter_value(key, value)
        if "state" in variables:
            if str(variables["state"]).lower() not in RUN_STATES:
                raise UsageError(f"filters: state is one of {', '.join(RUN_STATES)}", field="filters")
            variables["state"] = str(variables["state"]).upper()
        if isinstance(variables.get("tags"), str):
            variables["tags"] = [variables["tags"]]
        return Paged(
            self.client,
            queries.RUNS,
            variables,
            (),
            lambda node: RunInfo.from_server(node, self.client),
            per_page=per_page,
            oldest_first=ORDERS[order],
        )

    def lineage(
        self,
        ref: str,
        direction: str = "both",
        depth: int | None = None,
        *,
        cluster_threshold: int | None = None,
        max_nodes: int | None = None,
        as_of: dt.datetime | None = None,
    ) -> Lineage:
        """Runs and versions within `depth` edges of `ref` (a version, or a run's ENTITY/PROJECT/RUN_ID path):
        upstream is where it came from, downstream what it reached, both is the union of the two. Options left
        out take the server's defaults (the arguments of `lineage` in its GraphQL schema)."""
        document = queries.lineage(check_direction(direction))
        options = {"depth": depth, "clusterThreshold": cluster_threshold, "maxNodes": max_nodes}
        variables = {
            "ref": ref if _is_run_path(ref) else self._qualify(ref),
            **{name: value for name, value in options.items() if value is not None},
            "asOf": as_of.isoformat() if as_of is not None else None,
        }
        data = self.client.execute(document, variables)
        return Lineage.from_server(data["lineage"], self.client)

    def _qualify(self, ref: str) -> str:
        """A full reference from a short one, read against the settings, then the key's default entity."""
        entity = self.settings.entity
        if not entity and ref.split(":", 1)[0].count("/") < 2:
            entity = self._entity()
        return qualify(ref, entity, self.settings.project)

    def record_runs(self, records: Sequence[RunRecord]) -> RecordedRuns:
        """Record whole runs at once (a bulk import): see `stemma.batch`. A record without an entity takes the
        Api's (overrides, settings, else the key's default entity)."""
        needs_entity = any(record.entity is None for record in records)
        return record_runs(self.client, records, self._entity() if needs_entity else None)

    def _project_path(self, path: str) -> tuple[str, str]:
        """ENTITY/PROJECT from `ENTITY/PROJECT`, or `PROJECT` with the default entity."""
        parts = path.split("/") if path else []
        if len(parts) == 1:
            return self._entity(), parts[0]
        if len(parts) == 2:
            return parts[0], parts[1]
        raise UsageError(f"{path!r} is not a project path ENTITY/PROJECT or PROJECT", field="path")

    def _collection_path(self, name: str) -> str:
        """ENTITY/PROJECT/NAME from a full or short collection path (no version label)."""
        if ":" in name:
            raise UsageError(f"{name!r} names a version; a collection is ENTITY/PROJECT/NAME", field="name")
        return self._qualify(f"{name}:latest").rsplit(":", 1)[0]

    def _entity(self) -> str:
        if self.settings.entity:
            return self.settings.entity
        if self._default_entity is None:
            self._default_entity = default_entity(self.client) or ""
        if not self._default_entity:
            raise UsageError("an entity is required: pass it in the path, Api(overrides=) or STEMMA_ENTITY")
        return self._default_entity

    def create_registry(self, entity: str, name: str, description: str | None = None) -> None:
        """Create a registry (e.g. `model`), which `link_artifact` targets as ENTITY/registry-NAME/COLLECTION."""
        self.client.execute(queries.CREATE_REGISTRY, {"entity": entity, "name": name, "description": description})


def _is_run_path(ref: str) -> bool:
    return ":" not in ref and ref.count("/") == 2


def default_entity(client: GraphQLClient) -> str | None:
    """The key's user's default entity, as the server says (`me.defaultEntity`): W&B's default entity."""
    entity: str | None = client.execute(queries.ME)["me"]["defaultEntity"]
    return entity


def _filter_value(key: str, value: Any) -> Any:
    """A filter's value: plain, `{"$eq": v}`, or `{"$in": [...]}` for tags."""
    if isinstance(value, Mapping):
        if len(value) == 1 and "$eq" in value:
            return value["$eq"]
        if key == "tags" and len(value) == 1 and isinstance(value.get("$in"), list):
            return list(value["$in"])
        raise UsageError(
            f"filters: {key!r} takes a value or {{'$eq': value}}{' or {$in: [...]}' if key == 'tags' else ''}; "
            f"got {dict(value)!r}",
            field="filters",
        )
    return value
