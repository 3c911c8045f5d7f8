"""Derived dates: hard, fixed and projected; weekends, Dutch holidays, projection chains."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from freelance.lib.workdays import add_working_days, is_working_day, next_working_day
from projects.models import DateKind, Phase
from tests.factories import PhaseFactory, ProjectFactory

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2027, 3, 5), date(2027, 3, 5)),  # a Friday stays
        (date(2027, 3, 6), date(2027, 3, 8)),  # Saturday -> Monday
        (date(2027, 3, 7), date(2027, 3, 8)),  # Sunday -> Monday
        (date(2027, 4, 27), date(2027, 4, 28)),  # King's Day (Tuesday) -> Wednesday
        (date(2026, 12, 25), date(2026, 12, 28)),  # Christmas (Fri), Boxing Day (Sat), Sunday -> Monday
        (date(2027, 3, 26), date(2027, 3, 30)),  # Good Friday -> weekend -> Easter Monday -> Tuesday
        (date(2027, 5, 6), date(2027, 5, 7)),  # Ascension Day -> Friday
        (date(2027, 5, 17), date(2027, 5, 18)),  # Whit Monday -> Tuesday
        (date(2025, 5, 5), date(2025, 5, 6)),  # Liberation Day in a lustrum year
        (date(2027, 1, 1), date(2027, 1, 4)),  # New Year's Day (Fri) -> Monday
    ],
)
def test_a_due_date_on_a_weekend_or_dutch_holiday_moves_to_the_next_working_day(day, expected):
    assert next_working_day(day) == expected


def test_christmas_eve_is_a_working_day_for_deadlines():
    assert is_working_day(date(2026, 12, 24))


def test_working_days_skip_weekends_and_holidays():
    assert add_working_days(date(2027, 3, 5), 1) == date(2027, 3, 8)  # Fri + 1 = Mon
    assert add_working_days(date(2027, 3, 5), 5) == date(2027, 3, 12)
    assert add_working_days(date(2027, 4, 23), 3) == date(2027, 4, 29)  # Fri + 3 skips King's Day
    assert add_working_days(date(2027, 3, 24), 3) == date(2027, 3, 31)  # Thu, (Good Friday), (Easter Monday), Tue, Wed
    with pytest.raises(ValueError):
        add_working_days(date(2027, 3, 5), -1)


@pytest.mark.parametrize(
    ("accepted_on", "amount", "unit", "due"),
    [
        (date(2027, 3, 5), 2, Phase.OffsetUnit.WEEKS, date(2027, 3, 19)),
        (date(2027, 4, 13), 2, Phase.OffsetUnit.WEEKS, date(2027, 4, 28)),  # lands on King's Day
        (date(2027, 3, 6), 1, Phase.OffsetUnit.WEEKS, date(2027, 3, 15)),  # accepted on a Saturday
        (date(2027, 3, 5), 10, Phase.OffsetUnit.WORKING_DAYS, date(2027, 3, 19)),
        (date(2027, 4, 20), 10, Phase.OffsetUnit.WORKING_DAYS, date(2027, 5, 5)),  # skips King's Day
    ],
)
def test_due_after_acceptance(accepted_on, amount, unit, due):
    assert Phase(offset_amount=amount, offset_unit=unit).due_after(accepted_on) == due


def plan(owner, first_deadline, offsets):
    """Phase 1 with the hard deadline, then one phase per (amount, unit) offset."""
    project = ProjectFactory(owner=owner, first_deadline=first_deadline)
    PhaseFactory(project=project, position=1)
    for position, (amount, unit) in enumerate(offsets, start=2):
        PhaseFactory(project=project, position=position, offset_amount=amount, offset_unit=unit)
    return project


def dates(project, today):
    return [(s.date, s.kind) for s in project.schedule(today=today)]


W = Phase.OffsetUnit.WEEKS
WD = Phase.OffsetUnit.WORKING_DAYS


@pytest.mark.django_db
def test_a_plan_has_one_hard_date_and_projected_dates_after_it(alice):
    project = plan(alice, date(2027, 3, 5), [(1, W), (2, W), (10, WD)])
    assert dates(project, today=date(2027, 1, 10)) == [
        (date(2027, 3, 5), DateKind.HARD),
        (date(2027, 3, 12), DateKind.PROJECTED),
        (date(2027, 3, 30), DateKind.PROJECTED),  # 26 March is Good Friday, 29 Easter Monday
        (date(2027, 4, 13), DateKind.PROJECTED),  # ten working days later
    ]


@pytest.mark.django_db
def test_without_a_first_deadline_nothing_is_dated(alice):
    project = plan(alice, None, [(2, W)])
    assert dates(project, today=date(2027, 1, 10)) == [(None, None), (None, None)]


@pytest.mark.django_db
def test_acceptance_fixes_the_next_date_and_a_late_acceptance_pushes_every_later_projection(alice):
    project = plan(alice, date(2027, 3, 5), [(2, W), (2, W)])
    project.mark_contracted(alice)
    first = project.phases.get(position=1)
    first.start(alice)
    first.deliver(alice)

    # On time: accepted on the hard deadline.
    on_time = dates(project, today=date(2027, 3, 5))
    assert on_time[1] == (date(2027, 3, 19), DateKind.PROJECTED)
    assert on_time[2] == (date(2027, 4, 2), DateKind.PROJECTED)

    # Ten days late, and still not accepted: the chain counts from today.
    late = dates(project, today=date(2027, 3, 15))
    assert late[1] == (date(2027, 3, 30), DateKind.PROJECTED)  # 29 March is Easter Monday
    assert late[2] == (date(2027, 4, 13), DateKind.PROJECTED)

    with time_machine.travel(datetime(2027, 3, 17, 10, 0, tzinfo=AMS), tick=False):
        following = first.accept(alice)
    assert following.due_date == date(2027, 3, 31)
    accepted = dates(project, today=date(2027, 3, 17))
    assert accepted[0] == (date(2027, 3, 5), DateKind.HARD)
    assert accepted[1] == (date(2027, 3, 31), DateKind.FIXED)
    assert accepted[2] == (date(2027, 4, 14), DateKind.PROJECTED)


@pytest.mark.django_db
def test_the_fixed_date_does_not_move_when_the_offset_is_edited_later(alice):
    project = plan(alice, date(2027, 3, 5), [(2, W)])
    project.mark_contracted(alice)
    first, second = project.phases.order_by("position")
    first.start(alice)
    first.deliver(alice)
    with time_machine.travel(datetime(2027, 3, 5, 12, 0, tzinfo=AMS), tick=False):
        first.accept(alice)
    Phase.objects.filter(pk=second.pk).update(offset_amount=6)
    assert dates(project, today=date(2027, 3, 6))[1] == (date(2027, 3, 19), DateKind.FIXED)


@pytest.mark.django_db
def test_the_schedule_names_the_phase_that_blocks(alice):
    project = plan(alice, date(2027, 3, 5), [(2, W), (2, W)])
    scheduled = project.schedule(today=date(2027, 1, 1))
    assert scheduled[0].blocked_by is None
    assert scheduled[1].blocked_by.position == 1
    assert scheduled[2].blocked_by.position == 2


@pytest.mark.django_db
def test_a_first_deadline_at_the_end_of_the_calendar_does_not_crash_the_schedule(alice):
    project = plan(alice, date(9999, 12, 31), [(2, W)])
    assert dates(project, today=date(2027, 1, 1)) == [(date(9999, 12, 31), DateKind.HARD), (None, None)]
