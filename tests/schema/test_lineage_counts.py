"""Lineage counts (migration 0007; rows that add up since 0013) stay exactly what reading every lineage edge gives:
after each way the API writes edges, under concurrent writers, after a project is removed and a version deleted, once
folded, and when the migration counts a graph written before it. What the answers built from them equal:
test_lineage_counted_answers.py."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from neo4j import AsyncGraphDatabase, Driver, ManagedTransaction

from bench.ingest import remove_project
from cypher.executor import Executor
from cypher.ids import parse_global_id
from cypher.migrate import migrate
from cypher.named import named
from tests.builders import USE, Builder
from tests.client import GraphQLClient
from tests.conftest import count_sums
from tests.schema.test_lineage import LINEAGE

RECORD = "mutation($runs: [RecordRunInput!]!) { recordRuns(runs: $runs) { runs used logged } }"
RECOUNT = """MATCH (p) WHERE p:Run OR p:ArtifactVersion
CALL (p) {
  MATCH (p)-[:USED_BY|LOGGED]->(n) RETURN 'DOWNSTREAM' AS side, n
  UNION ALL
  MATCH (p)<-[:USED_BY|LOGGED]-(n) RETURN 'UPSTREAM' AS side, n
}
WITH p, side, n, CASE WHEN side = 'DOWNSTREAM' THEN EXISTS { (n)-[:USED_BY|LOGGED]->() }
                      ELSE EXISTS { (n)<-[:USED_BY|LOGGED]-() } END AS onward
