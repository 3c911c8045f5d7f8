"""Payments on sent invoices: what is paid, credited and still open (one SQL rule), and the invoice's state that follows.

The moves themselves are methods on ``Invoice`` (``record_payment``, ``delete_payment``,
``settle``), each with its event in the invoice's history; these functions are their
stable names for views, the demo, the reminders and the tests.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from django.db.models import Case, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from contracts.models import (
    Invoice,
    Payment,
)

ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(max_digits=12, decimal_places=2)
DEFAULT_VAT = Decimal("21")
# Time without a start time counts as day work: only day-based surcharges can apply.
DAY_WORK_STARTS = time(9, 0)


def paid_amount(invoice: Invoice) -> Decimal:
    return invoice.paid_amount()


def credited_amount(invoice: Invoice) -> Decimal:
    return invoice.credited_amount()


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
    return invoice.outstanding()


def settle(invoice: Invoice, actor=None) -> None:
    """Set paid / partly paid / credited from the payments and credit notes (``Invoice.settle``)."""
    invoice.settle(actor)


def record_payment(
    invoice: Invoice, *, amount: Decimal, paid_on: date, actor, reference: str = "", today: date | None = None
) -> Payment:
    """Record money received on a sent invoice (``Invoice.record_payment``)."""
    return invoice.record_payment(amount=amount, paid_on=paid_on, actor=actor, reference=reference, today=today)


def delete_payment(payment: Payment, actor=None) -> None:
    """Undo a payment recorded by mistake; the history keeps it and the invoice's state follows."""
    payment.invoice.delete_payment(payment, actor)
