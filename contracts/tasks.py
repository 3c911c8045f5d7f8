"""Beat triggers these; each reads the database and sends what is due. Safe to run at any time,
any number of times, and side by side: the claims make every reminder go out once."""

from __future__ import annotations

import logging

from celery import shared_task

from contracts import recurring, reminders

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def sweep_payment_reminders() -> int:
    result = reminders.sweep_payment_reminders()
    logger.info(
        "payment reminders: %d scanned, %d sent, %d already sent", result.scanned, result.sent, result.lost_races
    )
    return result.sent


@shared_task(acks_late=True)
def sweep_recurring_invoices() -> int:
    """Draft each recurring agreement's due periods, every period exactly once (contracts.recurring)."""
    result = recurring.sweep_recurring_invoices()
    logger.info(
        "recurring invoices: %d agreements scanned, %d drafted, %d already drafted",
        result.scanned,
        result.sent,
        result.lost_races,
    )
    return result.sent
