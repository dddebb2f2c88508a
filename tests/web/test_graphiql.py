"""GraphiQL, bundled into the web build, in Chromium with every request to anywhere but the server refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from neo4j import Driver
from playwright.sync_api import Page, Route, expect

from server.demo import build_zoo
from tests.conftest import ADMIN_KEY, clean
from tests.web.conftest import TEST_OUTPUT

pytestmark = [pytest.mark.browser, pytest.mark.shared_graph]


@pytest.fixture(scope="module")
def zoo(driver: Driver, server: str) -> dict[str, str]:
    clean(driver)
    return build_zoo(server)


@pytest.fixture
def offline(signed_out: Page) -> Iterator[list[str]]:
    """Requests the page makes to any host but the test server's are aborted, and kept here: none may be made."""
    elsewhere: list[str] = []

    def refuse(route: Route) -> None:
        elsewhere.append(route.request.url)
        route.abort("internetdisconnected")

    signed_out.context.route(lambda url: urlsplit(url).hostname not in ("127.0.0.1", "localhost"), refuse)
    yield elsewhere
    assert elsewhere == []


def test_a_browser_without_a_key_signs_in_and_runs_the_zoo_lineage_offline(
    signed_out: Page, offline: list[str], zoo: dict[str, str], server: str
) -> None:
    page = signed_out
    page.goto("/graphql")
    expect(page).to_have_url(f"{server}/login?next=/graphql")
    page.get_by_label("API key").fill(ADMIN_KEY)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{server}/graphql")

    editor = page.get_by_role("region", name="Operation Editor")
    expect(editor).to_contain_text("query ZooLineage($ref: String!, $direction: LineageDirection!, $depth: Int!)")
    expect(page.locator(".graphiql-editor-tool")).to_contain_text(zoo["model"])
    with page.expect_response(lambda answer: "ZooLineage" in (answer.request.post_data or "")) as ran:
        page.get_by_role("button", name=re.compile(r"^Execute query")).click()
    lineage = ran.value.json()["data"]["lineage"]
    assert ran.value.status == 200
    assert lineage["root"] == {"ref": zoo["model"]}
    names = sorted(node.get("name") or node["ref"] for node in lineage["nodes"])
    assert names == [
        "northern-lake-21",
        "rural-feather-20",
        "split-run-4",
        "split-run-5",
        "zoo-team/zoo/split_zoo_dataset:v4",
        "zoo-team/zoo/zoo-ylbchv20:v0",
    ]
    expect(page.locator(".graphiql-response")).to_contain_text(f'"ref": "{zoo["model"]}"')
    TEST_OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(TEST_OUTPUT / "graphiql.png"))


def test_the_explorer_lists_the_schemas_root_fields(page: Page, zoo: dict[str, str], offline: list[str]) -> None:
    page.goto("/graphiql")
    page.get_by_role("button", name="Show GraphiQL Explorer").click()
    explorer = page.locator(".graphiql-plugin")
    expect(explorer).to_contain_text("lineage")
    expect(explorer).to_contain_text("artifactCollection")


def test_the_editors_language_workers_come_from_the_server_and_check_the_query(
    page: Page, zoo: dict[str, str], offline: list[str], server: str
) -> None:
    page.goto("/graphiql")
    editor = page.get_by_role("region", name="Operation Editor")
    expect(editor).to_contain_text("query ZooLineage")
    editor.locator(".view-lines").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n{ noSuchField }")
    expect(editor.locator(".squiggly-error").first).to_be_visible()
    # The GraphQL worker marked the error; the JSON one may start later (with the variables editor).
    workers = {re.sub(r"-[\w-]+\.js$", ".js", worker.url) for worker in page.workers}
    assert f"{server}/assets/graphql.worker.js" in workers
    assert workers <= {f"{server}/assets/{name}.worker.js" for name in ("editor", "graphql", "json")}
