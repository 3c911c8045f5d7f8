"""Invoice money: totals agree to the cent, numbers never gap or repeat, the legal scales."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.dutch_law import Line, collection_costs, ensure_known_interest_rates, next_invoice_number, totals
from contracts.models import InvoiceCounter, StatutoryInterestRate

money = st.decimals(min_value=Decimal("-1000"), max_value=Decimal("100000"), places=2, allow_nan=False)
quantity = st.decimals(min_value=Decimal("0"), max_value=Decimal("500"), places=2, allow_nan=False)
rate = st.sampled_from([Decimal("21"), Decimal("9"), Decimal("0")])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.builds(Line, quantity=quantity, unit_price=money, vat_percent=rate), max_size=25))
def test_line_totals_vat_per_rate_and_the_grand_total_agree_to_the_cent(lines):
    result = totals(lines)
    assert result.total_excl == sum((line.amount for line in lines), Decimal("0.00"))
    for vat_rate, amount in result.excl_by_rate.items():
        exact = amount * vat_rate / 100
        assert abs(result.vat_by_rate[vat_rate] - exact) <= Decimal("0.005")
        assert result.vat_by_rate[vat_rate] == result.vat_by_rate[vat_rate].quantize(Decimal("0.01"))
    assert result.total == result.total_excl + result.total_vat
    assert result.total == sum(result.excl_by_rate.values(), Decimal("0")) + sum(
        result.vat_by_rate.values(), Decimal("0")
    )


def test_vat_is_rounded_once_per_rate_not_per_line():
    lines = [Line(Decimal("1"), Decimal("0.05"), Decimal("21"))] * 3  # 3 × 0.0105 VAT
    result = totals(lines)
    assert result.vat_by_rate[Decimal("21")] == Decimal("0.03")  # per line would give 3 × 0.01


@pytest.mark.parametrize("scheme", [{"reverse_charge": True}, {"small_business_scheme": True}])
def test_reverse_charge_and_kor_charge_no_vat(scheme):
    result = totals([Line(Decimal("10"), Decimal("85.00"), Decimal("21"))], **scheme)
    assert (result.total_excl, result.total_vat, result.total) == (
        Decimal("850.00"),
        Decimal("0.00"),
        Decimal("850.00"),
    )


@pytest.mark.parametrize(
    ("principal", "costs"),
    [
        ("0", "0.00"),
        ("100", "40.00"),  # 15 % would be 15: the minimum is 40
        ("266.66", "40.00"),
        ("266.67", "40.00"),  # 40.0005 rounds to 40.00
        ("266.70", "40.01"),
        ("2500", "375.00"),  # end of the first band
        ("2500.01", "375.00"),  # + 10 % of one cent
        ("5000", "625.00"),  # end of the second band
        ("10000", "875.00"),  # end of the third band
        ("200000", "2775.00"),  # end of the fourth band
        ("200000.01", "2775.00"),
        ("1000000", "6775.00"),  # 2775 + 0.5 % of 800,000 = 6775: exactly the maximum
        ("2000000", "6775.00"),  # capped
    ],
)
def test_the_collection_cost_scale_at_every_boundary(principal, costs):
    assert collection_costs(Decimal(principal)) == Decimal(costs)


@pytest.fixture
def interest_table(db):
    """As the migration seeds it (a transactional test elsewhere may have flushed the table)."""
    ensure_known_interest_rates(StatutoryInterestRate)


@pytest.mark.usefixtures("interest_table")
@pytest.mark.parametrize(
    ("kind", "day", "percent"),
    [
        ("commercial", date(2023, 12, 31), "12.00"),
        ("commercial", date(2024, 1, 1), "12.50"),
        ("commercial", date(2024, 12, 31), "12.25"),
        # Issue 12: the table stopped at 1 July 2024 and gave 12.25% and 7% here.
        ("commercial", date(2025, 2, 15), "11.15"),
        ("consumer", date(2025, 2, 15), "6.00"),
        ("commercial", date(2025, 7, 1), "10.15"),
        ("commercial", date(2026, 11, 26), "10.15"),
        ("consumer", date(2024, 3, 1), "7.00"),
        ("consumer", date(2023, 6, 30), "4.00"),
    ],
)
def test_the_statutory_interest_rate_comes_from_the_dated_table(kind, day, percent):
    assert StatutoryInterestRate.on(kind, day).percent == Decimal(percent)


@pytest.mark.usefixtures("interest_table")
def test_a_new_rate_in_the_table_takes_effect_from_its_date():
    StatutoryInterestRate.objects.create(kind="commercial", valid_from=date(2026, 7, 1), percent=Decimal("9.90"))
    assert StatutoryInterestRate.on("commercial", date(2026, 6, 30)).percent == Decimal("10.15")
    assert StatutoryInterestRate.on("commercial", date(2026, 7, 1)).percent == Decimal("9.90")


@pytest.mark.django_db
def test_numbers_are_consecutive_per_year_and_a_rollback_gives_the_number_back(alice):
    with transaction.atomic():
        assert next_invoice_number(alice, 2026) == "2026-0001"
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_invoice_number(alice, 2026) == "2026-0002"
        raise RuntimeError("the issue failed")
    with transaction.atomic():
        assert next_invoice_number(alice, 2026) == "2026-0002"
        assert next_invoice_number(alice, 2027) == "2027-0001"


@pytest.mark.django_db(transaction=True)
def test_a_number_is_only_taken_inside_the_issuing_transaction(alice):
    with pytest.raises(RuntimeError):
        next_invoice_number(alice, 2026)


@pytest.mark.django_db(transaction=True)
def test_twenty_threads_get_consecutive_numbers_without_gaps_or_duplicates(alice):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race is only real on PostgreSQL (run there on CI)")
    barrier = threading.Barrier(20)
    numbers: list[str] = []
    lock = threading.Lock()

    def issue():
        try:
            barrier.wait()
            with transaction.atomic():
                number = next_invoice_number(alice, 2026)
            with lock:
                numbers.append(number)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == [f"2026-{n:04d}" for n in range(1, 21)]
    assert InvoiceCounter.objects.get(owner=alice, year=2026).last_number == 20
