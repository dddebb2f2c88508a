"""The real `wandb` client, unmodified, pointed at Stemma: WANDB_BASE_URL=SERVER/wandb and a Stemma key in
WANDB_API_KEY. Each script runs in the client's own virtualenv (`make wandb-client`, tests/wandb-client.lock)
as a training job would, and what it logged is read back through Stemma's own GraphQL API."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from neo4j import Driver

from cypher.named import named
from server.wandb_compat import UPLOAD_SECONDS
from tests.client import GraphQLClient
from tests.conftest import clean
from tests.schema.test_roles import ADD_MEMBER, NEW_KEY
from tests.serving import ROOT
from tests.wandb_recorder import Recorder

CLIENT = ROOT / "tests" / ".wandb-client" / "bin" / "python"
PINNED = "0.31.0"  # tests/wandb-client.lock
VERSION = """query($ref: String!) {
  artifact(ref: $ref) {
    id ref description files { path digest ref } createdBy { runId } links { ref aliases }
    loggedBy { edges { node { runId } } } usedBy { edges { node { runId } } }
  }
}"""
LINEAGE = """query($ref: String!) {
  lineage(ref: $ref, direction: UPSTREAM, depth: 4, clusterThreshold: 50) {
    nodes { __typename ... on Run { ref jobType } ... on ArtifactVersion { ref } }
  }
}"""
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


def test_a_preempted_job_resumes_its_run_and_logs_on_after_its_last_step(
    api: GraphQLClient, server: str, client_python: Path, tmp_path: Path
) -> None:
    key = key_for(api, "mia", {"zoo-team": "MEMBER"})
    job = """
        import sys, wandb

        run = wandb.init(entity="zoo-team", project="zoo", id="long1", resume="allow", config={"lr": 0.1})
        start = run.starting_step
        for step in range(start, start + 3):
            wandb.log({"loss": round(1 / (1 + step), 3)})
        print("START", start, run.resumed)
        if sys.argv[-1] == "preempted":
            raise RuntimeError("preempted")
        run.finish()
        """
    first = run_script(client_python, server, key, tmp_path, job.replace('sys.argv[-1] == "preempted"', "True"))
    assert first.returncode == 1 and "preempted" in first.stderr, first.stderr
    assert "START 0 False" in first.stdout
    assert api.query(RUN, id="zoo-team/zoo/long1")["run"]["state"] == "FAILED"
    again = run_script(
        client_python, server, key, tmp_path / "again" if (tmp_path / "again").mkdir() is None else tmp_path, job
    )
    assert again.returncode == 0, again.stderr
    assert "START 3 True" in again.stdout
    found = api.query(RUN, id="zoo-team/zoo/long1")
    assert found["run"]["state"] == "FINISHED"
    assert found["run"]["config"] == {"lr": 0.1}
    assert [row["_step"] for row in found["runHistory"]["rows"]] == [0, 1, 2, 3, 4, 5]
    assert found["run"]["summary"]["loss"] == round(1 / 6, 3)
    must = run_script(
        client_python, server, key, tmp_path, job.replace('resume="allow"', 'resume="must"').replace("long1", "nope")
    )
    assert must.returncode != 0 and "resum" in must.stderr
    assert api.error(RUN, id="zoo-team/zoo/nope")["extensions"]["code"] == "NOT_FOUND"


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


# The journey below runs once for the tests after it (their graph is shared), through a recording proxy.
PRODUCE = """
import json, pathlib, wandb

folder = pathlib.Path("zoo")
(folder / "images").mkdir(parents=True, exist_ok=True)
(folder / "labels.csv").write_text("id,label\\n1,zebra\\n2,lion\\n")
(folder / "images" / "1.bin").write_bytes(bytes(range(256)) * 40)
with wandb.init(project="zoo", job_type="split", config={"seed": 3}) as run:
    split = wandb.Artifact("split_zoo_dataset", type="dataset", description="zoo split", metadata={"rows": 2})
    split.add_dir(str(folder))
    notes = pathlib.Path("elsewhere/notes.txt").resolve()
    notes.parent.mkdir(exist_ok=True)
    notes.write_text("kept where it is\\n")
    split.add_reference(notes.as_uri(), name="notes.txt")
    run.log_artifact(split, aliases=["latest", "best"])
    wandb.log({"rows": 2})
