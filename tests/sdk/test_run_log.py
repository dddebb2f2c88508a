"""A W&B training script's config, per-step metrics and summary, with `import stemma as wandb`.

What a run logs is sent in the background in batches (never one request per step), kept on the server as
the run's config, summary and history, and read back by the SDK, the Api and GraphQL; a crash keeps what
was logged."""

from __future__ import annotations

import copy
import json
import logging
import math
import pickle
from pathlib import Path

import pytest
import stemma
import stemma as wandb
from neo4j import Driver
from stemma.history import BATCH_ROWS

from tests.client import GraphQLClient
from tests.sdk.conftest import requests_answered, requests_since
from tests.sdk.test_runs import run_script

ENTITY, PROJECT = "log-team", "mnist"
LOG_RUN = "mutation($input: LogRunInput!) { logRun(input: $input) { id } }"


def test_a_training_script_keeps_its_config_metrics_and_summary(stemma_server: str, driver: Driver) -> None:
    with wandb.init(project=PROJECT, entity=ENTITY, job_type="train", config={"lr": 0.1, "epochs": 3}) as run:
        wandb.config.update({"batch_size": 32})
        run.config.dropout = 0.5
        run.config["lr"] = 0.05
        wandb.define_metric("val/loss", summary="min")
        wandb.define_metric("train/*", summary="mean,last")
        for epoch in range(3):
            for batch in range(4):
                wandb.log({"train/loss": float(12 - (epoch * 4 + batch))})
            wandb.log({"val/loss": [0.5, 0.3, 0.4][epoch], "epoch": epoch})
        wandb.summary["best_epoch"] = 1
        assert run.summary["val/loss"] == {"min": 0.3}
        assert [row["val/loss"] for row in run.history(keys=["val/loss"])] == [0.5, 0.3, 0.4]
    recorded = stemma.Api().run(run.path)
    assert recorded.config == {"lr": 0.05, "epochs": 3, "batch_size": 32, "dropout": 0.5}
    assert recorded.summary == {
        "train/loss": {"mean": 6.5, "last": 1.0},
        "val/loss": {"min": 0.3},
        "epoch": 2,
        "best_epoch": 1,
    }
    rows = recorded.history()
    assert [row["_step"] for row in rows] == list(range(15))
    assert [row.get("train/loss") for row in rows[:5]] == [12.0, 11.0, 10.0, 9.0, None]
    assert all(row["_runtime"] >= 0 and row["_timestamp"] > 0 for row in rows)
    chunks = driver.execute_query("MATCH (h:RunHistory {run: $run}) RETURN count(h) AS n", run=run.path).records
    assert 1 <= chunks[0]["n"] <= 2  # one per batch sent, never one per step


def test_steps_and_commits_follow_wandb(stemma_server: str, caplog: pytest.LogCaptureFixture) -> None:
    with wandb.init(project=PROJECT, entity=ENTITY) as run:
        run.log({"a": 1}, commit=False)
        run.log({"b": 2})
        run.log({"c": 3}, step=5)
        run.log({"d": 4}, step=5)
        with caplog.at_level(logging.WARNING, logger="stemma"):
            run.log({"x": 0}, step=2)
        run.log({"e": 5}, step=6)
        run.log({"f": 6})
        run.log({"g": 7})
    assert "before the current step 5: ignored" in caplog.text
    rows = [{k: v for k, v in row.items() if not k.startswith("_") or k == "_step"} for row in run.history()]
    assert rows == [
        {"a": 1, "b": 2, "_step": 0},
        {"c": 3, "d": 4, "_step": 5},
        {"e": 5, "f": 6, "_step": 6},
        {"g": 7, "_step": 7},
    ]


def test_many_steps_go_in_a_few_requests(stemma_server: str) -> None:
    steps = 3 * BATCH_ROWS
    with wandb.init(project=PROJECT, entity=ENTITY) as run:
        before = requests_answered(stemma_server)
        for step in range(steps):
            wandb.log({"loss": 1 / (step + 1), "step_time": 0.01})
        run.finish()
        sent = requests_since(stemma_server, before).get(("POST", "/graphql", "200"), 0)
    assert len(stemma.Api().run(run.path).history(keys=["loss"])) == steps
    assert sent <= 3 + 6  # batches of BATCH_ROWS rows, plus finishRun and a few heartbeats at most


def test_values_json_cannot_hold_are_refused_by_key_and_nan_is_kept_as_text(stemma_server: str) -> None:
    with wandb.init(project=PROJECT, entity=ENTITY) as run:
        with pytest.raises(stemma.UsageError, match=r"weights: a object cannot be logged"):
            run.log({"weights": object()})
        with pytest.raises(stemma.UsageError, match="keys are non-empty strings"):
            run.log({"_step": 3})
        run.log({"loss": math.nan, "grad": math.inf, "nested": {"a": (1, 2)}})
    [row] = stemma.Api().run(run.path).history()
    assert (row["loss"], row["grad"], row["nested"]) == ("NaN", "Infinity", {"a": [1, 2]})


