"""The project history is stored language-neutral and shown in the reader's language.

A Dutch client acts on their public page (the request runs in Dutch); the freelancer reads the
history in English, or in Dutch. Rows stored before, in Dutch, stay as stored (they are
evidence) and are still shown in the reader's language. A wish's event names the wish, linked
to the bucket, instead of a phase "?."."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from freelance.lib.rules import RuleViolation
from projects import bucket
from projects.models import ChangeRequest, PhaseEvent, history_text
from tests.projects.test_client_pages import a_project, decide, issue, link_in_mail, open_as_client

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NL = {"HTTP_ACCEPT_LANGUAGE": "nl"}
CR = ChangeRequest


@pytest.fixture
def dutch_project(alice):
    project = a_project(alice)
    project.client.language = "nl"
    project.client.save()
    return project


def history(alice_client, project, headers) -> str:
    page = alice_client.get(reverse("projects:project_history", args=[project.pk]), **headers).content.decode()
    start = page.index('id="history"')
    return page[start : page.index("</section>", start)]


def test_a_dutch_clients_wish_reads_in_english_and_in_dutch(alice_client, dutch_project):
    issue(alice_client, dutch_project)
    browser, page_url = open_as_client(link_in_mail("client_project_page"))
    assert 'lang="nl"' in browser.get(page_url).content.decode()  # the client's page runs in Dutch
    response = browser.post(page_url, {"wish-title": "Een cadeaubon", "wish-description": "Voor Moederdag."})
    assert response.status_code == 302

    event = PhaseEvent.objects.get(kind=PhaseEvent.Kind.WISH)
    assert event.reason == "Wish added to the bucket"  # the source text, not a translation
    wish = CR.objects.get()

    english = history(alice_client, dutch_project, EN)
    assert "Wish added to the bucket" in english
    assert "Wens toegevoegd" not in english
    assert "?." not in english
    bucket_url = reverse("projects:bucket", args=[dutch_project.pk])
    assert f'<a href="{bucket_url}#wish-{wish.pk}">Een cadeaubon</a>' in english

    dutch = history(alice_client, dutch_project, NL)
    assert "Wens toegevoegd aan het bakje" in dutch
    assert "Wish added" not in dutch
    assert "?." not in dutch


def test_a_dutch_clients_decision_via_the_link_reads_in_the_readers_language(alice, alice_client, dutch_project):
    wish = bucket.add_wish(dutch_project, title="Nieuwsbrief", actor=alice)
    bucket.assess(wish, estimate_hours=Decimal("8"), actor=alice)
    bucket.classify(wish, classification=CR.Classification.EXTRA_COST, actor=alice)
    browser, page_url = open_as_client(link_in_mail("change_request_beep"))
    assert decide(browser, page_url, "stop").status_code == 302
    event = PhaseEvent.objects.filter(kind=PhaseEvent.Kind.WISH).latest("pk")
    assert (event.reason, event.actor_label) == ("stop", "Jan Jansen (client, via email link)")

    english = history(alice_client, dutch_project, EN)
    assert "Jan Jansen (client, via email link)" in english
    assert "Stop" in english
    dutch = history(alice_client, dutch_project, NL)
    assert "Jan Jansen (klant, via e-maillink)" in dutch or "klant" in dutch
    assert "via email link" not in dutch
    assert "Extra cost: the client was asked to decide" not in dutch


def test_rows_stored_in_dutch_before_stay_as_stored_and_read_in_english(alice, alice_client, dutch_project):
    legacy = PhaseEvent.objects.create(
        project=dutch_project,
        kind=PhaseEvent.Kind.WISH,
        actor_label="Jan Jansen (klant, via e-maillink)",
        reason="Wens toegevoegd aan het bakje",
        data={"wish": 999_999, "title": "Oude wens"},
    )
    english = history(alice_client, dutch_project, EN)
    assert "Wish added to the bucket" in english and "Oude wens" in english
    assert "Jan Jansen (client, via email link)" in english
    legacy.refresh_from_db()
    assert legacy.reason == "Wens toegevoegd aan het bakje"  # evidence is never rewritten
    legacy.reason = "rewritten"
    with pytest.raises(RuleViolation):
        legacy.save()


def test_a_dropped_wish_keeps_the_freelancers_own_words(alice, alice_client, dutch_project):
    wish = bucket.add_wish(dutch_project, title="Chat", actor=alice)
    bucket.drop(wish, actor=alice, reason="<script>alert(1)</script> Klant wil het niet meer")
    english = history(alice_client, dutch_project, EN)
    assert "Wish dropped: &lt;script&gt;alert(1)&lt;/script&gt; Klant wil het niet meer" in english
    assert "<script>alert(1)</script>" not in english


def test_free_text_is_shown_as_typed():
    assert history_text("Staging: https://staging.example.nl") == "Staging: https://staging.example.nl"
    assert history_text("") == ""


def test_bob_never_sees_alices_history(client, bob, dutch_project):
    client.force_login(bob)
    assert client.get(reverse("projects:project_history", args=[dutch_project.pk])).status_code == 404


def test_a_dutch_clients_acceptance_reads_in_english_and_in_dutch(alice, alice_client):
    from tests.projects.test_acceptance import (
        deliver_through_the_ui,
        delivered_project,
        link_in_latest_mail,
        shown_hash,
    )

    project, first, jan = delivered_project(alice, language="nl")
    assert deliver_through_the_ui(alice_client, first, [jan]).status_code == 302
    browser, page_url = open_as_client(link_in_latest_mail("jan@bakkerij.example"))
    digest = shown_hash(browser.get(page_url))
    response = browser.post(
        page_url,
        {
            "decision": "accept",
            "accept-typed_name": "Jan Jansen",
            "accept-confirm": "on",
            "accept-snapshot_hash": digest,
        },
    )
    assert response.status_code == 302

    stored = PhaseEvent.objects.get(phase=first, data__new="accepted")
    assert (stored.reason, stored.actor_label) == ("Accepted by Jan Jansen", "Jan Jansen (client, via email link)")
    fixed = PhaseEvent.objects.get(kind=PhaseEvent.Kind.DUE_DATE_FIXED)
    assert fixed.data["rule"] == {"amount": 2, "unit": "weeks", "previous": 1}
    english = history(alice_client, project, EN)
    assert "Accepted by Jan Jansen" in english
    assert "Jan Jansen (client, via email link)" in english
    assert "weeks after acceptance of phase 1" in english
    assert "Geaccepteerd" not in english and "klant" not in english and "weken" not in english
    dutch = history(alice_client, project, NL)
    assert "Geaccepteerd door Jan Jansen" in dutch
    assert "Jan Jansen (klant, via e-maillink)" in dutch
    assert "Accepted by" not in dutch and "weeks after" not in dutch
