"""The project timeline as data: every coordinate of the inline SVG, computed here.

The template only places what this module computed; it does no arithmetic. The SVG is a
picture for sighted users; the "Phase dates" table under it carries the same facts for
screen readers and tests.

Geometry (viewBox units): phase titles in a label column on the left, a horizontal time
axis on top, one row per phase. A row has a bar from the moment the phase's clock starts
(the previous phase's acceptance, or its projected date) to its end: the day the client
accepted it, or while it is not accepted, its due date. So an accepted phase stops where
the next one starts, even when it was accepted well before its deadline. A marker sits on
the due date (hard: diamond, fixed: solid dot, projected: hollow dashed dot) and a check
mark on the day the client accepted it. A vertical line marks today.

The portfolio timeline (``build_portfolio``, on the dashboard) uses the same scale, axis,
ticks and markers, with one row per project instead of one per phase.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from projects.models import DateKind, Phase, ScheduledPhase

WIDTH = 800
LABEL_WIDTH = 200  # the column with phase titles
PLOT_LEFT = 212
PLOT_RIGHT = WIDTH - 28
AXIS_Y = 30
FIRST_ROW_Y = 52
ROW_HEIGHT = 30
BOTTOM_MARGIN = 28  # room for the "today" label
PAD_DAYS = 4
MIN_SPAN_DAYS = 14
TITLE_CHARS = 26
MARKER_RADIUS = 6


@dataclass(frozen=True)
class Tick:
    x: float
    date: date
    format: str  # a Django date format for the label, e.g. "j M"


@dataclass(frozen=True)
class Row:
    number: int
    title: str  # shortened to fit the label column
    full_title: str
    kind: str  # a DateKind value
    y: float  # the row's centre line
    label_y: float  # baseline of the title text
    bar_x: float
    bar_width: float
    bar_y: float
    bar_height: float
    due_date: date
    due_x: float
    marker_points: str  # the hard deadline's diamond, as SVG polygon points
    hard_label_y: float  # the "hard" label sits above the diamond
    accepted_on: date | None
    accepted_x: float | None
    check_path: str  # the acceptance check mark, as an SVG path
    is_overdue: bool

    @property
    def is_hard(self) -> bool:
        return self.kind == DateKind.HARD

    @property
    def is_projected(self) -> bool:
        return self.kind == DateKind.PROJECTED


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    start: date
    end: date
    today: date
    today_x: float
    today_top: float
    today_bottom: float
    today_label_y: float
    axis_y: float
    tick_label_y: float
    plot_left: float
    plot_right: float
    label_width: int
    ticks: list[Tick]
    rows: list[Row]

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def hard_deadline(self) -> date | None:
        return next((row.due_date for row in self.rows if row.is_hard), None)


class Scale:
    """Dates to x coordinates: a linear map from [start, end] onto [left, right]."""

    def __init__(self, start: date, end: date, left: float, right: float) -> None:
        self.start, self.end, self.left, self.right = start, end, left, right
        self.days = max((end - start).days, 1)

    def x(self, day: date) -> float:
        return round(self.left + (day - self.start).days / self.days * (self.right - self.left), 1)


def diamond(x: float, y: float, r: float = MARKER_RADIUS) -> str:
    """The hard deadline's marker, as SVG polygon points."""
    return f"{x:.1f},{y - r - 1:.1f} {x + r + 1:.1f},{y:.1f} {x:.1f},{y + r + 1:.1f} {x - r - 1:.1f},{y:.1f}"


def check_mark(x: float, y: float) -> str:
    """The acceptance check mark, as an SVG path."""
    return f"M{x - 5:.1f},{y:.1f} l3.5,4.5 l7,-9"


