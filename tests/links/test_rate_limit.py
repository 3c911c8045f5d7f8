"""Who counts as one address for the link rate limit: a forged X-Forwarded-For changes nothing."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory

from freelance.lib.http import client_ip

pytestmark = pytest.mark.django_db


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # BEHIND_PROXY=true
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    factory = RequestFactory()
    direct = factory.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client_ip(direct) == "203.0.113.9"
    proxied = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    assert client_ip(proxied) == "198.51.100.7"  # the entry our own proxy appended


def test_forged_forwarded_addresses_do_not_escape_the_limit(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # BEHIND_PROXY=true
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    cache.delete("links:fail:203.0.113.9")
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [
        attacker.get(f"/l/junk-{n:03d}-xxxxxxxxxxxxxxxxxxxxxxxxxxxx/", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
        for n in range(settings.CLIENT_LINK_FAILURES_PER_IP + 5)
    ]
    assert statuses.count(429) == 5
    cache.delete("links:fail:203.0.113.9")


def test_many_addresses_completing_one_leaked_token_start_are_stopped_and_the_real_link_still_opens(settings):
    """A token whose first characters leaked (a cut-off screenshot): guesses that keep that start
    are counted per prefix, whatever address they come from; the real link is never refused."""
    from freelance.lib.tokens import token_hash
    from freelance.links.models import ClientLink
    from freelance.links.views import PREFIX_LENGTH
    from tests.factories import ProjectFactory

    project = ProjectFactory()
    _link, token = ClientLink.issue(
        owner=project.owner, purpose=ClientLink.Purpose.PROJECT_PAGE, target=project, recipient_email="jan@example.nl"
    )
    prefix = token[:PREFIX_LENGTH]
    prefix_key = f"links:fail-prefix:{token_hash(prefix)[:32]}"
    cache.delete(prefix_key)
    statuses = []
    for n in range(settings.CLIENT_LINK_FAILURES_PER_PREFIX + 3):
        botnet = Client(REMOTE_ADDR=f"198.51.100.{n + 1}")  # a new address each time: the per-address count stays 1
        cache.delete(f"links:fail:198.51.100.{n + 1}")
        statuses.append(botnet.get(f"/l/{prefix}{'x' * (len(token) - PREFIX_LENGTH - 3)}{n:03d}/").status_code)
    assert statuses.count(404) == settings.CLIENT_LINK_FAILURES_PER_PREFIX
    assert statuses[-3:] == [429, 429, 429]
    # Another prefix is not affected, and the client's own link opens.
    assert Client(REMOTE_ADDR="198.51.100.200").get("/l/" + "y" * len(token) + "/").status_code == 404
    assert Client(REMOTE_ADDR="198.51.100.201").get(f"/l/{token}/").status_code == 302
    cache.delete(prefix_key)
