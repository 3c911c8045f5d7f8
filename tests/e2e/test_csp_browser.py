"""The Content-Security-Policy in Chromium: with `script-src 'self'` and `style-src 'self'` the
pages still work, htmx included, and the browser reports no violation anywhere: the freelancer's
pages, the timeline, a sent mail with its HTML, the admin and the client's acceptance page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, BrowserContext, Page, expect

from freelance.outbox.models import OutgoingEmail
from tests.conftest import PASSWORD
from tests.factories import ContactFactory, project_with_phases

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://\S+/l/[A-Za-z0-9_\-]+/")

# Runs in every frame before the page's own scripts; the init script and the binding come in
# through the DevTools protocol, so the policy under test does not block them.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || location.href}:${event.lineNumber}`);
});
"""


class Watch:
    """Every CSP violation and every console error or uncaught exception in a browser context."""

    def __init__(self, context: BrowserContext) -> None:
        self.problems: list[str] = []
        context.expose_binding("__cspViolation", lambda source, text: self.problems.append(f"violation: {text}"))
        context.add_init_script(REPORT_VIOLATIONS)
        context.on("page", self.watch)
        for page in context.pages:
            self.watch(page)

    def watch(self, page: Page) -> None:
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def console(self, message) -> None:
        url = message.location.get("url", "")
        if message.type == "error" and not url.endswith("/favicon.ico"):  # the admin links no icon
            self.problems.append(f"console: {message.text} ({url})")

    def assert_clean(self, page: Page, where: str) -> None:
        page.wait_for_load_state("load")
        page.wait_for_timeout(200)  # violation reports are queued as tasks, after the load event
        assert self.problems == [], f"{where}: {self.problems}"


@pytest.fixture(autouse=True)
def _links_point_at_the_live_server(settings, live_server):
    settings.SITE_URL = live_server.url


@pytest.fixture(autouse=True)
def _mail_stays_queued(monkeypatch):
    """No worker here: the mail's row (with its HTML) is what these tests look at, and the send task
    must not reach a Redis that a running `manage.py up` might share."""
    monkeypatch.setattr("freelance.outbox.queue.send_on_commit", lambda pk: None)


@pytest.fixture
def project(alice):
    project = project_with_phases(alice, 3, first_deadline=date(2027, 3, 5), name="Lunch webshop")
    project.client.language = "en"
    project.client.save()
    ContactFactory(client=project.client, name="Jan Jansen", email="jan@bakkerij.example")
    project.mark_contracted(alice)
    project.phases.get(position=1).start(alice)
    return project


def test_the_pages_work_under_the_policy_and_report_no_violation(
    page: Page, browser: Browser, live_server, alice, project
):
    alice.is_staff = alice.is_superuser = True
    alice.save()
    app = TOTPDevice.objects.create(user=alice, name="authenticator app", confirmed=True)  # the operator's
    watch = Watch(page.context)

    # The login form posts to our own origin (form-action 'self').
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Code").fill(f"{totp(app.bin_key):06d}")  # the second step (test_mfa_browser.py)
    page.get_by_role("button", name="Verify").click()

    # The project page: the server-drawn SVG timeline, styled from project.css only.
    expect(page.get_by_role("img", name=re.compile("Timeline"))).to_be_visible()
    expect(page.locator(".timeline .marker-hard")).to_have_css("fill", "rgb(29, 43, 51)")  # var(--ink)
    assert page.evaluate("typeof htmx") == "object", "htmx loaded from our own static files"
    assert page.locator("head style").count() == 0, "htmx added no indicator <style>"
    watch.assert_clean(page, "project page")

    # htmx swaps the delivered phase into the page, without a reload.
    page.evaluate("window.notReloaded = true")
    card = page.get_by_role("article", name=re.compile("Phase 1"))
    card.get_by_label("Delivery note for phase 1 (optional)").fill("The design is on staging.")
    card.get_by_role("button", name="Mark phase 1 delivered").click()
    expect(page.get_by_role("status").filter(has_text="acceptance link went to Jan Jansen")).to_be_visible()
    expect(page.get_by_role("article", name=re.compile("Phase 1")).locator(".badge").first).to_have_text("Delivered")
    assert page.evaluate("window.notReloaded") is True, "swapped by htmx, not a full page load"
    watch.assert_clean(page, "htmx swap")

    # The sent mail: its HTML comes from its own URL into a sandboxed iframe, with its inline styles.
    email = OutgoingEmail.objects.get(kind="phase_acceptance_request")
    page.goto(f"{live_server.url}/mail/{email.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(email.subject)
    mail = page.frame_locator("iframe.mail-html")
    button = mail.get_by_role("link", name="Review and accept")
    expect(button).to_be_visible()
    expect(button).to_have_css("background-color", "rgb(31, 78, 95)")  # the mail's own style attribute
    watch.assert_clean(page, "sent mail")

    # The admin's change page, with its own scripts: the inlines' "Add another" works.
    page.goto(f"{live_server.url}/admin/projects/project/{project.pk}/change/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Change project")
    risks = page.locator("#risks-group .dynamic-risks")
    before = risks.count()
    page.locator("#risks-group").get_by_role("button", name=re.compile("Add another", re.IGNORECASE)).click()
    expect(risks).to_have_count(before + 1)
    watch.assert_clean(page, "admin change page")

    # The client opens the link from the mail on a phone, without an account.
    url = LINK.search(email.body_text).group(0)
    client_context = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844})
    client_watch = Watch(client_context)
    client = client_context.new_page()
    client.goto(url)
    expect(client.get_by_role("heading", level=1)).to_contain_text("Phase 1 is ready")
    expect(client.get_by_text("The design is on staging.")).to_be_visible()
    client_watch.assert_clean(client, "client's acceptance page")
    client_context.close()
