"""Drill: Redis stops, during page traffic and during a sweep, and comes back.

Injected: the drill's own redis-server (cache, broker and result backend of this process and
of a real worker) is SIGKILLed; nothing in it survives. Protections: the link rate limiter
fails open and logs once; a mail queued while the broker is down is a committed row whose
enqueue failed quietly (on_commit robust), and the outbox sweep enqueues it once Redis is
back; a sweep needs only the database, so it finishes without Redis.
"""

from __future__ import annotations

import logging
import time
from collections import Counter

import pytest
from django.test import Client
from django.urls import reverse

from contracts.dutch_law import ensure_known_interest_rates
from contracts.models import StatutoryInterestRate
from contracts.tasks import sweep_payment_reminders
from freelance.links import views as link_views
from freelance.links.models import ClientLink
from freelance.outbox.models import OutgoingEmail
from freelance.outbox.tasks import sweep_outbox
from freelance.reminders.models import Reminder
from tests.drills.conftest import broker_at
from tests.factories import ProjectFactory
from tests.helpers import wait_until
from tests.outbox.conftest import OutgoingEmailFactory
from tests.reminders.test_sweep_worker import overdue_invoices

pytestmark = [pytest.mark.worker, pytest.mark.drill, pytest.mark.django_db(transaction=True)]

Status = OutgoingEmail.Status


@pytest.fixture
def cache_in_drill_redis(drill_redis, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": drill_redis.url,
            "KEY_PREFIX": "mijlpaal",
        }
    }
    settings.EMAIL_QUEUED_GRACE = 1
    with broker_at(drill_redis.celery_url):
        yield drill_redis


def test_with_redis_stopped_pages_and_links_work_and_mail_queued_meanwhile_goes_out_after(
    cache_in_drill_redis, drill_workers, drill_smtp, alice, caplog, monkeypatch
):
    redis = cache_in_drill_redis
    drill_workers.start(redis_url=redis.url)
    monkeypatch.setattr(link_views, "_cache_down_logged", False)
    project = ProjectFactory(owner=alice)
    _link, token = ClientLink.issue(
        owner=alice, purpose=ClientLink.Purpose.PROJECT_PAGE, target=project, recipient_email="jan@example.nl"
    )
    failed = OutgoingEmailFactory(owner=alice, status=Status.FAILED, subject="Drill sent again", attempts=6)
    freelancer = Client(raise_request_exception=False)
    freelancer.force_login(alice)
    visitor = Client(raise_request_exception=False)

    redis.stop()
    down_at = time.monotonic()
    for path in ("/", reverse("projects:project_detail", args=[project.pk]), "/mail/", f"/mail/{failed.pk}/"):
        assert freelancer.get(path).status_code == 200, path
    again = freelancer.post(reverse("outbox:send_again", args=[failed.pk]))
    assert again.status_code == 302, "Send again works; the mail waits in the outbox"
    failed.refresh_from_db()
    assert failed.status == Status.QUEUED
    opened = visitor.get(f"/l/{token}/", follow=True)
    assert opened.status_code == 200, "the client's link opens"
    for _ in range(3):
        assert visitor.get("/l/" + "x" * 43 + "/").status_code == 404, "a junk link gets its page, not a 500"
    warnings = [r for r in caplog.records if "link rate limit off" in r.getMessage()]
    assert len(warnings) == 1, "the rate limiter fails open and says so once"
    page_seconds = time.monotonic() - down_at

    redis.start()
    time.sleep(1.2)  # EMAIL_QUEUED_GRACE
    assert sweep_outbox() == 1, "beat's outbox sweep finds the mail whose task never reached Redis"
    assert wait_until(lambda: drill_smtp.subjects()["Drill sent again"] == 1, timeout=30), drill_workers.logs()
    recovered = time.monotonic() - down_at - page_seconds
    time.sleep(1)
    assert drill_smtp.subjects() == Counter({"Drill sent again": 1})
    print(f"Redis down, page traffic: 8 requests in {page_seconds:.1f} s, mail out {recovered:.1f} s after Redis")


def test_redis_stopped_during_a_sweep_every_reminder_arrives_once_after_it_returns(
    cache_in_drill_redis, drill_workers, drill_smtp, alice, caplog
):
    redis = cache_in_drill_redis
    ensure_known_interest_rates(StatutoryInterestRate)
    invoices = overdue_invoices(alice, 12)
    drill_workers.start(redis_url=redis.url, REMINDER_SWEEP_BATCH_SIZE="2")
    sweep_payment_reminders.delay()
    assert wait_until(lambda: Reminder.objects.exists(), timeout=60, interval=0.01), drill_workers.logs()
    redis.stop()
    stopped_after = Reminder.objects.count()
    # The sweep needs only the database: it finishes; its mails wait as queued rows.
    assert wait_until(lambda: Reminder.objects.count() == 12, timeout=60), drill_workers.logs()
    assert 0 < stopped_after < 12, "Redis should stop mid-sweep"
    waiting = OutgoingEmail.objects.exclude(status=Status.SENT).count()
    assert waiting > 0

    redis.start()
    back_at = time.monotonic()
    time.sleep(1.2)
    with caplog.at_level(logging.WARNING):
        sweep_outbox()
    assert wait_until(lambda: not OutgoingEmail.objects.exclude(status=Status.SENT).exists(), timeout=60), (
        drill_workers.logs()
    )
    recovered = time.monotonic() - back_at
    time.sleep(1)
    numbers = Counter(subject.rsplit(" ", 1)[-1] for subject in drill_smtp.subjects().elements())
    assert numbers == Counter({invoice.number: 1 for invoice in invoices}), "each reminder exactly once"
    print(
        f"Redis down mid-sweep: stopped after {stopped_after}/12 reminders, {waiting} mails waited, "
        f"all out {recovered:.1f} s after Redis returned"
    )


def test_with_redis_unreachable_queueing_a_mail_takes_a_moment_not_twenty_seconds(alice, caplog):
    """Broker and result store both down (one Redis in production): the page that queues a mail
    answers within seconds with one warning, and the mail waits in the outbox for the sweep.
    Celery's default (20 reconnects a second apart to the result store) held it for 20 s."""
    import threading

    from django.db import transaction

    from freelance.celery import app
    from freelance.outbox.queue import send_on_commit

    dead = "redis://127.0.0.1:1/0"
    saved = app.conf.result_backend, app._local
    app.conf.result_backend = dead
    app._local = threading.local()  # drop the cached result store
    try:
        with broker_at(dead):
            email = OutgoingEmailFactory(owner=alice, status=Status.QUEUED, subject="Waits for Redis")
            started = time.monotonic()
            with transaction.atomic():
                send_on_commit(email.pk)
            seconds = time.monotonic() - started
    finally:
        app.conf.result_backend, app._local = saved
    assert seconds < 5, f"queueing took {seconds:.1f} s"
    assert [r for r in caplog.records if "stays queued" in r.getMessage()], "one warning says the mail waits"
    email.refresh_from_db()
    assert email.status == Status.QUEUED
    print(f"Redis unreachable: queueing a mail took {seconds:.1f} s")
