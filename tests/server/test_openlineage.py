"""OpenLineage in: the official `openlineage-python` client's HTTP transport posts events to `/api/v1/lineage`,
and they become runs, versions and lineage that GraphQL answers like any other."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import (
    DatasetEvent,
    InputDataset,
    Job,
    JobEvent,
    OutputDataset,
    Run,
    RunEvent,
    RunState,
    StaticDataset,
)
from openlineage.client.facet_v2 import (
    dataset_version_dataset,
    documentation_dataset,
    nominal_time_run,
    parent_run,
    schema_dataset,
    sql_job,
)
from openlineage.client.serde import Serde
from openlineage.client.transport.http import ApiKeyTokenProvider, HttpCompression, HttpConfig, HttpTransport

from cypher.openlineage import stemma_name
from tests.client import GraphQLClient
from tests.conftest import ROOT, graph_state

PRODUCER = "https://example.com/stemma-tests"
NAMESPACE = "airflow://prod"  # the jobs'
WAREHOUSE = "postgres://db.internal:5432"
LAKE = "s3://lake"
WHEN = "2026-12-05T10:00:00+00:00"
# openlineage-python's own example events (its source release's tests/*.json), put there by `make test`
EXAMPLES = ROOT / "tests" / ".openlineage-examples"
EXAMPLE_EVENTS = [f"serde_example_{kind}_event.json" for kind in ("run", "dataset", "job")] + [
    "example_full_event.json"
]
JOBS, WAREHOUSE_PROJECT, LAKE_PROJECT = (stemma_name(n, project=True) for n in (NAMESPACE, WAREHOUSE, LAKE))
RAW = f"etl/{LAKE_PROJECT}/{stemma_name('raw/orders')}:v0"  # a name with '/' gets its digest's 8 hex digits
MODEL = f"etl/{LAKE_PROJECT}/{stemma_name('models/churn')}:v0"
ORDERS = f"etl/{WAREHOUSE_PROJECT}/shop.public.orders:v0"

RUN_QUERY = """query($id: ID!) { run(id: $id) {
  name state jobType group config
  inputs { edges { node { ref } } }
  outputs { edges { created node { ref } } } } }"""
LINEAGE = """query($ref: String!) {
  lineage(ref: $ref, direction: UPSTREAM, depth: 6) {
    nodes { __typename ... on Run { id name } ... on ArtifactVersion { ref type metadata description } }
    edges { kind from to }
  } }"""


def _nested_list(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth - 1):
        value = [value]
    return value


def post(url: str, **request: Any) -> httpx.Response:
    """A POST given a minute: on a loaded machine, an event's first statements are planned while it waits."""
    return httpx.post(url, timeout=60, **request)


def schema(*columns: str) -> schema_dataset.SchemaDatasetFacet:
    fields = [schema_dataset.SchemaDatasetFacetFields(name=column, type="string") for column in columns]
    return schema_dataset.SchemaDatasetFacet(fields=fields)


def orders() -> InputDataset:
    return InputDataset(WAREHOUSE, "shop.public.orders", facets={"schema": schema("id", "total")})


def raw_orders(cls: type[InputDataset] | type[OutputDataset]) -> Any:
    facets = {
        "schema": schema("id", "total"),
        "documentation": documentation_dataset.DocumentationDatasetFacet(description="orders as extracted"),
    }
    return cls(LAKE, "raw/orders", facets=facets)


@pytest.fixture
def member_key(api: GraphQLClient) -> str:
    """A key of a user who is a member of `etl` only: their default entity."""
    api.query('mutation { addMember(entity: "etl", user: "olga", role: MEMBER) { role } }')
    return str(api.query('mutation { createApiKey(user: "olga") { key } }')["createApiKey"]["key"])


@pytest.fixture
def client(server: str, member_key: str) -> Iterator[OpenLineageClient]:
    key = ApiKeyTokenProvider({"apiKey": member_key})
    config = HttpConfig(url=server, auth=key, compression=HttpCompression.GZIP, timeout=60)
    yield OpenLineageClient(transport=HttpTransport(config))


def event(state: RunState, run_id: str, job: str, inputs: list[Any], outputs: list[Any], **facets: Any) -> RunEvent:
    return RunEvent(
        eventType=state,
        eventTime=WHEN,
        run=Run(runId=run_id, facets=facets),
        job=Job(namespace=NAMESPACE, name=job),
        inputs=inputs,
        outputs=outputs,
        producer=PRODUCER,
    )


