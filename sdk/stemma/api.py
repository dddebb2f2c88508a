"""The public read API, as in wandb's `Api()`: artifacts, runs, lineage, and creating registries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from stemma import queries
from stemma.artifacts import Artifact, RunInfo
from stemma.client import GraphQLClient
from stemma.errors import UsageError
from stemma.lineage import Lineage, check_direction
from stemma.names import qualify
from stemma.settings import Settings


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

    def run(self, path: str) -> RunInfo:
        """A run by ENTITY/PROJECT/RUN_ID."""
        data = self.client.execute(queries.RUN, {"id": path})
        return RunInfo.from_server(data["run"], self.client)

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
            if self._default_entity is None:
                self._default_entity = default_entity(self.client) or ""
            entity = self._default_entity
        return qualify(ref, entity, self.settings.project)

    def create_registry(self, entity: str, name: str, description: str | None = None) -> None:
        """Create a registry (e.g. `model`), which `link_artifact` targets as ENTITY/registry-NAME/COLLECTION."""
        self.client.execute(queries.CREATE_REGISTRY, {"entity": entity, "name": name, "description": description})


def _is_run_path(ref: str) -> bool:
    return ":" not in ref and ref.count("/") == 2


def default_entity(client: GraphQLClient) -> str | None:
    """The key's user's default entity, as the server says (`me.defaultEntity`): W&B's default entity."""
    entity: str | None = client.execute(queries.ME)["me"]["defaultEntity"]
    return entity
