"""Lineage through GraphQL on the real Neo4j: the zoo example, diamonds, cycles, deleted versions, asOf, caps."""

from __future__ import annotations

from typing import Any

import pytest

from cypher.ids import global_id, parse_global_id
from tests.builders import CREATE_RUN, Builder, build_zoo
from tests.client import GraphQLClient
from tests.conftest import ADMIN

LINEAGE = """query($ref: String!, $direction: LineageDirection!, $depth: Int!, $threshold: Int, $max: Int,
                  $asOf: DateTime) {
  lineage(ref: $ref, direction: $direction, depth: $depth, clusterThreshold: $threshold, maxNodes: $max,
          asOf: $asOf) {
    root { ... on ArtifactVersion { ref } ... on Run { name } }
    nodes { __typename ... on Run { id name state jobType createdAt user }
            ... on ArtifactVersion { id ref type version createdAt aliases digest size deleted } }
    edges { kind from to at alias created }
    clusters { id parent parentKind side kind edgeKind count leaves jobType group collection type description }
    truncated
  }
}"""


def lineage(api: GraphQLClient, ref: str, direction: str = "BOTH", depth: int = 2, **extra: Any) -> dict[str, Any]:
    variables = {
        "ref": ref,
        "direction": direction,
        "depth": depth,
        "threshold": extra.get("threshold", 5),
        "max": extra.get("max_nodes", 500),
        "asOf": extra.get("as_of"),
    }
    result: dict[str, Any] = api.query(LINEAGE, **variables)["lineage"]
    return result


def labels(result: dict[str, Any]) -> list[str]:
    """Nodes as readable labels, in the answer's order (nearest first)."""
    return [node.get("ref") or node["name"] for node in result["nodes"]]


def edge_labels(result: dict[str, Any]) -> set[tuple[str, str, str]]:
    names = {node["id"]: node.get("ref") or node["name"] for node in result["nodes"]}
    return {(names[edge["from"]], edge["kind"], names[edge["to"]]) for edge in result["edges"]}


RECORD_RUNS = "mutation($runs: [RecordRunInput!]!) { recordRuns(runs: $runs) { runs } }"
MODEL = "zoo-team/zoo/zoo-ylbchv20:v0"
DATASET = "zoo-team/zoo/split_zoo_dataset:v4"


def test_zoo_upstream_of_the_model_depth_by_depth(api: GraphQLClient) -> None:
    build_zoo(api)
    expected = {
        1: [MODEL, "rural-feather-20"],
        2: [MODEL, "rural-feather-20", DATASET],
        3: [MODEL, "rural-feather-20", DATASET, "split-run-4", "split-run-5"],
        4: [MODEL, "rural-feather-20", DATASET, "split-run-4", "split-run-5"],
    }
    for depth, nodes in expected.items():
        result = lineage(api, MODEL, "UPSTREAM", depth)
        assert result["root"] == {"ref": MODEL}
        assert labels(result) == nodes, depth
        assert result["truncated"] is False
    deepest = lineage(api, MODEL, "UPSTREAM", 4)
    assert edge_labels(deepest) == {
        ("rural-feather-20", "LOGGED", MODEL),
        (DATASET, "USED_BY", "rural-feather-20"),
        ("split-run-4", "LOGGED", DATASET),
        ("split-run-5", "LOGGED", DATASET),
    }


def test_zoo_downstream_of_the_dataset_depth_by_depth(api: GraphQLClient) -> None:
    build_zoo(api)
    expected = {
        1: [DATASET, "rural-feather-20"],
        2: [DATASET, "rural-feather-20", MODEL],
        3: [DATASET, "rural-feather-20", MODEL, "northern-lake-21"],
        4: [DATASET, "rural-feather-20", MODEL, "northern-lake-21"],
    }
    for depth, nodes in expected.items():
        assert labels(lineage(api, DATASET, "DOWNSTREAM", depth)) == nodes, depth


def test_zoo_both_ways_is_the_union_of_the_two_cones(api: GraphQLClient) -> None:
    build_zoo(api)
    for depth in range(1, 5):
        both = lineage(api, MODEL, "BOTH", depth)
        up, down = lineage(api, MODEL, "UPSTREAM", depth), lineage(api, MODEL, "DOWNSTREAM", depth)
        assert set(labels(both)) == set(labels(up)) | set(labels(down))
        assert edge_labels(both) == edge_labels(up) | edge_labels(down)
        assert len(labels(both)) == len(set(labels(both)))
    # not an undirected walk: the dataset's other consumers are not downstream of the model
    assert "split-run-4" not in labels(lineage(api, MODEL, "DOWNSTREAM", 4))


