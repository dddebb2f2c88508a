from __future__ import annotations

from neo4j import Driver

from tests.builders import Builder
from tests.client import GraphQLClient

SET = "mutation($ref: String!, $alias: String!) { setAlias(ref: $ref, alias: $alias) { version aliases } }"
REMOVE = "mutation($c: String!, $alias: String!) { removeAlias(collection: $c, alias: $alias) }"


def versions_with_aliases(api: GraphQLClient) -> dict[int, list[str]]:
    page = api.query(
        '{ artifactCollection(ref: "zoo-team/zoo/data") { versions { edges { node { version aliases } } } } }'
    )
    return {e["node"]["version"]: e["node"]["aliases"] for e in page["artifactCollection"]["versions"]["edges"]}


def test_an_alias_names_one_version_and_moves_when_set_elsewhere(api: GraphQLClient, driver: Driver) -> None:
    zoo = Builder(api)
    run = zoo.run("r1")
    for number in range(3):
        zoo.log(run, "data", files={"a": str(number).encode()})
    assert api.query(SET, ref="zoo-team/zoo/data:v0", alias="best")["setAlias"] == {"version": 0, "aliases": ["best"]}
    api.query(SET, ref="zoo-team/zoo/data:v1", alias="best")
    api.query(SET, ref="zoo-team/zoo/data:v1", alias="best")
    assert versions_with_aliases(api) == {2: ["latest"], 1: ["best"], 0: []}
    records, _, _ = driver.execute_query(
        "MATCH (a:Alias {name: 'best'})-[p:POINTS_TO]->(v) RETURN count(DISTINCT a) AS aliases, count(p) AS edges"
    )
    assert (records[0]["aliases"], records[0]["edges"]) == (1, 1)


def test_aliases_are_resolved_in_references(api: GraphQLClient) -> None:
    zoo = Builder(api)
    run = zoo.run("r1")
    zoo.log(run, "data", files={"a": b"0"}, aliases=["golden"])
    zoo.log(run, "data", files={"a": b"1"})
    ref = api.query('{ artifact(ref: "zoo-team/zoo/data:golden") { ref } }')["artifact"]["ref"]
    assert ref == "zoo-team/zoo/data:v0"


def test_removing_an_alias_and_removing_it_again(api: GraphQLClient) -> None:
    zoo = Builder(api)
    zoo.log(zoo.run("r1"), "data", aliases=["best"])
    assert api.query(REMOVE, c="zoo-team/zoo/data", alias="best")["removeAlias"] is True
    assert api.query(REMOVE, c="zoo-team/zoo/data", alias="best")["removeAlias"] is False
    assert versions_with_aliases(api) == {0: ["latest"]}
    error = api.error('{ artifact(ref: "zoo-team/zoo/data:best") { id } }')
    assert error["extensions"] == {"code": "NOT_FOUND", "field": "ref"}


def test_latest_and_version_shaped_aliases_are_refused(api: GraphQLClient) -> None:
    zoo = Builder(api)
    zoo.log(zoo.run("r1"), "data")
    for alias in ("latest", "v3", "v0", "bad alias", ""):
        error = api.error(SET, ref="zoo-team/zoo/data:v0", alias=alias)
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "alias"}, alias
    error = api.error(REMOVE, c="zoo-team/zoo/data", alias="latest")
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "alias"}
    assert versions_with_aliases(api) == {0: ["latest"]}


def test_collection_aliases_list_each_alias_with_its_version(api: GraphQLClient) -> None:
    zoo = Builder(api)
    run = zoo.run("r1")
    zoo.log(run, "data", files={"a": b"0"}, aliases=["best", "prod"])
    zoo.log(run, "data", files={"a": b"1"})
    aliases = api.query(
        '{ artifactCollection(ref: "zoo-team/zoo/data") { aliases { name version artifact { ref } } } }'
    )
    assert aliases["artifactCollection"]["aliases"] == [
        {"name": "best", "version": 0, "artifact": {"ref": "zoo-team/zoo/data:v0"}},
        {"name": "latest", "version": 1, "artifact": {"ref": "zoo-team/zoo/data:v1"}},
        {"name": "prod", "version": 0, "artifact": {"ref": "zoo-team/zoo/data:v0"}},
    ]
