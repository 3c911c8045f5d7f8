from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD, verify_second_factor

pytestmark = pytest.mark.django_db


def test_the_root_redirects_anonymous_users_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_logging_in_reaches_the_dashboard(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1] == ("/", 302)
    assert response.context["user"] == alice
    assert b"Alice" in response.content


def test_a_wrong_password_shows_an_error_and_keeps_the_username(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert 'value="alice"' in response.content.decode()


def test_the_error_is_translated_to_dutch(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="nl")
    assert "Voer een juiste gebruikersnaam en wachtwoord in" in response.content.decode()


def test_script_in_the_username_is_escaped_and_kept(client):
    hostile = '<script>alert("x")</script>' + "a" * 10_000
    response = client.post(reverse("login"), {"username": hostile, "password": "x"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_a_logged_in_user_visiting_login_goes_to_the_dashboard(alice_client):
    response = alice_client.get(reverse("login"))
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_logout_needs_post(alice_client):
    assert alice_client.get(reverse("logout")).status_code == 405
    response = alice_client.post(reverse("logout"))
    assert response.status_code == 302
    assert alice_client.get("/").status_code == 302


def test_password_change(alice_client, alice):
    url = reverse("password_change")
    response = alice_client.post(
        url,
        {"old_password": PASSWORD, "new_password1": "a new long passphrase", "new_password2": "a new long passphrase"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    alice.refresh_from_db()
    assert alice.check_password("a new long passphrase")


def test_password_change_with_a_wrong_old_password_keeps_the_new_ones_out_of_the_page(alice_client, alice):
    response = alice_client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": "x1", "new_password2": "x1"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_password_change_needs_login(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_language_switch_sets_the_language(alice_client):
    response = alice_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    page = alice_client.get("/").content.decode()
    assert '<html lang="en">' in page
    assert "Next deadlines" in page
    alice_client.post(reverse("set_language"), {"language": "nl", "next": "/"})
    page = alice_client.get("/").content.decode()
    assert '<html lang="nl">' in page
    assert "Volgende deadlines" in page


def test_the_language_switch_refuses_a_foreign_redirect(alice_client):
    response = alice_client.post(reverse("set_language"), {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_the_admin_is_at_admin(client, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.nl", PASSWORD)
    # Its login form is the app's: django-axes needs the request, which client.login() lacks.
    response = client.post(reverse("login"), {"username": "root", "password": PASSWORD, "next": "/admin/"})
    assert response["Location"] == "/admin/"
    verify_second_factor(client, root)  # the operator's second step (tests/accounts/test_mfa.py)
    assert client.get("/admin/").status_code == 200
