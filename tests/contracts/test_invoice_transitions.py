"""Invoice state changes on the model: issue, payments, credit and settle, each guarded, claimed
with a conditional UPDATE and written to the invoice's append-only history."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from contracts import invoices, payments
from contracts.models import Invoice, InvoiceEvent, Payment
from freelance.lib.rules import RuleViolation
from freelance.outbox.models import OutgoingEmail
from tests.factories import billable_project

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
Kind = InvoiceEvent.Kind


@pytest.fixture(autouse=True)
def _today():
    # Messages are checked in English; documents follow the client's language regardless.
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 26, 10, 0)), tick=False), override("en"):
        yield


def draft(owner) -> Invoice:
    _project, phase = billable_project(owner)
    return invoices.draft_for_phase(phase)


def sent(owner, **kwargs) -> Invoice:
    return invoices.issue(draft(owner), actor=owner, **kwargs)


def kinds(invoice: Invoice) -> list[str]:
    """The invoice's history, newest first."""
    return list(InvoiceEvent.objects.filter(invoice=invoice).values_list("kind", flat=True))


def state(invoice: Invoice) -> tuple:
    row = Invoice.objects.get(pk=invoice.pk)
    return row.status, row.paid_on, row.number, Payment.objects.filter(invoice=invoice).count(), kinds(invoice)


def url(name: str, *args) -> str:
    return reverse(f"contracts:{name}", args=args)


def history_section(response) -> str:
    page = response.content.decode()
    start = page.index('id="history"')
    return page[start : page.index("</section>", start)]


# -- issue --------------------------------------------------------------------------------


def test_issuing_writes_one_event_with_the_number_the_total_and_who(alice):
    invoice = draft(alice)
    assert kinds(invoice) == []
    invoice = invoices.issue(invoice, actor=alice)
    event = InvoiceEvent.objects.get(invoice=invoice)
    assert (event.kind, event.actor, event.amount) == (Kind.ISSUED, alice, Decimal("3025.00"))
    assert event.data == {"number": "2026-0001", "issue_date": "2026-11-26", "due_date": "2026-12-26"}
    assert event.at == timezone.now()
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.SENT


def test_issuing_twice_is_refused_and_changes_nothing(alice):
    invoice = sent(alice)
    before = state(invoice)
    with pytest.raises(RuleViolation, match="already sent"):
        invoices.issue(invoice, actor=alice)
    assert state(invoice) == before
    assert OutgoingEmail.objects.filter(kind="invoice").count() == 1


def test_the_conditional_update_refuses_a_stale_draft(alice):
    """The claim itself: a copy still saying `draft` loses to the row that was sent meanwhile."""
    stale = Invoice.objects.get(pk=draft(alice).pk)
    invoices.issue(stale, actor=alice)
    assert stale.is_draft  # the in-memory copy never saw the move
    before = state(stale)
    with pytest.raises(RuleViolation, match="already sent"):
        stale.issue(
            alice,
            number="2026-0099",
            issue_date=TODAY,
            delivery_date=TODAY,
            due_date=TODAY,
            seller={},
            buyer={},
            total_excl=Decimal("1"),
            total_vat=Decimal("0"),
            total=Decimal("1"),
        )
    assert state(stale) == before
    assert stale.number == "2026-0001"  # refreshed from the row that won


# -- payments -----------------------------------------------------------------------------


def test_each_payment_writes_one_event_with_the_status_that_followed(alice):
    invoice = sent(alice)
    first = payments.record_payment(invoice, amount=Decimal("1000"), paid_on=TODAY, actor=alice, reference="ING 1")
    event = InvoiceEvent.objects.filter(invoice=invoice).first()
    assert kinds(invoice) == [Kind.PAYMENT_RECORDED, Kind.ISSUED]
    assert (event.actor, event.amount) == (alice, Decimal("1000.00"))
    assert event.data == {
        "payment": first.pk,
        "paid_on": "2026-11-26",
        "reference": "ING 1",
        "old_status": "sent",
        "new_status": "partly_paid",
    }
    payments.record_payment(invoice, amount=Decimal("2025"), paid_on=TODAY, actor=alice)
    assert kinds(invoice) == [Kind.PAYMENT_RECORDED, Kind.PAYMENT_RECORDED, Kind.ISSUED]
    last = InvoiceEvent.objects.filter(invoice=invoice).first()
    assert (last.data["old_status"], last.data["new_status"]) == ("partly_paid", "paid")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_on) == (Invoice.Status.PAID, TODAY)


