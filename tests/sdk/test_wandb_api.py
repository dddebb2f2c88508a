"""The rest of W&B's read API, paged lazily one request per page (`Api().runs`, `artifacts`,
`artifact_collection(s)`, ...), and the run calls W&B scripts make beyond logging: `resume`, `tags`, `notes`,
`Artifact.new_file` and `wait`, and links into the `model` registry every entity has."""

from __future__ import annotations

from pathlib import Path

import pytest
import stemma

from tests.conftest import ADMIN
from tests.sdk.conftest import requests_answered, requests_since, write

GRAPHQL = ("POST", "/graphql", "200")


def test_runs_are_paged_lazily_one_request_per_page_and_filtered_as_w_and_b_filters(stemma_server: str) -> None:
    kinds = [("train", "s-1", ["base"]), ("train", "s-1", ["base", "best"]), ("eval", None, []), ("train", "s-2", [])]
    paths = []
    for number in range(7):
        job_type, group, tags = kinds[number % len(kinds)]
        run = stemma.init(entity="zoo-team", project="sweep", job_type=job_type, group=group, tags=tags)
        (run.finish(exit_code=1) if number == 6 else run.finish())
        paths.append(run.path)
    api = stemma.Api()
    before = requests_answered(stemma_server)
    runs = api.runs("zoo-team/sweep", per_page=3)
    assert requests_since(stemma_server, before) == {}, "nothing is asked before the runs are read"
    assert len(runs) == 7
    assert requests_since(stemma_server, before) == {GRAPHQL: 1}
    oldest_first = [run.path for run in runs]
    assert requests_since(stemma_server, before) == {GRAPHQL: 3}, "7 runs at 3 a page are 3 requests, no more"
    assert sorted(oldest_first) == sorted(paths) and len(set(oldest_first)) == 7
    newest_first = [run.path for run in api.runs("zoo-team/sweep", order="-created_at", per_page=4)]
    assert newest_first == oldest_first[::-1]
    assert api.runs("zoo-team/sweep", per_page=3)[4].path == oldest_first[4]
    assert all(run.user == ADMIN for run in runs)

    def found(filters: dict[str, object]) -> set[str]:
        return {run.path for run in api.runs("zoo-team/sweep", filters=filters)}

    assert found({"group": "s-1", "jobType": "train"}) == {paths[0], paths[1], paths[4], paths[5]}
    assert found({"job_type": {"$eq": "eval"}}) == {paths[2], paths[6]}
    assert found({"state": "failed"}) == {paths[6]}
    assert found({"tags": "best"}) == {paths[1], paths[5]}
    assert found({"tags": {"$in": ["best", "base"]}}) == {paths[0], paths[1], paths[4], paths[5]}
    with pytest.raises(stemma.UsageError, match=r"filters: 'config\.lr' is not one Stemma answers") as refused:
        api.runs("zoo-team/sweep", filters={"config.lr": 0.1})
    assert refused.value.field == "filters"
    with pytest.raises(stemma.UsageError, match=r"'tags' takes a value or \{'\$eq': value\} or \{\$in"):
        api.runs("zoo-team/sweep", filters={"tags": {"$nin": ["x"]}})
    with pytest.raises(stemma.UsageError, match="per_page must be a whole number from 1 to 100"):
        api.runs("zoo-team/sweep", per_page=0)


def test_collections_and_their_versions_are_listed_a_page_a_request(stemma_server: str, tmp_path: Path) -> None:
    with stemma.init(entity="zoo-team", project="zoo", job_type="prep") as run:
        for number in range(3):
            run.log_artifact(write(tmp_path / f"d{number}", f"rows {number}".encode()), name="zoo-data", type="dataset")
        run.log_artifact(write(tmp_path / "m", b"weights"), name="zoo-model", type="model")
    api = stemma.Api(overrides={"entity": "zoo-team", "project": "zoo"})
    collections = api.artifact_collections("zoo-team/zoo", "dataset")
    assert [(c.name, c.type, c.path) for c in collections] == [("zoo-data", "dataset", "zoo-team/zoo/zoo-data")]
    collection = api.artifact_collection("dataset", "zoo-data")
    assert collection.aliases == ("latest",)
    before = requests_answered(stemma_server)
    versions = collection.artifacts(per_page=2)
    assert [v.version for v in versions] == ["v2", "v1", "v0"]
    assert requests_since(stemma_server, before) == {GRAPHQL: 2}
    assert [v.ref for v in api.artifact_versions("dataset", "zoo-team/zoo/zoo-data")] == [
        f"zoo-team/zoo/zoo-data:v{n}" for n in (2, 1, 0)
    ]
    before = requests_answered(stemma_server)
    assert [v.digest for v in api.artifacts("dataset", "zoo/zoo-data")] == [v.digest for v in versions]
    assert requests_since(stemma_server, before) == {GRAPHQL: 1}, "one page, and no request to check the type"
    with pytest.raises(stemma.UsageError, match="zoo-team/zoo/zoo-data holds dataset artifacts, not model"):
        list(api.artifacts("model", "zoo-data"))
    with pytest.raises(stemma.NotFound):
        list(api.artifacts("dataset", "nothing-here"))
    with pytest.raises(stemma.UsageError, match="zoo-team/zoo/zoo-data holds dataset artifacts, not model"):
        api.artifact_collection("model", "zoo-data")
    assert api.artifact_collection_exists("zoo-model", "model")
    assert not api.artifact_collection_exists("zoo-model", "dataset")
    assert api.artifact_exists("zoo-data:v2") and not api.artifact_exists("zoo-data:v3")
    assert not api.artifact_exists("nothing-here")


