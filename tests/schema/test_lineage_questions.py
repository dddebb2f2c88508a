"""Paths between two versions and the registered models a version reached."""

from __future__ import annotations

from tests.builders import build_zoo
from tests.client import GraphQLClient
from tests.schema.test_lineage import DATASET, MODEL

PATH = """query($from: String!, $to: String!) { lineagePath(from: $from, to: $to) { found length
  nodes { ... on Run { name } ... on ArtifactVersion { ref } } edges { kind } } }"""
IMPACT = """query($ref: String!) { impact(ref: $ref) { ref versionName aliases
  artifact { ref } collection { ref } } }"""


def test_the_shortest_path_from_dataset_to_model(api: GraphQLClient) -> None:
    build_zoo(api)
    path = api.query(PATH, **{"from": DATASET, "to": MODEL})["lineagePath"]
    assert path == {
        "found": True,
        "length": 2,
        "nodes": [{"ref": DATASET}, {"name": "rural-feather-20"}, {"ref": MODEL}],
        "edges": [{"kind": "USED_BY"}, {"kind": "LOGGED"}],
    }


def test_no_path_against_the_flow_is_a_clear_empty_answer(api: GraphQLClient) -> None:
    build_zoo(api)
    path = api.query(PATH, **{"from": MODEL, "to": DATASET})["lineagePath"]
    assert path == {"found": False, "length": 0, "nodes": [], "edges": []}
    missing = api.error(PATH, **{"from": MODEL, "to": "zoo-team/zoo/nope:v0"})
    assert missing["extensions"]["code"] == "NOT_FOUND"


def test_impact_lists_registered_versions_downstream(api: GraphQLClient) -> None:
    zoo = build_zoo(api)
    api.query('mutation { createRegistry(entity: "zoo-team", name: "model") { id } }')
    api.query(
        f'mutation {{ linkArtifact(ref: "{MODEL}", target: "zoo-team/registry-model/zoo-classifier", '
        'aliases: ["production"]) { version } }'
    )
    unrelated = zoo.run("other")
    zoo.log(unrelated, "other-model", "model")
    api.query(
        'mutation { linkArtifact(ref: "zoo-team/zoo/other-model:v0", '
        'target: "zoo-team/registry-model/zoo-classifier") { version } }'
    )
    impact = api.query(IMPACT, ref=DATASET)["impact"]
    assert impact == [
        {
            "ref": "zoo-team/registry-model/zoo-classifier:v0",
            "versionName": "v0",
            "aliases": ["production"],
            "artifact": {"ref": MODEL},
            "collection": {"ref": "zoo-team/registry-model/zoo-classifier"},
        }
    ]
    assert api.query(IMPACT, ref=MODEL)["impact"] == []
