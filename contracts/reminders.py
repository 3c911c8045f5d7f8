"""Payment reminders and the yearly rate review: which stage each overdue invoice is due for, and sending it exactly once.

Business clients: a friendly reminder, a firm one, and a final notice that states the
statutory commercial interest (from the dated table) and the collection costs.
Consumer clients: first the 14-day letter (art. 6:96 lid 6 BW), which names the exact
collection costs and gives 14 days counted from the day after receipt; only after that
term a notice that the costs are now charged.

Stages go strictly in order. Each stage is due on its day after the due date, and never
sooner after the previous stage than the configured gap: a sweep that missed days catches
up one stage at a time, so no stage is skipped, squeezed together, or sent twice.

The sweeps (found by beat through ``contracts.tasks``) use the generic claim-and-send of
``freelance.reminders.sweeps``: every reminder goes out exactly once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts import interest, payments
from contracts.dutch_law import collection_costs
from contracts.invoices import filename, invoice_reference
from contracts.models import BusinessProfile, HourlyRate, Invoice, Payment, StatutoryInterestRate
from freelance.lib.formats import freelancer_name
from freelance.lib.money import round_money
from freelance.outbox.queue import DocumentRef
from freelance.reminders.models import Reminder
from freelance.reminders.sweeps import Due, SweepResult, freelancer_mail, sent_stages, walk
from projects.models import Client, Contact

ZERO = Decimal("0.00")
LETTER_TERM_DAYS = 14

BUSINESS_STAGES = {1: "payment_friendly", 2: "payment_firm", 3: "payment_final"}
CONSUMER_STAGES = {1: "payment_letter", 2: "payment_costs"}

STAGE_LABELS = {
    Client.Kind.BUSINESS: {1: _("Friendly reminder"), 2: _("Firm reminder"), 3: _("Final notice")},
    Client.Kind.CONSUMER: {1: _("14-day letter"), 2: _("Collection costs charged")},
}


def stage_label(client_kind: str, stage: int) -> str:
    return str(STAGE_LABELS.get(client_kind, {}).get(stage, ""))


def templates_for(client_kind: str) -> dict[int, str]:
    return CONSUMER_STAGES if client_kind == Client.Kind.CONSUMER else BUSINESS_STAGES


def letter_term_end(letter_sent_on: date, profile: BusinessProfile) -> date:
    """The last day to pay after the 14-day letter: 14 days from the day after receipt,
    with receipt assumed `consumer_receipt_margin_days` after sending."""
    received = letter_sent_on + timedelta(days=profile.consumer_receipt_margin_days)
    return received + timedelta(days=LETTER_TERM_DAYS)


def next_stage(
    *, client_kind: str, due_date: date, sent: dict[int, date], profile: BusinessProfile
) -> tuple[int, date] | None:
    """(stage, the day it became due) for the next stage, or None when all were sent.

    `sent` maps each stage already sent to the day it was sent.
    """
    stage = max(sent, default=0) + 1
    if client_kind == Client.Kind.CONSUMER:
        if stage == 1:
            return 1, due_date + timedelta(days=profile.consumer_letter_days)
        if stage == 2:
            return 2, letter_term_end(sent[1], profile) + timedelta(days=1)
        return None
    offsets = [profile.friendly_reminder_days, profile.firm_reminder_days, profile.final_reminder_days]
    if stage > len(offsets):
        return None
    day = due_date + timedelta(days=offsets[stage - 1])
    if stage > 1:
        gap = offsets[stage - 1] - offsets[stage - 2]
        day = max(day, sent[stage - 1] + timedelta(days=gap))
    return stage, day


@dataclass
class Figures:
    """What a reminder states, computed on the day it is sent."""

    outstanding: Decimal
    days_overdue: int
    collection_costs: Decimal
    interest_percent: Decimal | None
    interest: Decimal
    letter_deadline: date | None = None
    receipt_date: date | None = None
    # The interest per rate period (``contracts.interest.Period``); shown when more than one rate applied.
    interest_periods: list = field(default_factory=list)
    several_rates: bool = False


def figures(
    invoice: Invoice,
    outstanding: Decimal,
    client_kind: str,
    today: date,
    rates: list,
    letter_sent_on=None,
    profile=None,
    paid: Iterable[tuple[date, Decimal]] = (),
) -> Figures:
    """Collection costs on the principal (scale), and the statutory interest so far (``contracts.interest``):
    per rate period, compounded yearly, on the principal less the payments (``paid``: received on, amount)."""
    accrued = interest.compute(
        principal_of(invoice),
        due_date=invoice.due_date,
        on=today,
        kind=interest.kind_for(client_kind),
        payments=paid,
        rates=rates,
    )
    result = Figures(
        outstanding=outstanding,
        days_overdue=max((today - invoice.due_date).days, 0),
        collection_costs=collection_costs(outstanding),
        interest_percent=accrued.current_percent,
        interest=accrued.total,
        interest_periods=accrued.periods,
        several_rates=len(accrued.periods) > 1,
    )
    if letter_sent_on is not None and profile is not None:
        result.receipt_date = letter_sent_on + timedelta(days=profile.consumer_receipt_margin_days)
        result.letter_deadline = letter_term_end(letter_sent_on, profile)
    return result


def principal_of(invoice: Invoice) -> Decimal:
    """The invoice total less its sent credit notes (the annotation of ``payments.with_amounts``, else a query)."""
    if not hasattr(invoice, "credit_sum"):
        return invoice.total - invoice.credited_amount()
    return round_money(invoice.total + Decimal(invoice.credit_sum or 0))


def overdue_invoices_queryset(today: date):
    """Open invoices past their due date, of clients whose reminders are not paused,
    with what is still open computed in the same query (payments.with_amounts)."""
    return (
        payments.with_amounts(Invoice.objects.filter(Invoice.overdue(today)))
        .filter(client__reminders_paused_reason="")
        .select_related("client", "owner")
    )


def outstanding_of(invoice: Invoice) -> Decimal:
    """From the annotation of overdue_invoices_queryset; rounded, as SQLite sums decimals as floats."""
    return round_money(Decimal(invoice.open_amount))


# -- the sweep -------------------------------------------------------------------------------


def _recipients(client_ids: set[int]) -> dict[int, list[Contact]]:
    by_client: dict[int, list[Contact]] = defaultdict(list)
    for contact in Contact.objects.filter(client_id__in=client_ids).exclude(email=""):
        by_client[contact.client_id].append(contact)
    return {client_id: Client.choose_payers(contacts) for client_id, contacts in by_client.items()}


def sweep_payment_reminders(today: date | None = None) -> SweepResult:
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
        # The payments' dates, for the interest; read only when some invoice of the batch had one.
        paid: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
        partly_paid = [invoice.pk for invoice in batch if invoice.paid_sum]
        if partly_paid:
            rows = Payment.objects.filter(invoice_id__in=partly_paid).values_list("invoice_id", "paid_on", "amount")
            for invoice_id, paid_on, amount in rows:
                paid[invoice_id].append((paid_on, amount))
        for invoice in batch:
            outstanding = outstanding_of(invoice)
            if outstanding <= 0 or not contacts.get(invoice.client_id):
                continue
            profile = profiles.get(invoice.owner_id) or BusinessProfile(owner=invoice.owner)
            kind = invoice.client.kind
            step = next_stage(client_kind=kind, due_date=invoice.due_date, sent=sent[invoice.pk], profile=profile)
            if step is None or step[1] > today:
                continue
            stage, due_on = step
            letter_sent_on = today if (kind == "consumer" and stage == 1) else sent[invoice.pk].get(1)
            stage_figures = figures(
                invoice,
                outstanding,
                kind,
                today,
                rates,
                letter_sent_on=letter_sent_on,
                profile=profile,
                paid=paid[invoice.pk],
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
                    "template": templates_for(kind)[stage],
                    "context": {
                        "invoice": invoice,
                        "contact": to[0],
                        "figures": stage_figures,
                        "freelancer": freelancer_name(invoice.owner),
                        "iban": (invoice.seller or {}).get("iban", ""),
                        "today": today,
                        "earlier": sorted(sent[invoice.pk].items()),
                    },
                    "language": invoice.language,
                    "kind": f"payment_reminder_{stage}",
                    # The invoice's stored PDF by reference: no bytes are copied into each reminder.
                    "attachments": [(filename(invoice), DocumentRef(invoice_reference(invoice)), "application/pdf")],
                },
            )

    return walk(overdue_invoices_queryset(today).defer("pdf"), plan, Reminder.Kind.PAYMENT, result)


def sweep_rate_reviews(today: date) -> SweepResult:
    """A year after the freelancer's own rate took effect (and every year after): review it."""
    users = get_user_model().objects.filter(is_active=True, hourly_rates__client__isnull=True).distinct()

    def plan(batch):
        latest: dict[int, HourlyRate] = {}
        for rate in HourlyRate.objects.filter(owner__in=batch, client__isnull=True).order_by("owner", "valid_from"):
            latest[rate.owner_id] = rate  # the last one per owner wins: the rate in force
        sent = sent_stages(Reminder.Kind.RATE_REVIEW, [u.pk for u in batch])
        for user in batch:
            rate = latest.get(user.pk)
            since = rate.valid_from if rate else None
            if since is None or today < since + timedelta(days=365):
                continue
            # One review per anniversary of the rate: the stage is that anniversary's day number.
            anniversary = since + timedelta(days=365 * ((today - since).days // 365))
            if anniversary.toordinal() in sent[user.pk]:
                continue
            mail = freelancer_mail(user, "rate_review", {"rate": rate, "since": since}, "rate_review")
            if mail:
                yield Due(owner_id=user.pk, object_id=user.pk, stage=anniversary.toordinal(), due_on=today, mail=mail)

    return walk(users, plan, Reminder.Kind.RATE_REVIEW, SweepResult())