def test_module_level_calls_need_a_run(stemma_server: str) -> None:
    with pytest.raises(stemma.UsageError, match=r"stemma\.log needs a run"):
        wandb.log({"loss": 1})
    with pytest.raises(stemma.UsageError, match=r"call stemma\.init"):
        _ = wandb.config


def test_a_crash_keeps_what_was_logged(stemma_server: str, tmp_path: Path) -> None:
    script = f"""
        run = stemma.init(project="{PROJECT}", entity="{ENTITY}", config={{"lr": 0.1}})
        print(run.path, flush=True)
        run.config.update({{"warmup": 100}})
        for step in range(700):
            stemma.log({{"loss": 1 / (step + 1)}})
        raise RuntimeError("loss diverged")
    """
    process = run_script(script, {"STEMMA_BASE_URL": stemma_server}, tmp_path)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 1 and "loss diverged" in err, err
    recorded = stemma.Api().run(out.strip())
    assert recorded.state == "failed"
    assert recorded.config == {"lr": 0.1, "warmup": 100}
    assert [row["_step"] for row in recorded.history()] == list(range(700))
    assert recorded.summary == {"loss": 1 / 700}
    assert [row["_step"] for row in recorded.history(samples=5)] == [0, 175, 350, 524, 699]
    before = requests_answered(stemma_server)
    scanned = recorded.scan_history(keys=["loss"], page_size=100, min_step=250, max_step=460)
    assert requests_since(stemma_server, before) == {}, "nothing is read before iteration"
    assert [row["_step"] for row in scanned] == list(range(250, 460))
    assert requests_since(stemma_server, before) == {("POST", "/graphql", "200"): 3}, "pages of 100 until step 460"
    with pytest.raises(stemma.UsageError, match="samples must be a whole number of at least 1"):
        recorded.history(samples=0)


def test_config_stays_a_dict_for_json_copies_and_pickles(stemma_server: str) -> None:
    assert not hasattr(wandb, "config")
    with wandb.init(project=PROJECT, entity=ENTITY, config={"lr": 0.1}) as run:
        run.config.setdefault("layers", [64, 32])
        assert json.loads(json.dumps(run.config)) == {"lr": 0.1, "layers": [64, 32]}
        copied = copy.deepcopy(run.config)
        copied["lr"] = 9
        assert type(copied) is dict and run.config["lr"] == 0.1
        assert pickle.loads(pickle.dumps(run.config)) == {"lr": 0.1, "layers": [64, 32]}
        with pytest.raises(stemma.UsageError, match="config keys cannot be removed"):
            del run.config["lr"]
    assert stemma.Api().run(run.path).config == {"lr": 0.1, "layers": [64, 32]}


def test_a_refused_config_change_is_dropped_and_the_rows_sent_with_it_are_kept(
    stemma_server: str, api: GraphQLClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Another writer filled the run's config on the server; the script's next key would pass the server's
    64 KiB, so that change is refused and dropped, and the rows in the same batch are kept."""
    with caplog.at_level(logging.ERROR, logger="stemma"), wandb.init(project=PROJECT, entity=ENTITY) as run:
        api.query(LOG_RUN, input={"id": run.path, "config": {"notes": "x" * 60_000}})
        for step in range(3):
            wandb.log({"loss": step})
        wandb.config["more"] = "y" * 6_000
    assert "refused run" in caplog.text and "config change" in caplog.text
    recorded = stemma.Api().run(run.path)
    assert [row["loss"] for row in recorded.history()] == [0, 1, 2]
    assert set(recorded.config) == {"notes"} and recorded.summary == {"loss": 2}
    with wandb.init(project=PROJECT, entity=ENTITY) as run, pytest.raises(stemma.UsageError, match="would be"):
        run.summary["notes"] = "z" * 70_000


def test_a_run_started_again_by_id_logs_after_its_last_step(stemma_server: str) -> None:
    with wandb.init(project=PROJECT, entity=ENTITY, id="resumable") as run:
        for step in range(3):
            wandb.log({"loss": step})
    with wandb.init(project=PROJECT, entity=ENTITY, id="resumable") as again:
        wandb.log({"loss": 3})
    assert again.path == run.path
    assert [row["_step"] for row in stemma.Api().run(run.path).history()] == [0, 1, 2, 3]


def test_a_row_too_large_for_the_server_is_refused_when_logged(stemma_server: str) -> None:
    with wandb.init(project=PROJECT, entity=ENTITY) as run:
        with pytest.raises(stemma.UsageError, match="the row at step 0 would be"):
            run.log({"blob": "x" * 70_000})
        with pytest.raises(stemma.UsageError, match="step must be a whole number from 0 to"):
            run.log({"loss": 1}, step=2**63)
