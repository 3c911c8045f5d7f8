"""Every page a client opens from an email fits a phone, whatever the freelancer or the client typed.

Found: on a 390 px wide phone the acceptance page with a long deliverable URL was 395 px
wide, and the project page 406 px after a long wish title, so the whole page slid sideways.
Here each client page (the contract, a phase's acceptance, the decision on a wish, the
project page, the invoice check, and the thank-you pages after them) is opened in Chromium
at 390×844 with hostile long content (a 300-character unbroken URL as a deliverable, a
200-character unbroken wish title, a long unbroken project name), and the page may be no
wider than the screen. The contract page's "Go to accept" link brings the accept button into
view without JavaScript.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from contracts import invoices, services
from contracts.models import ContractTemplate, Invoice
from contracts.seed import load_contract_templates
from freelance.links.models import ClientLink
from freelance.outbox.models import OutgoingEmail
from projects import bucket
from projects.acceptance import send_acceptance_requests
from projects.client_page import issue_project_page_link
from projects.models import ChangeRequest, Phase
from tests.factories import BusinessProfileFactory, ContactFactory, PhaseFactory, project_with_phases

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
LINK = re.compile(r"https?://\S+/l/[A-Za-z0-9_\-]+/")


@pytest.fixture(autouse=True)
def _mails_stay_queued(monkeypatch):
    """The client links come from the queued mails: a Celery worker left running by an earlier
    test in the session would send them, and a sent mail keeps no usable link."""
    monkeypatch.setattr("freelance.outbox.queue.send_on_commit", lambda pk: None)


LONG_URL = "https://staging.example.nl/" + "deliverable-" * 23 + "x" * 6  # 300 characters, no break
LONG_WISH = "Newsletter" + "W" * 190  # 200 characters, no break
LONG_NAME = "Lunchwebshop" + "L" * 138  # a project name of 150 characters, no break
LONG_CLIENT = "Bakkerij" + "B" * 92 + " B.V."
LONG_BUSINESS = "Studio" + "S" * 94

# The elements that stick out on the right, to say what is too wide when the page is.
TOO_WIDE = """(width) => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().left + Math.max(e.scrollWidth, e.getBoundingClientRect().width) > width + 0.5)
  .filter(e => ![...e.children].some(c => c.getBoundingClientRect().left + Math.max(c.scrollWidth, c.getBoundingClientRect().width) > width + 0.5))
  .map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).replace(/ /g, '.') : ''))
  .slice(0, 12)"""


@pytest.fixture(autouse=True)
def _links_point_at_the_live_server(settings, live_server):
    settings.SITE_URL = live_server.url


def hostile_project(owner, *, language: str = "en"):
    """Three fixed-price phases, a rate, a deposit, and every name as long as it may be."""
    owner.first_name = "Alice" + "A" * 145  # the header of every client page
    owner.save(update_fields=["first_name"])
    BusinessProfileFactory(owner=owner, business_name=LONG_BUSINESS)
    project = project_with_phases(
        owner,
        3,
        first_deadline=date(2027, 3, 5),
        name=LONG_NAME,
        hourly_rate=Decimal("80.00"),
        deposit_percent=Decimal("30"),
        client__name=LONG_CLIENT,
        client__language=language,
    )
    ContactFactory(client=project.client, name="Jan Jansen", email="jan@bakkerij.example")
    return project


def link_in_mail(kind: str) -> str:
    mail = OutgoingEmail.objects.filter(kind=kind).order_by("-pk").first()
    assert mail is not None, f"no {kind} mail"
    return LINK.search(mail.body_text).group(0)


def on_a_phone(browser: Browser) -> Page:
    return browser.new_context(locale="en-GB", viewport=PHONE).new_page()


def assert_fits(page: Page, what: str) -> None:
    page.wait_for_load_state("load")  # measured with the style sheets applied, not before
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (
        f"{what} is {width} px wide on a {PHONE['width']} px phone: {page.evaluate(TOO_WIDE, PHONE['width'])}"
    )


def axe_violations(page: Page) -> list[dict]:
    page.evaluate(AXE.read_text())  # via DevTools: the page's CSP blocks an injected inline <script>
    result = page.evaluate("async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})")
    return [{"id": v["id"], "nodes": len(v["nodes"])} for v in result["violations"]]


def test_the_contract_fits_a_phone_and_jumps_to_the_accept_button(alice, browser: Browser):
    load_contract_templates()  # the shipped clauses: the phase table, the rates, the payment term
    project = hostile_project(alice)
    PhaseFactory(project=project, position=4, title="Support" + "S" * 150, pricing=Phase.Pricing.TIME, fixed_price=None)
    contract = services.create_contract(project, actor=alice, template=ContractTemplate.default_for(alice, "en"))
    services.send_contract(contract, actor=alice)

    client = on_a_phone(browser)
    client.goto(link_in_mail("contract_request"))
    assert "/l/" not in client.url
    summary = client.get_by_role("region", name="In short")
    expect(summary).to_contain_text("5 March 2027")
    assert_fits(client, "the contract page")
    violations = axe_violations(client)
    assert violations == [], violations

    accept = client.get_by_role("button", name="Accept the agreement")
    expect(accept).not_to_be_in_viewport()  # the contract is long, even in this test
    client.get_by_role("link", name="Go to accept").click()
    expect(accept).to_be_in_viewport()
    assert client.url.endswith("#accept")
    client.get_by_role("link", name="Back to the summary").click()
    expect(summary.get_by_role("heading", name="In short")).to_be_in_viewport()

    client.get_by_label("Your full name").fill("Jan " + "J" * 150)
    client.get_by_label("I have read this agreement and accept it.").check()
    accept.click()
    expect(client.get_by_role("heading", level=1)).to_have_text("Thank you: the agreement is accepted")
    assert_fits(client, "the contract's thank-you page")


def test_the_jump_link_works_without_javascript(alice, browser: Browser):
    load_contract_templates()
    project = hostile_project(alice)
    contract = services.create_contract(project, actor=alice, template=ContractTemplate.default_for(alice, "en"))
    services.send_contract(contract, actor=alice)
    client = browser.new_context(locale="en-GB", viewport=PHONE, java_script_enabled=False).new_page()
    client.goto(link_in_mail("contract_request"))
    client.get_by_role("link", name="Go to accept").click()
    expect(client.get_by_role("button", name="Accept the agreement")).to_be_in_viewport()


def test_the_acceptance_page_with_a_long_deliverable_url_fits_a_phone(alice, browser: Browser):
    project = hostile_project(alice)
    project.mark_contracted(alice)
    phase = project.phases.get(position=1)
    Phase.objects.filter(pk=phase.pk).update(title="Design" + "D" * 190)
    phase.refresh_from_db()
    phase.start(alice)
    phase.deliver(alice)
    send_acceptance_requests(
        phase,
        actor=alice,
        contacts=list(project.client.contacts.all()),
        note="Everything is on staging: " + LONG_URL,
        deliverables=[LONG_URL, "https://staging.example.nl/design"],
    )

    client = on_a_phone(browser)
    client.goto(link_in_mail("phase_acceptance_request"))
    expect(client.get_by_role("link", name=LONG_URL)).to_be_visible()
    assert_fits(client, "the acceptance page")

    client.get_by_label("Your full name").fill("Jan Jansen")
    client.get_by_label("I accept this phase as delivered.").check()
    client.get_by_role("button", name="Accept phase 1").click()
    expect(client.get_by_role("heading", level=1)).to_have_text("Thank you: phase 1 is accepted")
    assert_fits(client, "the acceptance's thank-you page")


def test_the_decision_on_a_long_wish_fits_a_phone(alice, browser: Browser):
    project = hostile_project(alice)
    wish = bucket.add_wish(project, title=LONG_WISH, description="On the home page: " + LONG_URL, actor=alice)
    bucket.assess(wish, estimate_hours=Decimal("8"), actor=alice)
    bucket.classify(
        wish,
        classification=ChangeRequest.Classification.EXTRA_COST,
        actor=alice,
        target_phase=project.phases.get(position=2),
    )

    client = on_a_phone(browser)
    client.goto(link_in_mail("change_request_beep"))
    expect(client.get_by_role("heading", level=1)).to_contain_text(LONG_WISH)
    assert_fits(client, "the decision page")

    client.get_by_label(re.compile("^Pay")).check()
    client.get_by_role("button", name="Send my decision").click()
    expect(client.get_by_role("heading", level=1)).to_have_text("Thank you: your decision is recorded")
    assert_fits(client, "the decision's thank-you page")


def test_the_project_page_with_a_long_wish_fits_a_phone(alice, browser: Browser):
    project = hostile_project(alice)
    PhaseFactory(project=project, position=4, title="Support" + "S" * 190)
    bucket.add_wish(project, title="Old" + "O" * 197, description=LONG_URL, actor=alice)
    issue_project_page_link(project, actor=alice)

    client = on_a_phone(browser)
    client.goto(link_in_mail("client_project_page"))
    expect(client.get_by_role("heading", level=1)).to_have_text(LONG_NAME)
    assert_fits(client, "the project page")

    client.get_by_role("textbox", name="Your wish").fill(LONG_WISH)
    client.get_by_role("button", name="Add my wish").click()
    expect(client.get_by_role("status")).to_contain_text("is in the bucket")
    expect(client.get_by_text(LONG_WISH, exact=True)).to_be_visible()
    assert_fits(client, "the project page after a long wish")


def test_the_invoice_check_fits_a_phone(alice, browser: Browser, live_server):
    project = hostile_project(alice)
    project.mark_contracted(alice)
    phase = project.phases.get(position=1)
    draft = invoices.draft_for_phase(phase)
    invoice = invoices.issue(Invoice.objects.get(pk=draft.pk), actor=alice)
    assert ClientLink.objects.count() == 0  # the check page needs no link: its address is on the invoice

    client = on_a_phone(browser)
    client.goto(live_server.url + reverse("contracts:invoice_verify", args=[invoice.public_id]))
    expect(client.get_by_role("heading", level=1)).to_have_text("Is this invoice genuine?")
    expect(client.get_by_text(LONG_BUSINESS).first).to_be_visible()
    assert_fits(client, "the invoice check page")
