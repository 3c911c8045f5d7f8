"""The project page in sections: an overview that fits two laptop screens, and phases, time and
money, risks and history each at their own URL, with a tab bar; a print view with everything.

A refusal of the payment gate shows inside the refused form, beside the field that overrides it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts import invoices, payments, time_entries
from contracts.models import Invoice
from projects.models import ChangeRequest, Phase, PhaseEvent, Project
from tests.factories import (
    BusinessProfileFactory,
    PhaseFactory,
    ProjectFactory,
    RiskFactory,
    billable_project,
    project_with_phases,
)

AMS = ZoneInfo("Europe/Amsterdam")
TODAY = date(2026, 11, 26)

SECTIONS = {
    "overview": "projects:project_detail",
    "phases": "projects:project_phases",
    "money": "projects:project_money",
    "risks": "projects:project_risks",
    "history": "projects:project_history",
    "print": "projects:project_print",
}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 11, 26, 10, 0, tzinfo=AMS), tick=False) as traveller:
        yield traveller


def get(client, project: Project, section: str = "overview", **extra):
    return client.get(reverse(SECTIONS[section], args=[project.pk]), HTTP_ACCEPT_LANGUAGE="en", **extra)


def body_of(client, project: Project, section: str = "overview") -> str:
    response = get(client, project, section)
    assert response.status_code == 200
    return response.content.decode()


def contracted(owner, count: int = 3, **fields) -> Project:
    project = project_with_phases(owner, count, **fields)
    project.mark_contracted(owner)
    return project


def phases_of(project: Project) -> list[Phase]:
    return list(project.phases.order_by("position"))


class Elements(HTMLParser):
    """Each element's tag, attributes and the text and tags inside it, to ask "is X inside Y"."""

    VOID = {"input", "br", "meta", "link", "img", "hr", "source", "col", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list[dict] = []
        self.done: list[dict] = []

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": "", "inside": []}
        for outer in self.open:
            outer["inside"].append((tag, dict(attrs)))
        if tag in self.VOID:
            self.done.append(element)
        else:
            self.open.append(element)

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index]["tag"] == tag:
                self.done.extend(reversed(self.open[index:]))
                del self.open[index:]
                return

    def handle_data(self, data):
        for element in self.open:
            element["text"] += data


def elements(html: str, tag: str) -> list[dict]:
    parser = Elements()
    parser.feed(html)
    return [e for e in parser.done if e["tag"] == tag]


def tabs(html: str) -> list[tuple[str, str | None]]:
    nav = html[html.index('<nav class="project-tabs"') : html.index("</nav>", html.index('<nav class="project-tabs"'))]
    return [(a["attrs"]["href"], a["attrs"].get("aria-current")) for a in elements(nav + "</nav>", "a")]


# -- the sections and their tabs --------------------------------------------------------------------------------


@pytest.mark.parametrize("section", ["overview", "phases", "money", "risks", "history"])
def test_each_section_has_its_url_and_marks_its_tab(alice_client, alice, section):
    project = contracted(alice)
    found = tabs(body_of(alice_client, project, section))
    current = [href for href, aria in found if aria == "page"]
    assert current == [reverse(SECTIONS[section], args=[project.pk])]
    hrefs = [href for href, _ in found]
    for url in (
        f"/projects/{project.pk}/plan/",
        f"/projects/{project.pk}/bucket/",
        reverse("contracts:contract", args=[project.pk]),
        f"/projects/{project.pk}/print/",
    ):
        assert url in hrefs


@pytest.mark.parametrize("section", list(SECTIONS))
def test_every_section_404s_for_another_freelancer_and_needs_login(client, alice, bob, section):
    project = contracted(alice)
    assert get(client, project, section).status_code == 302  # to the login page
    client.force_login(bob)
    assert get(client, project, section).status_code == 404
    assert get(client, project, section, HTTP_HX_REQUEST="true").status_code == 404


