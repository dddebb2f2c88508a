"""Relay object identification: every object with identity has a global id, and node / nodes refetch it
under the same visibility rule as every other read."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.builders import Builder
from tests.client import GraphQLClient

ADD_MEMBER = "mutation($e: String!, $u: String!) { addMember(entity: $e, user: $u, role: MEMBER) { role } }"
NEW_KEY = "mutation($u: String) { createApiKey(user: $u) { key } }"
LINK = """mutation { linkArtifact(ref: "acme/vision/faces:v0", target: "acme/registry-model/faces",
  aliases: ["production"]) { version } }"""

EVERY_KIND = """{
  entity(name: "acme") { id name }
  project(entity: "acme", name: "vision") { id name }
  run(id: "acme/vision/a1") { id ref }
  artifactCollection(ref: "acme/vision/faces") { id ref aliases { id name } }
  artifact(ref: "acme/vision/faces:v0") { id ref }
  registry(entity: "acme", name: "model") { id name }
  registryCollection(ref: "acme/registry-model/faces") {
    id ref aliases { id name } versions { edges { node { id ref } } } }
}"""

NODE = """query($id: ID!) { node(id: $id) { __typename id
  ... on Entity { name } ... on Project { name } ... on Run { ref } ... on ArtifactCollection { ref }
  ... on ArtifactVersion { ref } ... on Registry { name } ... on RegistryCollection { ref }
  ... on RegistryVersion { ref } ... on Alias { name artifact { ref } } ... on RegistryAlias { name entry { ref } }
} }"""
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"


@dataclass
class Acme:
    ana: GraphQLClient  # member of acme
    bob: GraphQLClient  # member of globex only
    known: dict[str, dict[str, Any]]  # a sample object of every kind, by type name, as ana reads it


def client_for(api: GraphQLClient, user: str) -> GraphQLClient:
    return GraphQLClient(str(api.http.base_url), key=api.query(NEW_KEY, u=user)["createApiKey"]["key"])


@pytest.fixture
def acme(api: GraphQLClient) -> Iterator[Acme]:
    api.query(ADD_MEMBER, e="acme", u="ana")
    api.query(ADD_MEMBER, e="globex", u="bob")
    ana, bob = client_for(api, "ana"), client_for(api, "bob")
    builder = Builder(ana, "acme", "vision")
    builder.log(builder.run("a1"), "faces", "dataset", aliases=["best"])
    Builder(bob, "globex", "nlp").run("g1")
    api.query('mutation { createRegistry(entity: "acme", name: "model") { id } }')
    ana.query(LINK)
    data = ana.query(EVERY_KIND)
    collection, registry_collection = data["artifactCollection"], data["registryCollection"]
    known = {
        "Entity": data["entity"],
        "Project": data["project"],
        "Run": data["run"],
        "ArtifactCollection": {"id": collection["id"], "ref": collection["ref"]},
        "ArtifactVersion": data["artifact"],
        "Registry": data["registry"],
        "RegistryCollection": {"id": registry_collection["id"], "ref": registry_collection["ref"]},
        "RegistryVersion": registry_collection["versions"]["edges"][0]["node"],
        "Alias": next(alias for alias in collection["aliases"] if alias["name"] == "best"),
        "RegistryAlias": next(alias for alias in registry_collection["aliases"] if alias["name"] == "production"),
    }
    yield Acme(ana, bob, known)
    ana.http.close()
    bob.http.close()


def test_every_kind_of_object_is_refetched_by_its_global_id(acme: Acme) -> None:
    for type_name, known in acme.known.items():
        found = acme.ana.query(NODE, id=known["id"])["node"]
        assert found["__typename"] == type_name
        assert found["id"] == known["id"]
        for field in ("name", "ref"):
            if field in known:
                assert found[field] == known[field]
    alias = acme.ana.query(NODE, id=acme.known["Alias"]["id"])["node"]
    assert alias["artifact"] == {"ref": "acme/vision/faces:v0"}
    entry = acme.ana.query(NODE, id=acme.known["RegistryAlias"]["id"])["node"]
    assert entry["entry"] == {"ref": "acme/registry-model/faces:v0"}


def test_global_ids_are_opaque_and_distinct(acme: Acme) -> None:
    ids = [known["id"] for known in acme.known.values()]
    assert len(set(ids)) == len(ids)
    assert all("/" not in id_ and ":" not in id_ for id_ in ids)


def test_nodes_answer_in_the_order_asked_with_null_for_what_is_missing(acme: Acme) -> None:
    run, entity = acme.known["Run"]["id"], acme.known["Entity"]["id"]
    missing = base64.urlsafe_b64encode(b"Run:acme/vision/nothing").decode().rstrip("=")
    answer = acme.ana.query(NODES, ids=[run, missing, entity, run])["nodes"]
    assert answer == [
        {"__typename": "Run", "id": run},
        None,
        {"__typename": "Entity", "id": entity},
        {"__typename": "Run", "id": run},
    ]


def test_objects_of_another_entity_are_null_exactly_as_if_absent(acme: Acme) -> None:
    ids = [known["id"] for known in acme.known.values()]
    for id_ in ids:
        assert acme.bob.post(NODE, {"id": id_}) == {"data": {"node": None}}
    assert acme.bob.query(NODES, ids=ids) == {"nodes": [None] * len(ids)}
    own = acme.bob.query('{ run(id: "globex/nlp/g1") { id } }')["run"]["id"]
    assert acme.bob.query(NODES, ids=[ids[0], own])["nodes"] == [None, {"__typename": "Run", "id": own}]


@pytest.mark.parametrize(
    "bad",
    [
        "not base64 at all!",
        "acme/vision/a1",
        base64.urlsafe_b64encode(b"Nope:x").decode().rstrip("="),
        base64.urlsafe_b64encode(b"Run").decode().rstrip("="),
        base64.urlsafe_b64encode(b"Project:only-one-part").decode().rstrip("="),
        base64.urlsafe_b64encode(b"\xff\xfe").decode().rstrip("="),
        "QQ",
        "",
    ],
)
def test_an_id_this_api_did_not_issue_is_refused_naming_the_argument(acme: Acme, bad: str) -> None:
    answer = acme.ana.post(NODE, {"id": bad})
    assert answer["data"] == {"node": None}
    [error] = answer["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "id"}
    assert error["message"] == "id: not an id this API issued"
    many = acme.ana.error(NODES, ids=[acme.known["Run"]["id"], bad])
    assert many["extensions"] == {"code": "BAD_USER_INPUT", "field": "ids[1]"}


def test_a_failing_node_leaves_the_other_root_fields_answered(acme: Acme) -> None:
    answer = acme.ana.post('{ node(id: "nope!") { id } entity(name: "acme") { name } }')
    assert answer["data"] == {"node": None, "entity": {"name": "acme"}}
    assert [error["path"] for error in answer["errors"]] == [["node"]]


def test_nodes_takes_at_most_the_server_limit_of_ids(acme: Acme) -> None:
    limit = acme.ana.query("{ limits { maxNodeIds } }")["limits"]["maxNodeIds"]
    run = acme.known["Run"]["id"]
    assert len(acme.ana.query(NODES, ids=[run] * limit)["nodes"]) == limit
    refused = acme.ana.error(NODES, ids=[run] * (limit + 1))
    assert refused["extensions"] == {"code": "BAD_USER_INPUT", "field": "ids", "limit": limit}


def test_a_node_is_one_statement_whatever_the_kinds_asked(acme: Acme, api: GraphQLClient) -> None:
    ids = [known["id"] for known in acme.known.values()]
    _, statements = api.statements_read_by(NODES, ids=ids)
    assert statements == 1


def test_the_old_ids_stay_readable_as_deprecated_legacy_id_and_accepted_where_they_were(acme: Acme) -> None:
    legacy = acme.ana.query(
        '{ run(id: "acme/vision/a1") { id legacyId ref } project(entity: "acme", name: "vision") { legacyId } }'
    )
    run = legacy["run"]
    assert run["legacyId"] == run["ref"] == "acme/vision/a1"
    assert legacy["project"] == {"legacyId": "acme/vision"}
    by_global = acme.ana.query("query($id: ID!) { run(id: $id) { ref } }", id=run["id"])
    assert by_global == {"run": {"ref": "acme/vision/a1"}}
    version = acme.ana.query('{ artifact(ref: "acme/vision/faces:v0") { id legacyId } }')["artifact"]
    assert version["id"] == base64.urlsafe_b64encode(f"ArtifactVersion:{version['legacyId']}".encode()).decode().rstrip(
        "="
    )
    finished = acme.ana.query("mutation($id: ID!) { finishRun(id: $id) { ref state } }", id=run["id"])
    assert finished == {"finishRun": {"ref": "acme/vision/a1", "state": "FINISHED"}}
    wrong_kind = acme.ana.error("mutation($id: ID!) { heartbeat(id: $id) }", id=acme.known["Entity"]["id"])
    assert wrong_kind["extensions"] == {"code": "BAD_USER_INPUT", "field": "id"}


def test_lineage_edges_and_clusters_name_nodes_by_their_global_ids(acme: Acme) -> None:
    run_id = acme.known["Run"]["id"]
    lineage = acme.ana.query(
        """query($ref: String!) { lineage(ref: $ref, direction: BOTH) {
          root { ... on Run { id } } nodes { ... on Run { id } ... on ArtifactVersion { id } } edges { from to } } }""",
        ref=run_id,
    )["lineage"]
    version_id = acme.known["ArtifactVersion"]["id"]
    assert lineage["root"] == {"id": run_id}
    assert lineage["nodes"] == [{"id": run_id}, {"id": version_id}]
    assert lineage["edges"] == [{"from": run_id, "to": version_id}]
    wrong_kind = acme.ana.error(
        "query($ref: String!) { lineage(ref: $ref) { truncated } }", ref=acme.known["Entity"]["id"]
    )
    assert wrong_kind["extensions"] == {"code": "BAD_USER_INPUT", "field": "ref"}


WALKS = {
    "runs": ('{ project(entity: "zoo-team", name: "zoo") { page: runs(%s) { %s } } }', "project"),
    "versions": (
        '{ artifactCollection(ref: "zoo-team/zoo/data") { page: versions(%s) { %s } } }',
        "artifactCollection",
    ),
    "collections": ('{ page: collections(entity: "zoo-team", project: "zoo", %s) { %s } }', None),
    "usedBy": ('{ artifact(ref: "zoo-team/zoo/data:v0") { page: usedBy(%s) { %s } } }', "artifact"),
}
PAGE = "totalCount edges { cursor node { __typename } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"


@pytest.fixture
def listings(api: GraphQLClient) -> Builder:
    zoo = Builder(api)
    run = zoo.run("maker")
    for number in range(5):
        zoo.log(run, "data", files={"d": str(number).encode()})
        zoo.log(run, f"other-{number}", files={"o": str(number).encode()})
        zoo.use(zoo.run(f"user-{number}"), "zoo-team/zoo/data:v0")
    return zoo


def page_of(api: GraphQLClient, walk: str, arguments: str) -> dict[str, Any]:
    template, root = WALKS[walk]
    data = api.query(template % (arguments, PAGE))
    page: dict[str, Any] = (data[root] if root else data)["page"]
    return page


def cursor_argument(name: str, cursor: str | None) -> str:
    return f', {name}: "{cursor}"' if cursor else ""


@pytest.mark.parametrize("walk", sorted(WALKS))
def test_walking_backward_with_last_and_before_gives_the_forward_pages_reversed(
    api: GraphQLClient, listings: Builder, walk: str
) -> None:
    forward, after = [], None
    while True:
        page = page_of(api, walk, "first: 2" + cursor_argument("after", after))
        forward.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    backward, before = [], None
    while True:
        page = page_of(api, walk, "last: 2" + cursor_argument("before", before))
        backward.append(page)
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    walked = [edge["cursor"] for page in forward for edge in page["edges"]]
    assert len(walked) == len(set(walked)) == forward[0]["totalCount"] >= 5
    assert [edge["cursor"] for page in reversed(backward) for edge in page["edges"]] == walked
    last = backward[0]
    assert last["pageInfo"]["hasNextPage"] is False and last["pageInfo"]["endCursor"] == walked[-1]
    assert backward[-1]["pageInfo"]["hasNextPage"] is True
    middle = page_of(api, walk, f'last: 2, before: "{walked[3]}"')
    assert [edge["cursor"] for edge in middle["edges"]] == walked[1:3]


@pytest.mark.parametrize("walk", sorted(WALKS))
def test_first_zero_is_an_empty_page_that_still_counts(api: GraphQLClient, listings: Builder, walk: str) -> None:
    everything = page_of(api, walk, "first: 100")
    empty = page_of(api, walk, "first: 0")
    assert empty == {
        "totalCount": everything["totalCount"],
        "edges": [],
        "pageInfo": {"hasNextPage": True, "hasPreviousPage": False, "startCursor": None, "endCursor": None},
    }
    assert page_of(api, walk, "last: 0")["edges"] == []


@pytest.mark.parametrize(
    ("arguments", "field", "message"),
    [
        ("first: 2, last: 2", "last", "last: give first or last, not both"),
        ('last: 2, after: "x"', "after", "after: goes with first; page backward from a cursor with before"),
        ('first: 2, before: "x"', "before", "before: goes with last; page forward from a cursor with after"),
        ("first: -1", "first", "first must be between 0 and 200 (the page size limit); got -1"),
        ("last: -1", "last", "last must be between 0 and 200 (the page size limit); got -1"),
        ("last: 201", "last", "last must be between 0 and 200 (the page size limit); got 201"),
        ('last: 2, before: "not a cursor"', "before", "before: not a cursor this API issued"),
    ],
)
def test_page_arguments_that_do_not_go_together_are_refused_naming_the_argument(
    api: GraphQLClient, arguments: str, field: str, message: str
) -> None:
    for query in (
        f'{{ runs(entity: "zoo-team", project: "zoo", {arguments}) {{ totalCount }} }}',
        f'{{ project(entity: "zoo-team", name: "zoo") {{ runs({arguments}) {{ totalCount }} }} }}',
    ):
        error = api.error(query)
        assert error["message"] == message
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["field"] == field


def test_the_cluster_page_is_a_relay_connection_paged_both_ways(api: GraphQLClient) -> None:
    zoo = Builder(api)
    zoo.log(zoo.run("maker"), "data")
    for number in range(7):
        zoo.use(zoo.run(f"user-{number}", job_type="sweep"), "zoo-team/zoo/data:v0")
    [cluster] = api.query('{ lineage(ref: "zoo-team/zoo/data:v0", direction: DOWNSTREAM) { clusters { id } } }')[
        "lineage"
    ]["clusters"]
    query = """query($id: ID!, $first: Int, $last: Int, $after: String, $before: String) {
      lineageCluster(id: $id, first: $first, last: $last, after: $after, before: $before) {
        __typename totalCount edges { __typename cursor node { ... on Run { ref } } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
    everything = api.query(query, id=cluster["id"], first=10)["lineageCluster"]
    assert everything["__typename"] == "ClusterMemberConnection"
    assert {edge["__typename"] for edge in everything["edges"]} == {"ClusterMemberEdge"}
    cursors = [edge["cursor"] for edge in everything["edges"]]
    assert len(cursors) == everything["totalCount"] == 7
    tail = api.query(query, id=cluster["id"], last=3)["lineageCluster"]
    assert [edge["cursor"] for edge in tail["edges"]] == cursors[-3:]
    assert tail["pageInfo"]["hasPreviousPage"] is True
    before = api.query(query, id=cluster["id"], last=2, before=cursors[4])["lineageCluster"]
    assert [edge["cursor"] for edge in before["edges"]] == cursors[2:4]
    empty = api.query(query, id=cluster["id"], first=0)["lineageCluster"]
    assert (empty["totalCount"], empty["edges"], empty["pageInfo"]["hasNextPage"]) == (7, [], True)
