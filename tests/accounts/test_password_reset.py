"""Password reset by email, through the outbox, with links built from SITE_URL."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from freelance.outbox.models import OutgoingEmail
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

SITE = "https://mijlpaal.example.nl"
NEW_PASSWORD = "a brand new long passphrase"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]


def ask_for_reset(client: Client, email: str, **extra):
    return client.post(reverse("password_reset"), {"email": email}, **extra)


def reset_link(email: OutgoingEmail) -> str:
    (url,) = set(re.findall(r"https?://\S+", email.body_text))
    return url


def test_the_login_page_links_to_the_reset_page(client):
    body = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("password_reset")}"' in body
    assert client.get(reverse("password_reset")).status_code == 200


def test_the_reset_mail_is_queued_in_the_outbox_with_a_link_from_site_url(client, alice):
    response = ask_for_reset(client, "alice@example.nl", HTTP_HOST="evil.example")
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    email = OutgoingEmail.objects.get()
    assert email.owner == alice
    assert email.kind == "password_reset"
    assert email.to == ["alice@example.nl"]
    assert email.status == OutgoingEmail.Status.QUEUED
    assert email.language == "nl"
    url = reset_link(email)
    assert url.startswith(f"{SITE}/accounts/password/reset/")
    assert "evil.example" not in email.body_text + email.body_html
    assert f'href="{url}"' in email.body_html
    assert "&amp;" not in email.body_text


def test_the_address_is_matched_without_regard_to_case(client, alice):
    ask_for_reset(client, "ALICE@Example.NL")
    assert OutgoingEmail.objects.get().to == ["alice@example.nl"]


def test_following_the_link_sets_a_new_password_once(client, alice):
    ask_for_reset(client, "alice@example.nl")
    path = reset_link(OutgoingEmail.objects.get()).removeprefix(SITE)

    response = client.get(path)
    assert response.status_code == 302  # Django moves the token out of the URL
    form_url = response["Location"]
    page = client.get(form_url)
    assert page.status_code == 200
    assert page.context["validlink"] is True
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_complete")
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert client.get(reverse("password_reset_complete")).status_code == 200

    # The link is single-use: the new password changed the token's hash.
    again = Client()
    response = again.get(path, follow=True)
    assert response.status_code == 200
    assert response.context["validlink"] is False
    assert f'href="{reverse("password_reset")}"' in response.content.decode()
    response = again.post(path, {"new_password1": "hijack attempt 123", "new_password2": "hijack attempt 123"})
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)

    # And the new password logs in.
    assert Client().post(reverse("login"), {"username": "alice", "password": NEW_PASSWORD}).status_code == 302


def test_a_tampered_link_does_not_work(client, alice):
    ask_for_reset(client, "alice@example.nl")
    path = reset_link(OutgoingEmail.objects.get()).removeprefix(SITE)
    response = client.get(path[:-3] + "zzz/", follow=True)
    assert response.context["validlink"] is False


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, alice):
    known = ask_for_reset(Client(), "alice@example.nl")
    OutgoingEmail.objects.all().delete()
    unknown = ask_for_reset(client, "nobody@example.nl")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert not OutgoingEmail.objects.exists()


def test_an_inactive_user_gets_no_mail(client, alice):
    alice.is_active = False
    alice.save()
    ask_for_reset(client, "alice@example.nl")
    assert not OutgoingEmail.objects.exists()


def test_a_mailbox_cannot_be_flooded(client, alice):
    for _ in range(6):
        assert ask_for_reset(client, "alice@example.nl").status_code == 302
    assert OutgoingEmail.objects.filter(kind="password_reset").count() == 3


def test_a_reset_lifts_a_login_lock(client, alice):
    for _ in range(10):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert client.post(reverse("login"), {"username": "alice", "password": PASSWORD}).status_code == 429
    ask_for_reset(client, "alice@example.nl")
    path = reset_link(OutgoingEmail.objects.get()).removeprefix(SITE)
    form_url = client.get(path)["Location"]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    response = client.post(reverse("login"), {"username": "alice", "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_a_reset_ends_the_sessions_elsewhere(client, alice):
    elsewhere = Client()
    elsewhere.force_login(alice)
    ask_for_reset(client, "alice@example.nl")
    form_url = client.get(reset_link(OutgoingEmail.objects.get()).removeprefix(SITE))["Location"]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert elsewhere.get("/")["Location"].startswith(reverse("login"))


def test_hostile_input_never_fails_the_server(client, alice):
    for value in ['<script>alert("x")</script>@example.nl', "a" * 100_000, "a" * 100_000 + "@example.nl", "\x00"]:
        response = ask_for_reset(client, value)
        assert response.status_code in (200, 302)
        assert "<script>alert" not in response.content.decode()
    assert not OutgoingEmail.objects.exists()

    ask_for_reset(client, "alice@example.nl")
    form_url = client.get(reset_link(OutgoingEmail.objects.get()).removeprefix(SITE))["Location"]
    long = "<script>" + "x" * 100_000
    response = client.post(form_url, {"new_password1": long, "new_password2": long + "y"})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()
    response = client.get(reverse("password_reset_confirm", args=["<script>", "x" * 10_000]), follow=True)
    assert response.status_code == 200
    assert response.context["validlink"] is False
