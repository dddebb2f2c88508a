"""Runs through the SDK: what init records, how a run ends (finished, failed, crashed), and how it uses artifacts."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import stemma
from neo4j import Driver

from tests.conftest import free_port
from tests.sdk.conftest import write
from tests.serving import ROOT, ServerProcess
from tests.waiting import until

ENTITY, PROJECT = "runs-team", "runs"


def test_init_records_the_wandb_arguments_and_the_block_ends_the_run_finished(stemma_server: str) -> None:
    config = {"lr": 0.01, "layers": [64, 32], "optimizer": {"name": "adam"}}
    with stemma.init(
        project=PROJECT,
        entity=ENTITY,
        job_type="train",
        name="rural-feather-20",
        config=config,
        tags=["zoo", "baseline"],
        notes="first try",
    ) as run:
        assert stemma.run is run
        assert (run.path, run.entity, run.project, run.name, run.job_type, run.tags, run.state) == (
            f"{ENTITY}/{PROJECT}/{run.id}",
            ENTITY,
            PROJECT,
            "rural-feather-20",
            "train",
            ("zoo", "baseline"),
            "running",
        )
        assert run.config == config
        assert stemma.Api().run(run.path).state == "running"
    assert stemma.run is None
    assert run.state == "finished"
    recorded = stemma.Api().run(run.path)
    assert (recorded.name, recorded.job_type, recorded.config, recorded.tags, recorded.notes, recorded.state) == (
        "rural-feather-20",
        "train",
        config,
        ("zoo", "baseline"),
        "first try",
        "finished",
    )
    assert recorded.finished_at is not None and recorded.finished_at >= recorded.created_at


def test_a_block_that_raises_ends_its_run_failed_and_the_error_propagates(stemma_server: str) -> None:
    with pytest.raises(RuntimeError, match="loss diverged"), stemma.init(project=PROJECT, entity=ENTITY) as run:
        raise RuntimeError("loss diverged")
    assert (run.state, stemma.Api().run(run.path).state) == ("failed", "failed")


@pytest.mark.parametrize(("code", "state"), [(0, "finished"), (3, "failed"), (None, "finished")])
def test_sys_exit_inside_the_block_ends_the_run_by_its_exit_code(
    stemma_server: str, code: int | None, state: str
) -> None:
    with pytest.raises(SystemExit), stemma.init(project=PROJECT, entity=ENTITY) as run:
        sys.exit(code)
    assert stemma.Api().run(run.path).state == state


def run_script(body: str, env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    script = "import stemma, sys, time\n" + textwrap.dedent(body)
    return subprocess.Popen(
        [sys.executable, "-c", script],
        env={**os.environ, **env},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize(("ending", "state"), [("raise ValueError('bad batch')", "failed"), ("pass", "finished")])
def test_a_script_without_a_with_block_ends_its_run_at_exit(
    stemma_server: str, tmp_path: Path, ending: str, state: str
) -> None:
    script = f"""
        run = stemma.init(project="{PROJECT}", entity="{ENTITY}", job_type="train")
        print(run.path, flush=True)
        {ending}
    """
    process = run_script(script, {"STEMMA_BASE_URL": stemma_server}, tmp_path)
    out, err = process.communicate(timeout=60)
    assert process.returncode == (1 if state == "failed" else 0), err
    assert stemma.Api().run(out.strip()).state == state


STALE_RUN_SECONDS = 2


@pytest.fixture
def sweeping_server(neo4j_uri: str, driver: Driver, tmp_path: Path) -> Iterator[ServerProcess]:
    """A server that marks runs silent for STALE_RUN_SECONDS as crashed, checking every 0.3 s."""
    (tmp_path / "state").mkdir()
    extra = {"STEMMA_STALE_RUN_SECONDS": str(STALE_RUN_SECONDS), "STEMMA_SWEEP_INTERVAL_SECONDS": "0.3"}
    process = ServerProcess(neo4j_uri, tmp_path / "state", free_port(), extra).start()
    yield process
    process.stop()


def test_a_killed_process_leaves_its_run_running_until_the_sweep_marks_it_crashed(
    sweeping_server: ServerProcess, tmp_path: Path
) -> None:
    script = f"""
        run = stemma.init(project="{PROJECT}", entity="{ENTITY}", name="doomed")
        print(run.path, flush=True)
        time.sleep(600)
    """
    env = {"STEMMA_BASE_URL": sweeping_server.url, "STEMMA_HEARTBEAT_SECONDS": "0.3"}
    process = run_script(script, env, tmp_path)
    try:
        assert process.stdout is not None
        path = process.stdout.readline().strip()
        api = stemma.Api(base_url=sweeping_server.url)

        def heartbeats_for_3_seconds() -> bool:
            alive = api.run(path)
            assert alive.state == "running", "a run whose process heartbeats must not be swept"
            assert alive.heartbeat_at is not None
            return (alive.heartbeat_at - alive.created_at).total_seconds() > 3

        until(heartbeats_for_3_seconds, "heartbeats for more than 3 s", poll_seconds=0.2)
    finally:
        process.kill()
        process.communicate(timeout=30)

    assert api.run(path).state == "running"
    until(lambda: api.run(path).state != "running", "the sweep ending the run", poll_seconds=0.2)
    crashed = api.run(path)
    assert crashed.state == "crashed"
    assert crashed.finished_at is not None and crashed.heartbeat_at is not None
    # The sweep's own timestamps: it ended the run only after the run's grace period of silence.
    assert (crashed.finished_at - crashed.heartbeat_at).total_seconds() >= STALE_RUN_SECONDS
    api.close()


def test_use_artifact_takes_names_aliases_versions_full_refs_and_artifacts(
    stemma_server: str, driver: Driver, tmp_path: Path
) -> None:
    with stemma.init(project=PROJECT, entity=ENTITY, name="producer") as run:
        v0 = run.log_artifact(write(tmp_path / "v0" / "data.csv", b"a,b\n1,2\n"), name="ds", aliases=["golden"])
        v1 = run.log_artifact(write(tmp_path / "v1" / "data.csv", b"a,b\n3,4\n"), name="ds")
    assert (v0.ref, v0.type, v1.ref, sorted(v1.aliases)) == (
        f"{ENTITY}/{PROJECT}/ds:v0",
        "unspecified",
        f"{ENTITY}/{PROJECT}/ds:v1",
        ["latest"],
    )

    with stemma.init(project=PROJECT, entity=ENTITY, name="consumer") as run:
        assert run.use_artifact("ds").version == "v1"
        assert run.use_artifact("ds:golden").version == "v0"
        assert run.use_artifact("ds:v1").ref == v1.ref
        assert run.use_artifact(f"{ENTITY}/{PROJECT}/ds:v0").ref == v0.ref
        assert run.use_artifact(v0).digest == v0.digest
        reviewed = run.use_artifact("ds:v1", type="unspecified", aliases=["reviewed"])
        assert sorted(reviewed.aliases) == ["latest", "reviewed"]
        with pytest.raises(stemma.UsageError, match=f"{ENTITY}/{PROJECT}/ds:v0 is a unspecified, not a model"):
            run.use_artifact("ds:v0", type="model")
        with pytest.raises(stemma.UsageError, match="is a draft"):
            run.use_artifact(stemma.Artifact("ds", "unspecified"))
        with pytest.raises(stemma.NotFound, match=f"no artifact version matches ref '{ENTITY}/{PROJECT}/ds:v7'"):
            run.use_artifact("ds:v7")
        consumer = run.path

    assert [artifact.ref for artifact in stemma.Api().run(consumer).used_artifacts()] == [v0.ref, v1.ref]
    with driver.session() as session:
        edges = session.run(
            "MATCH (v:ArtifactVersion)-[u:USED_BY]->(:Run {id: $id}) RETURN v.version AS version, u.alias AS alias "
            "ORDER BY version",
            id=consumer,
        ).data()
    assert edges == [{"version": 0, "alias": "golden"}, {"version": 1, "alias": "latest"}]


def test_latest_is_taken_wherever_wandb_scripts_pass_it_and_keyword_names_are_wandb_s(
    stemma_server: str, tmp_path: Path
) -> None:
    """W&B's own default for `aliases` is ["latest"]; scripts pass it explicitly, and the server keeps it on
    the newest version by itself."""
    with stemma.init(project=PROJECT, entity=ENTITY, name="producer") as run:
        first = stemma.Artifact(name="weights", type="model")
        first.add_file(local_path=str(write(tmp_path / "a" / "w.bin", b"one")), name="w.bin")
        run.log_artifact(artifact_or_path=first, aliases=["latest", "best"])
        second = write(tmp_path / "b" / "w.bin", b"two")
        run.log_artifact(second, name="weights", type="model", aliases="latest")
    api = stemma.Api()
    assert sorted(api.artifact(f"{ENTITY}/{PROJECT}/weights:v0").aliases) == ["best"]
    assert sorted(api.artifact(f"{ENTITY}/{PROJECT}/weights:v1").aliases) == ["latest"]
    with stemma.init(project=PROJECT, entity=ENTITY, name="consumer") as run:
        used = run.use_artifact(artifact_or_name="weights:best", aliases="latest")
    assert (used.version, sorted(used.aliases)) == ("v0", ["best"])
    api.close()


def test_a_finished_run_refuses_more_work(stemma_server: str, tmp_path: Path) -> None:
    with stemma.init(project=PROJECT, entity=ENTITY) as run:
        pass
    with pytest.raises(stemma.UsageError, match=f"run {run.path} has finished; start a new run to log an artifact"):
        run.log_artifact(write(tmp_path / "late.txt", b"late"))
    run.finish()
    assert run.state == "finished"


def test_the_sdk_runs_without_the_server_packages_installed(tmp_path: Path) -> None:
    """Only httpx and Rich: importing the SDK loads nothing of server/, schema/, cypher/ or neo4j."""
    probe = (
        "import sys, stemma; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'server', 'schema', 'cypher', 'neo4j', 'strawberry'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"
    with (ROOT / "sdk" / "pyproject.toml").open("rb") as handle:
        project = tomllib.load(handle)["project"]
    assert (project["name"], project["dependencies"], "scripts" in project) == (
        "stemma",
        ["httpx==0.28.1", "rich==15.0.0"],
        False,
    )


def test_logging_a_version_read_from_the_server_records_one_more_logger(stemma_server: str, tmp_path: Path) -> None:
    with stemma.init(project=PROJECT, entity=ENTITY, name="maker") as run:
        made = run.log_artifact(write(tmp_path / "shared.csv", b"x,y\n"), name="shared", type="dataset")
    with stemma.Api() as api, stemma.init(project=PROJECT, entity=ENTITY, name="relogger") as run:
        again = run.log_artifact(api.artifact(made.ref))
        assert (again.ref, again.digest) == (made.ref, made.digest)
        assert [logger.name for logger in again.loggers()] == ["relogger", "maker"]
