"""A seeded generator of realistic lineage graphs (S ~10k nodes, M ~100k, L ~1M) as `Graph` rows for the loader.

The shape follows real ML projects: in every project, ingest runs log raw data;
preprocess runs use raw data and log processed splits (some re-log identical
content, so a version has several loggers); train runs use a processed split
chosen with a heavy-tailed (Zipf) popularity, so a few versions are used by
thousands of runs, and one in five fine-tunes an earlier model; evaluate runs use
a model and a split and log a report. Collections get `latest` and `best`
aliases; some models are linked into each entity's `model` registry, whose
newest link is `production` and the one before `staging`.

The same size and seed always give the same graph, keys and times included.
"""

from __future__ import annotations

import bisect
import itertools
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field

from bench.graphs import digest, stamp
from bench.loader import Graph

SIZES = {"T": 200, "S": 2_300, "M": 23_000, "L": 230_000}
"""Train runs per size; nodes come to about 4.65 per train run."""

ZIPF_EXPONENT = 2.0
MODEL_FAMILIES = ("resnet", "vit", "gbm")


@dataclass
class Facts:
    """What the benchmark needs to know about a generated graph: roots to ask from and refs to read."""

    size: str
    seed: int
    nodes: int
    relationships: int
    hub: str
    hub_consumers: int
    typical: str
    typical_run: str
    collection: str
    alias_ref: str
    registry_ref: str
    dataset_ref: str
    fan_out: list[int] = field(default_factory=list)


@dataclass
class _Collection:
    id: str
    entity: str
    project: str
    name: str
    versions: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"{self.entity}/{self.project}/{self.name}"


class _Generator:
    def __init__(self, size: str, seed: int) -> None:
        self.size, self.seed = size, seed
        self.rng = random.Random(seed)
        self.graph = Graph()
        self.clock = 0.0
        self.collections: dict[str, _Collection] = {}
        self.version_collection: dict[str, _Collection] = {}
        self.used_by: Counter[str] = Counter()
        self.runs = 0

    def tick(self, seconds: float = 7.0) -> str:
        self.clock += self.rng.uniform(1.0, seconds)
        return stamp(self.clock)

    def run(self, entity: str, project: str, job_type: str) -> str:
        self.runs += 1
        run_id = f"{job_type[:4]}-{self.runs:07d}"
        self.graph.add(
            "runs",
            entity=entity,
            project=project,
            run_id=run_id,
            name=f"{job_type}-{self.runs}",
            job_type=job_type,
            state="finished" if self.rng.random() > 0.04 else "failed",
            at=self.tick(),
        )
        return f"{entity}/{project}/{run_id}"

    def collection(self, entity: str, project: str, name: str, type_: str) -> _Collection:
        collection = _Collection(
            str(uuid.uuid5(uuid.NAMESPACE_URL, f"{entity}/{project}/{name}")), entity, project, name
        )
        self.graph.add(
            "collections",
            id=collection.id,
            entity=entity,
            project=project,
            name=name,
            type=type_,
            at=self.tick(),
            next_version=0,
        )
        self.collections[collection.id] = collection
        return collection

    def log(self, run: str, collection: _Collection) -> str:
        number = len(collection.versions)
        version_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{collection.id}:{number}"))
        at = self.tick()
        size = int(self.rng.lognormvariate(16, 2))
        self.graph.add(
            "versions",
            id=version_id,
            collection_id=collection.id,
            version=number,
            digest=digest(version_id),
            size=size,
            at=at,
        )
        self.graph.add("logged", run=run, version=version_id, at=at, created=True)
        collection.versions.append(version_id)
        self.version_collection[version_id] = collection
        return version_id

    def relog(self, run: str, version_id: str) -> None:
        self.graph.add("logged", run=run, version=version_id, at=self.tick(), created=False)

    def use(self, version_id: str, run: str, alias: str | None = None) -> None:
        self.used_by[version_id] += 1
        self.graph.add("used", version=version_id, run=run, at=self.tick(), alias=alias)


