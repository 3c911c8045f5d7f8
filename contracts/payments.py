"""Payments on sent invoices: what is paid, credited and still open (one SQL rule), and the invoice's state that follows."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import (
    Invoice,
    Payment,
)
from freelance.lib.money import format_money, round_money
from freelance.lib.rules import RuleViolation

ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(max_digits=12, decimal_places=2)
DEFAULT_VAT = Decimal("21")
# Time without a start time counts as day work: only day-based surcharges can apply.
DAY_WORK_STARTS = time(9, 0)


def paid_amount(invoice: Invoice) -> Decimal:
    return round_money(invoice.payments.aggregate(total=Sum("amount"))["total"] or ZERO)


def credited_amount(invoice: Invoice) -> Decimal:
    total = invoice.credit_notes.exclude(status=Invoice.Status.DRAFT).aggregate(total=Sum("total"))["total"]
    return -round_money(total or ZERO)


def with_amounts(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Annotate paid, credited and open amounts in SQL, the same rule as ``payments.outstanding``:
    total - payments - sent credit notes; zero for drafts and credit notes. No query per row."""
    paid = (
        Payment.objects.filter(invoice=OuterRef("pk"))
        .order_by()
        .values("invoice")
        .annotate(sum=Sum("amount"))
        .values("sum")
    )
    credited = (
        Invoice.objects.filter(credits=OuterRef("pk"))
        .exclude(status=Invoice.Status.DRAFT)
        .order_by()
        .values("credits")
        .annotate(sum=Sum("total"))
        .values("sum")
    )
    return invoices.annotate(
        paid_sum=Coalesce(Subquery(paid, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD),
        # Credit notes carry negative totals: their sum is what was credited, negated.
        credit_sum=Coalesce(Subquery(credited, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD),
    ).annotate(
        open_amount=Case(
            When(Q(status=Invoice.Status.DRAFT) | Q(kind=Invoice.Kind.CREDIT_NOTE), then=Value(ZERO)),
            default=F("total") - F("paid_sum") + F("credit_sum"),
            output_field=MONEY_FIELD,
        )
    )


def outstanding(invoice: Invoice) -> Decimal:
    if invoice.is_draft or invoice.is_credit_note:
        return ZERO
    return invoice.total - paid_amount(invoice) - credited_amount(invoice)


def settle(invoice: Invoice) -> None:
    """Set paid / partly paid / credited from the payments and credit notes (row is locked)."""
    paid, credited = paid_amount(invoice), credited_amount(invoice)
    open_amount = invoice.total - paid - credited
    if open_amount > 0:
        status = Invoice.Status.PARTLY_PAID if paid > 0 else Invoice.Status.SENT
        paid_on = None
    elif paid == 0:
        status, paid_on = Invoice.Status.CREDITED, None
    else:
        status = Invoice.Status.PAID
        paid_on = invoice.payments.order_by("-paid_on").values_list("paid_on", flat=True).first()
    if (status, paid_on) != (invoice.status, invoice.paid_on):
        invoice.status, invoice.paid_on = status, paid_on
        invoice.save(update_fields=["status", "paid_on"])


def record_payment(
    invoice: Invoice, *, amount: Decimal, paid_on: date, actor, reference: str = "", today: date | None = None
) -> Payment:
    today = today or timezone.localdate()
    if amount is None or amount <= 0:
        raise RuleViolation(_("A payment is an amount of more than zero."))
    if paid_on > today:
        raise RuleViolation(_("A payment cannot be received in the future."))
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.is_draft or invoice.is_credit_note:
            raise RuleViolation(_("Payments are recorded on sent invoices."))
        if paid_on < invoice.issue_date:
            raise RuleViolation(_("A payment cannot be received before the invoice date."))
        still_open = outstanding(invoice)
        if amount > still_open:
            raise RuleViolation(_("That is more than is still open (%(open)s).") % {"open": format_money(still_open)})
        payment = Payment.objects.create(
            invoice=invoice, amount=round_money(amount), paid_on=paid_on, reference=reference, recorded_by=actor
        )
        settle(invoice)
    return payment


def delete_payment(payment: Payment) -> None:
    """Undo a payment recorded by mistake; the invoice's state follows."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=payment.invoice_id)
        payment.delete()
        settle(invoice)
