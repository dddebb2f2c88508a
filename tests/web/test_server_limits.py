"""The lineage page offers and asks for what the server allows: its depth choices, cluster thresholds and node cap
follow the server's `limits`, whatever the URL says."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from server.auth import COOKIE
from tests.builders import Builder
from tests.client import GraphQLClient
from tests.conftest import ADMIN_KEY, free_port
from tests.serving import ServerProcess
from tests.web.conftest import browsing

pytestmark = pytest.mark.browser

LIMITED = {
    "STEMMA_LINEAGE_MAX_DEPTH": "4",
    "STEMMA_LINEAGE_MAX_NODES": "3",
    "STEMMA_LINEAGE_MAX_CLUSTER_THRESHOLD": "10",
}
RAW = "zoo-team/zoo/raw:v0"


@pytest.fixture(scope="module")
def limited(neo4j_uri: str, driver: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second server on the test Neo4j, started with lower lineage limits than the defaults."""
    process = ServerProcess(neo4j_uri, tmp_path_factory.mktemp("limited"), free_port(), LIMITED).start()
    yield process.url
    process.stop()


@pytest.fixture
def limited_page(chromium: Browser, limited: str, problems: list[str]) -> Iterator[Page]:
    with browsing(chromium, limited, problems) as page:
        page.context.add_cookies([{"name": COOKIE, "value": ADMIN_KEY, "url": limited}])
        yield page


def build_chain(base_url: str) -> None:
    """raw:v0 → prep → clean:v0 → train → model:v0: five nodes downstream of raw:v0, four edges deep."""
    with GraphQLClient(base_url) as api:
        zoo = Builder(api)
        zoo.log(zoo.run("load", job_type="load"), "raw")
        prep = zoo.run("prep", job_type="prep")
        zoo.use(prep, RAW)
        zoo.log(prep, "clean")
        train = zoo.run("train")
        zoo.use(train, "zoo-team/zoo/clean:v0")
        zoo.log(train, "model", "model")


def open_lineage(page: Page, query: str) -> dict[str, Any]:
    """Opens /lineage?QUERY and returns the variables of the lineage request the page sent."""
    with page.expect_request(lambda request: "query Lineage" in (request.post_data or "")) as sent:
        page.goto(f"/lineage?{query}")
    page.wait_for_selector("#graph[data-layouts='1']")
    variables: dict[str, Any] = json.loads(sent.value.post_data or "{}")["variables"]
    return variables


def test_a_limited_server_bounds_the_choices_and_the_request(limited_page: Page, limited: str) -> None:
    build_chain(limited)
    sent = open_lineage(limited_page, f"ref={RAW}&depth=100&direction=DOWNSTREAM&cluster=1000")
    assert sent == {"ref": RAW, "direction": "DOWNSTREAM", "depth": 4, "clusterThreshold": 10, "maxNodes": 3}
    expect(limited_page.locator("#depth option")).to_have_text(["1", "2", "3", "4"])
    expect(limited_page.locator("#depth")).to_have_value("4")
    expect(limited_page.locator("#cluster option")).to_have_text(["5", "10"])
    expect(limited_page.locator("#cluster")).to_have_value("10")
    expect(limited_page.locator(".outline-list li")).to_have_count(3)
    expect(limited_page.locator(".status")).to_contain_text("only the nearest 3 nodes are shown")


def test_the_default_server_offers_its_depths_and_the_page_asks_for_at_most_2000_nodes(
    page: Page, server: str, api: GraphQLClient
) -> None:
    build_chain(server)
    limits = api.query("{ limits { lineageMaxDepth lineageMaxNodes } }")["limits"]
    assert limits["lineageMaxNodes"] == 2000
    sent = open_lineage(page, f"ref={RAW}&depth=4&direction=DOWNSTREAM")
    assert (sent["depth"], sent["maxNodes"]) == (4, 2000)
    depths = [str(depth) for depth in range(1, limits["lineageMaxDepth"] + 1)]
    expect(page.locator("#depth option")).to_have_text(depths)
    expect(page.locator(".outline-list li")).to_have_count(5)


def test_when_the_limits_cannot_be_read_the_lineage_view_shows_why(page: Page, problems: list[str]) -> None:
    page.context.add_init_script("window.localStorage.setItem('stemma.apiKey', 'sk-not-a-key')")
    with page.expect_request(lambda request: "query Limits" in (request.post_data or "")):
        page.goto(f"/lineage?ref={RAW}&depth=2&direction=BOTH")
    expect(page.get_by_role("alert")).to_contain_text("This Stemma server needs an API key.")
    expect(page.locator("#app")).to_contain_text("Nothing to show here.")
    problems.remove("console error: Failed to load resource: the server responded with a status of 401 (Unauthorized)")
