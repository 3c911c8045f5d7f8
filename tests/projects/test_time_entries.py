"""Hours: the quick entry on the project page, deleting, and the week page.

Everything goes through the test client, then reads the database back.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts import invoices, time_entries
from contracts.models import HourlyRate, SurchargeRule, TimeEntry
from projects.models import ChangeRequest, Phase, Project
from tests.factories import ProjectFactory, billable_project
from tests.projects.test_project_page import section, table

pytestmark = pytest.mark.django_db

AMS = ZoneInfo("Europe/Amsterdam")
TODAY = date(2026, 11, 26)  # a Thursday in week 2026-W48 (Monday 23 to Sunday 29 November)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 11, 26, 10, 0, tzinfo=AMS), tick=False) as traveller:
        yield traveller


@pytest.fixture
def project(alice) -> Project:
    project, _phase = billable_project(alice)
    HourlyRate.objects.create(owner=alice, valid_from=date(2026, 1, 1), amount=Decimal("90.00"))
    return project


@pytest.fixture
def phase(project) -> Phase:
    return project.phases.get()


def add(client, project: Project, data: dict, **extra):
    fields = {"date": TODAY.isoformat(), "role": "developer", "billable": "", **data}
    return client.post(reverse("projects:time_add", args=[project.pk]), fields, HTTP_ACCEPT_LANGUAGE="en", **extra)


def detail(client, project: Project) -> str:
    """The project page's time and money section, where the hours are."""
    url = reverse("projects:project_money", args=[project.pk])
    return client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def week(client, value: str = "", **extra):
    params = {"week": value} if value else {}
    return client.get(reverse("projects:time_week"), params, HTTP_ACCEPT_LANGUAGE="en", **extra)


