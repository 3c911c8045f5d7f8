"""A client's link page opened again comes from the page store without reading the link
(freelance/links/views.py ``served_again``), and still never outlives its link."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from freelance.links.models import ClientLink
from freelance.links.views import SESSION_KEY
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def open_link(client, alice, lifetime: timedelta | None = None) -> tuple[ClientLink, str]:
    project = ProjectFactory(owner=alice, name="Webshop Bakkerij")
    link, token = ClientLink.issue(
        owner=alice,
        purpose=ClientLink.Purpose.PROJECT_PAGE,
        target=project,
        recipient_email="jan@example.nl",
        recipient_name="Jan",
        language="en",
        lifetime=lifetime,
    )
    assert client.get(f"/l/{token}/").status_code == 302
    page = f"/c/{link.public_id}/"
    assert client.get(page).status_code == 200  # built; the browser gets its CSRF cookie
    assert client.get(page).get("X-Page-Cache") is None  # built again, and stored
    return link, page


@pytest.fixture
def opened(client, alice):
    return open_link(client, alice)


def test_opened_again_the_page_costs_no_query(client, opened):
    _link, page = opened
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page)
    assert response.status_code == 200 and response.get("X-Page-Cache") == "hit"
    assert "Webshop Bakkerij" in response.content.decode()
    assert response["Referrer-Policy"] == "same-origin" and "noindex" in response["X-Robots-Tag"]
    assert len(queries) == 0, [q["sql"] for q in queries]


def test_a_revoked_link_is_never_served_again(client, opened):
    link, page = opened
    assert client.get(page).get("X-Page-Cache") == "hit"
    link.revoke("withdrawn")
    assert client.get(page).status_code == 410


def test_an_expired_link_is_never_served_again(client, alice):
    start = timezone.now().replace(hour=10)  # the same day: the stored page's key holds the date
    with time_machine.travel(start, tick=False):
        _link, page = open_link(client, alice, lifetime=timedelta(minutes=5))
        assert client.get(page).get("X-Page-Cache") == "hit"
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        response = client.get(page)
    assert response.status_code == 410 and response.get("X-Page-Cache") is None


def test_a_new_expiry_is_read_from_the_link(client, opened):
    link, page = opened
    ClientLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() + timedelta(minutes=1))
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert client.get(page).status_code == 410


def test_the_clients_language_switch_still_counts(client, opened):
    _link, page = opened
    client.cookies["django_language"] = "nl"
    assert 'lang="nl"' in client.get(page).content.decode()
    client.cookies["django_language"] = "en"
    assert 'lang="en"' in client.get(page).content.decode()


def test_another_browser_without_the_token_gets_nothing(opened):
    from django.test import Client

    _link, page = opened
    assert Client().get(page).status_code == 404


def test_a_session_from_before_still_opens_the_page(client, opened):
    link, page = opened
    session = client.session
    visit = session[SESSION_KEY][str(link.public_id)]
    for key in ("link", "owner", "language", "expires"):
        del visit[key]
    session.save()
    response = client.get(page)
    assert response.status_code == 200 and "Webshop Bakkerij" in response.content.decode()
