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
    # 28 days late (27 Dec 2026 – 23 Jan 2027) on € 3.025,00, all at 10,15 % (the last known rate,
    # from 1 Jan 2026): 3025 × 0.1015 × 28 / 365 = 8597.05 / 365 = 23.5535… → 23.55. One rate: no periods listed.
    assert "10,15%" in final and "€ 23,55" in final
    assert "dagen tegen" not in final and " days at " not in final
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
    # Consumer statutory interest, 27 Dec 2026 – 13 Jan 2027 = 18 days at 6 % (the last known consumer
    # rate, from 1 Jan 2025): 3025 × 0.06 × 18 / 365 = 3267 / 365 = 8.9506… → 8.95
    assert "€ 427,50" in costs and "6,00%" in costs and "€ 8,95" in costs


def issue_on(owner, day: date, **client_fields) -> Invoice:
    with at(day):
        _project, phase = billable_project(owner, **client_fields)
        invoice = invoices.issue(invoices.draft_for_phase(phase), actor=owner)
    OutgoingEmail.objects.filter(kind="invoice").delete()
    return invoice


def plain(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content().replace("\xa0", " ")


def test_the_final_notice_states_the_interest_per_rate_period(alice, mailbox):
    invoice = issue_on(alice, date(2024, 5, 20))
    assert invoice.due_date == date(2024, 6, 19)
    received = walk(date(2024, 6, 19), date(2024, 7, 17))
    assert received[date(2024, 7, 17)] == ["payment_reminder_3"]
    final = plain(mailbox[-1])
    # Interest from 20 Jun to 17 Jul 2024 on € 3.025,00, split at the rate change of 1 July:
    #   20–30 Jun: 11 days at 12,50 %: 3025 × 0.1250 × 11 / 365 = 4159.375 / 365 = 11.3955… → 11.40
    #   1–17 Jul:  17 days at 12,25 %: 3025 × 0.1225 × 17 / 365 = 6299.5625 / 365 = 17.2591… → 17.26
    #   total 28.66 (today's rate over all 28 days, the old rule, gave 28.43)
    assert "€ 28,66" in final and "12,25%" in final
    assert "€ 11,40" in final and "€ 17,26" in final and "12,50%" in final
    assert "€ 28,43" not in final


def test_a_payment_after_the_due_date_lowers_the_interest_from_that_day(alice, mailbox):
    invoice = issue_on(alice, date(2024, 5, 20))
    walk(date(2024, 6, 19), date(2024, 7, 4))
    with at(date(2024, 7, 5)):
        payments.record_payment(invoice, amount=Decimal("1000.00"), paid_on=date(2024, 7, 5), actor=alice)
    walk(date(2024, 7, 5), date(2024, 7, 17))
    final = plain(mailbox[-1])
    #   20–30 Jun: 11 days at 12,50 % on 3025: 11.40 (as above)
    #   1–4 Jul:    4 days at 12,25 % on 3025: 3025 × 0.1225 × 4 / 365 = 1482.25 / 365 = 4.0609… → 4.06
    #   5–17 Jul:  13 days at 12,25 % on 2025: 2025 × 0.1225 × 13 / 365 = 3224.8125 / 365 = 8.8351… → 8.84
    #   total 24.30 (the old rule, 2025 × 12,25 % over 28 days, gave 19.03)
    assert "€ 2.025,00" in final and "€ 24,30" in final
    assert "€ 11,40" in final and "€ 4,06" in final and "€ 8,84" in final


def test_the_consumer_costs_mail_states_the_consumer_interest_per_period(alice, mailbox):
    issue_on(alice, date(2024, 11, 20), kind=Client.Kind.CONSUMER, kvk_number="", vat_id="")
    received = walk(date(2024, 12, 20), date(2025, 1, 31))
    # Letter on 21 Dec; received 23 Dec; 14 days from the day after: ends 6 Jan; costs on 7 Jan.
    assert received == {date(2024, 12, 21): ["payment_reminder_1"], date(2025, 1, 7): ["payment_reminder_2"]}
    costs = plain(mailbox[1])
    #   21–31 Dec 2024: 11 days at 7 %: 3025 × 0.07 × 11 / 365 = 2329.25 / 365 = 6.3815… → 6.38
    #   1–7 Jan 2025:    7 days at 6 %: 3025 × 0.06 ×  7 / 365 = 1270.5 / 365 = 3.4808… → 3.48
    #   total 9.86 (the old rule, 6 % over all 18 days, gave 8.95)
    assert "€ 9,86" in costs and "€ 6,38" in costs and "€ 3,48" in costs and "7,00%" in costs


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
