from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from neo4j import Driver

from tests.builders import LOG, Builder
from tests.client import GraphQLClient


def log_in_parallel(server: str, inputs: list[dict[str, object]]) -> list[dict[str, object]]:
    def log(run_input: dict[str, object]) -> dict[str, object]:
        with GraphQLClient(server) as client:
            result: dict[str, object] = client.query(LOG, input=run_input)["logArtifact"]
            return result

    with ThreadPoolExecutor(max_workers=len(inputs)) as pool:
        return list(pool.map(log, inputs))


def test_twenty_parallel_loggers_of_distinct_content_get_versions_0_to_19(
    api: GraphQLClient, server: str, driver: Driver
) -> None:
    zoo = Builder(api)
    inputs = []
    for number in range(20):
        run = zoo.run(f"r{number}")
        digest = api.put_file(f"content {number}".encode())
        inputs.append(
            {
                "runId": run,
                "name": "data",
                "type": "dataset",
                "files": [{"path": "a", "digest": digest, "size": len(f"content {number}")}],
            }
        )
    results = log_in_parallel(server, inputs)
    assert all(result["created"] for result in results)
    records, _, _ = driver.execute_query(
        "MATCH (v:ArtifactVersion)-[:VERSION_OF]->(:ArtifactCollection {name: 'data'}) "
        "RETURN v.version AS version ORDER BY version"
    )
    assert [r["version"] for r in records] == list(range(20))
    latest = api.query('{ artifact(ref: "zoo-team/zoo/data:latest") { version } }')
    assert latest["artifact"]["version"] == 19


def test_twenty_parallel_loggers_of_identical_content_make_one_version(
    api: GraphQLClient, server: str, driver: Driver
) -> None:
    zoo = Builder(api)
    digest = api.put_file(b"identical")
    runs = [zoo.run(f"r{number}") for number in range(20)]
    inputs = [
        {"runId": run, "name": "data", "type": "dataset", "files": [{"path": "a", "digest": digest, "size": 9}]}
        for run in runs
    ]
    results = log_in_parallel(server, inputs)
    assert sorted(result["created"] for result in results) == [False] * 19 + [True]
    records, _, _ = driver.execute_query(
        "MATCH (r:Run)-[l:LOGGED]->(v:ArtifactVersion) "
        "RETURN count(DISTINCT v) AS versions, count(l) AS logged, sum(CASE WHEN l.created THEN 1 ELSE 0 END) AS c"
    )
    assert (records[0]["versions"], records[0]["logged"], records[0]["c"]) == (1, 20, 1)


def test_parallel_alias_moves_leave_the_alias_on_exactly_one_version(
    api: GraphQLClient, server: str, driver: Driver
) -> None:
    zoo = Builder(api)
    run = zoo.run("r1")
    for number in range(10):
        zoo.log(run, "data", files={"a": str(number).encode()})

    def move(version: int) -> None:
        with GraphQLClient(server) as client:
            client.query(
                'mutation($r: String!) { setAlias(ref: $r, alias: "best") { id } }', r=f"zoo-team/zoo/data:v{version}"
            )

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(move, range(10)))
    records, _, _ = driver.execute_query("MATCH (:Alias {name: 'best'})-[p:POINTS_TO]->() RETURN count(p) AS n")
    assert records[0]["n"] == 1