def generate(size: str, seed: int = 1) -> tuple[Graph, Facts]:
    """The graph of `size` (T, S, M or L) for `seed`, and the facts the benchmark asks from."""
    train_runs = SIZES[size]
    shape = _Generator(size, seed)
    rng = shape.rng
    entities = max(2, round(train_runs**0.25 / 2))
    projects_per_entity = max(2, round(train_runs**0.2))
    projects = []
    for e in range(entities):
        entity = f"team-{e}"
        shape.graph.add("entities", name=entity, at=shape.tick())
        for p in range(projects_per_entity):
            project = f"project-{p}"
            shape.graph.add("projects", entity=entity, name=project, at=shape.tick())
            projects.append((entity, project))

    splits: list[str] = []
    project_of: dict[tuple[str, str], dict[str, _Collection]] = {}
    for entity, project in projects:
        raw = shape.collection(entity, project, "raw-data", "raw_data")
        split = shape.collection(entity, project, "train-split", "dataset")
        test = shape.collection(entity, project, "test-split", "dataset")
        models = {family: shape.collection(entity, project, f"{family}-model", "model") for family in MODEL_FAMILIES}
        report = shape.collection(entity, project, "eval-report", "evaluation")
        project_of[(entity, project)] = {"raw": raw, "split": split, "test": test, "report": report, **models}
        for _ in range(max(2, train_runs // 2000)):
            shape.log(shape.run(entity, project, "ingest"), raw)
        preprocess = max(4, train_runs // (20 * len(projects)))
        for _ in range(preprocess):
            run = shape.run(entity, project, "preprocess")
            shape.use(rng.choice(raw.versions), run)
            if split.versions and rng.random() < 0.1:
                shape.relog(run, rng.choice(split.versions))
            else:
                splits.append(shape.log(run, split))
            if rng.random() < 0.5 or not test.versions:
                shape.log(run, test)
            else:
                shape.relog(run, test.versions[-1])

    rng.shuffle(splits)
    weights = _zipf(len(splits))
    test_weights = {key: _zipf(len(collections["test"].versions)) for key, collections in project_of.items()}
    models_of: dict[tuple[str, str], list[str]] = {key: [] for key in project_of}
    for _ in range(train_runs):
        split_version = splits[_pick(rng, weights)]
        home = shape.version_collection[split_version]
        key = (home.entity, home.project)
        collections = project_of[key]
        run = shape.run(*key, "train")
        shape.use(split_version, run, alias="latest" if rng.random() < 0.3 else None)
        earlier = models_of[key]
        if earlier and rng.random() < 0.2:
            shape.use(earlier[-1 - min(int(rng.expovariate(0.05)), len(earlier) - 1)], run)
        model = shape.log(run, collections[rng.choice(MODEL_FAMILIES)])
        earlier.append(model)
        for _ in range(rng.choice((0, 1, 1, 2))):
            evaluation = shape.run(*key, "evaluate")
            shape.use(model, evaluation)
            shape.use(collections["test"].versions[_pick(rng, test_weights[key])], evaluation)
            shape.log(evaluation, collections["report"])

    _aliases_and_registries(shape, project_of, models_of)
    graph = shape.graph
    for row in graph.rows["collections"]:
        row["next_version"] = len(shape.collections[row["id"]].versions)
    return graph, _facts(shape, project_of, models_of)


def _zipf(count: int) -> list[float]:
    """Cumulative Zipf weights: rank k is picked in proportion to 1 / k^ZIPF_EXPONENT."""
    return list(itertools.accumulate(1 / (rank + 1) ** ZIPF_EXPONENT for rank in range(count)))


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    return bisect.bisect(cumulative, rng.random() * cumulative[-1])


def _aliases_and_registries(
    shape: _Generator,
    project_of: dict[tuple[str, str], dict[str, _Collection]],
    models_of: dict[tuple[str, str], list[str]],
) -> None:
    rng, graph = shape.rng, shape.graph
    for collection in shape.collections.values():
        if collection.versions:
            graph.add(
                "aliases", collection_id=collection.id, name="latest", version=collection.versions[-1], at=shape.tick()
            )
            if len(collection.versions) > 2:
                graph.add(
                    "aliases",
                    collection_id=collection.id,
                    name="best",
                    version=rng.choice(collection.versions[:-1]),
                    at=shape.tick(),
                )
    for entity in sorted({key[0] for key in project_of}):
        registry_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{entity}/registry/model"))
        graph.add("registries", id=registry_id, entity=entity, name="model", at=shape.tick())
        for family in MODEL_FAMILIES:
            linked = [
                version
                for (owner, _), versions in models_of.items()
                if owner == entity
                for version in versions
                if shape.version_collection[version].name == f"{family}-model" and rng.random() < 0.05
            ] or [v for (owner, _), vs in models_of.items() if owner == entity for v in vs][:1]
            collection_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{registry_id}/{family}-classifier"))
            graph.add(
                "registry_collections",
                id=collection_id,
                registry_id=registry_id,
                name=f"{family}-classifier",
                type="model",
                at=shape.tick(),
                next_version=len(linked),
            )
            for number, version in enumerate(linked):
                graph.add("links", collection_id=collection_id, version=version, number=number, at=shape.tick())
            graph.add("aliases", collection_id=collection_id, name="production", version=linked[-1], at=shape.tick())
            if len(linked) > 1:
                graph.add("aliases", collection_id=collection_id, name="staging", version=linked[-2], at=shape.tick())


def _facts(
    shape: _Generator,
    project_of: dict[tuple[str, str], dict[str, _Collection]],
    models_of: dict[tuple[str, str], list[str]],
) -> Facts:
    nodes, relationships = shape.graph.count()
    hub, consumers = shape.used_by.most_common(1)[0]
    busiest = max(project_of, key=lambda key: len(models_of[key]))
    models = [v for v in models_of[busiest] if shape.used_by[v] >= 1]
    typical = models[len(models) // 2]
    typical_run = next(row["run"] for row in shape.graph.rows["logged"] if row["version"] == typical)
    collection = project_of[busiest][MODEL_FAMILIES[0]]
    entity = busiest[0]
    return Facts(
        size=shape.size,
        seed=shape.seed,
        nodes=nodes,
        relationships=relationships,
        hub=_ref(shape, hub),
        hub_consumers=consumers,
        typical=_ref(shape, typical),
        typical_run=typical_run,
        collection=collection.ref,
        alias_ref=f"{collection.ref}:latest",
        registry_ref=f"{entity}/registry-model/{MODEL_FAMILIES[0]}-classifier:production",
        dataset_ref=f"{project_of[busiest]['split'].ref}:latest",
        fan_out=[count for _, count in shape.used_by.most_common(5)],
    )


def _ref(shape: _Generator, version_id: str) -> str:
    collection = shape.version_collection[version_id]
    return f"{collection.ref}:v{collection.versions.index(version_id)}"


def describe(facts: Facts) -> str:
    return (
        f"{facts.size} (seed {facts.seed}): {facts.nodes:,} nodes, {facts.relationships:,} relationships; "
        f"biggest hub {facts.hub} used by {facts.hub_consumers:,} runs; top fan-outs {facts.fan_out}"
    )
