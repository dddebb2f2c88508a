"""Hostile review of Relay object identification (issue 14): global ids reach only what the one visibility rule
lets the caller see, a hidden object answers exactly as an absent one, and no forged id or cursor is an internal
error."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import pytest

from tests.builders import Builder
from tests.client import GraphQLClient
from tests.conftest import Reused

# Every test reads the one world the module builds; a test that changes it has it built again for the next.
pytestmark = pytest.mark.shared_graph
ADD_MEMBER = "mutation($e: String!, $u: String!, $r: Role!) { addMember(entity: $e, user: $u, role: $r) { role } }"
NEW_KEY = "mutation($u: String) { createApiKey(user: $u) { key } }"
NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"
REGISTRY = """query($ref: String!) { registryCollection(ref: $ref) {
  id aliases { id name } versions { edges { node { id } } } } }"""


def gid(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def client_for(api: GraphQLClient, user: str) -> GraphQLClient:
    return GraphQLClient(str(api.http.base_url), key=api.query(NEW_KEY, u=user)["createApiKey"]["key"])


@dataclass
class World:
    ana: GraphQLClient  # admin of acme
    bob: GraphQLClient  # member of globex only
    cat: GraphQLClient  # member of acme, not named in acme's restricted registry
    ids: dict[str, str]  # global ids as ana (or dan) read them

    def close(self) -> None:
        for client in (self.ana, self.bob, self.cat):
            client.http.close()


def build_world(api: GraphQLClient) -> World:
    for entity, user, role in (
        ("acme", "ana", "ADMIN"),
        ("globex", "bob", "MEMBER"),
        ("acme", "cat", "MEMBER"),
        ("acme", "dan", "MEMBER"),
        ("globex", "dan", "ADMIN"),
    ):
        api.query(ADD_MEMBER, e=entity, u=user, r=role)
    ana, bob, cat, dan = (client_for(api, user) for user in ("ana", "bob", "cat", "dan"))
    acme = Builder(ana, "acme", "vision")
    acme.log(acme.run("a1"), "faces", "dataset", aliases=["best"])
    Builder(bob, "globex", "nlp").run("g1")
    ana.query('mutation { createRegistry(entity: "acme", name: "secret") { id } }')
    ana.query(
        'mutation { linkArtifact(ref: "acme/vision/faces:v0", target: "acme/registry-secret/c", '
        'aliases: ["prod"]) { version } }'
    )
    ana.query('mutation { setRegistryAccess(entity: "acme", registry: "secret", members: ["dan"]) }')
    # dan, in both entities, links acme's version into globex's open registry: bob sees the collection only.
    dan.query('mutation { createRegistry(entity: "globex", name: "shared") { id } }')
    dan.query(
        'mutation { linkArtifact(ref: "acme/vision/faces:v0", target: "globex/registry-shared/m", '
        'aliases: ["staging"]) { version } }'
    )
    secret = ana.query(REGISTRY, ref="acme/registry-secret/c")["registryCollection"]
    shared = dan.query(REGISTRY, ref="globex/registry-shared/m")["registryCollection"]
    registry = ana.query('{ registry(entity: "acme", name: "secret") { id } }')["registry"]["id"]
    ids = {
        "secret registry": registry,
        "secret collection": secret["id"],
        "secret version": secret["versions"]["edges"][0]["node"]["id"],
        "secret alias": next(a["id"] for a in secret["aliases"] if a["name"] == "prod"),
        "shared version": shared["versions"]["edges"][0]["node"]["id"],
        "shared alias": next(a["id"] for a in shared["aliases"] if a["name"] == "staging"),
        "shared collection": shared["id"],
        "run": ana.query('{ run(id: "acme/vision/a1") { id } }')["run"]["id"],
        "version": ana.query('{ artifact(ref: "acme/vision/faces:v0") { id } }')["artifact"]["id"],
    }
    dan.http.close()
    return World(ana, bob, cat, ids)


@pytest.fixture
def world(api: GraphQLClient, reused: Reused[World]) -> World:
    """The module's world, built once and reused by every test that leaves it as it was."""
    return reused.get(lambda: build_world(api))


def absent_twin(global_id: str) -> str:
    """The id of an object of the same type whose key names nothing: the last character of each key part
    changed."""
    type_name, _, key = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode().partition(":")
    parts = key.split("/") if type_name in ("RegistryVersion", "Alias", "RegistryAlias", "Project") else [key]
    return gid(f"{type_name}:" + "/".join(part[:-1] + ("0" if part[-1] != "0" else "1") for part in parts))


def test_a_restricted_registrys_objects_are_null_for_a_member_not_named_exactly_as_if_absent(world: World) -> None:
    hidden = [world.ids[name] for name in ("secret registry", "secret collection", "secret version", "secret alias")]
    for global_id in hidden:
        assert world.ana.query(NODE, id=global_id)["node"] is not None
        assert world.cat.post(NODE, {"id": global_id}) == world.cat.post(NODE, {"id": absent_twin(global_id)})
        assert world.cat.post(NODE, {"id": global_id}) == {"data": {"node": None}}
    assert world.cat.query(NODES, ids=hidden) == {"nodes": [None] * len(hidden)}


