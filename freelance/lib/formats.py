"""How numbers, money, hours, dates and people are written: one definition each.

Each function writes the value the way the active language does (``€ 1.234,56`` and
``6,5 uur`` in Dutch, ``€1,234.56`` and ``6.5 hours`` in English). The same functions are
template filters: ``{% load formats %}`` then ``{{ amount|money }}``, ``{{ hours|hours }}``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django import template
from django.template.defaultfilters import floatformat
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from freelance.lib.money import format_money, round_money

register = template.Library()

ZERO = Decimal("0")


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None


# -- numbers -----------------------------------------------------------------------------


def number_in(value: Decimal, language: str, places: int | None = None) -> str:
    """A number in a given language, for a document in that language (an invoice line).

    With ``places``: exactly that many decimals (``5,00`` / ``5.00``); without: no trailing
    zeros (``2``, ``1,5``, ``1.250``), grouped the way the language groups.
    """
    value = Decimal(value)
    with translation.override(language):
        if places is None:
            return formats.number_format(trimmed(value), use_l10n=True, force_grouping=True)
        return formats.number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


# -- money -------------------------------------------------------------------------------


def money_in(amount: Decimal | None, language: str) -> str:
    """``format_money`` in a given language, e.g. for a mail to the client."""
    with translation.override(language):
        return format_money(amount)


@register.filter(name="money")
def money_filter(value) -> str:
    amount = _decimal(value)
    return "" if amount is None else format_money(amount)


# -- hours -------------------------------------------------------------------------------


def trimmed(value: Decimal) -> Decimal:
    """Hours without trailing zeros, as a number: 16, 18.5, 2.25."""
    return value.quantize(Decimal("1")) if value == value.to_integral_value() else value.normalize()


def hours_input(value: Decimal | None) -> str:
    """Hours for a form field, never localised: ``16``, ``18.5``, ``2.25``."""
    return f"{value.normalize():f}" if value else "0"


def hours_number(value: Decimal | None) -> str:
    """Hours as the reader writes them, without trailing zeros and with grouping: ``1.250``, ``6,5``."""
    value = value.normalize() if value else ZERO
    return formats.number_format(value, use_l10n=True, force_grouping=True)


def hours_short(value: Decimal | None) -> str:
    """``6,5 u`` / ``6.5 h``: in tables and badges."""
    return _("%(hours)s h") % {"hours": hours_number(value)}


def hours_column(value: Decimal | None) -> str:
    """``9,50 u`` / ``9.50 h``, ``16 h``: two decimals unless whole, for estimate columns."""
    return _("%(hours)s h") % {"hours": floatformat(value or ZERO, "-2g")}


def hours_long(value: Decimal) -> str:
    """``1 hour``, ``8 hours``, ``7.2 hours`` (``1 uur``, ``7,2 uur``): in sentences."""
    value = round_money(value)
    places = max(0, -value.normalize().as_tuple().exponent)
    count = int(value) if value == value.to_integral_value() else 2
    number = formats.number_format(value, decimal_pos=places, use_l10n=True)
    return ngettext("%(hours)s hour", "%(hours)s hours", count) % {"hours": number}


@register.filter(name="hours")
def hours_filter(value) -> str:
    amount = _decimal(value)
    return "" if amount is None else hours_short(amount)


# -- multipliers and dates ---------------------------------------------------------------


def multiplier(value: Decimal) -> str:
    """A rate multiplier: ``×1,50`` / ``×1.50``."""
    return "×" + formats.number_format(value, decimal_pos=2, use_l10n=True)


def long_date(day: date | None) -> str:
    """``10 december 2026`` / ``10 December 2026``; empty for no date."""
    return formats.date_format(day, "j F Y") if day else ""


register.filter("long_date", long_date)


# -- people ------------------------------------------------------------------------------


def freelancer_name(user) -> str:
    """How the freelancer signs mails and pages: the full name, else the login."""
    return user.get_full_name() or user.get_username()
