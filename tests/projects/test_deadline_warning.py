"""A hard first deadline on a weekend or a Dutch public holiday is saved, with a warning that says why.

Found: a hard first deadline on Saturday 26 December 2026, which is also Boxing Day
(Tweede Kerstdag), was accepted without a word. The plan editor's first-deadline form,
its live preview and the new-project form now warn (they do not refuse), naming the
weekday and the holiday. The calendar is the base's (freelance.lib.workdays).
"""

from __future__ import annotations

from datetime import date, datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from projects.models import Project
from tests.factories import ClientFactory, project_with_phases

pytestmark = pytest.mark.django_db

BOXING_DAY_SATURDAY = "2026-12-26"


@pytest.fixture(autouse=True)
def _today():
    """Monday 2 November 2026."""
    with time_machine.travel(datetime(2026, 11, 2, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False):
        yield


@pytest.fixture
def project(alice):
    return project_with_phases(alice, 2)


def post(client, url, data, *, htmx=False, follow=False):
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE="en", follow=follow, **extra)


def deadline_url(project) -> str:
    return reverse("projects:project_plan_deadline", args=[project.pk])


def warning_in(html: str) -> bool:
    html = unescape(html)
    return "message-warning" in html and "not a working day" in html


def test_saturday_boxing_day_is_saved_with_a_warning_naming_both(alice_client, project):
    response = post(alice_client, deadline_url(project), {"first_deadline": BOXING_DAY_SATURDAY}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert warning_in(html)
    assert "Saturday" in html and "Boxing Day (Tweede Kerstdag)" in html
    project.refresh_from_db()
    assert project.first_deadline == date(2026, 12, 26)


def test_with_htmx_the_warning_comes_with_the_messages(alice_client, project):
    response = post(alice_client, deadline_url(project), {"first_deadline": BOXING_DAY_SATURDAY}, htmx=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert warning_in(html) and "Boxing Day (Tweede Kerstdag)" in html


@pytest.mark.parametrize(
    ("day", "why"),
    [
        ("2027-03-07", "Sunday"),
        ("2027-04-27", "King's Day (Koningsdag)"),  # a Tuesday
        ("2027-05-05", "Liberation Day (Bevrijdingsdag)"),  # only every fifth year a day off; 2025, 2030
        ("2027-12-25", "Saturday and Christmas Day (Eerste Kerstdag)"),
        ("2027-01-01", "New Year's Day (Nieuwjaarsdag)"),
        ("2027-05-06", "Ascension Day (Hemelvaartsdag)"),
    ],
)
def test_weekends_and_holidays_are_named(alice_client, project, day, why):
    html = unescape(post(alice_client, deadline_url(project), {"first_deadline": day}, htmx=True).content.decode())
    if day == "2027-05-05":
        assert not warning_in(html)  # not a public holiday in 2027 in the calendar
        return
    assert warning_in(html) and why in html, html[-600:]
    assert Project.objects.get(pk=project.pk).first_deadline == date.fromisoformat(day)


def test_a_working_day_gets_no_warning(alice_client, project):
    html = post(alice_client, deadline_url(project), {"first_deadline": "2027-03-01"}, htmx=True).content.decode()
    assert "The hard first deadline is" in html
    assert not warning_in(html)


def test_a_refused_date_is_not_also_warned_about(alice_client, project):
    response = post(alice_client, deadline_url(project), {"first_deadline": "2025-12-27"}, htmx=True)  # past Saturday
    assert response.status_code == 422
    assert not warning_in(response.content.decode())


def test_the_live_preview_warns_while_typing(alice_client, project):
    url = reverse("projects:project_plan_preview", args=[project.pk])
    html = post(alice_client, url, {"first_deadline": BOXING_DAY_SATURDAY}, htmx=True).content.decode()
    assert "not a working day" in html and "Boxing Day (Tweede Kerstdag)" in html
    html = post(alice_client, url, {"first_deadline": "2027-03-01"}, htmx=True).content.decode()
    assert "not a working day" not in html


def test_the_new_project_form_creates_the_project_and_warns(alice_client, alice):
    client = ClientFactory(owner=alice)
    data = {
        "client": client.pk,
        "name": "Kerstactie",
        "goal": "",
        "first_deadline": BOXING_DAY_SATURDAY,
        "phase1_title": "Design",
    }
    response = post(alice_client, reverse("projects:project_new"), data, follow=True)
    assert response.status_code == 200
    project = Project.objects.get(name="Kerstactie")
    assert project.first_deadline == date(2026, 12, 26)
    html = response.content.decode()
    assert warning_in(html) and "Saturday" in html and "Boxing Day (Tweede Kerstdag)" in html


def test_the_new_project_form_with_a_working_day_does_not_warn(alice_client, alice):
    client = ClientFactory(owner=alice)
    data = {"client": client.pk, "name": "Gewoon", "goal": "", "first_deadline": "2027-03-01", "phase1_title": "D"}
    html = post(alice_client, reverse("projects:project_new"), data, follow=True).content.decode()
    assert Project.objects.filter(name="Gewoon").exists()
    assert not warning_in(html)
