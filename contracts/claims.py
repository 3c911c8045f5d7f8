"""The claim: what a late client owes on top of an overdue invoice, and a draft invoice for it.

For an overdue invoice (an invoice for work or a deposit, not a credit note, not itself a
claim) the claim is the statutory interest so far, per rate period (``contracts.interest``),
and the extrajudicial collection costs on the outstanding principal (``dutch_law``):

- a business client owes the costs once the invoice is overdue (art. 6:96 lid 4 BW);
- a consumer only after the 14-day letter was sent and its term ended (art. 6:96 lid 6 BW;
  ``reminders.letter_term_end``); until then the claim says why not yet.

``draft_claim`` puts it on a new draft invoice (purpose "claim", naming the original), one
line per interest period and one for the costs. It never changes the original invoice; a
double click returns the draft made by the first one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from contracts import interest
from contracts.dutch_law import collection_costs
from contracts.models import BusinessProfile, Invoice, InvoiceLine, StatutoryInterestRate
from contracts.reminders import letter_term_end
from freelance.lib.money import exact, format_money
from freelance.lib.rules import RuleViolation
from freelance.reminders.models import Reminder
from projects.models import Client

ZERO = Decimal("0.00")
# Interest and collection costs are damages for late payment, not the price of a supply of
# goods or services: they are outside the scope of VAT (no taxable transaction, art. 1 Wet OB;
# the Belastingdienst treats "wettelijke rente" and "incassokosten" as "geen btw"). So every
# line of a claim is at 0 %, and the claim is never reverse-charged.
NO_VAT = Decimal("0")
CLAIMABLE_PURPOSES = (Invoice.Purpose.WORK, Invoice.Purpose.DEPOSIT)


@dataclass
class Claim:
    invoice: Invoice
    on: date
    principal: Decimal
    interest: interest.Interest
    collection_costs: Decimal  # what is owed now: zero for a consumer before the letter's term ended
    scale_costs: Decimal  # the statutory scale on the principal
    # Why a consumer does not owe the costs yet; empty when they are owed.
    costs_not_yet: str = ""
    draft: Invoice | None = None
    sent: list[Invoice] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return self.interest.total + self.collection_costs

    @property
    def is_consumer(self) -> bool:
        return self.interest.kind == StatutoryInterestRate.Kind.CONSUMER

    @property
    def can_draft(self) -> bool:
        return self.total > 0 and not self.sent


def claimable(invoice: Invoice, today: date) -> bool:
    """An overdue invoice for work or a deposit: not a draft, not a credit note, not itself a claim."""
    return invoice.purpose in CLAIMABLE_PURPOSES and invoice.is_overdue(today)


def _letter_sent_on(invoice: Invoice, reminders=None) -> date | None:
    """The day the 14-day letter (the consumer's first payment reminder) was sent."""
    if reminders is None:
        reminders = Reminder.objects.filter(
            owner_id=invoice.owner_id, kind=Reminder.Kind.PAYMENT, object_id=invoice.pk, stage=1
        )
    for reminder in reminders:
        if reminder.kind == Reminder.Kind.PAYMENT and reminder.stage == 1:
            return timezone.localdate(reminder.created_at)
    return None


def _costs_not_yet(invoice: Invoice, today: date, reminders) -> str:
    """Empty when a consumer owes the collection costs; else why not yet."""
    sent_on = _letter_sent_on(invoice, reminders)
    if sent_on is None:
        return _(
            "A consumer owes collection costs only after the 14-day letter, which has not been sent yet "
            "(it goes out with the payment reminders)."
        )
    term_end = letter_term_end(sent_on, BusinessProfile.for_owner(invoice.owner))
    if today <= term_end:
        return _(
            "The 14-day letter was sent on %(sent)s; its term ends on %(end)s, so the costs are owed from %(from)s."
        ) % {
            "sent": formats.date_format(sent_on, "j F Y"),
            "end": formats.date_format(term_end, "j F Y"),
            "from": formats.date_format(term_end + timedelta(days=1), "j F Y"),
        }
    return ""


def for_invoice(invoice: Invoice, today: date | None = None, *, rates=None, reminders=None) -> Claim | None:
    """The claim on an overdue invoice as of ``today``, or None when the invoice is not overdue.

    Uses the invoice's prefetched payments, credit notes and claims when there are; the
    rate table is read once (or passed in); ``reminders`` may be the invoice's payment
    reminders already loaded.
    """
    today = today or timezone.localdate()
    if not claimable(invoice, today):
        return None
    accrued = interest.for_invoice(invoice, today, rates=rates)
    principal = invoice.outstanding() if not hasattr(invoice, "open_amount") else exact(invoice.open_amount)
    costs = collection_costs(principal)
    claim = Claim(invoice, today, principal, accrued, costs, costs)
    if invoice.client.kind == Client.Kind.CONSUMER:
        claim.costs_not_yet = _costs_not_yet(invoice, today, reminders)
        if claim.costs_not_yet:
            claim.collection_costs = ZERO
    for other in invoice.claims.all():
        if other.is_draft:
            claim.draft = claim.draft or other
        else:
            claim.sent.append(other)
    return claim


def _percent(value: Decimal) -> str:
    return formats.number_format(value, decimal_pos=2, use_l10n=True)


def _day(value: date) -> str:
    return value.strftime("%d-%m-%Y")


def interest_line(invoice: Invoice, period: interest.Period, kind: str) -> str:
    """The line's description, in the active language (the claim's)."""
    values = {
        "number": invoice.number,
        "first": _day(period.start),
        "last": _day(period.end),
        "days": period.days,
        "percent": _percent(period.percent),
    }
    if kind == StatutoryInterestRate.Kind.CONSUMER:
        return _("Statutory interest on invoice %(number)s, %(first)s to %(last)s, %(days)s days at %(percent)s%%") % (
            values
        )
    return (
        _("Statutory commercial interest on invoice %(number)s, %(first)s to %(last)s, %(days)s days at %(percent)s%%")
        % values
    )


def draft_claim(invoice: Invoice, *, actor=None, today: date | None = None) -> tuple[Invoice, bool]:
    """A new draft invoice for the interest and collection costs of ``invoice``: (draft, created).

    The original row is locked first, so a double click finds the draft the first click made
    and returns it (created False) instead of a second one. The original is only read.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        original = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("client", "project")
            .defer("pdf")
            .get(pk=invoice.pk)
        )
        existing = original.claims.filter(status=Invoice.Status.DRAFT).order_by("pk").first()
        if existing is not None:
            return existing, False
        if original.purpose == Invoice.Purpose.CLAIM:
            raise RuleViolation(_("This invoice is itself a claim for interest and costs."))
        if original.is_credit_note or not claimable(original, today):
            raise RuleViolation(_("Interest and collection costs can be claimed only on an overdue invoice."))
        claim = for_invoice(original, today)
        if claim.sent:
            raise RuleViolation(
                _("A claim for this invoice was already sent (%(numbers)s).")
                % {"numbers": ", ".join(other.number for other in claim.sent)}
            )
        if claim.total <= 0:
            raise RuleViolation(_("Nothing to claim yet on this invoice."))
        profile = BusinessProfile.for_owner(original.owner)
        draft = Invoice.objects.create(
            owner=original.owner,
            client=original.client,
            project=original.project,
            purpose=Invoice.Purpose.CLAIM,
            claim_for=original,
            payment_term_days=original.client.payment_term_days,
            language=original.language,
            small_business_scheme=profile.small_business_scheme,
        )
        position = 0
        with override(draft.language):
            for period in claim.interest.periods:
                position += 1
                InvoiceLine.objects.create(
                    invoice=draft,
                    position=position,
                    description=interest_line(original, period, claim.interest.kind),
                    quantity=Decimal("1"),
                    unit="",
                    unit_price=period.amount,
                    vat_percent=NO_VAT,
                )
            if claim.collection_costs > 0:
                position += 1
                InvoiceLine.objects.create(
                    invoice=draft,
                    position=position,
                    description=_(
                        "Extrajudicial collection costs on invoice %(number)s (statutory scale, on %(principal)s)"
                    )
                    % {"number": original.number, "principal": format_money(claim.principal)},
                    quantity=Decimal("1"),
                    unit="",
                    unit_price=claim.collection_costs,
                    vat_percent=NO_VAT,
                )
    return draft, True
