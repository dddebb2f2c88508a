"""Edges between drawn nodes are found from whichever end is not dense, and once each, even when both ends
have more than `DENSE` lineage edges on the side that faces the other."""

from __future__ import annotations

from neo4j import Driver

from bench.graphs import Builder
from bench.loader import load
from cypher.lineage import DENSE
from tests.client import GraphQLClient
from tests.schema.test_lineage import LINEAGE


def test_an_edge_between_two_dense_ends_is_drawn_once(driver: Driver, api: GraphQLClient) -> None:
    """`wide` is used by DENSE + 1 runs, `gather` among them; `gather` used DENSE + 1 versions, `wide` among
    them, and logged `model`. Upstream of the model: `gather`, then `wide` (alone in its collection) and a
    cluster of the others. The edge wide -> gather is between two dense ends; gather -> model starts at a
    sparse one; the clustered versions' edges are not drawn."""
    shape = Builder()
    prep = shape.run("prep", "preprocess")
    wide = shape.version(shape.collection("wide", "dataset"), prep)
    gather = shape.run("gather", "train")
    shape.use(wide, gather)
    shards = shape.collection("shard", "dataset")
    for number in range(DENSE):
        shape.use(shape.version(shards, prep), gather)
        shape.use(wide, shape.run(f"other-{number}", "evaluate"))
    shape.version(shape.collection("model", "model"), gather)
    load(driver, shape.finish())

    result = api.query(
        LINEAGE, ref="hub-team/hub/model:v0", direction="UPSTREAM", depth=2, threshold=5, max=500, asOf=None
    )["lineage"]

    drawn = {node["id"]: node.get("ref") or node["name"] for node in result["nodes"]}
    assert sorted(drawn.values()) == ["gather", "hub-team/hub/model:v0", "hub-team/hub/wide:v0"]
    edges = sorted((edge["kind"], drawn[edge["from"]], drawn[edge["to"]]) for edge in result["edges"])
    assert edges == [("LOGGED", "gather", "hub-team/hub/model:v0"), ("USED_BY", "hub-team/hub/wide:v0", "gather")]
    [cluster] = result["clusters"]
    assert (cluster["kind"], cluster["count"]) == ("ARTIFACT", DENSE)
