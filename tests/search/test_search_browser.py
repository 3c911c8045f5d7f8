"""Search from the top bar in Chromium: live results while typing, the keyboard, and a phone's width."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import PASSWORD
from tests.factories import ClientFactory, ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
AXE = Path(__file__).resolve().parents[1] / "e2e" / "vendor" / "axe.min.js"


def log_in(page: Page, live_server) -> None:
    page.goto(live_server.url + "/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def axe_violations(page: Page) -> list[dict]:
    page.evaluate(AXE.read_text())  # via DevTools: the page's CSP blocks an injected inline <script>
    result = page.evaluate("async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})")
    return [{"id": v["id"], "nodes": len(v["nodes"])} for v in result["violations"]]


@pytest.fixture
def data(alice):
    client = ClientFactory(owner=alice, name="Fietsenmaker Zwaan")
    return ProjectFactory(owner=alice, client=client, name="Zwaan webshop")


def test_results_appear_while_typing_and_the_keyboard_reaches_them(page: Page, live_server, alice, data):
    log_in(page, live_server)
    search = page.get_by_role("searchbox", name="Search across clients, contacts, projects, wishes and invoices")
    search.press_sequentially("zwaan", delay=30)
    results = page.locator("#top-search-results")
    expect(results.get_by_role("link", name="Zwaan webshop")).to_be_visible()
    expect(results).to_contain_text("Fietsenmaker Zwaan")
    page.screenshot(path=SCREENSHOTS / "search-dropdown-desktop.png")
    search.press("Tab")  # the form's Search button
    page.keyboard.press("Tab")  # the first result
    expect(results.get_by_role("link").first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Zwaan")
    assert axe_violations(page) == []


def test_enter_opens_the_search_page(page: Page, live_server, alice, data):
    log_in(page, live_server)
    search = page.get_by_role("searchbox", name="Search across clients, contacts, projects, wishes and invoices")
    search.fill("webshop")
    search.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    expect(page.get_by_role("link", name="Zwaan webshop")).to_be_visible()
    assert axe_violations(page) == []


def test_on_a_phone_the_search_fits_the_screen(browser: Browser, live_server, alice, data):
    context = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, live_server)
    search = page.get_by_role("searchbox", name="Search across clients, contacts, projects, wishes and invoices")
    expect(search).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "search-topbar-phone.png")
    search.press_sequentially("zwaan", delay=30)
    expect(page.locator("#top-search-results").get_by_role("link", name="Zwaan webshop")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "search-dropdown-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
