"""The zoo example from W&B's lineage docs, built and read back only through the SDK, checked again with Cypher."""

from __future__ import annotations

from pathlib import Path

import stemma
from neo4j import Driver

from tests.sdk.conftest import write

ENTITY, PROJECT = "zoo-team", "zoo"
SPLIT_RUNS = ["bright-sun-11", "calm-river-12", "misty-wave-13"]


def split_dataset(folder: Path, seed: int) -> Path:
    """The zoo data split into train and test CSVs; `seed` varies the content."""
    rows = [f"animal{i},{(i * 7 + seed) % 2},{(i * 3 + seed) % 6}" for i in range(101)]
    write(folder / "train.csv", "\n".join(["name,hair,legs", *rows[:80]]).encode())
    write(folder / "test.csv", "\n".join(["name,hair,legs", *rows[80:]]).encode())
    return folder


def build_zoo(workdir: Path) -> dict[str, str]:
    """Four earlier splits (v0–v3); three runs log identical content (v4); rural-feather-20 trains on it and logs
    zoo-ylbchv20:v0, linked into the model registry; northern-lake-21 evaluates that model. Returns run paths."""
    paths: dict[str, str] = {}
    with stemma.init(project=PROJECT, entity=ENTITY, job_type="split", name="early-split-1") as run:
        for seed in range(4):
            run.log_artifact(split_dataset(workdir / f"early-{seed}", seed), name="split_zoo_dataset", type="dataset")
    for name in SPLIT_RUNS:
        with stemma.init(
            project=PROJECT, entity=ENTITY, job_type="split", name=name, config={"seed": 4}, group="seed-4"
        ) as run:
            assert run.group == "seed-4"
            dataset = stemma.Artifact("split_zoo_dataset", type="dataset", metadata={"rows": 101})
            dataset.add_dir(split_dataset(workdir / name, seed=4))
            run.log_artifact(dataset)
            paths[name] = run.path

    stemma.Api().create_registry(ENTITY, "model")
    write(workdir / "model.pt", b"\x80\x04weights" * 1000)
    write(workdir / "checkpoints" / "epoch-1.ckpt", b"one" * 100)
    write(workdir / "checkpoints" / "epoch-2.ckpt", b"two" * 100)
    with stemma.init(
        project=PROJECT, entity=ENTITY, job_type="train", name="rural-feather-20", config={"lr": 0.01}, tags=["zoo"]
    ) as run:
        data = run.use_artifact("split_zoo_dataset:latest")
        path = data.download()
        assert Path(path, "train.csv").read_bytes() == (workdir / SPLIT_RUNS[0] / "train.csv").read_bytes()
        model = stemma.Artifact(name="zoo-ylbchv20", type="model", metadata={"acc": 0.93})
        model.add_file(local_path=str(workdir / "model.pt"), name="model.pt")
        model.add_dir(str(workdir / "checkpoints"))
        run.log_artifact(model, aliases=["best"])
        link = run.link_artifact(model, "zoo-team/registry-model/zoo-classifier", aliases=["staging"])
        assert (link.ref, link.version, sorted(link.aliases)) == (
            "zoo-team/registry-model/zoo-classifier:v0",
            "v0",
            ["latest", "staging"],
        )
        paths["rural-feather-20"] = run.path
    with stemma.init(project=PROJECT, entity=ENTITY, job_type="eval", name="northern-lake-21") as run:
        run.use_artifact("zoo-ylbchv20:v0")
        paths["northern-lake-21"] = run.path
    return paths


