"""Every opening of a known client link is logged: when, from where, which browser; never the token."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from freelance.lib.rules import RuleViolation
from freelance.links.models import ClientLink, LinkVisit
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(alice):
    return ClientLink.issue(
        owner=alice,
        purpose=ClientLink.Purpose.PROJECT_PAGE,
        target=ProjectFactory(owner=alice),
        recipient_email="jan@example.nl",
        recipient_name="Jan",
        language="en",
    )


def test_opening_a_link_logs_time_ip_browser_and_method_and_not_the_token(client, issued):
    link, token = issued
    before = timezone.now()
    assert (
        client.get(f"/l/{token}/", HTTP_USER_AGENT="Mozilla/5.0 (Phone)", REMOTE_ADDR="203.0.113.7").status_code == 302
    )
    client.head(f"/l/{token}/", HTTP_USER_AGENT="Outlook SafeLinks", REMOTE_ADDR="2001:db8::1")

    visits = list(LinkVisit.objects.filter(link=link).order_by("pk").values())
    assert [(v["method"], v["ip"], v["user_agent"], v["state"]) for v in visits] == [
        ("GET", "203.0.113.7", "Mozilla/5.0 (Phone)", "valid"),
        ("HEAD", "2001:db8::1", "Outlook SafeLinks", "valid"),
    ]
    assert before <= visits[0]["at"] <= timezone.now()
    assert token not in str(visits)
    assert link.token_hash not in str(visits)


def test_a_visit_to_a_used_expired_or_revoked_link_is_logged_with_that_state(client, issued):
    link, token = issued
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        assert client.get(f"/l/{token}/").status_code == 410
    link.revoke("withdrawn")
    assert client.get(f"/l/{token}/").status_code == 410
    assert list(LinkVisit.objects.order_by("pk").values_list("state", flat=True)) == ["expired", "revoked"]


def test_unknown_tokens_are_junk_and_not_logged(client, issued):
    _link, token = issued
    assert client.get(f"/l/{token[:-2]}xx/").status_code == 404
    assert client.get("/l/nothing-like-a-token/").status_code == 404
    assert not LinkVisit.objects.exists()


def test_a_long_browser_string_is_cut_and_a_forged_address_is_left_out(client, issued, settings):
    _link, token = issued
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    client.get(f"/l/{token}/", HTTP_USER_AGENT="x" * 1000, HTTP_X_FORWARDED_FOR="<script>, not-an-ip")
    visit = LinkVisit.objects.get()
    assert len(visit.user_agent) == 300
    assert visit.ip is None


def test_the_visit_log_changes_no_business_state_and_cannot_be_edited(client, issued):
    link, token = issued
    before = ClientLink.objects.filter(pk=link.pk).values().get()
    for _ in range(5):
        client.get(f"/l/{token}/")
    assert ClientLink.objects.filter(pk=link.pk).values().get() == before
    assert link.visits.count() == 5
    visit = link.visits.first()
    visit.ip = "198.51.100.1"
    with pytest.raises(RuleViolation):
        visit.save()
    with pytest.raises(RuleViolation):
        visit.delete()
