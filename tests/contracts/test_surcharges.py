"""The surcharge table: which multiplier applies, and the highest wins when rules overlap."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from contracts.models import SurchargeRule
from contracts.surcharges import surcharge_for

AMS = ZoneInfo("Europe/Amsterdam")
A = SurchargeRule.Applies


def rules():
    return [
        SurchargeRule(name="Public holiday", applies_to=A.HOLIDAY, multiplier=Decimal("2.00")),
        SurchargeRule(name="Christmas Eve", applies_to=A.NAMED_DAY, month=12, day=24, multiplier=Decimal("2.00")),
        SurchargeRule(name="New Year's Eve", applies_to=A.NAMED_DAY, month=12, day=31, multiplier=Decimal("1.75")),
        SurchargeRule(name="Weekend", applies_to=A.WEEKEND, multiplier=Decimal("1.50")),
        SurchargeRule(
            name="Evening",
            applies_to=A.EVENING,
            multiplier=Decimal("1.25"),
            evening_from=time(18),
            evening_until=time(23, 59),
        ),
        SurchargeRule(name="Emergency", applies_to=A.EMERGENCY, multiplier=Decimal("2.50")),
    ]


@pytest.mark.parametrize(
    ("moment", "emergency", "multiplier", "reason"),
    [
        (datetime(2026, 12, 22, 10, 0), False, "1.00", ""),  # an ordinary Tuesday morning
        (datetime(2026, 12, 24, 10, 0), False, "2.00", "Christmas Eve"),  # not in the holidays package
        (datetime(2027, 3, 29, 10, 0), False, "2.00", "Public holiday"),  # Easter Monday
        (datetime(2026, 11, 28, 10, 0), False, "1.50", "Weekend"),  # a Saturday
        (datetime(2026, 11, 25, 20, 30), False, "1.25", "Evening"),  # a Wednesday evening
        (datetime(2026, 11, 25, 17, 59), False, "1.00", ""),  # just before the evening
        (datetime(2026, 11, 25, 10, 0), True, "2.50", "Emergency"),
        # Overlaps: the highest multiplier wins, surcharges do not stack.
        (datetime(2026, 12, 26, 21, 0), False, "2.00", "Public holiday"),  # Boxing Day: holiday + Saturday + evening
        (datetime(2026, 12, 24, 22, 0), True, "2.50", "Emergency"),  # the brief's webshop down on Christmas Eve
        (datetime(2027, 12, 31, 20, 0), False, "1.75", "New Year's Eve"),  # a Friday evening
        (datetime(2027, 1, 2, 19, 0), False, "1.50", "Weekend"),  # Saturday evening: weekend beats evening
    ],
)
def test_the_surcharge_table(moment, emergency, multiplier, reason):
    result = surcharge_for(rules(), moment.replace(tzinfo=AMS), emergency=emergency)
    assert result.multiplier == Decimal(multiplier)
    assert result.reason == reason


def test_the_amsterdam_date_decides_not_utc():
    # 23:30 UTC on 23 December is 00:30 on Christmas Eve in Amsterdam.
    result = surcharge_for(rules(), datetime(2026, 12, 23, 23, 30, tzinfo=ZoneInfo("UTC")))
    assert result.reason == "Christmas Eve"


def test_an_evening_window_across_midnight():
    night = [
        SurchargeRule(
            name="Night", applies_to=A.EVENING, multiplier=Decimal("1.5"), evening_from=time(22), evening_until=time(6)
        )
    ]
    assert surcharge_for(night, datetime(2026, 11, 25, 23, 0, tzinfo=AMS)).reason == "Night"
    assert surcharge_for(night, datetime(2026, 11, 26, 5, 0, tzinfo=AMS)).reason == "Night"
    assert surcharge_for(night, datetime(2026, 11, 26, 12, 0, tzinfo=AMS)).reason == ""
