"""Stored pages (freelance/lib/pagecache.py): served again only while nothing they show has changed."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from django.test import Client as BrowserClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from freelance.lib import pagecache
from freelance.outbox.models import OutgoingEmail
from projects.models import Client, Project
from tests.conftest import PASSWORD
from tests.factories import ClientFactory, project_with_phases
from tests.projects.test_acceptance import (
    deliver_through_the_ui,
    delivered_project,
    link_in_latest_mail,
    open_as_client,
    shown_hash,
)
from tests.projects.test_clients import client_data

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def clients_page(browser) -> tuple[str, bool, int]:
    if "csrftoken" not in browser.cookies:  # a browser that was here before: pages are stored per browser
        browser.get(reverse("projects:client_list"), **EN)
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(reverse("projects:client_list"), **EN)
    assert response.status_code == 200
    return response.content.decode(), response.get("X-Page-Cache") == "hit", len(queries)


def test_an_unchanged_page_is_served_again_without_its_queries(alice_client, alice):
    ClientFactory(owner=alice, name="Bakkerij Brood")
    first, hit, built_with = clients_page(alice_client)
    again, hit_again, served_with = clients_page(alice_client)
    assert (hit, hit_again) == (False, True)
    assert again == first and "Bakkerij Brood" in again
    assert served_with < built_with
    assert served_with <= 1, "the user at most (the session comes from Redis): nothing of the page's own data"


def test_the_freelancers_own_change_shows_at_once(alice_client, alice):
    clients_page(alice_client)
    response = alice_client.post(reverse("projects:client_create"), client_data(name="De Nieuwe Klant"), **EN)
    assert response.status_code == 302
    alice_client.get(response["Location"])  # the message is shown (and consumed) there
    page, hit, _ = clients_page(alice_client)
    assert not hit and "De Nieuwe Klant" in page


def test_a_write_outside_any_request_shows_at_once(alice_client, alice):
    """A management command, the shell, a test's set-up: the install's stamp moves."""
    clients_page(alice_client)
    ClientFactory(owner=alice, name="Uit de shell")
    page, hit, _ = clients_page(alice_client)
    assert not hit and "Uit de shell" in page


def test_a_conditional_update_that_changed_a_row_counts_and_one_that_did_not_does_not(alice_client, alice):
    client = ClientFactory(owner=alice, name="Oude Naam")
    clients_page(alice_client)
    Client.objects.filter(pk=client.pk, name="Iets anders").update(name="Nooit")  # no row matched
    assert clients_page(alice_client)[1], "nothing changed, so the stored page stays valid"
    Client.objects.filter(pk=client.pk).update(name="Nieuwe Naam")
    page, hit, _ = clients_page(alice_client)
    assert not hit and "Nieuwe Naam" in page


def test_a_task_or_a_clients_link_outdates_every_page_unless_narrowed(alice_client, alice, bob):
    client = ClientFactory(owner=alice, name="Eerst")
    clients_page(alice_client)
    token = pagecache.begin()  # as a Celery task or an anonymous request does
    Client.objects.filter(pk=client.pk).update(name="Door de worker")
    assert clients_page(alice_client)[1], "the scope bumps when it ends, after its commits"
    pagecache.end(token)
    page, hit, _ = clients_page(alice_client)
    assert not hit and "Door de worker" in page

    token = pagecache.begin()
    pagecache.narrow(bob.pk)  # a write for bob only leaves alice's pages alone
    ClientFactory(owner=bob, name="Van Bob")
    pagecache.end(token)
    assert clients_page(alice_client)[1]


def test_a_write_inside_a_transaction_bumps_again_at_commit(alice, transactional_db):
    """Another process may store a page between the statement and the commit: that key dies too."""
    before = pagecache.stamp(alice.pk)
    with transaction.atomic():
        ClientFactory(owner=alice)
        during = pagecache.stamp(alice.pk)
    after = pagecache.stamp(alice.pk)
    assert before != during != after


def test_sessions_and_heartbeats_do_not_outdate_pages(alice, alice_client):
    from freelance.dashboard.models import Heartbeat

    clients_page(alice_client)
    Heartbeat.record(Heartbeat.Component.WORKER, timezone.now())
    session = alice_client.session
    session["anything"] = 1
    session.save()
    assert clients_page(alice_client)[1]


def test_each_freelancer_has_their_own_pages(alice_client, alice, bob):
    ClientFactory(owner=alice, name="Van Alice")
    ClientFactory(owner=bob, name="Van Bob")
    clients_page(alice_client)
    bob_browser = BrowserClient()
    bob_browser.force_login(bob)
    page, hit, _ = clients_page(bob_browser)
    assert not hit and "Van Bob" in page and "Van Alice" not in page


def test_another_browser_gets_a_page_whose_forms_it_can_post(alice, alice_client):
    project = project_with_phases(alice, status=Project.Status.ACTIVE)
    url = reverse("projects:project_risks", args=[project.pk])
    for _ in range(3):
        assert alice_client.get(url, **EN).status_code == 200
    phone = BrowserClient(enforce_csrf_checks=True)
    phone.force_login(alice)
    phone.get(url, **EN)  # the first visit sets this browser's CSRF cookie
    page = phone.get(url, **EN)
    assert page.get("X-Page-Cache") != "hit", "a page is stored per browser's CSRF secret"
    again = phone.get(url, **EN)
    assert again.get("X-Page-Cache") == "hit"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', again.content.decode()).group(1)
    posted = phone.post(
        reverse("projects:risk_create", args=[project.pk]),
        {
            "csrfmiddlewaretoken": token,
            "description": "Photos late",
            "mitigation": "Stock photos",
            "likelihood": "3",
            "impact": "3",
            "party": "client",
            "status": "open",
        },
        **EN,
    )
    assert posted.status_code in (200, 302), posted.status_code
    assert project.risks.filter(description="Photos late").exists()


def test_a_message_waiting_is_shown_and_the_page_with_it_not_stored(alice_client, alice):
    response = alice_client.post(reverse("projects:client_create"), client_data(name="Met Bericht"), **EN)
    assert response.status_code == 302  # not followed: the message waits in the session
    with_message = alice_client.get(reverse("projects:client_list"), **EN)
    assert 'class="messages"' in with_message.content.decode()
    without, hit, _ = clients_page(alice_client)
    assert not hit, "the page that showed the message was not stored"
    assert 'class="messages"' not in without and "Met Bericht" in without
    assert clients_page(alice_client)[1]


def test_a_new_day_builds_the_page_again(alice, client):
    """Pages count days ("3 days overdue"): a stored page never outlives its date."""
    with time_machine.travel(datetime(2026, 11, 28, 23, 50, tzinfo=AMSTERDAM), tick=False) as clock:
        client.force_login(alice)
        clients_page(client)
        assert clients_page(client)[1]
        clock.move_to(datetime(2026, 11, 29, 0, 10, tzinfo=AMSTERDAM))
        assert not clients_page(client)[1]


def test_the_language_is_part_of_the_key(alice_client, alice):
    ClientFactory(owner=alice)
    english = alice_client.get(reverse("projects:client_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    dutch = alice_client.get(reverse("projects:client_list"), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert 'lang="en"' in english and 'lang="nl"' in dutch


def test_without_redis_pages_are_built_and_writes_still_work(alice_client, alice, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    ClientFactory(owner=alice, name="Zonder Redis")
    page, hit, _ = clients_page(alice_client)
    assert not hit and "Zonder Redis" in page
    assert not clients_page(alice_client)[1]


def test_the_login_page_and_health_are_never_stored(client):
    assert client.get(reverse("health")).get("X-Page-Cache") is None
    login = reverse("login")
    client.get(login)
    assert client.get(login).get("X-Page-Cache") is None


def test_a_login_with_a_password_then_the_dashboard(client, alice):
    """The whole door: log in, see the dashboard twice (stored), change something, see it."""
    assert client.post(reverse("login"), {"username": "alice", "password": PASSWORD}).status_code == 302
    assert client.get(reverse("dashboard"), **EN).status_code == 200
    assert client.get(reverse("dashboard"), **EN).get("X-Page-Cache") == "hit"
    project_with_phases(alice, name="Nieuw Project", status=Project.Status.ACTIVE)
    assert "Nieuw Project" in client.get(reverse("projects:project_list"), **EN).content.decode()


def test_a_clients_acceptance_shows_on_the_freelancers_stored_page_and_leaves_others_alone(alice, bob, alice_client):
    from tests.projects.test_acceptance import (
        deliver_through_the_ui,
        delivered_project,
        link_in_latest_mail,
        open_as_client,
    )

    project, first, jan = delivered_project(alice)
    assert deliver_through_the_ui(alice_client, first, [jan]).status_code == 302
    bob_browser = BrowserClient()
    bob_browser.force_login(bob)
    project_url = reverse("projects:project_detail", args=[project.pk])
    alice_client.get(project_url, **EN)  # shows the "delivered" message: not stored
    alice_client.get(project_url, **EN)
    assert alice_client.get(project_url, **EN).get("X-Page-Cache") == "hit"
    clients_page(bob_browser)

    browser, page_url = open_as_client(link_in_latest_mail("jan@bakkerij.example"))
    digest = shown_hash(browser.get(page_url))
    accepted = browser.post(
        page_url,
        {
            "decision": "accept",
            "accept-typed_name": "Jan Jansen",
            "accept-confirm": "on",
            "accept-snapshot_hash": digest,
        },
    )
    assert accepted.status_code == 302
    after = alice_client.get(project_url, **EN)
    assert after.get("X-Page-Cache") != "hit" and "Accepted" in after.content.decode()
    assert clients_page(bob_browser)[1], "the client's link narrowed its writes to alice"


def test_page_cache_off_builds_every_page(alice_client, alice, pages_built):
    clients_page(alice_client)
    assert not clients_page(alice_client)[1]


def test_a_clients_link_page_is_stored_and_follows_the_freelancers_changes(alice, alice_client):
    _project, first, jan = delivered_project(alice)
    assert deliver_through_the_ui(alice_client, first, [jan]).status_code == 302
    browser, page_url = open_as_client(link_in_latest_mail("jan@bakkerij.example"))
    browser.get(page_url)  # the first visit sets this browser's CSRF cookie
    with CaptureQueriesContext(connection) as built:
        assert browser.get(page_url).get("X-Page-Cache") != "hit"
    with CaptureQueriesContext(connection) as served:
        again = browser.get(page_url)
    assert again.get("X-Page-Cache") == "hit"
    assert len(served) <= 2 < len(built), "the session and the link: the rest comes from the store"
    item = first.scope_items.first()
    item.title = "Een nieuwe omschrijving"
    item.save()
    assert "Een nieuwe omschrijving" in browser.get(page_url).content.decode()
    assert first.acceptance_requests.get().link.revoke("superseded")
    assert browser.get(page_url).status_code != 200, "a revoked link is checked before the store"


def test_a_client_without_cookies_is_never_served_or_stored(alice, alice_client):
    """A script that drops cookies would fill the store with keys that never recur."""
    redis_client = pagecache._redis()[0]
    stored = f"{pagecache.PREFIX}page:{alice.pk}:*"
    redis_client.delete(*redis_client.keys(stored) or ["none"])
    session = alice_client.cookies["sessionid"].value
    for _ in range(3):
        alice_client.cookies.clear()
        alice_client.cookies["sessionid"] = session
        assert alice_client.get(reverse("projects:client_list"), **EN).get("X-Page-Cache") != "hit"
    assert redis_client.keys(stored) == []
    assert alice_client.cookies["csrftoken"].value, "it is offered a CSRF cookie for next time"
    alice_client.get(reverse("projects:client_list"), **EN)
    assert len(redis_client.keys(stored)) == 1


def test_a_memo_is_worked_out_once_until_the_owner_writes_or_it_expires(alice, bob, settings):
    calls = []

    def compute():
        calls.append(1)
        return {"answer": len(calls)}

    assert pagecache.memo(alice.pk, "trouble", compute, ttl=30) == {"answer": 1}
    assert pagecache.memo(alice.pk, "trouble", compute, ttl=30) == {"answer": 1}  # no second computation
    pagecache.bump(bob.pk)
    assert pagecache.memo(alice.pk, "trouble", compute, ttl=30) == {"answer": 1}, "another freelancer's write"
    pagecache.bump(alice.pk)
    assert pagecache.memo(alice.pk, "trouble", compute, ttl=30) == {"answer": 2}, "her own write"
    pagecache._redis()[0].delete(*pagecache._redis()[0].keys(f"{pagecache.PREFIX}memo:{alice.pk}:*"))
    assert pagecache.memo(alice.pk, "trouble", compute, ttl=30) == {"answer": 3}, "expired"
    assert 0 < pagecache._redis()[0].ttl(pagecache._redis()[0].keys(f"{pagecache.PREFIX}memo:{alice.pk}:*")[0]) <= 30
    settings.PAGE_CACHE = False
    assert pagecache.memo(alice.pk, "trouble", compute, ttl=30) == {"answer": 4}


def test_the_trouble_card_goes_once_the_freelancer_sends_the_mail_again(alice_client, alice):
    email = OutgoingEmail.objects.create(
        owner=alice, kind="test", to=["x@example.nl"], subject="s", stored_text="b", language="en", status="failed"
    )
    alice_client.get(reverse("dashboard"), **EN)  # the browser's CSRF cookie
    assert "could not be sent" in alice_client.get(reverse("dashboard"), **EN).content.decode()
    assert "could not be sent" in alice_client.get(reverse("dashboard"), **EN).content.decode()  # memo and page
    response = alice_client.post(reverse("outbox:send_again", args=[email.pk]), **EN)
    alice_client.get(response["Location"], **EN)  # its message shown
    assert "could not be sent" not in alice_client.get(reverse("dashboard"), **EN).content.decode()