def option_values(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"', select)


# -- the quick entry on the project page ------------------------------------------------------------


def test_the_quick_entry_offers_this_projects_phases_and_wishes_only(alice_client, alice, project, phase):
    wish = ChangeRequest.objects.create(project=project, title="A newsletter")
    dropped = ChangeRequest.objects.create(project=project, title="Dropped wish", status="dropped")
    other, _other_phase = billable_project(alice)
    ChangeRequest.objects.create(project=other, title="Elsewhere")
    time_section = section(detail(alice_client, project), "time")
    assert option_values(time_section, "phase") == ["", str(phase.pk)]
    assert option_values(time_section, "change_request") == ["", str(wish.pk)]
    assert str(dropped.pk) not in option_values(time_section, "change_request")
    assert option_values(time_section, "role") == ["contract_manager", "project_manager", "developer"]
    assert option_values(time_section, "billable") == ["", "yes", "no"]
    assert f'value="{TODAY.isoformat()}"' in time_section  # the date defaults to today
    for label in ("Date", "Hours", "From", "Until", "Role", "Phase", "Wish (optional)", "Billable", "Emergency work"):
        assert f">{label}</label>" in time_section


def test_logging_hours_saves_the_entry_and_redirects_to_the_time_section(alice_client, alice, project, phase):
    response = add(
        alice_client, project, {"hours": "2.5", "phase": phase.pk, "role": "project_manager", "note": "Call"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{project.pk}/money/#time"
    entry = TimeEntry.objects.get()
    assert (entry.owner, entry.project, entry.phase, entry.date) == (alice, project, phase, TODAY)
    assert (entry.hours, entry.role, entry.note) == (Decimal("2.50"), "project_manager", "Call")
    assert entry.hourly_rate == Decimal("90.00")
    assert not entry.billable  # a fixed-price phase: covered by its price
    body = alice_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Logged 2.5 h as project manager on 26 November 2026." in body
    rows = table(section(detail(alice_client, project), "time"), "The latest 10 entries, newest first")
    assert rows[1][:6] == ["26 Nov 2026", "2.5 h", "Project manager", f"1. {phase.title}", "not billed", "Call"]


def test_from_and_until_give_the_hours(alice_client, project):
    assert add(alice_client, project, {"started_at": "09:15", "ended_at": "12:45"}).status_code == 302
    entry = TimeEntry.objects.get()
    assert (entry.started_at, entry.ended_at, entry.hours) == (time(9, 15), time(12, 45), Decimal("3.50"))
    rows = table(section(detail(alice_client, project), "time"), "The latest 10 entries, newest first")
    assert rows[1][1] == "3.5 h 09:15–12:45"


def test_with_htmx_the_time_section_and_the_panel_re_render(alice_client, project):
    response = add(alice_client, project, {"hours": "3"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="card project-section" id="time"')
    assert "<html" not in body
    assert "Logged 3 h as developer on 26 November 2026." in body
    assert (
        '<section class="card project-section" id="profitability" aria-labelledby="profitability-heading" hx-swap-oob="true">'
        in body
    )
    assert table(body, "Hours by role")[-1] == ["All roles", "3 h", "0 h", "0 h", "3 h"]
    assert table(body, "The latest 10 entries, newest first")[1][1] == "3 h"
    # The form is fresh again, the message does not come back.
    assert 'name="hours" value="3"' not in body
    assert "Logged 3 h" not in detail(alice_client, project)


def test_a_surcharge_shows_its_factor_and_reason(alice_client, alice, project, frozen):
    SurchargeRule.objects.create(
        owner=alice, name="Christmas Eve", applies_to="named_day", month=12, day=24, multiplier=Decimal("2.00")
    )
    frozen.move_to(datetime(2026, 12, 28, 10, 0, tzinfo=AMS))
    alice_client.force_login(alice)
    response = add(alice_client, project, {"date": "2026-12-24", "started_at": "20:00", "ended_at": "22:00"})
    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    assert (entry.multiplier, entry.surcharge_reason) == (Decimal("2.00"), "Christmas Eve")
    body = detail(alice_client, project)
    assert "Surcharge: ×2.00 Christmas Eve." in body
    assert "×2.00 Christmas Eve" in table(section(body, "time"), "The latest 10 entries, newest first")[1][4]


def test_an_emergency_is_recorded_and_its_surcharge_applies(alice_client, alice, project):
    SurchargeRule.objects.create(owner=alice, name="Emergency", applies_to="emergency", multiplier=Decimal("1.50"))
    add(alice_client, project, {"hours": "1", "emergency": "on"})
    add(alice_client, project, {"hours": "1"})
    emergency, normal = TimeEntry.objects.order_by("pk")
    assert (emergency.emergency, emergency.multiplier) == (True, Decimal("1.50"))
    assert (normal.emergency, normal.multiplier) == (False, Decimal("1.00"))


def test_hours_on_a_misjudged_wish_are_absorbed_and_say_so(alice_client, project):
    wish = ChangeRequest.objects.create(project=project, title="Oops", classification="own_misjudgement")
    response = add(alice_client, project, {"hours": "4", "change_request": wish.pk, "billable": "yes"})
    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    assert entry.absorbed and not entry.billable and entry.change_request == wish
    body = detail(alice_client, project)
    row = table(section(body, "time"), "The latest 10 entries, newest first")[1]
    assert row[3] == "Wish: Oops (own misjudgement)"
    assert row[4] == "own misjudgement, not billed"
    assert "They are your own misjudgement: not billed." in body


@pytest.mark.parametrize(
    ("pricing", "choice", "billable"),
    [
        ("fixed", "", False),
        ("time", "", True),
        ("fixed", "yes", True),
        ("time", "no", False),
    ],
)
def test_billable_is_automatic_yes_or_no(alice_client, project, phase, pricing, choice, billable):
    Phase.objects.filter(pk=phase.pk).update(pricing=pricing)
    assert add(alice_client, project, {"hours": "1", "phase": phase.pk, "billable": choice}).status_code == 302
    assert TimeEntry.objects.get().billable is billable


def test_two_identical_posts_log_two_entries(alice_client, project):
    add(alice_client, project, {"hours": "1"})
    add(alice_client, project, {"hours": "1"})
    assert TimeEntry.objects.count() == 2


# -- hostile and mistaken input ------------------------------------------------------------------------


def test_html_in_the_note_arrives_escaped(alice_client, project):
    note = '<script>alert("x")</script><b>bold</b>'
    assert add(alice_client, project, {"hours": "1", "note": note}).status_code == 302
    assert TimeEntry.objects.get().note == note
    body = detail(alice_client, project)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in body
    assert "<script>alert" not in body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"hours": "0"}, "Give the hours worked, more than zero."),
        ({"hours": "-2"}, "Give the hours worked, more than zero."),
        ({"hours": "24.5"}, "A day has at most 24 hours."),
        ({"hours": "1000"}, "A day has at most 24 hours."),
        ({"hours": "1.125"}, "Give the hours with at most two decimals, such as 1.25."),
        ({"hours": "two"}, "Enter the hours as a number, such as 1.5."),
        ({"hours": "NaN"}, "Enter the hours as a number, such as 1.5."),
        ({"hours": ""}, "Give the hours, or from and until."),
        ({"hours": "1", "started_at": "09:00", "ended_at": "10:00"}, "Give the hours, or from and until; not both."),
        ({"started_at": "09:00"}, "Give both the start and the end time, or neither."),
        ({"ended_at": "17:00"}, "Give both the start and the end time, or neither."),
        ({"started_at": "09:00", "ended_at": "09:00"}, "From and until are the same time."),
        ({"started_at": "25:00", "ended_at": "26:00"}, "Enter a time such as 09:30."),
        ({"hours": "1", "date": "2026-11-27"}, "Hours can only be logged for today or earlier."),
        ({"hours": "1", "date": "26-11-2026x"}, "Enter a date such as 2026-11-24."),
        ({"hours": "1", "date": ""}, "Give the day you worked."),
        ({"hours": "1", "role": "ceo"}, "Select a valid choice. ceo is not one of the available choices."),
        ({"hours": "1", "billable": "maybe"}, "Select a valid choice."),
        ({"hours": "1", "note": "x" * 501}, "Ensure this value has at most 500 characters (it has 501)."),
    ],
)
def test_mistakes_are_form_errors_that_keep_what_was_typed(alice_client, project, data, message):
    data = {"note": "Typed note", **data}
    response = add(alice_client, project, data)
    assert response.status_code == 422
    body = response.content.decode()
    assert message in body
    assert "The hours were not logged: check the form." in body
    time_section = section(body, "time")
    assert f'value="{data["note"]}"' in time_section
    if data.get("hours"):
        assert f'name="hours" value="{data["hours"]}"' in time_section
    assert not TimeEntry.objects.exists()


def test_a_mistake_with_htmx_returns_the_section_with_422(alice_client, project):
    response = add(alice_client, project, {"hours": "-1", "note": "Kept"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="card project-section" id="time"')
    assert "Give the hours worked, more than zero." in body
    assert 'value="Kept"' in body
    assert 'name="hours" value="-1"' in body
    assert not TimeEntry.objects.exists()


def test_a_phase_or_wish_of_another_project_is_refused(alice_client, alice, bob, project):
    other, other_phase = billable_project(alice)
    other_wish = ChangeRequest.objects.create(project=other, title="Not here")
    _bobs, bobs_phase = billable_project(bob)
    for data in ({"phase": other_phase.pk}, {"phase": bobs_phase.pk}, {"change_request": other_wish.pk}):
        response = add(alice_client, project, {"hours": "1", **data})
        assert response.status_code == 422
        assert "Select a valid choice." in response.content.decode()
    assert not TimeEntry.objects.exists()


# -- deleting ------------------------------------------------------------------------------------------


def test_deleting_an_entry(alice_client, alice, project):
    entry = time_entries.record_time(project, actor=alice, day=TODAY, hours=Decimal("2"))
    response = alice_client.post(reverse("projects:time_delete", args=[entry.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{project.pk}/money/#time"
    assert not TimeEntry.objects.exists()
    assert "The entry of 2 h is removed." in detail(alice_client, project)


def test_deleting_with_htmx_re_renders_the_section(alice_client, alice, project):
    keep = time_entries.record_time(project, actor=alice, day=TODAY, hours=Decimal("1"), note="keep me")
    entry = time_entries.record_time(project, actor=alice, day=TODAY, hours=Decimal("2"), note="remove me")
    url = reverse("projects:time_delete", args=[entry.pk])
    response = alice_client.post(url, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="card project-section" id="time"')
    assert "remove me" not in body and "keep me" in body
    assert list(TimeEntry.objects.all()) == [keep]


def test_invoiced_hours_cannot_be_deleted(alice_client, alice, project, phase):
    Phase.objects.filter(pk=phase.pk).update(pricing="time", fixed_price=None)
    phase.refresh_from_db()
    entry = time_entries.record_time(project, actor=alice, day=TODAY, hours=Decimal("2"), phase=phase)
    invoice = invoices.draft_for_phase(phase)
    entry.refresh_from_db()
    assert entry.invoice_line.invoice == invoice
    time_section = section(detail(alice_client, project), "time")
    assert "on an invoice" in time_section
    assert reverse("projects:time_delete", args=[entry.pk]) not in time_section
    for extra in ({}, {"HTTP_HX_REQUEST": "true"}):
        url = reverse("projects:time_delete", args=[entry.pk])
        response = alice_client.post(url, HTTP_ACCEPT_LANGUAGE="en", **extra)
        assert response.status_code == 422
        assert "These hours are on an invoice; they can no longer be removed." in response.content.decode()
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


def test_deleting_only_accepts_post(alice_client, alice, project):
    entry = time_entries.record_time(project, actor=alice, day=TODAY, hours=Decimal("2"))
    assert alice_client.get(reverse("projects:time_delete", args=[entry.pk])).status_code == 405
    assert alice_client.get(reverse("projects:time_add", args=[project.pk])).status_code == 405
    assert TimeEntry.objects.exists()


# -- isolation ------------------------------------------------------------------------------------------


def test_bob_gets_404_on_alices_project_and_entries(client, alice, bob, project, phase):
    entry = time_entries.record_time(project, actor=alice, day=TODAY, hours=Decimal("2"))
    client.force_login(bob)
    for extra in ({}, {"HTTP_HX_REQUEST": "true"}):
        assert add(client, project, {"hours": "1", "phase": phase.pk}, **extra).status_code == 404
        assert client.post(reverse("projects:time_delete", args=[entry.pk]), **extra).status_code == 404
    assert list(TimeEntry.objects.all()) == [entry]
    body = week(client).content.decode()
    assert project.name not in body
    assert "No hours logged this week." in body


def test_bob_cannot_log_on_alices_project_from_the_week_page(client, alice, bob, project):
    client.force_login(bob)
    response = client.post(
        reverse("projects:time_week_add"), {"project": project.pk, "date": TODAY.isoformat(), "hours": "1"}
    )
    assert response.status_code == 422
    assert not TimeEntry.objects.exists()


def test_the_time_pages_need_login(client, project):
    responses = [
        client.get(reverse("projects:time_week")),
        client.post(reverse("projects:time_week_add"), {"hours": "1"}),
        client.post(reverse("projects:time_add", args=[project.pk]), {"hours": "1"}),
    ]
    for response in responses:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert not TimeEntry.objects.exists()


# -- the week page --------------------------------------------------------------------------------------


def test_the_week_groups_entries_by_day_with_totals(alice_client, alice, project, phase):
    other = ProjectFactory(owner=alice, client=project.client, name="Intranet")
    time_entries.record_time(project, actor=alice, day=date(2026, 11, 23), hours=Decimal("2"), role="developer")
    time_entries.record_time(project, actor=alice, day=date(2026, 11, 23), hours=Decimal("1.5"), role="project_manager")
    time_entries.record_time(other, actor=alice, day=date(2026, 11, 25), hours=Decimal("3"), role="developer")
    time_entries.record_time(other, actor=alice, day=date(2026, 11, 22), hours=Decimal("8"))  # Sunday of week 47
    time_entries.record_time(other, actor=alice, day=date(2026, 11, 26), hours=Decimal("1"), role="contract_manager")
    response = week(alice_client, "2026-W48")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Hours, week 2026-W48: 23 November 2026 to 29 November 2026</h1>" in body
    days = re.findall(
        r'<time datetime="(2026-11-\d\d)">[^<]+</time>(?: <span class="badge[^>]*>today</span>)? <span class="muted">· ([^<]+)</span>',
        body,
    )
    assert days == [
        ("2026-11-23", "3.5 h"),
        ("2026-11-24", "0 h"),
        ("2026-11-25", "3 h"),
        ("2026-11-26", "1 h"),
        ("2026-11-27", "0 h"),
        ("2026-11-28", "0 h"),
        ("2026-11-29", "0 h"),
    ]
    monday = table(body, "Hours on Monday 23 November 2026")
    assert [row[:3] for row in monday[1:-1]] == [
        [project.name, "2 h", "Developer"],
        [project.name, "1.5 h", "Project manager"],
    ]
    assert monday[-1][:2] == ["Day total", "3.5 h"]
    assert table(body, "Hours per role")[1:] == [
        ["Contract manager", "1 h"],
        ["Project manager", "1.5 h"],
        ["Developer", "5 h"],
        ["Week total", "7.5 h"],
    ]
    assert table(body, "Hours per project")[1:] == [
        ["Intranet", "4 h"],
        [project.name, "3.5 h"],
        ["Week total", "7.5 h"],
    ]
    assert 'href="/time/?week=2026-W47"' in body
    assert 'href="/time/?week=2026-W49"' in body


def test_the_week_defaults_to_this_week(alice_client, alice, project):
    time_entries.record_time(project, actor=alice, day=TODAY, hours=Decimal("2"))
    body = week(alice_client).content.decode()
    assert "Hours, week 2026-W48" in body
    assert table(body, "Hours on Thursday 26 November 2026")[1][1] == "2 h"
    assert "This week</a>" not in body


@pytest.mark.parametrize(
    "value", ["nonsense", "2026-W54", "2025-W53", "2026-W00", "2026-W-1", "0000-W01", "9999-W52", "<script>", "2026-48"]
)
def test_an_invalid_week_shows_this_week(alice_client, value):
    response = week(alice_client, value)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Hours, week 2026-W48" in body
    assert "<script>" not in body


def test_a_week_53_and_the_turn_of_the_year(alice_client):
    body = week(alice_client, "2026-w53").content.decode()
    assert "Hours, week 2026-W53: 28 December 2026 to 3 January 2027" in body
    assert 'href="/time/?week=2027-W01"' in body
    assert "This week</a>" in body


def test_the_week_page_runs_the_same_queries_for_1_and_40_entries(alice_client, alice, project, phase):
    wish = ChangeRequest.objects.create(project=project, title="Wish", classification="extra_cost", cost=100)
    time_entries.record_time(project, actor=alice, day=TODAY, hours=Decimal("1"), phase=phase)
    with CaptureQueriesContext(connection) as one:
        assert week(alice_client, "2026-W48").status_code == 200
    other = ProjectFactory(owner=alice, client=project.client)
    for n in range(39):
        if n % 10 == 9:
            other = ProjectFactory(owner=alice, client=project.client)
        time_entries.record_time(
            other if n % 2 else project,
            actor=alice,
            day=date(2026, 11, 23 + n % 4),
            hours=Decimal("1"),
            change_request=wish if n % 3 == 0 and n % 2 == 0 else None,
            role=["developer", "project_manager", "contract_manager"][n % 3],
        )
    with CaptureQueriesContext(connection) as forty:
        body = week(alice_client, "2026-W48").content.decode()
    assert TimeEntry.objects.count() == 40
    assert len(one) == len(forty), [q["sql"] for q in forty.captured_queries]
    # user, entries (with project, phase and wish), open projects, their phases, their wishes (session: Redis)
    assert len(forty) <= 5
    assert table(body, "Hours per role")[-1] == ["Week total", "40 h"]


def test_logging_from_the_week_page(alice_client, alice, project, phase):
    response = alice_client.post(
        reverse("projects:time_week_add"),
        {"week": "2026-W48", "project": project.pk, "date": "2026-11-24", "hours": "2", "role": "developer",
         "phase": phase.pk},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == "/time/?week=2026-W48"
    entry = TimeEntry.objects.get()
    assert (entry.project, entry.phase, entry.date, entry.hours) == (project, phase, date(2026, 11, 24), 2)


def test_logging_from_the_week_page_shows_the_week_of_the_entry(alice_client, project):
    data = {"week": "2026-W48", "project": project.pk, "date": "2026-11-02", "hours": "1", "role": "developer"}
    response = alice_client.post(reverse("projects:time_week_add"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="week-main"')
    assert "2026-W45" in body
    assert TimeEntry.objects.get().date == date(2026, 11, 2)


def test_the_week_page_refuses_a_phase_of_another_project(alice_client, alice, project):
    _other, other_phase = billable_project(alice)
    data = {"week": "2026-W48", "project": project.pk, "date": "2026-11-24", "hours": "2", "role": "developer",
            "phase": other_phase.pk, "note": "Typed"}  # fmt: skip
    response = alice_client.post(reverse("projects:time_week_add"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    body = response.content.decode()
    assert "Choose a phase of this project." in body
    assert 'value="Typed"' in body
    assert not TimeEntry.objects.exists()


def test_the_week_page_offers_open_projects_with_their_phases_grouped(alice_client, alice, project, phase):
    stopped = ProjectFactory(owner=alice, client=project.client, name="Stopped one", status="stopped",
                             stopped_reason="Gone")  # fmt: skip
    body = week(alice_client).content.decode()
    assert option_values(body, "project") == ["", str(project.pk)]
    assert str(stopped.pk) not in option_values(body, "project")
    assert f'<optgroup label="{project.name}">' in body


def test_deleting_from_the_week_page_returns_to_the_week(alice_client, alice, project):
    entry = time_entries.record_time(project, actor=alice, day=date(2026, 11, 17), hours=Decimal("2"))
    url = reverse("projects:time_delete", args=[entry.pk])
    response = alice_client.post(url, {"week": "2026-W47"})
    assert response.status_code == 302
    assert response["Location"] == "/time/?week=2026-W47"
    entry = time_entries.record_time(project, actor=alice, day=date(2026, 11, 17), hours=Decimal("3"))
    url = reverse("projects:time_delete", args=[entry.pk])
    response = alice_client.post(url, {"week": "2026-W47"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<div id="week-main"')
    assert not TimeEntry.objects.exists()


def test_the_main_navigation_links_to_the_week(alice_client):
    body = week(alice_client).content.decode()
    assert '<a href="/time/" aria-current="page">Time</a>' in body