def test_the_zoo_example_reads_back_through_the_api(stemma_server: str, tmp_path: Path) -> None:
    paths = build_zoo(tmp_path)
    api = stemma.Api()

    dataset = api.artifact("zoo-team/zoo/split_zoo_dataset:v4")
    assert (dataset.version, dataset.ref, dataset.type, dataset.aliases) == (
        "v4",
        "zoo-team/zoo/split_zoo_dataset:v4",
        "dataset",
        ["latest"],
    )
    assert dataset.metadata == {"rows": 101}
    assert [(run.name, run.group) for run in dataset.loggers()] == [(n, "seed-4") for n in reversed(SPLIT_RUNS)]
    creator = dataset.logged_by()
    assert creator is not None
    assert (creator.name, creator.path, creator.state, creator.config) == (
        "bright-sun-11",
        paths["bright-sun-11"],
        "finished",
        {"seed": 4},
    )
    assert [run.name for run in dataset.used_by()] == ["rural-feather-20"]

    art = api.artifact("zoo-team/zoo/zoo-ylbchv20:v0")
    assert (art.version, sorted(art.aliases), art.metadata, art.size, art.type) == (
        "v0",
        ["best", "latest"],
        {"acc": 0.93},
        9000 + 300 + 300,
        "model",
    )
    assert [(entry.path, entry.size) for entry in art.files] == [
        ("epoch-1.ckpt", 300),
        ("epoch-2.ckpt", 300),
        ("model.pt", 9000),
    ]
    local = stemma.Artifact("zoo-ylbchv20", "model")
    local.add_file(tmp_path / "model.pt")
    local.add_dir(tmp_path / "checkpoints")
    assert art.digest == local.digest
    trainer = art.logged_by()
    assert trainer is not None
    assert (trainer.name, trainer.job_type, trainer.state, trainer.config, trainer.tags) == (
        "rural-feather-20",
        "train",
        "finished",
        {"lr": 0.01},
        ("zoo",),
    )
    assert [run.name for run in art.used_by()] == ["northern-lake-21"]
    assert [a.ref for a in trainer.used_artifacts()] == ["zoo-team/zoo/split_zoo_dataset:v4"]
    assert [a.ref for a in trainer.logged_artifacts()] == ["zoo-team/zoo/zoo-ylbchv20:v0"]
    assert api.artifact("zoo-team/registry-model/zoo-classifier:staging").ref == "zoo-team/zoo/zoo-ylbchv20:v0"
    evaluator = api.run(paths["northern-lake-21"])
    assert (evaluator.name, evaluator.job_type, evaluator.state) == ("northern-lake-21", "eval", "finished")


def test_the_zoo_graph_is_what_an_analyst_finds_with_cypher(stemma_server: str, driver: Driver, tmp_path: Path) -> None:
    build_zoo(tmp_path)
    with driver.session() as session:
        versions = session.run(
            "MATCH (v:ArtifactVersion {entity: 'zoo-team', project: 'zoo', name: 'split_zoo_dataset'}) "
            "RETURN v.version AS version ORDER BY version"
        ).value()
        loggers = session.run(
            "MATCH (r:Run)-[l:LOGGED]->(:ArtifactVersion {name: 'split_zoo_dataset', version: 4}) "
            "RETURN r.name AS name, l.created AS created ORDER BY l.at"
        ).data()
        chain = session.run(
            "MATCH (d:ArtifactVersion {name: 'split_zoo_dataset'})-[u:USED_BY]->(train:Run)"
            "-[:LOGGED]->(m:ArtifactVersion {name: 'zoo-ylbchv20'})-[e:USED_BY]->(eval:Run) "
            "RETURN d.version AS dataset, u.alias AS alias, train.name AS train, train.state AS train_state, "
            "m.version AS model, e.alias AS model_alias, eval.name AS eval, eval.state AS eval_state"
        ).data()
        upstream = session.run(
            "MATCH (m:ArtifactVersion {name: 'zoo-ylbchv20', version: 0})<-[:USED_BY|LOGGED*1..4]-(n) "
            "RETURN DISTINCT coalesce(n.name + ':v' + n.version, n.name) AS node ORDER BY node"
        ).value()
    assert versions == [0, 1, 2, 3, 4]
    assert loggers == [
        {"name": "bright-sun-11", "created": True},
        {"name": "calm-river-12", "created": False},
        {"name": "misty-wave-13", "created": False},
    ]
    assert chain == [
        {
            "dataset": 4,
            "alias": "latest",
            "train": "rural-feather-20",
            "train_state": "finished",
            "model": 0,
            "model_alias": None,
            "eval": "northern-lake-21",
            "eval_state": "finished",
        }
    ]
    assert upstream == ["bright-sun-11", "calm-river-12", "misty-wave-13", "rural-feather-20", "split_zoo_dataset:v4"]


MODEL = "zoo-team/zoo/zoo-ylbchv20:v0"
DATASET = "zoo-team/zoo/split_zoo_dataset:v4"


def label(node: stemma.RunInfo | stemma.Artifact) -> str:
    return node.ref if isinstance(node, stemma.Artifact) else str(node.name)


def edge_labels(lineage: stemma.Lineage) -> set[tuple[str, str, str]]:
    return {(label(lineage.node(edge.source)), edge.kind, label(lineage.node(edge.target))) for edge in lineage.edges}