print("RESULT " + json.dumps({"run": run.id}))
"""
TRAIN = """
import hashlib, json, pathlib, wandb

with wandb.init(project="zoo", job_type="train") as run:
    data = run.use_artifact("split_zoo_dataset:latest", type="dataset")
    root = pathlib.Path(data.download(root="got"))
    files = {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()
    }
    pathlib.Path("model.bin").write_bytes(b"weights" * 1000)
    model = wandb.Artifact("zoo-model", type="model")
    model.add_file("model.bin", name="weights/model.bin")
    run.log_artifact(model)
    run.link_artifact(model, "wandb-registry-model/zoo-classifier", aliases=["production"])
print("RESULT " + json.dumps({"run": run.id, "files": files}))
"""
RETRAIN = """
import json, wandb

with wandb.init(project="zoo", job_type="train") as run:
    model = wandb.Artifact("zoo-model", type="model")
    model.add_file("model.bin", name="weights/model.bin")
    run.log_artifact(model)
    model.wait()
print("RESULT " + json.dumps({"run": run.id, "version": model.version, "id": model.id}))
"""
EVALUATE = """
import hashlib, json, pathlib, wandb

with wandb.init(project="zoo", job_type="evaluate") as run:
    model = run.use_artifact("wandb-registry-model/zoo-classifier:production")
    root = pathlib.Path(model.download(root="registered"))
    weights = hashlib.sha256((root / "weights" / "model.bin").read_bytes()).hexdigest()
print("RESULT " + json.dumps({"run": run.id, "weights": weights, "name": model.qualified_name}))
"""
READ_BACK = """
import hashlib, json, pathlib, wandb

