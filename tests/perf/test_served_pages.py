"""Pages served from the page store: a handful of queries, the same for one row or hundreds.

A built page's queries are guarded next to each view (tests/projects/test_project_sections.py,
test_clients.py, tests/contracts/test_invoice_list_drafts.py, ...). These guard the other half:
what a repeat visit costs, which is what the benchmark's ratios to /health/ measure
(tests/benchmarks/run.py, docs/performance.md).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from freelance.dashboard.models import CalendarFeed
from projects.models import Project
from tests.factories import ClientFactory, ProjectFactory
from tests.projects.test_project_sections import busy

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("users_from_redis")]
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
# Nothing: the session (freelance/accounts/session_store.py), the user (backends.py) and the
# dashboard's trouble card (pagecache.memo) come from Redis with the page. The calendar has no
# login: it reads its feed and owner (at most 3).
SERVED = 0


def pages(project: Project, feed: str) -> dict[str, str]:
    sections = ("project_detail", "project_phases", "project_money", "project_risks", "project_history")
    return {
        "dashboard": reverse("dashboard"),
        "client list": reverse("projects:client_list"),
        "project list": reverse("projects:project_list"),
        "invoice list": reverse("contracts:invoice_list"),
        "search": reverse("search") + "?q=Wish",
        "calendar": feed,
        **{section: reverse(f"projects:{section}", args=[project.pk]) for section in sections},
    }


def served_queries(browser, url: str) -> int:
    for _ in range(2):  # the first visit sets the CSRF cookie, the second stores the page
        assert browser.get(url, **EN).status_code == 200, url
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(url, **EN)
    assert response.get("X-Page-Cache") == "hit", url
    return len(queries)


def test_a_page_served_again_costs_the_same_few_queries_with_one_or_thirty_of_everything(alice_client, alice):
    feed = CalendarFeed.turn_on(alice).url.split("://", 1)[1].split("/", 1)[1]
    small = busy(alice, 1)
    one = {name: served_queries(alice_client, url) for name, url in pages(small, "/" + feed).items()}
    large = busy(alice, 30)
    for n in range(30):
        ProjectFactory(owner=alice, client=ClientFactory(owner=alice), name=f"Project {n}")
    thirty = {name: served_queries(alice_client, url) for name, url in pages(large, "/" + feed).items()}
    assert thirty == one
    assert one == {**dict.fromkeys(one, SERVED), "calendar": one["calendar"]}, one
    assert one["calendar"] <= 3, one
