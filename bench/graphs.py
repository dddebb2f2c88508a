"""Shapes of lineage graph, as `Graph` rows for the bulk loader."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from bench.loader import Graph

EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def stamp(seconds: float) -> str:
    return (EPOCH + dt.timedelta(seconds=seconds)).isoformat()


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Builder:
    """Adds entities, runs, collections and versions with consistent keys and increasing times."""

    def __init__(self, entity: str = "hub-team", project: str = "hub") -> None:
        self.graph = Graph()
        self.entity, self.project = entity, project
        self.clock = 0.0
        self.next_version: dict[str, int] = {}
        self.graph.add("entities", name=entity, at=self.tick())
        self.graph.add("projects", entity=entity, name=project, at=self.tick())

    def tick(self) -> str:
        self.clock += 1
        return stamp(self.clock)

    def run(self, run_id: str, job_type: str) -> str:
        self.graph.add(
            "runs",
            entity=self.entity,
            project=self.project,
            run_id=run_id,
            name=run_id,
            job_type=job_type,
            state="finished",
            at=self.tick(),
        )
        return f"{self.entity}/{self.project}/{run_id}"

    def collection(self, name: str, type_: str) -> str:
        collection_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.entity}/{self.project}/{name}"))
        self.graph.add(
            "collections",
            id=collection_id,
            entity=self.entity,
            project=self.project,
            name=name,
            type=type_,
            at=self.tick(),
            next_version=0,
        )
        self.next_version[collection_id] = 0
        return collection_id

    def version(self, collection_id: str, logged_by: str) -> str:
        number = self.next_version[collection_id]
        self.next_version[collection_id] = number + 1
        version_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{collection_id}:{number}"))
        at = self.tick()
        self.graph.add(
            "versions",
            id=version_id,
            collection_id=collection_id,
            version=number,
            digest=digest(version_id),
            size=1024,
            at=at,
        )
        self.graph.add("logged", run=logged_by, version=version_id, at=at, created=True)
        return version_id

    def use(self, version_id: str, run: str) -> None:
        self.graph.add("used", version=version_id, run=run, at=self.tick(), alias=None)

    def finish(self) -> Graph:
        for row in self.graph.rows["collections"]:
            row["next_version"] = self.next_version[row["id"]]
        return self.graph


def hub(consumers: int, outputs_per_run: int = 3, later_runs: int = 100) -> tuple[Graph, str]:
    """One dataset version used by `consumers` training runs, each logging `outputs_per_run` models;
    `later_runs` evaluation runs each use one of those models. Returns the graph and the hub's ref."""
    shape = Builder()
    prep = shape.run("prep", "preprocess")
    dataset = shape.collection("dataset", "dataset")
    hub_version = shape.version(dataset, prep)
    models = shape.collection("model", "model")
    outputs = []
    for number in range(consumers):
        run = shape.run(f"train-{number}", "train")
        shape.use(hub_version, run)
        outputs += [shape.version(models, run) for _ in range(outputs_per_run)]
    for number in range(later_runs):
        run = shape.run(f"eval-{number}", "evaluate")
        shape.use(outputs[(number * 7919) % len(outputs)], run)
    return shape.finish(), f"{shape.entity}/{shape.project}/dataset:v0"