def test_a_payment_that_leaves_the_status_as_it_was_says_no_status_change(alice):
    invoice = sent(alice)
    payments.record_payment(invoice, amount=Decimal("10"), paid_on=TODAY, actor=alice)
    payments.record_payment(invoice, amount=Decimal("10"), paid_on=TODAY, actor=alice)
    latest = InvoiceEvent.objects.filter(invoice=invoice).first()
    assert latest.kind == Kind.PAYMENT_RECORDED and "new_status" not in latest.data


@pytest.mark.parametrize(
    ("amount", "paid_on", "message"),
    [
        (Decimal("0"), TODAY, "more than zero"),
        (Decimal("-5"), TODAY, "more than zero"),
        (Decimal("5"), TODAY + timedelta(days=1), "future"),
        (Decimal("5"), date(2026, 11, 1), "before the invoice date"),
        (Decimal("3025.01"), TODAY, "more than is still open"),
    ],
)
def test_a_bad_payment_is_refused_and_changes_nothing(alice, amount, paid_on, message):
    invoice = sent(alice)
    before = state(invoice)
    with pytest.raises(RuleViolation, match=message):
        payments.record_payment(invoice, amount=amount, paid_on=paid_on, actor=alice)
    assert state(invoice) == before


def test_a_draft_cannot_be_paid(alice):
    invoice = draft(alice)
    before = state(invoice)
    with pytest.raises(RuleViolation, match="sent invoices"):
        payments.record_payment(invoice, amount=Decimal("5"), paid_on=TODAY, actor=alice)
    assert state(invoice) == before == (Invoice.Status.DRAFT, None, "", 0, [])


def test_a_credit_note_cannot_be_paid(alice):
    note = invoices.issue(invoices.credit_note_for(sent(alice), actor=alice), actor=alice)
    before = state(note)
    with pytest.raises(RuleViolation, match="sent invoices"):
        payments.record_payment(note, amount=Decimal("5"), paid_on=TODAY, actor=alice)
    assert state(note) == before


def test_a_paid_invoice_takes_no_further_payment(alice):
    invoice = sent(alice)
    payments.record_payment(invoice, amount=invoice.total, paid_on=TODAY, actor=alice)
    before = state(invoice)
    with pytest.raises(RuleViolation, match="more than is still open"):
        payments.record_payment(invoice, amount=Decimal("0.01"), paid_on=TODAY, actor=alice)
    assert state(invoice) == before


def test_deleting_a_payment_leaves_an_event_with_who_how_much_and_the_status_follows(alice, bob):
    invoice = sent(alice)
    payment = payments.record_payment(invoice, amount=invoice.total, paid_on=TODAY, actor=bob, reference="ING 9")
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 27, 9, 30)), tick=False):
        payments.delete_payment(payment, actor=alice)
    assert not Payment.objects.filter(pk=payment.pk).exists()
    event = InvoiceEvent.objects.filter(invoice=invoice).first()
    assert (event.kind, event.actor, event.amount) == (Kind.PAYMENT_DELETED, alice, Decimal("3025.00"))
    assert event.at == timezone.make_aware(timezone.datetime(2026, 11, 27, 9, 30))
    assert event.data == {
        "payment": payment.pk,
        "paid_on": "2026-11-26",
        "reference": "ING 9",
        "old_status": "paid",
        "new_status": "sent",
    }
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_on) == (Invoice.Status.SENT, None)
    assert kinds(invoice) == [Kind.PAYMENT_DELETED, Kind.PAYMENT_RECORDED, Kind.ISSUED]


def test_deleting_one_of_two_payments_makes_a_paid_invoice_partly_paid(alice):
    invoice = sent(alice)
    payments.record_payment(invoice, amount=Decimal("25"), paid_on=TODAY, actor=alice)
    second = payments.record_payment(invoice, amount=Decimal("3000"), paid_on=TODAY, actor=alice)
    payments.delete_payment(second)  # without an actor, as before: the event says nobody
    event = InvoiceEvent.objects.filter(invoice=invoice).first()
    assert (event.kind, event.actor, event.amount) == (Kind.PAYMENT_DELETED, None, Decimal("3000.00"))
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.PARTLY_PAID


def test_a_payment_deleted_twice_is_refused_the_second_time_and_logged_once(alice):
    invoice = sent(alice)
    payment = payments.record_payment(invoice, amount=Decimal("25"), paid_on=TODAY, actor=alice)
    payments.delete_payment(payment, actor=alice)
    before = state(invoice)
    with pytest.raises(RuleViolation, match="already deleted"):
        payments.delete_payment(payment, actor=alice)
    assert state(invoice) == before
    assert kinds(invoice).count(Kind.PAYMENT_DELETED) == 1


