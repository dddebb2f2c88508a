"""`stemma import mlflow --tracking-uri URI --experiment NAME --into ENTITY`: a real MLflow tracking store (sqlite,
files on disk), filled here with the `mlflow` package, is read with MLflow's client and rebuilt through the CLI:
runs with params, metric summaries and history, dataset inputs, logged models and registered versions with their
aliases, keeping the lineage MLflow knows; importing again changes nothing."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from tests.client import GraphQLClient
from tests.conftest import graph_state
from tests.server.test_cli import stemma

ENTITY = "ml-lab"
PROJECT = "zoo-training"
WEIGHTS = bytes(range(256)) * 40
RUN = """query($id: ID!) { run(id: $id) { name state group config summary createdAt finishedAt }
  runHistory(id: $id) { rows } }"""
VERSION = """query($ref: String!) { artifact(ref: $ref) { ref type version metadata
  files { path digest size } } }"""
LINEAGE = """query($ref: String!, $direction: LineageDirection!) {
  lineage(ref: $ref, direction: $direction, depth: 4) {
    nodes { __typename ... on Run { runId } ... on ArtifactVersion { ref } } } }"""


@dataclass
class Store:
    uri: str
    prepare: str
    train: str
    child: str
    evaluate: str
    model_id: str


def fill(root: Path) -> Store:
    """An experiment as a team logs it with MLflow 3: prepare and train take in one dataset, train logs a model
    (and a baseline folder registered from the run), a nested run, an evaluation that takes the model in; the
    model registered twice with the alias champion."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import mlflow
    from mlflow import MlflowClient
    from mlflow.entities import Dataset, DatasetInput, InputTag, LoggedModelInput, LoggedModelOutput, LoggedModelStatus

    uri = f"sqlite:///{root / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment(PROJECT, artifact_location=(root / "artifacts").as_uri())
    mlflow.set_experiment(experiment_id=experiment)
    raw = Dataset(
        name="zoo raw",  # not a Stemma name: imported as zoo-raw
        digest="3fa9c1d2",
        source_type="local",
        source=json.dumps({"uri": "file:///data/zoo.csv"}),
        schema=json.dumps({"mlflow_colspec": [{"type": "long", "name": "legs"}]}),
        profile=json.dumps({"num_rows": 101}),
    )
    taken = [DatasetInput(raw, tags=[InputTag("mlflow.data.context", "training")])]
    with mlflow.start_run(run_name="prepare") as prepare:
        mlflow.log_params({"split": "0.8", "seed": "42"})
        client.log_inputs(prepare.info.run_id, datasets=taken)
    with mlflow.start_run(run_name="train") as train:
        mlflow.log_param("lr", "0.01")
        client.log_inputs(train.info.run_id, datasets=taken)
        for step in range(5):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        mlflow.log_metric("accuracy", 0.93, step=4)
        model = client.create_logged_model(experiment, name="zoo-clf", source_run_id=train.info.run_id)
        files = root / "model-files"
        files.mkdir()
        (files / "MLmodel").write_text(f"model_id: {model.model_id}\nflavors: {{}}\n")
        (files / "weights.bin").write_bytes(WEIGHTS)
        client.log_model_artifacts(model.model_id, str(files))
        client.finalize_logged_model(model.model_id, LoggedModelStatus.READY)
        client.log_outputs(train.info.run_id, [LoggedModelOutput(model.model_id, step=0)])
        baseline = root / "baseline"
        baseline.mkdir()
        (baseline / "rules.txt").write_text("legs == 6 -> insect\n")
        mlflow.log_artifacts(str(baseline), artifact_path="baseline")
        with mlflow.start_run(run_name="fold 0", nested=True) as child:
            mlflow.log_metric("fold_acc", 0.9)
    with mlflow.start_run(run_name="evaluate") as evaluate:
        client.log_inputs(evaluate.info.run_id, models=[LoggedModelInput(model.model_id)])
        mlflow.log_metric("accuracy", 0.91)
    client.create_registered_model("zoo-classifier", description="the zoo's classifier")
    first = client.create_model_version("zoo-classifier", source=f"models:/{model.model_id}", run_id=train.info.run_id)
    client.create_model_version("zoo-classifier", source=f"models:/{model.model_id}", run_id=train.info.run_id)
    client.set_registered_model_alias("zoo-classifier", "champion", first.version)
    client.create_registered_model("zoo-baseline")
    client.create_model_version("zoo-baseline", source=f"runs:/{train.info.run_id}/baseline", run_id=train.info.run_id)
    return Store(uri, prepare.info.run_id, train.info.run_id, child.info.run_id, evaluate.info.run_id, model.model_id)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return fill(tmp_path_factory.mktemp("mlflow"))


def imported(server: str, *args: str, refused: bool = False, code: int = 1, entity: str = "") -> str:
    env = {**os.environ, "STEMMA_BASE_URL": server, "STEMMA_CONFIG": "/nonexistent/stemma.toml"}
    env |= {"STEMMA_ENTITY": entity} if entity else {}
    done = stemma("import", *args, env=env)
    assert done.returncode == (code if refused else 0), done.stdout + done.stderr
    return done.stderr


