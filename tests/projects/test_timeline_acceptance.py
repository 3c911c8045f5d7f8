"""The timeline ends an accepted phase at its acceptance, not at its due date.

The bug: phase 1 (hard deadline 28 Dec) was accepted on 27 Nov, so phase 2 became due on
11 Dec; the timeline still drew phase 1's bar up to 28 Dec, past phase 2's due date, as if
phase 1 were still running.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from projects.models import Phase, Project, schedule
from projects.timeline import build_timeline
from tests.factories import project_with_phases

AMS = ZoneInfo("Europe/Amsterdam")
TODAY = date(2026, 11, 28)
HARD = date(2026, 12, 28)
ACCEPTED = date(2026, 11, 27)
PHASE_2_DUE = date(2026, 12, 11)  # two weeks after the acceptance
SVG = "{http://www.w3.org/2000/svg}"


def accepted_plan(accepted_on: date = ACCEPTED) -> list:
    project = Project(name="Webshop", first_deadline=HARD)
    first = Phase(project=project, position=1, title="Design", offset_amount=2)
    first.status = Phase.Status.ACCEPTED
    first.started_at = datetime(2026, 11, 2, 9, tzinfo=AMS)
    first.accepted_at = datetime.combine(accepted_on, time(12), tzinfo=AMS)
    second = Phase(project=project, position=2, title="Build", offset_amount=2)
    third = Phase(project=project, position=3, title="Launch", offset_amount=2)
    return schedule(project, [first, second, third], today=TODAY)


def test_an_accepted_phase_bar_ends_on_its_acceptance_day():
    entries = accepted_plan()
    assert entries[1].date == PHASE_2_DUE
    timeline = build_timeline(entries, today=TODAY)
    first, second, _third = timeline.rows
    assert first.bar_x + first.bar_width == pytest.approx(first.accepted_x, abs=0.11)
    assert first.bar_x + first.bar_width < second.due_x
    # The next phase's bar starts where the accepted one stops.
    assert second.bar_x == pytest.approx(first.bar_x + first.bar_width, abs=0.11)
    # The hard deadline's marker stays where it was agreed.
    assert first.due_date == HARD and first.due_x > first.accepted_x


def test_a_phase_accepted_after_its_deadline_is_drawn_up_to_the_acceptance():
    late = date(2027, 1, 4)
    timeline = build_timeline(accepted_plan(late), today=date(2027, 1, 5))
    first = timeline.rows[0]
    assert first.due_x < first.accepted_x
    assert first.bar_x + first.bar_width == pytest.approx(first.accepted_x, abs=0.11)


def test_an_unaccepted_phase_still_runs_to_its_due_date():
    project = Project(name="Webshop", first_deadline=HARD)
    entries = schedule(project, [Phase(project=project, position=1, title="Design")], today=TODAY)
    row = build_timeline(entries, today=TODAY).rows[0]
    assert row.bar_x + row.bar_width == pytest.approx(row.due_x, abs=0.11)


@pytest.mark.django_db
def test_the_project_page_draws_phase_1_up_to_its_acceptance(client, alice):
    project = project_with_phases(alice, 2, first_deadline=HARD, status=Project.Status.ACTIVE)
    Phase.objects.filter(project=project, position=1).update(
        status=Phase.Status.ACCEPTED,
        started_at=datetime(2026, 11, 2, 9, tzinfo=AMS),
        accepted_at=datetime.combine(ACCEPTED, time(15), tzinfo=AMS),
    )
    Phase.objects.filter(project=project, position=2).update(due_date=PHASE_2_DUE)
    with time_machine.travel(datetime.combine(TODAY, time(10), tzinfo=AMS), tick=False):
        client.force_login(alice)
        response = client.get(f"/projects/{project.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    start = body.index('<svg class="timeline"')
    svg = ET.fromstring(body[start : body.index("</svg>", start) + len("</svg>")])  # noqa: S314 (our own page)
    rows = [g for g in svg.iter(f"{SVG}g") if "timeline-row" in g.get("class", "")]
    first_bar, second_bar = (row.find(f"{SVG}rect") for row in rows)
    second_marker = rows[1].find(f"{SVG}circle")
    first_end = float(first_bar.get("x")) + float(first_bar.get("width"))
    assert first_end < float(second_marker.get("cx")), "phase 1 is drawn past phase 2's due date"
    assert float(second_bar.get("x")) == pytest.approx(first_end, abs=0.11)
