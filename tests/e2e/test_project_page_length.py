"""The project page's overview fits about two laptop screens (1280×800) for a realistic project,
and the print view holds every section in one document."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from contracts import invoices, payments
from projects.models import ChangeRequest, PhaseEvent, ScopeItem
from tests.conftest import PASSWORD
from tests.factories import ContactFactory, PhaseFactory, RiskFactory, billable_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1280, "height": 800}
TWO_SCREENS = 1700  # px: two 800 px screens and a little


@pytest.fixture
def project(alice):
    """Three phases with scope, phase 1 delivered with a paid invoice, wishes, risks, history."""
    project, first = billable_project(alice, price=Decimal("1800.00"), name="Bakkerij Jansen")
    project.name = "Webshop"
    project.first_deadline = timezone.localdate() + timedelta(weeks=3)
    project.goal = "More orders from returning customers, and a shop the baker can update himself."
    project.save()
    ContactFactory(client=project.client, name="Jan Jansen", email="jan@bakkerij.example", is_decision_maker=True)
    for position, title in ((2, "Build"), (3, "Launch")):
        PhaseFactory(project=project, position=position, title=title, fixed_price=Decimal("2400.00"))
    for phase in project.phases.all():
        for n in range(4):
            ScopeItem.objects.get_or_create(phase=phase, position=n + 1, defaults={"title": f"Item {n + 1}"})
    project.mark_contracted(alice)
    first.refresh_from_db()
    first.start(alice)
    first.deliver(alice, note="On staging.")
    invoice = invoices.issue(invoices.draft_for_phase(first), actor=alice, send=False)
    payments.record_payment(invoice, amount=invoice.total, paid_on=timezone.localdate(), actor=alice)
    for title in ("Newsletter signup", "A bigger logo", "Opening hours on the home page"):
        ChangeRequest.objects.create(project=project, title=title)
    for description in ("The photographer is late", "The payment provider changes its API", "The baker is ill"):
        RiskFactory(project=project, description=description)
    for n in range(10 - project.events.count()):
        project.log(PhaseEvent.Kind.DEADLINE_SET, alice, phase=first, old=None, new=f"2027-03-{n + 1:02d}")
    assert project.events.count() >= 10
    return project


def log_in(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_the_overview_fits_two_laptop_screens(page: Page, live_server, alice, project):
    page.set_viewport_size(LAPTOP)
    log_in(page, f"{live_server.url}/projects/{project.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Webshop")
    tabs = page.get_by_role("navigation", name="Project pages")
    expect(tabs.get_by_role("link", name="Overview")).to_have_attribute("aria-current", "page")
    expect(
        page.get_by_text(re.compile(r"Invoiced €2,178\.00 incl\. VAT \(€1,800\.00 excl\.\) · paid €2,178\.00"))
    ).to_be_visible()
    expect(page.get_by_role("article", name=re.compile("Phase 1"))).to_be_visible()
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"overview scrollHeight at 1280x800: {height} px")
    assert height <= TWO_SCREENS

    tabs.get_by_role("link", name="Phases").click()
    expect(page.get_by_role("article")).to_have_count(3)
    print(f"phases scrollHeight: {page.evaluate('document.documentElement.scrollHeight')} px")


def test_the_print_view_prints_without_navigation_or_forms(page: Page, live_server, alice, project):
    page.set_viewport_size(LAPTOP)
    log_in(page, f"{live_server.url}/projects/{project.pk}/print/")
    expect(page.get_by_role("heading", name="Risk register")).to_be_visible()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    print(f"print view scrollHeight on screen: {page.evaluate('document.documentElement.scrollHeight')} px")
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Project pages")).to_have_count(0)
    expect(page.get_by_role("button")).to_have_count(0)
    for form in page.locator("form").all():
        expect(form).to_be_hidden()
    expect(page.get_by_role("cell", name="The photographer is late")).to_be_visible()
