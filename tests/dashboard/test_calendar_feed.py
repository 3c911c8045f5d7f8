"""The calendar feed (/calendar/<token>.ics): read back with icalendar, as a calendar app would."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from icalendar import Calendar

from contracts.models import Invoice, Payment
from freelance.dashboard.models import CalendarFeed
from freelance.preferences.models import set_language
from projects.models import Phase, Project
from tests.factories import ClientFactory, PhaseFactory, ProjectFactory

pytestmark = pytest.mark.django_db

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2027, 1, 11, 9, 0, tzinfo=AMS)  # a Monday


@pytest.fixture(autouse=True)
def _frozen_and_english(settings):
    settings.LANGUAGE_CODE = "en"  # the feed's language when the freelancer chose none
    settings.SITE_URL = "https://mijlpaal.example.nl"
    cache.clear()  # the guess limit counts in the cache
    with time_machine.travel(NOW, tick=False):
        yield
    cache.clear()


def feed_url(user) -> str:
    return CalendarFeed.turn_on(user).url.removeprefix("https://mijlpaal.example.nl")


def fetch(client, url: str, **headers) -> Calendar:
    response = client.get(url, **headers)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(calendar: Calendar) -> dict[str, dict]:
    """UID -> the fields a person would notice, decoded by icalendar."""
    result = {}
    for event in calendar.walk("VEVENT"):
        result[str(event["UID"])] = {
            "summary": str(event["SUMMARY"]),
            "description": str(event.get("DESCRIPTION", "")),
            "start": event.decoded("DTSTART"),
            "end": event.decoded("DTEND"),
            "categories": [str(c) for c in event["CATEGORIES"].cats],
            "url": str(event["URL"]),
        }
    return result


def plan(owner, **fields) -> Project:
    """Phase 1 on the hard deadline (Fri 5 March 2027), then two phases two weeks after each other."""
    project = ProjectFactory(owner=owner, first_deadline=date(2027, 3, 5), **fields)
    for position in (1, 2, 3):
        PhaseFactory(project=project, position=position, title=f"Step {position}", offset_amount=2)
    return project


def sent_invoice(owner, *, number: str, due: date, total: str, status=Invoice.Status.SENT, **fields) -> Invoice:
    client = fields.pop("client", None) or ClientFactory(owner=owner)
    return Invoice.objects.create(
        owner=owner,
        client=client,
        number=number,
        status=status,
        issue_date=due - timedelta(days=30),
        due_date=due,
        total=Decimal(total),
        **fields,
    )


# -- the address --------------------------------------------------------------------------


def test_the_feed_answers_without_login_session_or_cookie(client, alice):
    plan(alice, name="Webshop")
    response = client.get(feed_url(alice))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, max-age=300"
    assert not response.cookies  # no session, no CSRF cookie
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Amsterdam"
    assert "Alice" in str(calendar["X-WR-CALNAME"])
    assert str(calendar["PRODID"]).startswith("-//Mijlpaal//")


def test_an_unknown_token_is_404_and_shows_nothing(client, alice):
    plan(alice, name="Webshop")
    feed_url(alice)
    for token in ("a" * 43, "x", "A" * 100):
        response = client.get(f"/calendar/{token}.ics")
        assert response.status_code == 404
        assert b"Webshop" not in response.content


def test_a_post_to_the_feed_is_refused(client, alice):
    url = feed_url(alice)
    assert client.post(url).status_code == 405


def test_guessing_tokens_is_limited_but_the_real_address_still_works(client, alice, settings):
    settings.CLIENT_LINK_FAILURES_PER_IP = 3
    url = feed_url(alice)
    answers = [client.get(f"/calendar/guess{i}-{'b' * 30}.ics").status_code for i in range(5)]
    assert answers == [404, 404, 404, 429, 429]
    assert client.get(url).status_code == 200  # only guesses are limited


def test_each_freelancer_sees_only_their_own_data(client, alice, bob):
    plan(alice, name="Alice webshop", client=ClientFactory(owner=alice, name="Alice client"))
    sent_invoice(alice, number="2027-0001", due=date(2027, 2, 1), total="100.00")
    plan(bob, name="Bob app", client=ClientFactory(owner=bob, name="Bob client"))
    body = client.get(feed_url(bob)).content.decode()
    assert "Bob app" in body
    assert "Alice" not in body
    assert "2027-0001" not in body


# -- what it holds --------------------------------------------------------------------------


def test_deadlines_are_all_day_events_labelled_hard_and_projected(client, alice):
    project = plan(alice, name="Webshop", client=ClientFactory(owner=alice, name="Bakkerij Brood"))
    first, second, third = project.phases.order_by("position")
    found = events(fetch(client, feed_url(alice)))

    hard = found[f"phase-{first.pk}@mijlpaal.example.nl"]
    assert hard["summary"] == "Hard deadline: Phase 1 Step 1 — Webshop (Bakkerij Brood)"
    assert (hard["start"], hard["end"]) == (date(2027, 3, 5), date(2027, 3, 6))
    assert hard["categories"] == ["hard"]
    assert hard["url"] == f"https://mijlpaal.example.nl/projects/{project.pk}/"
    assert "renegotiation" in hard["description"]

    projected = found[f"phase-{second.pk}@mijlpaal.example.nl"]
    assert projected["summary"].startswith("Projected deadline: Phase 2 Step 2")
    assert (projected["start"], projected["end"]) == (date(2027, 3, 19), date(2027, 3, 20))
    assert projected["categories"] == ["projected"]
    assert "moves when phase 1 is accepted" in projected["description"]

    assert found[f"phase-{third.pk}@mijlpaal.example.nl"]["start"] == date(2027, 4, 2)
    assert len(found) == 3


def test_an_acceptance_fixes_the_next_date_and_moves_the_same_event(client, alice):
    project = plan(alice, name="Webshop")
    project.mark_contracted(alice)
    first, second, third = project.phases.order_by("position")
    url = feed_url(alice)
    before = events(fetch(client, url))
    assert before[f"phase-{second.pk}@mijlpaal.example.nl"]["start"] == date(2027, 3, 19)

    first.start(alice)
    first.deliver(alice)
    with time_machine.travel(datetime(2027, 3, 17, 10, 0, tzinfo=AMS), tick=False):
        first.accept(alice)  # twelve days late
        after = events(fetch(client, url))

    assert f"phase-{first.pk}@mijlpaal.example.nl" not in after  # accepted: no longer a deadline
    moved = after[f"phase-{second.pk}@mijlpaal.example.nl"]  # the same UID: the app moves the event
    assert (moved["start"], moved["end"]) == (date(2027, 3, 31), date(2027, 4, 1))
    assert moved["categories"] == ["fixed"]
    assert moved["summary"].startswith("Fixed deadline: Phase 2 Step 2")
    assert "acceptance of phase 1" in moved["description"]
    later = after[f"phase-{third.pk}@mijlpaal.example.nl"]
    assert (later["start"], later["categories"]) == (date(2027, 4, 14), ["projected"])


def test_only_open_projects_with_dates_are_in_it(client, alice):
    plan(alice, name="Open one")
    closed = plan(alice, name="Stopped one")
    Project.objects.filter(pk=closed.pk).update(status=Project.Status.STOPPED, stopped_reason="budget")
    undated = ProjectFactory(owner=alice, name="Undated one", first_deadline=None)
    PhaseFactory(project=undated, position=1)
    body = client.get(feed_url(alice)).content.decode()
    assert "Open one" in body
    assert "Stopped one" not in body
    assert "Undated one" not in body


def test_only_sent_unpaid_invoices_have_a_due_date_event(client, alice):
    brood = ClientFactory(owner=alice, name="Bakkerij Brood B.V.")
    sent = sent_invoice(alice, number="2027-0001", due=date(2027, 2, 10), total="1234.00", client=brood)
    partly = sent_invoice(
        alice, number="2027-0002", due=date(2027, 1, 4), total="500.00", status=Invoice.Status.PARTLY_PAID
    )
    Payment.objects.create(invoice=partly, amount=Decimal("200.00"), paid_on=date(2027, 1, 2))
    sent_invoice(alice, number="2027-0003", due=date(2027, 2, 1), total="50.00", status=Invoice.Status.PAID)
    Invoice.objects.create(owner=alice, client=brood, due_date=date(2027, 2, 1), total=Decimal("75.00"))  # a draft
    found = events(fetch(client, feed_url(alice)))

    assert set(found) == {f"invoice-{sent.pk}@mijlpaal.example.nl", f"invoice-{partly.pk}@mijlpaal.example.nl"}
    due = found[f"invoice-{sent.pk}@mijlpaal.example.nl"]
    assert due["summary"] == "Invoice 2027-0001 due — Bakkerij Brood B.V., €1,234.00"
    assert (due["start"], due["end"]) == (date(2027, 2, 10), date(2027, 2, 11))
    assert due["url"] == f"https://mijlpaal.example.nl/invoices/{sent.pk}/"
    assert "€300.00" in found[f"invoice-{partly.pk}@mijlpaal.example.nl"]["summary"]  # what is still open


def test_the_feed_is_in_the_install_language_when_the_freelancer_chose_none(client, alice, settings):
    settings.LANGUAGE_CODE = "nl"
    sent_invoice(alice, number="2027-0001", due=date(2027, 2, 10), total="1234.00")
    found = events(fetch(client, feed_url(alice)))
    (due,) = found.values()
    assert "€\xa01.234,00" in due["summary"]  # Dutch money, whatever the request's language


def test_the_feed_is_in_the_language_the_freelancer_chose(client, alice, settings):
    settings.LANGUAGE_CODE = "nl"
    set_language(alice, "en")
    sent_invoice(alice, number="2027-0001", due=date(2027, 2, 10), total="1234.00")
    (due,) = events(fetch(client, feed_url(alice), HTTP_ACCEPT_LANGUAGE="nl")).values()
    assert "€1,234.00" in due["summary"]


def test_hostile_names_are_escaped_by_icalendar_and_read_back_unchanged(client, alice):
    name = 'Shop <script>alert("x")</script>, phase; two\nlines\\ and more'
    client_name = "A, B & C; <b>bold</b>"
    project = plan(alice, name=name, client=ClientFactory(owner=alice, name=client_name))
    response = client.get(feed_url(alice))
    raw = response.content.decode()
    assert "\nlines" not in raw.replace("\r\n ", "")  # no raw new line breaks a property
    found = events(Calendar.from_ical(response.content))
    first = project.phases.get(position=1)
    assert found[f"phase-{first.pk}@mijlpaal.example.nl"]["summary"] == (
        f"Hard deadline: Phase 1 Step 1 — {name} ({client_name})"
    )


def test_a_date_at_the_end_of_the_calendar_does_not_break_the_feed(client, alice):
    project = ProjectFactory(owner=alice, first_deadline=date(9999, 12, 31))
    PhaseFactory(project=project, position=1)
    calendar = fetch(client, feed_url(alice))
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == date(9999, 12, 31)


@pytest.mark.parametrize("count", [1, 30])
def test_the_feed_takes_the_same_number_of_queries_for_1_or_30_projects(
    client, alice, count, django_assert_num_queries
):
    for n in range(count):
        plan(alice, name=f"Project {n}")
    sent_invoice(alice, number="2027-0001", due=date(2027, 2, 10), total="10.00")
    url = feed_url(alice)
    with django_assert_num_queries(5):  # feed and user, language, projects and clients, phases, invoices
        calendar = fetch(client, url)
    assert len(calendar.walk("VEVENT")) == 3 * count + 1


def test_delivered_phases_stay_in_until_accepted(client, alice):
    project = plan(alice, name="Webshop")
    project.mark_contracted(alice)
    first = project.phases.get(position=1)
    first.start(alice)
    first.deliver(alice)
    found = events(fetch(client, feed_url(alice)))
    assert found[f"phase-{first.pk}@mijlpaal.example.nl"]["categories"] == ["hard"]
    assert str(Phase.Status.DELIVERED.label) in found[f"phase-{first.pk}@mijlpaal.example.nl"]["description"]


def test_a_second_fetch_is_served_from_the_store_without_a_cookie_and_a_change_shows_at_once(client, alice):
    plan(alice, name="Bakkerij")
    url = feed_url(alice)
    first = client.get(url)
    again = client.get(url)
    assert again.get("X-Page-Cache") == "hit" and again.content == first.content
    assert not again.cookies and not first.cookies, "a calendar app keeps no cookies: none is set"
    assert again["Content-Disposition"] == 'inline; filename="mijlpaal.ics"'
    plan(alice, name="Slagerij")
    assert any("Slagerij" in e["summary"] for e in events(fetch(client, url)).values())


# -- the window ------------------------------------------------------------------------------


def test_the_feed_keeps_a_year_of_the_past_and_everything_ahead(client, alice):
    today = NOW.date()
    old = ProjectFactory(owner=alice, name="Long overdue", first_deadline=today - timedelta(days=366))
    PhaseFactory(project=old, position=1, title="Launch")
    recent = ProjectFactory(owner=alice, name="Overdue", first_deadline=today - timedelta(days=365))
    PhaseFactory(project=recent, position=1, title="Launch")
    sent_invoice(alice, number="2025-0001", due=today - timedelta(days=366), total="10.00")
    sent_invoice(alice, number="2026-0001", due=today - timedelta(days=365), total="20.00")
    sent_invoice(alice, number="2028-0001", due=today + timedelta(days=400), total="30.00")

    found = events(fetch(client, feed_url(alice)))
    summaries = sorted(event["summary"] for event in found.values())
    assert summaries == [
        "Hard deadline: Phase 1 Launch — Overdue (" + recent.client.name + ")",
        "Invoice 2026-0001 due — " + Invoice.objects.get(number="2026-0001").client.name + ", €20.00",
        "Invoice 2028-0001 due — " + Invoice.objects.get(number="2028-0001").client.name + ", €30.00",
    ]


# -- the writer ------------------------------------------------------------------------------


AWKWARD = [
    "",
    "plain",
    "x" * 73,
    "x" * 74,
    "x" * 75,
    "x" * 300,
    "é" * 40,  # two octets each: a fold never splits a character
    "a" + "é" * 40,
    "—" * 30 + "abc",  # three octets each
    "x" * 72 + "\\" + "y" * 10,  # a backslash at the fold: its escape stays on one line
    "x" * 73 + ",,,,,",
    "x" * 71 + "^" + "z" * 10,
    'Shop <script>alert("x")</script>, phase; two\nlines\\ and more\r\nand\rmore \\N',
    "🎉" * 30,
    # escapes at every position around the first and second fold
    *["x" * n + "\\,;^" + "é" * 30 for n in range(40, 60)],
]


@pytest.mark.parametrize("value", AWKWARD)
def test_the_feed_writes_an_event_byte_for_byte_as_icalendar_does(value):
    from icalendar import Event

    from freelance.dashboard.calendar import Entry

    entry = Entry(
        uid=f"phase-1@{value or 'host'}",
        summary=f"Hard deadline: {value}",
        description=f"{value}\nStatus: Planned.",
        category=value or "hard",
        url="https://mijlpaal.example.nl/projects/1/",
        day=date(2027, 3, 5),
    )
    stamp = datetime(2027, 1, 11, 8, 0, tzinfo=ZoneInfo("UTC"))
    event = Event()
    event.add("uid", entry.uid)
    event.add("summary", entry.summary)
    event.add("description", entry.description)
    event.add("categories", [entry.category])
    event.add("url", entry.url)
    event.add("dtstart", entry.day)
    event.add("dtend", entry.day + timedelta(days=1))
    event.add("dtstamp", stamp)
    event.add("transp", "TRANSPARENT")
    assert b"".join(entry.lines("20270111T080000Z")) == event.to_ical()


def test_the_whole_feed_is_byte_for_byte_what_icalendar_would_write(client, alice):
    from icalendar import Event

    project = plan(alice, name="Webshop, new; really")
    sent_invoice(alice, number="2027-0001", due=date(2027, 2, 10), total="1234.00")
    raw = client.get(feed_url(alice)).content
    parsed = Calendar.from_ical(raw)
    rebuilt = Calendar()
    for name in ("prodid", "version", "calscale", "method", "x-wr-calname", "x-wr-timezone"):
        rebuilt.add(name, str(parsed[name]))
    rebuilt.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    rebuilt.add("x-published-ttl", "PT1H")
    for found in parsed.walk("VEVENT"):
        event = Event()
        for name in ("uid", "summary", "description", "url", "transp"):
            event.add(name, str(found[name]))
        event.add("categories", [str(c) for c in found["CATEGORIES"].cats])
        for name in ("dtstart", "dtend", "dtstamp"):
            event.add(name, found.decoded(name))
        rebuilt.add_component(event)
    assert len(parsed.walk("VEVENT")) == project.phases.count() + 1
    assert raw == rebuilt.to_ical()
