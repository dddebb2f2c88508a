"""recordRuns: many runs with their inputs and outputs in one request, all or nothing, repeatable."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from neo4j import Driver

from tests.builders import Builder
from tests.client import GraphQLClient
from tests.conftest import BOOKKEEPING, FOLDED

RECORD = """mutation($runs: [RecordRunInput!]!) { recordRuns(runs: $runs) { runs used logged versionsCreated } }"""


def files(api: GraphQLClient, content: bytes, path: str = "data.bin") -> list[dict[str, Any]]:
    return [{"path": path, "digest": api.put_file(content), "size": len(content)}]


def graph_size(driver: Driver) -> tuple[int, int]:
    """Nodes and edges of the lineage and registry graph (uploads, recorded as they happen, and lineage-count rows,
    which servers fold, are left out)."""
    record = driver.execute_query(
        f"MATCH (n) WHERE NOT n:{BOOKKEEPING} AND NOT n:{FOLDED} AND NOT n:User AND NOT n:ApiKey "
        "AND NOT (n:File AND NOT EXISTS { (n)<-[:CONTAINS]-() }) "
        "RETURN count(n) AS nodes, COUNT { ()-[r]->() WHERE NOT r:UPLOADED_BY } AS edges"
    ).records[0]
    return record["nodes"], record["edges"]


def test_a_batch_records_runs_uses_and_logs_like_single_calls(api: GraphQLClient, driver: Driver) -> None:
    split = files(api, b"the split")
    runs = [
        {
            "entity": "zoo-team",
            "project": "zoo",
            "runId": "s4",
            "name": "split-4",
            "jobType": "preprocess",
            "logs": [{"name": "split_zoo_dataset", "type": "dataset", "files": split}],
        },
        {
            "entity": "zoo-team",
            "project": "zoo",
            "runId": "s5",
            "name": "split-5",
            "jobType": "preprocess",
            "logs": [{"name": "split_zoo_dataset", "type": "dataset", "files": split}],
        },
        {
            "entity": "zoo-team",
            "project": "zoo",
            "runId": "rf20",
            "name": "rural-feather-20",
            "jobType": "train",
            "uses": ["split_zoo_dataset:latest"],
            "logs": [
                {
                    "name": "zoo-ylbchv20",
                    "type": "model",
                    "files": files(api, b"weights"),
                    "aliases": ["best"],
                    "metadata": {"acc": 0.93},
                }
            ],
        },
        {
            "entity": "zoo-team",
            "project": "zoo",
            "runId": "nl21",
            "name": "northern-lake-21",
            "jobType": "evaluate",
            "state": "RUNNING",
            "uses": ["zoo-team/zoo/zoo-ylbchv20:best"],
        },
    ]
    result = api.query(RECORD, runs=runs)["recordRuns"]
    assert result == {"runs": 4, "used": 2, "logged": 3, "versionsCreated": 2}
    model = api.query("""{ artifact(ref: "zoo-team/zoo/zoo-ylbchv20:v0") { aliases metadata createdBy { name }
        usedBy { edges { alias node { name state } } } } }""")["artifact"]
    assert model == {
        "aliases": ["best", "latest"],
        "metadata": {"acc": 0.93},
        "createdBy": {"name": "rural-feather-20"},
        "usedBy": {"edges": [{"alias": "best", "node": {"name": "northern-lake-21", "state": "RUNNING"}}]},
    }
    dataset = api.query(
        '{ artifact(ref: "zoo-team/zoo/split_zoo_dataset:v0") { version aliases '
        "loggedBy { edges { created node { name state } } } } }"
    )["artifact"]
    assert dataset["aliases"] == ["latest"]
    assert sorted((e["created"], e["node"]["name"], e["node"]["state"]) for e in dataset["loggedBy"]["edges"]) == [
        (False, "split-5", "FINISHED"),
        (True, "split-4", "FINISHED"),
    ]
    before = graph_size(driver)
    again = api.query(RECORD, runs=runs)["recordRuns"]
    assert again == {"runs": 4, "used": 2, "logged": 3, "versionsCreated": 0}
    assert graph_size(driver) == before


def test_entities_a_batch_makes_get_their_default_registries_once(api: GraphQLClient, driver: Driver) -> None:
    """A superuser's batch may name new entities, each in several projects: each gets `model` and `dataset` once,
    and an entity that exists already is left as it is."""
    runs = [
        {"entity": entity, "project": project, "runId": f"{project}-{n}"}
        for entity in ("new-a", "new-b")
        for project in ("p1", "p2")
        for n in range(2)
    ]
    assert api.query(RECORD, runs=runs)["recordRuns"]["runs"] == 8
    assert (
        api.query(RECORD, runs=[*runs, {"entity": "new-c", "project": "p1", "runId": "c"}])["recordRuns"]["runs"] == 9
    )
    registries = driver.execute_query(
        "MATCH (r:Registry)-[:IN]->(e:Entity) WHERE e.name STARTS WITH 'new-' "
        "RETURN e.name AS entity, collect(r.name) AS names ORDER BY entity"
    ).records
    assert [(row["entity"], sorted(row["names"])) for row in registries] == [
        ("new-a", ["dataset", "model"]),
        ("new-b", ["dataset", "model"]),
        ("new-c", ["dataset", "model"]),
    ]
    projects = driver.execute_query(
        "MATCH (p:Project)-[i:IN]->(e:Entity) WHERE e.name STARTS WITH 'new-' RETURN count(i) AS edges"
    ).records[0]
    assert projects["edges"] == 5
    leftover = driver.execute_query("MATCH (e:Entity) WHERE e._new IS NOT NULL RETURN count(e) AS n").records[0]
    assert leftover["n"] == 0


def test_numbers_continue_and_stay_gapless_under_concurrent_batches_and_single_logs(
    api: GraphQLClient, server: str, driver: Driver
) -> None:
    zoo = Builder(api)
    zoo.log(zoo.run("first"), "data", files={"a": b"existing"})
    batches = [
        [
            {
                "entity": "zoo-team",
                "project": "zoo",
                "runId": f"b{batch}-{n}",
                "logs": [{"name": "data", "type": "dataset", "files": files(api, f"{batch}-{n}".encode())}],
            }
            for n in range(10)
        ]
        for batch in range(4)
    ]

    def send(runs: list[dict[str, Any]]) -> None:
        with GraphQLClient(server) as client:
            client.query(RECORD, runs=runs)

    def single(number: int) -> None:
        with GraphQLClient(server) as client:
            Builder(client).log(Builder(client).run(f"single-{number}"), "data", files={"a": f"s{number}".encode()})

    with ThreadPoolExecutor(max_workers=8) as pool:
        work = [pool.submit(send, runs) for runs in batches] + [pool.submit(single, n) for n in range(4)]
        for future in work:
            future.result()
    versions = driver.execute_query("MATCH (v:ArtifactVersion {name: 'data'}) RETURN v.version AS v ORDER BY v").records
    assert [record["v"] for record in versions] == list(range(45))
    counter = api.query(
        '{ artifactCollection(ref: "zoo-team/zoo/data") { versions { totalCount } latest { version } } }'
    )["artifactCollection"]
    assert counter == {"versions": {"totalCount": 45}, "latest": {"version": 44}}


def test_a_refused_batch_writes_nothing(api: GraphQLClient, driver: Driver) -> None:
    zoo = Builder(api)
    zoo.log(zoo.run("first"), "data", "dataset")
    before = graph_size(driver)
    good = {
        "entity": "zoo-team",
        "project": "zoo",
        "runId": "ok",
        "logs": [{"name": "fresh", "type": "model", "files": files(api, b"fresh")}],
    }
    conflicting = {
        "entity": "zoo-team",
        "project": "zoo",
        "runId": "bad",
        "logs": [{"name": "data", "type": "model", "files": files(api, b"model")}],
    }
    error = api.error(RECORD, runs=[good, conflicting])
    assert error["extensions"]["code"] == "CONFLICT"
    assert error["extensions"]["field"] == "runs[1].logs[0].type"
    unknown_use = {**good, "uses": ["zoo-team/zoo/nothing:v0"]}
    assert api.error(RECORD, runs=[unknown_use])["extensions"] == {"code": "NOT_FOUND", "field": "runs[0].uses[0]"}
    unuploaded = {
        **good,
        "logs": [{"name": "x", "type": "model", "files": [{"path": "a", "digest": "e" * 64, "size": 1}]}],
    }
    assert api.error(RECORD, runs=[unuploaded])["extensions"]["code"] == "BAD_USER_INPUT"
    bad_name = {**good, "logs": [{"name": "no good", "type": "model", "files": files(api, b"z")}]}
    assert api.error(RECORD, runs=[bad_name])["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": "runs[0].logs[0].name",
    }
    assert graph_size(driver) == before


def test_batches_are_limited_and_authorised(api: GraphQLClient, server: str) -> None:
    too_many = [{"entity": "zoo-team", "project": "zoo", "runId": f"r{n}"} for n in range(501)]
    error = api.error(RECORD, runs=too_many)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "runs", "limit": 500}
    api.query('mutation { addMember(entity: "other", user: "ana", role: MEMBER) { role } }')
    key = api.query('mutation { createApiKey(user: "ana") { key } }')["createApiKey"]["key"]
    with GraphQLClient(server, key=key) as ana:
        refused = ana.error(RECORD, runs=[{"entity": "zoo-team", "project": "zoo", "runId": "x"}])
        assert refused["extensions"] == {"code": "NOT_FOUND", "field": "runs[0].entity"}
