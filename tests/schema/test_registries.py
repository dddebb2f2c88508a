from __future__ import annotations

from neo4j import Driver

from tests.builders import Builder
from tests.client import GraphQLClient
from tests.conftest import ADMIN

LINK = """mutation($ref: String!, $target: String!, $aliases: [String!]) {
  linkArtifact(ref: $ref, target: $target, aliases: $aliases) {
    version versionName ref aliases linkedBy artifact { ref } collection { ref type } } }"""


def models(api: GraphQLClient, count: int) -> Builder:
    zoo = Builder(api)
    run = zoo.run("train")
    for number in range(count):
        zoo.log(run, "zoo-classifier", "model", files={"m": str(number).encode()})
    api.query('mutation { createRegistry(entity: "zoo-team", name: "model", description: "models") { id } }')
    return zoo


def test_linking_numbers_versions_within_the_registry_collection(api: GraphQLClient) -> None:
    models(api, 3)
    first = api.query(
        LINK, ref="zoo-team/zoo/zoo-classifier:v2", target="zoo-team/registry-model/classifier", aliases=["staging"]
    )["linkArtifact"]
    assert first == {
        "version": 0,
        "versionName": "v0",
        "ref": "zoo-team/registry-model/classifier:v0",
        "aliases": ["latest", "staging"],
        "linkedBy": ADMIN,
        "artifact": {"ref": "zoo-team/zoo/zoo-classifier:v2"},
        "collection": {"ref": "zoo-team/registry-model/classifier", "type": "model"},
    }
    second = api.query(
        LINK, ref="zoo-team/zoo/zoo-classifier:v0", target="zoo-team/registry-model/classifier", aliases=["production"]
    )["linkArtifact"]
    assert (second["version"], second["aliases"]) == (1, ["latest", "production"])
    production = api.query('{ artifact(ref: "zoo-team/registry-model/classifier:production") { ref } }')
    assert production["artifact"]["ref"] == "zoo-team/zoo/zoo-classifier:v0"
    by_number = api.query('{ artifact(ref: "zoo-team/registry-model/classifier:v0") { ref } }')
    assert by_number["artifact"]["ref"] == "zoo-team/zoo/zoo-classifier:v2"


def test_linking_the_same_version_twice_changes_nothing(api: GraphQLClient, driver: Driver) -> None:
    models(api, 1)
    for _ in range(2):
        link = api.query(LINK, ref="zoo-team/zoo/zoo-classifier:v0", target="zoo-team/registry-model/classifier")
        assert link["linkArtifact"]["version"] == 0
    records, _, _ = driver.execute_query("MATCH ()-[l:LINKS]->() RETURN count(l) AS n")
    assert records[0]["n"] == 1


def test_a_version_may_be_linked_in_many_places(api: GraphQLClient) -> None:
    models(api, 1)
    api.query('mutation { createRegistry(entity: "zoo-team", name: "prod-models") { id } }')
    for target in (
        "zoo-team/registry-model/classifier",
        "zoo-team/registry-model/other",
        "zoo-team/registry-prod-models/classifier",
    ):
        api.query(LINK, ref="zoo-team/zoo/zoo-classifier:v0", target=target)
    links = api.query('{ artifact(ref: "zoo-team/zoo/zoo-classifier:v0") { links { ref } } }')["artifact"]["links"]
    assert sorted(link["ref"] for link in links) == [
        "zoo-team/registry-model/classifier:v0",
        "zoo-team/registry-model/other:v0",
        "zoo-team/registry-prod-models/classifier:v0",
    ]


