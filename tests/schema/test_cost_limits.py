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


def test_the_cost_budget_is_per_request_and_heavy_json_fields_weigh_in(api: GraphQLClient) -> None:
    runs = 'runs(entity: "acme", project: "p", first: 200) { edges { node { config } } }'
    one = api.query(f"{{ {runs} }}")
    assert one == {"runs": {"edges": []}}
    many = " ".join(f"r{n}: {runs}" for n in range(13))
    error = refused(api, f"{{ {many} }}")
    assert (error["extensions"]["code"], error["extensions"]["limit"]) == ("BAD_USER_INPUT", 2_500_000)
    assert error["extensions"]["cost"] > 2_500_000


def test_config_and_metadata_are_json_objects_of_at_most_64_kib(api: GraphQLClient) -> None:
    big = {"k": "x" * (64 * 1024)}
    error = api.error(
        'mutation($c: JSON) { createRun(input: {entity: "acme", project: "p", runId: "big", config: $c}) { id } }',
        c=big,
    )
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "input.config", "limit": 65536}
    assert error["message"] == "input.config is 65,545 bytes as JSON; at most 65,536 are allowed"


def test_more_than_50_fragments_are_refused_before_validation(api: GraphQLClient) -> None:
    spreads = " ".join(f"...F{n}" for n in range(51))
    fragments = " ".join(f"fragment F{n} on Query {{ me {{ user }} }}" for n in range(51))
    error = refused(api, f"{{ {spreads} }} {fragments}")
    assert error == {
        "message": "the document defines 51 fragments; at most 50 are allowed",
        "extensions": {"code": "BAD_USER_INPUT", "limit": 50},
    }


def test_a_lone_surrogate_in_a_variable_is_refused_naming_it(api: GraphQLClient) -> None:
    body = api.http.post(
        "/graphql",
        content=b'{"query": "query($d: String) { me { user } }", "variables": {"d": "x\\ud800"}}',
        headers={"content-type": "application/json"},
    ).json()
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "variables.d"}


def test_a_lone_surrogate_in_a_key_of_a_json_variable_is_refused_naming_its_object(api: GraphQLClient) -> None:
    body = api.http.post(
        "/graphql",
        content=b'{"query": "mutation($i: CreateRunInput!) { createRun(input: $i) { id } }", '
        b'"variables": {"i": {"entity": "acme", "project": "p", "config": {"a": {"k\\udfff": 1}}}}}',
        headers={"content-type": "application/json"},
    ).json()
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "variables.i.config.a"}
