"""Done when: a recurring agreement drafts exactly one invoice per period across a simulated
two-month outage (time-machine), with real Redis and a real worker.

The worker runs in its own process on the real clock, which time-machine in this process cannot
move. So the past is made here, honestly: travelled back to the day after the second period was
drafted, the agreement is made and the sweep runs (in this process) on that day, as beat would
have. Then beat stops: nothing runs for two months. Back at the real today the sweep runs in the
real worker (``.delay().get()``): it drafts the two missed periods, each once and dated for its
own period. Run again, and two at once on two workers, it drafts nothing more.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from contracts import recurring
from contracts.models import Invoice, RecurringAgreement, RecurringLine
from contracts.tasks import sweep_recurring_invoices
from freelance.reminders.models import Reminder
from tests.conftest import spawn_worker
from tests.factories import ClientFactory
from tests.helpers import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def second_worker(celery_worker, smtp_server):
    """Another worker process on a queue of its own, for two sweeps at once."""
    queue = f"test-recurring-{uuid.uuid4().hex[:8]}"
    process, log = spawn_worker(queue, smtp_server.port, REMINDER_SWEEP_BATCH_SIZE="3")
    from freelance.dashboard.tasks import ping

    assert ping.apply_async(args=["up"], queue=queue).get(timeout=60) == "up"
    yield queue
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=15)
    log.close()


def three_months_back():
    """The first day of the month three months ago: periods 1 to 4 have started by today."""
    return recurring.add_months(timezone.localdate().replace(day=1), -3)


def make_agreements(owner, count: int, start) -> list[RecurringAgreement]:
    client = ClientFactory(owner=owner, name=f"Hotel Zeezicht {uuid.uuid4().hex[:6]}", language="en")
    agreements = []
    for n in range(count):
        agreement = RecurringAgreement.objects.create(
            owner=owner,
            client=client,
            description=f"Hosting {n}",
            start_date=start,
            drafts_from=start,
            draft_day=1,
        )
        RecurringLine.objects.create(agreement=agreement, description="Hosting", unit="month", unit_price=Decimal("45"))
        agreements.append(agreement)
    return agreements


def periods_of(agreement) -> Counter:
    return Counter(Invoice.objects.filter(recurring=agreement).values_list("recurring_period", flat=True))


def test_a_two_month_outage_drafts_each_missed_period_once_in_the_real_worker(celery_worker, mailbox, alice):
    start = three_months_back()
    before_the_outage = recurring.add_months(start, 1) + timedelta(days=1)  # period 2 drafted the day before
    with time_machine.travel(
        timezone.make_aware(datetime(before_the_outage.year, before_the_outage.month, before_the_outage.day, 9)),
        tick=False,
    ):
        [agreement] = make_agreements(alice, 1, start)
        assert recurring.sweep_recurring_invoices().sent == 2, "beat ran on time until here"
    assert periods_of(agreement) == Counter({1: 1, 2: 1})

    # Two months without beat. The real worker, on the real clock, catches up.
    today = timezone.localdate()
    due = [n for n in range(1, 6) if recurring.period(agreement, n).draft_on <= today]
    assert due == [1, 2, 3, 4]
    assert sweep_recurring_invoices.delay().get(timeout=120) == 2
    assert periods_of(agreement) == Counter({1: 1, 2: 1, 3: 1, 4: 1})
    for invoice in Invoice.objects.filter(recurring=agreement):
        dates = recurring.period(agreement, invoice.recurring_period)
        assert invoice.is_draft
        assert invoice.delivery_date == dates.end, "each draft is dated for its own period"
        first, last = recurring.period_text(dates, "en")
        assert f"{first} to {last}" in invoice.note
        assert invoice.lines.get().description == f"Hosting, {first} to {last}"

    # Beat runs again, and again: nothing more.
    assert sweep_recurring_invoices.delay().get(timeout=120) == 0
    assert sweep_recurring_invoices.delay().get(timeout=120) == 0
    assert periods_of(agreement) == Counter({1: 1, 2: 1, 3: 1, 4: 1})
    assert Reminder.objects.filter(kind=Reminder.Kind.RECURRING_INVOICE, object_id=agreement.pk).count() == 4
    # The freelancer was told of each draft, by mail through the outbox and the worker.
    assert wait_until(lambda: len(mailbox) >= 4, timeout=60), f"only {len(mailbox)} notices arrived"
    assert len(mailbox) == 4
    assert {m["X-Envelope-To"] for m in mailbox} == {alice.email}


def test_two_sweeps_at_once_after_an_outage_draft_each_period_once(celery_worker, second_worker, alice):
    start = three_months_back()
    agreements = make_agreements(alice, 30, start)  # four periods due each: 120 drafts
    first = sweep_recurring_invoices.delay()
    second = sweep_recurring_invoices.apply_async(queue=second_worker)
    drafted = first.get(timeout=180) + second.get(timeout=180)
    assert drafted == 120, "between them the two sweeps drafted each period exactly once"
    for agreement in agreements:
        assert periods_of(agreement) == Counter({1: 1, 2: 1, 3: 1, 4: 1})
    assert Invoice.objects.filter(recurring__in=agreements).count() == 120
    assert Reminder.objects.filter(kind=Reminder.Kind.RECURRING_INVOICE).count() == 120
    assert sweep_recurring_invoices.delay().get(timeout=120) == 0
