"""The real `wandb` client, unmodified, pointed at Stemma: WANDB_BASE_URL=SERVER/wandb and a Stemma key in
WANDB_API_KEY. Each script runs in the client's own virtualenv (`make wandb-client`, tests/wandb-client.lock)
as a training job would, and what it logged is read back through Stemma's own GraphQL API."""

from __future__ import annotations

import base64
import os
import subprocess
import textwrap
from pathlib import Path

import httpx
import pytest

from tests.client import GraphQLClient
from tests.schema.test_roles import ADD_MEMBER, NEW_KEY
from tests.serving import ROOT

CLIENT = ROOT / "tests" / ".wandb-client" / "bin" / "python"
PINNED = "0.31.0"  # tests/wandb-client.lock
RUN = """query($id: ID!) {
  run(id: $id) { name state jobType group tags notes config summary entity project }
  runHistory(id: $id) { rows }
}"""


@pytest.fixture(scope="module")
def client_python() -> Path:
    assert CLIENT.exists(), "the wandb client is not installed: `make wandb-client` installs it"
    asked = [str(CLIENT), "-c", "import wandb; print(wandb.__version__)"]
    assert subprocess.run(asked, capture_output=True, text=True, check=True).stdout.strip() == PINNED
    return CLIENT


def key_for(api: GraphQLClient, user: str, roles: dict[str, str]) -> str:
    for entity, role in roles.items():
        api.query(ADD_MEMBER, e=entity, u=user, r=role)
    key: str = api.query(NEW_KEY, u=user)["createApiKey"]["key"]
    return key


def run_script(python: Path, server: str, key: str, folder: Path, source: str) -> subprocess.CompletedProcess[str]:
    """Run `source` with the wandb client as a job would, its home and W&B folders in `folder`."""
    script = folder / "job.py"
    script.write_text(textwrap.dedent(source))
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(folder),
        "WANDB_BASE_URL": f"{server}/wandb",
        "WANDB_API_KEY": key,
        "WANDB_DIR": str(folder),
        "WANDB_CONFIG_DIR": str(folder / "config"),
        "WANDB_CACHE_DIR": str(folder / "cache"),
        "WANDB_DATA_DIR": str(folder / "data"),
    }
    return subprocess.run(
        [str(python), str(script)], cwd=folder, env=environment, capture_output=True, text=True, timeout=180
    )


def test_a_training_run_keeps_its_config_history_and_summary(
    api: GraphQLClient, server: str, client_python: Path, tmp_path: Path
) -> None:
    key = key_for(api, "mia", {"mia": "ADMIN"})
    done = run_script(
        client_python,
        server,
        key,
        tmp_path,
        """
        import wandb

        run = wandb.init(project="zoo", job_type="train", group="sweep-1", tags=["cnn"], notes="first try",
                         config={"lr": 0.1, "epochs": 3})
        for epoch in range(run.config.epochs):
            wandb.log({"epoch": epoch, "loss": round(1 / (1 + epoch), 3)})
        wandb.config.update({"batch": 32})
        run.summary["best_loss"] = 0.333
        print("RUN", run.id)
        run.finish()
        """,
    )
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.split("RUN ", 1)[1].split()[0]
    found = api.query(RUN, id=f"mia/zoo/{run_id}")
    run = found["run"]
    assert (run["entity"], run["project"]) == ("mia", "zoo")  # the key's default entity
    assert run["state"] == "FINISHED"
    assert (run["jobType"], run["group"], run["tags"], run["notes"]) == ("train", "sweep-1", ["cnn"], "first try")
    assert run["config"] == {"lr": 0.1, "epochs": 3, "batch": 32}
    assert run["summary"]["loss"] == 0.333 and run["summary"]["best_loss"] == 0.333
    rows = found["runHistory"]["rows"]
    assert [(row["_step"], row["epoch"], row["loss"]) for row in rows] == [(0, 0, 1.0), (1, 1, 0.5), (2, 2, 0.333)]


def test_a_script_that_raises_ends_its_run_failed_with_what_it_logged(
    api: GraphQLClient, server: str, client_python: Path, tmp_path: Path
) -> None:
    key = key_for(api, "mia", {"zoo-team": "MEMBER"})
    done = run_script(
        client_python,
        server,
        key,
        tmp_path,
        """
        import wandb

        run = wandb.init(entity="zoo-team", project="zoo", id="crashy1")
        wandb.log({"loss": float("nan")})
        wandb.log({"loss": 0.5})
        raise RuntimeError("out of memory")
        """,
    )
    assert done.returncode == 1 and "out of memory" in done.stderr
    found = api.query(RUN, id="zoo-team/zoo/crashy1")
    assert found["run"]["state"] == "FAILED"
    assert [row["loss"] for row in found["runHistory"]["rows"]] == ["NaN", 0.5]


def test_a_viewer_s_run_is_refused_and_nothing_is_written(
    api: GraphQLClient, server: str, client_python: Path, tmp_path: Path
) -> None:
    key = key_for(api, "vic", {"zoo-team": "VIEWER"})
    done = run_script(
        client_python,
        server,
        key,
        tmp_path,
        """
        import wandb

        wandb.init(entity="zoo-team", project="zoo", id="peek1")
        """,
    )
    assert done.returncode != 0
    assert "a viewer of 'zoo-team' cannot do this; it needs the member role" in done.stderr
    assert api.error(RUN, id="zoo-team/zoo/peek1")["extensions"]["code"] == "NOT_FOUND"


def test_an_operation_the_layer_lacks_is_refused_by_name_and_counted(api: GraphQLClient, server: str) -> None:
    key = os.environ["STEMMA_API_KEY"]
    basic = {"authorization": "Basic " + base64.b64encode(f"api:{key}".encode()).decode()}
    query = "query LaunchAgent($id: ID!) { launchAgent(id: $id) { id } }"
    answer = httpx.post(f"{server}/wandb/graphql", json={"query": query, "operationName": "LaunchAgent"}, headers=basic)
    assert answer.status_code == 200
    (error,) = answer.json()["errors"]
    assert error["extensions"] == {"code": "UNSUPPORTED_OPERATION", "operation": "LaunchAgent"}
    assert error["message"].startswith("operation LaunchAgent is not supported by Stemma's W&B layer")
    metrics = httpx.get(f"{server}/metrics", headers={"authorization": f"Bearer {key}"}).text
    assert 'stemma_wandb_unsupported_operations_total{operation="LaunchAgent"}' in metrics
    # Basic auth is the wandb client's, under /wandb only; a wrong key is refused like any other.
    assert httpx.post(f"{server}/graphql", json={"query": "{ me { user } }"}, headers=basic).status_code == 401
    wrong = {"authorization": "Basic " + base64.b64encode(b"api:stm_" + b"0" * 64).decode()}
    refused = httpx.post(f"{server}/wandb/graphql", json={"query": "{ viewer { id } }"}, headers=wrong)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "UNAUTHENTICATED"
