"""The admins' Cypher console: read-only, with a timeout and a row limit."""

from __future__ import annotations

from neo4j import Driver

from tests.builders import Builder
from tests.client import GraphQLClient

CYPHER = (
    "query($q: String!, $p: JSON, $l: Int) { cypher(query: $q, parameters: $p, limit: $l) { columns rows truncated } }"
)


def test_superusers_read_the_graph_with_parameters(api: GraphQLClient) -> None:
    zoo = Builder(api)
    zoo.log(zoo.run("r1"), "data")
    answer = api.query(
        CYPHER, q="MATCH (v:ArtifactVersion {name: $n}) RETURN v.name AS name, v.version AS version", p={"n": "data"}
    )["cypher"]
    assert answer == {"columns": ["name", "version"], "rows": [["data", 0]], "truncated": False}
    node = api.query(CYPHER, q="MATCH (r:Run) RETURN r")["cypher"]["rows"][0][0]
    assert node["labels"] == ["Run"] and node["properties"]["run_id"] == "r1"


def test_writes_are_refused_and_change_nothing(api: GraphQLClient, driver: Driver) -> None:
    for query in ("CREATE (:Intruder)", "MATCH (n) DETACH DELETE n", "MATCH (u:User) SET u.superuser = true"):
        error = api.error(CYPHER, q=query)
        assert error["extensions"] == {"code": "FORBIDDEN", "field": "query"}, query
        assert "read-only" in error["message"]
    records, _, _ = driver.execute_query("MATCH (n:Intruder) RETURN count(n) AS n")
    assert records[0]["n"] == 0
    assert driver.execute_query("MATCH (u:User) RETURN count(u) AS n").records[0]["n"] == 1
    assert api.error(CYPHER, q="LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l")["extensions"]["code"] == "FORBIDDEN"


def test_rows_are_limited_and_runaway_queries_time_out(api: GraphQLClient) -> None:
    limited = api.query(CYPHER, q="UNWIND range(1, 5000) AS i RETURN i", l=10)["cypher"]
    assert (len(limited["rows"]), limited["truncated"]) == (10, True)
    capped = api.query(CYPHER, q="UNWIND range(1, 5000) AS i RETURN i")["cypher"]
    assert (len(capped["rows"]), capped["truncated"]) == (1000, True)
    endless = "UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b WITH a, b WHERE a * b < 0 RETURN count(*)"
    runaway = api.error(CYPHER, q=endless)
    assert runaway["extensions"]["code"] == "BAD_USER_INPUT"
    assert "10 s limit" in runaway["message"]
    bad = api.error(CYPHER, q="MATCH (n RETURN n")
    assert bad["extensions"] == {"code": "BAD_USER_INPUT", "field": "query"}


def test_only_superusers_get_a_console(api: GraphQLClient, server: str) -> None:
    api.query('mutation { addMember(entity: "acme", user: "ana", role: ADMIN) { role } }')
    key = api.query('mutation { createApiKey(user: "ana") { key } }')["createApiKey"]["key"]
    with GraphQLClient(server, key=key) as ana:
        assert ana.error(CYPHER, q="RETURN 1")["extensions"] == {"code": "FORBIDDEN", "field": "query"}