RETURN p.id AS node, side,
       CASE WHEN n:Run AND n.group IS NOT NULL THEN 'group:' + n.group + '/' + coalesce(n.job_type, '')
       WHEN n:Run THEN 'job:' + coalesce(n.job_type, '') ELSE 'collection:' + n.collection_id END AS group,
       n.entity AS entity, n.project AS project, count(*) AS count, count(CASE WHEN onward THEN 1 END) AS onward"""
MARKS = """MATCH (p) WHERE p:Run OR p:ArtifactVersion
CALL (p) {
  MATCH (p)-[:USED_BY|LOGGED]->(n) WHERE EXISTS { (n)-[:USED_BY|LOGGED]->() } RETURN 'DOWNSTREAM' AS side, n
  UNION ALL
  MATCH (p)<-[:USED_BY|LOGGED]-(n) WHERE EXISTS { (n)<-[:USED_BY|LOGGED]-() } RETURN 'UPSTREAM' AS side, n
}
RETURN p.id AS node, side, n.id AS neighbour, n.created_at AS at"""
KEPT_MARKS = "MATCH (t:LineageOnward) RETURN t.node AS node, t.side AS side, t.neighbour AS neighbour, t.at AS at"
Counts = dict[tuple[str, str, str, str, str], int]


def counts(records: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str, str, str, str], list[int]]:
    return {(r["node"], r["side"], r["group"], r["entity"], r["project"]): [r["count"], r["onward"]] for r in records}


def marks(driver: Driver, text: str) -> list[tuple[str, str, str, Any]]:
    records, _, _ = driver.execute_query(text)
    return sorted((r["node"], r["side"], r["neighbour"], r["at"]) for r in records)


def assert_counts_exact(driver: Driver) -> Counts:
    """The kept counts (and how many of each are onward) and the onward marks are exactly what reading every
    lineage edge gives (no zero, none missing, none twice)."""
    kept = counts(count_sums(driver))
    assert kept == counts(driver.execute_query(RECOUNT).records)
    assert marks(driver, KEPT_MARKS) == marks(driver, MARKS)
    return {key: both[0] for key, both in kept.items()}


def of_node(kept: Counts, node: str, side: str) -> dict[tuple[str, str, str], int]:
    return {
        (group, entity, project): n for (at, s, group, entity, project), n in kept.items() if (at, s) == (node, side)
    }


def training_run(run_id: str, ref: str) -> dict[str, Any]:
    """A recordRuns input: a training run of zoo-team/zoo that used `ref` and logged a model."""
    return {
        "entity": "zoo-team",
        "project": "zoo",
        "runId": run_id,
        "jobType": "train",
        "uses": [ref],
        "logs": [{"name": "model", "type": "model", "files": []}],
    }


def version_id(api: GraphQLClient, ref: str) -> str:
    """The id stored on the version (what the kept counts name), from its global id."""
    _, [stored] = parse_global_id(api.query("query($r: String!) { artifact(ref: $r) { id } }", r=ref)["artifact"]["id"])
    return stored


def test_counts_follow_every_edge_the_api_writes(api: GraphQLClient, driver: Driver) -> None:
    zoo = Builder(api)
    prep = zoo.run("prep", job_type="preprocess")
    zoo.log(prep, "data")
    zoo.log(zoo.run("again", job_type="preprocess"), "data")  # the same content: a second logger of data:v0
    for number in range(3):
        run = zoo.run(f"train{number}")
        zoo.use(run, "data:v0")
        zoo.use(run, "data:latest")  # the same version again: no second edge, no second count
        zoo.log(run, "model", "model", files={"m": f"weights {number}".encode()})
    zoo.use(zoo.run("untyped", job_type=None), "data:v0")
    other = Builder(api, "globex", "nlp")
    other.use(other.run("borrow", job_type="train"), "zoo-team/zoo/data:v0")
    api.query(
        RECORD,
        runs=[
            {
                "entity": "zoo-team",
                "project": "batch",
                "runId": f"b{n}",
                "jobType": "eval",
                "uses": ["zoo-team/zoo/data:v0"],
            }
            for n in range(4)
        ],
    )
    kept = assert_counts_exact(driver)
    assert of_node(kept, version_id(api, "zoo-team/zoo/data:v0"), "DOWNSTREAM") == {
        ("job:train", "zoo-team", "zoo"): 3,
        ("job:", "zoo-team", "zoo"): 1,
        ("job:train", "globex", "nlp"): 1,
        ("job:eval", "zoo-team", "batch"): 4,
    }
    assert of_node(kept, version_id(api, "zoo-team/zoo/data:v0"), "UPSTREAM") == {
        ("job:preprocess", "zoo-team", "zoo"): 2
    }


def test_parallel_consumers_of_one_hub_lose_no_count(api: GraphQLClient, server: str, driver: Driver) -> None:
    """Runs using the same hub at once, each asking twice, beside batches using it too: every edge counts once."""
    zoo = Builder(api)
    zoo.log(zoo.run("prep", job_type="preprocess"), "data")
    runs = [zoo.run(f"r{number}", job_type="train" if number % 3 else "eval") for number in range(24)]
    batches = [[training_run(f"batch{batch}-{n}", "zoo-team/zoo/data:latest") for n in range(10)] for batch in range(4)]

    def write(job: tuple[str, Any]) -> None:
        kind, payload = job
        with GraphQLClient(server) as client:
            if kind == "use":
                client.query(USE, run=payload, ref="zoo-team/zoo/data:v0")
            else:
                client.query(RECORD, runs=payload)

    jobs = [("use", run) for run in runs for _ in range(2)] + [("batch", batch) for batch in batches]
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(write, jobs))
    kept = assert_counts_exact(driver)
    assert of_node(kept, version_id(api, "zoo-team/zoo/data:v0"), "DOWNSTREAM") == {
        ("job:train", "zoo-team", "zoo"): 16 + 40,
        ("job:eval", "zoo-team", "zoo"): 8,
    }


def test_the_use_statement_loses_no_count_under_many_concurrent_transactions(
    api: GraphQLClient, driver: Driver
) -> None:
    """record_uses.cypher (and mark_onward.cypher after it, as the write path does) straight from 16 threads,
    one use per transaction, all on one hub: as tight a race on its count and marks as the driver can make."""
    zoo = Builder(api)
    zoo.log(zoo.run("prep", job_type="preprocess"), "data")
    hub = version_id(api, "zoo-team/zoo/data:v0")
    api.query(
        RECORD,
        runs=[{"entity": "zoo-team", "project": "zoo", "runId": f"r{n}", "jobType": "train"} for n in range(320)],
    )

    def record(tx: ManagedTransaction, row: dict[str, Any]) -> None:
        [used] = tx.run(named("record_uses"), uses=[row]).data()
        tx.run(named("mark_onward"), used=used["added"], logged=[], in_total={}, out_total={}).consume()

    def use(first: int) -> None:
        with driver.session() as session:
            for number in range(first, 320, 16):
                row = {"run_id": f"zoo-team/zoo/r{number}", "version_id": hub, "alias": None}
                session.execute_write(record, row)

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(use, range(16)))
    kept = assert_counts_exact(driver)
    assert of_node(kept, hub, "DOWNSTREAM") == {("job:train", "zoo-team", "zoo"): 320}


ROWS_PER_KEY = """MATCH (k:LineageCount)
WITH k.node AS node, k.side AS side, k.group AS group, k.entity AS entity, k.project AS project, count(*) AS rows,
     sum(k.count) AS count, sum(coalesce(k.onward, 0)) AS onward, count(k.fresh) AS fresh
