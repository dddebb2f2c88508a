"""A dataset version used by 10,000 runs, each logging three models that later runs use (bulk-loaded).

At the view's depth the consumers cluster; below it each has lineage beyond it (its models), so each is drawn,
never folded, and the answer stops at maxNodes having read no more of the hub's consumers than it admits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from neo4j import Driver

from bench.graphs import hub
from bench.loader import load
from cypher.access import ANONYMOUS_SUPERUSER
from cypher.lineage import compile_lineage
from cypher.printer import Limits
from schema.build import schema
from schema.selection import root_selections
from tests.client import GraphQLClient
from tests.conftest import clean
from tests.schema.test_lineage import LINEAGE

CONSUMERS = 10_000
MEMBERS = """query($id: ID!, $after: String) { lineageCluster(id: $id, first: 200, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { ... on Run { name jobType } } edge { kind from to } } } }"""


pytestmark = pytest.mark.shared_graph


@pytest.fixture(scope="module")
def hub_ref(driver: Driver, server: str) -> Iterator[str]:
    """Loaded once for this module; its tests only read."""
    clean(driver)
    graph, ref = hub(CONSUMERS, outputs_per_run=3, later_runs=100)
    load(driver, graph)
    yield ref


def test_at_the_view_s_depth_the_hub_collapses_into_one_cluster(api: GraphQLClient, hub_ref: str) -> None:
    result = api.query(LINEAGE, ref=hub_ref, direction="BOTH", depth=1, threshold=5, max=500, asOf=None)["lineage"]
    assert [n.get("ref") or n["name"] for n in result["nodes"]] == [hub_ref, "prep"]
    [cluster] = result["clusters"]
    assert (cluster["side"], cluster["kind"], cluster["jobType"], cluster["count"], cluster["leaves"]) == (
        "DOWNSTREAM",
        "RUN",
        "train",
        CONSUMERS,
        False,
    )
    assert result["truncated"] is False


def test_below_the_depth_consumers_that_go_on_are_drawn_up_to_max_nodes(api: GraphQLClient, hub_ref: str) -> None:
    for depth in (2, 8):
        result = api.query(LINEAGE, ref=hub_ref, direction="BOTH", depth=depth, threshold=5, max=500, asOf=None)[
            "lineage"
        ]
        names = [n.get("ref") or n["name"] for n in result["nodes"]]
        assert names == [hub_ref, "prep"] + [f"train-{number}" for number in range(498)]
        assert result["clusters"] == []
        assert result["truncated"] is True
        assert len(result["edges"]) == 499


def test_below_the_depth_the_hub_s_onward_marks_are_read_no_further_than_max_nodes(
    driver: Driver, hub_ref: str
) -> None:
    """The statement itself, profiled: the index hands over the hub's onward marks in admission order and Neo4j
    stops after maxNodes + 1 of them, so the level step costs far fewer db hits than the hub has consumers
    (1,841 with maxNodes 50; 21,737 when it read all 10,000 marks to sort them)."""
    [selection] = root_selections(
        schema._schema, LINEAGE, {"ref": hub_ref, "direction": "DOWNSTREAM", "depth": 2, "threshold": 5, "max": 50}
    )
    statement = compile_lineage(selection, dict(ANONYMOUS_SUPERUSER.param()), Limits())
    with driver.session() as session:
        summary = session.run("PROFILE " + statement.text, statement.params).consume()
    assert summary.profile is not None
    [levels] = [op for op in _operators(summary.profile) if "reduce(acc = " in op["args"].get("Details", "")]
    assert levels["dbHits"] < CONSUMERS


def _operators(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("children", []):
        yield from _operators(child)


def test_a_cluster_pages_through_every_member_once(api: GraphQLClient, hub_ref: str) -> None:
    result = api.query(LINEAGE, ref=hub_ref, direction="DOWNSTREAM", depth=1, threshold=5, max=500, asOf=None)[
        "lineage"
    ]
    [cluster] = result["clusters"]
    names: list[str] = []
    after = None
    for _ in range(3):
        page = api.query(MEMBERS, id=cluster["id"], after=after)["lineageCluster"]
        assert page["totalCount"] == CONSUMERS
        assert all(
            edge["edge"] == {"kind": "USED_BY", "from": cluster["parent"], "to": edge["edge"]["to"]}
            for edge in page["edges"]
        )
        names += [edge["node"]["name"] for edge in page["edges"]]
        after = page["pageInfo"]["endCursor"]
    assert len(names) == 600 == len(set(names))
    assert names[:3] == [f"train-{CONSUMERS - 1}", f"train-{CONSUMERS - 2}", f"train-{CONSUMERS - 3}"]


def test_even_the_largest_threshold_keeps_the_hub_clustered(api: GraphQLClient, hub_ref: str) -> None:
    result = api.query(LINEAGE, ref=hub_ref, direction="DOWNSTREAM", depth=1, threshold=1000, max=2000, asOf=None)[
        "lineage"
    ]
    assert [c["count"] for c in result["clusters"]] == [CONSUMERS]
    assert len(result["nodes"]) == 1
    assert result["truncated"] is False


def test_a_member_of_the_hub_has_an_ordinary_lineage(api: GraphQLClient, hub_ref: str) -> None:
    result = api.query(
        LINEAGE, ref="hub-team/hub/train-42", direction="BOTH", depth=2, threshold=5, max=500, asOf=None
    )["lineage"]
    labels = [n.get("ref") or n["name"] for n in result["nodes"]]
    assert labels[:5] == [
        "train-42",
        hub_ref,
        "hub-team/hub/model:v126",
        "hub-team/hub/model:v127",
        "hub-team/hub/model:v128",
    ]
    assert "prep" in labels
