"""API keys on every request but /healthz, the login page's cookie, revocation, and the CLI that manages people."""

from __future__ import annotations

import os
import subprocess
import sys
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


def test_admins_manage_people_from_the_cli(driver: Driver, neo4j_uri: str, tmp_path: Path) -> None:
    # A server that remembers no key, so the CLI's revocation (another process) shows on the next request.
    process = ServerProcess(neo4j_uri, tmp_path, free_port(), {"STEMMA_KEY_CACHE_SECONDS": "0"}).start()
    try:
        _manage_people_from_the_cli(process.url, neo4j_uri)
    finally:
        process.stop()


def _manage_people_from_the_cli(server: str, neo4j_uri: str) -> None:
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
    revoked = httpx.post(f"{server}/graphql", json=ME, headers={"authorization": f"Bearer {key}"})
    assert revoked.status_code == 401
    bad_role = stemma("users", "add", "eve", "--entity", "newco", "--role", "owner", neo4j_uri=neo4j_uri)
    assert bad_role.returncode == 1 and "role must be one of viewer, member, admin" in bad_role.stderr


def test_an_empty_database_gets_a_first_admin_printed_once(driver: Driver, neo4j_uri: str, tmp_path: Path) -> None:
    driver.execute_query("MATCH (n) WHERE n:User OR n:ApiKey DETACH DELETE n")
    process = ServerProcess(neo4j_uri, tmp_path, free_port())
    try:
        process.start()
        key = process.first_admin_key()
        assert "A first superuser 'admin' was created" in process.log()
        with GraphQLClient(process.url, key=key) as admin:
            assert admin.query("{ me { user superuser } }") == {"me": {"user": "admin", "superuser": True}}
        process.stop()
        process.start()
        assert process.log().count("A first superuser") == 1
    finally:
        process.stop()
        clean(driver)


def test_failed_authentications_are_throttled_per_address_without_reaching_neo4j(
    neo4j_uri: str, tmp_path: Path, driver: Driver
) -> None:
    settings = {
        "STEMMA_AUTH_FAILURE_BURST": "3",
        "STEMMA_AUTH_FAILURES_PER_SECOND": "0.001",
        "STEMMA_KEY_CACHE_SECONDS": "3600",
    }
    process = ServerProcess(neo4j_uri, tmp_path, free_port(), settings)
    try:
        process.start()
        with GraphQLClient(process.url) as admin:
            for _ in range(30):
                assert admin.query("{ me { user } }") == {"me": {"user": "stemma-test-admin"}}
            before = admin.statements()["auth"]
            answers = [
                httpx.post(f"{process.url}/graphql", json=ME, headers={"authorization": f"Bearer stm_guess{i}"})
                for i in range(50)
            ]
            assert [answer.status_code for answer in answers] == [401] * 3 + [429] * 47
            assert answers[3].headers["retry-after"] == "1000"
            assert answers[3].json()["errors"][0] == {
                "message": "too many failed authentications from 127.0.0.1: the limit is 0.001 a second "
                "after a burst of 3; retry in 1000 s",
                "extensions": {"code": "RATE_LIMITED"},
            }
            assert admin.statements()["auth"] - before == 3
            assert admin.query("{ me { user } }") == {"me": {"user": "stemma-test-admin"}}
        login = httpx.post(f"{process.url}/login", data={"key": "stm_guess", "next": "/"})
        assert (login.status_code, login.headers["retry-after"]) == (429, "1000")
        assert "too many failed authentications from 127.0.0.1" in login.text
    finally:
        process.stop()


def test_logout_forgets_the_cookie_and_returns_to_the_login_page(server: str) -> None:
    with httpx.Client(base_url=server) as browser:
        assert browser.post("/login", data={"key": ADMIN_KEY, "next": "/"}).status_code == 303
        assert browser.cookies["stemma_key"] == ADMIN_KEY
        confirm = browser.get("/logout")
        assert confirm.status_code == 200
        assert '<form method="post" action="/logout"><button type="submit">Sign out</button></form>' in confirm.text
        signed_out = browser.post("/logout", headers={"origin": server})
        assert (signed_out.status_code, signed_out.headers["location"]) == (303, "/login")
        assert "stemma_key" not in browser.cookies
        assert browser.post("/graphql", json=ME, headers={"origin": server}).status_code == 401


