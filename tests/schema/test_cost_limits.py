"""Work is bounded before it starts: estimated cost, document shape, aliases per collection, date-times Neo4j
can hold (issue 11, findings 7, 8 and 11; the hostile-tenant review's alias bomb)."""

from __future__ import annotations

from typing import Any

from tests.builders import Builder
from tests.client import GraphQLClient

NESTED = """{ entities(first: 200) { edges { node { projects(first: 200) { edges { node {
  runs(first: 200) { edges { node { inputs(first: 200) { edges { node { id } } } } } } } } } } } } }"""
ALIAS_BOMB = """{ artifactCollection(ref: "acme/bomb/m") { aliases { name artifact { collection { aliases { name
  artifact { collection { aliases { name artifact { collection { name } } } } } } } } } } }"""


def answering(api: GraphQLClient) -> float:
    counts = api.statements()
    return counts.get("read", 0) + counts.get("write", 0)


def refused(api: GraphQLClient, query: str, **variables: Any) -> dict[str, Any]:
    before = answering(api)
    error = api.error(query, **variables)
    assert answering(api) == before  # refused before any statement ran
    return error


def test_four_nested_pages_of_200_are_refused_naming_cost_and_limit(api: GraphQLClient) -> None:
    error = refused(api, NESTED)
    extensions = error["extensions"]
    assert (extensions["code"], extensions["field"], extensions["limit"]) == ("BAD_USER_INPUT", "entities", 2_500_000)
    assert extensions["cost"] > 200**4
    assert error["message"].startswith(f"entities: the request may build about {extensions['cost']:,} objects")


def test_nested_lists_without_pages_are_estimated_and_a_collection_holds_at_most_100_aliases(
    api: GraphQLClient,
) -> None:
    acme = Builder(api, "acme", "bomb")
    run = acme.run("b1")
    acme.log(run, "m", "model", aliases=[f"a{n}" for n in range(99)])
    too_many = api.post(
        "mutation($i: LogArtifactInput!) { logArtifact(input: $i) { created } }",
        {"i": {"runId": run, "name": "m", "type": "model", "aliases": ["one-more"], "files": []}},
    )
    assert too_many["errors"][0]["extensions"] == {"code": "CONFLICT", "field": "aliases", "limit": 100}
    assert (
        len(
            api.query('{ artifactCollection(ref: "acme/bomb/m") { aliases { name } } }')["artifactCollection"][
                "aliases"
            ]
        )
        == 100
    )
    assert refused(api, ALIAS_BOMB)["extensions"]["field"] == "artifactCollection"


def test_a_document_repeating_one_selection_is_refused_before_validation(api: GraphQLClient) -> None:
    error = refused(api, "{ " + " ".join(["me { user }"] * 1000) + " }")
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "me", "limit": 20}
    assert error["message"] == "me is selected 1000 times in one selection set; at most 20 are allowed"
    wide = "{ " + " ".join(f"a{n}: __typename" for n in range(1001)) + " }"
    assert refused(api, wide)["extensions"] == {"code": "BAD_USER_INPUT", "limit": 1000}


def test_date_times_neo4j_cannot_hold_are_refused_naming_the_argument(api: GraphQLClient) -> None:
    Builder(api, "acme", "p").log(Builder(api, "acme", "p").run("r"), "d")
    for as_of in ("0001-01-01T00:00:00+14:00", "2026-01-01T00:00:00-23:59"):
        error = api.error('query($t: DateTime) { lineage(ref: "acme/p/d:v0", asOf: $t) { truncated } }', t=as_of)
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "asOf"}
