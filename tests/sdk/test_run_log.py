"""A W&B training script's config, per-step metrics and summary, with `import stemma as wandb`.

What a run logs is sent in the background in batches (never one request per step), kept on the server as
the run's config, summary and history, and read back by the SDK, the Api and GraphQL; a crash keeps what
was logged."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import pytest
import stemma
import stemma as wandb
from neo4j import Driver
from stemma.history import BATCH_ROWS

from tests.sdk.conftest import requests_answered, requests_since
from tests.sdk.test_runs import run_script

ENTITY, PROJECT = "log-team", "mnist"


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
