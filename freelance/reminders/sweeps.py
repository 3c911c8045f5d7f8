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
from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from contracts.models import BusinessProfile, StatutoryInterestRate
from freelance.outbox.queue import queue_emails
from freelance.reminders import payments
from freelance.reminders.models import Reminder
from projects.models import Contact

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


@dataclass
class SweepResult:
    batches: int = 0
    scanned: int = 0
    sent: int = 0
    lost_races: int = 0
    per_batch_queries: list[int] = field(default_factory=list)


def claim_and_send(kind: str, due: list[Due], prepare: Callable[[list[Due]], None] | None = None) -> tuple[int, int]:
    """Insert the claims, keep the ones this call won, queue their mails. Call in a transaction.

    Returns (sent, lost). Queries: 2 for the claims, `prepare` (one, if given), 2 for the
    mails, 1 to link them.
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


# -- payment reminders ---------------------------------------------------------------------


def _recipients(client_ids: set[int]) -> dict[int, list[Contact]]:
    by_client: dict[int, list[Contact]] = defaultdict(list)
    for contact in Contact.objects.filter(client_id__in=client_ids).exclude(email="").order_by("pk"):
        by_client[contact.client_id].append(contact)
    chosen = {}
    for client_id, contacts in by_client.items():
        preferred = [c for c in contacts if c.is_budget_holder] or [c for c in contacts if c.is_decision_maker]
        chosen[client_id] = preferred or contacts[:1]
    return chosen


def sweep_payment_reminders(today: date | None = None) -> SweepResult:
    from projects.acceptance import freelancer_name

    today = today or timezone.localdate()
    rates = list(StatutoryInterestRate.objects.all())
    result = SweepResult()

    def plan(batch) -> Iterable[Due]:
        ids = [invoice.pk for invoice in batch]
        sent: dict[int, dict[int, date]] = defaultdict(dict)
        for object_id, stage, created_at in Reminder.objects.filter(
            kind=Reminder.Kind.PAYMENT, object_id__in=ids
        ).values_list("object_id", "stage", "created_at"):
            sent[object_id][stage] = timezone.localdate(created_at)
        owner_ids = {invoice.owner_id for invoice in batch}
        profiles = {p.owner_id: p for p in BusinessProfile.objects.filter(owner_id__in=owner_ids)}
        contacts = _recipients({invoice.client_id for invoice in batch})
        for invoice in batch:
            outstanding = payments.outstanding_of(invoice)
            if outstanding <= 0 or not contacts.get(invoice.client_id):
                continue
            profile = profiles.get(invoice.owner_id) or BusinessProfile(owner=invoice.owner)
            kind = invoice.client.kind
            step = payments.next_stage(
                client_kind=kind, due_date=invoice.due_date, sent=sent[invoice.pk], profile=profile
            )
            if step is None or step[1] > today:
                continue
            stage, due_on = step
            letter_sent_on = today if (kind == "consumer" and stage == 1) else sent[invoice.pk].get(1)
            figures = payments.figures(
                invoice, outstanding, kind, today, rates, letter_sent_on=letter_sent_on, profile=profile
            )
            to = contacts[invoice.client_id]
            yield Due(
                owner_id=invoice.owner_id,
                object_id=invoice.pk,
                stage=stage,
                due_on=due_on,
                mail={
                    "owner": invoice.owner,
                    "to": [c.email for c in to],
                    "reply_to": [invoice.owner.email] if invoice.owner.email else [],
                    "template": payments.templates_for(kind)[stage],
                    "context": {
                        "invoice": invoice,
                        "contact": to[0],
                        "figures": figures,
                        "freelancer": freelancer_name(invoice.owner),
                        "iban": (invoice.seller or {}).get("iban", ""),
                        "today": today,
                        "earlier": sorted(sent[invoice.pk].items()),
                    },
                    "language": invoice.language,
                    "kind": f"payment_reminder_{stage}",
                    "attachments": [],  # the invoice PDF, added for the claims this sweep wins
                },
            )

    return walk(
        payments.overdue_invoices_queryset(today).defer("pdf"), plan, Reminder.Kind.PAYMENT, result, _attach_pdfs
    )


def _attach_pdfs(winners: list[Due]) -> None:
    """One query for the stored PDFs of the invoices whose reminders this sweep won."""
    from contracts.billing import filename
    from contracts.models import Invoice

    pdfs = dict(Invoice.objects.filter(pk__in=[d.object_id for d in winners]).values_list("pk", "pdf"))
    for d in winners:
        pdf = pdfs.get(d.object_id)
        if pdf:
            d.mail["attachments"] = [(filename(d.mail["context"]["invoice"]), bytes(pdf), "application/pdf")]
