"""Invoice arithmetic and numbering: Decimal throughout, rounded once, in one place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction

from contracts.models import InvoiceCounter, KorThreshold
from freelance.lib.money import round_money

ZERO = Decimal("0.00")
VAT_RATES = (Decimal("21"), Decimal("9"), Decimal("0"))


@dataclass(frozen=True)
class Line:
    quantity: Decimal
    unit_price: Decimal
    vat_percent: Decimal

    @property
    def amount(self) -> Decimal:
        """quantity × price, rounded to the cent: what the line shows."""
        return round_money(self.quantity * self.unit_price)


@dataclass
class Totals:
    excl_by_rate: dict[Decimal, Decimal] = field(default_factory=dict)
    vat_by_rate: dict[Decimal, Decimal] = field(default_factory=dict)

    @property
    def total_excl(self) -> Decimal:
        return sum(self.excl_by_rate.values(), ZERO)

    @property
    def total_vat(self) -> Decimal:
        return sum(self.vat_by_rate.values(), ZERO)

    @property
    def total(self) -> Decimal:
        return self.total_excl + self.total_vat


def lines_of(invoice) -> list[Line]:
    """An invoice's stored lines as the arithmetic's ``Line``s."""
    return [Line(line.quantity, line.unit_price, line.vat_percent) for line in invoice.lines.all()]


def totals(lines: Iterable[Line], *, reverse_charge: bool = False, small_business_scheme: bool = False) -> Totals:
    """Amounts excl. VAT per rate, and the VAT per rate computed once on that rate's sum.

    Reverse charge ("btw verlegd") and the small-business scheme (KOR) charge no VAT; the
    amounts still appear per rate so the invoice can state them.
    """
    result = Totals()
    for line in lines:
        rate = line.vat_percent
        result.excl_by_rate[rate] = result.excl_by_rate.get(rate, ZERO) + line.amount
    for rate, amount in result.excl_by_rate.items():
        no_vat = reverse_charge or small_business_scheme
        result.vat_by_rate[rate] = ZERO if no_vat else round_money(amount * rate / Decimal("100"))
    return result


# Besluit vergoeding voor buitengerechtelijke incassokosten, art. 2.
COLLECTION_SCALE = (
    (Decimal("2500"), Decimal("0.15")),
    (Decimal("2500"), Decimal("0.10")),
    (Decimal("5000"), Decimal("0.05")),
    (Decimal("190000"), Decimal("0.01")),
    (None, Decimal("0.005")),
)
COLLECTION_MINIMUM = Decimal("40.00")
COLLECTION_MAXIMUM = Decimal("6775.00")


def collection_costs(principal: Decimal) -> Decimal:
    """The statutory extrajudicial collection costs on an unpaid principal (excl. VAT on the costs)."""
    if principal <= 0:
        return ZERO
    remaining, costs = principal, ZERO
    for band, rate in COLLECTION_SCALE:
        part = remaining if band is None else min(remaining, band)
        costs += part * rate
        remaining -= part
        if remaining <= 0:
            break
    return min(max(round_money(costs), COLLECTION_MINIMUM), COLLECTION_MAXIMUM)


def next_invoice_number(owner, year: int) -> str:
    """Take the next number of the year's series. Call inside the transaction that issues the invoice."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("take an invoice number inside the transaction that issues the invoice")
    InvoiceCounter.objects.get_or_create(owner=owner, year=year)
    counter = InvoiceCounter.objects.select_for_update().get(owner=owner, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{year}-{counter.last_number:04d}"


# The KOR's yearly turnover limit (NL-RULES.md, "What an invoice must contain"): € 20,000 since the
# scheme's start on 1 January 2020. Migration 0013 holds a frozen copy; the operator adds later ones.
KNOWN_KOR_THRESHOLDS = [
    (
        date(2020, 1, 1),
        Decimal("20000.00"),
        "Belastingdienst, Kleineondernemersregeling (KOR): omzet maximaal € 20.000 per kalenderjaar",
    ),
]


def ensure_known_kor_thresholds(model) -> None:
    """Seed the dated table; never overwrites a value the operator entered."""
    for valid_from, amount, source in KNOWN_KOR_THRESHOLDS:
        model.objects.get_or_create(valid_from=valid_from, defaults={"amount": amount, "source": source})


def kor_threshold(year: int) -> Decimal:
    """The limit for a calendar year: the one valid on its 1 January (one query), else the known one."""
    first_day = date(year, 1, 1)
    limits = KorThreshold.objects.filter(valid_from__lte=first_day).order_by("-valid_from")
    amount = limits.values_list("amount", flat=True).first()
    if amount is not None:
        return amount
    known = [value for valid_from, value, _source in KNOWN_KOR_THRESHOLDS if valid_from <= first_day]
    return known[-1] if known else KNOWN_KOR_THRESHOLDS[0][1]


# The known values from the official publications (NL-RULES.md, issue 12); the operator adds
# later ones in the admin. Migration 0009 holds a frozen copy.
KNOWN_INTEREST_RATES = [
    ("commercial", date(2023, 1, 1), Decimal("10.50")),
    ("commercial", date(2023, 7, 1), Decimal("12.00")),
    ("commercial", date(2024, 1, 1), Decimal("12.50")),
    ("commercial", date(2024, 7, 1), Decimal("12.25")),
    ("commercial", date(2025, 1, 1), Decimal("11.15")),
    ("commercial", date(2025, 7, 1), Decimal("10.15")),
    ("commercial", date(2026, 1, 1), Decimal("10.15")),
    ("consumer", date(2023, 1, 1), Decimal("4.00")),
    ("consumer", date(2023, 7, 1), Decimal("6.00")),
    ("consumer", date(2024, 1, 1), Decimal("7.00")),
    ("consumer", date(2024, 7, 1), Decimal("7.00")),
    ("consumer", date(2025, 1, 1), Decimal("6.00")),
]


def ensure_known_interest_rates(model) -> None:
    """Seed the dated table; never overwrites a value the operator entered."""
    for kind, valid_from, percent in KNOWN_INTEREST_RATES:
        model.objects.get_or_create(kind=kind, valid_from=valid_from, defaults={"percent": percent})
