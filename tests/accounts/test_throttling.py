"""Login throttling (django-axes): a username is locked from one address after five failures."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN_URLS = ["/accounts/login/"]  # the only login form: /admin/login/ redirects to it (test_mfa.py)


def attempt(client: Client, url: str, password: str, username: str = "alice", **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def hammer(client: Client, url: str, times: int = 50, **extra) -> None:
    for _ in range(times):
        attempt(client, url, "wrong", **extra)


@pytest.fixture
def staff_alice(alice):
    alice.is_staff = True
    alice.save()
    return alice


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_fifty_wrong_passwords_then_the_right_one_is_refused(client, staff_alice, url):
    hammer(client, url)
    response = attempt(client, url, PASSWORD, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert int(response["Retry-After"]) == 15 * 60
    body = response.content.decode()
    assert "<h1>Too many login attempts</h1>" in body
    assert "15 minutes" in body
    assert f'href="{reverse("password_reset")}"' in body  # the way out
    assert 'class="topbar"' in body  # the site's own layout, also for the admin
    assert "_auth_user_id" not in client.session


def test_the_lockout_page_is_in_the_visitors_language(client, alice):
    hammer(client, "/accounts/login/", times=5)
    response = attempt(client, "/accounts/login/", PASSWORD)
    assert response.status_code == 429
    body = response.content.decode()
    assert '<html lang="nl">' in body
    with translation.override("nl"):
        assert f"<h1>{translation.gettext('Too many login attempts')}</h1>" in body


def test_four_failures_do_not_lock_and_a_success_resets_the_count(client, alice):
    hammer(client, "/accounts/login/", times=4)
    assert attempt(client, "/accounts/login/", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    hammer(client, "/accounts/login/", times=4)  # counted from zero again: 4, not 8
    assert attempt(client, "/accounts/login/", PASSWORD).status_code == 302


def test_the_fifth_failure_already_shows_the_lockout(client, alice):
    hammer(client, "/accounts/login/", times=4)
    assert attempt(client, "/accounts/login/", "wrong").status_code == 429


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_after_the_cool_off_the_right_password_works(client, staff_alice, url):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        hammer(client, url)
        assert attempt(client, url, PASSWORD).status_code == 429
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert attempt(client, url, PASSWORD).status_code == 429  # still cooling off
    with time_machine.travel(start + timedelta(minutes=14 + 16), tick=False):
        response = attempt(client, url, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff_alice.pk)


def test_another_address_is_not_locked_out(client, alice):
    hammer(client, "/accounts/login/", REMOTE_ADDR="203.0.113.66")
    assert attempt(client, "/accounts/login/", PASSWORD, REMOTE_ADDR="203.0.113.66").status_code == 429
    owner = Client(REMOTE_ADDR="198.51.100.7")
    response = attempt(owner, "/accounts/login/", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_another_username_from_the_same_address_is_not_locked_out(client, alice, bob):
    hammer(client, "/accounts/login/", times=10)
    assert attempt(client, "/accounts/login/", PASSWORD, username="bob").status_code == 302


def test_a_forged_forwarded_for_header_does_not_dodge_the_lock(client, alice):
    for number in range(10):
        attempt(client, "/accounts/login/", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")
    response = attempt(client, "/accounts/login/", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert response.status_code == 429


def test_the_lock_is_per_username_not_per_spelling_of_an_unknown_user(client, alice):
    """Failures for names that do not exist never lock a real account."""
    for number in range(20):
        attempt(client, "/accounts/login/", "wrong", username=f"nobody{number}")
    assert attempt(client, "/accounts/login/", PASSWORD).status_code == 302


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_hostile_login_input_never_fails_the_server(client, alice, url):
    long = "x" * 100_000
    for username, password in [
        ('<script>alert("x")</script>', "wrong"),
        (long, "wrong"),
        ("alice", long),
        (long, long),
        ("alice\x00", "wrong"),
    ]:
        response = attempt(client, url, password, username=username)
        assert response.status_code in (200, 429), (username[:20], response.status_code)
        assert "<script>alert" not in response.content.decode()
    # Stored cut to fit axes' varchar(255): on PostgreSQL a longer one would be a server error.
    assert max(len(attempt.username) for attempt in AccessAttempt.objects.all()) == 255