def test_every_edge_between_drawn_nodes_is_in_the_answer(api: GraphQLClient) -> None:
    zoo = Builder(api)
    zoo.log(zoo.run("split", job_type="preprocess"), "data")
    train = zoo.run("train")
    zoo.use(train, "data:v0")
    zoo.log(train, "model", "model")
    evaluate = zoo.run("evaluate", job_type="evaluate")
    zoo.use(evaluate, "data:v0")
    zoo.use(evaluate, "model:v0")
    data, model = zoo.ref("data", "v0"), zoo.ref("model", "v0")
    # the model and the evaluation run are both reached at depth 2; the edge between them is one step further
    result = lineage(api, data, "DOWNSTREAM", 2)
    assert labels(result) == [data, "train", "evaluate", model]
    assert edge_labels(result) == {
        (data, "USED_BY", "train"),
        (data, "USED_BY", "evaluate"),
        ("train", "LOGGED", model),
        (model, "USED_BY", "evaluate"),
    }
    assert len(result["edges"]) == 4


def test_lineage_nodes_carry_what_the_page_shows(api: GraphQLClient) -> None:
    build_zoo(api)
    result = lineage(api, MODEL, "UPSTREAM", 1)
    model, run = result["nodes"]
    assert model["__typename"] == "ArtifactVersion"
    assert (model["type"], model["version"], model["aliases"], model["deleted"]) == (
        "model",
        0,
        ["best", "latest"],
        False,
    )
    assert len(model["digest"]) == 64 and model["size"] == len(b"weights") + len(b"{}")
    assert run == {
        "__typename": "Run",
        "id": global_id("Run", "zoo-team/zoo/rf20"),
        "name": "rural-feather-20",
        "state": "FINISHED",
        "jobType": "train",
        "createdAt": run["createdAt"],
        "user": ADMIN,
    }
    [edge] = result["edges"]
    assert (edge["kind"], edge["from"], edge["to"], edge["created"]) == ("LOGGED", run["id"], model["id"], True)


def test_lineage_of_a_run_and_of_a_registry_ref(api: GraphQLClient) -> None:
    zoo = build_zoo(api)
    run_lineage = lineage(api, "zoo-team/zoo/rf20", "BOTH", 1)
    assert run_lineage["root"] == {"name": "rural-feather-20"}
    assert labels(run_lineage) == ["rural-feather-20", DATASET, MODEL]
    api.query('mutation { createRegistry(entity: "zoo-team", name: "model") { id } }')
    api.query(
        'mutation { linkArtifact(ref: "zoo-team/zoo/zoo-ylbchv20:v0", '
        'target: "zoo-team/registry-model/zoo-classifier", aliases: ["production"]) { version } }'
    )
    registry = lineage(api, "zoo-team/registry-model/zoo-classifier:production", "UPSTREAM", 2)
    assert labels(registry) == [MODEL, "rural-feather-20", DATASET]
    assert zoo.entity == "zoo-team"


def test_use_by_alias_is_remembered_and_repeated_use_is_one_edge(api: GraphQLClient) -> None:
    zoo = Builder(api)
    zoo.log(zoo.run("prep"), "data", aliases=["golden"])
    train = zoo.run("train")
    assert zoo.use(train, "data:golden") == "zoo-team/zoo/data:v0"
    zoo.use(train, "zoo-team/zoo/data:v0")
    zoo.use(train, "data:latest")
    result = lineage(api, "zoo-team/zoo/train", "UPSTREAM", 1)
    assert [(e["kind"], e["alias"]) for e in result["edges"]] == [("USED_BY", "golden")]


def test_a_diamond_shows_each_node_and_edge_once(api: GraphQLClient) -> None:
    zoo = Builder(api)
    source = zoo.run("source")
    zoo.log(source, "raw")
    left, right = zoo.run("left", job_type="clean"), zoo.run("right", job_type="augment")
    for run, name in ((left, "clean"), (right, "augmented")):
        zoo.use(run, "raw:v0")
        zoo.log(run, name)
    merge = zoo.run("merge", job_type="train")
    zoo.use(merge, "clean:v0")
    zoo.use(merge, "augmented:v0")
    zoo.log(merge, "model", "model")
    result = lineage(api, "zoo-team/zoo/model:v0", "UPSTREAM", 6)
    assert labels(result) == [
        "zoo-team/zoo/model:v0",
        "merge",
        "zoo-team/zoo/clean:v0",
        "zoo-team/zoo/augmented:v0",
        "left",
        "right",
        "zoo-team/zoo/raw:v0",
        "source",
    ]
    assert len(result["edges"]) == 8
    assert ("zoo-team/zoo/raw:v0", "USED_BY", "left") in edge_labels(result)
    assert ("zoo-team/zoo/raw:v0", "USED_BY", "right") in edge_labels(result)


