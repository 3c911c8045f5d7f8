"""Sessions and users read from Redis (freelance/accounts/session_store.py, backends.py): no query
for either on a page served from the store, and still no way around a logout, a new password or
a deactivation, with Redis or without it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from freelance.accounts import session_store
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("users_from_redis")]

UNREACHABLE = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
}


def login(client: Client, username: str = "alice") -> None:
    assert client.post(reverse("login"), {"username": username, "password": PASSWORD}).status_code == 302


def logged_in(client: Client) -> bool:
    return client.get(reverse("projects:client_list")).status_code == 200


def test_a_session_stays_in_redis_five_minutes_at_most(client, alice):
    from freelance.lib import pagecache

    login(client)
    assert logged_in(client)
    key = session_store._Redis()._key(session_store.SessionStore.cache_key_prefix + client.session.session_key)
    redis = pagecache._redis()[0]
    assert redis.get(key) is not None, "kept in Redis"
    assert 0 < redis.ttl(key) <= session_store.CACHE_SECONDS


def test_without_redis_logging_in_browsing_and_logging_out_still_work(client, alice, settings):
    settings.CACHES = UNREACHABLE
    login(client)
    assert logged_in(client)
    assert client.post(reverse("logout")).status_code == 302
    assert not logged_in(client)


def test_a_logout_ends_the_session_kept_in_redis(client, alice):
    login(client)
    assert logged_in(client)
    stolen = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    thief = Client()
    thief.cookies["sessionid"] = stolen
    assert not logged_in(thief)


def test_a_deactivation_from_the_shell_ends_the_next_request(client, alice):
    login(client)
    assert logged_in(client) and logged_in(client)  # the user now read from Redis
    get_user_model().objects.filter(pk=alice.pk).update(is_active=False)
    assert not logged_in(client)


def test_a_new_password_set_elsewhere_ends_this_browser(client, alice):
    login(client)
    assert logged_in(client) and logged_in(client)
    alice.set_password("another long passphrase 42")
    alice.save()
    assert not logged_in(client)


def test_one_freelancers_user_is_never_anothers(client, alice, bob):
    login(client, "alice")
    other = Client()
    login(other, "bob")
    for _ in range(2):  # built, then with the users read from Redis
        assert client.get(reverse("password_change")).context["user"].pk == alice.pk
        assert other.get(reverse("password_change")).context["user"].pk == bob.pk
