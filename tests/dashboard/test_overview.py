"""The dashboard's cards, its inline actions, and its cost at 1 and at 500 open projects."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from contracts import invoices
from contracts.models import BusinessProfile, Invoice, TimeEntry
from projects.models import AcceptanceRequest, ChangeRequest, Client, Phase, Project, Risk
from tests.factories import ContactFactory, RiskFactory, billable_project, project_with_phases
from tests.projects.test_acceptance import deliver_through_the_ui, delivered_project

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()  # the app's own today: the tests run well within one day
PAID_ON = "2026-11-26"  # after the invoice date (1 Sep 2026), not in the future


def body(client) -> str:
    response = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def card(html: str, card_id: str) -> str:
    start = html.index(f'id="{card_id}"')
    return html[start : html.index("</section>", start)]


def overdue_invoice(owner, *, price=Decimal("1000.00"), issued=date(2026, 9, 1)) -> Invoice:
    _project, phase = billable_project(owner, price=price)
    draft = invoices.draft_for_phase(phase)
    return invoices.issue(draft, actor=owner, today=issued, send=False)


# -- deadlines --------------------------------------------------------------------------------


def test_next_deadlines_are_hard_and_fixed_with_days_left_and_overdue_in_words(alice, bob, alice_client):
    soon = project_with_phases(alice, 3, first_deadline=TODAY + timedelta(days=3), name="Webshop")
    late = project_with_phases(alice, 2, first_deadline=date(2026, 1, 5), name="Late site")
    first, second = late.phases.order_by("position")[:2]
    Phase.objects.filter(pk=first.pk).update(status=Phase.Status.ACCEPTED, accepted_at=timezone.now())
    Phase.objects.filter(pk=second.pk).update(due_date=TODAY - timedelta(days=2))
    project_with_phases(bob, 2, first_deadline=TODAY, name="Bob's secret")
    html = card(body(alice_client), "deadlines")
    assert "Webshop" in html and "3 days left" in html and ">hard<" in html
    assert "Late site" in html and "2 days overdue" in html and ">fixed<" in html
    assert html.index("Late site") < html.index("Webshop")  # the overdue one first
    assert "Phase 1" not in html.split("Late site")[0].rsplit("<li", 1)[-1]  # the accepted phase is gone
    assert "Bob" not in html
    assert f"/projects/{soon.pk}/#phase-{soon.phases.get(position=1).pk}" in html


def test_closed_projects_have_no_deadlines(alice, alice_client):
    project_with_phases(alice, 1, first_deadline=TODAY, name="Finished one", status=Project.Status.COMPLETED)
    assert "Finished one" not in body(alice_client)


# -- waiting for the client -------------------------------------------------------------------


@pytest.fixture
def waiting(alice, alice_client):
    project, first, jan = delivered_project(alice)
    assert deliver_through_the_ui(alice_client, first, [jan]).status_code == 302
    return project, first, AcceptanceRequest.objects.get(phase=first)


def test_a_delivered_phase_waits_with_its_age_and_a_resend_button(alice_client, waiting):
    _project, _first, sent = waiting
    html = card(body(alice_client), "waiting")
    assert "1. Phase 1" in html and "delivered today" in html
    assert reverse("dashboard_resend_acceptance", args=[sent.pk]) in html
    assert "Resend the link for phase 1" in html


def test_resend_with_htmx_answers_with_the_card_and_a_message(alice_client, waiting):
    _project, first, sent = waiting
    url = reverse("dashboard_resend_acceptance", args=[sent.pk])
    response = alice_client.post(url, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card dash-waiting" id="waiting"')
    assert "A new link went to Jan Jansen" in html
    assert AcceptanceRequest.objects.filter(phase=first).count() == 2
    sent.link.refresh_from_db()
    assert sent.link.revoked_at is not None


def test_resend_twice_from_the_same_page_sends_one_new_link(alice_client, waiting):
    _project, first, sent = waiting
    url = reverse("dashboard_resend_acceptance", args=[sent.pk])
    assert alice_client.post(url).status_code == 302  # without JavaScript: back to the dashboard
    response = alice_client.post(url, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "A newer link was already sent for this phase." in response.content.decode()
    assert AcceptanceRequest.objects.filter(phase=first).count() == 2


def test_resend_is_post_only_and_404_for_someone_else(alice_client, bob, waiting):
    _project, _first, sent = waiting
    url = reverse("dashboard_resend_acceptance", args=[sent.pk])
    assert alice_client.get(url).status_code == 405
    from django.test import Client as BrowserClient

    from tests.conftest import verify_second_factor

    other = BrowserClient()
    other.force_login(bob)
    verify_second_factor(other, bob)
    assert other.post(url).status_code == 404
    assert AcceptanceRequest.objects.count() == 1


def test_wishes_waiting_for_a_decision(alice, alice_client):
    project = project_with_phases(alice, 1, first_deadline=TODAY)
    ChangeRequest.objects.create(
        project=project,
        title="<script>alert(1)</script> Newsletter",
        status=ChangeRequest.Status.WAITING,
        classification=ChangeRequest.Classification.EXTRA_COST,
        cost=Decimal("500.00"),
        waiting_since=timezone.now() - timedelta(days=3),
    )
    html = card(body(alice_client), "waiting")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Newsletter" in html
    assert "<script>alert" not in html
    assert reverse("projects:bucket", args=[project.pk]) in html


# -- money ------------------------------------------------------------------------------------


def test_outstanding_and_overdue_totals_and_the_overdue_invoice(alice, bob, alice_client):
    invoice = overdue_invoice(alice, price=Decimal("1000.00"))
    overdue_invoice(bob, price=Decimal("7777.00"))
    html = card(body(alice_client), "money")
    assert "€1,210.00" in html  # 1000 + 21% VAT, outstanding and overdue
    assert "7,777" not in html and "9,410" not in html
    assert invoice.number in html
    assert f"{(TODAY - invoice.due_date).days} days overdue" in html
    assert "no reminder sent yet" in html
    assert "Record payment on " + invoice.number in html


def test_recording_a_payment_from_the_dashboard(alice, alice_client):
    invoice = overdue_invoice(alice)
    url = reverse("dashboard_record_payment", args=[invoice.pk])
    response = alice_client.post(
        url, {"amount": "1210.00", "paid_on": PAID_ON}, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card span-2 dash-money" id="money"')
    assert f"Invoice {invoice.number} is paid in full." in html
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    # A double submit is refused, not booked twice.
    again = alice_client.post(url, {"amount": "1210.00", "paid_on": PAID_ON}, HTTP_HX_REQUEST="true")
    assert again.status_code == 422
    assert invoice.payments.count() == 1


@pytest.mark.parametrize(
    ("amount", "paid_on", "message"),
    [
        ("-5", "2026-11-26", "Ensure this value is greater than or equal to 0.01."),
        ("abc", "2026-11-26", "Enter a number."),
        ("10", "2099-01-01", "A payment cannot be received in the future."),
        ("99999", "2026-11-26", ""),  # more than is open: refused by the model
        ("<script>x</script>", "2026-11-26", "Enter a number."),
    ],
)
def test_bad_payments_keep_what_was_typed(alice, alice_client, amount, paid_on, message):
    invoice = overdue_invoice(alice)
    url = reverse("dashboard_record_payment", args=[invoice.pk])
    response = alice_client.post(url, {"amount": amount, "paid_on": paid_on}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert "<script>x</script>" not in html
    assert f'value="{escape(amount)}"' in html and f'value="{paid_on}"' in html  # kept as typed
    assert '<details class="dash-pay" open>' in html
    assert invoice.payments.count() == 0


def test_recording_a_payment_is_404_on_someone_elses_invoice(alice_client, bob):
    invoice = overdue_invoice(bob)
    url = reverse("dashboard_record_payment", args=[invoice.pk])
    assert alice_client.post(url, {"amount": "1", "paid_on": PAID_ON}).status_code == 404
    assert alice_client.get(url).status_code == 405


def test_drafts_to_send(alice, alice_client):
    _project, phase = billable_project(alice, name="Bakkerij Jansen")
    draft = invoices.draft_for_phase(phase)
    html = card(body(alice_client), "money")
    assert "Drafts to check and send" in html
    assert reverse("contracts:invoice_detail", args=[draft.pk]) in html
    assert "€3,025.00" in html and "made today" in html  # € 2500 + 21% VAT, from the draft's lines
    assert "Bakkerij Jansen" in html


# -- time and watch ---------------------------------------------------------------------------


def test_this_weeks_hours_by_role(alice, alice_client):
    project = project_with_phases(alice, 1, first_deadline=TODAY)
    monday = TODAY - timedelta(days=TODAY.weekday())
    TimeEntry.objects.create(owner=alice, project=project, date=monday, hours=Decimal("3.5"), role="developer")
    TimeEntry.objects.create(owner=alice, project=project, date=monday, hours=Decimal("1.25"), role="project_manager")
    TimeEntry.objects.create(owner=alice, project=project, date=monday - timedelta(days=1), hours=Decimal("9"))
    html = card(body(alice_client), "week")
    assert "3.5" in html and "1.25" in html
    assert "4.75" in html  # the week, not last Sunday's 9 hours
    assert "<meter" in html


def test_pastimes_high_risks_and_decision_makers(alice, alice_client):
    project, phase = billable_project(alice, name="Cheap client")
    BusinessProfile.objects.filter(owner=alice).update(floor_rate=Decimal("75.00"))
    draft = invoices.draft_for_phase(phase)  # € 2500 for 40 hours: € 62.50 an hour
    invoices.issue(draft, actor=alice, today=TODAY, send=False)
    for _ in range(5):
        TimeEntry.objects.create(owner=alice, project=project, date=TODAY, hours=Decimal("8"))
    RiskFactory(project=project, description="Photos late", likelihood=Risk.Level.HIGH, impact=Risk.Level.HIGH)
    RiskFactory(project=project, description="Minor typo", likelihood=Risk.Level.LOW, impact=Risk.Level.HIGH)
    ContactFactory(client=project.client, name="Marieke", is_decision_maker=True, last_spoken_on=None)
    ContactFactory(client=project.client, name="Recent Ria", is_decision_maker=True, last_spoken_on=TODAY)
    html = card(body(alice_client), "watch")
    assert "earns €62.50 an hour, below your floor of €75.00" in html
    assert "Photos late" in html and "score 9" in html
    assert "Minor typo" not in html
    assert "Marieke" in html and "Recent Ria" not in html


# -- cost ------------------------------------------------------------------------------------


def many_open_projects(owner, count: int) -> None:
    """`count` open projects with three phases each, in bulk, plus one of everything per card."""
    client = Client.objects.create(owner=owner, name=f"Bulk client {count}")
    projects = Project.objects.bulk_create(
        Project(owner=owner, client=client, name=f"Project {n}", first_deadline=TODAY + timedelta(days=n % 90))
        for n in range(count)
    )
    Phase.objects.bulk_create(
        Phase(project=project, position=position, title=f"Phase {position}")
        for project in projects
        for position in (1, 2, 3)
    )
    ChangeRequest.objects.bulk_create(
        ChangeRequest(
            project=project,
            title="Wish",
            status=ChangeRequest.Status.WAITING,
            classification=ChangeRequest.Classification.EXTRA_COST,
            cost=Decimal("100.00"),
            waiting_since=timezone.now(),
        )
        for project in projects
    )
    Risk.objects.bulk_create(
        Risk(project=project, description="Risk", mitigation="Plan", likelihood=3, impact=3) for project in projects
    )
    TimeEntry.objects.bulk_create(
        TimeEntry(owner=owner, project=project, date=TODAY, hours=Decimal("1")) for project in projects
    )


def queries_for(client) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("dashboard")).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_the_dashboard_runs_the_same_queries_for_1_and_for_500_open_projects(alice, alice_client):
    overdue_invoice(alice)
    many_open_projects(alice, 1)
    one = queries_for(alice_client)
    many_open_projects(alice, 499)
    assert Project.objects.filter(owner=alice, status__in=Project.OPEN_STATUSES).count() == 501
    five_hundred = queries_for(alice_client)
    assert len(five_hundred) == len(one)
    assert 10 <= len(one) <= 22, "\n".join(one)
