"""Roles are judged on the object's own entity, keys are minted only for yourself, and an entity's admin sees
only that entity (issue 11, findings 1, 2 and 12)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from neo4j import Driver

from cypher.accounts import MAX_KEYS_PER_USER
from tests.builders import Builder
from tests.client import GraphQLClient
from tests.conftest import ADMIN

ADD_MEMBER = "mutation($e: String!, $u: String!, $r: Role!) { addMember(entity: $e, user: $u, role: $r) { role } }"
NEW_KEY = "mutation($u: String) { createApiKey(user: $u) { id key user } }"
REVOKE = "mutation($id: ID!) { revokeApiKey(id: $id) }"
UPDATE = 'mutation($ref: String!) { updateArtifactVersion(ref: $ref, description: "mine now") { description } }'
DELETE = "mutation($ref: String!) { deleteArtifactVersion(ref: $ref, deleteAliases: true) { state } }"
LINK = "mutation($ref: String!, $to: String!) { linkArtifact(ref: $ref, target: $to) { version } }"


@dataclass
class People:
    root: GraphQLClient
    ana: GraphQLClient  # admin of acme
    gus: GraphQLClient  # admin of globex
    mia: GraphQLClient  # member of acme, viewer of globex


def client_for(api: GraphQLClient, user: str) -> GraphQLClient:
    return GraphQLClient(str(api.http.base_url), key=api.query(NEW_KEY, u=user)["createApiKey"]["key"])


@pytest.fixture
def people(api: GraphQLClient) -> Iterator[People]:
    for entity, user, role in (
        ("acme", "ana", "ADMIN"),
        ("globex", "gus", "ADMIN"),
        ("acme", "mia", "MEMBER"),
        ("globex", "mia", "VIEWER"),
    ):
        api.query(ADD_MEMBER, e=entity, u=user, r=role)
    found = People(api, client_for(api, "ana"), client_for(api, "gus"), client_for(api, "mia"))
    yield found
    for client in (found.ana, found.gus, found.mia):
        client.http.close()


def test_an_entity_admin_cannot_mint_a_key_for_the_superuser_it_made_a_member(people: People) -> None:
    for admin, entity in ((people.ana, "acme"), (people.gus, "globex")):
        assert admin.query(ADD_MEMBER, e=entity, u=ADMIN, r="VIEWER") == {"addMember": {"role": "VIEWER"}}
        refused = admin.error(NEW_KEY, u=ADMIN)
        assert refused["extensions"] == {"code": "FORBIDDEN", "field": "user"}
        assert refused["message"] == "user: only a superuser may create an API key for another user"
    assert people.ana.error(NEW_KEY, u="mia")["extensions"] == {"code": "FORBIDDEN", "field": "user"}
    assert people.ana.query(NEW_KEY, u=None)["createApiKey"]["user"] == "ana"


def test_an_entity_admin_cannot_revoke_someone_elses_key(people: People) -> None:
    mias_key = people.root.query(NEW_KEY, u="mia")["createApiKey"]
    refused = people.ana.error(REVOKE, id=mias_key["id"])
    assert refused["extensions"] == {"code": "NOT_FOUND", "field": "id"}
    with GraphQLClient(str(people.root.http.base_url), key=mias_key["key"]) as mia:
        assert mia.query("{ me { user } }") == {"me": {"user": "mia"}}
        assert mia.query(REVOKE, id=mias_key["id"]) == {"revokeApiKey": True}


def test_an_entity_admin_sees_members_roles_in_that_entity_only_and_no_one_elses_keys(people: People) -> None:
    own_keys = people.ana.query('{ users(entity: "acme") { user roles { entity role } keys } }')["users"]
    assert [(row["user"], row["roles"], len(row["keys"])) for row in own_keys] == [
        ("ana", [{"entity": "acme", "role": "ADMIN"}], 1),
        ("mia", [{"entity": "acme", "role": "MEMBER"}], 0),
    ]
    everything = people.root.query('{ users(entity: "acme") { user roles { entity role } keys } }')["users"]
    assert [(row["user"], row["roles"]) for row in everything][1] == (
        "mia",
        [{"entity": "acme", "role": "MEMBER"}, {"entity": "globex", "role": "VIEWER"}],
    )


def test_a_user_has_at_most_the_limit_of_live_keys_even_when_asked_for_many_in_one_request(people: People) -> None:
    aliases = " ".join(f"k{n}: createApiKey {{ id }}" for n in range(MAX_KEYS_PER_USER + 5))
    body = people.mia.post(f"mutation {{ {aliases} }}")
    [error] = body["errors"]  # the fixture's key and 9 new ones make 10; the 10th alias is refused
    assert (error["path"], error["extensions"]) == (["k9"], {"code": "CONFLICT", "field": "user", "limit": 10})
    assert error["message"] == f"user: 'mia' already has {MAX_KEYS_PER_USER} live API keys, the limit; revoke one first"
    assert people.mia.error(NEW_KEY, u=None)["extensions"]["code"] == "CONFLICT"
    keys = people.root.query('{ users(entity: "acme") { user keys } }')["users"]
    assert [len(row["keys"]) for row in keys if row["user"] == "mia"] == [MAX_KEYS_PER_USER]


def test_a_version_reached_through_a_registry_ref_is_changed_only_with_a_role_in_its_own_entity(
    people: People, driver: Driver
) -> None:
    globex = Builder(people.gus, "globex", "nlp")
    globex.log(globex.run("g1"), "texts", "dataset")
    people.ana.query('mutation { createRegistry(entity: "acme", name: "model") { id } }')
    linked = people.mia.query(LINK, ref="globex/nlp/texts:v0", to="acme/registry-model/borrowed")
    assert linked == {"linkArtifact": {"version": 0}}
    through_registry = "acme/registry-model/borrowed:v0"

    for request in (UPDATE, DELETE):
        refused = people.mia.error(request, ref=through_registry)
        assert refused["extensions"] == {"code": "FORBIDDEN", "field": "ref"}
        assert refused["message"] == "ref: a viewer of 'globex' cannot do this; it needs the member role"
    with driver.session() as session:
        version = session.run(
            "MATCH (v:ArtifactVersion {entity: 'globex', name: 'texts'}) RETURN v.state AS state, v.description AS d"
        ).single()
    assert (version["state"], version["d"]) == ("committed", None)

    aliased = people.mia.query(
        'mutation { setAlias(ref: "acme/registry-model/borrowed:v0", alias: "staging") { ref } }'
    )
    assert aliased == {"setAlias": {"ref": "globex/nlp/texts:v0"}}
    assert people.mia.query('mutation { unlinkArtifact(ref: "acme/registry-model/borrowed:v0") }') == {
        "unlinkArtifact": True
    }
    assert people.gus.query(UPDATE, ref="globex/nlp/texts:v0") == {"updateArtifactVersion": {"description": "mine now"}}
