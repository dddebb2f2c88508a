"""The README's permission table, checked cell by cell against the running server.

Each row's action has a probe below; each role tries it in the entity `acme`
on objects the superuser prepared for that one try. A row without a probe, or a
probe without a row, fails the test, so the table and the server cannot drift.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.builders import Builder
from tests.client import GraphQLClient

README = Path(__file__).parents[2] / "README.md"
ROLES = ("superuser", "entity admin", "member", "viewer")
USERS = {"entity admin": "ana", "member": "mia", "viewer": "vic"}
_ROW = re.compile(r"^\| `(\w+)`[^|]*\|" + r"\s*([✓✗])\s*\|" * len(ROLES) + r"$")
_fresh = itertools.count()


def table() -> dict[str, dict[str, bool]]:
    rows = {}
    for line in README.read_text().splitlines():
        match = _ROW.match(line)
        if match:
            rows[match.group(1)] = {role: mark == "✓" for role, mark in zip(ROLES, match.groups()[1:], strict=True)}
    return rows


def ok(client: GraphQLClient, query: str, **variables: object) -> bool:
    body = client.post(query, variables)
    if body.get("errors"):
        assert body["errors"][0]["extensions"]["code"] in ("FORBIDDEN", "NOT_FOUND"), body
        return False
    return True


Probe = Callable[[GraphQLClient, GraphQLClient, str], bool]


def uploaded(client: GraphQLClient) -> bool:
    content = f"content {next(_fresh)}".encode()
    answer = client.http.put(f"/files/sha256/{hashlib.sha256(content).hexdigest()}", content=content)
    assert answer.status_code in (201, 403), answer.text
    return answer.status_code == 201


def _version(root: GraphQLClient) -> str:
    acme = Builder(root, "acme", "vision")
    name = f"v{next(_fresh)}"
    acme.log(acme.run(f"r-{name}"), name, "model")
    return f"acme/vision/{name}:v0"


def _key_of(root: GraphQLClient, user: str) -> str:
    key: str = root.query("mutation($u: String) { createApiKey(user: $u) { id } }", u=user)["createApiKey"]["id"]
    return key


PROBES: dict[str, Probe] = {
    "read": lambda root, who, user: ok(who, '{ artifact(ref: "acme/vision/seed:v0") { ref } }'),
    "createRun": lambda root, who, user: ok(
        who,
        'mutation($r: String) { createRun(input: {entity: "acme", project: "vision", runId: $r}) { id } }',
        r=f"run-{next(_fresh)}",
    ),
    "updateArtifactVersion": lambda root, who, user: ok(
        who, 'mutation($ref: String!) { updateArtifactVersion(ref: $ref, description: "d") { id } }', ref=_version(root)
    ),
    "deleteArtifactVersion": lambda root, who, user: ok(
        who,
        "mutation($ref: String!) { deleteArtifactVersion(ref: $ref, deleteAliases: true) { id } }",
        ref=_version(root),
    ),
    "linkArtifact": lambda root, who, user: ok(
        who,
        'mutation($ref: String!) { linkArtifact(ref: $ref, target: "acme/registry-model/m") { version } }',
        ref=_version(root),
    ),
    "createRegistry": lambda root, who, user: ok(
        who, 'mutation($n: String!) { createRegistry(entity: "acme", name: $n) { id } }', n=f"reg-{next(_fresh)}"
    ),
    "setRegistryAccess": lambda root, who, user: ok(
        who, 'mutation { setRegistryAccess(entity: "acme", registry: "model", members: ["mia"]) }'
    ),
    "addMember": lambda root, who, user: ok(
        who,
        'mutation($u: String!) { addMember(entity: "acme", user: $u, role: VIEWER) { role } }',
        u=f"new-{next(_fresh)}",
    ),
    "users": lambda root, who, user: ok(who, '{ users(entity: "acme") { user } }'),
    "createApiKey": lambda root, who, user: ok(who, "mutation { createApiKey { id } }"),
    "createApiKeyForOthers": lambda root, who, user: ok(who, 'mutation { createApiKey(user: "zed") { id } }'),
    "revokeApiKeyOfOthers": lambda root, who, user: ok(
        who, "mutation($id: ID!) { revokeApiKey(id: $id) }", id=_key_of(root, "zed")
    ),
    "cypher": lambda root, who, user: ok(who, '{ cypher(query: "RETURN 1 AS one") { rows } }'),
    "upload": lambda root, who, user: uploaded(who),
}


@pytest.fixture
def clients(api: GraphQLClient) -> Iterator[dict[str, GraphQLClient]]:
    for role, user in (("ADMIN", "ana"), ("MEMBER", "mia"), ("VIEWER", "vic"), ("VIEWER", "zed")):
        api.query(f'mutation {{ addMember(entity: "acme", user: "{user}", role: {role}) {{ role }} }}')
    api.query('mutation { createRegistry(entity: "acme", name: "model") { id } }')
    acme = Builder(api, "acme", "vision")
    acme.log(acme.run("seed"), "seed", "model")
    made = {"superuser": api}
    for role, user in USERS.items():
        key = api.query("mutation($u: String) { createApiKey(user: $u) { key } }", u=user)["createApiKey"]["key"]
        made[role] = GraphQLClient(str(api.http.base_url), key=key)
    yield made
    for role in USERS:
        made[role].http.close()


def test_the_table_and_the_probes_name_the_same_actions() -> None:
    assert sorted(table()) == sorted(PROBES)


def test_every_cell_of_the_permission_table_holds(clients: dict[str, GraphQLClient]) -> None:
    root = clients["superuser"]
    found = {
        action: {role: PROBES[action](root, clients[role], USERS.get(role, "")) for role in ROLES} for action in table()
    }
    assert found == table()
