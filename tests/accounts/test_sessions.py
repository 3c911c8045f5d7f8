"""How long a login lasts: an idle timeout, an absolute limit, and "log out everywhere"."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from freelance.accounts.models import SessionEpoch
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")


def logged_in(client: Client) -> bool:
    response = client.get("/")
    return response.status_code == 200


def login(client: Client) -> None:
    assert client.post(LOGIN, {"username": "alice", "password": PASSWORD}).status_code == 302


def test_sixty_one_idle_minutes_end_the_session(client, alice, settings):
    assert settings.SESSION_IDLE_MINUTES == 60
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        login(client)
        assert logged_in(client)
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN}?next=/"
        page = client.get(response["Location"])
        with translation.override("nl"):
            notice = translation.gettext(
                "You were logged out because you were inactive for a while. Please log in again."
            )
        assert notice.split(".")[0] in page.content.decode()
        assert "_auth_user_id" not in client.session
        # The notice is shown once.
        assert notice.split(".")[0] not in client.get(LOGIN).content.decode()


def test_activity_within_the_window_keeps_the_session(client, alice):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        login(client)
    for minutes in (50, 100, 150, 200):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert logged_in(client), minutes


def test_the_session_is_written_at_most_once_a_minute(client, alice):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        login(client)
        key = client.session.session_key
        client.get("/")
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        before = Session.objects.get(session_key=key).session_data
        client.get(reverse("password_change"))
        assert Session.objects.get(session_key=key).session_data == before
    with time_machine.travel(start + timedelta(seconds=90), tick=False):
        client.get(reverse("password_change"))
        assert Session.objects.get(session_key=key).session_data != before


def test_a_session_ends_twelve_hours_after_login_however_busy(client, alice, settings):
    assert settings.SESSION_COOKIE_AGE == 12 * 60 * 60
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        login(client)
    for minutes in range(30, 12 * 60, 30):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert logged_in(client), minutes
    with time_machine.travel(start + timedelta(hours=12, minutes=1), tick=False):
        assert not logged_in(client)


def test_the_idle_limit_comes_from_the_setting(client, alice, settings):
    settings.SESSION_IDLE_MINUTES = 5
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        login(client)
    with time_machine.travel(start + timedelta(minutes=4), tick=False):
        assert logged_in(client)
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        assert not logged_in(client)


def test_logging_out_everywhere_ends_every_session(client, alice, bob):
    login(client)
    laptop, phone, bobs = Client(), Client(), Client()
    login(laptop)
    phone.force_login(alice)
    bobs.force_login(bob)
    page = client.get(reverse("password_change")).content.decode()
    assert f'action="{reverse("logout_everywhere")}"' in page

    response = client.post(reverse("logout_everywhere"))
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert not logged_in(client)
    assert not logged_in(laptop)
    assert not logged_in(phone)
    assert logged_in(bobs), "another user's sessions stay"
    assert SessionEpoch.objects.get(user=alice).epoch == 1

    # A fresh login works, and survives until the next "everywhere".
    login(laptop)
    assert logged_in(laptop)
    client.force_login(alice)
    client.post(reverse("logout_everywhere"))
    assert not logged_in(laptop)


def test_logout_everywhere_needs_post_and_login(client, alice):
    assert client.post(reverse("logout_everywhere"))["Location"].startswith(LOGIN)
    client.force_login(alice)
    assert client.get(reverse("logout_everywhere")).status_code == 405
    assert logged_in(client)


def test_the_checks_cost_no_query_of_their_own(client, alice, django_assert_num_queries, users_from_redis):
    client.force_login(alice)
    client.post(reverse("logout_everywhere"))  # alice now has an epoch row
    login(client)
    assert client.get(reverse("password_change")).status_code == 200  # the user is read (epoch joined in)
    with django_assert_num_queries(0):  # the session and the user from Redis, the checks none of their own
        assert client.get(reverse("password_change")).status_code == 200
