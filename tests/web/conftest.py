"""Browser tests: Playwright drives Debian's Chromium against the real server on the real Neo4j."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

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
# The three sizes the page is tried at: a desktop, a laptop and a phone.
VIEWPORTS = {"desktop": (1440, 900), "laptop": (1280, 720), "phone": (390, 844)}
DEFAULT_VIEWPORT = (1400, 900)
# Each test's reports by phase (setup, call, teardown), kept by the hook below.
REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keeps each phase's report on the test, so its page knows after the test whether to take a screenshot."""
    report: pytest.TestReport = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


@pytest.fixture(scope="package")
def playwright_driver(server: str) -> Iterator[Playwright]:
    """Lives only while this package's tests run: Playwright's sync API keeps an event loop running in
    the thread, and tests elsewhere (and the session's Neo4j set-up) call asyncio.run(), which refuses
    to start inside a running loop. Under pytest-xdist one worker runs browser tests and others in
    turn, so the driver stops whenever the worker leaves this package and starts again on return."""
    if not WEB_DIST.is_file():
        pytest.fail("the web page is not built: run `make web` (or `cd web && npm ci && npm run build`)")
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.fail("Debian's chromium is not installed: run `make browser`")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def chromium(playwright_driver: Playwright) -> Iterator[Browser]:
    browser = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def problems() -> list[str]:
    """Errors the page logged or threw; a test that provokes one removes it, and any left fail the test."""
    return []


def screenshot_if_failed(page: Page, node: pytest.Item) -> None:
    """A failed test's page, as it was when the test ended, in test-output/screenshots/ (named in the report)."""
    report = node.stash.get(REPORTS, {}).get("call")
    if report is None or not report.failed or page.is_closed():
        return
    folder = TEST_OUTPUT / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (re.sub(r"[^A-Za-z0-9_.-]+", "_", node.nodeid) + ".png")
    with contextlib.suppress(PlaywrightError):
        page.screenshot(path=str(path), full_page=True)
        report.sections.append(("screenshot", str(path)))


@contextlib.contextmanager
def browsing(
    chromium: Browser,
    base_url: str,
    problems: list[str],
    node: pytest.Item | None = None,
    viewport: tuple[int, int] = DEFAULT_VIEWPORT,
) -> Iterator[Page]:
    """A fresh page on the server at `base_url`, with no key; errors it logs or throws are kept in `problems`.
    Given the test's `node`, a failed test leaves a screenshot of the page."""
    width, height = viewport
    context = chromium.new_context(base_url=base_url, viewport={"width": width, "height": height})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console error: {message.text}")

    page.on("console", on_console)
    try:
        yield page
    finally:
        if node is not None:
            screenshot_if_failed(page, node)
        context.close()
    assert problems == []


@pytest.fixture
def viewport() -> tuple[int, int]:
    """The page's size; tests parametrize it with `at_every_size`."""
    return DEFAULT_VIEWPORT


# Runs a test once at each of VIEWPORTS' sizes (ids desktop, laptop, phone).
at_every_size = pytest.mark.parametrize("viewport", list(VIEWPORTS.values()), ids=list(VIEWPORTS))


@pytest.fixture
def signed_out(
    chromium: Browser, server: str, problems: list[str], request: pytest.FixtureRequest, viewport: tuple[int, int]
) -> Iterator[Page]:
    """A fresh page on the server with no key: the server answers its login page."""
    with browsing(chromium, server, problems, request.node, viewport) as page:
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