# -- credit and settle ---------------------------------------------------------------------


def test_a_sent_credit_note_writes_one_event_on_itself_and_one_on_its_invoice(alice):
    invoice = sent(alice)
    note = invoices.credit_note_for(invoice, actor=alice)
    assert kinds(invoice) == [Kind.ISSUED] and kinds(note) == []  # drafting a credit note changes nothing
    note = invoices.issue(note, actor=alice)
    assert kinds(note) == [Kind.ISSUED]
    assert kinds(invoice) == [Kind.CREDITED, Kind.ISSUED]
    credited = InvoiceEvent.objects.filter(invoice=invoice).first()
    assert (credited.actor, credited.amount) == (alice, Decimal("3025.00"))
    assert credited.data == {"credit_note": "2026-0002", "old_status": "sent", "new_status": "credited"}
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.CREDITED


def test_a_partial_credit_note_is_recorded_without_a_status_change(alice):
    invoice = sent(alice)
    note = invoices.credit_note_for(invoice, actor=alice)
    line = note.lines.get()
    line.unit_price = Decimal("1000.00")
    line.save()
    invoices.issue(note, actor=alice)
    credited = InvoiceEvent.objects.filter(invoice=invoice).first()
    assert (credited.kind, credited.amount, credited.data) == (
        Kind.CREDITED,
        Decimal("1210.00"),
        {"credit_note": "2026-0002"},
    )
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.SENT


def test_a_credit_note_for_more_than_is_open_is_refused_and_changes_nothing(alice):
    invoice = sent(alice)
    note = invoices.credit_note_for(invoice, actor=alice)
    payments.record_payment(invoice, amount=Decimal("25"), paid_on=TODAY, actor=alice)
    before, note_before = state(invoice), state(note)
    with pytest.raises(RuleViolation, match="more than is still open"):
        invoices.issue(note, actor=alice)
    assert (state(invoice), state(note)) == (before, note_before)


def test_settle_records_a_status_event_only_when_the_status_changes(alice):
    invoice = sent(alice)
    payments.settle(invoice, actor=alice)
    assert kinds(invoice) == [Kind.ISSUED]
    # A payment row written around the model (a data fix, say): settling picks it up once.
    Payment.objects.create(invoice=invoice, amount=invoice.total, paid_on=TODAY)
    payments.settle(invoice, actor=alice)
    payments.settle(invoice, actor=alice)
    assert kinds(invoice) == [Kind.STATUS_CHANGED, Kind.ISSUED]
    event = InvoiceEvent.objects.filter(invoice=invoice).first()
    assert event.data == {"old_status": "sent", "new_status": "paid"} and event.actor == alice
    assert (invoice.status, invoice.paid_on) == (Invoice.Status.PAID, TODAY)


def test_settling_a_draft_leaves_it_a_draft(alice):
    invoice = draft(alice)
    payments.settle(invoice)
    assert state(invoice) == (Invoice.Status.DRAFT, None, "", 0, [])


# -- the history is append-only ------------------------------------------------------------


def test_an_invoice_event_cannot_be_changed_or_deleted(alice):
    invoice = sent(alice)
    event = InvoiceEvent.objects.get(invoice=invoice)
    event.amount = Decimal("1")
    with pytest.raises(RuleViolation, match="cannot be changed"):
        event.save()
    with pytest.raises(RuleViolation, match="cannot be deleted"):
        event.delete()
    assert InvoiceEvent.objects.get(pk=event.pk).amount == Decimal("3025.00")


def test_a_sent_invoice_with_history_still_cannot_be_deleted(alice):
    invoice = sent(alice)
    with pytest.raises(RuleViolation):
        invoice.delete()
    assert kinds(invoice) == [Kind.ISSUED]


# -- the history on the invoice page --------------------------------------------------------


