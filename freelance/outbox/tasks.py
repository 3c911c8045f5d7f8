"""Send outbox rows, and sweep up rows whose task got lost.

Both tasks are safe to run any number of times: ``send_email`` claims its row with a
conditional UPDATE and returns early when there is nothing to claim.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from freelance.lib import pagecache
from freelance.outbox.models import OutgoingEmail

logger = logging.getLogger(__name__)

SWEEP_BATCH_SIZE = 500


@shared_task(bind=True, acks_late=True, max_retries=settings.EMAIL_MAX_RETRIES)
def send_email(self, pk: int) -> str:
    email = OutgoingEmail.claim(pk)
    if email is None:
        # Sent, failed, being sent by another worker, or gone: a duplicate or late task.
        return "skipped"
    if email.owner_id is not None:
        pagecache.narrow(email.owner_id)  # its status shows on this freelancer's pages only
    try:
        email.send_now()
    except (smtplib.SMTPException, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        max_retries = settings.EMAIL_MAX_RETRIES
        # The row counts attempts across every task that ever claimed it, so a duplicated
        # task chain cannot buy a mail more attempts than the setting allows.
        if email.attempts > max_retries:
            email.mark_failed(error)
            logger.warning("email %s failed after %d attempts: %s", pk, email.attempts, error)
            return "failed"
        countdown = settings.EMAIL_RETRY_BASE_SECONDS * 2**email.attempts
        email.mark_for_retry(error, timedelta(seconds=countdown))
        logger.info("email %s attempt %d failed, retrying in %d s: %s", pk, email.attempts, countdown, error)
        # Called directly (not through a worker or apply()), retry() re-raises exc.
        raise self.retry(exc=exc, countdown=countdown, max_retries=max_retries) from exc
    except Exception as exc:
        # Not a delivery problem (a bad header, say): retrying will not help.
        email.mark_failed(f"{type(exc).__name__}: {exc}")
        raise
    email.mark_sent()
    logger.info("email %s sent as %s", pk, email.message_id)
    return "sent"


@shared_task
def sweep_outbox() -> int:
    """Re-enqueue rows whose task got lost; beat runs this every minute.

    Per batch: one SELECT and one UPDATE, then one task per row that still needs
    sending. Rows already sent, failed or freshly queued are never touched.
    """
    now = timezone.now()
    enqueued = 0
    last_pk = 0
    while True:
        batch = list(
            OutgoingEmail.objects.filter(OutgoingEmail.stale(now), pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "status", "attempts", "interruptions")[:SWEEP_BATCH_SIZE]
        )
        if not batch:
            break
        OutgoingEmail.reset_stale([pk for pk, *_rest in batch], now)
        for pk, status, attempts, interruptions in batch:
            if OutgoingEmail.is_worn_out(status, attempts, interruptions):
                # reset_stale marked it failed: sending again could make a third copy.
                logger.warning("email %s stuck in sending again or on its last attempt: failed, not resent", pk)
                continue
            send_email.delay(pk)
            enqueued += 1
        last_pk = batch[-1][0]
        if len(batch) < SWEEP_BATCH_SIZE:
            break
    if enqueued:
        logger.warning("outbox sweep re-enqueued %d email(s)", enqueued)
    return enqueued
