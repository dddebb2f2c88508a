"""The README's picture of the lineage page: the zoo example (`stemma demo --hub-runs 300`) on a fresh Neo4j and
server, the dataset's lineage with rural-feather-20 selected, at 1280x720, written to docs/lineage.png.

    .venv/bin/python docs/screenshot.py [--neo4j-uri bolt://…]   (its data is replaced; by default bench/page.py's
                                                               own Neo4j on port 7698)
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "sdk")]

from neo4j import GraphDatabase  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from bench.database import CLEAN, DATA, migrate_schema  # noqa: E402
from bench.page import CHROMIUM, CHROMIUM_ARGS, neo4j_target  # noqa: E402
from bench.processes import api_key, stemma_server  # noqa: E402
from server.auth import COOKIE  # noqa: E402
from server.demo import build_zoo  # noqa: E402

OUTPUT = ROOT / "docs" / "lineage.png"
VIEW = "/lineage?ref=zoo-team/zoo/split_zoo_dataset:v4&depth=2&direction=BOTH"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="docs/screenshot.py", description=__doc__)
    parser.add_argument("--neo4j-uri", default=None)
    options = parser.parse_args(argv)
    neo4j, local = neo4j_target(options.neo4j_uri)
    state = DATA / "servers" / "screenshot"
    shutil.rmtree(state, ignore_errors=True)
    try:
        with (
            GraphDatabase.driver(neo4j.uri, auth=neo4j.auth, notifications_min_severity="OFF") as driver,
            driver.session() as session,
        ):
            session.run(CLEAN).consume()
        migrate_schema(neo4j)
        key = api_key(neo4j) or ""
        with stemma_server(neo4j, state) as stemma, sync_playwright() as playwright:
            build_zoo(stemma.url, key, hub_runs=300)
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(base_url=stemma.url, viewport={"width": 1280, "height": 720})
            context.add_cookies([{"name": COOKIE, "value": key, "url": stemma.url}])
            page = context.new_page()
            page.goto(VIEW)
            page.locator(".outline-list li", has_text="rural-feather-20").click()
            page.wait_for_selector(".details[data-kind='run']")
            page.get_by_role("button", name="Fit the whole graph").click()
            page.mouse.move(5, 5)
            page.screenshot(path=str(OUTPUT))
            browser.close()
    finally:
        if local is not None:
            local.stop()
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