def test_the_history_shows_on_the_invoice_page_newest_first(alice_client, alice):
    invoice = sent(alice)
    payment = payments.record_payment(invoice, amount=Decimal("1000"), paid_on=TODAY, actor=alice, reference="ING 7")
    response = alice_client.post(url("invoice_payment_delete", invoice.pk, payment.pk), **EN)
    assert response.status_code == 302
    event = InvoiceEvent.objects.filter(invoice=invoice).first()
    assert (event.kind, event.actor) == (Kind.PAYMENT_DELETED, alice)  # the view passes who did it
    history = history_section(alice_client.get(url("invoice_detail", invoice.pk), **EN))
    assert "History" in history
    deleted, recorded, issued = (history.index(label) for label in ("Payment deleted", "Payment recorded", "Sent"))
    assert deleted < recorded < issued
    assert history.count("Alice") == 3
    assert history.count("€1,000.00") == 2 and "€3,025.00" in history
    assert "received on 26 Nov 2026" in history and "ING 7" in history
    assert "status partly paid → sent" in history
    assert "number 2026-0001" in history


def test_the_history_is_in_the_htmx_partial_too(alice_client, alice):
    invoice = sent(alice)
    response = alice_client.post(
        url("invoice_payment_add", invoice.pk),
        {"amount": "25.00", "paid_on": "2026-11-26", "reference": ""},
        HTTP_HX_REQUEST="true",
        **EN,
    )
    assert response.status_code == 200
    assert "Payment recorded" in history_section(response)


def test_a_draft_has_no_history_section(alice_client, alice):
    invoice = draft(alice)
    assert 'id="history"' not in alice_client.get(url("invoice_detail", invoice.pk), **EN).content.decode()


def test_bob_gets_404_on_alices_invoice_and_leaves_no_event(client, alice, bob):
    invoice = sent(alice)
    payment = payments.record_payment(invoice, amount=Decimal("25"), paid_on=TODAY, actor=alice)
    client.force_login(bob)
    assert client.get(url("invoice_detail", invoice.pk)).status_code == 404
    assert client.post(url("invoice_payment_delete", invoice.pk, payment.pk)).status_code == 404
    data = {"amount": "25.00", "paid_on": "2026-11-26", "reference": ""}
    assert client.post(url("invoice_payment_add", invoice.pk), data).status_code == 404
    assert Payment.objects.filter(pk=payment.pk).exists()
    assert kinds(invoice) == [Kind.PAYMENT_RECORDED, Kind.ISSUED]


def count_queries(client, address) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200
    return len(queries)


def test_the_history_takes_the_same_queries_for_1_or_30_events(alice_client, alice, bob):
    small, big = sent(alice), sent(alice)
    for _n in range(10):
        payment = payments.record_payment(big, amount=Decimal("10"), paid_on=TODAY, actor=alice)
        payments.delete_payment(payment, actor=bob)  # events by more than one person
        payments.record_payment(big, amount=Decimal("10"), paid_on=TODAY, actor=alice)
    assert InvoiceEvent.objects.filter(invoice=big).count() == 31
    assert count_queries(alice_client, url("invoice_detail", small.pk)) == count_queries(
        alice_client, url("invoice_detail", big.pk)
    )


# -- races (PostgreSQL) -----------------------------------------------------------------------


def race(work, count: int = 2) -> list:
    """Run `work` in `count` threads released at once; each result or RuleViolation is kept."""
    barrier = threading.Barrier(count)
    results: list = []
    lock = threading.Lock()

    def run():
        try:
            barrier.wait()
            try:
                with override("en"):  # the language is per thread
                    outcome = work()
            except RuleViolation as refusal:
                outcome = refusal
            with lock:
                results.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_two_payments_at_once_that_together_exceed_the_open_amount_record_one(alice):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race is only real on PostgreSQL (run there on CI)")
    invoice = sent(alice, send=False)
    results = race(
        lambda: payments.record_payment(
            Invoice.objects.get(pk=invoice.pk), amount=Decimal("2000"), paid_on=TODAY, actor=alice
        )
    )
    assert sorted(type(result).__name__ for result in results) == ["Payment", "RuleViolation"]
    refusal = next(result for result in results if isinstance(result, RuleViolation))
    assert "more than is still open (€1,025.00)" in str(refusal)
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert kinds(invoice) == [Kind.PAYMENT_RECORDED, Kind.ISSUED]
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.PARTLY_PAID


@pytest.mark.django_db(transaction=True)
def test_two_sends_at_once_issue_one_number_and_one_event(alice):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race is only real on PostgreSQL (run there on CI)")
    invoice = draft(alice)
    results = race(lambda: invoices.issue(Invoice.objects.get(pk=invoice.pk), actor=alice, send=False))
    assert sorted(type(result).__name__ for result in results) == ["Invoice", "InvoiceRefused"]
    assert kinds(invoice) == [Kind.ISSUED]
    assert Invoice.objects.get(pk=invoice.pk).number == "2026-0001"
