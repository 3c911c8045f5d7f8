"""The claim on an overdue invoice: the interest per period and the collection costs on its page,
and one click for a separate draft invoice that claims them, leaving the original untouched."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contracts import invoices, payments
from contracts.dutch_law import ensure_known_interest_rates
from contracts.models import Invoice, StatutoryInterestRate
from freelance.reminders.models import Reminder
from projects.models import Client
from tests.factories import billable_project

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ISSUED = date(2024, 5, 20)  # due 30 days later: 19 June 2024
LATE = date(2024, 7, 17)  # 28 days late, across the rate change of 1 July 2024

# The claim on 17 Jul 2024 on € 3.025,00 (2500 + 21 % VAT), worked out by hand:
#   interest 20–30 Jun: 11 days at 12.50 %: 3025 × 0.1250 × 11 / 365 = 4159.375 / 365 = 11.3955… → 11.40
#   interest 1–17 Jul:  17 days at 12.25 %: 3025 × 0.1225 × 17 / 365 = 6299.5625 / 365 = 17.2591… → 17.26
#   collection costs (scale): 15 % of 2500 + 10 % of 525 = 375.00 + 52.50 = 427.50
#   total 11.40 + 17.26 + 427.50 = 456.16


@pytest.fixture(autouse=True)
def _table():
    ensure_known_interest_rates(StatutoryInterestRate)


def at(day: date, hour: int = 10):
    return time_machine.travel(
        timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=hour)), tick=False
    )


def sent(owner, *, language="en", **client_fields) -> Invoice:
    with at(ISSUED):
        _project, phase = billable_project(owner, language=language, **client_fields)
        return invoices.issue(invoices.draft_for_phase(phase), actor=owner)


def claim_url(invoice: Invoice) -> str:
    return reverse("contracts:invoice_claim", args=[invoice.pk])


def detail(invoice: Invoice) -> str:
    return reverse("contracts:invoice_detail", args=[invoice.pk])


def letter(invoice: Invoice, sent_on: date) -> Reminder:
    return Reminder.objects.create(
        owner=invoice.owner,
        kind=Reminder.Kind.PAYMENT,
        object_id=invoice.pk,
        stage=1,
        due_on=sent_on,
        claim=uuid.uuid4(),
        created_at=timezone.make_aware(datetime.combine(sent_on, datetime.min.time()).replace(hour=9)),
    )


# -- the breakdown on the invoice page ----------------------------------------------------------


def test_an_overdue_invoice_shows_the_interest_per_period_the_costs_and_the_button(alice_client, alice):
    invoice = sent(alice)
    with at(LATE):
        response = alice_client.get(detail(invoice), **EN)
    claim = response.context["claim"]
    assert [(p.days, p.percent, p.amount) for p in claim.interest.periods] == [
        (11, Decimal("12.50"), Decimal("11.40")),
        (17, Decimal("12.25"), Decimal("17.26")),
    ]
    assert (claim.interest.total, claim.collection_costs, claim.total) == (
        Decimal("28.66"),
        Decimal("427.50"),
        Decimal("456.16"),
    )
    page = response.content.decode()
    assert 'id="claim"' in page
    assert "€11.40" in page and "€17.26" in page and "€427.50" in page and "€456.16" in page
    assert "12.50%" in page and "12.25%" in page
    assert claim_url(invoice) in page and "Draft an invoice for these costs" in page


def test_an_invoice_that_is_not_overdue_shows_no_claim(alice_client, alice):
    invoice = sent(alice)
    with at(date(2024, 6, 19)):  # the due date itself
        response = alice_client.get(detail(invoice), **EN)
    assert response.context["claim"] is None
    assert 'id="claim"' not in response.content.decode()


def test_a_consumer_owes_no_collection_costs_before_the_14_day_letter(alice_client, alice):
    invoice = sent(alice, kind=Client.Kind.CONSUMER, kvk_number="", vat_id="")
    with at(LATE):
        response = alice_client.get(detail(invoice), **EN)
    claim = response.context["claim"]
    # Consumer rate 7 % all along (7 % from 1 Jan and from 1 Jul 2024: one period):
    #   20 Jun–17 Jul: 28 days: 3025 × 0.07 × 28 / 365 = 5929 / 365 = 16.2438… → 16.24
    assert [(p.days, p.percent, p.amount) for p in claim.interest.periods] == [(28, Decimal("7.00"), Decimal("16.24"))]
    assert claim.collection_costs == Decimal("0.00") and claim.scale_costs == Decimal("427.50")
    assert claim.total == Decimal("16.24")
    assert "14-day letter" in claim.costs_not_yet
    assert 'id="claim-costs-not-yet"' in response.content.decode()


def test_a_consumer_owes_the_costs_only_after_the_letters_term(alice_client, alice):
    invoice = sent(alice, kind=Client.Kind.CONSUMER, kvk_number="", vat_id="")
    letter(invoice, date(2024, 6, 20))
    # Sent 20 Jun, received (2 days' margin) 22 Jun, 14 days from the day after: the term ends 6 Jul.
    with at(date(2024, 7, 6)):
        during = alice_client.get(detail(invoice), **EN).context["claim"]
    assert during.collection_costs == Decimal("0.00")
    assert "6 July 2024" in during.costs_not_yet and "7 July 2024" in during.costs_not_yet
    with at(date(2024, 7, 7)):
        after = alice_client.get(detail(invoice), **EN).context["claim"]
    assert after.costs_not_yet == "" and after.collection_costs == Decimal("427.50")


# -- drafting the claim -----------------------------------------------------------------------------


def test_one_click_drafts_a_separate_invoice_with_a_line_per_period_and_the_costs(alice_client, alice):
    invoice = sent(alice)
    with at(LATE):
        response = alice_client.post(claim_url(invoice), **EN)
    draft = Invoice.objects.get(purpose=Invoice.Purpose.CLAIM)
    assert response.status_code == 302 and response["Location"] == detail(draft)
    assert draft.is_draft and draft.claim_for == invoice
    assert (draft.client, draft.project, draft.language) == (invoice.client, invoice.project, "en")
    assert draft.payment_term_days == invoice.client.payment_term_days
    assert not draft.reverse_charge
    lines = [(line.description, line.quantity, line.unit_price, line.vat_percent) for line in draft.lines.all()]
    assert lines == [
        (
            "Statutory commercial interest on invoice 2024-0001, 20-06-2024 to 30-06-2024, 11 days at 12.50%",
            Decimal("1.00"),
            Decimal("11.40"),
            Decimal("0.0"),
        ),
        (
            "Statutory commercial interest on invoice 2024-0001, 01-07-2024 to 17-07-2024, 17 days at 12.25%",
            Decimal("1.00"),
            Decimal("17.26"),
            Decimal("0.0"),
        ),
        (
            "Extrajudicial collection costs on invoice 2024-0001 (statutory scale, on €3,025.00)",
            Decimal("1.00"),
            Decimal("427.50"),
            Decimal("0.0"),
        ),
    ]
    totals = invoices.compute_totals(draft)
    assert (totals.total_excl, totals.total_vat, totals.total) == (
        Decimal("456.16"),
        Decimal("0.00"),
        Decimal("456.16"),
    )


def test_the_lines_are_in_the_invoices_language_not_the_browsers(alice_client, alice):
    invoice = sent(alice, language="nl")
    with at(LATE):
        alice_client.post(claim_url(invoice), **EN)
    descriptions = [line.description for line in Invoice.objects.get(purpose="claim").lines.all()]
    assert "12,50%" in descriptions[0] and "12,25%" in descriptions[1]  # Dutch decimal comma
    assert "€\xa03.025,00" in descriptions[2]


def test_drafting_the_claim_never_changes_the_original(alice_client, alice):
    invoice = sent(alice)
    before = Invoice.objects.filter(pk=invoice.pk).values().get()
    before_pdf = bytes(before["pdf"])
    assert before_pdf.startswith(b"%PDF")
    before_lines = list(invoice.lines.values())
    with at(LATE):
        alice_client.post(claim_url(invoice), **EN)
    after = Invoice.objects.filter(pk=invoice.pk).values().get()
    assert bytes(after.pop("pdf")) == before_pdf
    before.pop("pdf")
    assert after == before
    assert list(invoice.lines.values()) == before_lines
    assert model_to_dict(Invoice.objects.get(pk=invoice.pk))["status"] == Invoice.Status.SENT


def test_the_draft_claim_links_back_to_the_claimed_invoice(alice_client, alice):
    invoice = sent(alice)
    with at(LATE):
        response = alice_client.post(claim_url(invoice), **EN, follow=True)
    page = response.content.decode()
    assert 'id="claimed-invoice"' in page and f'href="{detail(invoice)}"' in page
    assert 'id="claim"' not in page  # a claim is not claimed on again


def test_a_double_click_opens_the_same_draft(alice_client, alice):
    invoice = sent(alice)
    with at(LATE):
        first = alice_client.post(claim_url(invoice), **EN)
        second = alice_client.post(claim_url(invoice), **EN)
    assert Invoice.objects.filter(claim_for=invoice).count() == 1
    assert first["Location"] == second["Location"]
    with at(LATE):
        page = alice_client.get(detail(invoice), **EN).content.decode()
    assert "Open the draft claim" in page and "Draft an invoice for these costs" not in page


def test_the_claim_can_be_sent_and_then_is_not_drafted_twice(alice_client, alice):
    invoice = sent(alice)
    with at(LATE):
        alice_client.post(claim_url(invoice), **EN)
        claim = invoices.issue(Invoice.objects.get(claim_for=invoice), actor=alice)
    assert (claim.total, claim.total_vat) == (Decimal("456.16"), Decimal("0.00"))
    assert claim.number == "2024-0002"
    with at(LATE + timedelta(days=1)):
        response = alice_client.post(claim_url(invoice), **EN, follow=True)
    assert Invoice.objects.filter(claim_for=invoice).count() == 1
    assert any("already sent" in str(m) for m in response.context["messages"])


@pytest.mark.parametrize("case", ["not_due", "paid", "credit_note", "claim", "draft"])
def test_only_an_overdue_invoice_for_work_or_a_deposit_can_be_claimed(alice_client, alice, case):
    invoice = sent(alice)
    target = invoice
    if case == "paid":
        with at(date(2024, 6, 25)):
            payments.record_payment(invoice, amount=invoice.total, paid_on=date(2024, 6, 25), actor=alice)
    elif case == "credit_note":
        with at(date(2024, 6, 1)):
            target = invoices.issue(invoices.credit_note_for(invoice, actor=alice), actor=alice)
    elif case == "claim":
        with at(LATE):
            alice_client.post(claim_url(invoice), **EN, follow=True)  # its success message is shown here
            target = invoices.issue(Invoice.objects.get(claim_for=invoice), actor=alice)
    elif case == "draft":
        with at(ISSUED):
            _project, phase = billable_project(alice)
            target = invoices.draft_for_phase(phase)
    day = date(2024, 6, 19) if case == "not_due" else date(2024, 12, 1)
    before = Invoice.objects.count()
    with at(day):
        response = alice_client.post(claim_url(target), **EN, follow=True)
    assert response.status_code == 200
    assert Invoice.objects.count() == before
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_a_partial_payment_lowers_the_interest_and_the_costs(alice_client, alice):
    invoice = sent(alice)
    with at(date(2024, 7, 5)):
        payments.record_payment(invoice, amount=Decimal("1000.00"), paid_on=date(2024, 7, 5), actor=alice)
    with at(LATE):
        claim = alice_client.get(detail(invoice), **EN).context["claim"]
    #   20–30 Jun: 11.40 (as above); 1–4 Jul on 3025: 3025 × 0.1225 × 4 / 365 = 1482.25 / 365 = 4.06
    #   5–17 Jul: 13 days on 2025: 2025 × 0.1225 × 13 / 365 = 3224.8125 / 365 = 8.8351… → 8.84
    #   costs on 2025: 15 % of 2025 = 303.75
    assert [p.amount for p in claim.interest.periods] == [Decimal("11.40"), Decimal("4.06"), Decimal("8.84")]
    assert (claim.principal, claim.collection_costs, claim.total) == (
        Decimal("2025.00"),
        Decimal("303.75"),
        Decimal("328.05"),
    )


# -- access ---------------------------------------------------------------------------------------------


def test_another_freelancers_invoice_is_404_and_nothing_is_drafted(client, alice, bob):
    invoice = sent(alice)
    client.force_login(bob)
    with at(LATE):
        assert client.post(claim_url(invoice)).status_code == 404
    assert not Invoice.objects.filter(purpose=Invoice.Purpose.CLAIM).exists()


def test_the_claim_needs_a_login_and_a_post(client, alice_client, alice):
    invoice = sent(alice)
    with at(LATE):
        anonymous = client.__class__().post(claim_url(invoice))
        assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
        assert alice_client.get(claim_url(invoice)).status_code == 405
    assert not Invoice.objects.filter(purpose=Invoice.Purpose.CLAIM).exists()


# -- queries ---------------------------------------------------------------------------------------------


def count_queries(client, address) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address, **EN)
    assert response.status_code == 200
    return len(queries)


def test_an_overdue_page_takes_the_same_queries_for_1_or_20_payments_and_2_or_4_periods(alice_client, alice):
    small, big = sent(alice), sent(alice)
    with at(date(2024, 6, 1)):
        payments.record_payment(small, amount=Decimal("10"), paid_on=date(2024, 6, 1), actor=alice)
        for _n in range(20):
            payments.record_payment(big, amount=Decimal("10"), paid_on=date(2024, 6, 1), actor=alice)
    with at(LATE):
        assert count_queries(alice_client, detail(small)) == count_queries(alice_client, detail(big))
    with at(date(2025, 7, 17)):  # a year later: more periods, and a capitalisation
        assert count_queries(alice_client, detail(small)) == count_queries(alice_client, detail(big))


def test_the_claim_adds_two_queries_to_an_overdue_page(alice_client, alice):
    """The rate table and the invoice's claims; a consumer's page one more (the business profile)."""
    invoice = sent(alice)
    with at(date(2024, 6, 19)):
        on_time = count_queries(alice_client, detail(invoice))
    with at(LATE):
        overdue = count_queries(alice_client, detail(invoice))
    assert overdue - on_time == 2


# -- a real race -------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_the_same_moment_make_one_draft(alice):
    """Two requests at once: the row lock makes the second wait and find the first one's draft."""
    import threading

    from django.db import connections

    from contracts import claims

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers by itself; the row lock is tested on PostgreSQL")
    invoice = sent(alice)
    barrier = threading.Barrier(2)
    results = []

    def click():
        try:
            barrier.wait()
            results.append(claims.draft_claim(invoice, today=LATE))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Invoice.objects.filter(claim_for=invoice).count() == 1
    assert sorted(created for _draft, created in results) == [False, True]
    assert len({draft.pk for draft, _created in results}) == 1
