"""The profitability panel on the project page: money in, hours spent, and the floor rate.

Everything goes through the test client.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import NoReverseMatch, reverse

from contracts import invoices, payments, time_entries
from contracts.models import BusinessProfile
from projects.models import ChangeRequest, Project
from tests.factories import billable_project
from tests.projects.test_project_page import section, table

pytestmark = pytest.mark.django_db

AMS = ZoneInfo("Europe/Amsterdam")
TODAY = date(2026, 11, 26)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 11, 26, 10, 0, tzinfo=AMS), tick=False) as traveller:
        yield traveller


def panel(client, project: Project, lang: str = "en") -> str:
    url = reverse("projects:project_money", args=[project.pk])
    return section(client.get(url, HTTP_ACCEPT_LANGUAGE=lang).content.decode(), "profitability")


def facts(html: str) -> dict[str, str]:
    """The panel's <dt>/<dd> pairs as text."""
    return {
        dt: " ".join(re.sub(r"<[^>]+>", " ", dd).split())
        for dt, dd in re.findall(r"<dt>([^<]+)</dt><dd>(.*?)</dd>", html, re.S)
    }


def set_floor(owner, amount: str | None) -> None:
    BusinessProfile.objects.filter(owner=owner).update(floor_rate=Decimal(amount) if amount else None)


def worked(project: Project, owner, phase) -> None:
    """An invoiced fixed price of 2,500 for 24 hours on the phase and 16 absorbed hours: 40 hours."""
    invoices.issue(invoices.draft_for_phase(phase), actor=owner, send=False)
    for _ in range(3):
        time_entries.record_time(project, actor=owner, day=TODAY, hours=Decimal("8"), phase=phase)
    wish = ChangeRequest.objects.create(project=project, title="Oops", classification="own_misjudgement")
    time_entries.record_time(
        project, actor=owner, day=TODAY, hours=Decimal("16"), change_request=wish, role="project_manager"
    )


def test_the_panel_shows_invoiced_paid_and_outstanding(alice_client, alice):
    project, phase = billable_project(alice)
    invoice = invoices.issue(invoices.draft_for_phase(phase), actor=alice, send=False)
    payments.record_payment(invoice, amount=Decimal("1000.00"), paid_on=TODAY, actor=alice)
    shown = facts(panel(alice_client, project))
    assert shown["Invoiced (excl. VAT)"] == "€2,500.00"
    assert shown["Paid (incl. VAT)"] == "€1,000.00"  # like with like: next to outstanding, both incl. VAT
    assert list(shown)[:2] == ["Paid (incl. VAT)", "Outstanding (incl. VAT)"]
    assert shown["Outstanding (incl. VAT)"] == "€2,025.00"  # 3,025.00 incl. VAT minus 1,000.00


def test_a_draft_invoice_is_not_counted_as_invoiced(alice_client, alice):
    project, phase = billable_project(alice)
    invoices.draft_for_phase(phase)
    assert facts(panel(alice_client, project))["Invoiced (excl. VAT)"] == "€0.00"


def test_below_the_floor_the_panel_warns_in_plain_words(alice_client, alice):
    project, phase = billable_project(alice)
    set_floor(alice, "75.00")
    worked(project, alice, phase)
    html = panel(alice_client, project)
    assert (
        "A project you don't earn on is a pastime: the effective rate €62.50 is below your floor of €75.00."
        in " ".join(html.split())
    )
    shown = facts(html)
    assert shown["Effective hourly rate"].startswith("€62.50")
    assert shown["Your floor rate"] == "€75.00"
    assert shown["Margin over the floor rate"].startswith("-€500.00")  # 2,500 - 40 × 75
    rows = table(html, "Hours by role")
    assert rows[0] == ["Role", "Billable", "Absorbed (own misjudgement)", "Other (not billed)", "Total"]
    assert rows[1:] == [
        ["Contract manager", "0 h", "0 h", "0 h", "0 h"],
        ["Project manager", "0 h", "16 h", "0 h", "16 h"],
        ["Developer", "0 h", "0 h", "24 h", "24 h"],
        ["All roles", "0 h", "16 h", "24 h", "40 h"],
    ]


def test_above_the_floor_there_is_no_warning(alice_client, alice):
    project, phase = billable_project(alice)
    set_floor(alice, "50.00")
    worked(project, alice, phase)
    html = panel(alice_client, project)
    assert "pastime" not in html
    assert 'role="alert"' not in html
    assert facts(html)["Margin over the floor rate"].startswith("€500.00")  # 2,500 - 40 × 50


def test_without_a_floor_rate_the_panel_links_to_the_business_settings(alice_client, alice):
    project, phase = billable_project(alice)
    set_floor(alice, None)
    worked(project, alice, phase)
    html = panel(alice_client, project)
    try:
        settings_url = reverse("contracts:business_settings")
    except NoReverseMatch:
        settings_url = "/settings/business/"
    assert f'<a href="{settings_url}">Set your floor rate in the business settings</a>' in html
    assert "Your floor rate" not in html
    assert "pastime: the effective rate" not in html


def test_without_hours_there_is_no_effective_rate(alice_client, alice):
    project, _phase = billable_project(alice)
    html = panel(alice_client, project)
    assert "No hours logged yet, so there is no effective rate." in html
    assert facts(html)["Effective hourly rate"].startswith("—")
    assert "Hours by role" not in html


def test_the_panel_writes_money_the_dutch_way_in_dutch(alice_client, alice):
    project, phase = billable_project(alice)
    set_floor(alice, "75.00")
    worked(project, alice, phase)
    html = panel(alice_client, project, lang="nl")
    assert "€\xa062,50" in html
    assert "€\xa02.500,00" in html


def test_the_panel_counts_only_this_projects_hours(alice_client, alice, bob):
    project, phase = billable_project(alice)
    other, other_phase = billable_project(alice)
    bobs, bobs_phase = billable_project(bob)
    time_entries.record_time(project, actor=alice, day=TODAY, hours=Decimal("2"), phase=phase)
    time_entries.record_time(other, actor=alice, day=TODAY, hours=Decimal("5"), phase=other_phase)
    time_entries.record_time(bobs, actor=bob, day=TODAY, hours=Decimal("7"), phase=bobs_phase)
    assert table(panel(alice_client, project), "Hours by role")[-1] == ["All roles", "0 h", "0 h", "2 h", "2 h"]