def refs(answer: dict[str, Any]) -> set[str]:
    return {node.get("ref") or node["runId"] for node in answer["lineage"]["nodes"]}


def test_an_mlflow_experiment_becomes_a_project_with_its_runs_datasets_models_registry_and_lineage(
    store: Store, server: str, api: GraphQLClient, driver: Driver, tmp_path: Path
) -> None:
    args = ("mlflow", "--tracking-uri", store.uri, "--experiment", PROJECT, "--into", ENTITY)
    said = imported(server, *args)
    assert f"{ENTITY}/{PROJECT}: created 4 runs, 3 versions, 5 lineage edges, 2 registry links" in said
    assert "zoo-classifier: version 2 holds the same model as version 1" in said

    project = f"{ENTITY}/{PROJECT}"
    train = api.query(RUN, id=f"{project}/{store.train}")
    assert train["run"]["name"] == "train" and train["run"]["state"] == "FINISHED"
    assert train["run"]["config"]["lr"] == "0.01"
    assert train["run"]["config"]["_mlflow"]["runId"] == store.train
    assert train["run"]["summary"] == {"loss": 0.2, "accuracy": 0.93}
    assert [row["_step"] for row in train["runHistory"]["rows"]] == [0, 1, 2, 3, 4]
    assert train["runHistory"]["rows"][4] == {"_step": 4, "loss": 0.2, "accuracy": 0.93}
    child = api.query(RUN, id=f"{project}/{store.child}")["run"]
    assert (child["name"], child["group"]) == ("fold-0", store.train)

    dataset = api.query(VERSION, ref=f"{project}/zoo-raw:v0")["artifact"]
    assert dataset["type"] == "dataset"
    assert dataset["metadata"]["mlflow"]["digest"] == "3fa9c1d2"
    assert dataset["metadata"]["mlflow"]["source"] == {"uri": "file:///data/zoo.csv"}
    assert [file["path"] for file in dataset["files"]] == ["dataset.json"]

    champion = api.query(VERSION, ref=f"{ENTITY}/registry-model/zoo-classifier:champion")["artifact"]
    assert champion["ref"] == f"{project}/zoo-clf:v0"
    assert champion["metadata"]["mlflow"]["modelId"] == store.model_id
    assert sorted(file["path"] for file in champion["files"]) == ["MLmodel", "weights.bin"]
    same = api.query(VERSION, ref=f"{ENTITY}/registry-model/zoo-classifier:v1")["artifact"]
    assert same["ref"] == champion["ref"]
    baseline = api.query(VERSION, ref=f"{ENTITY}/registry-model/zoo-baseline:v1")["artifact"]
    assert baseline["ref"] == f"{project}/zoo-baseline:v0"
    assert [file["path"] for file in baseline["files"]] == ["rules.txt"]

    upstream = api.query(LINEAGE, ref=f"{project}/zoo-clf:v0", direction="UPSTREAM")
    assert refs(upstream) == {f"{project}/zoo-clf:v0", store.train, f"{project}/zoo-raw:v0"}  # the root too
    downstream = api.query(LINEAGE, ref=f"{project}/zoo-raw:v0", direction="DOWNSTREAM")
    assert refs(downstream) == {
        f"{project}/zoo-raw:v0",
        store.prepare,
        store.train,
        f"{project}/zoo-clf:v0",
        f"{project}/zoo-baseline:v0",
        store.evaluate,
    }

    import stemma as sdk

    folder = sdk.Api(base_url=server).artifact(f"{project}/zoo-clf:v0").download(str(tmp_path / "model"))
    assert (Path(folder) / "weights.bin").read_bytes() == WEIGHTS

    before = graph_state(driver)  # again, as the issue spells the command: the entity is STEMMA_ENTITY's
    said = imported(server, "mlflow", "--tracking-uri", store.uri, "--experiment", PROJECT, entity=ENTITY)
    assert f"{ENTITY}/{PROJECT}: created 0 runs, 0 versions, 0 lineage edges, 0 registry links" in said
    assert graph_state(driver) == before


def test_a_wrong_experiment_or_a_missing_option_is_refused_and_writes_nothing(
    store: Store, server: str, driver: Driver
) -> None:
    before = graph_state(driver)
    said = imported(
        server, "mlflow", "--tracking-uri", store.uri, "--experiment", "nope", "--into", ENTITY, refused=True
    )
    assert "--experiment" in said and "'nope'" in said
    for uri in (f"{store.uri}-typo", "nonsense://x"):
        said = imported(
            server, "mlflow", "--tracking-uri", uri, "--experiment", PROJECT, "--into", ENTITY, refused=True
        )
        assert f"--tracking-uri {uri}" in said or f"--tracking-uri: no MLflow store at {uri}" in said, said
    said = imported(server, "mlflow", "--experiment", PROJECT, "--into", ENTITY, refused=True, code=2)
    assert "--tracking-uri and --experiment go with `stemma import mlflow`" in said
    assert graph_state(driver) == before
