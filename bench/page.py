"""The lineage page at 2,000 nodes in Chromium: how long dagre's layout takes, when the graph is first painted, and
how smoothly it pans and zooms. Numbers only, printed and written to bench/RESULTS-page.md; nothing is asserted.

    .venv/bin/python -m bench.page [--samples 5] [--consumers 400] [--neo4j-uri bolt://…]

Starts (or reuses) its own Neo4j on Bolt port 7698 (data under bench/.data/), bulk-loads one hub — a dataset used by
`consumers` training runs that log four models each, 2,001 nodes two hops downstream — starts `stemma serve`, and
opens the hub's downstream lineage at depth 2 in headless Chromium `samples` times. The page asks for at most 2,000.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import platform
import shutil
import statistics
import sys
from pathlib import Path

from neo4j import GraphDatabase
from playwright.sync_api import Page, sync_playwright

from bench.database import CLEAN, DATA, migrate_schema, small_neo4j
from bench.graphs import hub
from bench.loader import load
from bench.processes import api_key, stemma_server
from server.auth import COOKIE

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "bench" / "RESULTS-page.md"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
VIEWPORT = {"width": 1440, "height": 900}
VIEW = "depth=2&direction=DOWNSTREAM&cluster=1000"
FRAME_RECORDER = """() => {
  window.frameTimes = [];
  window.recording = true;
  const tick = (now) => {
    window.frameTimes.push(now);
    if (window.recording) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


def frame_intervals(page: Page) -> list[float]:
    """Wheel zooms and a drag across the graph, as a user would; the intervals between painted frames, in ms."""
    box = page.locator("#graph").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.evaluate(FRAME_RECORDER)
    for step in range(12):
        page.mouse.wheel(0, -120 if step < 6 else 120)
        page.wait_for_timeout(30)
    page.mouse.down()
    for step in range(30):
        page.mouse.move(x - step * 12, y - step * 6)
    page.mouse.up()
    times: list[float] = page.evaluate("window.recording = false; window.frameTimes")
    return [later - earlier for earlier, later in itertools.pairwise(times)]


def sample(page: Page, ref: str) -> dict[str, float]:
    page.goto(f"/lineage?ref={ref}&{VIEW}")
    graph = page.locator("#graph[data-painted-ms]")
    graph.wait_for(timeout=300_000)
    timing: dict[str, float] = page.evaluate(
        """() => {
          const graph = document.getElementById("graph");
          return {
            nodes: Number(graph.dataset.nodes),
            answered_ms: Number(graph.dataset.answeredMs),
            layout_ms: Number(graph.dataset.layoutMs),
            first_paint_ms: Number(graph.dataset.paintedMs),
          };
        }"""
    )
    fit_started = page.evaluate("performance.now()")
    page.get_by_role("button", name="Fit the whole graph").click()
    timing["fit_all_visible"] = float(page.evaluate("window.stemmaLineage.viewport().allVisible"))
    timing["fit_ms"] = page.evaluate("performance.now()") - fit_started
    intervals = frame_intervals(page)
    timing["pan_zoom_frame_ms_median"] = statistics.median(intervals)
    timing["pan_zoom_frame_ms_p95"] = sorted(intervals)[int(len(intervals) * 0.95)]
    return timing


def report(samples: list[dict[str, float]], consumers: int) -> str:
    rows = [
        ("nodes drawn", "nodes", "{:.0f}"),
        ("lineage answer in hand (ms after navigation start)", "answered_ms", "{:.0f}"),
        ("dagre layout (ms)", "layout_ms", "{:.0f}"),
        ("graph first painted (ms after navigation start)", "first_paint_ms", "{:.0f}"),
        ("Fit click to all nodes in view (ms, incl. the round trip)", "fit_ms", "{:.0f}"),
        ("pan/zoom frame interval, median (ms)", "pan_zoom_frame_ms_median", "{:.1f}"),
        ("pan/zoom frame interval, p95 (ms)", "pan_zoom_frame_ms_p95", "{:.1f}"),
    ]
    lines = [
        "# The lineage page at 2,000 nodes",
        "",
        f"`python -m bench.page`, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC,"
        f" {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs,"
        f" load average {os.getloadavg()[0]:.1f}; headless Chromium (software rendering,"
        f" `--disable-gpu`), {VIEWPORT['width']}x{VIEWPORT['height']}; a hub used by {consumers} runs logging four"
        f" models each, depth 2 downstream; {len(samples)} page loads.",
        "",
        "| measure | median | min | max |",
        "|---|---:|---:|---:|",
    ]
    for label, key, shape in rows:
        values = [each[key] for each in samples]
        cells = [shape.format(statistics.median(values)), shape.format(min(values)), shape.format(max(values))]
        lines.append(f"| {label} | {' | '.join(cells)} |")
    every = all(each["fit_all_visible"] == 1 for each in samples)
    lines += ["", f"After Fit every node was in view: {'yes' if every else 'no'}, in every load.", ""]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.page", description=__doc__)
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--consumers", type=int, default=400)
    parser.add_argument("--neo4j-uri", default=None, help="measure on this Neo4j instead (its data is replaced)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    options = parser.parse_args(argv)
    neo4j, local = small_neo4j(options.neo4j_uri, port=7698, name="bench-page")
    state = DATA / "servers" / "page"
    shutil.rmtree(state, ignore_errors=True)
    try:
        with GraphDatabase.driver(neo4j.uri, auth=neo4j.auth, notifications_min_severity="OFF") as driver:
            with driver.session() as session:
                for statement in CLEAN:
                    session.run(statement).consume()
            migrate_schema(neo4j)
            graph, ref = hub(options.consumers, outputs_per_run=4, later_runs=0)
            load(driver, graph)
        key = api_key(neo4j)
        with stemma_server(neo4j, state) as stemma, sync_playwright() as driver_:
            browser = driver_.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(base_url=stemma.url, viewport=VIEWPORT)
            if key:
                context.add_cookies([{"name": COOKIE, "value": key, "url": stemma.url}])
            samples = []
            for number in range(options.samples):
                page = context.new_page()
                samples.append(sample(page, ref))
                page.close()
                print(f"[bench page] load {number + 1}: {samples[-1]}", flush=True)
            browser.close()
    finally:
        if local is not None:
            local.stop()
    text = report(samples, options.consumers)
    options.output.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