def axis_range(dates: list[date]) -> tuple[date, date]:
    """The axis from the earliest to the latest date, padded, and at least two weeks long."""
    start, end = min(dates) - timedelta(days=PAD_DAYS), max(dates) + timedelta(days=PAD_DAYS)
    if (end - start).days < MIN_SPAN_DAYS:
        extra = MIN_SPAN_DAYS - (end - start).days
        start -= timedelta(days=extra // 2)
        end += timedelta(days=extra - extra // 2)
    return start, end


def bar_span(scale: Scale, start: date, end: date) -> tuple[float, float]:
    """A bar's x and width from two dates, whichever comes first; never thinner than 2."""
    x_start, x_end = scale.x(start), scale.x(end)
    left, right = min(x_start, x_end), max(x_start, x_end)
    return left, round(max(right - left, 2), 1)


def shorten(text: str, limit: int = TITLE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bar_starts(entries: list[ScheduledPhase], today: date) -> list[date]:
    """When each phase's clock starts, the same way `schedule()` derives the due dates.

    Phase 1: the day work started, else today (or its deadline or acceptance, if earlier).
    Later phases: the previous phase's acceptance, else the later of its date and today.
    """
    starts: list[date] = []
    previous: ScheduledPhase | None = None
    for entry in entries:
        if previous is None:
            started = entry.phase.started_at
            start = (
                timezone.localdate(started) if started else min(today, entry.date or today, entry.accepted_on or today)
            )
        elif previous.accepted_on is not None:
            start = previous.accepted_on
        else:
            start = max(previous.date or today, today)
        starts.append(start)
        previous = entry
    return starts


def ticks_for(start: date, end: date, scale: Scale) -> list[Tick]:
    """Weekly ticks (Mondays) for short plans, monthly or quarterly ones for long plans."""
    span = (end - start).days
    ticks: list[Tick] = []
    if span <= 70:
        day = start + timedelta(days=(7 - start.weekday()) % 7)
        while day <= end:
            ticks.append(Tick(x=scale.x(day), date=day, format="j M"))
            day += timedelta(weeks=1)
        return ticks
    months = 1 if span <= 2 * 366 else 3
    year, month = start.year, start.month
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, month - 12
        if (month - 1) % months:
            continue
        day = date(year, month, 1)
        if day > end:
            return ticks
        first = not ticks
        ticks.append(Tick(x=scale.x(day), date=day, format="M Y" if first or month == 1 else "M"))


def build_timeline(entries: list[ScheduledPhase], *, today: date | None = None) -> Timeline | None:
    """The timeline of a schedule, or None when there is nothing to draw yet.

    Nothing to draw: no phases, or no hard first deadline (then no phase has a date).
    """
    today = today or timezone.localdate()
    if not entries or any(entry.date is None for entry in entries):
        return None
    starts = bar_starts(entries, today)
    dates = [today, *starts]
    for entry in entries:
        dates.append(entry.date)  # type: ignore[arg-type]
        if entry.accepted_on:
            dates.append(entry.accepted_on)
    start, end = axis_range(dates)
    scale = Scale(start, end, PLOT_LEFT, PLOT_RIGHT)

    rows: list[Row] = []
    for index, (entry, bar_start) in enumerate(zip(entries, starts, strict=True)):
        due: date = entry.date  # type: ignore[assignment]
        y = FIRST_ROW_Y + index * ROW_HEIGHT + ROW_HEIGHT / 2
        x_due = scale.x(due)
        # An accepted phase ends on its acceptance: there the next phase's clock starts.
        bar_x, bar_width = bar_span(scale, bar_start, entry.accepted_on or due)
        accepted_x = scale.x(entry.accepted_on) if entry.accepted_on else None
        r = MARKER_RADIUS
        check = check_mark(accepted_x, y) if accepted_x is not None else ""
        rows.append(
            Row(
                number=entry.phase.position,
                title=shorten(entry.phase.title),
                full_title=entry.phase.title,
                kind=str(entry.kind),
                y=y,
                label_y=y + 4,
                bar_x=bar_x,
                bar_width=bar_width,
                bar_y=y - 5,
                bar_height=10,
                due_date=due,
                due_x=x_due,
                marker_points=diamond(x_due, y),
                hard_label_y=y - r - 4,
                accepted_on=entry.accepted_on,
                accepted_x=accepted_x,
                check_path=check,
                is_overdue=entry.is_overdue,
            )
        )
    rows_bottom = FIRST_ROW_Y + len(entries) * ROW_HEIGHT
    height = rows_bottom + BOTTOM_MARGIN
    return Timeline(
        width=WIDTH,
        height=height,
        start=start,
        end=end,
        today=today,
        today_x=scale.x(today),
        today_top=AXIS_Y - 6,
        today_bottom=rows_bottom + 4,
        today_label_y=rows_bottom + 18,
        axis_y=AXIS_Y,
        tick_label_y=AXIS_Y - 10,
        plot_left=PLOT_LEFT,
        plot_right=PLOT_RIGHT,
        label_width=LABEL_WIDTH,
        ticks=ticks_for(start, end, scale),
        rows=rows,
    )


# -- the portfolio: one row per open project ----------------------------------------------


@dataclass(frozen=True)
class Marker:
    """A phase's due date on a project's row."""

    x: float
    number: int
    title: str
    kind: str  # a DateKind value
    due_date: date
    points: str  # the diamond, for a hard deadline
    accepted: bool
    overdue: bool

    @property
    def is_hard(self) -> bool:
        return self.kind == DateKind.HARD

    @property
    def kind_label(self) -> str:
        return DateKind(self.kind).label


@dataclass(frozen=True)
class PortfolioRow:
    pk: int
    title: str  # shortened to fit the label column
    full_title: str
    client: str
    y: float
    label_y: float
    has_dates: bool  # False: nothing to draw but the name (no hard first deadline, or no phases)
    has_phases: bool
    bar_x: float
    bar_width: float
    bar_y: float
    bar_height: float
    start: date | None
    end: date | None  # the last known date: hard, fixed, projected or an acceptance
    next_due: date | None
    next_kind: str  # a DateKind value, or "" when nothing is due
    markers: list[Marker]
    is_overdue: bool

    @property
    def next_kind_label(self) -> str:
        return DateKind(self.next_kind).label if self.next_kind else ""


@dataclass(frozen=True)
class Portfolio:
    width: int
    height: int
    start: date
    end: date
    today: date
    today_x: float
    today_top: float
    today_bottom: float
    today_label_y: float
    axis_y: float
    tick_label_y: float
    plot_left: float
    plot_right: float
    label_width: int
    ticks: list[Tick]
    rows: list[PortfolioRow]
    more: int  # open projects not shown

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def is_overdue(entry: ScheduledPhase, today: date) -> bool:
    """``ScheduledPhase.is_overdue`` on the given day rather than the clock's."""
    return (
        entry.date is not None and entry.date < today and entry.accepted_on is None
        and entry.phase.status != Phase.Status.DELIVERED
    )  # fmt: skip


def build_portfolio(
    projects: list[tuple[object, list[ScheduledPhase]]], *, today: date | None = None, more: int = 0
) -> Portfolio | None:
    """One row per (project, schedule) in the given order; None when there is no project.

    A row's bar runs from the day work on phase 1 started (else today, or its deadline if
    earlier) to the project's last known date; each phase's due date is a marker of its kind.
    """
    today = today or timezone.localdate()
    if not projects:
        return None
    spans: list[tuple[date, date] | None] = []
    dates = [today]
    for _project, entries in projects:
        dated = [entry for entry in entries if entry.date is not None]
        if not dated:
            spans.append(None)
            continue
        known = [entry.date for entry in dated] + [entry.accepted_on for entry in entries if entry.accepted_on]
        start = bar_starts(entries, today)[0]
        spans.append((start, max(known)))  # type: ignore[type-var]
        dates += [start, *known]  # type: ignore[list-item]
    start, end = axis_range(dates)
    scale = Scale(start, end, PLOT_LEFT, PLOT_RIGHT)

    rows: list[PortfolioRow] = []
    for index, ((project, entries), span) in enumerate(zip(projects, spans, strict=True)):
        y = FIRST_ROW_Y + index * ROW_HEIGHT + ROW_HEIGHT / 2
        bar_x, bar_width = bar_span(scale, *span) if span else (0.0, 0.0)
        markers = [
            Marker(
                x=scale.x(entry.date),
                number=entry.phase.position,
                title=entry.phase.title,
                kind=str(entry.kind),
                due_date=entry.date,
                points=diamond(scale.x(entry.date), y) if entry.kind == DateKind.HARD else "",
                accepted=entry.accepted_on is not None,
                overdue=is_overdue(entry, today),
            )
            for entry in entries
            if entry.date is not None
        ]
        upcoming = next((entry for entry in entries if entry.accepted_on is None and entry.date), None)
        name = str(project)
        rows.append(
            PortfolioRow(
                pk=project.pk,  # type: ignore[attr-defined]
                title=shorten(name),
                full_title=name,
                client=str(getattr(project, "client", "") or ""),
                y=y,
                label_y=y + 4,
                has_dates=span is not None,
                has_phases=bool(entries),
                bar_x=bar_x,
                bar_width=bar_width,
                bar_y=y - 5,
                bar_height=10,
                start=span[0] if span else None,
                end=span[1] if span else None,
                next_due=upcoming.date if upcoming else None,
                next_kind=str(upcoming.kind) if upcoming else "",
                markers=markers,
                is_overdue=any(marker.overdue for marker in markers),
            )
        )
    rows_bottom = FIRST_ROW_Y + len(rows) * ROW_HEIGHT
    return Portfolio(
        width=WIDTH,
        height=rows_bottom + BOTTOM_MARGIN,
        start=start,
        end=end,
        today=today,
        today_x=scale.x(today),
        today_top=AXIS_Y - 6,
        today_bottom=rows_bottom + 4,
        today_label_y=rows_bottom + 18,
        axis_y=AXIS_Y,
        tick_label_y=AXIS_Y - 10,
        plot_left=PLOT_LEFT,
        plot_right=PLOT_RIGHT,
        label_width=LABEL_WIDTH,
        ticks=ticks_for(start, end, scale),
        rows=rows,
        more=more,
    )
