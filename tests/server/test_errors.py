"""Refusals outside GraphQL share one shape, `{"error": {"code", "message", ...}}`, with their status."""

from __future__ import annotations

import httpx

from tests.client import GraphQLClient


def _member(api: GraphQLClient) -> GraphQLClient:
    api.query('mutation { addMember(entity: "acme", user: "mo", role: MEMBER) { role } }')
    key = api.query('mutation { createApiKey(user: "mo") { key } }')["createApiKey"]["key"]
    return GraphQLClient(str(api.http.base_url), key=key)


def test_a_malformed_digest_is_refused_naming_the_field(api: GraphQLClient) -> None:
    refused = api.http.get("/files/sha256/not-a-digest")
    assert (refused.status_code, refused.json()) == (
        400,
        {
            "error": {
                "code": "BAD_USER_INPUT",
                "message": "digest must be 64 lowercase hex characters (sha256)",
                "field": "digest",
            }
        },
    )


def test_content_nobody_stored_is_not_found(api: GraphQLClient) -> None:
    digest = "d" * 64
    missing = api.http.get(f"/files/sha256/{digest}")
    assert (missing.status_code, missing.json()) == (
        404,
        {"error": {"code": "NOT_FOUND", "message": f"no file has digest {digest}"}},
    )
    head = api.http.head(f"/files/sha256/{digest}")
    assert (head.status_code, head.content) == (404, b"")


def test_metrics_refuse_a_member_and_requests_without_a_key(api: GraphQLClient, server: str) -> None:
    with _member(api) as member:
        forbidden = member.http.get("/metrics")
    assert (forbidden.status_code, forbidden.json()) == (
        403,
        {"error": {"code": "FORBIDDEN", "message": "metrics span every tenant's traffic: they need a superuser's key"}},
    )
    anonymous = httpx.get(f"{server}/metrics")
    assert (anonymous.status_code, anonymous.json()) == (
        401,
        {"error": {"code": "UNAUTHENTICATED", "message": "an API key is required: send 'Authorization: Bearer KEY'"}},
    )


def test_json_nested_past_the_stack_is_a_client_error_in_graphql_shape(api: GraphQLClient) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    body = f'{{"query": "{{ me {{ user }} }}", "variables": {{"d": {deep}}}}}'
    refused = api.http.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert refused.status_code == 400
    [error] = refused.json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "body"}
    assert "nests too deeply" in error["message"]
