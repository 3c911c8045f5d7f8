"""The freelancer's language: chosen on /settings/language/, it switches the app and every
mail to the freelancer (digest, reminders, notices about the client's decisions). Mails to the
client keep the client's language."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contracts.models import HourlyRate
from freelance.dashboard import digest
from freelance.outbox.models import OutgoingEmail
from freelance.preferences.models import UserPreferences, language_for, languages_for, set_language
from projects.models import Project
from tests.factories import billable_project
from tests.projects.test_acceptance import (
    deliver_through_the_ui,
    delivered_project,
    link_in_latest_mail,
    open_as_client,
    shown_hash,
)
from tests.reminders.test_nudges import START, at, kinds_per_day

pytestmark = pytest.mark.django_db

PAGE = reverse("language_settings")


# -- the settings page --------------------------------------------------------------------------


def test_the_page_needs_a_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.post(PAGE, {"language": "en"}).status_code == 302
    assert not UserPreferences.objects.exists()


def test_choosing_english_stores_it_and_switches_the_app(alice_client, alice):
    assert language_for(alice) == settings.LANGUAGE_CODE == "nl"
    response = alice_client.post(PAGE, {"language": "en"}, HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 302 and response["Location"] == PAGE
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert UserPreferences.objects.get(user=alice).language == "en"
    page = alice_client.get(PAGE, HTTP_ACCEPT_LANGUAGE="nl")  # the cookie wins over the browser
    html = page.content.decode()
    assert '<html lang="en"' in html
    assert "Mijlpaal and your mails now use this language" in html
    assert re.search(r'<input[^>]*value="en"[^>]*checked', html)


def test_choosing_dutch_back_switches_to_dutch(alice_client, alice):
    set_language(alice, "en")
    response = alice_client.post(PAGE, {"language": "nl"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nl"
    assert language_for(type(alice).objects.get(pk=alice.pk)) == "nl"
    assert '<html lang="nl"' in alice_client.get(PAGE).content.decode()


@pytest.mark.parametrize("hostile", ["xx", "<script>alert(1)</script>", "e" * 10_000, ""])
def test_an_unknown_language_is_refused_and_nothing_changes(alice_client, alice, hostile):
    set_language(alice, "en")
    response = alice_client.post(PAGE, {"language": hostile}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert 'role="alert"' in html or "errorlist" in html
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert UserPreferences.objects.get(user=alice).language == "en"


def test_each_freelancer_has_their_own_preference(alice, bob):
    set_language(alice, "en")
    assert languages_for([alice.pk, bob.pk]) == {alice.pk: "en", bob.pk: "nl"}
    assert language_for(type(bob).objects.get(pk=bob.pk)) == "nl"


def test_a_batch_of_languages_is_one_query(alice, bob, django_user_model):
    users = [django_user_model.objects.create_user(f"u{n}", f"u{n}@example.nl", "x") for n in range(20)]
    for user in users[::2]:
        set_language(user, "en")
    with CaptureQueriesContext(connection) as one:
        languages_for([alice.pk])
    with CaptureQueriesContext(connection) as many:
        result = languages_for([u.pk for u in users])
    assert len(one) == len(many) == 1
    assert sorted(result.values()).count("en") == 10


# -- the mails ----------------------------------------------------------------------------------


def test_an_english_freelancer_gets_the_digest_and_reminders_in_english_and_a_dutch_one_in_dutch(alice, bob):
    set_language(alice, "en")
    for owner in (alice, bob):
        project, _phase = billable_project(owner)
        Project.objects.filter(pk=project.pk).update(
            status=Project.Status.ACTIVE, first_deadline=START + timedelta(days=7)
        )
        contact = project.client.contacts.get()
        contact.is_decision_maker = True
        contact.last_spoken_on = START
        contact.save()
        HourlyRate.objects.create(owner=owner, valid_from=START - timedelta(days=360), amount=Decimal("1234.50"))
    kinds_per_day(START, START + timedelta(days=45), {"digest", "rate_review", "talk_nudge"})

    def latest(kind, owner):
        return OutgoingEmail.objects.filter(kind=kind, to=[owner.email]).latest("pk")

    # Alice: English words, English dates and numbers.
    mail = latest("digest", alice)
    assert (mail.language, mail.subject.startswith("Your day in Mijlpaal")) == ("en", True)
    assert "Good morning" in mail.body_text
    assert any(month in mail.subject for month in ("November", "December"))
    mail = latest("rate_review", alice)
    assert mail.subject == "Time to review your hourly rate"
    assert "Your hourly rate has been €1,234.50 since" in mail.body_text
    mail = latest("talk_nudge", alice)
    assert mail.subject.startswith("Time to talk to") and "You last spoke to" in mail.body_text
    # Bob chose nothing: the install's language (Dutch), with Dutch numbers.
    assert latest("digest", bob).language == "nl"
    assert not latest("digest", bob).subject.startswith("Your day")
    assert "1.234,50" in latest("rate_review", bob).body_text
    assert latest("talk_nudge", bob).language == "nl"


def test_the_digest_sweep_reads_all_languages_at_once(django_user_model):
    def freelancers(count: int, deadline: date) -> None:
        for n in range(count):
            owner = django_user_model.objects.create_user(f"f{deadline:%d}{n}", f"f{deadline:%d}{n}@example.nl", "x")
            if n % 2:
                set_language(owner, "en")
            project, _phase = billable_project(owner)
            Project.objects.filter(pk=project.pk).update(status=Project.Status.ACTIVE, first_deadline=deadline)

    def sweep(day: date) -> tuple[int, int]:
        with at(day), CaptureQueriesContext(connection) as queries:
            result = digest.sweep_digests(day, timezone.now())
        return result.sent, len(queries)

    freelancers(2, START + timedelta(days=7))
    sent_few, few = sweep(START)
    freelancers(9, START + timedelta(days=8))
    sent_many, many = sweep(START + timedelta(days=1))  # due in 7 days for the nine
    assert (sent_few, sent_many) == (2, 9)
    assert few == many
    assert set(OutgoingEmail.objects.filter(kind="digest").values_list("language", flat=True)) == {"nl", "en"}


def test_an_english_freelancer_hears_of_a_dutch_clients_acceptance_in_english(alice, alice_client):
    set_language(alice, "en")
    project, first, _jan = delivered_project(alice, language="nl")
    assert deliver_through_the_ui(alice_client, first, [_jan]).status_code == 302
    browser, page_url = open_as_client(link_in_latest_mail("jan@bakkerij.example"))
    digest_hash = shown_hash(browser.get(page_url))
    response = browser.post(
        page_url,
        {
            "decision": "accept",
            "accept-typed_name": "Jan Jansen",
            "accept-confirm": "on",
            "accept-snapshot_hash": digest_hash,
        },
    )
    assert response.status_code == 302
    to_client = OutgoingEmail.objects.get(kind="phase_decision_client")
    to_freelancer = OutgoingEmail.objects.get(kind="phase_decision_freelancer")
    assert to_client.language == "nl" and to_client.subject.startswith("Bevestiging")
    assert to_freelancer.language == "en"
    assert to_freelancer.subject == f"{project.client.name} accepted phase 1"
    assert "Jan Jansen accepted phase 1" in to_freelancer.body_text
    assert f"{date(2027, 1, 1):%Y}" in to_freelancer.body_text or "due on" in to_freelancer.body_text


# -- a login on a new device --------------------------------------------------------------------


def test_logging_in_on_a_new_device_switches_the_app_to_the_saved_language(client, alice):
    from tests.conftest import PASSWORD

    set_language(alice, "en")
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert '<html lang="en"' in page


def test_without_a_saved_language_the_login_keeps_the_browsers(client, alice):
    from tests.conftest import PASSWORD

    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert '<html lang="nl"' in client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
