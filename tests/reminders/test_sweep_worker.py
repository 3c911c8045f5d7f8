"""Reminder sweeps through real Redis, real worker processes and real SMTP.

Two sweeps at once send each reminder once; a worker killed with SIGKILL mid-sweep loses
nothing, because the next sweep completes the work; SMTP down, then up: the mails arrive.
"""

from __future__ import annotations

import os
import signal
import uuid
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contracts.dutch_law import ensure_known_interest_rates
from contracts.models import BusinessProfile, Invoice, StatutoryInterestRate
from contracts.tasks import sweep_payment_reminders
from freelance.outbox.models import OutgoingEmail
from freelance.reminders.models import Reminder
from tests.conftest import spawn_worker
from tests.factories import ClientFactory, ContactFactory
from tests.helpers import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _interest_table():
    ensure_known_interest_rates(StatutoryInterestRate)


def overdue_invoices(owner, count: int) -> list[Invoice]:
    """`count` sent invoices, two days past due: each is due for its friendly reminder today."""
    BusinessProfile.objects.create(owner=owner, business_name="Studio", iban="NL91ABNA0417164300")
    client = ClientFactory(owner=owner)
    ContactFactory(client=client, email="pay@client.example", is_budget_holder=True)
    today = timezone.localdate()
    Invoice.objects.bulk_create(
        Invoice(
            owner=owner,
            client=client,
            number=f"2026-{n:04d}",
            status=Invoice.Status.SENT,
            issue_date=today - timedelta(days=32),
            due_date=today - timedelta(days=2),
            total_excl=Decimal("100.00"),
            total_vat=Decimal("21.00"),
            total=Decimal("121.00"),
            seller={"name": "Studio", "iban": "NL91ABNA0417164300"},
        )
        for n in range(1, count + 1)
    )
    return list(Invoice.objects.filter(owner=owner))


def numbers_in(mailbox) -> Counter:
    return Counter(message["Subject"].rsplit(" ", 1)[-1] for message in mailbox)


@pytest.fixture
def second_worker(celery_worker, smtp_server):
    """Another worker process, on a queue of its own, that a test may kill."""
    queue = f"test-kill-{uuid.uuid4().hex[:8]}"
    process, log = spawn_worker(queue, smtp_server.port, REMINDER_SWEEP_BATCH_SIZE="3")
    from freelance.dashboard.tasks import ping

    assert ping.apply_async(args=["up"], queue=queue).get(timeout=60) == "up"
    yield queue, process
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=15)
    log.close()


def test_two_sweeps_at_once_send_each_reminder_once(celery_worker, second_worker, mailbox, alice):
    invoices = overdue_invoices(alice, 40)
    queue, _process = second_worker
    first = sweep_payment_reminders.delay()
    second = sweep_payment_reminders.apply_async(queue=queue)
    sent = first.get(timeout=120) + second.get(timeout=120)
    assert sent == 40, "between them the two sweeps sent each reminder exactly once"
    assert wait_until(lambda: len(mailbox) >= 40, timeout=60), f"only {len(mailbox)} mails arrived"
    assert numbers_in(mailbox) == Counter({invoice.number: 1 for invoice in invoices})
    assert Reminder.objects.filter(kind="payment", stage=1).count() == 40


def test_a_worker_killed_mid_sweep_loses_nothing(celery_worker, second_worker, mailbox, alice):
    invoices = overdue_invoices(alice, 150)
    queue, process = second_worker
    sweep_payment_reminders.apply_async(queue=queue)
    assert wait_until(lambda: Reminder.objects.exists(), timeout=60, interval=0.01)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    done_before_the_kill = Reminder.objects.count()
    assert 0 < done_before_the_kill < 150, "the kill should land mid-sweep"
    # Every committed batch is whole: each claim has its mail.
    assert not Reminder.objects.filter(email__isnull=True).exists()

    # The next sweep (beat would start it) completes the work on the other worker.
    assert sweep_payment_reminders.delay().get(timeout=120) == 150 - done_before_the_kill
    # The killed worker's queued mail tasks died with its queue: the outbox sweep re-enqueues them.
    from freelance.outbox.tasks import sweep_outbox

    OutgoingEmail.objects.filter(status=OutgoingEmail.Status.QUEUED).update(
        next_attempt_at=timezone.now() - timedelta(hours=1)
    )
    sweep_outbox.delay().get(timeout=60)
    assert wait_until(lambda: len(mailbox) >= 150, timeout=90), f"only {len(mailbox)} mails arrived"
    assert numbers_in(mailbox) == Counter({invoice.number: 1 for invoice in invoices})
    assert Reminder.objects.filter(kind="payment").count() == 150


def test_smtp_down_then_up_the_reminders_arrive_after_retry(celery_worker, smtp_server, mailbox, alice):
    invoices = overdue_invoices(alice, 5)
    smtp_server.controller.stop()
    try:
        assert sweep_payment_reminders.delay().get(timeout=60) == 5
        assert wait_until(
            lambda: OutgoingEmail.objects.filter(attempts__gte=1, status=OutgoingEmail.Status.QUEUED).count() == 5,
            timeout=30,
        ), "the first attempts should fail while SMTP is down"
        assert mailbox == []
    finally:
        # A stopped aiosmtpd controller cannot start again: a new one takes the same port.
        from aiosmtpd.controller import Controller

        smtp_server.controller = Controller(smtp_server, hostname="127.0.0.1", port=smtp_server.port)
        smtp_server.controller.start()
    assert wait_until(lambda: len(mailbox) >= 5, timeout=60), f"only {len(mailbox)} mails arrived"
    assert numbers_in(mailbox) == Counter({invoice.number: 1 for invoice in invoices})
    # The worker marks a row sent just after SMTP took it: on a busy machine a moment later.
    assert wait_until(
        lambda: set(OutgoingEmail.objects.values_list("status", flat=True)) == {OutgoingEmail.Status.SENT}, timeout=30
    ), set(OutgoingEmail.objects.values_list("status", flat=True))