def test_a_run_resumes_by_id_as_w_and_b_resume_says(stemma_server: str) -> None:
    with stemma.init(entity="zoo-team", project="zoo", id="long-job", config={"lr": 0.1}) as first:
        for step in range(3):
            first.log({"loss": 1.0 / (step + 1)})
    with pytest.raises(stemma.UsageError, match="run zoo-team/zoo/long-job exists and resume='never'"):
        stemma.init(entity="zoo-team", project="zoo", id="long-job", resume="never")
    with pytest.raises(stemma.UsageError, match="resume='must': there is no run zoo-team/zoo/other-job"):
        stemma.init(entity="zoo-team", project="zoo", id="other-job", resume="must")
    with pytest.raises(stemma.UsageError, match="resume must be one of"):
        stemma.init(entity="zoo-team", project="zoo", id="long-job", resume="sometimes")
    again = stemma.init(entity="zoo-team", project="zoo", id="long-job", resume="must", config={"epochs": 9})
    assert again.state == "running"
    again.log({"loss": 0.2})
    assert dict(again.config) == {"lr": 0.1, "epochs": 9}
    again.finish()
    stored = stemma.Api().run("zoo-team/zoo/long-job")
    assert stored.state == "finished"
    assert [row["_step"] for row in stored.history()] == [0, 1, 2, 3]
    assert stored.config == {"lr": 0.1, "epochs": 9}
    with stemma.init(entity="zoo-team", project="zoo", id="other-job", resume="allow") as fresh:
        fresh.log({"loss": 1.0})
    assert stemma.Api().run("zoo-team/zoo/other-job").summary["loss"] == 1.0


def test_tags_and_notes_set_during_a_run_are_kept(stemma_server: str) -> None:
    with stemma.init(entity="zoo-team", project="zoo", tags=["baseline"]) as run:
        run.tags = (*run.tags, "best")
        run.notes = "lr sweep winner"
        with pytest.raises(stemma.UsageError, match="tags must be a list of strings"):
            run.tags = "best"
    stored = stemma.Api().run(run.path)
    assert (stored.tags, stored.notes) == (("baseline", "best"), "lr sweep winner")


def test_new_file_writes_into_the_draft_and_wait_returns_the_logged_version(stemma_server: str, tmp_path: Path) -> None:
    labels = stemma.Artifact("zoo-labels", "dataset")
    with labels.new_file("meta/labels.txt") as handle:
        handle.write("cat\ndog\n")
    with (
        pytest.raises(stemma.UsageError, match=r"already holds a file named 'meta/labels\.txt'"),
        labels.new_file("meta/labels.txt"),
    ):
        pass
    with pytest.raises(stemma.UsageError, match="log it from a run first"):
        labels.wait()
    with stemma.init(entity="zoo-team", project="zoo") as run:
        run.log_artifact(labels)
    assert labels.wait() is labels
    folder = stemma.Api().artifact("zoo-team/zoo/zoo-labels:v0").download(tmp_path / "out")
    assert (Path(folder) / "meta" / "labels.txt").read_text() == "cat\ndog\n"


