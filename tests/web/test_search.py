"""The search box in the top bar, in Chromium on the zoo example: type, pick a hit by keyboard or pointer, land on
its page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from neo4j import Driver
from playwright.sync_api import Page, expect

from server.demo import build_zoo
from tests.conftest import clean
from tests.web.conftest import at_every_size

pytestmark = [pytest.mark.browser, pytest.mark.shared_graph]


@pytest.fixture(scope="module")
def zoo(driver: Driver, server: str) -> Iterator[dict[str, str]]:
    clean(driver)
    yield build_zoo(server)


def search(page: Page, text: str) -> None:
    box = page.get_by_role("combobox", name="Search")
    box.fill("")
    box.press_sequentially(text, delay=20)
    expect(page.get_by_role("listbox", name="Search results")).to_be_visible()


def options(page: Page) -> list[str]:
    return page.locator(".search-option .search-title").all_text_contents()


@at_every_size
def test_typing_a_run_name_then_arrows_and_enter_open_its_lineage(
    page: Page, zoo: dict[str, str], viewport: tuple[int, int]
) -> None:
    page.goto("/")
    expect(page.locator("[data-entity='zoo-team']")).to_be_visible()
    search(page, "feather")
    listbox = page.get_by_role("listbox", name="Search results")
    expect(listbox.get_by_role("group", name="Runs").get_by_role("option")).to_have_count(1)
    expect(page.locator(".search-option .search-title")).to_have_text(["rural-feather-20"])
    width = viewport[0]
    for element in (page.get_by_role("combobox", name="Search"), listbox):
        box = element.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (element, box)
    box_input = page.get_by_role("combobox", name="Search")
    box_input.press("ArrowDown")
    expect(box_input).to_have_attribute("aria-activedescendant", "search-option-0")
    expect(page.get_by_role("listbox", name="Search results").get_by_role("option", selected=True)).to_contain_text(
        "rural-feather-20"
    )
    box_input.press("Enter")
    expect(page).to_have_url(re.compile(r"/lineage\?ref=zoo-team/zoo/rf20&depth=2&direction=BOTH$"))
    page.wait_for_selector("#graph[data-layouts='1']")
    expect(listbox).to_be_hidden()


@at_every_size
def test_hits_are_grouped_by_kind_and_each_kind_opens_its_page(page: Page, zoo: dict[str, str]) -> None:
    page.goto("/")
    search(page, "zoo")
    groups = page.get_by_role("listbox", name="Search results").get_by_role("group")
    expect(groups).to_have_count(1)
    expect(page.locator(".search-kind")).to_have_text(["Collections"])
    assert options(page) == ["zoo-classifier", "zoo-ylbchv20", "split_zoo_dataset"]
    page.get_by_role("option", name=re.compile("^split_zoo_dataset")).click()
    expect(page).to_have_url(re.compile(r"/\?collection=zoo-team/zoo/split_zoo_dataset$"))
    expect(page.locator("#version option").first).to_have_text("v4 — latest")

    search(page, "prod")  # a registry alias: the registry's version, and the collections named so
    expect(page.locator(".search-kind")).to_have_text(["Versions"])
    expect(page.locator(".search-option .search-detail")).to_have_text(["alias production"])
    page.get_by_role("combobox", name="Search").press("Enter")  # Enter without arrows takes the first hit
    expect(page).to_have_url(
        re.compile(r"/lineage\?ref=zoo-team/registry-model/zoo-classifier:v0&depth=2&direction=BOTH$")
    )

    search(page, "model")
    expect(page.locator(".search-kind")).to_have_text(["Registries"])
    box = page.get_by_role("combobox", name="Search")
    box.press("ArrowUp")  # wraps round to the last hit
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("region", name="Registry model")).to_be_focused()


def test_search_syntax_and_nonsense_find_nothing_without_an_error(page: Page, zoo: dict[str, str]) -> None:
    page.goto("/")
    search(page, 'a:b OR ( "*')
    expect(page.locator(".search-note")).to_have_text("No matches.")
    assert options(page) == []
    page.get_by_role("combobox", name="Search").press("Escape")
    expect(page.get_by_role("listbox", name="Search results")).to_be_hidden()
