"""Graphs for tests, built only through the public GraphQL API (the one documented loader)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.demo import build_zoo as build_zoo_through_api
from tests.client import GraphQLClient

CREATE_RUN = """
mutation($input: CreateRunInput!) { createRun(input: $input) { id } }
"""
LOG = """
mutation($input: LogArtifactInput!) {
  logArtifact(input: $input) { created artifact { id legacyId ref version aliases } }
}
"""
USE = """
mutation($run: ID!, $ref: String!) { useArtifact(runId: $run, ref: $ref) { id ref } }
"""
FINISH = """
mutation($id: ID!, $state: RunState!) { finishRun(id: $id, state: $state) { id state } }
"""


@dataclass
class Builder:
    """Runs, logs and uses in one entity/project."""

    api: GraphQLClient
    entity: str = "zoo-team"
    project: str = "zoo"

    def run(self, run_id: str, name: str | None = None, job_type: str = "train", **extra: Any) -> str:
        data = self.api.query(
            CREATE_RUN,
            input={
                "entity": self.entity,
                "project": self.project,
                "runId": run_id,
                "name": name or run_id,
                "jobType": job_type,
                **extra,
            },
        )
        run: str = data["createRun"]["id"]
        return run

    def log(
        self,
        run: str,
        name: str,
        type_: str = "dataset",
        files: dict[str, bytes] | None = None,
        aliases: list[str] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        files = files if files is not None else {f"{name}.bin": f"{name} content".encode()}
        manifest = [
            {"path": path, "digest": self.api.put_file(content), "size": len(content)}
            for path, content in files.items()
        ]
        data = self.api.query(
            LOG,
            input={
                "runId": run,
                "name": name,
                "type": type_,
                "files": manifest,
                "aliases": aliases or [],
                **extra,
            },
        )
        result: dict[str, Any] = data["logArtifact"]
        return result

    def use(self, run: str, ref: str) -> str:
        version: str = self.api.query(USE, run=run, ref=ref)["useArtifact"]["ref"]
        return version

    def finish(self, run: str, state: str = "FINISHED") -> None:
        self.api.query(FINISH, id=run, state=state)

    def ref(self, name: str, label: str) -> str:
        return f"{self.entity}/{self.project}/{name}:{label}"


def build_zoo(api: GraphQLClient) -> Builder:
    """design.md's zoo example, as `stemma demo` builds it (server/demo.py), through the API."""
    build_zoo_through_api(str(api.http.base_url).rstrip("/"))
    return Builder(api)
