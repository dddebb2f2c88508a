"""W&B-style training scripts (tests/wandb_scripts) run as they are, `import stemma as wandb` their only change,
with the server's address and a member's key in the environment: a dataset step, training with config and
per-step metrics that links its model into the model registry, a sweep, and an evaluation of the registered
model. Then the graph, the summaries and the lineage page show what they did.

They run twice: with Stemma's SDK, and with the unmodified `wandb` client (tests/.wandb-client, pinned in
tests/wandb-client.lock) pointed at Stemma's W&B layer, their import back to `import wandb`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver
from playwright.sync_api import Page, expect

from tests.client import GraphQLClient
from tests.conftest import ROOT, clean

pytestmark = [pytest.mark.browser, pytest.mark.shared_graph]
expect.set_options(timeout=15_000)

SCRIPTS = ROOT / "tests" / "wandb_scripts"
ADD_MEMBER = "mutation($e: String!, $u: String!, $r: Role!) { addMember(entity: $e, user: $u, role: $r) { role } }"
NEW_KEY = "mutation($u: String) { createApiKey(user: $u) { key } }"
RUNS = """query($jobType: String, $group: String) {
  runs(entity: "ml-team", project: "mnist", jobType: $jobType, group: $group, first: 50) {
    edges { node { ref name state group tags config summary lastStep } } } }"""
LINEAGE = """query($ref: String!) {
  lineage(ref: $ref, direction: UPSTREAM, depth: 4) {
    nodes { __typename ... on Run { ref jobType } ... on ArtifactVersion { ref } }
    edges { kind } } }"""
SWEEP = """query($ref: String!) {
  lineage(ref: $ref, direction: DOWNSTREAM, depth: 1, clusterThreshold: 2) { clusters { count description } } }"""


WANDB_CLIENT = ROOT / "tests" / ".wandb-client" / "bin" / "python"


@dataclass
class Ran:
    """What the scripts left, read by the superuser's client; `client` is the SDK they ran with."""

    api: GraphQLClient
    client: str

    def query(self, query: str, **variables: Any) -> dict[str, Any]:
        return self.api.query(query, **variables)


