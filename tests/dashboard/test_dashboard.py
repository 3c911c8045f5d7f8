"""The background jobs card: on the dashboard only when something is wrong."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from freelance.dashboard.models import Heartbeat
from freelance.outbox.models import OutgoingEmail

pytestmark = pytest.mark.django_db


def status_section(response) -> str:
    body = response.content.decode()
    start = body.index('id="background-status"')
    return body[start : body.index("</section>", start)]


def dashboard(client):
    return client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en")


def all_fresh() -> None:
    for component in Heartbeat.Component:
        Heartbeat.record(component, timezone.now())


def test_the_dashboard_needs_login(client):
    assert client.get(reverse("dashboard")).status_code == 302


def test_running_jobs_take_no_room(alice_client, settings):
    settings.HEARTBEAT_INTERVAL = 60
    all_fresh()
    body = dashboard(alice_client).content.decode()
    assert 'id="background-heading"' not in body
    assert '<div id="background-status" hidden></div>' in body


def test_jobs_not_seen_yet_are_no_alarm_in_the_first_minute(alice_client):
    body = dashboard(alice_client).content.decode()
    assert "not seen yet" not in body
    assert 'id="background-heading"' not in body


def test_a_worker_silent_for_three_intervals_shows_stopped(alice_client, settings):
    settings.HEARTBEAT_INTERVAL = 60
    now = timezone.now()
    Heartbeat.record(Heartbeat.Component.BEAT, now - timedelta(seconds=10))
    Heartbeat.record(Heartbeat.Component.WORKER, now - timedelta(minutes=10))
    section = status_section(dashboard(alice_client))
    assert "Background jobs need attention" in section
    assert section.count("running") == 1
    assert section.count("stopped?") == 1
    assert "10\xa0minutes ago" in section


def test_mail_waiting_too_long_shows_the_card_even_before_any_heartbeat(alice_client, alice):
    OutgoingEmail.objects.create(
        owner=alice,
        kind="test",
        to=["x@example.nl"],
        subject="s",
        stored_text="b",
        language="en",
        next_attempt_at=timezone.now() - timedelta(hours=1),
    )
    section = status_section(dashboard(alice_client))
    assert "1 email is waiting longer than it should." in section
    assert section.count("not seen yet") == 2


def test_a_failed_mail_of_this_week_shows_with_a_link_to_sent_mail(alice_client, alice, bob):
    all_fresh()
    OutgoingEmail.objects.create(
        owner=bob, kind="test", to=["x@example.nl"], subject="s", stored_text="b", language="en", status="failed"
    )
    assert "could not be sent" not in dashboard(alice_client).content.decode()  # someone else's mail
    OutgoingEmail.objects.create(
        owner=alice, kind="test", to=["x@example.nl"], subject="s", stored_text="b", language="en", status="failed"
    )
    section = status_section(dashboard(alice_client))
    assert "1 email could not be sent this week." in section
    assert reverse("outbox:list") in section


def test_htmx_polling_gets_only_the_status_card(alice_client, settings):
    settings.HEARTBEAT_INTERVAL = 60
    Heartbeat.record(Heartbeat.Component.WORKER, timezone.now() - timedelta(minutes=10))
    response = alice_client.get(
        reverse("dashboard"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="background-status", HTTP_ACCEPT_LANGUAGE="en"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="card dash-trouble" id="background-status"')
    assert "<html" not in body
    all_fresh()  # once it recovers, the poll replaces the card with an empty placeholder
    response = alice_client.get(reverse("dashboard"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="background-status")
    assert response.content.decode().strip() == '<div id="background-status" hidden></div>'


def test_health_answers_without_login(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_a_heartbeat_seconds_ago_reads_less_than_a_minute(alice_client, settings):
    settings.HEARTBEAT_INTERVAL = 60
    Heartbeat.record(Heartbeat.Component.BEAT, timezone.now() - timedelta(minutes=10))
    Heartbeat.record(Heartbeat.Component.WORKER, timezone.now() - timedelta(seconds=5))
    section = status_section(dashboard(alice_client))
    assert "last seen less than a minute ago" in section
    assert "last seen 0\xa0minutes" not in section


def test_the_status_page_always_shows_the_background_jobs(alice_client, settings):
    from django.test import Client

    assert Client().get(reverse("background_status")).status_code == 302  # login first
    section = status_section(alice_client.get(reverse("background_status"), HTTP_ACCEPT_LANGUAGE="en"))
    assert section.count("not seen yet") == 2
    settings.HEARTBEAT_INTERVAL = 60
    all_fresh()
    response = alice_client.get(reverse("background_status"), HTTP_ACCEPT_LANGUAGE="en")
    section = status_section(response)
    assert section.count("running") == 2 and "need attention" not in section
    polled = alice_client.get(reverse("background_status"), HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en")
    assert polled.content.decode().lstrip().startswith('<section class="card" id="background-status"')


def test_with_trouble_the_page_is_stored_for_the_minute_and_the_card_follows_the_mail(alice_client, alice):
    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        mail = OutgoingEmail.objects.create(
            owner=alice,
            kind="test",
            to=["x@example.nl"],
            subject="s",
            stored_text="b",
            language="en",
            next_attempt_at=timezone.now() - timedelta(hours=1),
        )
        dashboard(alice_client)  # the first visit sets the browser's CSRF cookie
        dashboard(alice_client)
        again = dashboard(alice_client)
        assert again.get("X-Page-Cache") == "hit"
        assert "1 email is waiting longer than it should." in status_section(again)
        OutgoingEmail.objects.filter(pk=mail.pk).update(status="sent", sent_at=timezone.now())
        after = dashboard(alice_client)
        assert after.get("X-Page-Cache") != "hit"
        assert 'id="background-heading"' not in after.content.decode()
