"""The generic client link: 256-bit tokens stored as hashes, GET changes nothing, wrong links explain."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from freelance.lib.logs import RedactTokens
from freelance.lib.tokens import token_hash
from freelance.links.models import ClientLink, LinkUnavailable
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(alice):
    project = ProjectFactory(owner=alice)
    return ClientLink.issue(
        owner=alice,
        purpose=ClientLink.Purpose.PROJECT_PAGE,
        target=project,
        recipient_email="jan@example.nl",
        recipient_name="Jan",
        language="en",
    )


def test_a_token_has_256_bits_and_only_its_hash_is_stored(issued):
    link, token = issued
    assert len(token) >= 43  # 32 random bytes, url-safe base64
    assert link.token_hash == token_hash(token) != token
    stored = ClientLink.objects.filter(pk=link.pk).values().get()
    assert token not in str(stored)


def test_opening_moves_the_token_into_the_session_and_redirects_without_it(client, issued):
    link, token = issued
    response = client.get(f"/l/{token}/")
    assert response.status_code == 302
    assert response["Location"] == f"/c/{link.public_id}/"
    assert token not in response["Location"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"]
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    visit = client.session["client_links"][str(link.public_id)]
    assert set(visit) == {"viewed_at", "ip", "user_agent", "link", "owner", "language", "expires"}
    assert token not in str(dict(client.session))


def test_many_gets_and_heads_change_nothing(client, issued):
    link, token = issued
    before = ClientLink.objects.filter(pk=link.pk).values().get()
    for _ in range(50):
        client.get(f"/l/{token}/")
        client.head(f"/l/{token}/")
    assert ClientLink.objects.filter(pk=link.pk).values().get() == before


def test_the_page_needs_the_link_from_the_email(client, issued):
    link, _token = issued
    response = client.get(f"/c/{link.public_id}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "Please open the link from your email" in response.content.decode()


@pytest.mark.parametrize(
    "tamper", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: t[:20], lambda t: "x" * 500]
)
def test_a_tampered_token_gets_a_friendly_404_in_the_clients_language(client, issued, tamper):
    _link, token = issued
    response = client.get(f"/l/{tamper(token)}/", HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 404
    assert "We herkennen deze link niet" in response.content.decode()
    assert "Er is niets gewijzigd." in response.content.decode()


def test_an_expired_link_gets_410(client, issued):
    _link, token = issued
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        response = client.get(f"/l/{token}/")
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()  # the link's language: English


def test_a_revoked_link_gets_410(client, issued):
    link, token = issued
    assert link.revoke("withdrawn")
    response = client.get(f"/l/{token}/")
    assert response.status_code == 410
    assert "no longer valid" in response.content.decode()


def test_a_used_link_gets_410_and_cannot_be_claimed_twice(client, issued):
    link, token = issued
    link.claim()
    with pytest.raises(LinkUnavailable) as excinfo:
        ClientLink.objects.get(pk=link.pk).claim()
    assert excinfo.value.state == "used"
    response = client.get(f"/l/{token}/")
    assert response.status_code == 410
    assert "already been used" in response.content.decode()


def test_a_link_revoked_after_opening_stops_the_page_too(client, issued):
    link, token = issued
    client.get(f"/l/{token}/")
    link.revoke("withdrawn")
    assert client.get(f"/c/{link.public_id}/").status_code == 410


def test_failed_lookups_are_rate_limited_per_ip(client, settings, issued):
    _link, token = issued
    from django.core.cache import cache

    cache.delete("links:fail:127.0.0.1")
    # Each with its own first 8 characters, so only the address counts.
    for n in range(settings.CLIENT_LINK_FAILURES_PER_IP):
        assert client.get(f"/l/{n:03d}-unknown-token-xxxxxxxxxxxxxxxxxxxxxx/").status_code == 404
    response = client.get("/l/one-more-unknown-token-xxxxxxxxxxxxxxxxxxxxx/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    # Others' junk from a shared office address never blocks a client's real link (issue 11).
    assert client.get(f"/l/{token}/").status_code == 302
    cache.delete("links:fail:127.0.0.1")


def test_a_token_never_reaches_a_log_line(client, issued, caplog):
    _link, token = issued
    caplog.set_level(logging.DEBUG)
    client.get(f"/l/{token}/")
    client.get(f"/l/{token}x/")  # a 404: Django would log "Not Found: <path>"
    assert token not in caplog.text


def test_the_redaction_filter_hides_tokens_in_request_logs():
    record = logging.LogRecord(
        "django.server", logging.INFO, "", 0, '"GET /l/%s/ HTTP/1.1" 302 0', ("abcDEF123_-xyz",), None
    )
    RedactTokens().filter(record)
    assert record.getMessage() == '"GET /l/[redacted]/ HTTP/1.1" 302 0'


def test_the_link_points_at_its_target(issued):
    link, _token = issued
    assert link.content_type == ContentType.objects.get(app_label="projects", model="project")
    assert link.target.pk == link.object_id