def test_cookie_signed_writes_must_come_from_the_servers_own_pages(server: str, driver: Driver) -> None:
    cookie = {"stemma_key": ADMIN_KEY}
    add = {"query": 'mutation { addMember(entity: "acme", user: "mallory", role: ADMIN) { role } }'}
    foreign = httpx.post(f"{server}/graphql", json=add, cookies=cookie, headers={"origin": "https://evil.example"})
    assert foreign.status_code == 403
    assert foreign.json()["errors"][0] == {
        "message": f"Origin https://evil.example is not this server's ({server}): "
        "writes signed in by the page's cookie come only from its pages",
        "extensions": {"code": "FORBIDDEN"},
    }
    unsaid = httpx.post(f"{server}/graphql", json=add, cookies=cookie)
    assert (unsaid.status_code, unsaid.json()["errors"][0]["message"]) == (
        403,
        f"a write signed in by the page's cookie must say where it comes from: no Origin (expected {server})",
    )
    upload = httpx.put(f"{server}/files/sha256/{'a' * 64}", content=b"x", cookies=cookie)
    assert (upload.status_code, upload.json()["error"]["code"]) == (403, "FORBIDDEN")
    records, _, _ = driver.execute_query("MATCH (u:User {name: 'mallory'}) RETURN count(u) AS users")
    assert records[0]["users"] == 0

    from_a_page = httpx.post(f"{server}/graphql", json=ME, cookies=cookie, headers={"referer": f"{server}/lineage"})
    assert from_a_page.json() == {"data": {"me": {"user": "stemma-test-admin"}}}
    bearer = httpx.post(
        f"{server}/graphql", json=ME, headers={"authorization": f"Bearer {ADMIN_KEY}", "origin": "https://x.example"}
    )
    assert bearer.json() == {"data": {"me": {"user": "stemma-test-admin"}}}
    read = httpx.get(f"{server}/metrics", cookies=cookie, headers={"origin": "https://evil.example"})
    assert read.status_code == 200
    offsite_login = httpx.post(
        f"{server}/login", data={"key": ADMIN_KEY, "next": "/"}, headers={"origin": "https://evil.example"}
    )
    assert (offsite_login.status_code, offsite_login.json()["error"]["code"]) == (403, "FORBIDDEN")


def test_the_cookie_is_secure_over_https_and_when_a_setting_says_a_tls_proxy_is_in_front(
    server: str, neo4j_uri: str, tmp_path: Path, driver: Driver
) -> None:
    login = {"key": ADMIN_KEY, "next": "/"}
    plain = httpx.post(f"{server}/login", data=login)
    assert plain.headers["set-cookie"] == (
        f"stemma_key={ADMIN_KEY}; HttpOnly; Max-Age=2592000; Path=/; SameSite=strict"
    )
    proxied = httpx.post(f"{server}/login", data=login, headers={"x-forwarded-proto": "https"})
    assert proxied.headers["set-cookie"] == (
        f"stemma_key={ADMIN_KEY}; HttpOnly; Max-Age=2592000; Path=/; SameSite=strict; Secure"
    )
    process = ServerProcess(neo4j_uri, tmp_path, free_port(), {"STEMMA_SECURE_COOKIES": "true"})
    try:
        process.start()
        configured = httpx.post(f"{process.url}/login", data=login)
        assert configured.headers["set-cookie"].endswith("; SameSite=strict; Secure")
        signed_out = httpx.post(f"{process.url}/logout")
        assert signed_out.headers["set-cookie"].endswith("; SameSite=strict; Secure")
        assert 'stemma_key=""' in signed_out.headers["set-cookie"]
    finally:
        process.stop()


PAGE_HEADERS = {
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def test_pages_graphiql_included_forbid_framing_and_foreign_scripts(server: str) -> None:
    signed_in = {"authorization": f"Bearer {ADMIN_KEY}"}
    asset = next((ROOT / "web" / "dist" / "assets").glob("*.js")).name
    answers = {
        "/login": httpx.get(f"{server}/login"),
        "/logout": httpx.get(f"{server}/logout"),
        "/ signed out": httpx.get(f"{server}/"),
        "/": httpx.get(f"{server}/", headers=signed_in),
        "/lineage": httpx.get(f"{server}/lineage?ref=a/b/c:v0", headers=signed_in),
        "/assets": httpx.get(f"{server}/assets/{asset}", headers=signed_in),
        "/graphiql": httpx.get(f"{server}/graphiql", headers=signed_in),
        "/graphql in a browser": httpx.get(f"{server}/graphql", headers={**signed_in, "accept": "text/html"}),
    }
    for page, answer in answers.items():
        assert answer.status_code == (401 if page == "/ signed out" else 200), page
        assert {name: answer.headers.get(name) for name in PAGE_HEADERS} == PAGE_HEADERS, page
