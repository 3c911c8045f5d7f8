"""A freelancer creates a project in Chromium and watches the projected dates follow her typing."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from freelance.lib.workdays import is_working_day, next_working_day
from projects.models import Project
from tests.conftest import PASSWORD
from tests.factories import ClientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def a_friday_well_ahead() -> date:
    day = timezone.localdate() + timedelta(weeks=8)
    while day.weekday() != 4 or not is_working_day(day):
        day += timedelta(days=1)
    return day


def shown(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"  # as the editor shows it in English: Friday 5 March 2027


def test_a_freelancer_creates_a_project_and_sees_projected_dates_update_live(page: Page, live_server, alice):
    ClientFactory(owner=alice, name="Bakkerij Jansen")
    deadline = a_friday_well_ahead()
    phase_2 = next_working_day(deadline + timedelta(weeks=2))
    phase_3_before = next_working_day(phase_2 + timedelta(weeks=2))
    phase_3_after = next_working_day(phase_2 + timedelta(weeks=5))

    page.goto(live_server.url + "/projects/new/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New project")

    page.get_by_label(re.compile(r"^Client")).select_option(label="Bakkerij Jansen")  # not the search box
    page.get_by_label("Project name").fill("Webshop")
    page.get_by_label("Goal").fill("More orders from returning customers")
    page.get_by_label("Hard first deadline").fill(deadline.isoformat())
    page.get_by_label("Title of phase 1").fill("Design")
    page.get_by_label("Title of phase 2").fill("Build")
    page.get_by_label("Offset of phase 2").fill("2")
    page.get_by_label("Title of phase 3").fill("Launch")
    page.get_by_label("Offset of phase 3").fill("2")
    page.get_by_label("Offset unit of phase 3").select_option(label="weeks")
    page.get_by_role("button", name="Create the project and plan it").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Plan of Webshop")
    project = Project.objects.get(owner=alice)
    expect(page).to_have_url(f"{live_server.url}/projects/{project.pk}/plan/")
    launch = page.get_by_role("article", name=re.compile(r"Phase 3\s+Launch"))
    launch_date = launch.locator(".plan-phase-date time")
    expect(launch_date).to_have_attribute("datetime", phase_3_before.isoformat())

    page.evaluate("window.notReloaded = true")
    launch.get_by_label("Offset of phase 3").fill("5")

    expect(launch_date).to_have_attribute("datetime", phase_3_after.isoformat())
    expect(launch_date).to_have_text(shown(phase_3_after))
    expect(launch.locator(".plan-phase-date")).to_contain_text("projected")
    dates = page.get_by_role("region", name="Dates")
    expect(dates).to_contain_text(shown(phase_3_after))
    expect(dates).to_contain_text("These dates follow what you typed; save to keep them.")
    assert page.evaluate("window.notReloaded") is True
    assert project.phases.get(position=3).offset_amount == 2  # the preview saved nothing

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "plan-editor.png", full_page=True)

    launch.get_by_role("button", name="Save phase 3").click()
    expect(page.get_by_role("status").filter(has_text="Phase 3 saved.")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    assert project.phases.get(position=3).offset_amount == 5

    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=SCREENSHOTS / "plan-editor-phone.png", full_page=True)

    # The project page shows the same plan on its timeline: one hard date, two projected ones.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    expect(page.get_by_role("img", name=re.compile("Timeline"))).to_be_visible()
    table = page.get_by_role("table", name="Phase dates")
    rows = table.get_by_role("row")
    expect(rows).to_have_count(4)
    for row, (title, day, kind) in zip(
        rows.all()[1:],
        [("Design", deadline, "hard"), ("Build", phase_2, "projected"), ("Launch", phase_3_after, "projected")],
        strict=True,
    ):
        expect(row).to_contain_text(title)
        expect(row).to_contain_text(f"{day.day} {day:%B %Y}")
        expect(row.get_by_role("cell").nth(1)).to_contain_text(kind)
    page.screenshot(path=SCREENSHOTS / "project-timeline.png", full_page=True)