RETURN max(rows) AS rows, sum(fresh) AS fresh, count(CASE WHEN count = 0 AND onward = 0 THEN 1 END) AS empty"""


def test_folding_leaves_one_row_per_count_and_every_count_as_it_was(api: GraphQLClient, driver: Driver) -> None:
    """The write path adds a row per transaction and key; the fold (which the server that sweeps runs every
    step, and which runs here too) merges each key's rows into one, and drops the keys a removal emptied."""
    zoo = Builder(api)
    zoo.log(zoo.run("prep", job_type="preprocess"), "data")
    for batch in range(3):
        api.query(RECORD, runs=[training_run(f"b{batch}-{n}", "zoo-team/zoo/data:v0") for n in range(4)])
    gone = Builder(api, "zoo-team", "gone")
    gone.use(gone.run("g", job_type="eval"), "zoo-team/zoo/data:v0")
    remove_project(driver, "zoo-team", "gone")  # its use is taken off the hub's count by a row of its own
    before = assert_counts_exact(driver)
    while driver.execute_query(named("fold_lineage_counts"), keys=2).records[0]["folded"]:
        pass  # two keys a fold: several folds, as steps under load would take
    [after] = driver.execute_query(ROWS_PER_KEY).records
    assert (after["rows"], after["fresh"], after["empty"]) == (1, 0, 0)
    assert assert_counts_exact(driver) == before
    assert of_node(before, version_id(api, "zoo-team/zoo/data:v0"), "DOWNSTREAM") == {
        ("job:train", "zoo-team", "zoo"): 12
    }


def test_parallel_loggers_of_identical_content_count_once_each(api: GraphQLClient, server: str, driver: Driver) -> None:
    zoo = Builder(api)
    digest = api.put_file(b"identical")
    runs = [zoo.run(f"r{number}", job_type="split") for number in range(12)]
    inputs = [
        {"runId": run, "name": "data", "type": "dataset", "files": [{"path": "a", "digest": digest, "size": 9}]}
        for run in runs
    ]

    def log(run_input: dict[str, Any]) -> None:
        with GraphQLClient(server) as client:
            client.query(
                "mutation($input: LogArtifactInput!) { logArtifact(input: $input) { created } }", input=run_input
            )

    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(log, inputs + inputs))
    kept = assert_counts_exact(driver)
    assert of_node(kept, version_id(api, "zoo-team/zoo/data:v0"), "UPSTREAM") == {("job:split", "zoo-team", "zoo"): 12}


def test_removing_a_project_takes_its_edges_out_of_the_counts(api: GraphQLClient, driver: Driver) -> None:
    zoo = Builder(api)
    zoo.log(zoo.run("prep"), "data")
    for number in range(7):
        zoo.use(zoo.run(f"keep{number}"), "data:v0")
    gone = Builder(api, "zoo-team", "gone")
    for number in range(9):
        run = gone.run(f"g{number}", job_type="train" if number % 2 else "eval")
        gone.use(run, "zoo-team/zoo/data:v0")
        gone.log(run, "model", "model", files={"m": f"{number}".encode()})
        zoo.use(zoo.run(f"later{number}"), f"zoo-team/gone/model:v{number}")
    remove_project(driver, "zoo-team", "gone")
    kept = assert_counts_exact(driver)
    assert of_node(kept, version_id(api, "zoo-team/zoo/data:v0"), "DOWNSTREAM") == {("job:train", "zoo-team", "zoo"): 7}
    assert not [key for key in kept if "gone" in key[0] or key[4] == "gone"]
    result = api.query(LINEAGE, ref="zoo-team/zoo/data:v0", direction="BOTH", depth=4, threshold=5, max=500, asOf=None)
    assert [(c["jobType"], c["count"]) for c in result["lineage"]["clusters"]] == [("train", 7)]


