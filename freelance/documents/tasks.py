"""Render a document in the worker, outside the transaction that asked for it. Safe to run
any number of times: a stored document with unchanged inputs is not rendered again."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction

from freelance.documents import store

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def render_document(ref: str) -> str:
    try:
        store.get(ref)
    except store.DocumentUnavailable:
        logger.info("document %s is gone; nothing to render", ref)
        return "gone"
    return "stored"


def render_after_commit(ref: str) -> None:
    """Have the worker render and store ``ref`` once the current transaction commits.

    With Redis down, one warning line: the document is rendered when it is first needed
    (a download, or the mail that attaches it) instead.
    """

    def enqueue() -> None:
        try:
            render_document.delay(ref)
        except Exception as error:  # the broker or the result store is unreachable
            logger.warning("document %s not queued for rendering; it is rendered when needed (%s)", ref, error)

    transaction.on_commit(enqueue)
