"""The project page names the same hourly rate as the bucket: the project's own, else the rate history's.

Found: with a rate only in the rate history the bucket, the contract and the hours used it,
but the project page still said "No hourly rate for extra work yet."
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts.models import HourlyRate
from projects.models import Project
from tests.factories import project_with_phases

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2027, 1, 11, 10, 0, tzinfo=AMS), tick=False) as traveller:
        yield traveller


def page_text(client, project: Project) -> str:
    response = client.get(reverse("projects:project_detail", args=[project.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_a_rate_only_in_the_rate_history_shows_on_the_project_page(alice_client, alice):
    project = project_with_phases(alice, 2, hourly_rate=None, swap_tolerance_percent=10)
    HourlyRate.objects.create(owner=alice, client=None, valid_from=date(2026, 1, 1), amount=Decimal("90.00"))

    seen = page_text(alice_client, project)

    assert (
        "Hourly rate for extra work: €90.00 excl. VAT · swap tolerance 10% From your rate history, since 1 January 2026."
        in seen
    )
    assert "No hourly rate for extra work yet." not in seen


def test_a_rate_agreed_with_the_client_beats_the_freelancers_own_history_rate(alice_client, alice):
    project = project_with_phases(alice, 1, hourly_rate=None)
    HourlyRate.objects.create(owner=alice, client=None, valid_from=date(2026, 1, 1), amount=Decimal("90.00"))
    HourlyRate.objects.create(owner=alice, client=project.client, valid_from=date(2026, 6, 1), amount=Decimal("95.00"))

    seen = page_text(alice_client, project)

    assert "Hourly rate for extra work: €95.00 excl. VAT" in seen
    assert "€90.00" not in seen


def test_the_projects_own_rate_wins_over_the_rate_history(alice_client, alice):
    project = project_with_phases(alice, 2, hourly_rate=Decimal("100.00"))
    HourlyRate.objects.create(owner=alice, client=None, valid_from=date(2026, 1, 1), amount=Decimal("90.00"))

    seen = page_text(alice_client, project)

    assert "Hourly rate for extra work: €100.00 excl. VAT" in seen
    assert "Set for this project." in seen
    assert "€90.00" not in seen
    assert "From your rate history" not in seen


def test_without_any_rate_the_page_says_so(alice_client, alice):
    project = project_with_phases(alice, 1, hourly_rate=None)

    assert "No hourly rate for extra work yet." in page_text(alice_client, project)


def test_another_freelancers_rate_history_does_not_count(alice_client, alice, bob):
    project = project_with_phases(alice, 1, hourly_rate=None)
    HourlyRate.objects.create(owner=bob, client=None, valid_from=date(2026, 1, 1), amount=Decimal("90.00"))

    seen = page_text(alice_client, project)

    assert "No hourly rate for extra work yet." in seen
    assert "€90.00" not in seen


def test_another_freelancer_cannot_open_the_project_page(alice, bob):
    project = project_with_phases(alice, 1, hourly_rate=None)
    bob_browser = Browser()
    bob_browser.force_login(bob)

    assert bob_browser.get(reverse("projects:project_detail", args=[project.pk])).status_code == 404


def test_the_rate_history_costs_one_query_and_no_more_with_more_phases(alice_client, alice, pages_built):
    HourlyRate.objects.create(owner=alice, client=None, valid_from=date(2026, 1, 1), amount=Decimal("90.00"))
    own = project_with_phases(alice, 1, hourly_rate=Decimal("100.00"))
    small = project_with_phases(alice, 1, hourly_rate=None)
    large = project_with_phases(alice, 30, hourly_rate=None)
    page_text(alice_client, own)  # warm up the session
    with CaptureQueriesContext(connection) as own_one:
        page_text(alice_client, own)
    with CaptureQueriesContext(connection) as history_one:
        page_text(alice_client, small)
    with CaptureQueriesContext(connection) as history_thirty:
        page_text(alice_client, large)

    assert len(history_one) == len(history_thirty), [q["sql"] for q in history_thirty.captured_queries]
    assert len(history_one) == len(own_one) + 1, [q["sql"] for q in history_one.captured_queries]