def run_script(python: Path, script: Path, folder: Path, env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [str(python), str(script), *args], cwd=folder, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{script.name} failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module", params=["stemma", "wandb"])
def scripts_ran(
    request: pytest.FixtureRequest, driver: Driver, server: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Ran]:
    """Runs the four scripts once, in order, as ada (a member of ml-team, her default entity), with Stemma's SDK
    or with the wandb client; yields the superuser's client to read what they left."""
    clean(driver)
    api = GraphQLClient(server)
    api.query(ADD_MEMBER, e="ml-team", u="ada", r="MEMBER")
    key = api.query(NEW_KEY, u="ada")["createApiKey"]["key"]
    folder = tmp_path_factory.mktemp("wandb-scripts")
    env = {name: value for name, value in os.environ.items() if not name.startswith(("STEMMA_", "WANDB_"))}
    if request.param == "stemma":
        python, scripts = Path(sys.executable), SCRIPTS
        env.update(STEMMA_BASE_URL=server, STEMMA_API_KEY=key, STEMMA_CONFIG=str(ROOT / "no-such-config.toml"))
    else:
        assert WANDB_CLIENT.exists(), "the wandb client is not installed: `make wandb-client` installs it"
        python, scripts = WANDB_CLIENT, folder / "scripts"
        scripts.mkdir()
        for script in SCRIPTS.glob("*.py"):  # as their W&B originals: `import wandb`, nothing else changed
            text = script.read_text()
            assert "\nimport stemma as wandb\n" in text
            (scripts / script.name).write_text(text.replace("\nimport stemma as wandb\n", "\nimport wandb\n"))
        env.update(HOME=str(folder), WANDB_BASE_URL=f"{server}/wandb", WANDB_API_KEY=key, WANDB_DIR=str(folder))
    run_script(python, scripts / "prepare.py", folder, env)
    run_script(python, scripts / "train.py", folder, env, "--lr", "0.1", "--link")
    run_script(python, scripts / "sweep.py", folder, env)
    run_script(python, scripts / "evaluate.py", folder, env)
    yield Ran(api, request.param)
    api.http.close()


def runs(ran: Ran, **filters: Any) -> list[dict[str, Any]]:
    found = [edge["node"] for edge in ran.query(RUNS, **filters)["runs"]["edges"]]
    for run in found:  # the wandb client also keeps `_step`, `_runtime` and `_timestamp` in summaries, as W&B does
        run["summary"] = {key: value for key, value in run["summary"].items() if not key.startswith("_")}
    return found


def test_the_scripts_leave_their_runs_with_config_and_summaries(scripts_ran: Ran) -> None:
    (prep,) = runs(scripts_ran, jobType="dataset-prep")
    assert prep["config"] == {"seed": 7, "test_share": 0.2}
    assert prep["summary"] == {"rows": 100, "train_rows": 80}
    trained = [run for run in runs(scripts_ran, jobType="train") if run["group"] is None]
    assert len(trained) == 1
    train = trained[0]
    assert train["state"] == "FINISHED" and train["tags"] == ["cnn", "trained"]
    assert train["config"] == {"lr": 0.1, "epochs": 4, "link": True}
    assert train["lastStep"] == 3
    losses = [round(1.0 / (1 + epoch * 0.1 * 80 / 8), 4) for epoch in range(4)]
    assert train["summary"] == {
        "epoch": 3,
        "train/loss": losses[-1],
        "val/loss": {"min": round(losses[-1] * 1.1, 4)},
        "final_loss": losses[-1],
    }
    sweep = runs(scripts_ran, group="sweep-lr")
    assert sorted(run["config"]["lr"] for run in sweep) == [0.01, 0.03, 0.1]
    assert all(run["state"] == "FINISHED" and run["lastStep"] == 4 for run in sweep)
    (evaluation,) = runs(scripts_ran, jobType="evaluation")
    # The model's qualified name: Stemma's SDK names the version, the wandb client the registry membership.
    model = {"stemma": "ml-team/mnist/mnist-cnn:v0", "wandb": "ml-team/wandb-registry-model/mnist-classifier:staging"}
    assert evaluation["summary"] == {"test/acc": round(1 - losses[-1], 4), "model": model[scripts_ran.client]}


def test_the_registered_model_s_evaluation_leads_back_to_the_data(scripts_ran: Ran) -> None:
    (evaluation,) = runs(scripts_ran, jobType="evaluation")
    lineage = scripts_ran.query(LINEAGE, ref=evaluation["ref"])["lineage"]
    versions = {node["ref"] for node in lineage["nodes"] if node["__typename"] == "ArtifactVersion"}
    assert versions == {"ml-team/mnist/mnist-cnn:v0", "ml-team/mnist/mnist-split:v0"}
    job_types = sorted(node["jobType"] for node in lineage["nodes"] if node["__typename"] == "Run")
    assert job_types == ["dataset-prep", "evaluation", "train"]
    staging = scripts_ran.query('{ artifact(ref: "ml-team/registry-model/mnist-classifier:staging") { ref } }')
    assert staging["artifact"]["ref"] == "ml-team/mnist/mnist-cnn:v0"
    clusters = scripts_ran.query(SWEEP, ref="ml-team/mnist/mnist-split:v0")["lineage"]["clusters"]
    assert {"count": 3, "description": "3 runs of group sweep-lr, job type train"} in clusters


def test_the_lineage_page_shows_the_scripts_lineage(scripts_ran: Ran, page: Page) -> None:
    page.goto("/lineage?ref=ml-team/registry-model/mnist-classifier:staging&depth=3&direction=BOTH")
    page.wait_for_selector("#graph[data-layouts='1']")
    titles = page.locator(".outline-list li .title")
    expect(titles.filter(has_text=re.compile(r"^mnist-cnn:v0$"))).to_have_count(1)
    expect(titles.filter(has_text=re.compile(r"^mnist-split:v0$"))).to_have_count(1)
    (train,) = [run for run in runs(scripts_ran, jobType="train") if run["group"] is None]
    expect(titles.filter(has_text=re.compile(f"^{re.escape(train['name'])}$"))).to_have_count(1)


def test_a_reference_shows_its_uri_as_text_not_a_link(scripts_ran: Ran, page: Page) -> None:
    """Whoever logged the version chose the URI: the page names it and never links to it."""
    (prep,) = runs(scripts_ran, jobType="dataset-prep")

    def log_reference(uri: str, checksum: str, size: int) -> dict[str, Any]:
        files = [{"path": "a.parquet", "digest": checksum, "size": size, "ref": uri}]
        return scripts_ran.api.post(
            "mutation($input: LogArtifactInput!) { logArtifact(input: $input) { created } }",
            {"input": {"runId": prep["ref"], "name": "lake", "type": "dataset", "files": files}},
        )

    refused = log_reference("javascript:alert(1)//https://x.org/a", "unchecked", 1)  # not a reference scheme
    assert refused["errors"][0]["extensions"]["field"] == "input.files[0].ref"
    uri = "https://data.example.org/lake/a.parquet?sig=1"
    assert log_reference(uri, '"etag-1"', 7)["data"]["logArtifact"]["created"]
    page.goto("/?collection=ml-team/mnist/lake&version=v0")
    row = page.locator(".files tbody tr.reference")
    expect(row).to_have_count(1)
    expect(row.locator("code.ref")).to_have_text(uri)
    expect(row.locator("a")).to_have_count(0)
    expect(page.locator(".files thead th")).to_have_text(["Path", "Size", "Checksum"])