def test_a_pipeline_sent_by_the_client_becomes_runs_versions_and_lineage_once_whatever_the_order_of_a_runs_events(
    client: OpenLineageClient, api: GraphQLClient
) -> None:
    extract, train, scheduler = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    parent = parent_run.ParentRunFacet(
        run=parent_run.Run(runId=scheduler), job=parent_run.Job(namespace=NAMESPACE, name="nightly")
    )
    nominal = nominal_time_run.NominalTimeRunFacet(nominalStartTime=WHEN)
    model = OutputDataset(
        LAKE, "models/churn", facets={"version": dataset_version_dataset.DatasetVersionDatasetFacet("7")}
    )
    client.emit(event(RunState.START, extract, "extract.orders", [orders()], [], nominalTime=nominal))
    client.emit(event(RunState.COMPLETE, extract, "extract.orders", [orders()], [raw_orders(OutputDataset)]))
    train_done = event(RunState.COMPLETE, train, "train.churn", [raw_orders(InputDataset)], [model], parent=parent)
    client.emit(train_done)
    client.emit(event(RunState.START, train, "train.churn", [raw_orders(InputDataset)], [], parent=parent))  # late
    rerun = str(uuid.uuid4())  # the next night's extract writes raw/orders again: a version of its own
    client.emit(event(RunState.COMPLETE, rerun, "extract.orders", [orders()], [raw_orders(OutputDataset)]))
    client.emit(train_done)  # sent again: it still used the version it used, and logged nothing new

    train_run = api.query(RUN_QUERY, id=f"etl/{JOBS}/{train}")["run"]
    assert {key: train_run[key] for key in ("name", "state", "jobType", "group")} == {
        "name": "train.churn",
        "state": "FINISHED",  # START after COMPLETE does not start it again
        "jobType": "train.churn",
        "group": scheduler,
    }
    assert train_run["config"]["openlineage.job"] == {"namespace": NAMESPACE, "name": "train.churn"}
    assert train_run["config"]["openlineage.run.parent"]["run"]["runId"] == scheduler
    assert [edge["node"]["ref"] for edge in train_run["inputs"]["edges"]] == [RAW]
    assert [(e["created"], e["node"]["ref"]) for e in train_run["outputs"]["edges"]] == [(True, MODEL)]
    extract_run = api.query(RUN_QUERY, id=f"etl/{JOBS}/{extract}")["run"]
    assert extract_run["state"] == "FINISHED"
    assert extract_run["config"]["openlineage.run.nominalTime"]["nominalStartTime"] == WHEN
    assert [edge["node"]["ref"] for edge in extract_run["inputs"]["edges"]] == [ORDERS]
    assert [(e["created"], e["node"]["ref"]) for e in extract_run["outputs"]["edges"]] == [(True, RAW)]
    rerun_outputs = api.query(RUN_QUERY, id=f"etl/{JOBS}/{rerun}")["run"]["outputs"]["edges"]
    assert [edge["node"]["ref"] for edge in rerun_outputs] == [RAW.replace(":v0", ":v1")]

    lineage = api.query(LINEAGE, ref=MODEL)["lineage"]
    runs = {node["name"] for node in lineage["nodes"] if node["__typename"] == "Run"}
    versions = {node["ref"]: node for node in lineage["nodes"] if node["__typename"] == "ArtifactVersion"}
    assert runs == {"train.churn", "extract.orders"}
    assert set(versions) == {MODEL, RAW, ORDERS}
    raw = versions[RAW]
    assert raw["type"] == "dataset" and raw["description"] == "orders as extracted"
    assert raw["metadata"]["openlineage"]["name"] == "raw/orders"
    assert [field["name"] for field in raw["metadata"]["openlineage"]["facets"]["schema"]["fields"]] == ["id", "total"]
    assert len(lineage["edges"]) == 4  # orders → extract → raw/orders → train → model


