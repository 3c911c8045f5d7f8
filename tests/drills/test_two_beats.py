"""Drill: two `celery beat` processes run at once (a second `up`, a deploy that overlapped).

Injected: two real beat processes, each firing the payment-reminder sweep every second, and
two workers that run those sweeps side by side, for a few seconds. Protection: every
reminder is claimed by inserting its unique (kind, object, stage) row; only the sweep whose
insert won queues the mail. Each reminder must arrive exactly once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter

import pytest
from django.conf import settings as django_settings
from django.db import connection

from contracts.dutch_law import ensure_known_interest_rates
from contracts.models import StatutoryInterestRate
from freelance.outbox.models import OutgoingEmail
from freelance.reminders.models import Reminder
from tests.conftest import BASE_DIR, database_url_for_subprocess
from tests.helpers import wait_until
from tests.reminders.test_sweep_worker import overdue_invoices

pytestmark = [pytest.mark.worker, pytest.mark.drill, pytest.mark.django_db(transaction=True)]


def start_beat(queue: str, folder) -> tuple[subprocess.Popen, object]:
    folder.mkdir()
    env = {
        **os.environ,
        "VAR_DIR": str(folder),  # a schedule file of its own, as on another machine
        "DATABASE_URL": database_url_for_subprocess(),
        "REDIS_URL": django_settings.REDIS_URL,
        "CELERY_QUEUE": queue,
        "REMINDER_SWEEP_INTERVAL": "1",
        "HEARTBEAT_INTERVAL": "3600",
        "PYTHONUNBUFFERED": "1",
    }
    log = (folder / "beat.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "freelance", "beat", "--loglevel", "INFO",
         "--schedule", str(folder / "celerybeat-schedule")],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    return process, log


def sweeps_sent(folder) -> int:
    """How often a beat has sent the payment-reminder sweep, from its log."""
    return (folder / "beat.log").read_bytes().count(b"Sending due task sweep-payment-reminders")


def payment_reminders():
    return Reminder.objects.filter(kind=Reminder.Kind.PAYMENT)


def test_two_beats_at_once_send_each_reminder_once(drill_workers, drill_smtp, alice, tmp_path):
    ensure_known_interest_rates(StatutoryInterestRate)
    invoices = overdue_invoices(alice, 24)
    workers = [drill_workers.start(wait=False, REMINDER_SWEEP_BATCH_SIZE="3") for _ in range(2)]
    for worker in workers:
        drill_workers.wait_ready(worker)
    beats = [start_beat(drill_workers.queue, tmp_path / f"beat-{n}") for n in (1, 2)]
    try:
        assert wait_until(
            lambda: sweeps_sent(tmp_path / "beat-1") >= 1 and sweeps_sent(tmp_path / "beat-2") >= 1, timeout=60
        ), drill_workers.logs()
        assert wait_until(lambda: payment_reminders().count() == 24, timeout=30), drill_workers.logs()
    finally:
        for process, log in beats:
            process.terminate()
            process.wait(timeout=15)
            log.close()
    assert wait_until(
        lambda: not OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.SENT).exists(), timeout=60
    ), drill_workers.logs()
    time.sleep(1)
    wanted = {invoice.number for invoice in invoices}
    numbers = Counter(
        number for subject in drill_smtp.subjects().elements() if (number := subject.rsplit(" ", 1)[-1]) in wanted
    )
    assert numbers == Counter({invoice.number: 1 for invoice in invoices}), "each reminder exactly once"
    assert set(payment_reminders().values_list("stage", flat=True)) == {1}
    assert OutgoingEmail.objects.filter(pk__in=payment_reminders().values("email")).count() == 24
    sweeps = sweeps_sent(tmp_path / "beat-1") + sweeps_sent(tmp_path / "beat-2")
    print(f"two beats drill ({connection.vendor}): {sweeps} sweeps fired by two beats, 24 reminders, each once")
