"""The dashboard's pictures (freelance/dashboard/charts.py, templates/dashboard/_charts.html).

The partial is rendered with ``charts.dashboard_charts(user, today)``, the context the lead
adds to the dashboard view; its data tables must say what the hand-made data says.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from contracts.models import Invoice, Payment, Role, TimeEntry
from freelance.dashboard import charts
from projects.models import Phase, Project
from projects.timeline import PLOT_LEFT
from tests.factories import ClientFactory, project_with_phases

pytestmark = pytest.mark.django_db

AMS = ZoneInfo("Europe/Amsterdam")
TODAY = date(2026, 11, 20)  # the charts show June to November 2026
SVG = "{http://www.w3.org/2000/svg}"


def render(user, today: date = TODAY, language: str = "en") -> str:
    with translation.override(language):
        return render_to_string("dashboard/_charts.html", charts.dashboard_charts(user, today))


def section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


def table(html: str) -> list[list[str]]:
    """The rows of the first data table in `html`, as the cells' text."""
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([" ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split()) for cell in cells])
    return rows


def svgs(html: str) -> dict[str, ET.Element]:
    """Every chart (role="img") in the page, parsed as XML, by its class."""
    found = {}
    for match in re.finditer(r'<svg class="([^"]+)" role="img"', html):
        end = html.index("</svg>", match.start()) + len("</svg>")
        found[match.group(1)] = ET.fromstring(html[match.start() : end])  # noqa: S314 (our own markup)
    return found


def hours(owner, project, day: date, amount: str, role: str) -> TimeEntry:
    return TimeEntry.objects.create(owner=owner, project=project, date=day, hours=Decimal(amount), role=role)


_numbers = iter(range(1, 10_000))


def sent(owner, client, issued: date, total: str, **fields) -> Invoice:
    return Invoice.objects.create(
        owner=owner,
        client=client,
        number=f"2026-{next(_numbers):04d}",
        status=fields.pop("status", Invoice.Status.SENT),
        issue_date=issued,
        due_date=issued + timedelta(days=30),
        total=Decimal(total),
        **fields,
    )


def paid(invoice: Invoice, amount: str, on: date) -> Payment:
    """A payment as the app records it: the invoice's status and paid_on follow (``record_payment``)."""
    return invoice.record_payment(amount=Decimal(amount), paid_on=on, actor=None, today=TODAY)


# -- hours by role per month --------------------------------------------------------------------


def test_hours_per_role_per_month_match_the_time_sheet(alice, bob):
    project = project_with_phases(alice, 1, first_deadline=date(2026, 12, 20))
    hours(alice, project, date(2026, 6, 1), "1", Role.DEVELOPER)
    hours(alice, project, date(2026, 10, 1), "3.5", Role.DEVELOPER)
    hours(alice, project, date(2026, 10, 31), "4", Role.DEVELOPER)
    hours(alice, project, date(2026, 10, 15), "1.25", Role.PROJECT_MANAGER)
    hours(alice, project, date(2026, 11, 2), "2", Role.CONTRACT_MANAGER)
    hours(alice, project, date(2026, 5, 31), "10", Role.DEVELOPER)  # before the six months
    hours(alice, project, date(2026, 12, 1), "5", Role.DEVELOPER)  # next month
    theirs = project_with_phases(bob, 1, first_deadline=date(2026, 12, 20))
    hours(bob, theirs, date(2026, 10, 1), "8", Role.DEVELOPER)  # another freelancer's

    html = section(render(alice), "hours-chart")
    assert table(html) == [
        # month, contract manager, project manager, developer, total
        ["June 2026", "0 h", "0 h", "1 h", "1 h"],
        ["July 2026", "0 h", "0 h", "0 h", "0 h"],
        ["August 2026", "0 h", "0 h", "0 h", "0 h"],
        ["September 2026", "0 h", "0 h", "0 h", "0 h"],
        ["October 2026", "0 h", "1.25 h", "7.5 h", "8.75 h"],
        ["November 2026", "2 h", "0 h", "0 h", "2 h"],
    ]
    assert "11.75 h in all" in html
    chart = svgs(html)["chart-bars"]
    bars = [rect for rect in chart.iter(f"{SVG}rect") if "chart-bar" in rect.get("class", "")]
    assert len(bars) == 4  # June dev, October pm + dev, November cm
    assert all(float(bar.get("height")) > 0 for bar in bars)


def test_the_hours_chart_stacks_the_roles_of_a_month_into_one_column():
    data = {
        (date(2026, 10, 1), Role.PROJECT_MANAGER.value): Decimal("2.00"),
        (date(2026, 10, 1), Role.DEVELOPER.value): Decimal("6.00"),
        (date(2026, 11, 1), Role.DEVELOPER.value): Decimal("4.00"),
    }
    chart = charts.bar_chart(charts.last_months(TODAY), [(role.value, role.label) for role in Role], data, stacked=True)
    october, november = chart.columns[-2:]
    lower, upper = october.bars
    assert lower.x == upper.x and lower.width == upper.width
    assert upper.y + upper.height == pytest.approx(lower.y, abs=0.11)  # one on the other
    assert (lower.height + upper.height) == pytest.approx(2 * november.bars[0].height, abs=0.2)
    assert chart.y_ticks[0].y == chart.zero_y == charts.PLOT_BOTTOM
    assert chart.y_ticks[-1].value >= Decimal("8")


def test_hours_written_in_dutch_use_dutch_month_names_and_a_decimal_comma(alice):
    project = project_with_phases(alice, 1)
    hours(alice, project, date(2026, 10, 1), "1.25", Role.PROJECT_MANAGER)
    rows = table(section(render(alice, language="nl"), "hours-chart"))
    assert rows[4][0] == "oktober 2026"
    assert "1,25 u" in rows[4]


def test_no_hours_and_no_money_show_what_to_do_instead_of_empty_charts(alice):
    html = render(alice)
    assert "No hours written in the last six months." in section(html, "hours-chart")
    assert "Nothing invoiced or received in the last six months." in section(html, "money-chart")
    assert "No open projects." in section(html, "portfolio")
    assert svgs(html) == {}


# -- invoiced and paid per month ----------------------------------------------------------------


def test_invoiced_against_paid_per_month_with_a_credit_note_and_a_partial_payment(alice, bob):
    client = ClientFactory(owner=alice)
    september = sent(alice, client, date(2026, 9, 1), "300.00")
    paid(september, "300.00", date(2026, 10, 1))
    october = sent(alice, client, date(2026, 10, 5), "1210.00")
    paid(october, "500.00", date(2026, 10, 28))  # partly paid in October
    paid(october, "710.00", date(2026, 11, 15))  # the rest in November
    credited = sent(alice, client, date(2026, 10, 20), "605.00", status=Invoice.Status.CREDITED)
    sent(alice, client, date(2026, 11, 3), "-605.00", kind=Invoice.Kind.CREDIT_NOTE, credits=credited)
    sent(alice, client, date(2026, 11, 10), "1000.00")
    Invoice.objects.create(owner=alice, client=client, total=Decimal("999.00"))  # a draft
    old = sent(alice, client, date(2026, 5, 29), "50.00")  # before the six months
    paid(old, "50.00", date(2026, 5, 30))
    late = sent(alice, client, date(2026, 4, 1), "70.00")  # invoiced before, paid in the six months
    paid(late, "70.00", date(2026, 7, 3))
    partly = sent(alice, client, date(2026, 5, 1), "200.00")  # still partly paid, invoiced before
    paid(partly, "20.00", date(2026, 5, 31))
    paid(partly, "100.00", date(2026, 11, 19))
    theirs = sent(bob, ClientFactory(owner=bob), date(2026, 10, 1), "5000.00")
    paid(theirs, "5000.00", date(2026, 10, 2))

    html = section(render(alice), "money-chart")
    assert table(html) == [
        # month, invoiced (incl. VAT, credit notes deducted), paid
        ["June 2026", "€0.00", "€0.00"],
        ["July 2026", "€0.00", "€70.00"],
        ["August 2026", "€0.00", "€0.00"],
        ["September 2026", "€300.00", "€0.00"],
        ["October 2026", "€1,815.00", "€800.00"],
        ["November 2026", "€395.00", "€810.00"],
    ]
    assert Invoice.objects.get(pk=partly.pk).status == Invoice.Status.PARTLY_PAID
    assert "incl. VAT" in html
    assert "5,000" not in html and "999" not in html


def test_a_month_with_more_credited_than_invoiced_draws_its_bar_below_the_zero_line(alice):
    client = ClientFactory(owner=alice)
    credited = sent(alice, client, date(2026, 10, 20), "605.00", status=Invoice.Status.CREDITED)
    sent(alice, client, date(2026, 11, 3), "-605.00", kind=Invoice.Kind.CREDIT_NOTE, credits=credited)
    chart = charts.invoiced_and_paid(alice, TODAY)
    october, november = chart.columns[-2:]
    assert october.values == [Decimal("605.00"), Decimal("0.00")]
    assert november.values == [Decimal("-605.00"), Decimal("0.00")]
    (up,), (down,) = october.bars, november.bars
    assert up.y + up.height == pytest.approx(chart.zero_y, abs=0.11)
    assert down.y == pytest.approx(chart.zero_y, abs=0.11) and down.height > 0
    assert chart.y_ticks[0].value < 0 < chart.y_ticks[-1].value


# -- the portfolio timeline ---------------------------------------------------------------------


def open_project(owner, name: str, deadline: date | None, **fields) -> Project:
    fields.setdefault("status", Project.Status.ACTIVE)
    return project_with_phases(owner, 3, name=name, first_deadline=deadline, **fields)


def test_the_portfolio_shows_open_projects_the_nearest_next_deadline_first(alice, bob):
    later = open_project(alice, "Later site", date(2027, 2, 1))
    soon = open_project(alice, "Soon shop", date(2026, 12, 4))
    accepted = open_project(alice, "Half done", date(2026, 11, 2))
    Phase.objects.filter(project=accepted, position=1).update(
        status=Phase.Status.ACCEPTED,
        started_at=datetime(2026, 10, 1, 9, tzinfo=AMS),
        accepted_at=datetime.combine(date(2026, 10, 30), time(12), tzinfo=AMS),
    )
    Phase.objects.filter(project=accepted, position=2).update(due_date=date(2026, 11, 27))
    open_project(alice, "Finished", date(2026, 11, 1), status=Project.Status.COMPLETED)
    open_project(bob, "Bob's secret", date(2026, 11, 25))

    html = section(render(alice), "portfolio")
    rows = table(html)
    assert [row[0].split(" Bakkerij")[0] for row in rows] == ["Half done", "Soon shop", "Later site"]
    assert rows[0][2] == "27 November 2026 (fixed)"
    assert rows[1][2] == "4 December 2026 (hard)"
    assert "Finished" not in html and "Bob" not in html
    assert f"/projects/{later.pk}/" in html and f"/projects/{soon.pk}/" in html
    chart = svgs(html)["chart-portfolio"]
    rows_drawn = [g for g in chart.iter(f"{SVG}g") if "portfolio-row" in g.get("class", "")]
    assert len(rows_drawn) == 3
    # Each row: one bar, and one marker per phase by kind (phase 1 of "Half done" accepted).
    first = rows_drawn[0]
    assert len(first.findall(f"{SVG}rect")) == 1
    assert [m.get("class") for m in first if m.tag in (f"{SVG}polygon", f"{SVG}circle")] == [
        "chart-marker marker-hard is-accepted",
        "chart-marker marker-fixed",
        "chart-marker marker-projected",
    ]
    today_line = next(line for line in chart.iter(f"{SVG}line") if line.get("class") == "chart-today")
    assert float(today_line.get("x1")) == charts.portfolio(alice, TODAY).today_x > PLOT_LEFT


def test_an_overdue_deadline_is_marked_in_the_picture_and_said_in_words(alice):
    open_project(alice, "Late site", date(2026, 11, 13))  # a week before TODAY, not delivered
    html = section(render(alice), "portfolio")
    (row,) = table(html)
    assert row[2] == "13 November 2026 (hard) overdue"
    chart = svgs(html)["chart-portfolio"]
    (drawn,) = [g for g in chart.iter(f"{SVG}g") if "portfolio-row" in g.get("class", "")]
    assert "is-overdue" in drawn.get("class")
    markers = [m for m in drawn if m.tag in (f"{SVG}polygon", f"{SVG}circle")]
    assert [("is-overdue" in m.get("class"), m.find(f"{SVG}title").text.endswith("overdue")) for m in markers] == [
        (True, True),  # phase 1: its hard deadline has passed
        (False, False),  # phases 2 and 3: projected from today, still ahead
        (False, False),
    ]


def test_the_portfolio_bar_runs_from_the_start_to_the_last_known_date(alice):
    project = open_project(alice, "Webshop", date(2026, 12, 4))
    portfolio = charts.portfolio(alice, TODAY)
    (row,) = portfolio.rows
    schedule = project.schedule(TODAY)
    assert row.start == TODAY  # not started yet
    assert row.end == schedule[-1].date  # phase 3's projected date
    assert row.bar_x == pytest.approx(portfolio.today_x, abs=0.11)
    assert row.bar_x + row.bar_width == pytest.approx(row.markers[-1].x, abs=0.11)


def test_a_project_without_a_hard_deadline_or_phases_is_listed_last_without_a_bar(alice):
    open_project(alice, "Proposal", None, status=Project.Status.PROPOSAL)
    Project.objects.create(
        owner=alice, client=ClientFactory(owner=alice), name="Empty", first_deadline=date(2027, 1, 8)
    )
    open_project(alice, "Webshop", date(2026, 12, 4))
    html = section(render(alice), "portfolio")
    assert [row[0].split(" Bakkerij")[0] for row in table(html)] == ["Webshop", "Empty", "Proposal"]
    chart = svgs(html)["chart-portfolio"]
    notes = [text.text for text in chart.iter(f"{SVG}text") if text.get("class") == "chart-note"]
    assert notes == ["no phases planned yet", "no hard first deadline yet"]
    assert len([rect for rect in chart.iter(f"{SVG}rect") if rect.get("class") == "portfolio-bar"]) == 1


def test_the_portfolio_draws_twelve_projects_and_says_how_many_more(alice):
    for day in range(14):
        open_project(alice, f"Project {day:02d}", TODAY + timedelta(days=30 - day))
    html = section(render(alice), "portfolio")
    names = [row[0].split(" Bakkerij")[0] for row in table(html)]
    assert len(names) == charts.PORTFOLIO_SHOWN == 12
    assert names == [f"Project {day:02d}" for day in range(13, 1, -1)]  # the nearest deadline first
    assert "And 2 more open projects." in html


def test_only_the_shown_projects_get_a_schedule_computed(alice, monkeypatch):
    for day in range(30):
        open_project(alice, f"Project {day:02d}", TODAY + timedelta(days=day))
    computed = []
    schedule = Project.schedule
    monkeypatch.setattr(Project, "schedule", lambda self, today=None: computed.append(self.pk) or schedule(self, today))
    portfolio = charts.portfolio(alice, TODAY)
    assert len(computed) == len(portfolio.rows) == charts.PORTFOLIO_SHOWN
    assert portfolio.more == 18


def test_html_in_a_project_name_is_escaped_in_the_svg_and_the_table(alice):
    name = '<script>alert("x")</script><b>&'
    open_project(alice, name, date(2026, 12, 4))
    html = render(alice)
    assert "<script>" not in html and "<b>&" not in html
    chart = svgs(html)["chart-portfolio"]  # and it still parses
    labels = [text.text for text in chart.iter(f"{SVG}text") if text.get("class") == "chart-label"]
    assert labels == [name[:25] + "…"]
    titles = " ".join(title.text or "" for title in chart.iter(f"{SVG}title"))
    assert name in titles


# -- every chart parses; the cost does not grow with the data -----------------------------------


def test_each_chart_is_well_formed_svg_with_a_title_and_a_summary(alice):
    project = open_project(alice, "Webshop", date(2026, 12, 4))
    hours(alice, project, date(2026, 10, 1), "3", Role.DEVELOPER)
    paid(sent(alice, project.client, date(2026, 10, 5), "121.00"), "121.00", date(2026, 11, 1))
    for language in ("en", "nl"):
        html = render(alice, language=language)
        charts_found = re.findall(r'<svg class="[^"]+" role="img"', html)
        assert len(charts_found) == 3
        for svg in re.finditer(r'<svg class="[^"]+" role="img"', html):
            end = html.index("</svg>", svg.start()) + len("</svg>")
            element = ET.fromstring(html[svg.start() : end])  # noqa: S314 (our own markup)
            labelled_by = element.get("aria-labelledby").split()
            ids = {child.get("id") for child in element if child.tag in (f"{SVG}title", f"{SVG}desc")}
            assert set(labelled_by) == ids and len(ids) == 2
            assert (element.find(f"{SVG}desc").text or "").strip()
            numeric = re.findall(r'\b(?:x|y|x1|x2|y1|y2|cx|cy|width|height)="([^"]*)"', html[svg.start() : end])
            assert numeric and not [value for value in numeric if "," in value]
            assert "style=" not in html[svg.start() : end]


def count_queries(user) -> int:
    with CaptureQueriesContext(connection) as queries:
        render(user)
    return len(queries)


def test_the_charts_cost_the_same_queries_for_one_project_or_thirty(alice, bob):
    open_project(alice, "Only one", date(2026, 12, 4))
    one = count_queries(alice)
    for day in range(30):
        open_project(bob, f"Project {day}", TODAY + timedelta(days=day))
    assert count_queries(bob) == one
    assert one <= 4  # projects, their phases, hours, money


def test_the_charts_cost_the_same_queries_for_one_time_entry_or_two_hundred(alice, bob):
    project = project_with_phases(alice, 1, first_deadline=date(2026, 12, 4))
    hours(alice, project, date(2026, 10, 1), "1", Role.DEVELOPER)
    paid(sent(alice, project.client, date(2026, 10, 5), "121.00"), "121.00", date(2026, 11, 1))
    one = count_queries(alice)
    theirs = project_with_phases(bob, 1, first_deadline=date(2026, 12, 4))
    TimeEntry.objects.bulk_create(
        TimeEntry(owner=bob, project=theirs, date=TODAY - timedelta(days=n % 170), hours=Decimal("1.5"), role=role)
        for n, role in zip(range(200), [Role.DEVELOPER, Role.PROJECT_MANAGER, Role.CONTRACT_MANAGER] * 70, strict=False)
    )
    for n in range(20):
        paid(sent(bob, theirs.client, TODAY - timedelta(days=n * 8), "121.00"), "60.50", TODAY - timedelta(days=n))
    assert count_queries(bob) == one


# -- on the dashboard (the lead wires the context and the include) -----------------------------


def test_the_partial_works_when_included_in_another_template(alice):
    project = open_project(alice, "Webshop", date(2026, 12, 4))
    hours(alice, project, date(2026, 10, 1), "3", Role.DEVELOPER)
    page = Template('{% include "dashboard/_charts.html" %}')
    with translation.override("en"):
        html = page.render(Context(charts.dashboard_charts(alice, TODAY)))
    assert set(svgs(html)) == {"chart-portfolio", "chart-bars"}
    assert 'class="chart-tick-label"' in section(html, "hours-chart")  # the axes partial rendered


def test_the_dashboard_shows_the_three_charts(alice_client, alice):
    open_project(alice, "Webshop", timezone.localdate() + timedelta(days=20))
    html = alice_client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="portfolio"' in html and 'id="hours-chart"' in html and 'id="money-chart"' in html
    assert "css/charts.css" in html