def test_the_overview_shows_only_the_current_phase_and_leaves_history_and_profit_out(alice_client, alice):
    project = contracted(alice, 3)
    first = phases_of(project)[0]
    first.start(alice)
    RiskFactory(project=project, description="The photographer is late")
    body = body_of(alice_client, project)
    articles = elements(body, "article")
    assert [a["attrs"]["id"] for a in articles] == [f"phase-{first.pk}"]
    assert ">Mark phase 1 delivered</button>" in body
    assert 'id="history"' not in body
    assert 'id="profitability"' not in body
    assert "The photographer is late" not in body
    assert f'href="/projects/{project.pk}/phases/">All 3 phases</a>' in body
    phases = body_of(alice_client, project, "phases")
    assert len(elements(phases, "article")) == 3


def test_after_an_acceptance_the_overview_keeps_its_evidence_beside_the_next_phase(alice_client, alice):
    project = contracted(alice, 3)
    first, second, _third = phases_of(project)
    first.start(alice)
    first.deliver(alice)
    first.accept(alice, reason="By phone")
    ids = [a["attrs"]["id"] for a in elements(body_of(alice_client, project), "article")]
    assert ids == [f"phase-{first.pk}", f"phase-{second.pk}"]


def test_the_next_deadline_says_how_many_days_are_left(alice_client, alice, frozen):
    project = contracted(alice, 2, first_deadline=date(2026, 12, 4))
    glance = elements(body_of(alice_client, project), "dl")[0]["text"]
    assert "Next deadline" in glance
    assert "4 December 2026" in glance
    assert "8 days left" in " ".join(glance.split())
    frozen.move_to(datetime(2026, 12, 4, 10, 0, tzinfo=AMS))
    alice_client.force_login(alice)
    assert "due today" in body_of(alice_client, project)
    frozen.move_to(datetime(2026, 12, 7, 10, 0, tzinfo=AMS))
    alice_client.force_login(alice)
    assert "3 days overdue" in body_of(alice_client, project)


def test_money_compares_like_with_like_and_cannot_read_as_an_overpayment(alice_client, alice):
    project, phase = billable_project(alice, price=Decimal("1800.00"))
    project.mark_contracted(alice)
    body = body_of(alice_client, project)
    assert "Nothing invoiced yet." in body
    invoice = invoices.issue(invoices.draft_for_phase(phase), actor=alice, send=False)
    assert invoice.total == Decimal("2178.00")
    payments.record_payment(invoice, amount=Decimal("2178.00"), paid_on=TODAY, actor=alice, today=TODAY)
    money = next(
        d for d in elements(body_of(alice_client, project), "div") if "glance-money" in d["attrs"].get("class", "")
    )
    line = " ".join(money["text"].split())
    assert "Invoiced €2,178.00 incl. VAT (€1,800.00 excl.) · paid €2,178.00 · open €0.00" in line
    # A draft is not invoiced.
    invoices.draft_for_phase(PhaseFactory(project=project, position=2, fixed_price=Decimal("500.00")))
    assert "Invoiced €2,178.00 incl. VAT" in body_of(alice_client, project)


# -- the gate's refusal beside the refused action ---------------------------------------------------------------


def overdue_invoice(project: Project) -> Invoice:
    BusinessProfileFactory(owner=project.owner)
    earlier = ProjectFactory(owner=project.owner, client=project.client, name="Earlier work")
    phase = PhaseFactory(project=earlier, position=1, fixed_price=Decimal("1000.00"))
    invoice = invoices.issue(invoices.draft_for_phase(phase), actor=project.owner, send=False)
    Invoice.objects.filter(pk=invoice.pk).update(due_date=TODAY - timedelta(days=1))
    return invoice


