"""The admins' Cypher console: read-only as decided from the query plan, with a timeout and a row limit."""

from __future__ import annotations

import pytest
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


def test_writes_are_refused_from_the_plan_and_change_nothing(api: GraphQLClient, driver: Driver) -> None:
    refused = {
        "CREATE (:Intruder)": "Create",
        "MATCH (n) DETACH DELETE n": "DetachDelete",
        "MATCH (u:User) SET u.superuser = true": "SetProperty",
        "MERGE (:Intruder)": "Merge",
        "CALL () { CREATE (:Intruder) } IN TRANSACTIONS": "TransactionForeach",
        "CREATE INDEX intruder FOR (n:Intruder) ON (n.x)": "CreateIndex",
        "TERMINATE TRANSACTIONS 'neo4j-transaction-1'": "TerminateTransactions",
        "SHOW TRANSACTIONS": "ShowTransactions",
    }
    for query, operator in refused.items():
        error = api.error(CYPHER, q=query)
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "query", "operator": operator}, query
        assert error["message"] == (
            f"query: the console runs read-only queries, and this query's plan has a {operator} operator"
        )
    records, _, _ = driver.execute_query("MATCH (n:Intruder) RETURN count(n) AS n")
    assert records[0]["n"] == 0
    assert driver.execute_query("MATCH (u:User) RETURN count(u) AS n").records[0]["n"] == 1
    assert (
        driver.execute_query("SHOW INDEXES YIELD name WHERE name = 'intruder' RETURN count(*) AS n").records[0]["n"]
        == 0
    )


@pytest.mark.parametrize(
    "query",
    [
        "LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l",
        "LOAD/**/CSV FROM 'file:///etc/passwd' AS l RETURN l",
        "load /* a comment */ csv with headers from 'http://127.0.0.1:1/x' AS l RETURN l",
        "UNWIND [1] AS x CALL (x) { LOAD CSV FROM 'file:///etc/hostname' AS l RETURN l } RETURN l",
    ],
)
def test_load_csv_is_refused_however_it_is_spelled(api: GraphQLClient, query: str) -> None:
    error = api.error(CYPHER, q=query)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "query", "operator": "LoadCSV"}
    assert error["message"] == "query: LOAD CSV reads files and URLs; the console refuses it"


def test_only_listed_procedures_may_be_called(api: GraphQLClient) -> None:
    zoo = Builder(api)
    zoo.log(zoo.run("r1"), "data")
    labels = api.query(CYPHER, q="CALL db.labels() YIELD label WHERE label IN ['Run', 'User'] RETURN label")
    assert sorted(row[0] for row in labels["cypher"]["rows"]) == ["Run", "User"]
    assert api.query(CYPHER, q="CALL db.relationshipTypes() YIELD relationshipType RETURN count(*) > 0 AS some")[
        "cypher"
    ]["rows"] == [[True]]
    indexes = api.query(CYPHER, q="SHOW INDEXES YIELD name, type WHERE type = 'LOOKUP' RETURN count(*) AS n")
    assert indexes["cypher"]["rows"] == [[2]]
    for call, procedure in [
        ("CALL dbms.listConfig() YIELD name RETURN name", "dbms.listConfig"),
        ("CALL db.createLabel('Intruder')", "db.createLabel"),
        ("CALL tx.setMetaData({a: 1})", "tx.setMetaData"),
        ("CALL dbms.components()", "dbms.components"),
    ]:
        error = api.error(CYPHER, q=call)
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "query", "procedure": procedure}, call
        assert error["message"].startswith("query: the console calls only the procedures db.labels, ")
        assert error["message"].endswith(f"; not {procedure}")


@pytest.mark.parametrize("limit", [-1, 0, 1001])
def test_a_limit_outside_one_to_the_row_cap_is_refused(api: GraphQLClient, limit: int) -> None:
    error = api.error(CYPHER, q="UNWIND range(1, 5000) AS i RETURN i", l=limit)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "limit", "limit": 1000}
    assert error["message"] == f"limit must be between 1 and 1000 (the console's row limit); got {limit}"


def test_null_and_non_finite_cells_are_answered(api: GraphQLClient) -> None:
    answer = api.query(CYPHER, q="RETURN null AS a, [1, null] AS b, {x: null} AS c, 0.0 / 0.0 AS d, -1.0 / 0.0 AS e")
    assert answer["cypher"] == {
        "columns": ["a", "b", "c", "d", "e"],
        "rows": [[None, [1, None], {"x": None}, "NaN", "-Infinity"]],
        "truncated": False,
    }


def test_values_the_answer_cannot_carry_are_refused_by_name(api: GraphQLClient) -> None:
    deep = api.error(CYPHER, q="RETURN reduce(x = [], i IN range(1, 500) | [x]) AS deep")
    assert deep["extensions"] == {"code": "BAD_USER_INPUT", "field": "query"}
    assert "nests more than 64 lists or maps deep" in deep["message"]
    huge = api.error(CYPHER, q="RETURN $x AS x", p={"x": 2**64})
    assert huge["extensions"] == {"code": "BAD_USER_INPUT", "field": "parameters"}
    assert huge["message"] == "parameters: integers must fit in 64 bits (Neo4j's INTEGER)"


def test_syntax_errors_point_into_the_query_as_written(api: GraphQLClient) -> None:
    error = api.error(CYPHER, q="MATCH (n RETURN n")
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "query"}
    assert '(line 1, column 10 (offset: 9))\n"MATCH (n RETURN n"\n          ^' in error["message"]


def test_rows_are_limited_and_runaway_queries_time_out(api: GraphQLClient) -> None:
    limited = api.query(CYPHER, q="UNWIND range(1, 5000) AS i RETURN i", l=10)["cypher"]
    assert (len(limited["rows"]), limited["truncated"]) == (10, True)
    capped = api.query(CYPHER, q="UNWIND range(1, 5000) AS i RETURN i")["cypher"]
    assert (len(capped["rows"]), capped["truncated"]) == (1000, True)
    endless = "UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b WITH a, b WHERE a * b < 0 RETURN count(*)"
    runaway = api.error(CYPHER, q=endless)
    assert runaway["extensions"]["code"] == "BAD_USER_INPUT"
    assert runaway["message"] == "query: it ran past the console's 10 s limit"


def test_only_superusers_get_a_console(api: GraphQLClient, server: str) -> None:
    api.query('mutation { addMember(entity: "acme", user: "ana", role: ADMIN) { role } }')
    key = api.query('mutation { createApiKey(user: "ana") { key } }')["createApiKey"]["key"]
    with GraphQLClient(server, key=key) as ana:
        assert ana.error(CYPHER, q="RETURN 1")["extensions"] == {"code": "FORBIDDEN", "field": "query"}
