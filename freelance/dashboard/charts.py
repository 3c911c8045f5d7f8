"""The dashboard's pictures: server-rendered SVG, every coordinate computed here.

Three charts, each with a text alternative (a data table with the same numbers):

- the portfolio timeline: one row per open project, the same drawing as the project page's
  timeline (``projects.timeline``). Only the ``PORTFOLIO_SHOWN`` projects with the nearest
  next deadline are drawn (chosen and counted in SQL; their phases prefetched in one query),
  so only their schedules are computed: two queries for one project or five hundred;
- hours by role per month, the last six months: one grouped query (``TruncMonth``);
- invoiced against paid per month, the last six months: one query (three grouped selects in
  a ``UNION ALL``: invoices, payments on partly paid invoices, payments on invoices paid since
  the first month). Invoiced is incl. VAT, by invoice date, sent invoices and credit notes
  (a credit note's total is negative, so it is deducted); paid is money received, by the
  day it was received. Both incl. VAT, so they can be compared.

The template ``dashboard/_charts.html`` only places what is computed here: it does no
arithmetic. Usage: ``context.update(charts.dashboard_charts(user, today))`` and
``{% include "dashboard/_charts.html" %}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.db.models import Count, F, OuterRef, Subquery, Sum, Value, Window
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from contracts.models import Invoice, Payment, Role, TimeEntry
from freelance.lib.money import exact
from projects.models import Phase, Project
from projects.nudges import effective_due_date
from projects.timeline import Portfolio, build_portfolio

PORTFOLIO_SHOWN = 12
MONTHS = 6
ZERO = Decimal("0.00")

# Bar charts, in viewBox units.
CHART_WIDTH = 480
CHART_HEIGHT = 240
PLOT_LEFT = 84  # room for the value labels of the y axis
PLOT_RIGHT = CHART_WIDTH - 12
PLOT_TOP = 24
PLOT_BOTTOM = CHART_HEIGHT - 36  # room for the month labels
Y_TICKS = 4


# -- months --------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def last_months(today: date, count: int = MONTHS) -> list[date]:
    """The first days of the last `count` months, this month last."""
    this = month_start(today)
    return [add_months(this, offset) for offset in range(1 - count, 1)]


def as_month(value) -> date:
    """A ``TruncMonth`` result as the month's first day (a datetime on some backends)."""
    return date(value.year, value.month, 1)


# -- shared geometry of the bar charts ------------------------------------------------------


@dataclass(frozen=True)
class YTick:
    y: float
    value: Decimal


@dataclass(frozen=True)
class ValueScale:
    """Values to y coordinates: ``low`` (zero or below) at the bottom, ``high`` at the top."""

    low: Decimal
    high: Decimal
    step: Decimal

    def y(self, value: Decimal) -> float:
        span = (self.high - self.low) or Decimal(1)
        return round(PLOT_BOTTOM - float((value - self.low) / span) * (PLOT_BOTTOM - PLOT_TOP), 1)

    def ticks(self) -> list[YTick]:
        ticks, value = [], self.low
        while value <= self.high:
            ticks.append(YTick(self.y(value), value))
            value += self.step
        return ticks


def nice_step(span: Decimal) -> Decimal:
    """A round step (1, 2 or 5 times a power of ten) that cuts `span` into at most Y_TICKS parts."""
    if span <= 0:
        return Decimal(1)
    raw = span / Y_TICKS
    power = Decimal(10) ** (len(str(int(raw))) - 1) if raw >= 1 else Decimal(1)
    for factor in (1, 2, 5, 10):
        if power * factor >= raw:
            return power * factor
    return power * 10  # pragma: no cover


def value_scale(values: list[Decimal]) -> ValueScale:
    high, low = max([*values, ZERO]), min([*values, ZERO])
    step = nice_step(high - low)

    def snap(value: Decimal, up: bool) -> Decimal:
        steps = (value / step).to_integral_value(rounding=ROUND_CEILING if up else ROUND_FLOOR)
        return steps * step

    return ValueScale(snap(low, up=False), max(snap(high, up=True), step), step)


def band(index: int, count: int) -> tuple[float, float]:
    """The x and width of month `index`'s slot out of `count`."""
    width = (PLOT_RIGHT - PLOT_LEFT) / count
    return round(PLOT_LEFT + index * width, 1), round(width, 1)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: str  # a role value, "invoiced" or "paid": the class and pattern
    label: str  # the series' name, for the bar's tooltip
    value: Decimal


@dataclass(frozen=True)
class Column:
    """One month: its bars, its label under the axis, and the numbers for the table."""

    month: date
    label_x: float
    bars: list[Bar]
    values: list[Decimal]  # in the order of the chart's series
    total: Decimal
    total_y: float  # where the month's total is written


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    zero_y: float
    month_label_y: float
    series: list[tuple[str, str]]  # (value, label), in the order of the table's columns
    y_ticks: list[YTick]
    columns: list[Column]
    total: Decimal
    empty: bool

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def tick_label_x(self) -> float:
        return self.plot_left - 6

    @property
    def first_month(self) -> date:
        return self.columns[0].month

    @property
    def last_month(self) -> date:
        return self.columns[-1].month


