"""Dutch statutory interest: per rate period, compounded yearly, from the dated rate table.

The rules (art. 6:119 and 6:119a BW; NL-RULES.md):

- Interest runs from the day after the due date up to and including the calculation day.
- Each day bears the rate in force that day (``StatutoryInterestRate``: commercial for a
  business client, consumer for a consumer). A period is split wherever the rate changes;
  a new table row with the same percent is no change and does not split it.
- Day count actual/365: a day's interest is base × percent / 100 / 365, in leap years too.
- Compounded yearly (art. 6:119 lid 2, 6:119a lid 3): at the end of each year counted from
  the day interest started running, that year's interest is added to the base. The year's
  interest added is the sum of its periods as shown (each rounded to the cent), so what an
  invoice or a letter shows is exactly what was capitalised.
- A payment reduces the principal from its date on: the interest of the payment day itself
  is on the reduced principal. Art. 6:44 BW (a payment goes first to costs, then to interest,
  then to the principal) is *not* modelled: a payment here reduces the principal only, which
  gives the debtor the benefit of the doubt (the amounts are never higher than the law allows).
- A sent credit note reduces the principal from the start: what it credits was never owed.
- Days before the first rate in the table bear no interest (the table starts in 2023).
- Until the operator enters a newer rate, the last known one keeps applying: it legally
  stays in force until it is replaced. ``stale_kinds`` says when a half-year has started
  without a new entry, so the dashboard and the admin can warn.

Each period's amount is rounded to the cent (half up); the total is the sum of the periods
shown, so an invoice's lines add up to it. Decimal throughout; the rate table is read once
per computation (or passed in, for a batch).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from django.db.models import Max
from django.utils import timezone

from contracts.models import StatutoryInterestRate
from freelance.lib.money import round_money
from projects.models import Client

ZERO = Decimal("0.00")
DAYS_IN_YEAR = Decimal(365)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Period:
    """Consecutive days with the same rate and the same base; ``start`` and ``end`` both count."""

    start: date
    end: date
    days: int
    percent: Decimal
    base: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Interest:
    kind: str
    periods: list[Period] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((period.amount for period in self.periods), ZERO)

    @property
    def current_percent(self) -> Decimal | None:
        """The rate of the last period: the one in force on the calculation day."""
        return self.periods[-1].percent if self.periods else None

    @property
    def has_several_rates(self) -> bool:
        return len({period.percent for period in self.periods}) > 1


def kind_for(client_kind: str) -> str:
    """Consumer interest for a consumer, commercial interest for a business."""
    if client_kind == Client.Kind.CONSUMER:
        return StatutoryInterestRate.Kind.CONSUMER
    return StatutoryInterestRate.Kind.COMMERCIAL


def _table(kind: str, rates: Iterable | None) -> list[tuple[date, Decimal]]:
    """(valid_from, percent) of one kind, oldest first: from the given rows or one query."""
    if rates is None:
        rows = StatutoryInterestRate.objects.filter(kind=kind).values_list("valid_from", "percent")
        return sorted(rows)
    return sorted((rate.valid_from, rate.percent) for rate in rates if rate.kind == kind)


def _anniversary(start: date, years: int) -> date:
    """The day a new interest year begins; a start on 29 February rolls over on 1 March."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return date(start.year + years, 3, 1)


def _percent_on(table: list[tuple[date, Decimal]], day: date) -> Decimal | None:
    percent = None
    for valid_from, rate in table:
        if valid_from > day:
            break
        percent = rate
    return percent


def compute(
    principal: Decimal,
    *,
    due_date: date | None,
    on: date,
    kind: str,
    payments: Iterable[tuple[date, Decimal]] = (),
    rates: Iterable | None = None,
) -> Interest:
    """The statutory interest on ``principal`` due on ``due_date``, up to and including ``on``.

    ``kind`` is ``StatutoryInterestRate.Kind``; ``payments`` are (received on, amount);
    ``rates`` are ``StatutoryInterestRate`` rows already loaded (else one query).
    """
    start = due_date + timedelta(days=1) if due_date else None
    if start is None or on < start or principal is None or principal <= 0:
        return Interest(kind)
    table = _table(kind, rates)
    received = sorted((day, amount) for day, amount in payments if amount and day <= on)

    # Every day something may change: a rate, a payment, a new interest year.
    anniversaries = set()
    years = 1
    while (day := _anniversary(start, years)) <= on:
        anniversaries.add(day)
        years += 1
    changes = {valid_from for valid_from, _percent in table if start < valid_from <= on}
    changes |= {day for day, _amount in received if start < day}
    changes |= anniversaries
    boundaries = [start, *sorted(changes), on + timedelta(days=1)]

    periods: list[Period] = []
    capitalised = ZERO
    year_interest = ZERO
    for first, following in pairwise(boundaries):
        if first in anniversaries:
            capitalised += year_interest
            year_interest = ZERO
        paid = sum((amount for day, amount in received if day <= first), ZERO)
        base = max(principal - paid, ZERO) + capitalised
        percent = _percent_on(table, first)
        if base <= 0 or percent is None:
            continue
        last = following - timedelta(days=1)
        previous = periods[-1] if periods else None
        if (
            previous is not None
            and previous.end + timedelta(days=1) == first
            and (previous.percent, previous.base) == (percent, base)
            and first not in anniversaries
        ):
            # The same rate on the same base (e.g. a new table row with an unchanged percent): one period.
            start_day, days = previous.start, previous.days + (last - first).days + 1
            year_interest -= previous.amount
            periods.pop()
        else:
            start_day, days = first, (last - first).days + 1
        amount = round_money(base * percent / HUNDRED * days / DAYS_IN_YEAR)
        periods.append(Period(start_day, last, days, percent, base, amount))
        year_interest += amount
    return Interest(kind, periods)


def for_invoice(invoice, on: date, *, rates: Iterable | None = None) -> Interest:
    """The interest on a sent invoice, from its payments and sent credit notes (prefetched or queried)."""
    credited = sum((-note.total for note in invoice.credit_notes.all() if not note.is_draft), ZERO)
    return compute(
        invoice.total - credited,
        due_date=invoice.due_date,
        on=on,
        kind=kind_for(invoice.client.kind),
        payments=[(payment.paid_on, payment.amount) for payment in invoice.payments.all()],
        rates=rates,
    )


# -- is the table current? ------------------------------------------------------------------


def half_year_start(day: date) -> date:
    """1 January or 1 July: the day the rates are reset."""
    return date(day.year, 1 if day.month < 7 else 7, 1)


def stale_kinds(today: date | None = None) -> list[str]:
    """The kinds of interest with no rate entered for the current half-year (one query).

    The last known rate still applies until a newer one is entered; this only says the
    operator has to enter the new publication.
    """
    today = today or timezone.localdate()
    since = half_year_start(today)
    latest = dict(StatutoryInterestRate.objects.order_by().values_list("kind").annotate(latest=Max("valid_from")))
    return [kind for kind in StatutoryInterestRate.Kind.values if latest.get(kind) is None or latest[kind] < since]
