"""Two entities whose members cannot see, use, link or traverse into each other's data; roles; registries."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

from tests.builders import Builder
from tests.client import GraphQLClient

ADD_MEMBER = "mutation($e: String!, $u: String!, $r: Role!) { addMember(entity: $e, user: $u, role: $r) { role } }"
NEW_KEY = "mutation($u: String) { createApiKey(user: $u) { id key user } }"


@dataclass
class Tenants:
    ana: GraphQLClient  # member of acme
    bob: GraphQLClient  # member of globex
    vic: GraphQLClient  # viewer of acme
    root: GraphQLClient  # the session superuser


def client_for(api: GraphQLClient, user: str) -> GraphQLClient:
    key = api.query(NEW_KEY, u=user)["createApiKey"]["key"]
    return GraphQLClient(str(api.http.base_url), key=key)


@pytest.fixture
def tenants(api: GraphQLClient) -> Iterator[Tenants]:
    for entity, user, role in (("acme", "ana", "ADMIN"), ("globex", "bob", "MEMBER"), ("acme", "vic", "VIEWER")):
        api.query(ADD_MEMBER, e=entity, u=user, r=role)
    people = Tenants(client_for(api, "ana"), client_for(api, "bob"), client_for(api, "vic"), api)
    acme, globex = Builder(people.ana, "acme", "vision"), Builder(people.bob, "globex", "nlp")
    acme_run = acme.run("a1")
    acme.log(acme_run, "faces", "dataset", files={"f": b"acme faces"})
    globex_run = globex.run("g1")
    globex.log(globex_run, "texts", "dataset", files={"t": b"globex texts"})
    yield people
    for client in (people.ana, people.bob, people.vic):
        client.http.close()


def test_objects_of_other_entities_are_not_found_exactly_as_if_absent(tenants: Tenants) -> None:
    hidden = tenants.bob.error('{ artifact(ref: "acme/vision/faces:v0") { id } }')
    absent = tenants.bob.error('{ artifact(ref: "acme/vision/nothing:v0") { id } }')
    assert hidden["extensions"] == absent["extensions"] == {"code": "NOT_FOUND", "field": "ref"}
    assert tenants.bob.error('{ run(id: "acme/vision/a1") { id } }')["extensions"]["code"] == "NOT_FOUND"
    assert tenants.bob.error('{ project(entity: "acme", name: "vision") { id } }')["extensions"]["code"] == "NOT_FOUND"
    listing = tenants.bob.query(
        '{ entities { edges { node { name } } } runs(entity: "acme", project: "vision") { totalCount } }'
    )
    assert listing == {"entities": {"edges": [{"node": {"name": "globex"}}]}, "runs": {"totalCount": 0}}
    own = tenants.ana.query('{ artifact(ref: "acme/vision/faces:v0") { ref } }')["artifact"]["ref"]
    assert own == "acme/vision/faces:v0"


ASKED_AGAIN = "query($ref: String!) { artifact(ref: $ref) { ref } }"


def test_a_request_asked_again_by_another_caller_is_answered_for_that_caller(tenants: Tenants) -> None:
    """What a request compiles to is kept for the next one with the same document and variables (`schema.asked`),
    for the caller it was compiled for only: ana, bob and vic send the very same request in turn, twice over, and
    each gets its own answer (bob: NOT_FOUND); once bob is made a viewer of acme, his same request finds it."""
    faces = {"artifact": {"ref": "acme/vision/faces:v0"}}
    for _ in range(2):
        assert tenants.ana.query(ASKED_AGAIN, ref="acme/vision/faces:v0") == faces
        refused = tenants.bob.error(ASKED_AGAIN, ref="acme/vision/faces:v0")
        assert refused["extensions"] == {"code": "NOT_FOUND", "field": "ref"}
        assert tenants.vic.query(ASKED_AGAIN, ref="acme/vision/faces:v0") == faces
    tenants.root.query(ADD_MEMBER, e="acme", u="bob", r="VIEWER")
    assert tenants.bob.query(ASKED_AGAIN, ref="acme/vision/faces:v0") == faces


ASKED_AT_ONCE = (
    "query($ref: String!, $c: String!) { artifact(ref: $ref) { ref aliases } "
    "artifactCollection(ref: $c) { versions(first: 2) { totalCount edges { node { version digest } } } } }"
)


def test_reads_at_once_answer_each_caller_as_it_is_answered_alone(tenants: Tenants) -> None:
    """Reads of one statement text that arrive together may go to Neo4j as one statement (`cypher.batching`):
    ana, bob and vic each ask for acme's and globex's artifact and versions, all at once, and each gets exactly
    the answer it gets alone (bob: globex's, NOT_FOUND for acme's). The burst is repeated until the server sent
    fewer reads than it answered, so that reads did go together (five bursts at most)."""
    refs = [("acme/vision/faces:v0", "acme/vision/faces"), ("globex/nlp/texts:v0", "globex/nlp/texts")]
    asks = [(client, ref, collection) for client in (tenants.ana, tenants.bob, tenants.vic) for ref, collection in refs]

    def ask(asked: tuple[GraphQLClient, str, str]) -> dict[str, Any]:
        client, ref, collection = asked
        with GraphQLClient(str(client.http.base_url), key=client.http.headers["authorization"][7:]) as own:
            return own.post(ASKED_AT_ONCE, {"ref": ref, "c": collection})

    alone = [ask(asked) for asked in asks]
    assert alone[0]["data"]["artifactCollection"]["versions"]["totalCount"] == 1  # ana, acme's
    assert alone[3]["data"]["artifact"]["ref"] == "globex/nlp/texts:v0"  # bob, globex's
    assert alone[2]["data"] is None and alone[2]["errors"][0]["extensions"]["code"] == "NOT_FOUND"  # bob, acme's
    burst = asks * 8
    for _ in range(5):
        before = tenants.root.statements()["read"]
        with ThreadPoolExecutor(max_workers=len(burst)) as pool:
            together = list(pool.map(ask, burst))
        sent = tenants.root.statements()["read"] - before
        assert together == alone * 8
        if sent < 2 * len(burst):
            return
    pytest.fail(f"five bursts of {len(burst)} requests, and none sent fewer reads than it answered")


def test_members_cannot_use_link_or_write_into_other_entities(tenants: Tenants) -> None:
    use = tenants.bob.error('mutation { useArtifact(runId: "globex/nlp/g1", ref: "acme/vision/faces:v0") { id } }')
    assert use["extensions"] == {"code": "NOT_FOUND", "field": "ref"}
    tenants.ana.query('mutation { createRegistry(entity: "acme", name: "model") { id } }')
    link = tenants.bob.error(
        'mutation { linkArtifact(ref: "globex/nlp/texts:v0", target: "acme/registry-model/stolen") { version } }'
    )
    assert link["extensions"] == {"code": "NOT_FOUND", "field": "target"}
    run = tenants.bob.error('mutation { createRun(input: {entity: "acme", project: "vision", runId: "x"}) { id } }')
    assert run["extensions"] == {"code": "NOT_FOUND", "field": "input.entity"}
    alias = tenants.bob.error('mutation { setAlias(ref: "acme/vision/faces:v0", alias: "mine") { id } }')
    assert alias["extensions"]["code"] == "NOT_FOUND"
    assert tenants.ana.query('{ artifact(ref: "acme/vision/faces:v0") { aliases usedBy { totalCount } } }') == {
        "artifact": {"aliases": ["latest"], "usedBy": {"totalCount": 0}}
    }


def test_viewers_read_but_do_not_write(tenants: Tenants) -> None:
    assert tenants.vic.query('{ artifact(ref: "acme/vision/faces:v0") { ref } }')["artifact"]["ref"] == (
        "acme/vision/faces:v0"
    )
    refused = tenants.vic.error('mutation { createRun(input: {entity: "acme", project: "vision", runId: "v"}) { id } }')
    assert refused["extensions"] == {"code": "FORBIDDEN", "field": "input.entity"}
    assert "viewer" in refused["message"] and "member" in refused["message"]
    admin_only = tenants.bob.error('mutation { createRegistry(entity: "globex", name: "model") { id } }')
    assert admin_only["extensions"] == {"code": "FORBIDDEN", "field": "entity"}


def test_lineage_into_another_entity_shows_redacted_placeholders(tenants: Tenants) -> None:
    tenants.root.query('mutation { addMember(entity: "globex", user: "ana", role: VIEWER) { role } }')
    ana = client_for(tenants.root, "ana")
    Builder(ana, "acme", "vision").use("acme/vision/a1", "globex/nlp/texts:v0")
    lineage = """query($ref: String!) { lineage(ref: $ref, direction: BOTH, depth: 2) {
      nodes { __typename ... on RedactedNode { id kind } ... on Run { id name } ... on ArtifactVersion { id ref } }
      edges { kind from to } } }"""
    seen_by_bob = tenants.bob.query(lineage, ref="globex/nlp/texts:v0")["lineage"]
    texts, *others = seen_by_bob["nodes"]
    assert texts["ref"] == "globex/nlp/texts:v0"
    assert sorted((n["__typename"], n.get("kind") or n.get("name")) for n in others) == [
        ("RedactedNode", "ARTIFACT"),
        ("RedactedNode", "RUN"),
        ("Run", "g1"),
    ]
    redacted_run = next(n for n in others if n.get("kind") == "RUN")
    redacted_faces = next(n for n in others if n.get("kind") == "ARTIFACT")
    assert redacted_run["id"].startswith("redacted:")
    assert {"kind": "USED_BY", "from": texts["id"], "to": redacted_run["id"]} in seen_by_bob["edges"]
    assert {"kind": "LOGGED", "from": redacted_run["id"], "to": redacted_faces["id"]} in seen_by_bob["edges"]
    assert "acme" not in str(seen_by_bob) and "faces" not in str(seen_by_bob)
    seen_by_ana = ana.query(lineage, ref="globex/nlp/texts:v0")["lineage"]
    assert all(node["__typename"] != "RedactedNode" for node in seen_by_ana["nodes"])
    ana.http.close()


def test_restricted_registries_are_seen_by_named_members_and_admins(tenants: Tenants, api: GraphQLClient) -> None:
    api.query(ADD_MEMBER, e="acme", u="cat", r="MEMBER")
    cat = client_for(api, "cat")
    tenants.ana.query('mutation { createRegistry(entity: "acme", name: "secret") { id } }')
    tenants.ana.query(
        'mutation { linkArtifact(ref: "acme/vision/faces:v0", target: "acme/registry-secret/c") { version } }'
    )
    tenants.ana.query('mutation { setRegistryAccess(entity: "acme", registry: "secret", members: ["vic"]) }')
    query = '{ registries(entity: "acme") { edges { node { name } } } }'
    names = {
        who: [e["node"]["name"] for e in client.query(query)["registries"]["edges"]]
        for who, client in (("ana", tenants.ana), ("vic", tenants.vic), ("cat", cat))
    }
    assert names == {
        "ana": ["dataset", "model", "secret"],
        "vic": ["dataset", "model", "secret"],
        "cat": ["dataset", "model"],
    }
    missing = cat.error('{ artifact(ref: "acme/registry-secret/c:v0") { id } }')
    assert missing["extensions"] == {"code": "NOT_FOUND", "field": "ref"}
    missing = tenants.ana.error('mutation { setRegistryAccess(entity: "acme", registry: "nope", members: []) }')
    assert missing["extensions"] == {"code": "NOT_FOUND", "field": "registry"}
    tenants.ana.query('mutation { setRegistryAccess(entity: "acme", registry: "secret") }')
    assert [e["node"]["name"] for e in cat.query(query)["registries"]["edges"]] == ["dataset", "model", "secret"]
    cat.http.close()


def test_me_and_members(tenants: Tenants) -> None:
    assert tenants.vic.query("{ me { user superuser roles { entity role } } }")["me"] == {
        "user": "vic",
        "superuser": False,
        "roles": [{"entity": "acme", "role": "VIEWER"}],
    }
    members = tenants.ana.query('{ users(entity: "acme") { user roles { entity role } } }')["users"]
    assert [(m["user"], m["roles"]) for m in members] == [
        ("ana", [{"entity": "acme", "role": "ADMIN"}]),
        ("vic", [{"entity": "acme", "role": "VIEWER"}]),
    ]
    assert tenants.vic.error('{ users(entity: "acme") { user } }')["extensions"]["code"] == "FORBIDDEN"
    assert tenants.bob.error('{ users(entity: "acme") { user } }')["extensions"]["code"] == "NOT_FOUND"


def test_file_contents_are_served_only_to_those_who_may_see_a_version_holding_them(tenants: Tenants) -> None:
    digest = __import__("hashlib").sha256(b"acme faces").hexdigest()
    assert tenants.ana.http.get(f"/files/sha256/{digest}").content == b"acme faces"
    assert tenants.vic.http.head(f"/files/sha256/{digest}").status_code == 200
    assert tenants.bob.http.get(f"/files/sha256/{digest}").status_code == 404
    assert tenants.bob.http.head(f"/files/sha256/{digest}").status_code == 404
    assert tenants.bob.http.get(f"/files/sha256/{'c' * 64}").status_code == 404


def test_every_entity_has_model_and_dataset_registries_that_members_link_into(tenants: Tenants) -> None:
    """As in W&B, no admin has to make them first; W&B's `wandb-registry-` spelling is read as `registry-`."""
    linked = tenants.bob.query(
        'mutation { linkArtifact(ref: "globex/nlp/texts:v0", target: "globex/wandb-registry-dataset/texts", '
        'aliases: ["production"]) { ref aliases } }'
    )
    assert linked["linkArtifact"] == {"ref": "globex/registry-dataset/texts:v0", "aliases": ["latest", "production"]}
    read = '{ artifact(ref: "globex/wandb-registry-dataset/texts:production") { ref } }'
    assert tenants.bob.query(read)["artifact"]["ref"] == "globex/nlp/texts:v0"
    refused = tenants.bob.error(
        'mutation { linkArtifact(ref: "globex/nlp/texts:v0", target: "acme/wandb-registry-model/texts") { ref } }'
    )
    assert refused["extensions"] == {"code": "NOT_FOUND", "field": "target"}
    project = tenants.bob.error(
        'mutation { createRun(input: {entity: "globex", project: "wandb-registry-x", runId: "r"}) { id } }'
    )
    assert project["extensions"] == {"code": "BAD_USER_INPUT", "field": "input.project"}