@pytest.mark.parametrize("section", ["overview", "phases"])
def test_a_refused_start_shows_the_refusal_and_the_override_in_the_same_form(alice_client, alice, section):
    project, phase = billable_project(alice)
    project.mark_contracted(alice)
    invoice = overdue_invoice(project)
    url = reverse("projects:phase_start", args=[phase.pk])
    response = alice_client.post(url, {"section": section}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    body = response.content.decode()
    assert [href for href, aria in tabs(body) if aria] == [reverse(SECTIONS[section], args=[project.pk])]
    forms = [f for f in elements(body, "form") if f["attrs"].get("action") == url]
    assert len(forms) == 1
    form = forms[0]
    assert f"invoice {invoice.number} is past its due date" in form["text"]
    assert ("textarea", {"name": "override_reason", "cols": "40", "rows": "2", "maxlength": "500",
                         "aria-describedby": f"id_phase{phase.pk}_start_override_reason_helptext",
                         "id": f"id_phase{phase.pk}_start_override_reason"}) in form["inside"]  # fmt: skip
    assert ("input", {"type": "hidden", "name": "section", "value": section}) in form["inside"]
    # Not at the top of the page, far from the field.
    assert "past its due date" not in body[: body.index('<nav class="project-tabs"')]

    # Overriding from that same form goes ahead and lands back on the same section.
    response = alice_client.post(url, {"section": section, "override_reason": "Paid in cash today."})
    assert response.status_code == 302
    assert response["Location"] == reverse(SECTIONS[section], args=[project.pk]) + f"#phase-{phase.pk}"
    phase.refresh_from_db()
    assert phase.status == Phase.Status.IN_PROGRESS


def test_with_htmx_a_refusal_re_renders_the_section_it_came_from(alice_client, alice):
    project, phase = billable_project(alice)
    project.mark_contracted(alice)
    overdue_invoice(project)
    url = reverse("projects:phase_start", args=[phase.pk])
    response = alice_client.post(url, {"section": "phases"}, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="project-main" class="project-page section-phases"')
    assert "<html" not in body
    form = next(f for f in elements(body, "form") if f["attrs"].get("action") == url)
    assert "past its due date" in form["text"]


# -- where actions land -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("posted", "lands"),
    [
        ("overview", "overview"),
        ("phases", "phases"),
        ("", "overview"),
        ("history", "overview"),
        ("<script>", "overview"),
    ],
)
def test_a_phase_action_lands_on_the_section_it_was_taken_from(alice_client, alice, posted, lands):
    project = contracted(alice, 2)
    first = phases_of(project)[0]
    url = reverse("projects:phase_start", args=[first.pk])
    response = alice_client.post(url, {"section": posted}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert response["Location"] == reverse(SECTIONS[lands], args=[project.pk]) + f"#phase-{first.pk}"
    followed = alice_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Phase 1 has started." in followed
    assert f'id="phase-{first.pk}"' in followed


def test_with_htmx_a_phase_action_re_renders_the_phases_section(alice_client, alice):
    project = contracted(alice, 2)
    first = phases_of(project)[0]
    response = alice_client.post(
        reverse("projects:phase_start", args=[first.pk]), {"section": "phases"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="project-main" class="project-page section-phases"')
    assert len(elements(body, "article")) == 2


def test_risk_actions_land_on_the_risk_register(alice_client, alice):
    project = contracted(alice, 1)
    data = {
        "description": "The photographer is late",
        "party": "client",
        "third_party": "",
        "likelihood": "2",
        "impact": "3",
        "mitigation": "Stock photos",
        "status": "open",
    }
    response = alice_client.post(reverse("projects:risk_create", args=[project.pk]), data)
    assert response["Location"] == f"/projects/{project.pk}/risks/"
    assert "The photographer is late" in body_of(alice_client, project, "risks")
    risk = project.risks.get()
    response = alice_client.post(reverse("projects:risk_delete", args=[risk.pk]), HTTP_HX_REQUEST="true")
    assert response.content.decode().lstrip().startswith('<div id="project-main" class="project-page section-risks"')


def test_stopping_lands_on_the_overview_and_the_reason_on_the_history(alice_client, alice):
    project = contracted(alice, 1)
    response = alice_client.post(reverse("projects:project_stop", args=[project.pk]), {"reason": "Sold the shop"})
    assert response["Location"] == f"/projects/{project.pk}/#project-actions"
    assert "Sold the shop" in body_of(alice_client, project, "history")


# -- print ------------------------------------------------------------------------------------------------------------


def test_the_print_view_holds_every_section_in_one_document_without_tabs(alice_client, alice):
    project = contracted(alice, 3)
    phases_of(project)[0].start(alice)
    RiskFactory(project=project, description="The photographer is late")
    body = body_of(alice_client, project, "print")
    for section_id in ("glance", "timeline", "phases", "time", "profitability", "risks", "history"):
        assert f'id="{section_id}"' in body, section_id
    assert len(elements(body, "article")) == 3  # every phase once: no separate "next action" on paper
    assert '<nav class="project-tabs"' not in body
    assert "The photographer is late" in body
    assert 'class="project-page project-print"' in body  # its stylesheet hides forms and buttons
    assert len(elements(body, "h1")) == 1


def test_the_stylesheet_prints_without_navigation_forms_or_buttons(client):
    from django.contrib.staticfiles import finders

    with open(finders.find("css/project.css"), encoding="utf-8") as stylesheet:
        css = stylesheet.read()
    media = css[css.index("@media print") :]
    for selector in (".topbar", ".project-tabs", ".project-page form", ".project-page .button"):
        assert selector in media


# -- queries: constant per section --------------------------------------------------------------------------------


def busy(owner, count: int) -> Project:
    """A project with `count` phases, risks, history events, wishes and time entries."""
    project, first = billable_project(owner)
    for position in range(2, count + 1):
        PhaseFactory(project=project, position=position)
    project.mark_contracted(owner)
    first.start(owner)
    for n in range(count):
        RiskFactory(project=project)
        ChangeRequest.objects.create(project=project, title=f"Wish {n}")
        project.log(PhaseEvent.Kind.DEADLINE_SET, owner, phase=first, old=None, new=f"2027-03-{n % 28 + 1:02d}")
        time_entries.record_time(project, actor=owner, day=TODAY, hours=Decimal("1"), phase=first, note=f"E{n}")
    return project


@pytest.mark.parametrize("section", list(SECTIONS))
def test_each_section_runs_the_same_queries_for_1_and_20_of_everything(alice_client, alice, pages_built, section):
    small, large = busy(alice, 1), busy(alice, 20)
    get(alice_client, small, section)  # warm up: the session, content types
    with CaptureQueriesContext(connection) as one:
        assert get(alice_client, small, section).status_code == 200
    with CaptureQueriesContext(connection) as twenty:
        assert get(alice_client, large, section).status_code == 200
    assert len(one) == len(twenty), [q["sql"] for q in twenty.captured_queries]


def test_the_overview_queries_fewer_than_the_whole_page_did(alice_client, alice):
    project = busy(alice, 5)
    get(alice_client, project)
    with CaptureQueriesContext(connection) as overview:
        get(alice_client, project)
    with CaptureQueriesContext(connection) as printed:
        get(alice_client, project, "print")
    sql = " ".join(q["sql"] for q in overview.captured_queries)
    assert "contracts_timeentry" not in sql  # no hours, no profitability
    assert "projects_phaseevent" not in sql  # no history
    assert len(overview) < len(printed)


def test_a_risk_edit_row_still_swaps_in_with_htmx(alice_client, alice):
    project = contracted(alice, 1)
    risk = RiskFactory(project=project)
    response = alice_client.get(reverse("projects:risk_edit", args=[risk.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert re.match(rf'\s*<tr id="risk-{risk.pk}" class="risk-editing">', response.content.decode())


@pytest.mark.parametrize(
    ("url_name", "href"),
    [("projects:project_plan", "/plan/"), ("projects:bucket", "/bucket/"), ("contracts:contract", "/contract/")],
)
def test_the_plan_bucket_and_contract_pages_carry_the_tabs_and_mark_their_own(alice_client, alice, url_name, href):
    project = contracted(alice)
    response = alice_client.get(reverse(url_name, args=[project.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    found = tabs(response.content.decode())
    assert [url for url, aria in found if aria == "page"] == [reverse(url_name, args=[project.pk])]
    assert reverse(url_name, args=[project.pk]).endswith(href)
    assert (f"/projects/{project.pk}/", None) in found
