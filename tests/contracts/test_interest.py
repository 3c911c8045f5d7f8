"""Statutory interest, worked out by hand: per rate period, actual/365, compounded yearly.

Every expected amount below was computed on paper from the dated table (NL-RULES.md):
commercial 12.00 % from 1 Jul 2023, 12.50 % from 1 Jan 2024, 12.25 % from 1 Jul 2024,
11.15 % from 1 Jan 2025, 10.15 % from 1 Jul 2025 and 1 Jan 2026; consumer 7 % from 1 Jan
and 1 Jul 2024, 6 % from 1 Jan 2025. amount = base × percent / 100 × days / 365, rounded
to the cent (half up) per period; the total is the sum of the periods.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from contracts import interest
from contracts.dutch_law import ensure_known_interest_rates
from contracts.models import StatutoryInterestRate

pytestmark = pytest.mark.django_db

COMMERCIAL = StatutoryInterestRate.Kind.COMMERCIAL
CONSUMER = StatutoryInterestRate.Kind.CONSUMER


@pytest.fixture(autouse=True)
def _table():
    ensure_known_interest_rates(StatutoryInterestRate)


def rows(result: interest.Interest) -> list[tuple]:
    return [(p.start, p.end, p.days, p.percent, p.base, p.amount) for p in result.periods]


def D(value: str) -> Decimal:
    return Decimal(value)


def test_the_issues_vector_is_95_euros_exactly():
    # €10,000 due 15 Jun 2024, computed on 13 Jul 2024; interest runs from 16 Jun.
    #   16–30 Jun: 15 days at 12.50 %: 10000 × 0.1250 × 15 / 365 = 18750 / 365 = 51.3698… → 51.37
    #   1–13 Jul:  13 days at 12.25 %: 10000 × 0.1225 × 13 / 365 = 15925 / 365 = 43.6301… → 43.63
    #   total 51.37 + 43.63 = 95.00 (with 366, the leap year's length, it would be 94.74)
    result = interest.compute(D("10000.00"), due_date=date(2024, 6, 15), on=date(2024, 7, 13), kind=COMMERCIAL)
    assert rows(result) == [
        (date(2024, 6, 16), date(2024, 6, 30), 15, D("12.50"), D("10000.00"), D("51.37")),
        (date(2024, 7, 1), date(2024, 7, 13), 13, D("12.25"), D("10000.00"), D("43.63")),
    ]
    assert result.total == D("95.00")
    assert result.current_percent == D("12.25")


def test_a_period_across_two_rate_changes_is_split_at_each():
    # €5,000 due 30 Nov 2023, computed on 31 Jul 2024:
    #   1–31 Dec 2023:  31 days at 12.00 %: 5000 × 0.12 × 31 / 365 = 18600 / 365 = 50.9589… → 50.96
    #   1 Jan–30 Jun:  182 days (31+29+31+30+31+30) at 12.50 %: 5000 × 0.125 × 182 / 365
    #                  = 113750 / 365 = 311.6438… → 311.64
    #   1–31 Jul:       31 days at 12.25 %: 5000 × 0.1225 × 31 / 365 = 18987.5 / 365 = 52.0205… → 52.02
    #   total 50.96 + 311.64 + 52.02 = 414.62
    result = interest.compute(D("5000.00"), due_date=date(2023, 11, 30), on=date(2024, 7, 31), kind=COMMERCIAL)
    assert [(p.days, p.percent, p.amount) for p in result.periods] == [
        (31, D("12.00"), D("50.96")),
        (182, D("12.50"), D("311.64")),
        (31, D("12.25"), D("52.02")),
    ]
    assert result.total == D("414.62")
    assert result.has_several_rates


def test_after_a_full_year_the_years_interest_is_added_to_the_principal():
    # €10,000 due 1 Feb 2024, computed on 1 Apr 2025. Interest runs from 2 Feb 2024; the
    # first year is 2 Feb 2024 up to and including 1 Feb 2025 (366 days: 2024 has 29 Feb).
    #   2 Feb–30 Jun 2024: 150 days (28+31+30+31+30) at 12.50 %:
    #                      10000 × 0.125 × 150 / 365 = 187500 / 365 = 513.6986… → 513.70
    #   1 Jul–31 Dec 2024: 184 days at 12.25 %: 10000 × 0.1225 × 184 / 365 = 225400 / 365 = 617.5342… → 617.53
    #   1 Jan–1 Feb 2025:   32 days at 11.15 %: 10000 × 0.1115 × 32 / 365 = 35680 / 365 = 97.7534… → 97.75
    #   first year: 513.70 + 617.53 + 97.75 = 1228.98, added to the principal on 2 Feb 2025.
    #   2 Feb–1 Apr 2025:   59 days (27+31+1) at 11.15 % on 11228.98:
    #                      11228.98 × 0.1115 = 1252.03127; × 59 = 73869.84493; / 365 = 202.3831… → 202.38
    #   total 1228.98 + 202.38 = 1431.36 (without compounding the second part would be
    #   10000 × 0.1115 × 59 / 365 = 65785 / 365 = 180.23, total 1409.21)
    result = interest.compute(D("10000.00"), due_date=date(2024, 2, 1), on=date(2025, 4, 1), kind=COMMERCIAL)
    assert rows(result) == [
        (date(2024, 2, 2), date(2024, 6, 30), 150, D("12.50"), D("10000.00"), D("513.70")),
        (date(2024, 7, 1), date(2024, 12, 31), 184, D("12.25"), D("10000.00"), D("617.53")),
        (date(2025, 1, 1), date(2025, 2, 1), 32, D("11.15"), D("10000.00"), D("97.75")),
        (date(2025, 2, 2), date(2025, 4, 1), 59, D("11.15"), D("11228.98"), D("202.38")),
    ]
    assert result.total == D("1431.36")


def test_a_new_table_row_with_the_same_rate_does_not_split_a_period():
    # €10,000 due 30 Jun 2025, computed on 5 Jul 2026. 10.15 % from 1 Jul 2025 and again from
    # 1 Jan 2026: one rate, one period, until the year ends on 30 Jun 2026.
    #   1 Jul 2025–30 Jun 2026: 365 days at 10.15 %: 10000 × 0.1015 × 365 / 365 = 1015.00
    #   1–5 Jul 2026: 5 days at 10.15 % on 11015.00: 11015 × 0.1015 × 5 / 365 = 5590.1125 / 365 = 15.3153… → 15.32
    #   total 1030.32
    result = interest.compute(D("10000.00"), due_date=date(2025, 6, 30), on=date(2026, 7, 5), kind=COMMERCIAL)
    assert [(p.start, p.days, p.base, p.amount) for p in result.periods] == [
        (date(2025, 7, 1), 365, D("10000.00"), D("1015.00")),
        (date(2026, 7, 1), 5, D("11015.00"), D("15.32")),
    ]
    assert result.total == D("1030.32")


def test_a_consumer_pays_the_consumer_rate():
    # €2,000 due 30 Nov 2024, computed on 31 Jan 2025 (consumer: 7 % in 2024, 6 % from 1 Jan 2025):
    #   1–31 Dec 2024: 31 days at 7 %: 2000 × 0.07 × 31 / 365 = 4340 / 365 = 11.8904… → 11.89
    #   1–31 Jan 2025: 31 days at 6 %: 2000 × 0.06 × 31 / 365 = 3720 / 365 = 10.1917… → 10.19
    #   total 22.08 (commercial would be 12.25 % and 11.15 %: 20.81 + 18.94 = 39.75)
    result = interest.compute(D("2000.00"), due_date=date(2024, 11, 30), on=date(2025, 1, 31), kind=CONSUMER)
    assert [(p.days, p.percent, p.amount) for p in result.periods] == [
        (31, D("7.00"), D("11.89")),
        (31, D("6.00"), D("10.19")),
    ]
    assert result.total == D("22.08")
    commercial = interest.compute(D("2000.00"), due_date=date(2024, 11, 30), on=date(2025, 1, 31), kind=COMMERCIAL)
    assert commercial.total == D("39.75")


def test_a_partial_payment_reduces_the_principal_from_its_date():
    # The issue's vector with €4,000 received on 5 Jul 2024:
    #   16–30 Jun: 15 days at 12.50 % on 10000: 51.37 (as above)
    #   1–4 Jul:    4 days at 12.25 % on 10000: 10000 × 0.1225 × 4 / 365 = 4900 / 365 = 13.4246… → 13.42
    #   5–13 Jul:   9 days at 12.25 % on  6000:  6000 × 0.1225 × 9 / 365 = 6615 / 365 = 18.1232… → 18.12
    #   total 82.91
    result = interest.compute(
        D("10000.00"),
        due_date=date(2024, 6, 15),
        on=date(2024, 7, 13),
        kind=COMMERCIAL,
        payments=[(date(2024, 7, 5), D("4000.00"))],
    )
    assert [(p.start, p.days, p.base, p.amount) for p in result.periods] == [
        (date(2024, 6, 16), 15, D("10000.00"), D("51.37")),
        (date(2024, 7, 1), 4, D("10000.00"), D("13.42")),
        (date(2024, 7, 5), 9, D("6000.00"), D("18.12")),
    ]
    assert result.total == D("82.91")


def test_a_payment_before_the_due_date_lowers_the_principal_from_the_start():
    # €10,000, €6,000 paid on 1 Jun 2024: 4000 × 0.125 × 15 / 365 = 7500 / 365 = 20.5479… → 20.55
    result = interest.compute(
        D("10000.00"),
        due_date=date(2024, 6, 15),
        on=date(2024, 6, 30),
        kind=COMMERCIAL,
        payments=[(date(2024, 6, 1), D("6000.00"))],
    )
    assert rows(result) == [(date(2024, 6, 16), date(2024, 6, 30), 15, D("12.50"), D("4000.00"), D("20.55"))]


@pytest.mark.parametrize(
    ("principal", "on"),
    [
        (D("0.00"), date(2024, 7, 13)),  # nothing owed
        (D("-500.00"), date(2024, 7, 13)),  # a negative amount (a credit) bears no interest
        (D("10000.00"), date(2024, 6, 15)),  # on the due date itself: not late yet
        (D("10000.00"), date(2024, 6, 1)),  # before the due date
    ],
)
def test_nothing_is_owed_when_there_is_no_principal_or_it_is_not_late(principal, on):
    result = interest.compute(principal, due_date=date(2024, 6, 15), on=on, kind=COMMERCIAL)
    assert result.periods == []
    assert result.total == Decimal("0.00")
    assert result.current_percent is None


def test_one_day_late_is_one_day_of_interest():
    # 10000 × 0.1250 × 1 / 365 = 3.4246… → 3.42
    result = interest.compute(D("10000.00"), due_date=date(2024, 6, 15), on=date(2024, 6, 16), kind=COMMERCIAL)
    assert rows(result) == [(date(2024, 6, 16), date(2024, 6, 16), 1, D("12.50"), D("10000.00"), D("3.42"))]


def test_a_fully_paid_principal_stops_the_interest():
    # 16–30 Jun 51.37 as above; paid in full on 1 Jul: nothing after that.
    result = interest.compute(
        D("10000.00"),
        due_date=date(2024, 6, 15),
        on=date(2024, 12, 31),
        kind=COMMERCIAL,
        payments=[(date(2024, 7, 1), D("10000.00"))],
    )
    assert result.total == D("51.37")


def test_the_rate_table_is_read_once_whatever_the_length(django_assert_num_queries):
    with django_assert_num_queries(1):
        result = interest.compute(D("1000.00"), due_date=date(2023, 1, 1), on=date(2026, 11, 27), kind=COMMERCIAL)
    assert len(result.periods) > 5


def test_the_last_known_rate_keeps_applying_after_the_table_ends():
    # 10.15 % from 1 Jan 2026 is the last row: still in force in 2027.
    # €3,025 due 26 Dec 2026, on 23 Jan 2027: 28 days: 3025 × 0.1015 × 28 / 365 = 8597.05 / 365 = 23.5535… → 23.55
    result = interest.compute(D("3025.00"), due_date=date(2026, 12, 26), on=date(2027, 1, 23), kind=COMMERCIAL)
    assert [(p.days, p.percent, p.amount) for p in result.periods] == [(28, D("10.15"), D("23.55"))]


# -- is the table current? ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "stale"),
    [
        (date(2026, 1, 1), [CONSUMER]),  # commercial has 1 Jan 2026; consumer stops at 1 Jan 2025
        (date(2026, 6, 30), [CONSUMER]),
        (date(2026, 7, 1), [COMMERCIAL, CONSUMER]),  # a new half-year without a new rate
        (date(2025, 3, 1), []),  # both have 1 Jan 2025
        (date(2025, 7, 1), [CONSUMER]),
    ],
)
def test_a_kind_is_stale_when_no_rate_covers_the_current_half_year(today, stale):
    assert interest.stale_kinds(today) == stale


def test_entering_the_new_rate_ends_the_warning():
    StatutoryInterestRate.objects.create(kind=CONSUMER, valid_from=date(2025, 7, 1), percent=D("6.00"))
    StatutoryInterestRate.objects.create(kind=CONSUMER, valid_from=date(2026, 1, 1), percent=D("6.00"))
    assert interest.stale_kinds(date(2026, 3, 1)) == []


def test_the_half_year_follows_the_amsterdam_date():
    # 30 Jun 2026 23:30 UTC is already 1 Jul 01:30 in Amsterdam: the new half-year has begun.
    with time_machine.travel("2026-06-30 23:30:00+00:00", tick=False):
        assert interest.stale_kinds() == [COMMERCIAL, CONSUMER]
    with time_machine.travel("2026-06-30 21:30:00+00:00", tick=False):
        assert interest.stale_kinds() == [CONSUMER]