def test_a_registry_entry_of_another_entitys_version_is_null_for_who_sees_only_the_registry(world: World) -> None:
    assert world.bob.query(NODE, id=world.ids["shared collection"])["node"]["__typename"] == "RegistryCollection"
    for name in ("shared version", "shared alias"):
        assert world.bob.post(NODE, {"id": world.ids[name]}) == {"data": {"node": None}}
        assert world.bob.post(NODE, {"id": world.ids[name]}) == world.bob.post(
            NODE, {"id": absent_twin(world.ids[name])}
        )
    listed = world.bob.query(REGISTRY, ref="globex/registry-shared/m")["registryCollection"]
    assert listed["versions"]["edges"] == [] and listed["aliases"] == []


def without_ids(answer: dict[str, Any], *ids: str) -> str:
    text = str(answer)
    for global_id in ids:
        text = text.replace(global_id, "<id>")
    return text


@pytest.mark.parametrize(
    ("document", "kinds"),
    [
        ("{ run(id: $ID) { id } }", ("run",)),
        ("{ lineage(ref: $ID) { root { __typename } } }", ("run", "version")),
        ("{ impact(ref: $ID) { ref } }", ("run", "version")),
        ("mutation { finishRun(id: $ID) { id } }", ("run",)),
        ("mutation { heartbeat(id: $ID) }", ("run",)),
        ('mutation { useArtifact(runId: $ID, ref: "globex/nlp/x:v0") { id } }', ("run",)),
    ],
)
def test_a_hidden_object_by_global_id_answers_as_an_absent_one_everywhere(
    world: World, document: str, kinds: tuple[str, ...]
) -> None:
    for kind in kinds:
        hidden, absent = world.ids[kind], absent_twin(world.ids[kind])
        seen = world.bob.post(document.replace("$ID", f'"{hidden}"'))
        twin = world.bob.post(document.replace("$ID", f'"{absent}"'))
        assert without_ids(seen, hidden) == without_ids(twin, absent)
        assert "INTERNAL" not in str(seen)
    run = world.ana.query('{ run(id: "acme/vision/a1") { state } }')["run"]
    assert run["state"] == "RUNNING"


FORGED = [
    gid("Entity:" + "é" * 300),
    gid("Entity:acme\x00"),
    gid("Run:acme/vision/a1\x00"),
    gid("Run:' OR 1=1 //"),
    gid("Project:acme/vision/extra"),
    gid("Project:acme/"),
    gid("Alias:x/y"),
    gid("RegistryAlias:a/b"),
    gid("RegistryVersion:a/b/c"),
    gid("__proto__:x"),
    gid("Entity:" + "a" * 760),
    gid("Entity:" + "a" * 800),
    gid("Entity:acme") + "=",
    gid("Entity:acme") + "A",
    "UnVuOmFjbWUvdmlzaW9uL2Ex\n",
    "\u0661\u0662\u0663",
    "A" * 5000,
]


@pytest.mark.parametrize("forged", FORGED)
def test_a_forged_id_is_null_or_refused_never_an_internal_error(world: World, forged: str) -> None:
    for client in (world.ana, world.bob):
        answer = client.post(NODE, {"id": forged})
        assert answer["data"] == {"node": None}
        codes = {error["extensions"]["code"] for error in answer.get("errors", [])}
        assert codes <= {"BAD_USER_INPUT"}
        many = client.post(NODES, {"ids": [forged, world.ids["run"]]})
        assert "INTERNAL" not in str(many)
        for document in ("{ run(id: $ID) { id } }", "{ lineage(ref: $ID) { truncated } }"):
            refused = client.post(
                document.replace("$ID", "$i").replace("{ ", "query($i: String!) { ", 1), {"i": forged}
            )
            assert "INTERNAL" not in str(refused), refused


CURSORS = [
    base64.urlsafe_b64encode(b"[1e999]").decode(),
    base64.urlsafe_b64encode(b'["2024-01-01T00:00Z", 1]').decode(),
    base64.urlsafe_b64encode(b'["9999-12-31T23:59:59.999999999-18:00", "x"]').decode(),
    base64.urlsafe_b64encode(b'["0001-01-01T00:00:00+18:00", "x"]').decode(),
    base64.urlsafe_b64encode(b'["-999999-01-01T00:00Z", "x"]').decode(),
    base64.urlsafe_b64encode(b"[" + b"9" * 5000 + b"]").decode(),
    base64.urlsafe_b64encode(b"[" * 3000 + b"]" * 3000).decode(),
    base64.urlsafe_b64encode(b"[9223372036854775808]").decode(),
    base64.urlsafe_b64encode(b"[-9223372036854775808]").decode(),
    base64.urlsafe_b64encode(b'[{"a": 1}, "x"]').decode(),
    "%%%",
    "éé",
]


@pytest.mark.parametrize("cursor", CURSORS)
@pytest.mark.parametrize(
    "listing",
    [
        'runs(entity: "acme", project: "vision", {page}) { totalCount }',
        'collections(entity: "acme", project: "vision", {page}) { totalCount }',
        'artifactCollection(ref: "acme/vision/faces") { versions({page}) { totalCount } }',
        "entities({page}) { totalCount }",
    ],
)
def test_a_forged_cursor_is_refused_or_pages_never_an_internal_error(world: World, cursor: str, listing: str) -> None:
    for page in ("after: $c, first: 2", "before: $c, last: 2"):
        document = "query($c: String) { " + listing.replace("{page}", page) + " }"
        for client in (world.ana, world.bob):
            answer = client.post(document, {"c": cursor})
            codes = {error["extensions"]["code"] for error in answer.get("errors", [])}
            assert codes <= {"BAD_USER_INPUT", "NOT_FOUND"}, answer
