"""A draft in the invoice list says what it is: "Draft", when it was made, its total so far
and the payment term, instead of a row of dashes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contracts import invoices
from contracts.models import Invoice, InvoiceLine
from tests.factories import billable_project

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NL = {"HTTP_ACCEPT_LANGUAGE": "nl"}
LIST = reverse("contracts:invoice_list")


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 26, 10, 0)), tick=False):
        yield


def draft(owner, name: str) -> Invoice:
    _project, phase = billable_project(owner, name=name)
    return invoices.draft_for_phase(phase)


def row_of(page: str, name: str) -> str:
    start = page.index(name)
    return page[page.rindex("<tr>", 0, start) : page.index("</tr>", start)]


def test_a_draft_row_shows_draft_its_date_total_and_term(alice_client, alice):
    invoice = draft(alice, "Drafty B.V.")
    InvoiceLine.objects.create(
        invoice=invoice, position=2, description="Manual", quantity=2, unit_price=Decimal("50"), vat_percent=9
    )
    expected = invoices.compute_totals(invoice).total
    assert expected > 0
    response = alice_client.get(LIST, **EN)
    row = row_of(response.content.decode(), "Drafty B.V.")
    assert ">Draft</a>" in row
    assert "not sent" in row
    assert 'datetime="2026-11-26"' in row and "26 Nov 2026" in row  # made today
    assert f"€{expected:,}" in row
    assert "draft, not final" in row
    assert f"{invoice.payment_term_days} days after sending" in row
    assert "—" not in row
    assert response.context["rows"][0].amount == expected


def test_a_sent_invoice_shows_its_stored_total_not_a_recomputed_one(alice_client, alice):
    invoice = invoices.issue(draft(alice, "Sent B.V."), actor=alice, today=TODAY - timedelta(days=1))
    stored = invoice.total
    row = row_of(alice_client.get(LIST, **EN).content.decode(), "Sent B.V.")
    assert f"€{stored:,}" in row
    assert "draft, not final" not in row


def test_a_draft_row_in_dutch_uses_dutch_numbers_and_dates(alice_client, alice):
    invoice = draft(alice, "Concept B.V.")
    total = invoices.compute_totals(invoice).total
    row = row_of(alice_client.get(LIST, **NL).content.decode(), "Concept B.V.")
    whole, cents = f"{total:.2f}".split(".")
    assert f"{int(whole):,}".replace(",", ".") + "," + cents in row
    assert "nov" in row.lower()


def test_bobs_draft_never_appears_in_alices_list(alice_client, alice, bob):
    draft(bob, "Bobs Draft B.V.")
    draft(alice, "Alices Draft B.V.")
    page = alice_client.get(LIST, **EN).content.decode()
    assert "Bobs Draft B.V." not in page and "Alices Draft B.V." in page


def test_draft_totals_cost_the_same_queries_for_one_or_many_drafts(client, alice, bob, pages_built):
    draft(alice, "One B.V.")
    for n in range(12):
        draft(bob, f"Many {n} B.V.")
    counts = []
    for user in (alice, bob):
        client.force_login(user)
        client.get(LIST)  # warm the session
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert len(response.context["rows"]) == 12
