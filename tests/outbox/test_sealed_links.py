"""A client link's token lives in the database only sealed, and only until its mail is sent."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.core import mail as django_mail
from django.db import models
from django.db.models.functions import Cast

from freelance.lib import sealing
from freelance.outbox.models import REMOVED_LINK, OutgoingEmail
from tests.projects import test_acceptance

pytestmark = pytest.mark.django_db

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def rows_containing(secret: str) -> list[str]:
    """Every row, in every table of every app, with `secret` in any text or JSON column."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, TEXT_FIELDS):
                continue
            queryset = model._default_manager.all()
            if isinstance(field, models.JSONField):
                queryset = queryset.annotate(_as_text=Cast(field.name, models.TextField()))
                lookup = "_as_text__contains"
            else:
                lookup = f"{field.name}__contains"
            if queryset.filter(**{lookup: secret}).exists():
                found.append(f"{model._meta.label}.{field.name}")
    return found


def acceptance_mail(alice, alice_client) -> tuple[OutgoingEmail, str]:
    _project, first, jan = test_acceptance.delivered_project(alice)
    test_acceptance.deliver_through_the_ui(alice_client, first, [jan])
    email = OutgoingEmail.objects.get(kind="phase_acceptance_request")
    url = test_acceptance.LINK.search(email.body_text).group(0)
    return email, url.rstrip("/").rsplit("/", 1)[1]


def send(email: OutgoingEmail) -> None:
    claimed = OutgoingEmail.claim(email.pk)
    claimed.send_now()
    claimed.mark_sent()


def test_a_queued_mail_keeps_the_token_only_sealed_and_forgets_it_once_sent(alice, alice_client):
    email, token = acceptance_mail(alice, alice_client)
    assert len(token) >= 43
    assert rows_containing(token) == []  # queued: the token is sealed, in no column as text
    email.refresh_from_db()
    assert f"/l/{token}/" in email.body_text and f"/l/{token}/" in email.body_html  # the mail still works

    send(email)
    (delivered,) = django_mail.outbox
    assert f"/l/{token}/" in delivered.body  # the client got the real link

    assert rows_containing(token) == []
    email.refresh_from_db()
    assert email.sealed_links == ""
    assert REMOVED_LINK in email.body_text and token not in email.body_text
    assert "Jan" in email.body_text  # the record of what was sent stays readable


def test_a_sealed_link_is_never_sent_dead_after_the_secret_key_changed(alice, alice_client, settings):
    email, _token = acceptance_mail(alice, alice_client)
    settings.SECRET_KEY = "another-key-" + "y" * 40
    email.refresh_from_db()
    assert REMOVED_LINK in email.body_text  # shown, but no longer usable
    with pytest.raises(sealing.Unsealable):
        email.build_message()


def test_a_raw_token_from_before_sealing_is_scrubbed_when_sent(alice, alice_client):
    email, token = acceptance_mail(alice, alice_client)
    legacy = email.body_text  # as rows were stored before: the token in the body itself
    OutgoingEmail.objects.filter(pk=email.pk).update(stored_text=legacy, sealed_links="")
    send(email)
    assert rows_containing(token) == []


def test_tampered_sealed_links_are_refused(alice, alice_client):
    email, _token = acceptance_mail(alice, alice_client)
    OutgoingEmail.objects.filter(pk=email.pk).update(sealed_links=email.sealed_links[:-4] + "AAAA")
    email.refresh_from_db()
    with pytest.raises(sealing.Unsealable):
        email.build_message()


def test_a_password_reset_link_is_sealed_too(alice, client):
    alice.email = "alice@example.nl"
    alice.save()
    assert client.post("/accounts/password/reset/", {"email": "alice@example.nl"}).status_code == 302
    email = OutgoingEmail.objects.get(kind="password_reset")
    path = re.search(r"/accounts/password/reset/[^/\s]+/[^/\s]+/", email.body_text).group(0)
    assert rows_containing(path) == []
    send(email)
    assert path in django_mail.outbox[0].body
    assert rows_containing(path) == []