def test_every_entity_has_a_model_registry_addressed_as_w_and_b_does(stemma_server: str, tmp_path: Path) -> None:
    with stemma.init(entity="zoo-team", project="zoo", job_type="train") as run:
        model = stemma.Artifact("zoo-net", "model")
        model.add_file(write(tmp_path / "net.pt", b"net"))
        link = run.link_artifact(model, "wandb-registry-model/zoo-classifier", aliases=["staging"])
    assert link.ref == "zoo-team/registry-model/zoo-classifier:v0"
    api = stemma.Api(overrides={"entity": "zoo-team"})
    found = api.artifact("wandb-registry-model/zoo-classifier:staging")
    assert found.ref == "zoo-team/zoo/zoo-net:v0"
    assert api.artifact("zoo-team/wandb-registry-model/zoo-classifier:latest").ref == found.ref


def test_record_runs_imports_whole_runs_in_two_requests_and_again_changes_nothing(
    stemma_server: str, tmp_path: Path
) -> None:
    with stemma.init(entity="zoo-team", project="zoo", job_type="prep") as prep:
        prep.log_artifact(write(tmp_path / "rows", b"rows"), name="zoo-data", type="dataset")
        prep.log_artifact(write(tmp_path / "old-model", b"stored weights"), name="zoo-old", type="model")
    api = stemma.Api(overrides={"entity": "zoo-team"})

    def model(content: bytes, name: str = "zoo-model") -> stemma.Artifact:
        draft = stemma.Artifact(name, "model", metadata={"source": "import"})
        draft.add_file(write(tmp_path / f"{name}-{len(content)}", content), name="weights.bin")
        return draft

    one = stemma.RunRecord(
        project="zoo", id="imported-0", job_type="train", uses=["zoo-data:v0"], logs=[model(b"stored weights")]
    )
    before = requests_answered(stemma_server)
    recorded = api.record_runs([one])
    assert requests_since(stemma_server, before) == {GRAPHQL: 2}, "missingFiles and recordRuns, nothing else"
    assert (recorded.runs, recorded.used, recorded.logged, recorded.versions_created) == (1, 1, 1, 1)
    assert recorded.files_uploaded == 0

    sweep = [
        stemma.RunRecord(
            project="zoo",
            id=f"imported-{n}",
            job_type="train",
            group="s-9",
            config={"lr": n / 10},
            state="failed" if n == 3 else "finished",
            uses=["zoo-team/zoo/zoo-data:latest"],
            logs=[(model(f"imported sweep weights {n}".encode(), f"zoo-model-{n}"), ["candidate"])],
        )
        for n in range(1, 4)
    ]
    recorded = api.record_runs(sweep)
    assert (recorded.runs, recorded.versions_created, recorded.files_uploaded) == (3, 3, 3)
    again = api.record_runs(sweep)
    assert (again.versions_created, again.files_uploaded) == (0, 0)
    runs = api.runs("zoo-team/zoo", filters={"group": "s-9"})
    assert sorted((run.id, run.state, run.config["lr"]) for run in runs) == [
        ("imported-1", "finished", 0.1),
        ("imported-2", "finished", 0.2),
        ("imported-3", "failed", 0.3),
    ]
    assert api.artifact("zoo/zoo-model-2:candidate").logged_by().id == "imported-2"
    with pytest.raises(stemma.UsageError, match=r"records\[0\]\.state must be one of"):
        api.record_runs([stemma.RunRecord(project="zoo", state="done")])
    with pytest.raises(stemma.UsageError, match=r"records\[0\]\.uses holds a draft 'zoo-model'"):
        api.record_runs([stemma.RunRecord(project="zoo", uses=[model(b"x")])])


def test_tags_filters_and_setters_refuse_what_the_server_would(stemma_server: str) -> None:
    api = stemma.Api()
    with pytest.raises(stemma.BadUserInput, match="tags: at most 100 values") as many:
        list(api.runs("zoo-team/zoo", filters={"tags": {"$in": [f"t{n}" for n in range(101)]}}))
    assert many.value.field == "tags"
    with pytest.raises(stemma.UsageError, match="filters: state is one of running, finished, failed, crashed"):
        api.runs("zoo-team/zoo", filters={"state": "killed"})
    with stemma.init(entity="zoo-team", project="zoo") as run:
        run.log({"loss": 1.0})
        with pytest.raises(stemma.UsageError, match="tags may hold only letters"):
            run.tags = ("best model",)
        run.log({"loss": 0.5})
    assert [row["loss"] for row in run.history()] == [1.0, 0.5]
    with pytest.raises(stemma.UsageError, match="has finished; start a new run to set tags"):
        run.tags = ("late",)
    runs = api.runs("zoo-team/zoo")
    assert len(runs) == 1
    with pytest.raises(IndexError):
        runs[1]
