"""GraphiQL at /graphiql and, for a browser, at /graphql: served from the web build, behind the login page."""

from __future__ import annotations

import httpx
import pytest

from server.accept import quality
from server.graphiql import GRAPHIQL_HTML
from tests.conftest import ADMIN_KEY

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
ME = "{ me { user } }"


@pytest.mark.parametrize(
    ("accept", "html", "json"),
    [
        (BROWSER, 1.0, 0.8),
        ("*/*", 1.0, 1.0),
        ("", 0.0, 0.0),
        ("application/json, text/html;q=0.5", 0.5, 1.0),
        ("text/*;q=0.3, text/html;q=0.7, application/*;q=0.2", 0.7, 0.2),
        ("TEXT/HTML; Q=0.4", 0.4, 0.0),
        ("text/html;q=bad", 0.0, 0.0),
    ],
)
def test_quality_is_the_most_specific_matching_range(accept: str, html: float, json: float) -> None:
    assert (quality(accept, "text/html"), quality(accept, "application/json")) == (html, json)


def test_a_browser_without_a_key_is_sent_to_the_login_page_and_back(server: str) -> None:
    for path in ("/graphql", "/graphiql"):
        visit = httpx.get(f"{server}{path}", headers={"accept": BROWSER})
        assert (visit.status_code, visit.headers["location"]) == (303, f"/login?next={path}"), path
    form = httpx.get(f"{server}/login?next=/graphql")
    assert '<input type="hidden" name="next" value="/graphql">' in form.text
    for foreign in ("https://evil.example/graphql", "//evil.example/graphql"):
        kept_home = httpx.post(f"{server}/login", data={"key": ADMIN_KEY, "next": foreign})
        assert kept_home.headers["location"] == "/", foreign
    backslash = httpx.post(f"{server}/login", data={"key": ADMIN_KEY, "next": "/\\evil.example"})
    assert backslash.headers["location"] == "/%5Cevil.example"
    signed_in = httpx.post(f"{server}/login", data={"key": ADMIN_KEY, "next": "/graphql"})
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/graphql")
    ide = httpx.get(f"{server}/graphql", headers={"accept": BROWSER}, cookies=signed_in.cookies)
    assert (ide.status_code, ide.headers["content-type"]) == (200, "text/html; charset=utf-8")
    assert ide.text == GRAPHIQL_HTML.read_text()


def test_api_clients_without_a_key_still_get_the_401_json_body(server: str) -> None:
    refused = {
        "errors": [
            {
                "message": "an API key is required: send 'Authorization: Bearer KEY'",
                "extensions": {"code": "UNAUTHENTICATED"},
            }
        ]
    }
    answers = [
        httpx.get(f"{server}/graphql", params={"query": ME}),
        httpx.get(f"{server}/graphql", params={"query": ME}, headers={"accept": BROWSER}),
        httpx.get(f"{server}/graphql", headers={"accept": "application/json"}),
        httpx.get(f"{server}/graphql", headers={"accept": "*/*"}),
        httpx.post(f"{server}/graphql", json={"query": ME}, headers={"accept": BROWSER}),
    ]
    assert [(answer.status_code, answer.json()) for answer in answers] == [(401, refused)] * len(answers)


def test_a_query_in_the_address_is_answered_as_json_even_for_a_browser(server: str) -> None:
    signed_in = {"authorization": f"Bearer {ADMIN_KEY}"}
    answer = httpx.get(f"{server}/graphql", params={"query": ME}, headers={**signed_in, "accept": BROWSER})
    assert (answer.status_code, answer.json()) == (200, {"data": {"me": {"user": "stemma-test-admin"}}})
