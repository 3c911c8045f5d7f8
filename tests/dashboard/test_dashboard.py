from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from freelance.dashboard.models import Heartbeat

pytestmark = pytest.mark.django_db


def status_section(response) -> str:
    body = response.content.decode()
    start = body.index('id="background-status"')
    return body[start : body.index("</section>", start)]


def test_the_dashboard_needs_login(client):
    assert client.get(reverse("dashboard")).status_code == 302


def test_without_heartbeats_both_components_show_not_seen(alice_client):
    response = alice_client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    section = status_section(response)
    assert section.count("not seen yet") == 2


def test_fresh_heartbeats_show_running(alice_client, settings):
    settings.HEARTBEAT_INTERVAL = 60
    now = timezone.now()
    Heartbeat.record(Heartbeat.Component.BEAT, now - timedelta(seconds=30))
    Heartbeat.record(Heartbeat.Component.WORKER, now - timedelta(seconds=29), detail="worker@host")
    section = status_section(alice_client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en"))
    assert section.count("running") == 2
    assert "stopped?" not in section


def test_a_worker_silent_for_three_intervals_shows_stopped(alice_client, settings):
    settings.HEARTBEAT_INTERVAL = 60
    now = timezone.now()
    Heartbeat.record(Heartbeat.Component.BEAT, now - timedelta(seconds=10))
    Heartbeat.record(Heartbeat.Component.WORKER, now - timedelta(minutes=10))
    section = status_section(alice_client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en"))
    assert section.count("running") == 1
    assert section.count("stopped?") == 1
    assert "10\xa0minutes ago" in section


def test_htmx_polling_gets_only_the_status_card(alice_client):
    response = alice_client.get(reverse("dashboard"), HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="card" id="background-status"')
    assert "<html" not in body


def test_the_dashboard_runs_a_fixed_number_of_queries(alice_client, django_assert_max_num_queries):
    for component in Heartbeat.Component:
        Heartbeat.record(component, timezone.now())
    with django_assert_max_num_queries(6):  # session, user, heartbeats, projects, phases, contacts
        assert alice_client.get(reverse("dashboard")).status_code == 200


def test_health_answers_without_login(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_a_heartbeat_seconds_ago_reads_less_than_a_minute(alice_client):
    Heartbeat.record(Heartbeat.Component.WORKER, timezone.now() - timedelta(seconds=5))
    section = status_section(alice_client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en"))
    assert "last seen less than a minute ago" in section
    assert "0\xa0minutes" not in section


def test_the_dashboard_lists_upcoming_deadlines_and_decision_makers_to_call(alice_client, alice, bob):
    from datetime import date

    from tests.factories import ContactFactory, project_with_phases

    project_with_phases(alice, 2, first_deadline=date(2030, 3, 5), name="Alice's webshop")
    project_with_phases(bob, 2, first_deadline=date(2030, 3, 5), name="Bob's secret")
    ContactFactory(client__owner=alice, name="Marieke", last_spoken_on=None)
    body = alice_client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Alice&#x27;s webshop" in body
    assert "Bob" not in body
    assert "hard" in body and "projected" in body
    assert "Marieke" in body


def test_dashboard_queries_do_not_grow_with_projects(alice_client, alice, django_assert_num_queries):
    from datetime import date

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import project_with_phases

    project_with_phases(alice, 3, first_deadline=date(2030, 3, 5))
    with CaptureQueriesContext(connection) as one:
        alice_client.get(reverse("dashboard"))
    for _ in range(20):
        project_with_phases(alice, 3, first_deadline=date(2030, 3, 5))
    with django_assert_num_queries(len(one.captured_queries)):
        alice_client.get(reverse("dashboard"))