def test_registries_list_collections_with_versions_and_aliases(api: GraphQLClient) -> None:
    models(api, 2)
    api.query(LINK, ref="zoo-team/zoo/zoo-classifier:v0", target="zoo-team/registry-model/classifier")
    api.query(
        LINK, ref="zoo-team/zoo/zoo-classifier:v1", target="zoo-team/registry-model/classifier", aliases=["production"]
    )
    registries = api.query("""{ registries(entity: "zoo-team") { totalCount edges { node { name description
        collections { edges { node { name aliases { name version }
          versions { totalCount edges { node { versionName aliases artifact { versionName } } } } } } } } } } }""")
    assert registries["registries"] == {
        "totalCount": 2,
        "edges": [
            {
                "node": {
                    "name": "dataset",
                    "description": "Datasets of this entity, linked from any of its projects",
                    "collections": {"edges": []},
                }
            },
            {
                "node": {
                    "name": "model",
                    "description": "Models of this entity, linked from any of its projects",
                    "collections": {
                        "edges": [
                            {
                                "node": {
                                    "name": "classifier",
                                    "aliases": [{"name": "latest", "version": 1}, {"name": "production", "version": 1}],
                                    "versions": {
                                        "totalCount": 2,
                                        "edges": [
                                            {
                                                "node": {
                                                    "versionName": "v1",
                                                    "aliases": ["latest", "production"],
                                                    "artifact": {"versionName": "v1"},
                                                }
                                            },
                                            {
                                                "node": {
                                                    "versionName": "v0",
                                                    "aliases": [],
                                                    "artifact": {"versionName": "v0"},
                                                }
                                            },
                                        ],
                                    },
                                }
                            }
                        ]
                    },
                }
            },
        ],
    }


def test_moving_a_registry_alias(api: GraphQLClient) -> None:
    models(api, 2)
    api.query(
        LINK, ref="zoo-team/zoo/zoo-classifier:v0", target="zoo-team/registry-model/classifier", aliases=["production"]
    )
    api.query(LINK, ref="zoo-team/zoo/zoo-classifier:v1", target="zoo-team/registry-model/classifier")
    moved = api.query(
        'mutation { setAlias(ref: "zoo-team/registry-model/classifier:v1", alias: "production") { ref } }'
    )
    assert moved["setAlias"]["ref"] == "zoo-team/zoo/zoo-classifier:v1"
    now = api.query('{ artifact(ref: "zoo-team/registry-model/classifier:production") { versionName } }')
    assert now["artifact"]["versionName"] == "v1"


def test_unlinking_drops_the_link_and_its_aliases(api: GraphQLClient) -> None:
    models(api, 2)
    api.query(
        LINK, ref="zoo-team/zoo/zoo-classifier:v0", target="zoo-team/registry-model/classifier", aliases=["production"]
    )
    api.query(LINK, ref="zoo-team/zoo/zoo-classifier:v1", target="zoo-team/registry-model/classifier")
    unlink = 'mutation { unlinkArtifact(ref: "zoo-team/registry-model/classifier:v1") }'
    assert api.query(unlink)["unlinkArtifact"] is True
    collection = api.query(
        '{ registryCollection(ref: "zoo-team/registry-model/classifier") { '
        "aliases { name version } versions { totalCount } } }"
    )["registryCollection"]
    assert collection == {
        "aliases": [{"name": "latest", "version": 0}, {"name": "production", "version": 0}],
        "versions": {"totalCount": 1},
    }
    assert api.error(unlink)["extensions"] == {"code": "NOT_FOUND", "field": "ref"}


def test_a_typed_registry_collection_refuses_other_types(api: GraphQLClient) -> None:
    zoo = models(api, 1)
    zoo.log(zoo.run("prep"), "data", "dataset")
    api.query(
        'mutation { createRegistryCollection(entity: "zoo-team", registry: "model", name: "classifier", '
        'type: "model") { id } }'
    )
    error = api.error(LINK, ref="zoo-team/zoo/data:v0", target="zoo-team/registry-model/classifier")
    assert error["extensions"] == {"code": "CONFLICT", "field": "target"}
    assert "dataset" in error["message"] and "model" in error["message"]


def test_linking_needs_an_existing_registry_and_a_registry_target(api: GraphQLClient) -> None:
    zoo = Builder(api)
    zoo.log(zoo.run("r1"), "m", "model")
    missing = api.error(LINK, ref="zoo-team/zoo/m:v0", target="zoo-team/registry-nope/c")
    assert missing["extensions"] == {"code": "NOT_FOUND", "field": "registry"}
    not_registry = api.error(LINK, ref="zoo-team/zoo/m:v0", target="zoo-team/zoo/c")
    assert not_registry["extensions"] == {"code": "BAD_USER_INPUT", "field": "target"}
