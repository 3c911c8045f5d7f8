"""Payment reminders walked day by day through real SMTP: the exact mails, no duplicates, no skips."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from contracts import invoices, payments
from contracts import reminders as sweeps
from contracts.dutch_law import ensure_known_interest_rates
from contracts.models import Invoice, StatutoryInterestRate
from freelance.outbox.models import OutgoingEmail
from freelance.outbox.tasks import send_email
from freelance.reminders.models import Reminder
from projects.models import Client
from tests.factories import billable_project

pytestmark = pytest.mark.django_db

ISSUED = date(2026, 11, 26)  # due 30 days later: 26 December 2026


def at(day: date, hour: int = 9):
    return time_machine.travel(
        timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=hour)), tick=False
    )


@pytest.fixture(autouse=True)
def _interest_table():
    ensure_known_interest_rates(StatutoryInterestRate)


def issue_invoice(owner, **client_fields) -> Invoice:
    with at(ISSUED):
        _project, phase = billable_project(owner, **client_fields)
        invoice = invoices.issue(invoices.draft_for_phase(phase), actor=owner)
    # The invoice mail itself is not part of the escalation.
    OutgoingEmail.objects.filter(kind="invoice").delete()
    return invoice


def deliver_queued() -> None:
    """What the worker does: send every queued mail over SMTP."""
    for pk in OutgoingEmail.objects.filter(status=OutgoingEmail.Status.QUEUED).values_list("pk", flat=True):
        send_email(pk)


def walk(first: date, last: date, *, skip: set[date] = frozenset(), sweeps_per_day: int = 2) -> dict[date, list[str]]:
    """Run the sweep (twice a day, as beat would many times) on each day; return the subjects per day."""
    received: dict[date, list[str]] = {}
    day = first
    while day <= last:
        if day not in skip:
            before = OutgoingEmail.objects.count()
            for hour in (9, 15)[:sweeps_per_day]:
                with at(day, hour):
                    sweeps.sweep_payment_reminders()
                    deliver_queued()
            new = OutgoingEmail.objects.order_by("pk")[before:]
            if new:
                received[day] = [mail.kind for mail in new]
        day += timedelta(days=1)
    return received


def test_business_client_gets_friendly_firm_and_final_on_their_days(alice, mailbox):
    invoice = issue_invoice(alice)
    assert invoice.due_date == date(2026, 12, 26)
    received = walk(ISSUED, date(2027, 3, 31))
    assert received == {
        date(2026, 12, 27): ["payment_reminder_1"],
        date(2027, 1, 9): ["payment_reminder_2"],
        date(2027, 1, 23): ["payment_reminder_3"],
    }
    subjects = [m["Subject"] for m in mailbox]
    assert subjects == [
        "Herinnering: factuur 2026-0001",
        "Tweede herinnering: factuur 2026-0001 is te laat",
        "Laatste aanmaning: factuur 2026-0001",
    ]
    assert all(m["To"] == "bea@client.example" for m in mailbox)
    final = mailbox[2].get_body(preferencelist=("plain",)).get_content().replace("\xa0", " ")
    # 28 days late on € 3.025,00 at 12,25 %: 3025 × 0.1225 × 28 / 365 = 28.43
    assert "12,25%" in final and "€ 28,43" in final
    assert "€ 427,50" in final  # collection costs: 15 % of 2500 + 10 % of 525 = 375 + 52.50
    assert all(m.get_payload()[-1].get_filename() == "factuur-2026-0001.pdf" for m in mailbox)
    assert Reminder.objects.filter(object_id=invoice.pk).count() == 3


def test_consumer_gets_the_14_day_letter_and_costs_only_after_its_term(alice, mailbox):
    issue_invoice(alice, kind=Client.Kind.CONSUMER, kvk_number="", vat_id="")
    received = walk(ISSUED, date(2027, 3, 31))
    # Letter on 27 Dec; received (margin 2 days) on 29 Dec; 14 days from the day after: ends 12 Jan.
    assert received == {date(2026, 12, 27): ["payment_reminder_1"], date(2027, 1, 13): ["payment_reminder_2"]}
    letter = mailbox[0].get_body(preferencelist=("plain",)).get_content().replace("\xa0", " ")
    assert "te rekenen vanaf de dag na ontvangst" in letter
    assert "12 januari 2027" in letter
    assert "€ 427,50" in letter  # the exact collection costs, named in advance
    assert "na dagtekening" not in letter
    costs = mailbox[1].get_body(preferencelist=("plain",)).get_content().replace("\xa0", " ")
    assert "€ 427,50" in costs and "7,00%" in costs  # consumer statutory interest


def test_a_missed_week_is_caught_up_one_stage_at_a_time(alice, mailbox):
    invoice = issue_invoice(alice)
    down = {date(2026, 12, 26) + timedelta(days=n) for n in range(0, 21)}  # no sweeps 26 Dec – 15 Jan
    received = walk(ISSUED, date(2027, 4, 30), skip=down)
    assert received == {
        date(2027, 1, 16): ["payment_reminder_1"],  # caught up, friendly first
        date(2027, 1, 29): ["payment_reminder_2"],  # 13 days later, the configured gap
        date(2027, 2, 12): ["payment_reminder_3"],  # 14 days after that
    }
    assert sorted(Reminder.objects.filter(object_id=invoice.pk).values_list("stage", flat=True)) == [1, 2, 3]


def test_payment_stops_the_escalation_and_a_pause_holds_it(alice, mailbox):
    invoice = issue_invoice(alice)
    walk(ISSUED, date(2027, 1, 10))
    assert len(mailbox) == 2
    with at(date(2027, 1, 10)):
        payments.record_payment(invoice, amount=invoice.total, paid_on=date(2027, 1, 10), actor=alice)
    walk(date(2027, 1, 11), date(2027, 3, 1))
    assert len(mailbox) == 2

    other = issue_invoice(alice, name="Paused B.V.")
    Client.objects.filter(pk=other.client_id).update(reminders_paused_reason="Paying in instalments, agreed by phone")
    walk(date(2026, 12, 20), date(2027, 2, 1))
    assert not Reminder.objects.filter(object_id=other.pk).exists()


def test_partly_paid_reminders_state_what_is_still_open(alice, mailbox):
    invoice = issue_invoice(alice)
    with at(date(2026, 12, 1)):
        payments.record_payment(invoice, amount=Decimal("1000.00"), paid_on=date(2026, 12, 1), actor=alice)
    walk(date(2026, 12, 27), date(2026, 12, 27))
    body = mailbox[0].get_body(preferencelist=("plain",)).get_content().replace("\xa0", " ")
    assert "€ 2.025,00" in body


def test_a_sweep_runs_a_constant_number_of_queries_per_batch(alice, settings, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.REMINDER_SWEEP_BATCH_SIZE = 10
    for n in range(25):
        issue_invoice(alice, name=f"Klant {n} B.V.")
    with at(date(2026, 12, 27)), CaptureQueriesContext(connection) as queries:
        result = sweeps.sweep_payment_reminders()
    assert (result.batches, result.sent) == (3, 25)
    # per batch: invoices, reminders sent, profiles, contacts, claim insert, claim read-back,
    # PDFs, mail insert, attachment insert, link update; plus savepoints and the rate table.
    per_batch = (len(queries) - 1) / 3
    assert per_batch <= 14, "\n".join(q["sql"][:100] for q in queries.captured_queries)
    with at(date(2026, 12, 28)), CaptureQueriesContext(connection) as again:
        assert sweeps.sweep_payment_reminders().sent == 0
    assert len(again) <= 1 + 3 * 6  # nothing due: only the reads
