"""Sending outbox rows over real SMTP (aiosmtpd): through the real worker, retries, races, the sweep."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from freelance.outbox import tasks
from freelance.outbox.models import OutgoingEmail
from freelance.outbox.queue import queue_email
from freelance.outbox.tasks import send_email, sweep_outbox
from tests.helpers import wait_until
from tests.outbox.conftest import PDF, OutgoingAttachmentFactory, OutgoingEmailFactory


def status_of(email: OutgoingEmail) -> str:
    email.refresh_from_db()
    return email.status


def queue(owner, template, mail_context, **overrides) -> OutgoingEmail:
    arguments = {
        "owner": owner,
        "to": ["jan@bakkerij.example"],
        "template": template,
        "context": mail_context,
        "language": "nl",
        "kind": "phase_acceptance_request",
        "reply_to": ["alice@example.nl"],
        "attachments": [("factuur-2025-001.pdf", PDF, "application/pdf")],
    }
    return queue_email(**{**arguments, **overrides})


# -- through Redis, the worker process and SMTP ----------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_queued_mail_arrives_once_with_text_html_and_the_pdf(
    celery_worker, mailbox, alice, email_templates, mail_context, settings
):
    email = queue(alice, email_templates, mail_context)

    assert wait_until(lambda: len(mailbox) == 1, timeout=30), "the mail never arrived"
    assert wait_until(lambda: status_of(email) == OutgoingEmail.Status.SENT, timeout=10)
    received = mailbox[0]
    assert received["Subject"] == "Ja: Bakkerij Één & Zonen is ready"
    assert received["X-Envelope-To"] == "jan@bakkerij.example"
    assert received["To"] == "jan@bakkerij.example"
    assert received["Reply-To"] == "alice@example.nl"
    assert received["From"] == settings.DEFAULT_FROM_EMAIL
    assert "Ja, Jan <de baas>." in received.get_body(preferencelist=("plain",)).get_content()
    assert "<p>Ja, Jan &lt;de baas&gt;.</p>" in received.get_body(preferencelist=("html",)).get_content()
    (attachment,) = received.iter_attachments()
    assert attachment.get_filename() == "factuur-2025-001.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF

    email.refresh_from_db()
    assert email.sent_at is not None
    assert email.attempts == 1
    assert email.message_id and received["Message-ID"] == email.message_id
    time.sleep(1)
    assert len(mailbox) == 1, "sent exactly once"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_duplicated_or_repeated_task_sends_one_mail(celery_worker, mailbox, alice, email_templates, mail_context):
    email = queue(alice, email_templates, mail_context)
    duplicate = send_email.delay(email.pk)  # a second task for the same row, as a redelivery would be
    assert duplicate.get(timeout=30) in ("sent", "skipped")
    assert wait_until(lambda: status_of(email) == OutgoingEmail.Status.SENT, timeout=30)

    assert send_email.delay(email.pk).get(timeout=30) == "skipped"
    assert send_email.delay(email.pk).get(timeout=30) == "skipped"
    assert len(mailbox) == 1
    email.refresh_from_db()
    assert email.attempts == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_mail_queued_in_a_rolled_back_transaction_is_never_sent(
    celery_worker, mailbox, alice, email_templates, mail_context
):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        queue(alice, email_templates, {**mail_context, "project": "Teruggedraaid"})
        1 / 0  # noqa: B018
    kept = queue(alice, email_templates, {**mail_context, "project": "Bewaard"})

    # The worker runs one task at a time in order: once the second mail is in, the first had its chance.
    assert wait_until(lambda: status_of(kept) == OutgoingEmail.Status.SENT, timeout=30)
    assert [message["Subject"] for message in mailbox] == ["Ja: Bewaard is ready"]
    assert OutgoingEmail.objects.count() == 1


# -- in this process: retries and give-up ------------------------------------------------------------


@pytest.mark.django_db
def test_smtp_down_puts_the_mail_back_in_the_queue_and_it_goes_out_once_smtp_is_back(
    mailbox, smtp_server, settings, closed_port, alice
):
    settings.EMAIL_PORT = closed_port
    settings.EMAIL_RETRY_BASE_SECONDS = 0
    email = OutgoingAttachmentFactory(email__owner=alice).email

    # Called directly (as a worker would, minus the broker), retry() re-raises the SMTP
    # error instead of scheduling; apply() would run every retry at once (see the next test).
    with pytest.raises(ConnectionRefusedError):
        send_email(email.pk)
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.QUEUED
    assert email.attempts == 1
    assert "ConnectionRefusedError" in email.last_error
    assert email.sent_at is None
    assert mailbox == []

    settings.EMAIL_PORT = smtp_server.port
    assert send_email.apply(args=[email.pk]).get() == "sent"
    assert len(mailbox) == 1
    assert mailbox[0].get_body(preferencelist=("plain",)).get_content().startswith("Beste Jan,")
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.SENT, 2)
    assert email.sent_at is not None
    assert mailbox[0]["Message-ID"] == email.message_id

    assert send_email.apply(args=[email.pk]).get() == "skipped"
    assert len(mailbox) == 1


@pytest.mark.django_db
def test_a_failed_attempt_backs_off_exponentially(mailbox, settings, closed_port, alice):
    settings.EMAIL_PORT = closed_port
    settings.EMAIL_RETRY_BASE_SECONDS = 30
    email = OutgoingEmailFactory(owner=alice, attempts=2)  # two attempts already failed
    before = timezone.now()
    with pytest.raises(ConnectionRefusedError):
        send_email(email.pk)
    email.refresh_from_db()
    assert email.attempts == 3
    assert timedelta(seconds=240) <= email.next_attempt_at - before <= timedelta(seconds=245), "30 s * 2**3"


@pytest.mark.django_db
def test_after_the_last_retry_the_mail_is_failed(mailbox, settings, closed_port, alice):
    settings.EMAIL_PORT = closed_port
    settings.EMAIL_RETRY_BASE_SECONDS = 0
    settings.EMAIL_MAX_RETRIES = 2
    email = OutgoingEmailFactory(owner=alice)

    # apply() runs the task eagerly and runs each retry it asks for right away.
    assert send_email.apply(args=[email.pk]).get() == "failed"
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.FAILED
    assert email.attempts == 3, "the first attempt and two retries"
    assert "ConnectionRefusedError" in email.last_error
    assert mailbox == []
    assert send_email.apply(args=[email.pk]).get() == "skipped", "a late task does not revive it"


@pytest.mark.django_db
def test_an_error_that_is_not_about_delivery_fails_the_mail_at_once(mailbox, alice):
    email = OutgoingEmailFactory(owner=alice)
    failing = mock.patch.object(OutgoingEmail, "build_message", side_effect=ValueError("bad header"))
    with failing, pytest.raises(ValueError, match="bad header"):
        send_email(email.pk)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.FAILED, 1)
    assert email.last_error == "ValueError: bad header"
    assert mailbox == []


# -- two workers at once -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_the_same_mail_send_it_once(mailbox, alice):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises all writes, so two threads cannot race on a claim; runs on PostgreSQL")
    email = OutgoingAttachmentFactory(email__owner=alice).email
    start = threading.Barrier(2)
    results: list[str] = []

    def work() -> None:
        try:
            start.wait(timeout=10)
            results.append(send_email.apply(args=[email.pk]).get())
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["sent", "skipped"]
    assert len(mailbox) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.SENT, 1)


# -- the sweep -----------------------------------------------------------------------------------------


def make(owner, status, **fields) -> OutgoingEmail:
    if status == OutgoingEmail.Status.SENT:
        fields.setdefault("sent_at", timezone.now())
    return OutgoingEmailFactory(owner=owner, status=status, **fields)


@pytest.fixture
def enqueued():
    with mock.patch.object(send_email, "delay") as delay:
        yield delay


def enqueued_pks(delay) -> list[int]:
    return [call.args[0] for call in delay.call_args_list]


@pytest.mark.django_db
def test_the_sweep_re_enqueues_lost_and_stuck_mail_only(alice, enqueued, settings):
    settings.EMAIL_MAX_RETRIES = 5
    now = timezone.now()
    long_ago = now - timedelta(hours=1)
    Status = OutgoingEmail.Status
    lost = make(alice, Status.QUEUED, next_attempt_at=now - timedelta(minutes=3), created_at=long_ago)
    stuck = make(alice, Status.SENDING, attempts=1, claimed_at=now - timedelta(minutes=16), created_at=long_ago)
    fresh = make(alice, Status.QUEUED, created_at=long_ago)  # e.g. a retry that is due now
    backing_off = make(alice, Status.QUEUED, next_attempt_at=now + timedelta(minutes=8), created_at=long_ago)
    sending = make(alice, Status.SENDING, attempts=1, claimed_at=now - timedelta(minutes=1), created_at=long_ago)
    sent = make(alice, Status.SENT, created_at=long_ago)
    failed = make(alice, Status.FAILED, created_at=long_ago, next_attempt_at=long_ago)
    worn_out = make(alice, Status.SENDING, attempts=6, claimed_at=now - timedelta(minutes=20), created_at=long_ago)
    twice = make(
        alice, Status.SENDING, attempts=2, interruptions=1, claimed_at=now - timedelta(minutes=6), created_at=long_ago
    )

    assert sweep_outbox() == 2
    assert sorted(enqueued_pks(enqueued)) == sorted([lost.pk, stuck.pk])

    assert status_of(stuck) == Status.QUEUED, "so that the re-enqueued task can claim it"
    assert "stopped while sending" in stuck.last_error
    assert stuck.interruptions == 1
    assert status_of(worn_out) == Status.FAILED, "no endless resending of a mail that kills its worker"
    assert status_of(twice) == Status.FAILED, "interrupted twice: it may have gone out twice, never a third time"
    assert "stopped twice" in twice.last_error
    untouched = {fresh: Status.QUEUED, backing_off: Status.QUEUED, sending: Status.SENDING}
    untouched |= {sent: Status.SENT, failed: Status.FAILED}
    for email, status in untouched.items():
        assert status_of(email) == status

    enqueued.reset_mock()
    assert sweep_outbox() == 0, "a re-enqueued row gets two minutes before the next sweep tries again"
    assert enqueued.call_count == 0


@pytest.mark.django_db
def test_the_sweep_runs_two_queries_per_batch_whatever_the_number_of_rows(alice, enqueued):
    old = timezone.now() - timedelta(minutes=5)
    make(alice, OutgoingEmail.Status.QUEUED, next_attempt_at=old)
    with CaptureQueriesContext(connection) as one:
        sweep_outbox()
    for _ in range(100):
        make(alice, OutgoingEmail.Status.QUEUED, next_attempt_at=old)
    with CaptureQueriesContext(connection) as hundred:
        assert sweep_outbox() == 100
    assert len(one) == len(hundred) == 2, [q["sql"] for q in hundred]


@pytest.mark.django_db
def test_the_sweep_works_through_every_batch(alice, enqueued, monkeypatch):
    monkeypatch.setattr(tasks, "SWEEP_BATCH_SIZE", 10)
    old = timezone.now() - timedelta(minutes=5)
    stale = [make(alice, OutgoingEmail.Status.QUEUED, next_attempt_at=old).pk for _ in range(25)]
    with CaptureQueriesContext(connection) as queries:
        assert sweep_outbox() == 25
    assert sorted(enqueued_pks(enqueued)) == stale
    assert len(queries) == 6, "three batches of a SELECT and an UPDATE"