api = wandb.Api()
split = api.artifact("zoo-team/zoo/split_zoo_dataset:v0")
root = pathlib.Path(split.download(root="again"))
files = {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}
print("RESULT " + json.dumps({
    "logged_by": split.logged_by().id,
    "used_by": sorted(run.id for run in split.used_by()),
    "aliases": sorted(split.aliases),
    "metadata": split.metadata,
    "type": split.type,
    "files": files,
}))
"""
JOURNEY = {"produce": PRODUCE, "train": TRAIN, "retrain": RETRAIN, "evaluate": EVALUATE, "read_back": READ_BACK}
REQUESTS = ROOT / "tests" / "wandb_client_requests.txt"


@dataclass
class Journey:
    results: dict[str, dict[str, Any]]
    requests: set[str]
    folder: Path


@pytest.fixture(scope="module")
def journey(driver: Driver, server: str, client_python: Path, tmp_path_factory: pytest.TempPathFactory) -> Journey:
    """The zoo story with the wandb client, as carol (a member of zoo-team, her default entity): a split run logs
    a dataset, a training run uses it and logs a model it links into the model registry, a second training run
    logs the same model again, an evaluation uses the registered model, and the Api reads the dataset back."""
    clean(driver)
    with GraphQLClient(server) as api:
        key = key_for(api, "carol", {"zoo-team": "MEMBER"})
    folder = tmp_path_factory.mktemp("wandb-journey")
    results = {}
    with Recorder(server) as recorder:
        for name, source in JOURNEY.items():
            done = run_script(client_python, recorder.url, key, folder, source)
            assert done.returncode == 0, f"{name}:\n{done.stdout}\n{done.stderr}"
            results[name] = json.loads(done.stdout.split("RESULT ", 1)[1])
    return Journey(results, recorder.lines, folder)


@pytest.mark.shared_graph
def test_an_artifact_goes_in_with_its_files_and_comes_back_byte_identical(journey: Journey, api: GraphQLClient) -> None:
    content = {
        "labels.csv": b"id,label\n1,zebra\n2,lion\n",
        "images/1.bin": bytes(range(256)) * 40,
        "notes.txt": b"kept where it is\n",  # a reference: not uploaded, read from where it stays
    }
    sha256 = {path: hashlib.sha256(data).hexdigest() for path, data in content.items()}
    assert journey.results["train"]["files"] == sha256  # use_artifact(...).download()
    back = journey.results["read_back"]
    assert back["files"] == sha256  # Api().artifact(...).download()
    assert back["logged_by"] == journey.results["produce"]["run"]
    assert back["used_by"] == [journey.results["train"]["run"]]
    assert back["aliases"] == ["best", "latest"]
    assert (back["type"], back["metadata"]) == ("dataset", {"rows": 2})
    version = api.query(VERSION, ref="zoo-team/zoo/split_zoo_dataset:v0")["artifact"]
    stored = {entry["path"]: entry["digest"] for entry in version["files"] if entry["ref"] is None}
    assert stored == {path: digest for path, digest in sha256.items() if path != "notes.txt"}
    (reference,) = [entry for entry in version["files"] if entry["ref"] is not None]
    assert (reference["path"], reference["ref"]) == ("notes.txt", (journey.folder / "elsewhere/notes.txt").as_uri())
    assert version["description"] == "zoo split"
    assert version["createdBy"]["runId"] == journey.results["produce"]["run"]


@pytest.mark.shared_graph
def test_the_journey_is_stemma_s_lineage(journey: Journey, api: GraphQLClient) -> None:
    lineage = api.query(LINEAGE, ref=f"zoo-team/zoo/{journey.results['evaluate']['run']}")["lineage"]
    versions = {node["ref"] for node in lineage["nodes"] if node["__typename"] == "ArtifactVersion"}
    assert versions == {"zoo-team/zoo/zoo-model:v0", "zoo-team/zoo/split_zoo_dataset:v0"}
    job_types = sorted(node["jobType"] for node in lineage["nodes"] if node["__typename"] == "Run")
    assert job_types == ["evaluate", "split", "train", "train"]  # both training runs logged the model


@pytest.mark.shared_graph
def test_linking_into_the_model_registry_and_logging_the_same_content_again(
    journey: Journey, api: GraphQLClient
) -> None:
    model = api.query(VERSION, ref="zoo-team/registry-model/zoo-classifier:production")["artifact"]
    assert model["ref"] == "zoo-team/zoo/zoo-model:v0"
    assert [link["ref"] for link in model["links"]] == ["zoo-team/registry-model/zoo-classifier:v0"]
    assert sorted(model["links"][0]["aliases"]) == ["latest", "production"]
    retrain = journey.results["retrain"]
    assert retrain["version"] == "v0"  # the same content: no new version
    assert retrain["id"] == model["id"]
    loggers = sorted(edge["node"]["runId"] for edge in model["loggedBy"]["edges"])
    assert loggers == sorted([journey.results["train"]["run"], retrain["run"]])
    evaluate = journey.results["evaluate"]
    assert evaluate["weights"] == hashlib.sha256(b"weights" * 1000).hexdigest()
    assert evaluate["name"] == "zoo-team/wandb-registry-model/zoo-classifier:production"
    assert [edge["node"]["runId"] for edge in model["usedBy"]["edges"]] == [evaluate["run"]]


@pytest.mark.shared_graph
def test_the_requests_the_client_sends_are_the_recorded_ones(journey: Journey) -> None:
    """tests/wandb_client_requests.txt: the shape of every request the pinned client sends in the journey. A new
    client version that sends something else fails here with the difference; rewrite the file after checking it
    (STEMMA_RECORD_WANDB=1 writes it)."""
    lines = sorted(journey.requests)
    if os.environ.get("STEMMA_RECORD_WANDB") == "1":
        REQUESTS.write_text("\n".join(lines) + "\n")
    assert lines == REQUESTS.read_text().splitlines()


def test_abandoned_uploads_are_swept_with_their_files(driver: Driver) -> None:
    with driver.session() as session:
        session.run(
            """UNWIND [['old', 2 * 86400], ['new', 60]] AS upload
               CREATE (:WandbUpload {id: upload[0], created_at: datetime() - duration({seconds: upload[1]})})
               CREATE (:WandbUploadFile {upload: upload[0], md5: 'm', sha256: 's', size: 1})"""
        ).consume()
        swept = session.run(named("sweep_wandb_uploads"), seconds=UPLOAD_SECONDS).single()
        left = session.run("MATCH (n) WHERE n:WandbUpload OR n:WandbUploadFile RETURN n.upload AS file, n.id AS id")
        kept = sorted(((row["id"], row["file"]) for row in left), key=str)
    assert swept is not None and swept["swept"] == 1
    assert kept == [("new", None), (None, "new")]


class WandbHTTP:
    """Requests as the wandb client sends them (basic auth `api:KEY`), to say what it must not be able to do."""

    def __init__(self, server: str, key: str) -> None:
        token = base64.b64encode(f"api:{key}".encode()).decode()
        self.http = httpx.Client(base_url=f"{server}/wandb", headers={"authorization": f"Basic {token}"}, timeout=30)

    def __enter__(self) -> WandbHTTP:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        body = json.dumps({"query": query, "variables": variables})  # ASCII: lone surrogates go as \ud800
        answer = self.http.post("/graphql", content=body, headers={"content-type": "application/json"})
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def refused(self, query: str, **variables: Any) -> dict[str, Any]:
        (error,) = self.graphql(query, **variables)["errors"]
        extensions: dict[str, Any] = error["extensions"]
        return extensions


UPSERT = """mutation($input: UpsertBucketInput!) { upsertBucket(input: $input) { bucket { id name } inserted } }"""
CREATE = """mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { artifact { id state } } }"""
FILES = """mutation($input: CreateArtifactFilesInput!) {
  createArtifactFiles(input: $input) { files { edges { node { uploadUrl } } } }
}"""
COMMIT = "mutation($id: ID!) { commitArtifact(input: {artifactID: $id}) { artifact { id } } }"
MANIFEST = """mutation($id: ID!) {
  createArtifactManifest(input: {artifactID: $id, name: "wandb_manifest.json", digest: "", entityName: "zoo-team",
                                 projectName: "zoo", runName: "r1"}) { artifactManifest { file { uploadUrl } } }
}"""
MEMBERSHIP = """query($e: String!, $p: String!, $n: String!) {
  project(name: $p, entityName: $e) { artifactCollectionMembership(name: $n) { artifact { id } } }
}"""
NODES = "MATCH (n) WHERE n:Run OR n:ArtifactVersion OR n:WandbUploadFile RETURN labels(n)[0] AS label, count(*) AS n"


def test_refusals_name_the_field_and_leave_nothing_half_written(
    api: GraphQLClient, server: str, driver: Driver
) -> None:
    with (
        WandbHTTP(server, key_for(api, "mia", {"zoo-team": "MEMBER", "lab": "VIEWER"})) as member,
        WandbHTTP(server, key_for(api, "bo", {"zoo-team": "MEMBER"})) as other,
    ):
        refuse_and_check(member, other, driver)


def refuse_and_check(member: WandbHTTP, other: WandbHTTP, driver: Driver) -> None:
    bucket = {"name": "r1", "modelName": "zoo", "entityName": "zoo-team"}
    assert member.graphql(UPSERT, input=bucket)["data"]["upsertBucket"]["inserted"] is True

    assert member.refused(UPSERT, input={**bucket, "name": "r 2"})["field"] == "input.name"
    assert member.refused(UPSERT, input={**bucket, "config": "[1]"})["field"] == "input.config"
    assert member.refused(UPSERT, input={**bucket, "entityName": "lab"})["code"] == "FORBIDDEN"
    assert member.refused(UPSERT, input={**bucket, "entityName": "elsewhere"})["code"] == "NOT_FOUND"
    deep = "[" * 5000 + "]" * 5000
    for config in (f'{{"a": {deep}}}', '{"a": NaN}', '{"a": 1e400}', '{"a": "\\ud800"}'):
        refused = member.refused(UPSERT, input={**bucket, "config": config})
        assert refused["code"] == "BAD_USER_INPUT" and refused["field"].startswith("input.config"), config
    assert member.refused(UPSERT, input={**bucket, "notes": "\ud800"})["field"] == "variables.input.notes"
    asked = {"query": "{ viewer { username } }", "operationName": "Foo"}
    named_badly = member.http.post("/graphql", json=asked)
    assert (named_badly.status_code, named_badly.json()["error"]["field"]) == (400, "operationName")
    assert member.http.post("/graphql", json={"query": ""}).json()["error"]["field"] == "query"
    bomb = "{ " + " ".join(f"a{n}: viewer {{ username }}" for n in range(40)) + " }"
    (error,) = member.graphql(bomb)["errors"]  # past the alias limit, as on Stemma's own API
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED" and "aliases" in error["message"]

    stream = "/files/zoo-team/zoo/r1/file_stream"
    history = "wandb-history.jsonl"
    bad_bodies = {
        "body": b"{not json",
        f"files.{history}.content[0]": json.dumps({"files": {history: {"offset": 0, "content": ["{"]}}}).encode(),
        f"files.{history}.content[1]": json.dumps(
            {"files": {history: {"offset": 0, "content": ['{"_step": 1}', '{"_step": 0}']}}}
        ).encode(),
        "exitcode": json.dumps({"files": {}, "complete": True}).encode(),
    }
    for field, body in bad_bodies.items():
        answer = member.http.post(stream, content=body)
        assert (answer.status_code, answer.json()["error"]["field"]) == (400, field), answer.text
    missing = member.http.post("/files/zoo-team/zoo/nobody/file_stream", json={"files": {}})
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "NOT_FOUND")

    artifact = {
        "entityName": "zoo-team",
        "projectName": "zoo",
        "runName": "r1",
        "artifactTypeName": "dataset",
        "artifactCollectionName": "zoo-data",
        "digest": "0" * 32,
    }
    assert member.refused(CREATE, input={**artifact, "runName": None})["field"] == "input.runName"
    assert member.refused(CREATE, input={**artifact, "runName": "r9"}) == {
        "code": "NOT_FOUND",
        "field": "input.runName",
    }
    assert member.refused(CREATE, input={**artifact, "digest": "d1"})["field"] == "input.digest"
    too_big = json.dumps({"blob": "x" * 70_000})
    assert member.refused(CREATE, input={**artifact, "metadata": too_big})["field"] == "input.metadata"
    assert member.refused(CREATE, input={**artifact, "artifactCollectionName": "a/b"})["field"] == (
        "input.artifactCollectionName"
    )
    upload = member.graphql(CREATE, input=artifact)["data"]["createArtifact"]["artifact"]
    assert upload["state"] == "PENDING"
    content = b"id,label\n1,zebra\n"
    md5 = base64.b64encode(hashlib.md5(content, usedforsecurity=False).digest()).decode()
    spec = {"artifactID": upload["id"], "name": "labels.csv", "md5": md5}
    edges = member.graphql(FILES, input={"artifactFiles": [spec]})["data"]["createArtifactFiles"]["files"]["edges"]
    url = edges[0]["node"]["uploadUrl"]
    assert other.refused(FILES, input={"artifactFiles": [spec]})["code"] == "NOT_FOUND"  # bo did not start it
    assert other.refused(COMMIT, id=upload["id"])["code"] == "NOT_FOUND"
    assert member.refused(COMMIT, id="bm9wZQ")["field"] == "input.artifactID"
    assert member.refused(COMMIT, id=upload["id"])["field"] == "artifactID"  # no manifest was put
    forged = httpx.put(url.replace("signature=", "signature=0"), content=content)
    assert (forged.status_code, forged.json()["error"]["code"]) == (403, "FORBIDDEN")
    wrong = httpx.put(url, content=b"other bytes")
    assert (wrong.status_code, wrong.json()["error"]["field"]) == (400, "body")
    path, _, _ = url.partition("?")
    for query in (
        "expires=%C2%B2&signature=x",
        f"expires={'9' * 4400}&signature=x",
        "expires=9999999999&signature=%C3%A9",
    ):
        malformed = httpx.put(f"{path}?{query}", content=content)  # anything malformed is simply not signed
        assert (malformed.status_code, malformed.json()["error"]["code"]) == (403, "FORBIDDEN")
    assert httpx.put(url, content=content).status_code == 200
    manifest_url = member.graphql(MANIFEST, id=upload["id"])["data"]["createArtifactManifest"]["artifactManifest"]
    manifest_url = manifest_url["file"]["uploadUrl"]
    for body in (b"{not json", b"[1, 2]", b'{"contents": {"a": 1}}'):
        refused = httpx.put(manifest_url, content=body)
        assert (refused.status_code, refused.json()["error"]["field"]) == (400, "manifest")
    entry = {"digest": md5, "size": len(content)}
    assert httpx.put(manifest_url, json={"version": 1, "contents": {"labels.csv": entry}}).status_code == 200
    # The manifest put is not the one whose digest createArtifact was given: refused, so no client can make a
    # version under another manifest's digest (which createArtifact would then find and answer committed).
    assert member.refused(COMMIT, id=upload["id"])["field"] == "manifest"

    with driver.session() as session:
        left = {row["label"]: row["n"] for row in session.run(NODES)}
    assert left == {"Run": 1, "WandbUploadFile": 1}  # the one run and the file put for the upload; no version
    assert member.graphql(MEMBERSHIP, e="zoo-team", p="zoo", n="zoo-data:latest")["data"]["project"] == {
        "artifactCollectionMembership": None
    }