def bar_chart(months: list[date], series: list[tuple[str, str]], data: dict, *, stacked: bool) -> BarChart:
    """`data` maps (month, series value) to an amount; missing pairs are zero."""
    values = {month: [data.get((month, key), ZERO) for key, _label in series] for month in months}
    heights = [sum(row, ZERO) for row in values.values()] if stacked else [v for row in values.values() for v in row]
    scale = value_scale(heights)
    zero_y = scale.y(ZERO)
    columns = []
    for index, month in enumerate(months):
        slot_x, slot_width = band(index, len(months))
        inner = slot_width * 0.6
        left = slot_x + (slot_width - inner) / 2
        bars = []
        base = ZERO
        for position, ((key, label), value) in enumerate(zip(series, values[month], strict=True)):
            if not value:
                continue
            if stacked:
                bottom, top = scale.y(base), scale.y(base + value)
                x, width = left, inner
                base += value
            else:
                width = inner / len(series)
                x = left + position * width
                bottom, top = zero_y, scale.y(value)
            bars.append(
                Bar(
                    x=round(x, 1),
                    y=min(top, bottom),
                    width=round(width, 1),
                    height=round(max(abs(bottom - top), 1), 1),
                    series=key,
                    label=label,
                    value=value,
                )
            )
        total = sum(values[month], ZERO)
        top_of_column = min([bar.y for bar in bars], default=zero_y)
        columns.append(
            Column(
                month=month,
                label_x=round(slot_x + slot_width / 2, 1),
                bars=bars,
                values=values[month],
                total=total,
                total_y=round(top_of_column - 5, 1),
            )
        )
    return BarChart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        plot_left=PLOT_LEFT,
        plot_right=PLOT_RIGHT,
        zero_y=zero_y,
        month_label_y=PLOT_BOTTOM + 18,
        series=series,
        y_ticks=scale.ticks(),
        columns=columns,
        total=sum((column.total for column in columns), ZERO),
        empty=not any(value for row in values.values() for value in row),
    )


# -- the three charts ----------------------------------------------------------------------


def portfolio(user, today: date, *, limit: int = PORTFOLIO_SHOWN) -> Portfolio | None:
    """The open projects with the nearest next deadline (overdue first), `limit` of them.

    The next deadline is the earliest stored due date of an unaccepted phase (phase 1's hard
    deadline, or a later phase's fixed date), as on the dashboard's deadline card; projects
    without one come last. Two queries: the projects (with the count of all of them, by a
    window function) and their phases.
    """
    next_due = (
        Phase.objects.filter(project=OuterRef("pk"))
        .exclude(status=Phase.Status.ACCEPTED)
        .annotate(due=effective_due_date())
        .filter(due__isnull=False)
        .order_by("due")
        .values("due")[:1]
    )
    shown = list(
        Project.objects.filter(owner=user, status__in=Project.OPEN_STATUSES)
        .annotate(next_due=Subquery(next_due), open_count=Window(Count("pk")))
        .select_related("client")
        .prefetch_related("phases")
        .order_by(F("next_due").asc(nulls_last=True), "name", "pk")[:limit]
    )
    if not shown:
        return None
    return build_portfolio(
        [(project, project.schedule(today)) for project in shown], today=today, more=shown[0].open_count - len(shown)
    )


def hours_by_role(user, today: date) -> BarChart:
    """Hours written per month and role, the last six months, stacked: one grouped query."""
    months = last_months(today)
    rows = (
        TimeEntry.objects.filter(owner=user, date__gte=months[0], date__lt=add_months(months[-1], 1))
        .annotate(month=TruncMonth("date"))
        .order_by()
        .values("month", "role")
        .annotate(hours=Sum("hours"))
        .values_list("month", "role", "hours")
    )
    data = {(as_month(month), role): exact(hours) for month, role, hours in rows}
    return bar_chart(months, [(role.value, str(role.label)) for role in Role], data, stacked=True)


INVOICED, PAID = "invoiced", "paid"


def invoiced_and_paid(user, today: date) -> BarChart:
    """Invoiced (incl. VAT, credit notes deducted) and received per month, the last six months."""
    months = last_months(today)
    start, end = months[0], add_months(months[-1], 1)
    invoiced = (
        Invoice.objects.filter(owner=user, issue_date__gte=start, issue_date__lt=end)
        .exclude(status=Invoice.Status.DRAFT)
        .annotate(month=TruncMonth("issue_date"), series=Value(INVOICED))
        .order_by()
        .values("month", "series")
        .annotate(amount=Sum("total"))
        .values_list("month", "series", "amount")
    )
    received = Payment.objects.filter(invoice__owner=user, paid_on__gte=start, paid_on__lt=end)
    # Only a partly paid or a paid invoice has payments, and a paid invoice's ``paid_on`` is its
    # last payment's day (``Invoice._settle``): so the window's payments are those of the partly
    # paid invoices and of the invoices paid in full since the window's start. Both are found by
    # an index on the freelancer's invoices (owner and status; owner and paid_on), not by reading
    # every payment of the install or every invoice of ten years.
    paid = [
        payments.annotate(month=TruncMonth("paid_on"), series=Value(PAID))
        .order_by()
        .values("month", "series")
        .annotate(amount=Sum("amount"))
        .values_list("month", "series", "amount")
        for payments in (
            received.filter(invoice__status=Invoice.Status.PARTLY_PAID),
            received.filter(invoice__status=Invoice.Status.PAID, invoice__paid_on__gte=start),
        )
    ]
    data: dict[tuple[date, str], Decimal] = {}
    for month, series, amount in invoiced.union(*paid, all=True):
        key = (as_month(month), series)
        data[key] = data.get(key, ZERO) + exact(amount)
    return bar_chart(months, [(INVOICED, _("Invoiced")), (PAID, _("Paid"))], data, stacked=False)


def dashboard_charts(user, today: date) -> dict:
    """The context of ``dashboard/_charts.html``: four queries (three without open projects),
    whatever the number of projects, hours, invoices and payments."""
    return {
        "portfolio": portfolio(user, today),
        "hours_chart": hours_by_role(user, today),
        "money_chart": invoiced_and_paid(user, today),
    }