def test_dataset_and_job_events_record_their_datasets_and_a_new_schema_is_a_new_version(
    server: str, member_key: str, api: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client configured as the README says, from OPENLINEAGE_URL and OPENLINEAGE_API_KEY."""
    monkeypatch.setenv("OPENLINEAGE_URL", server)
    monkeypatch.setenv("OPENLINEAGE_API_KEY", member_key)
    client = OpenLineageClient()
    for columns in (["id"], ["id"], ["id", "email"]):  # sent twice, then with a new column
        users = StaticDataset(WAREHOUSE, "shop.public.users", facets={"schema": schema(*columns)})
        client.emit(DatasetEvent(eventTime=WHEN, producer=PRODUCER, dataset=users))
    query = sql_job.SQLJobFacet(query="INSERT INTO shop.public.users_copy SELECT * FROM shop.public.users")
    client.emit(
        JobEvent(
            eventTime=WHEN,
            producer=PRODUCER,
            job=Job(namespace=NAMESPACE, name="copy.users", facets={"sql": query}),
            inputs=[InputDataset(WAREHOUSE, "shop.public.users", facets={"schema": schema("id", "email")})],
            outputs=[OutputDataset(WAREHOUSE, "shop.public.users_copy")],
        )
    )
    collections = api.query(
        """query($project: String!) { project(entity: "etl", name: $project) {
             collections { edges { node { name type versions { edges { node { version } } } } } } } }""",
        project=WAREHOUSE_PROJECT,
    )["project"]["collections"]["edges"]
    assert {
        (c["node"]["name"], c["node"]["type"]): sorted(v["node"]["version"] for v in c["node"]["versions"]["edges"])
        for c in collections
    } == {("shop.public.users", "dataset"): [0, 1], ("shop.public.users_copy", "dataset"): [0]}


def test_the_client_projects_example_events_are_recorded_once(
    server: str, member_key: str, api: GraphQLClient, driver: Any
) -> None:
    """The full example's run reads and rewrites one table: it used the table's version and logged a new one."""
    headers = {"authorization": f"Bearer {member_key}", "content-type": "application/json"}
    for name in EXAMPLE_EVENTS:
        assert (EXAMPLES / name).is_file(), f"{EXAMPLES / name} is missing: `make openlineage-examples` fetches it"
        answer = post(f"{server}/api/v1/lineage", content=(EXAMPLES / name).read_bytes(), headers=headers)
        assert answer.status_code == 201, (name, answer.text)
    recorded = graph_state(driver)
    for name in EXAMPLE_EVENTS:
        post(f"{server}/api/v1/lineage", content=(EXAMPLES / name).read_bytes(), headers=headers)
    assert graph_state(driver) == recorded

    full = json.loads((EXAMPLES / "example_full_event.json").read_text())
    run_id = f"etl/{stemma_name(full['job']['namespace'], project=True)}/{full['run']['runId']}"
    run = api.query(RUN_QUERY, id=run_id)["run"]
    table = f"etl/{stemma_name(full['inputs'][0]['namespace'], project=True)}/{full['inputs'][0]['name']}"
    assert (run["state"], run["jobType"]) == ("FINISHED", stemma_name(full["job"]["name"]))
    assert [edge["node"]["ref"] for edge in run["inputs"]["edges"]] == [f"{table}:v0"]
    assert [(edge["created"], edge["node"]["ref"]) for edge in run["outputs"]["edges"]] == [(True, f"{table}:v1")]
    assert run["config"]["openlineage.job.documentation"] == full["job"]["facets"]["documentation"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda e: e["run"].pop("runId"), "run.runId"),
        (lambda e: e["run"].update(runId="not-a-uuid"), "run.runId"),
        (lambda e: e.update(eventType="FINISHED"), "eventType"),
        (lambda e: e.pop("eventTime"), "eventTime"),
        (lambda e: e.update(eventTime="yesterday"), "eventTime"),
        (lambda e: e["job"].pop("namespace"), "job.namespace"),
        (lambda e: e["outputs"].append({"namespace": LAKE}), "outputs[1].name"),
        (lambda e: e["inputs"][0].update(facets={"schema": "id,total"}), "inputs[0].facets.schema"),
        (lambda e: e.update(inputs={}), "inputs"),
        (lambda e: e.update(eventType=["COMPLETE"]), "eventType"),
        (lambda e: e["outputs"][0].update(name="raw/\ud800"), "outputs[0].name"),
        (lambda e: e["run"]["facets"].update(x={"n": float("nan")}), "run.facets.x.n"),
        (lambda e: e["run"]["facets"].update(deep=_nested_list(70)), "run.facets.deep" + "[0]" * 61),
        (lambda e: e.update(inputs=[e["inputs"][0]] * 101), "inputs"),
    ],
)
def test_an_invalid_event_is_refused_with_its_path_and_writes_nothing(
    server: str, member_key: str, api: GraphQLClient, driver: Any, change: Any, field: str
) -> None:
    sent = event(RunState.COMPLETE, str(uuid.uuid4()), "extract.orders", [orders()], [raw_orders(OutputDataset)])
    body = json.loads(Serde.to_json(sent))
    change(body)
    before = graph_state(driver)
    headers = {"authorization": f"Bearer {member_key}", "content-type": "application/json"}
    answer = post(f"{server}/api/v1/lineage", content=json.dumps(body), headers=headers)  # NaN as Python writes it
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == ("BAD_USER_INPUT", field)
    assert field in error["message"]
    assert graph_state(driver) == before


def test_what_an_event_writes_is_one_edge_a_pair_under_one_spelling_of_its_run_and_big_events_fit(
    server: str, member_key: str, api: GraphQLClient
) -> None:
    """The same input twice is one use; an upper-case runId is the run's lower-case id; an uncompressed event of
    over 20 KB (the client compresses only when told to) is taken."""
    run_id = str(uuid.uuid4())
    wide = schema(*(f"column_{number:04}" for number in range(600)))
    sent = event(RunState.COMPLETE, run_id.upper(), "extract.orders", [orders(), orders()], [])
    sent.outputs = [OutputDataset(LAKE, "wide", facets={"schema": wide})]
    body = Serde.to_json(sent)
    assert len(body) > 20_000
    answer = post(f"{server}/api/v1/lineage", content=body, headers={"authorization": f"Bearer {member_key}"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["run"] == f"etl/{JOBS}/{run_id}"
    run = api.query(RUN_QUERY, id=f"etl/{JOBS}/{run_id}")["run"]
    assert [edge["node"]["ref"] for edge in run["inputs"]["edges"]] == [ORDERS]


def test_an_event_into_an_entity_the_caller_may_not_write_is_refused_alike_whatever_it_holds(
    server: str, member_key: str, api: GraphQLClient, driver: Any
) -> None:
    """A job event names only inputs; whether the other entity holds them or not, the answer is the same."""
    admin = {"authorization": f"Bearer {os.environ['STEMMA_API_KEY']}"}
    payroll = StaticDataset("hr", "payroll", facets={})
    held = post(
        f"{server}/api/v1/lineage?entity=globex",
        content=Serde.to_json(DatasetEvent(eventTime=WHEN, producer=PRODUCER, dataset=payroll)),
        headers=admin,
    )
    assert held.status_code == 201, held.text
    before = graph_state(driver)
    answers = []
    for name in ("payroll", "nothing-like-it"):
        probe = JobEvent(
            eventTime=WHEN, producer=PRODUCER, job=Job(namespace="j", name="j"), inputs=[InputDataset("hr", name)]
        )
        refused = post(
            f"{server}/api/v1/lineage?entity=globex",
            content=Serde.to_json(probe),
            headers={"authorization": f"Bearer {member_key}"},
        )
        answers.append((refused.status_code, refused.json()["error"]))
    assert answers[0] == answers[1]
    assert answers[0][0] == 404 and answers[0][1]["code"] == "NOT_FOUND"
    assert graph_state(driver) == before


def test_the_body_and_the_callers_rights_are_checked_before_anything_is_written(
    server: str, member_key: str, api: GraphQLClient, driver: Any
) -> None:
    api.query('mutation { addMember(entity: "etl", user: "vic", role: VIEWER) { role } }')
    viewer = api.query('mutation { createApiKey(user: "vic") { key } }')["createApiKey"]["key"]
    body = Serde.to_json(event(RunState.COMPLETE, str(uuid.uuid4()), "extract.orders", [orders()], []))
    before = graph_state(driver)
    url = f"{server}/api/v1/lineage"
    refused = {
        "no key": post(url, content=body),
        "viewer": post(f"{url}?entity=etl", content=body, headers={"authorization": f"Bearer {viewer}"}),
        "no default entity": post(url, content=body, headers={"authorization": f"Bearer {viewer}"}),
        "other entity": post(f"{url}?entity=globex", content=body, headers={"authorization": f"Bearer {member_key}"}),
        "not json": post(url, content=b"{", headers={"authorization": f"Bearer {member_key}"}),
        "bad gzip": post(
            url, content=b"{}", headers={"authorization": f"Bearer {member_key}", "content-encoding": "gzip"}
        ),
    }
    codes = {what: (answer.status_code, answer.json()["error"]["code"]) for what, answer in refused.items()}
    assert codes == {
        "no key": (401, "UNAUTHENTICATED"),
        "viewer": (403, "FORBIDDEN"),
        "no default entity": (400, "BAD_USER_INPUT"),  # a viewer writes nowhere, so has no default entity
        "other entity": (404, "NOT_FOUND"),
        "not json": (400, "BAD_USER_INPUT"),
        "bad gzip": (400, "BAD_USER_INPUT"),
    }
    assert graph_state(driver) == before
