"""The operator invites a freelancer; open sign-up only when the install allows it."""

from __future__ import annotations

import re
import threading

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from freelance.accounts.invitations import invite
from freelance.accounts.models import Invitation
from freelance.outbox.models import OutgoingEmail

pytestmark = pytest.mark.django_db

PASSWORD = "een-lang-wachtwoord-2026"


@pytest.fixture
def operator(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.nl", "x")


def link_path(email: OutgoingEmail) -> str:
    """The invitation link as the recipient gets it (unsealed), as a path."""
    url = re.search(r"https?://\S+/accounts/invitation/\S+/", email.body_text).group(0)
    return url.removeprefix(settings.SITE_URL)


def account_form(**fields) -> dict:
    return {
        "username": "carla",
        "first_name": "Carla",
        "last_name": "Jansen",
        "email": "carla@example.nl",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **fields,
    }


def test_an_invitation_makes_one_freelancer_account_and_logs_them_in(client, operator):
    invite("carla@example.nl", by=operator)
    mail = OutgoingEmail.objects.get(kind="invitation")
    path = link_path(mail)
    assert mail.to == ["carla@example.nl"]
    # At rest the token is sealed: the stored body does not hold it.
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert token not in mail.stored_text and token not in mail.stored_html

    page = client.get(path)
    assert page.status_code == 200
    assert "carla@example.nl" in page.content.decode()
    assert get_user_model().objects.filter(username="carla").count() == 0  # a GET makes nothing

    response = client.post(path, account_form())

    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    carla = get_user_model().objects.get(username="carla")
    assert (carla.is_staff, carla.is_superuser, carla.user_permissions.count()) == (True, False, 0)
    assert client.get(reverse("dashboard")).status_code == 200
    invitation = Invitation.objects.get()
    assert (invitation.status, invitation.account) == (Invitation.Status.ACCEPTED, carla)

    # Used once: the link is dead, for a second submit too.
    client.logout()
    again = client.post(path, account_form(username="carla2"))
    assert again.status_code == 404
    assert get_user_model().objects.filter(username="carla2").count() == 0


def test_a_refused_form_keeps_what_was_typed(client, operator):
    invite("carla@example.nl", by=operator)
    path = link_path(OutgoingEmail.objects.get())
    hostile = "<script>alert(1)</script>" + "x" * 200

    response = client.post(path, account_form(first_name=hostile, password2="something else"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert 'value="carla"' in body and 'value="carla@example.nl"' in body
    assert not get_user_model().objects.filter(username="carla").exists()
    assert Invitation.objects.get().status == Invitation.Status.PENDING


def test_expired_revoked_and_forged_links_make_nothing(client, operator):
    invite("carla@example.nl", by=operator)
    path = link_path(OutgoingEmail.objects.get())

    with time_machine.travel(timezone.now() + timezone.timedelta(days=settings.INVITATION_DAYS, minutes=1)):
        assert client.get(path).status_code == 404
        assert client.post(path, account_form()).status_code == 404

    forged = path[:-5] + "AAAA/"
    assert client.post(forged, account_form()).status_code == 404
    assert client.get(reverse("invitation", args=["x" * 100_000])).status_code == 404

    assert Invitation.objects.get().revoke() is True
    assert client.post(path, account_form()).status_code == 404
    assert not get_user_model().objects.filter(username="carla").exists()


def test_a_taken_username_is_refused_with_a_message(client, operator):
    invite("carla@example.nl", by=operator)
    path = link_path(OutgoingEmail.objects.get())

    response = client.post(path, account_form(username="ROOT"))

    assert response.status_code == 200
    assert response.context["form"].errors["username"]
    assert Invitation.objects.get().status == Invitation.Status.PENDING


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_once_make_one_account(operator):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    from django.test import Client

    invite("carla@example.nl", by=operator)
    path = link_path(OutgoingEmail.objects.get())
    barrier = threading.Barrier(4)
    statuses = []

    def submit(n: int) -> None:
        try:
            barrier.wait()
            statuses.append(Client().post(path, account_form(username=f"carla{n}")).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert get_user_model().objects.filter(username__startswith="carla").count() == 1
    assert sorted(statuses)[0] == 302 and statuses.count(302) == 1


def test_the_operator_invites_from_the_admin_and_withdraws(admin_client, operator):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = admin_client.post(
        reverse("admin:accounts_invitation_add"), {"email": "dirk@example.nl", "language": "en"}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="dirk@example.nl")
    mail = OutgoingEmail.objects.get(kind="invitation")
    assert mail.subject == "You are invited to Mijlpaal"

    admin_client.post(
        reverse("admin:accounts_invitation_changelist"),
        {"action": "revoke", "_selected_action": [invitation.pk]},
    )
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED


def test_the_invite_command_needs_an_operator_and_mails_the_link(operator, capsys):
    call_command("invite", "eva@example.nl", "--show-link")
    out = capsys.readouterr().out
    assert "eva@example.nl" in out and "/accounts/invitation/" in out
    assert OutgoingEmail.objects.filter(kind="invitation", to=["eva@example.nl"]).exists()


def test_invitations_are_the_operators_only(client, django_user_model, operator):
    invite("eva@example.nl", by=operator)
    freelancer = django_user_model.objects.create_user("carla", "carla@example.nl", "pw", is_staff=True)
    client.force_login(freelancer)
    assert client.get(reverse("admin:accounts_invitation_changelist")).status_code == 403
    pk = Invitation.objects.get().pk
    assert client.get(reverse("admin:accounts_invitation_change", args=[pk])).status_code == 403


def test_open_signup_is_off_by_default(client):
    assert settings.OPEN_SIGNUP is False
    assert client.get(reverse("signup")).status_code == 404
    assert client.post(reverse("signup"), account_form()).status_code == 404
    assert not get_user_model().objects.filter(username="carla").exists()


def test_open_signup_makes_a_freelancer_when_allowed(client, settings):
    settings.OPEN_SIGNUP = True
    response = client.post(reverse("signup"), account_form())
    assert response.status_code == 302
    carla = get_user_model().objects.get(username="carla")
    assert (carla.is_staff, carla.is_superuser) == (True, False)


def test_an_old_superuser_login_becomes_a_freelancer(django_user_model, operator, capsys):
    old = django_user_model.objects.create_superuser("sanne", "sanne@example.nl", "x")
    call_command("make_freelancer", "sanne")
    old.refresh_from_db()
    assert (old.is_staff, old.is_superuser) == (True, False)

    from django.core.management.base import CommandError

    operator.is_superuser = True
    with pytest.raises(CommandError, match="only operator"):
        call_command("make_freelancer", "root")
