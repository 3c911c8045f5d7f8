"""Money is Decimal, rounded once, and shown the way the reader's language writes it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats
from django.utils.translation import get_language

CENT = Decimal("0.01")


def round_money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def exact(amount) -> Decimal:
    """An amount summed in SQL, to the cent (SQLite sums decimals as floats; None is nothing)."""
    return round_money(Decimal(str(amount or 0)))


def format_money(amount: Decimal | None) -> str:
    """€ 2.500,00 in Dutch, €2,500.00 in English."""
    if amount is None:
        return ""
    number = formats.number_format(round_money(amount), decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"€\u00a0{number}" if (get_language() or "").startswith("nl") else f"€{number}"