def test_lineage_through_the_sdk_answers_where_the_model_came_from_and_what_it_reached(
    stemma_server: str, tmp_path: Path
) -> None:
    build_zoo(tmp_path)
    api = stemma.Api()

    upstream = api.lineage(MODEL, direction="upstream", depth=2)
    assert label(upstream.root) == MODEL
    assert [label(node) for node in upstream.nodes] == [MODEL, "rural-feather-20", DATASET]
    assert edge_labels(upstream) == {("rural-feather-20", "LOGGED", MODEL), (DATASET, "USED_BY", "rural-feather-20")}
    assert (upstream.clusters, upstream.truncated) == ([], False)
    [trainer] = upstream.runs
    assert (trainer.state, trainer.job_type, trainer.config) == ("finished", "train", {"lr": 0.01})
    assert [(a.version, a.type, a.metadata) for a in upstream.artifacts] == [
        ("v0", "model", {"acc": 0.93}),
        ("v4", "dataset", {"rows": 101}),
    ]
    assert [entry.path for entry in upstream.artifacts[1].files] == ["test.csv", "train.csv"]

    both = api.lineage(DATASET, direction="both", depth=2)
    assert sorted(label(node) for node in both.nodes) == sorted([DATASET, *SPLIT_RUNS, "rural-feather-20", MODEL])

    clustered = api.lineage(MODEL, direction="upstream", depth=4, cluster_threshold=2)
    assert [label(node) for node in clustered.nodes] == [MODEL, "rural-feather-20", DATASET]
    [cluster] = clustered.clusters
    dataset = clustered.node(cluster.parent)
    assert (label(dataset), cluster.side, cluster.kind, cluster.count) == (DATASET, "UPSTREAM", "RUN", 3)
    assert (cluster.leaves, cluster.description) == (True, "3 runs of group seed-4, job type split")

    model = api.artifact(MODEL)
    downstream = api.lineage(MODEL, direction="downstream", depth=2)
    assert [label(node) for node in downstream.nodes] == [MODEL, "northern-lake-21"]
    before_evaluation = api.lineage(MODEL, direction="downstream", depth=2, as_of=model.created_at)
    assert [label(node) for node in before_evaluation.nodes] == [MODEL]
    api.close()


def test_the_example_in_issue_5_runs_verbatim(stemma_server: str, tmp_path: Path) -> None:
    with stemma.init(project="zoo", entity="zoo-team", job_type="split", name="bright-sun-11") as run:
        run.log_artifact(split_dataset(tmp_path / "split", seed=4), name="split_zoo_dataset", type="dataset")
    stemma.Api().create_registry("zoo-team", "model")
    write(tmp_path / "model.pt", b"weights")
    write(tmp_path / "checkpoints" / "epoch-1.ckpt", b"epoch one")

    with stemma.init(project="zoo", entity="zoo-team", job_type="train", name="rural-feather-20") as run:
        data = run.use_artifact("split_zoo_dataset:latest")  # or artifact_or_name=..., aliases=...
        path = data.download()  # files land on disk, digests verified
        model = stemma.Artifact(name="zoo-ylbchv20", type="model", metadata={"acc": 0.93})
        model.add_file(local_path="model.pt", name="model.pt")
        model.add_dir("checkpoints/")
        run.log_artifact(model, aliases=["best"])
        run.link_artifact(model, "zoo-team/registry-model/zoo-classifier", aliases=["staging"])

    api = stemma.Api()
    art = api.artifact("zoo-team/zoo/zoo-ylbchv20:v0")
    seen = art.logged_by(), art.used_by(), art.aliases, art.version, art.digest, art.metadata
    lineage = api.lineage("zoo-team/zoo/zoo-ylbchv20:v0", direction="upstream", depth=2)

    assert path == "artifacts/split_zoo_dataset:v0"
    assert sorted(p.name for p in Path(path).iterdir()) == ["test.csv", "train.csv"]
    creator, users, aliases, version, digest, metadata = seen
    assert creator is not None and creator.name == "rural-feather-20"
    assert (users, sorted(aliases), version, metadata) == ([], ["best", "latest"], "v0", {"acc": 0.93})
    assert digest == model.digest
    assert [label(node) for node in lineage.nodes] == [MODEL, "rural-feather-20", "zoo-team/zoo/split_zoo_dataset:v0"]
    assert [entry.path for entry in art.files] == ["epoch-1.ckpt", "model.pt"]
    with stemma.init(project="zoo", entity="zoo-team", job_type="eval") as run:
        used = run.use_artifact(artifact_or_name="zoo-ylbchv20:best", aliases=["evaluated"])
    assert (used.ref, sorted(used.aliases)) == ("zoo-team/zoo/zoo-ylbchv20:v0", ["best", "evaluated", "latest"])
    api.close()