def test_cycles_terminate_and_each_node_appears_once(api: GraphQLClient) -> None:
    zoo = Builder(api)
    loop = zoo.run("loop")
    zoo.log(loop, "model", "model", files={"m": b"0"})
    zoo.use(loop, "model:v0")
    later = zoo.run("later")
    zoo.use(later, "model:v0")
    zoo.log(later, "model", "model", files={"m": b"1"})
    again = zoo.run("again")
    zoo.use(again, "model:v1")
    zoo.use(again, "model:v0")
    for direction in ("UPSTREAM", "DOWNSTREAM", "BOTH"):
        result = lineage(api, "zoo-team/zoo/model:v0", direction, 10)
        assert len(labels(result)) == len(set(labels(result)))
        assert len(result["edges"]) == len({(e["from"], e["kind"], e["to"]) for e in result["edges"]})
    down = lineage(api, "zoo-team/zoo/model:v0", "DOWNSTREAM", 10)
    assert set(labels(down)) == {"zoo-team/zoo/model:v0", "loop", "later", "again", "zoo-team/zoo/model:v1"}
    assert ("loop", "LOGGED", "zoo-team/zoo/model:v0") in edge_labels(down)


def test_deleted_versions_keep_their_place_marked_deleted(api: GraphQLClient) -> None:
    zoo = build_zoo(api)
    api.query(f'mutation {{ deleteArtifactVersion(ref: "{DATASET}", deleteAliases: true) {{ id }} }}')
    result = lineage(api, MODEL, "UPSTREAM", 3)
    assert labels(result) == [MODEL, "rural-feather-20", DATASET, "split-run-4", "split-run-5"]
    assert [n["deleted"] for n in result["nodes"] if n.get("ref") == DATASET] == [True]
    assert zoo.project == "zoo"


def test_as_of_shows_lineage_as_it_stood(api: GraphQLClient) -> None:
    zoo = Builder(api)
    zoo.log(zoo.run("prep"), "data")
    first = zoo.run("first")
    zoo.use(first, "data:v0")
    [first_use] = lineage(api, "zoo-team/zoo/data:v0", "DOWNSTREAM", 1)["edges"]
    moment = first_use["at"]  # the graph's own clock: asOf includes the first use and nothing written after it
    second = zoo.run("second")
    zoo.use(second, "data:v0")
    zoo.log(first, "model", "model")
    then = lineage(api, "zoo-team/zoo/data:v0", "DOWNSTREAM", 4, as_of=moment)
    now = lineage(api, "zoo-team/zoo/data:v0", "DOWNSTREAM", 4)
    assert labels(then) == ["zoo-team/zoo/data:v0", "first"]
    assert labels(now) == ["zoo-team/zoo/data:v0", "first", "second", "zoo-team/zoo/model:v0"]


def test_max_nodes_truncates_breadth_first_and_says_so(api: GraphQLClient) -> None:
    zoo = Builder(api)
    zoo.log(zoo.run("prep"), "data")
    for number in range(6):
        run = zoo.run(f"r{number}", job_type=f"job{number}")
        zoo.use(run, "data:v0")
    result = lineage(api, "zoo-team/zoo/data:v0", "DOWNSTREAM", 2, max_nodes=4)
    assert labels(result) == ["zoo-team/zoo/data:v0", "r0", "r1", "r2"]
    assert len(result["edges"]) == 3
    assert result["truncated"] is True
    assert lineage(api, "zoo-team/zoo/data:v0", "DOWNSTREAM", 2, max_nodes=7)["truncated"] is False


def test_wide_fan_out_of_one_job_type_becomes_a_cluster(api: GraphQLClient) -> None:
    zoo = Builder(api)
    zoo.log(zoo.run("prep", job_type="preprocess"), "data")
    for number in range(4):
        zoo.use(zoo.run(f"train{number}", job_type="train"), "data:v0")
    zoo.use(zoo.run("eval", job_type="evaluate"), "data:v0")
    result = lineage(api, "zoo-team/zoo/data:v0", "BOTH", 2, threshold=3)
    assert labels(result) == ["zoo-team/zoo/data:v0", "prep", "eval"]
    [cluster] = result["clusters"]
    data_id = result["nodes"][0]["id"]
    _, [stored_id] = parse_global_id(data_id)
    assert cluster == {
        "id": f"ARTIFACT:{stored_id}|DOWNSTREAM|job:train|leaves",  # below depth 2: a cluster of leaves
        "parent": data_id,
        "parentKind": "ARTIFACT",
        "side": "DOWNSTREAM",
        "kind": "RUN",
        "edgeKind": "USED_BY",
        "count": 4,
        "leaves": True,
        "jobType": "train",
        "group": None,
        "collection": None,
        "type": None,
        "description": "4 runs of job type train",
    }


