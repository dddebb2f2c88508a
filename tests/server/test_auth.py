"""API keys on every request but /healthz, the login page's cookie, revocation, and the CLI that manages people."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from neo4j import Driver

from tests.client import GraphQLClient
from tests.conftest import ADMIN_KEY, clean, free_port
from tests.serving import ROOT, ServerProcess

ME = {"query": "{ me { user } }"}


def test_every_endpoint_but_healthz_needs_a_key(server: str) -> None:
    assert httpx.get(f"{server}/healthz").status_code == 200
    graphql = httpx.post(f"{server}/graphql", json=ME)
    assert graphql.status_code == 401
    assert graphql.json() == {
        "errors": [
            {
                "message": "an API key is required: send 'Authorization: Bearer KEY'",
                "extensions": {"code": "UNAUTHENTICATED"},
            }
        ]
    }
    for path in ("/metrics", f"/files/sha256/{'a' * 64}"):
        refused = httpx.get(f"{server}{path}")
        assert (refused.status_code, refused.json()["error"]["code"]) == (401, "UNAUTHENTICATED"), path
    assert httpx.put(f"{server}/files/sha256/{'a' * 64}", content=b"x").status_code == 401
    forged = httpx.post(f"{server}/graphql", json=ME, headers={"authorization": "Bearer stm_forged"})
    assert forged.json()["errors"][0]["message"] == "the API key is unknown or revoked"


def test_pages_ask_for_a_key_and_the_login_cookie_carries_it(server: str) -> None:
    page = httpx.get(f"{server}/lineage?ref=a/b/c:v0")
    assert page.status_code == 401
    assert '<form method="post" action="/login">' in page.text
    assert 'value="/lineage?ref=a/b/c:v0"' in page.text
    wrong = httpx.post(f"{server}/login", data={"key": "stm_wrong", "next": "/"})
    assert wrong.status_code == 401 and "unknown or revoked" in wrong.text
    signed_in = httpx.post(f"{server}/login", data={"key": ADMIN_KEY, "next": "/lineage?ref=a/b/c:v0"})
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/lineage?ref=a/b/c:v0"
    cookie = signed_in.cookies["stemma_key"]
    assert "httponly" in signed_in.headers["set-cookie"].lower()
    answer = httpx.post(f"{server}/graphql", json=ME, cookies={"stemma_key": cookie}, headers={"origin": server})
    assert answer.json() == {"data": {"me": {"user": "stemma-test-admin"}}}
    offsite = httpx.post(f"{server}/login", data={"key": ADMIN_KEY, "next": "//evil.example/"})
    assert offsite.headers["location"] == "/"


def test_a_revoked_key_stops_working(api: GraphQLClient, server: str) -> None:
    api.query('mutation { addMember(entity: "acme", user: "ana", role: MEMBER) { role } }')
    key = api.query('mutation { createApiKey(user: "ana") { id key } }')["createApiKey"]
    with GraphQLClient(server, key=key["key"]) as ana:
        assert ana.query("{ me { user } }") == {"me": {"user": "ana"}}
        assert ana.query("mutation($id: ID!) { revokeApiKey(id: $id) }", id=key["id"]) == {"revokeApiKey": True}
        refused = ana.http.post("/graphql", json=ME)
        assert refused.status_code == 401


def test_keys_are_stored_only_as_hashes(api: GraphQLClient, driver: Driver) -> None:
    api.query('mutation { addMember(entity: "acme", user: "ana", role: MEMBER) { role } }')
    secret = api.query('mutation { createApiKey(user: "ana") { key } }')["createApiKey"]["key"]
    records, _, _ = driver.execute_query("MATCH (k:ApiKey)-[:OF]->(:User {name: 'ana'}) RETURN properties(k) AS p")
    stored = str([record["p"] for record in records])
    assert secret not in stored and secret[4:] not in stored


def stemma(*args: str, neo4j_uri: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STEMMA_NEO4J_URI": neo4j_uri}
    return subprocess.run(
        [sys.executable, "-m", "server", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_admins_manage_people_from_the_cli(server: str, neo4j_uri: str) -> None:
    added = stemma("users", "add", "dora", "--entity", "newco", "--role", "admin", neo4j_uri=neo4j_uri)
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip().splitlines()[-1]
    assert key.startswith("stm_")
    with GraphQLClient(server, key=key) as dora:
        assert dora.query("{ me { user roles { entity role } } }") == {
            "me": {"user": "dora", "roles": [{"entity": "newco", "role": "ADMIN"}]}
        }
    listing = stemma("users", "list", "--entity", "newco", neo4j_uri=neo4j_uri)
    key_id = listing.stdout.split("keys: ")[1].strip()
    assert listing.stdout.startswith("dora\tadmin of newco\tkeys: k_")
    assert stemma("keys", "revoke", key_id, neo4j_uri=neo4j_uri).returncode == 0
    deadline = time.monotonic() + 5
    while httpx.post(f"{server}/graphql", json=ME, headers={"authorization": f"Bearer {key}"}).status_code != 401:
        assert time.monotonic() < deadline, "the revoked key still works after the cache's lifetime"
        time.sleep(0.2)
    bad_role = stemma("users", "add", "eve", "--entity", "newco", "--role", "owner", neo4j_uri=neo4j_uri)
    assert bad_role.returncode == 1 and "role must be one of viewer, member, admin" in bad_role.stderr


def test_an_empty_database_gets_a_first_admin_printed_once(driver: Driver, neo4j_uri: str, tmp_path: Path) -> None:
    driver.execute_query("MATCH (n) WHERE n:User OR n:ApiKey DETACH DELETE n")
    process = ServerProcess(neo4j_uri, tmp_path, free_port())
    try:
        process.start()
        log = process.log()
        assert "A first superuser 'admin' was created" in log
        key = next(line.strip() for line in log.splitlines() if line.strip().startswith("stm_"))
        with GraphQLClient(process.url, key=key) as admin:
            assert admin.query("{ me { user superuser } }") == {"me": {"user": "admin", "superuser": True}}
        process.stop()
        process.start()
        assert process.log().count("A first superuser") == 1
    finally:
        process.stop()
        clean(driver)
