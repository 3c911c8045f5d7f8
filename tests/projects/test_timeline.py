"""projects/timeline.py: the SVG timeline's coordinates, computed from a schedule. No database."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from projects.models import DateKind, Phase, Project, schedule
from projects.timeline import PLOT_LEFT, PLOT_RIGHT, TITLE_CHARS, build_timeline, shorten

AMS = ZoneInfo("Europe/Amsterdam")
TODAY = date(2027, 1, 11)  # a Monday


def plan(first_deadline: date | None, count: int = 3, *, accepted: dict[int, date] | None = None) -> list:
    """An in-memory project with `count` phases; `accepted` maps positions to acceptance days."""
    accepted = accepted or {}
    project = Project(name="Webshop", first_deadline=first_deadline)
    phases = []
    for position in range(1, count + 1):
        phase = Phase(project=project, position=position, title=f"Phase {position}", offset_amount=2)
        if position in accepted:
            phase.status = Phase.Status.ACCEPTED
            phase.accepted_at = datetime.combine(accepted[position], time(12), tzinfo=AMS)
        phases.append(phase)
    return schedule(project, phases, today=TODAY)


def test_there_is_no_timeline_without_a_hard_first_deadline():
    assert build_timeline(plan(None), today=TODAY) is None


def test_there_is_no_timeline_without_phases():
    assert build_timeline(plan(date(2027, 3, 1), count=0), today=TODAY) is None


def test_x_coordinates_grow_with_the_dates():
    timeline = build_timeline(plan(date(2027, 3, 1), count=4), today=TODAY)
    due_dates = [row.due_date for row in timeline.rows]
    xs = [row.due_x for row in timeline.rows]
    assert due_dates == sorted(due_dates) and len(set(due_dates)) == 4
    assert xs == sorted(xs) and len(set(xs)) == 4
    assert all(PLOT_LEFT <= x <= PLOT_RIGHT for x in xs)
    assert all(tick_a.x < tick_b.x for tick_a, tick_b in zip(timeline.ticks, timeline.ticks[1:], strict=False))


def test_the_axis_spans_every_date_and_today_with_some_padding():
    entries = plan(date(2027, 3, 1))
    timeline = build_timeline(entries, today=TODAY)
    assert timeline.start < TODAY < entries[-1].date < timeline.end
    assert (TODAY - timeline.start).days >= 3
    assert (timeline.end - entries[-1].date).days >= 3


def test_the_today_line_sits_where_today_falls_between_start_and_end():
    timeline = build_timeline(plan(date(2027, 3, 1)), today=TODAY)
    fraction = (TODAY - timeline.start).days / (timeline.end - timeline.start).days
    assert timeline.today_x == pytest.approx(PLOT_LEFT + fraction * (PLOT_RIGHT - PLOT_LEFT), abs=0.1)
    assert timeline.today_top < timeline.rows[0].y < timeline.rows[-1].y < timeline.today_bottom


def test_today_after_every_deadline_is_drawn_at_the_right_end():
    entries = plan(date(2026, 6, 1), count=1, accepted={1: date(2026, 5, 28)})
    timeline = build_timeline(entries, today=TODAY)
    assert timeline.rows[0].due_x < timeline.today_x <= PLOT_RIGHT
    assert timeline.end > TODAY


def test_kinds_and_the_acceptance_check_mark_follow_the_schedule():
    entries = plan(date(2027, 3, 1), accepted={1: date(2027, 2, 24)})
    timeline = build_timeline(entries, today=date(2027, 2, 25))
    kinds = [row.kind for row in timeline.rows]
    assert kinds == [DateKind.HARD, DateKind.FIXED, DateKind.PROJECTED]
    first, second, third = timeline.rows
    assert first.is_hard and first.marker_points
    assert first.accepted_on == date(2027, 2, 24)
    assert first.accepted_x < first.due_x  # accepted before the deadline
    assert first.check_path.startswith("M")
    assert second.accepted_x is None and second.check_path == ""
    # The next phase's bar starts on the day phase 1 was accepted.
    assert second.bar_x == first.accepted_x
    assert third.is_projected


def test_rows_stack_downwards_and_the_drawing_grows_with_them():
    small = build_timeline(plan(date(2027, 3, 1), count=1), today=TODAY)
    large = build_timeline(plan(date(2027, 3, 1), count=30), today=TODAY)
    assert [row.y for row in large.rows] == sorted(row.y for row in large.rows)
    assert large.height > small.height
    assert large.view_box == f"0 0 {large.width} {large.height}"


def test_long_titles_are_shortened_for_the_label_column():
    long = "A very long phase title that would never fit into the label column"
    assert len(shorten(long)) == TITLE_CHARS
    assert shorten(long).endswith("…")
    assert shorten("Design") == "Design"


def test_a_short_plan_gets_weekly_ticks_and_a_long_one_monthly_ticks():
    short = build_timeline(plan(date(2027, 1, 25), count=1), today=TODAY)
    assert all(tick.date.weekday() == 0 for tick in short.ticks)
    long = build_timeline(plan(date(2027, 9, 1), count=1), today=TODAY)
    assert all(tick.date.day == 1 for tick in long.ticks)
    assert all(long.start <= tick.date <= long.end for tick in long.ticks)


@pytest.mark.django_db
def test_svg_coordinates_use_a_decimal_point_in_dutch_too(alice_client, alice):
    import re
    from datetime import date

    from tests.factories import project_with_phases

    project = project_with_phases(alice, 3, first_deadline=date(2027, 3, 5))
    body = alice_client.get(f"/projects/{project.pk}/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    svg = body[body.index('<svg class="timeline"') : body.index("</svg>", body.index('<svg class="timeline"'))]
    numeric = re.findall(r'\b(?:x|y|x1|x2|y1|y2|cx|cy|width|height|viewBox)="([^"]*)"', svg)
    assert numeric, "the timeline has coordinates"
    assert not [value for value in numeric if "," in value], "a comma in an SVG coordinate breaks the drawing"
