"""The lineage page in Chromium on the zoo example with a 300-run hub: browse, pick a version, explore the graph."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from neo4j import Driver
from playwright.sync_api import Page, expect

from cypher.ids import global_id
from server.auth import COOKIE
from server.demo import build_zoo
from schema.lineage_formats import QUERY as CLI_LINEAGE
from schema.lineage_formats import as_dot, as_mermaid
from tests.client import GraphQLClient
from tests.conftest import ADMIN, ADMIN_KEY, clean
from tests.web.conftest import TEST_OUTPUT, VIEWPORTS, at_every_size

pytestmark = [pytest.mark.browser, pytest.mark.shared_graph]
# The page is slow to answer while the machine runs other suites; a view that is right is right after 15 s too.
expect.set_options(timeout=15_000)

MODEL = "zoo-team/zoo/zoo-ylbchv20:v0"
DATASET = "zoo-team/zoo/split_zoo_dataset:v4"
RF20 = global_id("Run", "zoo-team/zoo/rf20")  # the graph's element ids are the nodes' global ids
REGISTRY = "zoo-team/registry-model/zoo-classifier"
HOSTILE = '<img src=x onerror="window.injected=1">'
METADATA = {"accuracy": 0.93, "note": HOSTILE}
# A run of another entity uses v1: zoo-team's viewers see it only as a hidden node.
AUDIT_RUN = """mutation {
  createRun(input: {entity: "audit-team", project: "audit", runId: "audit-1", name: "audit-1", jobType: "audit"}) { id }
  useArtifact(runId: "audit-team/audit/audit-1", ref: "zoo-team/zoo/split_zoo_dataset:v1") { ref }
}"""
ADD_MEMBER = "mutation($e: String!, $u: String!, $r: Role!) { addMember(entity: $e, user: $u, role: $r) { role } }"
NEW_KEY = "mutation($u: String) { createApiKey(user: $u) { key } }"


@pytest.fixture(scope="module")
def zoo(driver: Driver, server: str) -> Iterator[dict[str, str]]:
    """The zoo example plus 300 sweep runs using the dataset, logged once through the API; tests only read."""
    clean(driver)
    refs = build_zoo(server, hub_runs=300)
    with GraphQLClient(server) as api:
        api.query(
            "mutation($ref: String!, $m: JSON) { updateArtifactVersion(ref: $ref, metadata: $m) { ref } }",
            ref=MODEL,
            m=METADATA,
        )
        api.query(AUDIT_RUN)
        api.query(ADD_MEMBER, e="zoo-team", u="zoe", r="VIEWER")
        viewer_key = api.query(NEW_KEY, u="zoe")["createApiKey"]["key"]
    yield {**refs, "viewer_key": viewer_key}


def open_lineage(page: Page, ref: str, depth: int = 2, direction: str = "BOTH") -> None:
    page.goto(f"/lineage?ref={ref}&depth={depth}&direction={direction}")
    page.wait_for_selector("#graph[data-layouts='1']")


def outline(page: Page) -> list[str]:
    return page.locator(".outline-list li .title").all_text_contents()


def node_id(page: Page, title: str) -> str:
    item = page.locator(".outline-list li", has=page.locator(".title", has_text=re.compile(f"^{re.escape(title)}$")))
    value = item.get_attribute("data-node-id")
    assert value is not None, title
    return value


def click_on_canvas(page: Page, element_id: str) -> None:
    """A real pointer click where Cytoscape drew the node."""
    at = page.evaluate("id => window.stemmaLineage.position(id)", element_id)
    page.mouse.click(at["x"], at["y"])


def details(page: Page) -> dict[str, str]:
    terms = page.locator(".panel .facts dt").all_text_contents()
    values = page.locator(".panel .facts dd").all_inner_texts()
    return dict(zip(terms, values, strict=True))


def test_collection_then_version_dropdown_then_lineage_tab(page: Page, zoo: dict[str, str]) -> None:
    page.goto("/")
    entity = page.locator("[data-entity='zoo-team']")
    expect(entity.get_by_role("region", name="Registry model").get_by_role("link")).to_have_text(["zoo-classifier"])
    expect(entity.get_by_role("region", name="Project zoo").get_by_role("link")).to_have_text(
        ["split_zoo_dataset", "zoo-ylbchv20"]
    )
    entity.get_by_role("link", name="split_zoo_dataset").click()
    expect(page).to_have_url(re.compile(r"/\?collection=zoo-team/zoo/split_zoo_dataset$"))
    expect(page.locator("#version option")).to_have_text(["v4 — latest", "v3", "v2", "v1", "v0"])
    expect(page.locator(".details h2")).to_have_text("split_zoo_dataset:v4")

    page.locator("#version").select_option(label="v2")
    expect(page).to_have_url(re.compile(r"/\?collection=zoo-team/zoo/split_zoo_dataset&version=v2$"))
    expect(page.locator(".details [data-field='ref']")).to_have_text("zoo-team/zoo/split_zoo_dataset:v2")

    page.get_by_role("link", name="Lineage").click()
    expect(page).to_have_url(re.compile(r"/lineage\?ref=zoo-team/zoo/split_zoo_dataset:v2&depth=2&direction=BOTH$"))
    page.wait_for_selector("#graph[data-layouts='1']")
    assert outline(page) == ["split_zoo_dataset:v2", "prep-2"]
    expect(page.locator(".outline-list li.root .title")).to_have_text("split_zoo_dataset:v2")


def test_a_registry_collection_opens_the_linked_versions_lineage(page: Page, zoo: dict[str, str]) -> None:
    page.goto("/")
    page.get_by_role("link", name="zoo-classifier").click()
    expect(page.locator("#version option")).to_have_text(["v0 — latest, production (zoo-ylbchv20:v0)"])
    page.get_by_role("link", name="Lineage").click()
    expect(page).to_have_url(re.compile(rf"/lineage\?ref={REGISTRY}:v0&depth=2&direction=BOTH$"))
    page.wait_for_selector("#graph[data-layouts='1']")
    assert sorted(outline(page)) == ["northern-lake-21", "rural-feather-20", "split_zoo_dataset:v4", "zoo-ylbchv20:v0"]
    expect(page.locator(".outline-list li.root .title")).to_have_text("zoo-ylbchv20:v0")
    assert page.locator("#graph").get_attribute("data-edges") == "3"


@at_every_size
def test_clicking_a_run_node_shows_the_run(page: Page, zoo: dict[str, str], api: GraphQLClient) -> None:
    open_lineage(page, MODEL)
    click_on_canvas(page, RF20)
    page.wait_for_selector(".details[data-kind='run']")
    expect(page.locator(".details h2")).to_have_text("rural-feather-20")
    shown = details(page)
    assert {key: shown[key] for key in ("ID", "Name", "State", "Job type", "User", "Inputs", "Outputs")} == {
        "ID": "zoo-team/zoo/rf20",
        "Name": "rural-feather-20",
        "State": "Finished",
        "Job type": "train",
        "User": ADMIN,
        "Inputs": DATASET,
        "Outputs": MODEL,
    }
    created = api.query('{ run(id: "zoo-team/zoo/rf20") { createdAt } }')["run"]["createdAt"]
    expect(page.locator(".details dd time").first).to_have_attribute("datetime", created)
    expect(page.locator(".outline-list li[aria-selected='true'] .title")).to_have_text("rural-feather-20")


def test_clicking_an_artifact_node_shows_the_version_and_recentres_on_it(
    page: Page, zoo: dict[str, str], api: GraphQLClient
) -> None:
    digest = api.query("query($ref: String!) { artifact(ref: $ref) { digest } }", ref=DATASET)["artifact"]["digest"]
    open_lineage(page, MODEL)
    click_on_canvas(page, node_id(page, "split_zoo_dataset:v4"))
    page.wait_for_selector(".details[data-kind='artifact'] h2:text('split_zoo_dataset:v4')")
    shown = details(page)
    assert {key: shown[key] for key in ("Full name", "Type", "Aliases", "Digest", "Size", "Metadata")} == {
        "Full name": DATASET,
        "Type": "dataset",
        "Aliases": "latest",
        "Digest": digest,
        "Size": "15 B (15 bytes) in 1 file",
        "Metadata": "none",
    }
    assert shown["Created by"] == "split-run-4"

    page.get_by_role("button", name="Centre lineage on this version").click()
    expect(page).to_have_url(re.compile(rf"/lineage\?ref={DATASET}&depth=2&direction=BOTH$"))
    page.wait_for_selector("#graph[data-layouts='1']")
    expect(page.locator(".outline-list li.root .title")).to_have_text("split_zoo_dataset:v4")
    expect(page.locator("#version")).to_have_value(DATASET)


def test_metadata_is_shown_as_text_never_as_html(page: Page, zoo: dict[str, str]) -> None:
    open_lineage(page, MODEL)
    page.wait_for_selector(".details[data-kind='artifact'] .metadata")
    assert page.locator(".details .metadata").inner_text() == (
        '{\n  "accuracy": 0.93,\n  "note": "<img src=x onerror=\\"window.injected=1\\">"\n}'
    )
    assert page.locator(".details img").count() == 0
    assert page.evaluate("window.injected") is None


@at_every_size
def test_a_cluster_expands_page_by_page(page: Page, zoo: dict[str, str]) -> None:
    open_lineage(page, DATASET)
    assert sorted(outline(page)) == [
        "300 runs of group sweep-s42, job type train",
        "rural-feather-20",
        "split-run-4",
        "split-run-5",
        "split_zoo_dataset:v4",
        "zoo-ylbchv20:v0",
    ]
    cluster = node_id(page, "300 runs of group sweep-s42, job type train")
    click_on_canvas(page, cluster)
    page.wait_for_selector("#graph[data-layouts='2']")
    sweeps = [title for title in outline(page) if title.startswith("sweep-")]
    assert sweeps == [f"sweep-{number}" for number in range(299, 249, -1)]
    expect(page.locator(f".outline-list li[data-node-id='{cluster}'] .title")).to_have_text(
        "250 more runs of group sweep-s42, job type train"
    )
    assert details(page)["Members"] == "50 of 300 shown"
    assert page.locator("#graph").get_attribute("data-nodes") == "56"

    page.get_by_role("button", name="Show 50 more").click()
    page.wait_for_selector("#graph[data-layouts='3']")
    assert len([title for title in outline(page) if title.startswith("sweep-")]) == 100
    assert details(page)["Members"] == "100 of 300 shown"
    expect(page.locator(f".outline-list li[data-node-id='{cluster}'] .title")).to_have_text(
        "200 more runs of group sweep-s42, job type train"
    )


def test_a_deep_link_reproduces_the_view(page: Page, zoo: dict[str, str]) -> None:
    open_lineage(page, MODEL, depth=1, direction="UPSTREAM")
    expect(page.locator("#direction")).to_have_value("UPSTREAM")
    expect(page.locator("#depth")).to_have_value("1")
    assert outline(page) == ["zoo-ylbchv20:v0", "rural-feather-20"]

    open_lineage(page, f"{REGISTRY}:production", depth=3, direction="UPSTREAM")
    expect(page.locator("#version")).to_have_value(f"{REGISTRY}:v0")
    assert outline(page) == [
        "zoo-ylbchv20:v0",
        "rural-feather-20",
        "split_zoo_dataset:v4",
        "split-run-4",
        "split-run-5",
    ]

    open_lineage(page, "zoo-team/zoo/nl21", depth=2, direction="UPSTREAM")
    assert outline(page) == ["northern-lake-21", "zoo-ylbchv20:v0", "rural-feather-20"]


def test_changing_depth_and_direction_updates_the_url(page: Page, zoo: dict[str, str]) -> None:
    open_lineage(page, MODEL)
    page.locator("#direction").select_option("UPSTREAM")
    expect(page).to_have_url(re.compile(rf"/lineage\?ref={MODEL}&depth=2&direction=UPSTREAM$"))
    page.wait_for_selector("#graph[data-layouts='1']")
    assert outline(page) == ["zoo-ylbchv20:v0", "rural-feather-20", "split_zoo_dataset:v4"]

    page.locator("#depth").select_option("4")
    expect(page).to_have_url(re.compile(rf"/lineage\?ref={MODEL}&depth=4&direction=UPSTREAM$"))
    page.wait_for_selector("#graph[data-layouts='1']")
    assert sorted(outline(page)) == [
        "rural-feather-20",
        "split-run-4",
        "split-run-5",
        "split_zoo_dataset:v4",
        "zoo-ylbchv20:v0",
    ]

    page.go_back()
    expect(page.locator("#depth")).to_have_value("2")
    page.wait_for_selector("#graph[data-layouts='1']")
    assert outline(page) == ["zoo-ylbchv20:v0", "rural-feather-20", "split_zoo_dataset:v4"]


def test_nodes_are_reachable_and_selectable_by_keyboard(page: Page, zoo: dict[str, str]) -> None:
    open_lineage(page, MODEL, depth=2, direction="UPSTREAM")
    page.locator("#cluster").focus()
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_attribute("role", "option")
    expect(focused.locator(".title")).to_have_text("zoo-ylbchv20:v0")
    page.keyboard.press("ArrowDown")
    expect(page.locator(":focus .title")).to_have_text("rural-feather-20")
    page.keyboard.press("Enter")
    page.wait_for_selector(".details[data-kind='run']")
    expect(page.locator(".details h2")).to_have_text("rural-feather-20")
    expect(page.locator(".outline-list li[aria-selected='true'] .title")).to_have_text("rural-feather-20")
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.wait_for_selector(".details[data-kind='artifact']")
    expect(page.locator(".details h2")).to_have_text("split_zoo_dataset:v4")


@at_every_size
def test_an_edge_shows_its_kind_on_hover(page: Page, zoo: dict[str, str]) -> None:
    open_lineage(page, MODEL, depth=2, direction="UPSTREAM")
    edge = f"{node_id(page, 'split_zoo_dataset:v4')}->{RF20}"
    at = page.evaluate("id => window.stemmaLineage.position(id)", edge)
    page.mouse.move(at["x"], at["y"])
    expect(page.locator("#edge-tip")).to_have_text("split_zoo_dataset:v4 → USED_BY → rural-feather-20")
    expect(page.locator("#edge-tip")).to_be_visible()


def test_nodes_the_key_may_not_read_are_drawn_hidden(signed_out: Page, zoo: dict[str, str], server: str) -> None:
    signed_out.context.add_cookies([{"name": COOKIE, "value": zoo["viewer_key"], "url": server}])
    open_lineage(signed_out, "zoo-team/zoo/split_zoo_dataset:v1")
    assert outline(signed_out) == ["split_zoo_dataset:v1", "prep-1", "hidden run"]
    signed_out.locator(".outline-list li[data-kind='hidden']").click()
    expect(signed_out.locator(".details[data-kind='hidden']")).to_contain_text("Your API key may not read this node.")

    signed_out.goto("/")
    expect(signed_out.locator("[data-entity] > h2")).to_have_text(["zoo-team"])


def test_an_unknown_ref_shows_the_servers_message(page: Page, zoo: dict[str, str], api: GraphQLClient) -> None:
    ref = "zoo-team/zoo/no_such_thing:v0"
    refusal = api.error("query($ref: String!) { lineage(ref: $ref) { truncated } }", ref=ref)
    assert refusal["extensions"]["code"] == "NOT_FOUND"
    page.goto(f"/lineage?ref={ref}&depth=2&direction=BOTH")
    expect(page.get_by_role("alert")).to_have_text(refusal["message"])
    assert ref in refusal["message"]


def test_signing_in_on_the_login_page_leads_back_to_the_lineage(
    signed_out: Page, zoo: dict[str, str], problems: list[str]
) -> None:
    signed_out.goto(f"/lineage?ref={MODEL}&depth=1&direction=UPSTREAM")
    signed_out.get_by_label("API key").fill(ADMIN_KEY)
    signed_out.get_by_role("button", name="Sign in").click()
    expect(signed_out).to_have_url(re.compile(rf"/lineage\?ref={MODEL}&depth=1&direction=UPSTREAM$"))
    signed_out.wait_for_selector("#graph[data-layouts='1']")
    assert outline(signed_out) == ["zoo-ylbchv20:v0", "rural-feather-20"]
    # The server answers the signed-out page request with its login form and status 401.
    unauthorized = "console error: Failed to load resource: the server responded with a status of 401 (Unauthorized)"
    problems[:] = [problem for problem in problems if problem != unauthorized]


def test_a_stored_api_key_is_sent_and_a_refused_one_is_explained(
    page: Page, zoo: dict[str, str], problems: list[str]
) -> None:
    page.context.add_init_script("window.localStorage.setItem('stemma.apiKey', 'sk-not-a-key')")
    with page.expect_request("**/graphql") as sent:
        page.goto("/")
    assert sent.value.headers["authorization"] == "Bearer sk-not-a-key"
    expect(page.get_by_role("alert")).to_have_text(
        "This Stemma server needs an API key. Sign in, or store a key in this browser with "
        'localStorage.setItem("stemma.apiKey", "<your key>") and reload. (the API key is unknown or revoked)'
    )
    problems.remove("console error: Failed to load resource: the server responded with a status of 401 (Unauthorized)")


def test_screenshot_of_the_lineage_view(page: Page, zoo: dict[str, str]) -> None:
    open_lineage(page, DATASET, depth=2, direction="BOTH")
    click_on_canvas(page, RF20)
    page.wait_for_selector(".details[data-kind='run']")
    page.mouse.move(5, 5)
    TEST_OUTPUT.mkdir(exist_ok=True)
    path = TEST_OUTPUT / "lineage.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 20_000


@at_every_size
def test_sign_out_forgets_the_key_and_returns_to_the_login_page(page: Page, server: str) -> None:
    page.goto("/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{server}/login")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert [cookie["name"] for cookie in page.context.cookies()] == []


def in_window(page: Page, selector: str) -> dict[str, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return box


def document_size(page: Page) -> dict[str, int]:
    size: dict[str, int] = page.evaluate(
        "({width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight})"
    )
    return size


@at_every_size
def test_the_graph_keeps_its_place_as_clusters_expand_and_grows_in_place(
    page: Page, zoo: dict[str, str], viewport: tuple[int, int]
) -> None:
    width, height = viewport
    wide = width > VIEWPORTS["phone"][0]
    open_lineage(page, MODEL, depth=2, direction="UPSTREAM")
    before = in_window(page, ".graph-frame")
    assert before["y"] < height / 2 if not wide else before["y"] + before["height"] <= height
    assert document_size(page)["width"] <= width
    version = in_window(page, "#version")
    assert version["x"] + version["width"] <= width
    expect(page.locator(".legend li")).to_contain_text(["USED_BY: version → run", "LOGGED: run → version"])

    # Grow the view in place: the dataset's consumers join the model's upstream, which stays.
    page.locator(".outline-list li", has_text="split_zoo_dataset:v4").click()
    page.get_by_role("button", name="Add its outputs here").click()
    page.wait_for_selector("#graph[data-layouts='2']")
    grown = f"/lineage?ref={MODEL}&depth=2&direction=UPSTREAM&down={DATASET}"
    expect(page).to_have_url(re.compile(re.escape(grown) + "$"))
    shown = sorted(outline(page))
    assert shown == [
        "300 runs of group sweep-s42, job type train",
        "rural-feather-20",
        "split_zoo_dataset:v4",
        "zoo-ylbchv20:v0",
    ]
    expect(page.locator(".outline-list li.root .title")).to_have_text("zoo-ylbchv20:v0")
    page.reload()
    page.wait_for_selector("#graph[data-layouts='1']")
    assert sorted(outline(page)) == shown

    # A cluster's members join in pages; the graph stays where it was and the node list scrolls on its own.
    page.locator(".outline-list li", has_text="300 runs of group sweep-s42, job type train").click()
    page.wait_for_selector("#graph[data-layouts='2']")
    page.get_by_role("button", name="Show 50 more").click()
    page.wait_for_selector("#graph[data-layouts='3']")
    assert page.locator("#graph").get_attribute("data-nodes") == "104"
    after = in_window(page, ".graph-frame")
    assert after["height"] == before["height"]
    if wide:
        assert after == before
        assert document_size(page)["height"] <= height
        scrolls = page.evaluate("(n => n.scrollHeight > n.clientHeight)(document.querySelector('nav.outline'))")
        assert scrolls is True
    page.get_by_role("button", name="Fit the whole graph").click()
    assert page.evaluate("window.stemmaLineage.viewport().allVisible") is True


@at_every_size
def test_the_view_exports_as_png_svg_mermaid_and_dot(page: Page, zoo: dict[str, str], api: GraphQLClient) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    ref = "zoo-team/zoo/split_zoo_dataset:v4"
    open_lineage(page, ref, depth=1, direction="DOWNSTREAM")
    answer = api.query(CLI_LINEAGE, ref=ref, direction="DOWNSTREAM", depth=1, threshold=5)["lineage"]

    def export(action: str) -> str:
        page.locator(".export summary").click()
        page.locator(f"[data-export='{action}']").click()
        text: str = page.evaluate("navigator.clipboard.readText()")
        page.locator(".export summary").click()
        return text

    # What `stemma lineage --format mermaid|dot` prints of the same answer, to the character.
    assert export("mermaid") == as_mermaid(answer)
    assert export("dot") == as_dot(answer)
    assert export("mermaid").splitlines() == [
        "flowchart LR",
        '  n0(["zoo-team/zoo/split_zoo_dataset:v4<br/>dataset<br/>aliases: latest"])',
        '  n1["rural-feather-20<br/>train, finished"]',
        '  c0[["300 runs of group sweep-s42, job type train"]]',
        "  n0 -.-> c0",
        '  n0 -->|"USED_BY"| n1',
        "  classDef root stroke-width:3px;",
        "  class n0 root;",
    ]

    page.locator(".export summary").click()
    with page.expect_download() as png:
        page.locator("[data-export='png']").click()
    assert png.value.suggested_filename == "lineage-zoo-team_zoo_split_zoo_dataset_v4.png"
    assert png.value.path().read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with page.expect_download() as svg:
        page.locator("[data-export='svg']").click()
    drawing = svg.value.path().read_text()
    assert drawing.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')
    assert drawing.count("<g data-id=") == 3
    assert ">300 runs of group sweep-s42, job type train</tspan>" in drawing
    assert drawing.count('<path class="edge"') == 2


@at_every_size
def test_urls_run_pages_registry_aliases_files_and_the_home_filter(
    page: Page, zoo: dict[str, str], server: str
) -> None:
    page.goto(f"/lineage?ref={MODEL}&depth=100&direction=SIDEWAYS&cluster=0")
    page.wait_for_selector("#graph[data-layouts='1']")
    expect(page.locator(".notice p")).to_have_text(
        [
            "direction=SIDEWAYS is not one of UPSTREAM, DOWNSTREAM, BOTH: showing BOTH.",
            "cluster=0 is not a whole number of at least 1: showing cluster 5.",
            "depth=100 is above this server's limit of 10: showing depth 10.",
        ]
    )
    expect(page).to_have_url(re.compile(rf"/lineage\?ref={MODEL}&depth=10&direction=BOTH$"))
    expect(page.locator("#depth")).to_have_value("10")

    # Two nodes are drawn at their own size, not blown up to fill the frame; the model shows its registry alias.
    open_lineage(page, MODEL, depth=1, direction="UPSTREAM")
    assert float(page.locator("#graph").get_attribute("data-zoom") or 0) == 1
    expect(page.locator(".notice")).to_be_hidden()
    model = page.locator(".outline-list li.root .subtitle")
    expect(model).to_have_text("model · best · latest · zoo-classifier:production")
    expect(page.locator(".details[data-kind='artifact'] .alias")).to_have_text(
        ["best", "latest", "zoo-classifier:latest", "zoo-classifier:production"]
    )

    open_lineage(page, "zoo-team/zoo/nl21", depth=1, direction="UPSTREAM")
    expect(page.locator("h1")).to_have_text("northern-lake-21")
    expect(page.locator(".run-header code")).to_have_text("zoo-team/zoo/nl21")

    page.goto("/?collection=zoo-team/zoo/zoo-ylbchv20&version=v0")
    files = page.locator(".files tbody tr")
    expect(files).to_have_count(2)
    expect(page.locator(".files tbody td:first-child")).to_have_text(["config.json", "model.pt"])
    link = page.get_by_role("link", name="model.pt")
    expect(link).to_have_attribute("download", "model.pt")
    with page.expect_download() as download:
        link.click()
    assert download.value.path().read_bytes() == b"weights"

    page.goto("/")
    expect(page.locator("[data-entity]:visible > h2")).to_have_text(["audit-team", "zoo-team"])
    page.get_by_label("Filter").fill("classifier")
    expect(page.locator("[data-entity]:visible > h2")).to_have_text(["zoo-team"])
    expect(page.locator(".entity-filter [role='status']")).to_have_text("1 of 2 entities")


@at_every_size
def test_the_login_page_shows_no_error_before_a_key_is_tried(
    signed_out: Page, zoo: dict[str, str], problems: list[str]
) -> None:
    signed_out.goto("/")
    expect(signed_out.get_by_role("button", name="Sign in")).to_be_visible()
    expect(signed_out.get_by_role("alert")).to_have_count(0)
    signed_out.get_by_label("API key").fill("stm_not_a_key")
    signed_out.get_by_role("button", name="Sign in").click()
    expect(signed_out.get_by_role("alert")).to_have_text("That key is unknown or revoked.")
    unauthorized = "console error: Failed to load resource: the server responded with a status of 401 (Unauthorized)"
    problems[:] = [problem for problem in problems if problem != unauthorized]
