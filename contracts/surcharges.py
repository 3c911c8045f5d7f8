"""Which agreed surcharge applies to a moment of work. The highest multiplier wins."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from contracts.models import SurchargeRule
from freelance.lib.workdays import holiday_name

A = SurchargeRule.Applies
ONE = Decimal("1.00")


@dataclass(frozen=True)
class Surcharge:
    multiplier: Decimal
    rule: SurchargeRule | None

    @property
    def reason(self) -> str:
        return self.rule.name if self.rule else ""


def applies(rule: SurchargeRule, moment: datetime, *, emergency: bool = False) -> bool:
    local = timezone.localtime(moment)
    day, at = local.date(), local.time()
    if rule.applies_to == A.HOLIDAY:
        return holiday_name(day) is not None
    if rule.applies_to == A.NAMED_DAY:
        return (day.month, day.day) == (rule.month, rule.day)
    if rule.applies_to == A.WEEKEND:
        return day.weekday() >= 5
    if rule.applies_to == A.EVENING:
        start, end = rule.evening_from, rule.evening_until
        if start is None or end is None:
            return False
        return start <= at <= end if start <= end else (at >= start or at <= end)
    if rule.applies_to == A.EMERGENCY:
        return emergency
    return False


def surcharge_for(rules: Iterable[SurchargeRule], moment: datetime, *, emergency: bool = False) -> Surcharge:
    """The single surcharge for work starting at `moment`: overlapping rules do not stack."""
    matching = [rule for rule in rules if applies(rule, moment, emergency=emergency)]
    if not matching:
        return Surcharge(ONE, None)
    best = max(matching, key=lambda rule: (rule.multiplier, -len(rule.name)))
    return Surcharge(best.multiplier, best)
