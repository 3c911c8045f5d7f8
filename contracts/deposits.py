"""Deposits: an advance invoiced when the client accepts the contract, deducted once from the final invoice.

A project may ask for a deposit (``Project.deposit_percent`` of its fixed phase prices, or
``Project.deposit_amount``). When the contract is accepted, ``draft_deposit`` drafts one
deposit invoice (purpose DEPOSIT, 21% VAT: an advance on a taxable service is taxed when it
is invoiced); the freelancer checks and sends it like any draft. Exactly one per project:
the project row is locked while it is drafted, so a double accept or a retry finds it.

The final invoice deducts it: ``deduct_from_final`` runs when the draft for the project's
last phase is made (or a draft of unbilled work when no phase is left to invoice), and
``deduct`` is the freelancer's manual action on any draft of the project. Only a sent,
not credited deposit is deducted, once: the line that deducts it holds a one-to-one link
(``InvoiceLine.deducts_deposit``), so deleting that draft (or the line) frees it again.
The amount is what is left of the deposit excl. VAT, at most the draft's total excl. VAT,
at the deposit's VAT rate.

This module builds on the models only; ``contracts.invoices`` calls it, never the reverse.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, Sum
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import override

from contracts import dutch_law
from contracts.models import BusinessProfile, Invoice, InvoiceLine
from freelance.lib.formats import money_in, number_in, trimmed
from freelance.lib.money import round_money
from freelance.lib.rules import RuleViolation
from projects.models import Phase, Project

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
DEPOSIT_VAT = Decimal("21")
# The most one invoice line holds (InvoiceLine.unit_price's validator): a larger deposit is refused.
MAX_DEPOSIT = Decimal("9999999.00")
# A deposit counts until it is credited in full; a draft one is not invoiced yet.
DEDUCTIBLE_STATUSES = (Invoice.Status.SENT, Invoice.Status.PARTLY_PAID, Invoice.Status.PAID)


# -- what the project asks -----------------------------------------------------------------


def fixed_prices(project: Project) -> Decimal:
    """The sum of the project's fixed phase prices: what a percentage deposit is a share of."""
    total = Phase.objects.filter(project=project, pricing=Phase.Pricing.FIXED).aggregate(total=Sum("fixed_price"))
    return round_money(Decimal(total["total"] or 0))


def deposit_for(project: Project) -> Decimal | None:
    """The deposit excl. VAT the project asks, or None when it asks none (or nothing to take a share of)."""
    if project.deposit_amount:
        return round_money(project.deposit_amount)
    if project.deposit_percent:
        amount = round_money(fixed_prices(project) * project.deposit_percent / Decimal("100"))
        return amount if amount > 0 else None
    return None


# The contract's words for the deposit, per contract language: like the clause texts, these
# are the document's own wording (contracts.defaults), not interface text to translate.
CONTRACT_WORDING = {
    "nl": {
        "percent": "{percent}% van de vaste prijzen, {amount} excl. btw",
        "amount": "{amount} excl. btw",
    },
    "en": {
        "percent": "{percent}% of the fixed prices, {amount} excl. VAT",
        "amount": "{amount} excl. VAT",
    },
}


def contract_wording(project: Project, language: str) -> str:
    """The deposit as the contract states it (`{{ project.deposit }}`), or "" when none is asked.

    "30% of the fixed prices, €1,500.00 excl. VAT" or "€1,500.00 excl. VAT", numbers in the
    contract's language. The amount is `deposit_for`'s: what `draft_deposit` will invoice.
    """
    amount = deposit_for(project)
    if amount is None or amount > MAX_DEPOSIT:
        return ""
    wording = CONTRACT_WORDING.get(language, CONTRACT_WORDING["en"])
    money = money_in(amount, language)
    if project.deposit_amount:
        return wording["amount"].format(amount=money)
    return wording["percent"].format(percent=number_in(project.deposit_percent, language), amount=money)


def _description(project: Project, amount: Decimal, language: str) -> str:
    with override(language):
        if project.deposit_amount:
            return _("Deposit for project %(project)s") % {"project": project.name}
        percent = formats.number_format(trimmed(project.deposit_percent), use_l10n=True)
        return _("Deposit for project %(project)s (%(percent)s%% of %(base)s)") % {
            "project": project.name,
            "percent": percent,
            "base": money_in(fixed_prices(project), language),
        }


def deposit_invoice(project: Project) -> Invoice | None:
    return Invoice.objects.filter(project=project, kind=Invoice.Kind.INVOICE, purpose=Invoice.Purpose.DEPOSIT).first()


def draft_deposit(project: Project) -> Invoice | None:
    """The project's deposit invoice as a draft, made once; None when the project asks no deposit.

    Called when the client accepts the contract, inside that transaction. The project row is
    locked first, so two accepts (or a retry) queue up and the second finds the first's draft.
    A deposit too large for an invoice line is left out (and logged) rather than refusing the
    client's acceptance; the project form does not let one through.
    """
    with transaction.atomic():
        project = Project.objects.select_for_update().select_related("client").get(pk=project.pk)
        existing = deposit_invoice(project)
        if existing is not None:
            return existing
        amount = deposit_for(project)
        if amount is None:
            return None
        if amount > MAX_DEPOSIT:
            logger.warning(
                "project %s: deposit %s is more than one invoice line holds; not drafted", project.pk, amount
            )
            return None
        client = project.client
        invoice = Invoice.objects.create(
            owner=project.owner,
            client=client,
            project=project,
            purpose=Invoice.Purpose.DEPOSIT,
            payment_term_days=client.payment_term_days,
            language=client.language,
            small_business_scheme=BusinessProfile.for_owner(project.owner).small_business_scheme,
        )
        InvoiceLine.objects.create(
            invoice=invoice,
            position=1,
            description=_description(project, amount, invoice.language)[:500],
            quantity=Decimal("1"),
            unit_price=amount,
            vat_percent=DEPOSIT_VAT,
        )
    return invoice


