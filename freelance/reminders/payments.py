"""Payment reminders: which stage each overdue invoice is due for, and sending it exactly once.

Business clients: a friendly reminder, a firm one, and a final notice that states the
statutory commercial interest (from the dated table) and the collection costs.
Consumer clients: first the 14-day letter (art. 6:96 lid 6 BW), which names the exact
collection costs and gives 14 days counted from the day after receipt; only after that
term a notice that the costs are now charged.

Stages go strictly in order. Each stage is due on its day after the due date, and never
sooner after the previous stage than the configured gap: a sweep that missed days catches
up one stage at a time, so no stage is skipped, squeezed together, or sent twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from contracts import billing
from contracts.invoicing import collection_costs
from contracts.models import BusinessProfile, Invoice, StatutoryInterestRate
from freelance.lib.money import round_money
from projects.models import Client

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


def figures(
    invoice: Invoice,
    outstanding: Decimal,
    client_kind: str,
    today: date,
    rates: list,
    letter_sent_on=None,
    profile=None,
) -> Figures:
    """Collection costs on the principal (scale), and simple statutory interest since the due date."""
    kind = StatutoryInterestRate.Kind.CONSUMER if client_kind == Client.Kind.CONSUMER else "commercial"
    applicable = [r for r in rates if r.kind == kind and r.valid_from <= today]
    rate = max(applicable, key=lambda r: r.valid_from) if applicable else None
    days = max((today - invoice.due_date).days, 0)
    interest = round_money(outstanding * rate.percent / Decimal(100) * days / Decimal(365)) if rate else ZERO
    result = Figures(
        outstanding=outstanding,
        days_overdue=days,
        collection_costs=collection_costs(outstanding),
        interest_percent=rate.percent if rate else None,
        interest=interest,
    )
    if letter_sent_on is not None and profile is not None:
        result.receipt_date = letter_sent_on + timedelta(days=profile.consumer_receipt_margin_days)
        result.letter_deadline = letter_term_end(letter_sent_on, profile)
    return result


def overdue_invoices_queryset(today: date):
    """Open invoices past their due date, of clients whose reminders are not paused,
    with what is still open computed in the same query (billing.with_amounts)."""
    return (
        billing.with_amounts(Invoice.objects.filter(Invoice.overdue(today)))
        .filter(client__reminders_paused_reason="")
        .select_related("client", "owner")
    )


def outstanding_of(invoice: Invoice) -> Decimal:
    """From the annotation of overdue_invoices_queryset; rounded, as SQLite sums decimals as floats."""
    return round_money(Decimal(invoice.open_amount))