CLUSTERS = """query($ref: String!, $depth: Int!) {
  lineage(ref: $ref, direction: DOWNSTREAM, depth: $depth, clusterThreshold: 5) {
    nodes { ... on Run { name group } ... on ArtifactVersion { ref } }
    clusters { id count leaves jobType group description } } }"""
MEMBERS = """query($id: ID!) { lineageCluster(id: $id, first: 100) {
  totalCount edges { node { ... on Run { name } } } } }"""


def test_runs_whose_lineage_goes_on_are_drawn_and_clusters_follow_the_run_group(api: GraphQLClient) -> None:
    zoo = Builder(api)
    zoo.log(zoo.run("split", job_type="preprocess"), "data")
    for number in range(8):  # a sweep: same job type as the real training run, its own group
        zoo.use(zoo.run(f"sweep{number}", group="s-42"), "data:v0")
    for number in range(6):  # plain leaves of job type train
        zoo.use(zoo.run(f"try{number}"), "data:v0")
    real = zoo.run("real")
    zoo.use(real, "data:v0")
    zoo.log(real, "model", "model")
    data = zoo.ref("data", "v0")
    deep = api.query(CLUSTERS, ref=data, depth=2)["lineage"]
    assert [n.get("ref") or n["name"] for n in deep["nodes"]] == [data, "real", zoo.ref("model", "v0")]
    parent = deep["clusters"][0]["id"].split("|")[0]
    assert deep["clusters"] == [
        {
            "id": f"{parent}|DOWNSTREAM|group:s-42/train|leaves",
            "count": 8,
            "leaves": True,
            "jobType": "train",
            "group": "s-42",
            "description": "8 runs of group s-42, job type train",
        },
        {
            "id": f"{parent}|DOWNSTREAM|job:train|leaves",
            "count": 6,
            "leaves": True,
            "jobType": "train",
            "group": None,
            "description": "6 runs of job type train",
        },
    ]
    sweep, tries = (api.query(MEMBERS, id=c["id"])["lineageCluster"] for c in deep["clusters"])
    assert (sweep["totalCount"], tries["totalCount"]) == (8, 6)
    assert {e["node"]["name"] for e in tries["edges"]} == {f"try{n}" for n in range(6)}
    # at the view's depth nothing beyond is drawn: the real run clusters with the other train runs
    edge = api.query(CLUSTERS, ref=data, depth=1)["lineage"]
    assert edge["nodes"] == [{"ref": data}]
    assert [(c["id"].split("|", 1)[1], c["count"], c["leaves"]) for c in edge["clusters"]] == [
        ("DOWNSTREAM|group:s-42/train", 8, False),
        ("DOWNSTREAM|job:train", 7, False),
    ]
    members = api.query(MEMBERS, id=edge["clusters"][1]["id"])["lineageCluster"]
    assert members["totalCount"] == 7 and "real" in {e["node"]["name"] for e in members["edges"]}
    sweep_runs = api.query('{ runs(entity: "zoo-team", project: "zoo", group: "s-42") { totalCount } }')["runs"]
    assert sweep_runs == {"totalCount": 8}


def test_a_run_group_is_a_name_refused_naming_its_field(api: GraphQLClient) -> None:
    run = {"entity": "zoo-team", "project": "zoo", "runId": "r1", "group": "sweep 42!"}
    created = api.error(CREATE_RUN, input=run)
    assert created["extensions"] == {"code": "BAD_USER_INPUT", "field": "input.group"}
    recorded = api.error(RECORD_RUNS, runs=[run])
    assert recorded["extensions"] == {"code": "BAD_USER_INPUT", "field": "runs[0].group"}
    assert "sweep 42!" in recorded["message"]


