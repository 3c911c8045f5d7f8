"""The calendar settings page: off until turned on, a new address revokes the old, POST only."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from freelance.dashboard.models import CalendarFeed

pytestmark = pytest.mark.django_db

PAGE = "/settings/calendar/"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://mijlpaal.example.nl"
    cache.clear()
    yield
    cache.clear()


def path_of(url: str) -> str:
    return url.removeprefix("https://mijlpaal.example.nl")


def test_the_page_needs_a_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/login" in response["Location"]
    assert client.post(reverse("calendar_on")).status_code == 302
    assert not CalendarFeed.objects.exists()


def test_the_feed_is_off_until_turned_on_and_a_get_never_makes_one(alice_client, alice):
    response = alice_client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Turn on" in response.content.decode()
    assert "mijlpaal.example.nl/calendar/" not in response.content.decode()
    assert not CalendarFeed.objects.exists()

    response = alice_client.post(reverse("calendar_on"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    feed = CalendarFeed.objects.get(user=alice)
    body = response.content.decode()
    assert feed.url in body  # shown, to copy
    assert "webcal://mijlpaal.example.nl/calendar/" in body
    for app in ("Google Calendar", "Apple Calendar", "Outlook"):
        assert app in body


def test_turning_it_on_twice_keeps_the_address(alice_client, alice):
    alice_client.post(reverse("calendar_on"))
    first = CalendarFeed.objects.get(user=alice).token_hash
    alice_client.post(reverse("calendar_on"))
    assert CalendarFeed.objects.get(user=alice).token_hash == first


def test_state_changes_only_by_post(alice_client, alice):
    for name in ("calendar_on", "calendar_renew", "calendar_off"):
        assert alice_client.get(reverse(name)).status_code == 405
    assert not CalendarFeed.objects.exists()
    alice_client.post(reverse("calendar_on"))
    before = CalendarFeed.objects.get(user=alice).token_hash
    for name in ("calendar_renew", "calendar_off"):
        assert alice_client.get(reverse(name)).status_code == 405
    assert CalendarFeed.objects.get(user=alice).token_hash == before
    assert alice_client.post(PAGE).status_code == 405


def test_a_new_address_revokes_the_old_one(alice_client, alice, client):
    alice_client.post(reverse("calendar_on"))
    old = path_of(CalendarFeed.objects.get(user=alice).url)
    assert client.get(old).status_code == 200

    response = alice_client.post(reverse("calendar_renew"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    new = path_of(CalendarFeed.objects.get(user=alice).url)
    assert new != old
    assert path_of(new) in response.content.decode()
    assert "old one no longer works" in response.content.decode()
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_the_buttons_work_with_htmx_and_ask_first(alice_client, alice):
    alice_client.post(reverse("calendar_on"))
    page = alice_client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("hx-confirm=") == 2  # new address, turn off
    response = alice_client.post(reverse("calendar_renew"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == PAGE


def test_turning_it_off_deletes_it_and_the_address_stops_working(alice_client, alice, client):
    alice_client.post(reverse("calendar_on"))
    url = path_of(CalendarFeed.objects.get(user=alice).url)
    alice_client.post(reverse("calendar_off"))
    assert not CalendarFeed.objects.filter(user=alice).exists()
    assert client.get(url).status_code == 404
    assert "Turn on" in alice_client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_renewing_while_off_makes_nothing(alice_client):
    response = alice_client.post(reverse("calendar_renew"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "Turn it on first" in response.content.decode()
    assert not CalendarFeed.objects.exists()


def test_another_freelancer_can_neither_see_nor_revoke_yours(alice_client, alice, bob, client):
    alice_client.post(reverse("calendar_on"))
    alice_feed = CalendarFeed.objects.get(user=alice)
    alice_url = alice_feed.url

    client.force_login(bob)
    page = client.get(PAGE).content.decode()
    assert alice_url not in page
    for name in ("calendar_renew", "calendar_off"):
        client.post(reverse(name))
    client.post(reverse("calendar_on"))  # bob's own feed
    bob_feed = CalendarFeed.objects.get(user=bob)

    alice_feed.refresh_from_db()
    assert alice_feed.url == alice_url  # untouched
    assert bob_feed.token_hash != alice_feed.token_hash
    assert alice_url not in client.get(PAGE).content.decode()
    client.logout()
    assert client.get(path_of(alice_url)).status_code == 200


def test_the_raw_token_is_not_stored_in_the_database(alice_client, alice):
    alice_client.post(reverse("calendar_on"))
    feed = CalendarFeed.objects.get(user=alice)
    token = feed.token
    assert len(token) >= 43  # 256 bits, URL-safe base64
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {CalendarFeed._meta.db_table}")  # noqa: S608 - a model's own table
        rows = cursor.fetchall()
    assert rows
    assert not any(token in str(value) for row in rows for value in row)


def test_when_the_secret_key_changed_the_page_says_so_and_the_feed_still_works(alice_client, alice, client, settings):
    alice_client.post(reverse("calendar_on"))
    url = path_of(CalendarFeed.objects.get(user=alice).url)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]  # a rotated key: logins stay valid
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    page = alice_client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "can no longer be shown" in page.content.decode()
    assert client.get(url).status_code == 200  # found by its hash, which needs no key


def test_the_settings_are_linked_from_the_user_menu(alice_client):
    assert f'href="{PAGE}"' in alice_client.get(reverse("contracts:business_settings")).content.decode()
