"""A 500-node lineage in Chromium: laid out by dagre in the page, the layout time measured and kept as a test output."""

from __future__ import annotations

import itertools
import statistics

import pytest
from neo4j import Driver
from playwright.sync_api import Page, expect

from bench.graphs import hub
from bench.loader import load
from tests.conftest import clean
from tests.web.conftest import record

pytestmark = [pytest.mark.browser, pytest.mark.shared_graph]

# One dataset, 100 training runs using it, 3 models each, 100 evaluations: 502 nodes within 3 hops downstream.
VIEW = "depth=3&direction=DOWNSTREAM&cluster=1000"

FRAME_RECORDER = """() => {
  window.frameTimes = [];
  window.recording = true;
  const tick = (now) => {
    window.frameTimes.push(now);
    if (window.recording) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


@pytest.fixture(scope="module")
def hub_ref(driver: Driver, server: str) -> str:
    """Bulk-loaded once for this module with the documented loader; its tests only read."""
    clean(driver)
    graph, ref = hub(100, outputs_per_run=3, later_runs=100)
    load(driver, graph)
    return ref


def open_view(page: Page, ref: str) -> dict[str, float]:
    page.goto(f"/lineage?ref={ref}&{VIEW}")
    page.wait_for_selector("#graph[data-layouts='1']")
    graph = page.locator("#graph")
    return {
        "nodes": float(graph.get_attribute("data-nodes") or 0),
        "edges": float(graph.get_attribute("data-edges") or 0),
        "layout_ms": float(graph.get_attribute("data-layout-ms") or 0),
    }


def frame_intervals(page: Page) -> list[float]:
    """Pans and zooms with the wheel and a drag, as a user would; returns the intervals between painted frames."""
    box = page.locator("#graph").bounding_box()
    assert box is not None
    centre_x, centre_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(centre_x, centre_y)
    page.evaluate(FRAME_RECORDER)
    for step in range(12):
        page.mouse.wheel(0, -120 if step < 6 else 120)
        page.wait_for_timeout(30)
    page.mouse.down()
    for step in range(30):
        page.mouse.move(centre_x - step * 12, centre_y - step * 6)
    page.mouse.up()
    times: list[float] = page.evaluate("window.recording = false; window.frameTimes")
    return [later - earlier for earlier, later in itertools.pairwise(times)]


def test_a_500_node_lineage_is_laid_out_in_the_page(page: Page, hub_ref: str) -> None:
    runs = [open_view(page, hub_ref) for _ in range(3)]
    assert [(run["nodes"], run["edges"]) for run in runs] == [(500, 499)] * 3
    expect(page.locator(".status")).to_contain_text("only the nearest 500 nodes are shown")
    expect(page.locator(".outline-list li")).to_have_count(500)
    intervals = frame_intervals(page)
    assert len(intervals) > 10
    layouts = [run["layout_ms"] for run in runs]
    record(
        "layout",
        {
            "nodes": 500,
            "edges": 499,
            "layout_ms": layouts,
            "layout_ms_median": statistics.median(layouts),
            "pan_zoom_frames": len(intervals) + 1,
            "pan_zoom_frame_ms_median": round(statistics.median(intervals), 1),
            "pan_zoom_frame_ms_p95": round(sorted(intervals)[int(len(intervals) * 0.95)], 1),
        },
    )


def test_every_node_of_a_500_node_lineage_is_reachable_by_keyboard(page: Page, hub_ref: str) -> None:
    open_view(page, hub_ref)
    page.locator(".outline-list li[tabindex='0']").focus()
    page.keyboard.press("End")
    last = page.locator(":focus")
    expect(last).to_have_attribute("data-kind", "run")
    title = last.locator(".title").inner_text()
    page.keyboard.press("Enter")
    expect(page.locator(".details[data-kind='run'] h2")).to_have_text(title)
    expect(page.locator(".outline-list li[aria-selected='true']")).to_have_count(1)