@pytest.mark.parametrize(
    ("argument", "value", "limit"),
    [
        ("depth", 11, 10),
        ("depth", 0, 10),
        ("max", 2001, 2000),
        ("threshold", 1001, 1000),
    ],
)
def test_over_cap_requests_are_refused_not_clipped(api: GraphQLClient, argument: str, value: int, limit: int) -> None:
    zoo = Builder(api)
    zoo.log(zoo.run("prep"), "data")
    variables = {
        "ref": "zoo-team/zoo/data:v0",
        "direction": "BOTH",
        "depth": 2,
        "threshold": 5,
        "max": 500,
        "asOf": None,
        argument: value,
    }
    error = api.error(LINEAGE, **variables)
    field = {"max": "maxNodes", "threshold": "clusterThreshold"}.get(argument, argument)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field, "limit": limit}
    assert str(limit) in error["message"]


def test_unknown_roots_are_not_found(api: GraphQLClient) -> None:
    for ref in ("zoo-team/zoo/nothing:v0", "zoo-team/zoo/no-run"):
        error = api.error(LINEAGE, ref=ref, direction="BOTH", depth=2, threshold=5, max=500, asOf=None)
        assert error["extensions"] == {"code": "NOT_FOUND", "field": "ref"}


def test_a_lineage_request_is_one_statement(api: GraphQLClient) -> None:
    build_zoo(api)
    variables = {"ref": MODEL, "direction": "BOTH", "depth": 4, "threshold": 5, "max": 500, "asOf": None}
    _, count = api.statements_read_by(LINEAGE, **variables)
    assert count == 1


def test_a_field_asked_under_two_aliases_answers_each_alias_in_full(api: GraphQLClient) -> None:
    """A field asked twice with different sub-fields (`e1: edges { created } e2: edges { from }`) is one value in
    the statement's map, which must hold what either asks: in a lineage, a path and a connection's edges."""
    build_zoo(api)
    twice = api.query(
        """query($ref: String!, $from: String!, $collection: String!) {
          lineage(ref: $ref, direction: UPSTREAM, depth: 2) {
            e1: edges { kind alias created } e2: edges { from }
            n1: nodes { ... on Run { name } } n2: nodes { __typename ... on Run { state } } }
          lineagePath(from: $from, to: $ref) { p1: nodes { ... on ArtifactVersion { ref } } p2: nodes { __typename }
            x1: edges { kind } x2: edges { created } }
          artifactCollection(ref: $collection) { versions(first: 2) {
            v1: edges { node { version } } v2: edges { cursor node { digest } } } } }""",
        ref=MODEL,
        **{"from": DATASET, "collection": DATASET.split(":")[0]},
    )
    once = api.query(
        """query($ref: String!, $from: String!, $collection: String!) {
          lineage(ref: $ref, direction: UPSTREAM, depth: 2) {
            edges { kind alias created from } nodes { __typename ... on Run { name state } } }
          lineagePath(from: $from, to: $ref) { nodes { __typename ... on ArtifactVersion { ref } }
            edges { kind created } }
          artifactCollection(ref: $collection) { versions(first: 2) { edges { cursor node { version digest } } } } }""",
        ref=MODEL,
        **{"from": DATASET, "collection": DATASET.split(":")[0]},
    )
    lineage, path, versions = once["lineage"], once["lineagePath"], once["artifactCollection"]["versions"]["edges"]
    runs = [node["__typename"] == "Run" for node in lineage["nodes"]]
    assert any(runs) and lineage["edges"] and any(edge["created"] for edge in lineage["edges"])
    assert twice["lineage"] == {
        "e1": [{"kind": edge["kind"], "alias": edge["alias"], "created": edge["created"]} for edge in lineage["edges"]],
        "e2": [{"from": edge["from"]} for edge in lineage["edges"]],
        "n1": [{"name": node["name"]} if run else {} for node, run in zip(lineage["nodes"], runs, strict=True)],
        "n2": [
            {"__typename": node["__typename"], **({"state": node["state"]} if run else {})}
            for node, run in zip(lineage["nodes"], runs, strict=True)
        ],
    }
    assert len(path["edges"]) == 2
    assert twice["lineagePath"] == {
        "p1": [{"ref": node["ref"]} if "ref" in node else {} for node in path["nodes"]],
        "p2": [{"__typename": node["__typename"]} for node in path["nodes"]],
        "x1": [{"kind": edge["kind"]} for edge in path["edges"]],
        "x2": [{"created": edge["created"]} for edge in path["edges"]],
    }
    assert len(versions) == 2
    assert twice["artifactCollection"]["versions"] == {
        "v1": [{"node": {"version": edge["node"]["version"]}} for edge in versions],
        "v2": [{"cursor": edge["cursor"], "node": {"digest": edge["node"]["digest"]}} for edge in versions],
    }
