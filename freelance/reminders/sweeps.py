"""Sweeps: beat triggers them; they read the database and send what is due, exactly once.

Each sweep walks its objects in primary-key batches. Per batch it runs a fixed number of
queries, whatever the batch holds: read the batch, read the reminders already sent for it,
insert the claims (ignoring conflicts), read back which claims are this sweep's, insert the
mails and their attachments, and link the claims to their mails. All of that in one
transaction per batch, so a worker killed mid-sweep loses at most the batch it was in,
which the next sweep redoes. Two sweeps at once both try to insert each claim; the unique
(kind, object, stage) constraint lets one win, and only the winner queues the mail.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction

from freelance.outbox.queue import queue_emails
from freelance.preferences.models import language_for, remember
from freelance.reminders.models import Reminder

logger = logging.getLogger(__name__)


def batch_size() -> int:
    return getattr(settings, "REMINDER_SWEEP_BATCH_SIZE", 500)


@dataclass
class Due:
    """One reminder a sweep wants to send: its claim and the mail that goes with it."""

    owner_id: int
    object_id: int
    stage: int
    due_on: date
    mail: dict | None = None  # queue_email keyword arguments; rendered only if the claim is won
    action: Callable[[], object] | None = None  # instead of a mail: run if the claim is won
    item: object = None  # what the sweep's `prepare` works on for this claim, if won (a batch at once)


@dataclass
class SweepResult:
    batches: int = 0
    scanned: int = 0
    sent: int = 0
    lost_races: int = 0
    per_batch_queries: list[int] = field(default_factory=list)


def claim_and_send(kind: str, due: list[Due], prepare: Callable[[list[Due]], None] | None = None) -> tuple[int, int]:
    """Insert the claims, keep the ones this call won, queue their mails. Call in a transaction.

    Returns (sent, lost). Queries: 2 for the claims, `prepare` (a fixed number, if given: it
    gets the won claims at once, and may itself send what is due, as the client's nudges do
    with their fresh links), 2 for the mails, 1 to link them. Only a `Due.action` costs
    queries per claim.
    """
    if not due:
        return 0, 0
    claim = uuid.uuid4()
    Reminder.objects.bulk_create(
        [
            Reminder(owner_id=d.owner_id, kind=kind, object_id=d.object_id, stage=d.stage, due_on=d.due_on, claim=claim)
            for d in due
        ],
        ignore_conflicts=True,
    )
    won = {
        (r.object_id, r.stage): r
        for r in Reminder.objects.filter(kind=kind, claim=claim, object_id__in=[d.object_id for d in due])
    }
    winners = [d for d in due if (d.object_id, d.stage) in won]
    if prepare is not None and winners:
        prepare(winners)
    mailed = [d for d in winners if d.mail is not None]
    _fill_languages([d.mail for d in mailed])
    emails = queue_emails([d.mail for d in mailed])
    reminders = []
    for d, email in zip(mailed, emails, strict=True):
        reminder = won[(d.object_id, d.stage)]
        reminder.email = email
        reminders.append(reminder)
    for d in winners:
        if d.action is not None:
            # Nudges that issue a fresh client link: a few queries each, only for what is due.
            d.action()
    if reminders:
        Reminder.objects.bulk_update(reminders, ["email"])
    return len(winners), len(due) - len(winners)


class QueryCounter:
    """Counts the queries of one batch (a connection execute wrapper), for the benchmark and tests."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def walk(
    queryset,
    plan: Callable[[list], Iterable[Due]],
    kind: str,
    result: SweepResult,
    prepare: Callable[[list[Due]], None] | None = None,
) -> SweepResult:
    """Keyset-paginate `queryset` by pk; plan each batch and claim-and-send in one transaction."""
    last_pk = 0
    size = batch_size()
    while True:
        counter = QueryCounter()
        with connection.execute_wrapper(counter), transaction.atomic():
            batch = list(queryset.filter(pk__gt=last_pk).order_by("pk")[:size])
            if not batch:
                break
            due = list(plan(batch))
            sent, lost = claim_and_send(kind, due, prepare)
        result.per_batch_queries.append(counter.count)
        result.batches += 1
        result.scanned += len(batch)
        result.sent += sent
        result.lost_races += lost
        last_pk = batch[-1].pk
        if len(batch) < size:
            break
    return result


def sent_stages(kind: str, ids) -> dict[int, set[int]]:
    """The stages already sent per object: one query for a whole batch."""
    sent: dict[int, set[int]] = defaultdict(set)
    for object_id, stage in Reminder.objects.filter(kind=kind, object_id__in=ids).values_list("object_id", "stage"):
        sent[object_id].add(stage)
    return sent


def next_nudge(since: date, days: list[int], sent: set[int], today: date) -> tuple[int, date] | None:
    """The next unsent nudge stage, if its day has come; stages go in order."""
    stage = max(sent, default=0) + 1
    if stage > len(days):
        return None
    due_on = since + timedelta(days=days[stage - 1])
    return (stage, due_on) if due_on <= today else None


def _fill_languages(mails: list[dict]) -> None:
    """A freelancer's mail is written in their own language, read for the whole batch at once."""
    waiting = [mail for mail in mails if mail["language"] is None]
    remember(mail["owner"] for mail in waiting)
    for mail in waiting:
        mail["language"] = language_for(mail["owner"])


def freelancer_mail(owner, template: str, context: dict, kind: str) -> dict | None:
    """A mail to the freelancer (``queue_email`` keyword arguments), or None without an address.

    Its language (the freelancer's preference) is filled in by ``claim_and_send`` for the mails
    whose claims were won, with one query per batch."""
    if not owner.email:
        return None
    return {
        "owner": owner,
        "to": [owner.email],
        "template": template,
        "context": {"user": owner, "site_url": settings.SITE_URL, **context},
        "language": None,
        "kind": kind,
    }
