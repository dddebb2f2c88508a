"""Browser tests: Playwright drives Debian's Chromium against the real server on the real Neo4j."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

from server.auth import COOKIE
from tests.conftest import ADMIN_KEY
from tests.serving import ROOT

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium's own connections get refused on this machine.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WEB_DIST = ROOT / "web" / "dist" / "index.html"
TEST_OUTPUT = ROOT / "test-output"


@pytest.fixture(scope="session")
def playwright_driver(server: str) -> Iterator[Playwright]:
    """Started after the server: Playwright's sync API keeps an event loop running, and the session's
    Neo4j set-up calls asyncio.run()."""
    if not WEB_DIST.is_file():
        pytest.fail("the web page is not built: run `make web` (or `cd web && npm ci && npm run build`)")
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.fail("Debian's chromium is not installed: run `make browser`")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def chromium(playwright_driver: Playwright) -> Iterator[Browser]:
    browser = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def problems() -> list[str]:
    """Errors the page logged or threw; a test that provokes one removes it, and any left fail the test."""
    return []


@contextlib.contextmanager
def browsing(chromium: Browser, base_url: str, problems: list[str]) -> Iterator[Page]:
    """A fresh page on the server at `base_url`, with no key; errors it logs or throws are kept in `problems`."""
    context = chromium.new_context(base_url=base_url, viewport={"width": 1400, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console error: {message.text}")

    page.on("console", on_console)
    yield page
    context.close()
    assert problems == []


@pytest.fixture
def signed_out(chromium: Browser, server: str, problems: list[str]) -> Iterator[Page]:
    """A fresh page on the server with no key: the server answers its login page."""
    with browsing(chromium, server, problems) as page:
        yield page


@pytest.fixture
def page(signed_out: Page, server: str) -> Page:
    """A page signed in as the session's superuser, as /login leaves it: the key in the page's cookie."""
    signed_out.context.add_cookies([{"name": COOKIE, "value": ADMIN_KEY, "url": server}])
    return signed_out


def record(name: str, values: dict[str, Any]) -> Path:
    """Keeps a measurement as a test output (test-output/NAME.json) and prints it for the log."""
    TEST_OUTPUT.mkdir(exist_ok=True)
    path = TEST_OUTPUT / f"{name}.json"
    path.write_text(json.dumps(values, indent=2) + "\n")
    print(f"{name}: {json.dumps(values)}")
    return path
