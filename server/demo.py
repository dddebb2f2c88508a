"""`stemma demo`: the zoo example from W&B's lineage docs, built through the public GraphQL API.

Every document it sends is a constant here, validated against the schema by tests/server/test_client_documents.py.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import httpx

CREATE_RUN = "mutation($i: CreateRunInput!) { createRun(input: $i) { id } }"
FINISH = "mutation($id: ID!) { finishRun(id: $id, state: FINISHED) { id } }"
USE = "mutation($run: ID!, $ref: String!) { useArtifact(runId: $run, ref: $ref) { ref } }"
LOG = "mutation($i: LogArtifactInput!) { logArtifact(input: $i) { artifact { ref } } }"
CREATE_REGISTRY = (
    "mutation($entity: String!, $name: String!, $description: String) "
    "{ createRegistry(entity: $entity, name: $name, description: $description) { id } }"
)
LINK = (
    "mutation($ref: String!, $target: String!, $aliases: [String!]) "
    "{ linkArtifact(ref: $ref, target: $target, aliases: $aliases) { ref } }"
)


NO_KEY = "no API key was given: pass --api-key or set STEMMA_API_KEY (`stemma keys create` makes one)"


class DemoRefused(RuntimeError):
    """The server refused a step of the demo; the message says why (and that no key was given, if so)."""


def bearer(api_key: str | None) -> dict[str, str]:
    """The authorization header for a key; none without one (an empty `Bearer ` is not a valid header)."""
    return {"authorization": f"Bearer {api_key}"} if api_key else {}


def refusal(error: dict[str, Any], keyed: bool) -> str:
    """A GraphQL error as one line: its code and message, and what to do when no key was sent."""
    code = error.get("extensions", {}).get("code", "ERROR")
    line = f"{code}: {error.get('message', '')}"
    return f"{line}; {NO_KEY}" if code in ("UNAUTHENTICATED", "FORBIDDEN") and not keyed else line


class DemoClient:
    """Just enough of the API to log runs and artifacts in one entity/project."""

    def __init__(self, base_url: str, api_key: str, entity: str = "zoo-team", project: str = "zoo") -> None:
        self.http = httpx.Client(base_url=base_url, timeout=60, headers=bearer(api_key))
        self.entity, self.project = entity, project

    def close(self) -> None:
        self.http.close()

    def call(self, query: str, **variables: Any) -> dict[str, Any]:
        body = self.http.post("/graphql", json={"query": query, "variables": variables}).json()
        if body.get("errors"):
            raise DemoRefused(refusal(body["errors"][0], bool(self.http.headers.get("authorization"))))
        data: dict[str, Any] = body["data"]
        return data

    def run(self, run_id: str, name: str, job_type: str, group: str | None = None) -> str:
        run_input = {"entity": self.entity, "project": self.project, "runId": run_id, "name": name, "jobType": job_type}
        if group is not None:
            run_input["group"] = group
        run: str = self.call(CREATE_RUN, i=run_input)["createRun"]["id"]
        return run

    def log(self, run: str, name: str, type_: str, files: dict[str, bytes], aliases: list[str] | None = None) -> str:
        manifest = []
        for path, content in files.items():
            digest = hashlib.sha256(content).hexdigest()
            self.http.put(f"/files/sha256/{digest}", content=content).raise_for_status()
            manifest.append({"path": path, "digest": digest, "size": len(content)})
        log_input = {"runId": run, "name": name, "type": type_, "files": manifest, "aliases": aliases or []}
        ref: str = self.call(LOG, i=log_input)["logArtifact"]["artifact"]["ref"]
        return ref

    def use(self, run: str, ref: str) -> None:
        self.call(USE, run=run, ref=ref)

    def finish(self, run: str) -> None:
        self.call(FINISH, id=run)


def build_zoo(base_url: str, api_key: str | None = None, hub_runs: int = 0) -> dict[str, str]:
    """Several runs log split_zoo_dataset (the fifth content twice, so v4 has two loggers);
    rural-feather-20 trains zoo-ylbchv20:v0 on v4; northern-lake-21 evaluates it; the model is linked
    into the model registry as zoo-classifier:production. `hub_runs` more runs use v4 (a wide fan-out): a sweep,
    training runs of group sweep-s42, which lineage clusters apart from rural-feather-20."""
    zoo = DemoClient(base_url, api_key if api_key is not None else os.environ.get("STEMMA_API_KEY", ""))
    try:
        return _log_zoo(zoo, hub_runs)
    finally:
        zoo.close()


def _log_zoo(zoo: DemoClient, hub_runs: int) -> dict[str, str]:
    for number in range(4):
        run = zoo.run(f"prep-{number}", f"prep-{number}", "preprocess")
        zoo.log(run, "split_zoo_dataset", "dataset", {"split.csv": f"rows {number}".encode()})
        zoo.finish(run)
    for number in (4, 5):
        run = zoo.run(f"split-{number}", f"split-run-{number}", "preprocess")
        zoo.log(run, "split_zoo_dataset", "dataset", {"split.csv": b"the fifth split"})
        zoo.finish(run)
    train = zoo.run("rf20", "rural-feather-20", "train")
    zoo.use(train, "split_zoo_dataset:v4")
    model = zoo.log(train, "zoo-ylbchv20", "model", {"model.pt": b"weights", "config.json": b"{}"}, ["best"])
    zoo.finish(train)
    evaluate = zoo.run("nl21", "northern-lake-21", "evaluate")
    zoo.use(evaluate, "zoo-ylbchv20:v0")
    zoo.finish(evaluate)
    zoo.call(CREATE_REGISTRY, entity="zoo-team", name="model", description="Production models")
    zoo.call(LINK, ref=model, target="zoo-team/registry-model/zoo-classifier", aliases=["production"])
    for number in range(hub_runs):
        run = zoo.run(f"sweep-{number}", f"sweep-{number}", "train", group="sweep-s42")
        zoo.use(run, "split_zoo_dataset:v4")
        zoo.finish(run)
    return {
        "dataset": "zoo-team/zoo/split_zoo_dataset:v4",
        "model": model,
        "registry": "zoo-team/registry-model/zoo-classifier:production",
    }
