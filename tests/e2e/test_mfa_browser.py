"""Two-factor authentication in Chromium: set up from the secret the page shows, keep the recovery
codes, log out, and log in again with the password and a code, under the site's CSP."""

from __future__ import annotations

import re
from base64 import b32decode
from pathlib import Path

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.e2e.test_csp_browser import Watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESULTS = Path(__file__).resolve().parents[2] / "var" / "test-results"


def app_code(secret_text: str, *, ahead: int = 0) -> str:
    """What an authenticator app shows for the key typed in by hand (``ahead``: a later window)."""
    key = b32decode(secret_text.replace(" ", ""))
    return f"{totp(key, drift=ahead):06d}"


def test_a_freelancer_turns_on_two_factor_and_logs_in_with_a_code(page: Page, live_server, alice):
    RESULTS.mkdir(parents=True, exist_ok=True)
    watch = Watch(page.context)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Good to see you, Alice")

    page.get_by_role("banner").get_by_text("Alice").click()  # the user menu
    page.get_by_role("link", name="Two-factor authentication").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = page.locator("code.secret").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", secret), secret
    page.screenshot(path=RESULTS / "two-factor-setup.png", full_page=True)
    watch.assert_clean(page, "setup page with its inline SVG")

    page.get_by_label("6-digit code from your app").fill(app_code(secret))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem").all_inner_texts()
    assert len(codes) == 10
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as .txt").click()
    assert download.value.suggested_filename == "mijlpaal-recovery-codes-alice.txt"
    saved = Path(download.value.path()).read_text()
    assert all(code in saved for code in codes)
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_text("You have 10 unused recovery codes.")).to_be_visible()

    page.get_by_role("banner").get_by_text("Alice").click()
    page.get_by_role("button", name="Log out").click()
    page.goto(f"{live_server.url}/projects/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor code")
    page.get_by_label("Code").fill("000000" if app_code(secret, ahead=1) != "000000" else "111111")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert").or_(page.locator(".errorlist"))).to_contain_text("That code is not right")
    expect(page.get_by_text("alice", exact=True)).to_be_visible()  # who is logging in stays on the page
    page.wait_for_timeout(1100)  # django-otp's throttle after one wrong code
    # The code from the app's next window: the one used to set up is never taken twice.
    page.get_by_label("Code").fill(app_code(secret, ahead=1))
    page.screenshot(path=RESULTS / "two-factor-code-step.png", full_page=True)
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{live_server.url}/projects/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    watch.assert_clean(page, "code step and the page after it")