# -- deducting it --------------------------------------------------------------------------


def deductible(project_id: int | None, owner_id: int):
    """The project's sent deposits that no line deducts yet, oldest first."""
    if project_id is None:
        return Invoice.objects.none()
    return (
        Invoice.objects.filter(
            owner_id=owner_id,
            project_id=project_id,
            kind=Invoice.Kind.INVOICE,
            purpose=Invoice.Purpose.DEPOSIT,
            status__in=DEDUCTIBLE_STATUSES,
        )
        .filter(~Exists(InvoiceLine.objects.filter(deducts_deposit=OuterRef("pk"))))
        .defer("pdf")
        .order_by("issue_date", "number")
    )


def deductible_for(invoice: Invoice) -> Invoice | None:
    """The deposit the freelancer may deduct from this draft by hand (the detail page's button)."""
    if not _takes_deductions(invoice):
        return None
    return deductible(invoice.project_id, invoice.owner_id).first()


def _takes_deductions(invoice: Invoice) -> bool:
    return (
        invoice.is_draft
        and invoice.kind == Invoice.Kind.INVOICE
        and invoice.purpose == Invoice.Purpose.WORK
        and invoice.project_id is not None
    )


def left_of(deposit: Invoice) -> Decimal:
    """The deposit excl. VAT less what sent credit notes took back of it."""
    credited = deposit.credit_notes.exclude(status=Invoice.Status.DRAFT).aggregate(total=Sum("total_excl"))["total"]
    return round_money(deposit.total_excl + Decimal(credited or 0))


def deduct(invoice: Invoice, deposit: Invoice) -> InvoiceLine:
    """Add the line "Minus deposit, invoice 2026-0003" to a draft of the deposit's project.

    Both rows are locked, so two clicks (or two drafts at once) deduct the deposit once;
    the one-to-one link on the line backs that in the database. Raises RuleViolation with
    the reason when it cannot be deducted.
    """
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().defer("pdf").get(pk=invoice.pk)
        if not invoice.is_draft:
            raise RuleViolation(_("A sent invoice cannot be changed. Correct it with a credit note."))
        if not _takes_deductions(invoice):
            raise RuleViolation(_("A deposit is deducted from a draft invoice for work on its project."))
        deposit = Invoice.objects.select_for_update().defer("pdf").get(pk=deposit.pk)
        if (
            deposit.purpose != Invoice.Purpose.DEPOSIT
            or deposit.kind != Invoice.Kind.INVOICE
            or deposit.owner_id != invoice.owner_id
            or deposit.project_id != invoice.project_id
        ):
            raise RuleViolation(_("That is not a deposit invoice of this project."))
        number = {"number": deposit.number}
        if deposit.is_draft:
            raise RuleViolation(_("Send the deposit invoice first; a deposit is deducted once it is invoiced."))
        if deposit.status == Invoice.Status.CREDITED:
            raise RuleViolation(_("Deposit invoice %(number)s was credited: there is nothing to deduct.") % number)
        taken = InvoiceLine.objects.filter(deducts_deposit=deposit).select_related("invoice").first()
        if taken is not None:
            where = taken.invoice.number or _("a draft invoice")
            raise RuleViolation(
                _("Deposit invoice %(number)s is already deducted on %(where)s.") % {**number, "where": where}
            )
        left = left_of(deposit)
        if left <= 0:
            raise RuleViolation(_("Deposit invoice %(number)s was credited: there is nothing to deduct.") % number)
        total = dutch_law.totals(dutch_law.lines_of(invoice)).total_excl
        if total <= 0:
            raise RuleViolation(_("Add the invoice's lines first: the deposit is deducted from its total."))
        rate = deposit.lines.order_by("position", "pk").values_list("vat_percent", flat=True).first()
        position = (invoice.lines.aggregate(last=Max("position"))["last"] or 0) + 1
        with override(invoice.language):
            description = _("Minus deposit, invoice %(number)s") % number
        return InvoiceLine.objects.create(
            invoice=invoice,
            position=position,
            description=description,
            quantity=Decimal("1"),
            unit_price=-min(left, total),
            vat_percent=DEPOSIT_VAT if rate is None else rate,
            deducts_deposit=deposit,
        )


def is_final(invoice: Invoice) -> bool:
    """Whether this draft is the project's final invoice: the one for its last phase, or one
    of unbilled work when every phase is accepted and every priced fixed phase is invoiced."""
    project_id = invoice.project_id
    if invoice.phase_id is not None:
        last = Phase.objects.filter(project_id=project_id).aggregate(last=Max("position"))["last"]
        return invoice.phase.position == last
    invoiced = Invoice.objects.filter(phase=OuterRef("pk"), kind=Invoice.Kind.INVOICE)
    left = Phase.objects.filter(project_id=project_id).filter(
        ~Q(status=Phase.Status.ACCEPTED) | Q(pricing=Phase.Pricing.FIXED, fixed_price__gt=0) & ~Exists(invoiced)
    )
    return not left.exists()


def deduct_from_final(invoice: Invoice | None) -> InvoiceLine | None:
    """When a new draft is the project's final invoice, deduct its deposit (if one is left)."""
    if invoice is None or not _takes_deductions(invoice) or not is_final(invoice):
        return None
    deposit = deductible(invoice.project_id, invoice.owner_id).first()
    if deposit is None:
        return None
    try:
        return deduct(invoice, deposit)
    except RuleViolation as skipped:
        logger.info("invoice %s: deposit %s not deducted: %s", invoice.pk, deposit.pk, skipped)
        return None
