"""{{ amount|money }}: € 1.234,56 in Dutch, €1,234.56 in English (freelance.lib.money)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from freelance.lib.money import format_money

register = template.Library()


@register.filter
def money(value) -> str:
    if value is None or value == "":
        return ""
    try:
        return format_money(Decimal(value))
    except (InvalidOperation, TypeError, ValueError):
        return ""