def test_deleting_a_version_keeps_its_lineage_counted(api: GraphQLClient, driver: Driver) -> None:
    zoo = Builder(api)
    zoo.log(zoo.run("prep"), "data")
    for number in range(6):
        zoo.use(zoo.run(f"r{number}"), "data:v0")
    before = assert_counts_exact(driver)
    api.query('mutation { deleteArtifactVersion(ref: "zoo-team/zoo/data:v0", deleteAliases: true) { id } }')
    assert assert_counts_exact(driver) == before
    result = api.query(LINEAGE, ref="zoo-team/zoo/r0", direction="UPSTREAM", depth=2, threshold=5, max=500, asOf=None)
    assert [(n.get("ref"), n.get("deleted")) for n in result["lineage"]["nodes"][1:2]] == [
        ("zoo-team/zoo/data:v0", True)
    ]
    data = api.query(LINEAGE, ref="zoo-team/zoo/prep", direction="DOWNSTREAM", depth=2, threshold=5, max=500, asOf=None)
    assert [c["count"] for c in data["lineage"]["clusters"]] == [6]


def test_the_migration_counts_a_graph_written_before_it(
    api: GraphQLClient, driver: Driver, neo4j_uri: str, neo4j_auth: tuple[str, str] | None
) -> None:
    zoo = Builder(api)
    zoo.log(zoo.run("prep"), "data")
    for number in range(8):
        run = zoo.run(f"r{number}", job_type=f"job{number % 3}")
        zoo.use(run, "data:v0")
        zoo.log(run, "model", "model", files={"m": f"{number}".encode()})
    written = assert_counts_exact(driver)
    driver.execute_query("MATCH (k:LineageCount) DELETE k")
    driver.execute_query("MATCH (t:LineageOnward) DELETE t")
    driver.execute_query(
        "MATCH (m:StemmaMigration) WHERE m.id IN ['0007_lineage_counts', '0008_lineage_onward'] DELETE m"
    )

    async def again() -> list[str]:
        async with AsyncGraphDatabase.driver(neo4j_uri, auth=neo4j_auth, notifications_min_severity="OFF") as graph:
            return await migrate(Executor(graph, "neo4j"))

    assert asyncio.run(again()) == ["0007_lineage_counts", "0008_lineage_onward"]
    assert assert_counts_exact(driver) == written


def test_clusters_say_what_their_members_are_on_each_side(api: GraphQLClient) -> None:
    zoo = Builder(api)
    for number in range(4):  # four loggers of one version: upstream of it, a cluster of runs tied by LOGGED
        zoo.log(zoo.run(f"split{number}", job_type="split"), "data", files={"a": b"shared"})
    wide = zoo.run("wide", job_type=None)
    for number in range(4):  # a run logging four versions of one collection, and using four of another
        zoo.log(wide, "ckpt", "checkpoint", files={"c": f"{number}".encode()})
        zoo.log(zoo.run(f"maker{number}"), "input", files={"i": f"{number}".encode()})
        zoo.use(wide, f"input:v{number}")
    for number in range(4):
        zoo.use(zoo.run(f"untyped{number}", job_type=None), "data:v0")
    wide_lineage = api.query(
        LINEAGE, ref="zoo-team/zoo/wide", direction="BOTH", depth=1, threshold=3, max=50, asOf=None
    )
    data_lineage = api.query(
        LINEAGE, ref="zoo-team/zoo/data:v0", direction="BOTH", depth=1, threshold=3, max=50, asOf=None
    )
    shown = sorted(
        (c["parentKind"], c["side"], c["kind"], c["edgeKind"], c["count"], c["jobType"], c["collection"], c["type"])
        for result in (wide_lineage, data_lineage)
        for c in result["lineage"]["clusters"]
    )
    assert shown == [
        ("ARTIFACT", "DOWNSTREAM", "RUN", "USED_BY", 4, None, None, None),
        ("ARTIFACT", "UPSTREAM", "RUN", "LOGGED", 4, "split", None, None),
        ("RUN", "DOWNSTREAM", "ARTIFACT", "LOGGED", 4, None, "zoo-team/zoo/ckpt", "checkpoint"),
        ("RUN", "UPSTREAM", "ARTIFACT", "USED_BY", 4, None, "zoo-team/zoo/input", "dataset"),
    ]
    assert sorted(c["description"] for r in (wide_lineage, data_lineage) for c in r["lineage"]["clusters"]) == [
        "4 runs of job type split",
        "4 runs without a job type",
        "4 versions of zoo-team/zoo/ckpt (checkpoint)",
        "4 versions of zoo-team/zoo/input (dataset)",
    ]
    [untyped] = [c for c in data_lineage["lineage"]["clusters"] if c["side"] == "DOWNSTREAM"]
    assert untyped["id"].endswith("|DOWNSTREAM|job:")
