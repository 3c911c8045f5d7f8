"""Drill: the worker is SIGKILLed while a mail is in flight, and while a reminder sweep runs.

Mid-send, injected: the SMTP server holds the reply to DATA (it has the whole mail: counted
as delivered, the worst case), the worker's process group is SIGKILLed, a new worker starts
and the outbox sweep runs (its stuck window shrunk from 5 minutes to 2 s). Protections: the
sweep re-sends a stuck mail once and fails it the second time (at most two copies), and the
Message-ID is fixed when the row is created (both copies carry it).

Mid-sweep, injected: SIGKILL while the payment-reminder sweep is between its batches; the
sweep runs again. Protections: one transaction per batch and the unique (kind, object, stage)
claim: no reminder is lost and none goes out twice.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from django.utils import timezone

from contracts.dutch_law import ensure_known_interest_rates
from contracts.models import StatutoryInterestRate
from contracts.tasks import sweep_payment_reminders
from freelance.outbox.models import OutgoingEmail
from freelance.outbox.tasks import send_email, sweep_outbox
from freelance.reminders.models import Reminder
from tests.helpers import wait_until
from tests.outbox.conftest import OutgoingEmailFactory
from tests.reminders.test_sweep_worker import overdue_invoices

pytestmark = [pytest.mark.worker, pytest.mark.drill, pytest.mark.django_db(transaction=True)]

Status = OutgoingEmail.Status


def status(email: OutgoingEmail) -> str:
    email.refresh_from_db()
    return email.status


def sweep_when_stuck(email: OutgoingEmail, settings) -> int:
    """Run the outbox sweep (as beat would) once the stuck window has passed for `email`."""
    email.refresh_from_db()
    wait = (email.claimed_at - timezone.now()).total_seconds() + settings.EMAIL_SENDING_TIMEOUT + 0.2
    time.sleep(max(wait, settings.EMAIL_QUEUED_GRACE + 0.2))
    return sweep_outbox()


def test_mail_cut_off_mid_send_arrives_at_most_twice_with_one_message_id(drill_workers, drill_smtp, alice, settings):
    settings.EMAIL_SENDING_TIMEOUT = 2
    settings.EMAIL_QUEUED_GRACE = 1
    a, b, c = (OutgoingEmailFactory(owner=alice, subject=f"Drill {name}") for name in "ABC")
    # A is cut off twice, B once, C never.
    drill_smtp.stall_subjects.update({"Drill A": 2, "Drill B": 1})
    started = time.monotonic()

    rows = {email.subject: email for email in (a, b, c)}
    held = None
    # Which mail a worker takes first depends on the broker (the killed worker's prefetched
    # tasks are lost): whatever is in flight is cut off, until A was cut twice and B once.
    for kill in range(1, 4):
        worker = drill_workers.start()
        if held is None:
            for email in (a, b, c):
                send_email.delay(email.pk)
        else:
            sweep_when_stuck(held, settings)  # as beat would, every minute
        assert drill_smtp.stalled.wait(timeout=30), f"kill {kill}: no send in flight\n{drill_workers.logs()}"
        held = rows[drill_smtp.in_flight]
        assert status(held) == Status.SENDING
        drill_workers.kill(worker)
        drill_smtp.release.set()
        drill_smtp.stalled.clear()
    drill_workers.start()
    sweep_when_stuck(held, settings)
    assert wait_until(lambda: status(b) == Status.SENT and status(c) == Status.SENT, timeout=30), drill_workers.logs()
    recovered = time.monotonic() - started
    # Later sweeps find nothing more to do: no third copy of anything.
    time.sleep(settings.EMAIL_SENDING_TIMEOUT + 0.5)
    assert sweep_outbox() == 0
    time.sleep(1)

    for email in (a, b, c):
        email.refresh_from_db()
    copies = drill_smtp.copies()
    assert copies == Counter({a.message_id: 2, b.message_id: 2, c.message_id: 1}), drill_smtp.subjects()
    assert drill_smtp.subjects() == Counter({"Drill A": 2, "Drill B": 2, "Drill C": 1}), "one Message-ID per mail"
    assert (a.status, a.interruptions) == (Status.FAILED, 2), "cut off twice: failed, not sent a third time"
    assert "stopped twice" in a.last_error, "the freelancer sees why in Sent mail"
    assert (b.status, b.interruptions) == (Status.SENT, 1)
    assert (c.status, c.interruptions) == (Status.SENT, 0)
    print(f"mid-send drill: 3 kills, all mail settled {recovered:.1f} s after the first send")


@pytest.fixture
def _interest_table():
    ensure_known_interest_rates(StatutoryInterestRate)


def test_a_worker_killed_mid_sweep_sends_every_reminder_stage_once(
    _interest_table, drill_workers, drill_smtp, alice, settings
):
    settings.EMAIL_QUEUED_GRACE = 1
    invoices = overdue_invoices(alice, 30)
    worker = drill_workers.start(REMINDER_SWEEP_BATCH_SIZE="2")
    started = time.monotonic()
    sweep_payment_reminders.delay()
    assert wait_until(lambda: Reminder.objects.exists(), timeout=60, interval=0.01), drill_workers.logs()
    drill_workers.kill(worker)
    before_the_kill = Reminder.objects.count()
    assert 0 < before_the_kill < 30, "the kill should land mid-sweep"
    assert not Reminder.objects.filter(email__isnull=True).exists(), "every committed batch is whole"

    # Beat starts the sweep again on a new worker; the outbox sweep picks up the mail tasks
    # that the killed worker had taken from the queue.
    drill_workers.start(REMINDER_SWEEP_BATCH_SIZE="2")
    sweep_payment_reminders.delay()
    assert wait_until(lambda: Reminder.objects.count() == 30, timeout=60), drill_workers.logs()
    time.sleep(1.2)
    sweep_outbox()
    assert wait_until(lambda: sum(drill_smtp.subjects().values()) >= 30, timeout=60), drill_workers.logs()
    recovered = time.monotonic() - started
    time.sleep(1)

    numbers = Counter(subject.rsplit(" ", 1)[-1] for subject in drill_smtp.subjects().elements())
    assert numbers == Counter({invoice.number: 1 for invoice in invoices}), "each reminder exactly once"
    assert set(Reminder.objects.values_list("stage", flat=True)) == {1}
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {Status.SENT}
    print(f"mid-sweep drill: killed after {before_the_kill}/30 reminders, all 30 arrived {recovered:.1f} s after start")
