"""The project list and the project page: timeline, phase actions, project actions, risks, history.

Everything goes through the test client, then reads the database back.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import ChangeRequest, Phase, PhaseEvent, Project, Risk
from tests.factories import ClientFactory, ProjectFactory, RiskFactory, project_with_phases

pytestmark = pytest.mark.django_db

AMS = ZoneInfo("Europe/Amsterdam")
TODAY = date(2027, 1, 11)  # a Monday; the factories' hard first deadline is 1 March 2027


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2027, 1, 11, 10, 0, tzinfo=AMS), tick=False) as traveller:
        yield traveller


# -- helpers -------------------------------------------------------------------------------


class _TableReader(HTMLParser):
    """Collects every table as {caption, rows: [[cell text, ...], ...]}."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._stack: list[dict] = []
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._stack.append({"caption": "", "rows": []})
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr" and self._stack:
            self._stack[-1]["rows"].append([])
        elif tag in ("td", "th") and self._stack:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table" and self._stack:
            self.tables.append(self._stack.pop())
        elif tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None and self._stack:
            self._stack[-1]["rows"][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._in_caption and self._stack:
            self._stack[-1]["caption"] += data.strip()
        elif self._cell is not None:
            self._cell.append(data)


def table(html: str, caption: str) -> list[list[str]]:
    reader = _TableReader()
    reader.feed(html)
    matches = [t["rows"] for t in reader.tables if t["caption"] == caption]
    assert matches, f"no table with caption {caption!r}"
    return matches[0]


def card(html: str, phase: Phase) -> str:
    """The HTML of one phase card."""
    start = html.index(f'id="phase-{phase.pk}"')
    return html[start : html.index("</article>", start)]


def section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


SECTION_URLS = {
    "overview": "projects:project_detail",
    "phases": "projects:project_phases",
    "money": "projects:project_money",
    "risks": "projects:project_risks",
    "history": "projects:project_history",
    "print": "projects:project_print",
}


def page(client, project: Project, lang: str = "en", section: str = "overview", **extra):
    """One section of the project page; the overview is the page itself."""
    url = reverse(SECTION_URLS[section], args=[project.pk])
    return client.get(url, HTTP_ACCEPT_LANGUAGE=lang, **extra)


def post(client, name: str, pk: int, data: dict | None = None, **extra):
    return client.post(reverse(f"projects:{name}", args=[pk]), data or {}, HTTP_ACCEPT_LANGUAGE="en", **extra)


def phases_of(project: Project) -> list[Phase]:
    return list(project.phases.order_by("position"))


def contracted(owner, count: int = 3, **fields) -> Project:
    project = project_with_phases(owner, count, **fields)
    project.mark_contracted(owner)
    return project


def accept_first_phase(project: Project, actor, on: date = TODAY) -> list[Phase]:
    first = phases_of(project)[0]
    first.start(actor)
    first.deliver(actor)
    first.accept(actor, accepted_at=datetime(on.year, on.month, on.day, 11, 0, tzinfo=AMS), reason="By phone.")
    return phases_of(project)


def many_projects(owner, count: int) -> None:
    """`count` projects with two phases each, created in bulk."""
    client = ClientFactory(owner=owner)
    projects = Project.objects.bulk_create(
        Project(owner=owner, client=client, name=f"Bulk {n}", first_deadline=date(2027, 3, 1)) for n in range(count)
    )
    Phase.objects.bulk_create(
        Phase(project=project, position=position, title=f"Phase {position}")
        for project in projects
        for position in (1, 2)
    )


# -- the project list ------------------------------------------------------------------------------


def test_the_project_list_needs_login(client):
    response = client.get(reverse("projects:project_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_project_list_shows_only_own_projects(alice_client, alice, bob):
    ProjectFactory(owner=alice, name="Alice's webshop")
    ProjectFactory(owner=bob, name="Bob's intranet")
    body = alice_client.get(reverse("projects:project_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Alice&#x27;s webshop" in body
    assert "intranet" not in body


def test_the_project_list_filters_by_status(alice_client, alice):
    ProjectFactory(owner=alice, name="Still a proposal")
    contracted(alice, 1, name="Signed and sealed")
    url = reverse("projects:project_list")
    response = alice_client.get(url, {"status": "contracted"}, HTTP_ACCEPT_LANGUAGE="en")
    rows = table(response.content.decode(), "Your projects, newest first")
    assert [row[0] for row in rows[1:]] == ["Signed and sealed"]
    response = alice_client.get(url, {"status": "proposal"}, HTTP_ACCEPT_LANGUAGE="en")
    assert [row[0] for row in table(response.content.decode(), "Your projects, newest first")[1:]] == [
        "Still a proposal"
    ]
    # An unknown status shows everything rather than failing.
    response = alice_client.get(url, {"status": "<script>"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert len(table(response.content.decode(), "Your projects, newest first")) == 3


def test_the_project_list_shows_the_next_due_date_its_kind_and_accepted_phases(alice_client, alice):
    project = contracted(alice, 3, name="Webshop")
    rows = table(
        alice_client.get("/projects/", HTTP_ACCEPT_LANGUAGE="en").content.decode(), "Your projects, newest first"
    )
    assert rows[0] == ["Project", "Client", "Status", "Next due date", "Phases accepted"]
    assert rows[1][0] == "Webshop"
    assert rows[1][2] == "Contracted"
    assert rows[1][3] == "1 Mar 2027 hard"
    assert rows[1][4] == "0 of 3"
    second = accept_first_phase(project, alice)[1]
    rows = table(
        alice_client.get("/projects/", HTTP_ACCEPT_LANGUAGE="en").content.decode(), "Your projects, newest first"
    )
    assert rows[1][3] == f"{second.due_date:%-d %b %Y} fixed"
    assert rows[1][4] == "1 of 3"


def test_the_project_list_links_to_the_project_and_the_client(alice_client, alice):
    project = ProjectFactory(owner=alice)
    body = alice_client.get("/projects/").content.decode()
    assert f'href="/projects/{project.pk}/"' in body
    assert f'href="/clients/{project.client_id}/"' in body


def test_the_project_list_paginates_at_50(alice_client, alice):
    many_projects(alice, 60)
    first = alice_client.get("/projects/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert len(table(first, "Your projects, newest first")) == 51  # header + 50
    assert "Page 1 of 2" in first
    second = alice_client.get("/projects/", {"page": 2}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert len(table(second, "Your projects, newest first")) == 11
    assert alice_client.get("/projects/", {"page": "nonsense"}).status_code == 200


def test_the_project_list_runs_the_same_queries_for_1_and_200_projects(alice_client, alice):
    many_projects(alice, 1)
    with CaptureQueriesContext(connection) as one:
        assert alice_client.get("/projects/").status_code == 200
    many_projects(alice, 199)
    with CaptureQueriesContext(connection) as many:
        assert alice_client.get("/projects/").status_code == 200
    assert len(one) == len(many), [q["sql"] for q in many.captured_queries]
    assert len(many) <= 7


# -- the project page: header, timeline, phase cards ----------------------------------------------------


def test_the_project_page_needs_login(client, alice):
    project = ProjectFactory(owner=alice)
    assert page(client, project).status_code == 302


def test_the_header_shows_name_client_status_goal_and_the_plan_link(alice_client, alice):
    project = ProjectFactory(owner=alice, name="Webshop Bakkerij", goal="More returning customers.")
    body = page(alice_client, project).content.decode()
    assert body.count("<h1") == 1
    assert "<h1>Webshop Bakkerij</h1>" in body
    assert f'<a href="/clients/{project.client_id}/">{project.client.name}</a>' in body
    assert f'href="/projects/{project.pk}/plan/">Edit plan</a>' in body
    assert "More returning customers." in body
    assert "Proposal</span>" in body


def test_the_phase_dates_table_labels_hard_fixed_and_projected_dates(alice_client, alice):
    project = contracted(alice, 3)
    phases = accept_first_phase(project, alice, on=date(2027, 1, 8))
    rows = table(page(alice_client, project).content.decode(), "Phase dates")
    assert rows[0] == ["Phase", "Due date", "Kind", "Accepted on"]
    assert rows[1] == ["1. Phase 1", "1 March 2027", "hard", "8 January 2027"]
    # Two weeks after the acceptance on Friday 8 January: Friday 22 January, fixed.
    assert phases[1].due_date == date(2027, 1, 22)
    assert rows[2] == ["2. Phase 2", "22 January 2027", "fixed", "—"]
    # Projected: two weeks after phase 2's date.
    assert rows[3] == ["3. Phase 3", "5 February 2027", "projected", "—"]


def test_the_timeline_is_an_accessible_svg_with_a_today_line_and_a_legend(alice_client, alice):
    project = contracted(alice, 3)
    timeline = section(page(alice_client, project).content.decode(), "timeline")
    svg_tag = timeline[timeline.index("<svg") : timeline.index(">", timeline.index("<svg"))]
    assert 'role="img"' in svg_tag
    assert 'aria-labelledby="timeline-title timeline-desc"' in svg_tag
    assert '<title id="timeline-title">Timeline</title>' in timeline
    assert '<desc id="timeline-desc">3 phases on a time axis' in timeline
    assert 'class="timeline-today"' in timeline
    assert "today is 11 January 2027" in timeline
    assert 'class="timeline-marker marker-hard"' in timeline
    assert timeline.count('class="timeline-marker marker-projected"') == 2
    assert 'aria-label="Legend"' in timeline


def test_without_a_first_deadline_the_timeline_shows_an_empty_state(alice_client, alice):
    project = project_with_phases(alice, 2, first_deadline=None)
    timeline = section(page(alice_client, project).content.decode(), "timeline")
    assert "Set the hard first deadline in the plan" in timeline
    assert "<svg" not in timeline


def test_a_proposal_offers_the_contract_but_no_start_button(alice_client, alice):
    project = project_with_phases(alice, 2)
    body = page(alice_client, project, section="phases").content.decode()
    assert "Start phase" not in body
    assert "Work starts once the project is contracted." in card(body, phases_of(project)[0])
    overview = page(alice_client, project).content.decode()
    assert "Start phase" not in overview
    assert ">Mark as contracted</button>" in overview


def test_phase_2_shows_the_waiting_reason_instead_of_a_start_button(alice_client, alice):
    project = contracted(alice, 2)
    first, second = phases_of(project)
    body = page(alice_client, project, section="phases").content.decode()
    assert ">Start phase 1</button>" in card(body, first)
    assert "Start phase 2" not in body
    assert "Waiting for the client to accept phase 1" in card(body, second)


def test_each_status_shows_only_its_own_actions(alice_client, alice):
    project = contracted(alice, 2)
    first = phases_of(project)[0]
    buttons = re.compile(r"<button[^>]*>([^<]+)</button>")

    def actions() -> list[str]:
        return buttons.findall(card(page(alice_client, project, section="phases").content.decode(), first))

    assert actions() == ["Start phase 1"]
    first.start(alice)
    assert actions() == ["Mark phase 1 delivered"]
    first.deliver(alice)
    assert actions() == [
        "Send the acceptance link",
        "Record acceptance of phase 1",
        "Record changes requested for phase 1",
    ]
    first.request_changes(alice, comment="Bigger logo")
    assert actions() == ["Resume work on phase 1"]
    first.resume(alice)
    first.deliver(alice)
    first.accept(alice, reason="Mail from Jan")
    assert actions() == []
    assert "Accepted on 11 January 2027" in card(page(alice_client, project, section="phases").content.decode(), first)


def test_a_phase_card_shows_price_rule_scope_and_the_total_estimate(alice_client, alice):
    project = project_with_phases(alice, 2)
    first, second = phases_of(project)
    item = first.scope_items.first()
    item.estimate_hours = Decimal("1.5")
    item.save()
    body = page(alice_client, project, section="phases").content.decode()
    first_card, second_card = card(body, first), card(body, second)
    assert "€2,500.00" in first_card
    assert "hard deadline" in first_card
    assert "2 weeks after acceptance of phase 1" in second_card
    assert re.search(r"Total estimate</th><td[^>]*>9.50 h<", first_card)
    assert re.search(r"Total estimate</th><td[^>]*>16 h<", second_card)


def test_money_and_hours_are_formatted_the_dutch_way_in_dutch(alice_client, alice):
    project = project_with_phases(alice, 1)
    phase = phases_of(project)[0]
    Phase.objects.filter(pk=phase.pk).update(fixed_price=Decimal("12500.50"))
    body = page(alice_client, project, lang="nl", section="phases").content.decode()
    assert "€\xa012.500,50" in card(body, phase)
    assert "€12,500.50" in card(page(alice_client, project, lang="en", section="phases").content.decode(), phase)


def test_a_time_and_materials_phase_shows_no_fixed_price(alice_client, alice):
    project = project_with_phases(alice, 1)
    phase = phases_of(project)[0]
    Phase.objects.filter(pk=phase.pk).update(pricing=Phase.Pricing.TIME, fixed_price=None)
    assert "Time and materials" in card(page(alice_client, project, section="phases").content.decode(), phase)


# -- phase actions -----------------------------------------------------------------------------------------------


def test_starting_phase_1_makes_the_project_active(alice_client, alice):
    project = contracted(alice, 2)
    first = phases_of(project)[0]
    response = post(alice_client, "phase_start", first.pk)
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{project.pk}/#phase-{first.pk}"
    first.refresh_from_db()
    project.refresh_from_db()
    assert first.status == Phase.Status.IN_PROGRESS
    assert project.status == Project.Status.ACTIVE
    followed = alice_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Phase 1 has started." in followed


def test_starting_phase_2_before_phase_1_is_accepted_is_refused_and_changes_nothing(alice_client, alice):
    project = contracted(alice, 2)
    second = phases_of(project)[1]
    events = PhaseEvent.objects.count()
    response = post(alice_client, "phase_start", second.pk)
    assert response.status_code == 422
    assert "Phase 2 cannot start before the client has accepted phase 1." in response.content.decode()
    second.refresh_from_db()
    assert second.status == Phase.Status.PLANNED
    assert PhaseEvent.objects.count() == events


def test_starting_a_phase_of_a_proposal_is_refused(alice_client, alice):
    project = project_with_phases(alice, 1)
    first = phases_of(project)[0]
    response = post(alice_client, "phase_start", first.pk)
    assert response.status_code == 422
    assert "Work starts once the project is contracted. This project is proposal." in response.content.decode()
    first.refresh_from_db()
    assert first.status == Phase.Status.PLANNED


def test_delivering_records_the_note(alice_client, alice):
    project = contracted(alice, 1)
    first = phases_of(project)[0]
    first.start(alice)
    response = post(alice_client, "phase_deliver", first.pk, {"note": "Staging: https://staging.example.nl"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == Phase.Status.DELIVERED
    assert first.delivered_at is not None
    event = PhaseEvent.objects.filter(phase=first, kind=PhaseEvent.Kind.TRANSITION).first()
    assert event.data == {"old": "in_progress", "new": "delivered"}
    assert event.reason == "Staging: https://staging.example.nl"


def test_a_double_post_of_deliver_writes_one_event(alice_client, alice):
    project = contracted(alice, 1)
    first = phases_of(project)[0]
    first.start(alice)
    assert post(alice_client, "phase_deliver", first.pk, {"note": "Done"}).status_code == 302
    again = post(alice_client, "phase_deliver", first.pk, {"note": "Done"})
    assert again.status_code == 422
    assert "A phase that is delivered cannot become delivered." in again.content.decode()
    delivered = PhaseEvent.objects.filter(phase=first, kind=PhaseEvent.Kind.TRANSITION, data__new="delivered")
    assert delivered.count() == 1


def test_recording_acceptance_fixes_the_next_phase_due_date(alice_client, alice):
    project = contracted(alice, 3)
    first, second, _third = phases_of(project)
    first.start(alice)
    first.deliver(alice)
    response = post(alice_client, "phase_accept", first.pk, {"note": "Jan accepted by phone.", "accepted_on": ""})
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Phase.Status.ACCEPTED
    assert second.due_date == date(2027, 1, 25)  # two weeks after Monday 11 January
    assert PhaseEvent.objects.get(phase=first, data__new="accepted").reason == "Jan accepted by phone."
    assert PhaseEvent.objects.filter(phase=second, kind=PhaseEvent.Kind.DUE_DATE_FIXED).exists()
    body = alice_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Phase 1 is accepted. Phase 2 is now due on 25 January 2027." in body
    assert table(body, "Phase dates")[2] == ["2. Phase 2", "25 January 2027", "fixed", "—"]


def test_an_acceptance_given_earlier_counts_the_next_due_date_from_that_day(alice_client, alice, frozen):
    project = contracted(alice, 2)
    first, second = phases_of(project)
    frozen.move_to(datetime(2027, 1, 4, 10, 0, tzinfo=AMS))
    first.start(alice)
    first.deliver(alice)
    frozen.move_to(datetime(2027, 1, 11, 10, 0, tzinfo=AMS))
    post(
        alice_client,
        "phase_accept",
        first.pk,
        {"note": "Said yes on the phone last Thursday.", "accepted_on": "2027-01-07"},
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.accepted_at.astimezone(AMS).date() == date(2027, 1, 7)
    assert second.due_date == date(2027, 1, 21)


def test_recording_acceptance_needs_a_note_and_changes_nothing_without_one(alice_client, alice):
    project = contracted(alice, 2)
    first = phases_of(project)[0]
    first.start(alice)
    first.deliver(alice)
    response = post(alice_client, "phase_accept", first.pk, {"note": "  "})
    assert response.status_code == 422
    assert "Say how the client accepted" in response.content.decode()
    first.refresh_from_db()
    assert first.status == Phase.Status.DELIVERED


def test_an_acceptance_in_the_future_is_refused_and_the_typed_note_is_kept(alice_client, alice):
    project = contracted(alice, 2)
    first = phases_of(project)[0]
    first.start(alice)
    first.deliver(alice)
    response = post(alice_client, "phase_accept", first.pk, {"note": "Jan said yes", "accepted_on": "2027-02-01"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "The client cannot have accepted in the future." in body
    assert ">\nJan said yes</textarea>" in body
    first.refresh_from_db()
    assert first.status == Phase.Status.DELIVERED


def test_changes_requested_needs_a_comment_and_changes_nothing_without_one(alice_client, alice):
    project = contracted(alice, 1)
    first = phases_of(project)[0]
    first.start(alice)
    first.deliver(alice)
    events = PhaseEvent.objects.count()
    response = post(alice_client, "phase_request_changes", first.pk, {"comment": ""})
    assert response.status_code == 422
    assert "Say which changes are needed." in response.content.decode()
    first.refresh_from_db()
    assert first.status == Phase.Status.DELIVERED
    assert PhaseEvent.objects.count() == events


def test_changes_requested_then_resume(alice_client, alice):
    project = contracted(alice, 1)
    first = phases_of(project)[0]
    first.start(alice)
    first.deliver(alice)
    assert (
        post(alice_client, "phase_request_changes", first.pk, {"comment": "The logo is too small."}).status_code == 302
    )
    first.refresh_from_db()
    assert first.status == Phase.Status.CHANGES_REQUESTED
    assert PhaseEvent.objects.get(phase=first, data__new="changes_requested").reason == "The logo is too small."
    assert post(alice_client, "phase_resume", first.pk).status_code == 302
    first.refresh_from_db()
    assert first.status == Phase.Status.IN_PROGRESS


def test_with_htmx_an_action_returns_only_the_main_section(alice_client, alice):
    project = contracted(alice, 2)
    first = phases_of(project)[0]
    response = post(alice_client, "phase_start", first.pk, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="project-main"')
    assert "<html" not in body
    assert "Phase 1 has started." in body
    assert ">Mark phase 1 delivered</button>" in body
    # The message was shown in the fragment; it does not come back on the next page.
    assert "Phase 1 has started." not in page(alice_client, project).content.decode()


def test_with_htmx_a_refused_action_returns_the_section_with_422_and_the_reason(alice_client, alice):
    project = contracted(alice, 2)
    second = phases_of(project)[1]
    response = post(alice_client, "phase_start", second.pk, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="project-main"')
    assert "Phase 2 cannot start before the client has accepted phase 1." in body


def test_the_page_lets_htmx_swap_422_responses(alice_client, alice):
    body = page(alice_client, ProjectFactory(owner=alice)).content.decode()
    assert '<meta name="htmx-config"' in body
    assert '{"code": "422", "swap": true}' in body


def test_phases_of_a_stopped_project_do_not_move(alice_client, alice):
    project = contracted(alice, 1)
    first = phases_of(project)[0]
    first.start(alice)
    project.refresh_from_db()
    project.stop(alice, reason="Client went bankrupt.")
    response = post(alice_client, "phase_deliver", first.pk, {"note": ""})
    assert response.status_code == 422
    assert "This project is stopped; its phases do not change." in response.content.decode()
    first.refresh_from_db()
    assert first.status == Phase.Status.IN_PROGRESS
    assert "Mark phase 1 delivered" not in page(alice_client, project).content.decode()


# -- project actions ---------------------------------------------------------------------------------------------


def test_marking_a_proposal_contracted(alice_client, alice):
    project = project_with_phases(alice, 2)
    response = post(alice_client, "project_mark_contracted", project.pk)
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == Project.Status.CONTRACTED
    assert "Mark as contracted" not in page(alice_client, project).content.decode()


def test_marking_contracted_without_phases_is_refused_with_the_reason(alice_client, alice):
    project = ProjectFactory(owner=alice)
    response = post(alice_client, "project_mark_contracted", project.pk)
    assert response.status_code == 422
    assert "Plan at least one phase before the project is contracted." in response.content.decode()
    project.refresh_from_db()
    assert project.status == Project.Status.PROPOSAL


def test_stopping_needs_a_reason(alice_client, alice):
    project = contracted(alice, 1)
    response = post(alice_client, "project_stop", project.pk, {"reason": "   "})
    assert response.status_code == 422
    assert "Say why the project stops" in response.content.decode()
    project.refresh_from_db()
    assert project.status == Project.Status.CONTRACTED


def test_stopping_with_a_reason_keeps_it(alice_client, alice):
    project = contracted(alice, 1)
    assert post(alice_client, "project_stop", project.pk, {"reason": "The client sold the shop."}).status_code == 302
    project.refresh_from_db()
    assert project.status == Project.Status.STOPPED
    assert project.stopped_reason == "The client sold the shop."
    assert "Stop project" not in page(alice_client, project).content.decode()
    body = page(alice_client, project, section="history").content.decode()
    assert "The client sold the shop." in section(body, "history")


RENEGOTIATION = {
    "new_deadline": "2027-03-15",
    "reason": "The photos arrive two weeks late.",
    "client_agreement": "Jan agreed by mail: two weeks more, no extra cost.",
}


def test_renegotiation_needs_a_reason_and_what_the_client_agreed(alice_client, alice):
    project = contracted(alice, 2)
    events = PhaseEvent.objects.count()
    response = post(
        alice_client, "project_renegotiate", project.pk, {**RENEGOTIATION, "reason": "", "client_agreement": ""}
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "Say why the deadline moves." in body
    assert "Record what the client agreed to" in body
    assert 'value="2027-03-15"' in body  # the typed date is kept
    project.refresh_from_db()
    assert project.first_deadline == date(2027, 3, 1)
    assert PhaseEvent.objects.count() == events


def test_renegotiation_refuses_a_date_in_the_past(alice_client, alice):
    project = contracted(alice, 2)
    response = post(alice_client, "project_renegotiate", project.pk, {**RENEGOTIATION, "new_deadline": "2027-01-10"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "The new deadline is in the past." in body
    assert RENEGOTIATION["client_agreement"] in body  # typed text is kept
    project.refresh_from_db()
    assert project.first_deadline == date(2027, 3, 1)


def test_renegotiation_moves_the_deadline_and_writes_an_event(alice_client, alice):
    project = contracted(alice, 2)
    response = post(alice_client, "project_renegotiate", project.pk, RENEGOTIATION)
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.first_deadline == date(2027, 3, 15)
    event = PhaseEvent.objects.get(project=project, kind=PhaseEvent.Kind.RENEGOTIATED)
    assert event.reason == RENEGOTIATION["reason"]
    assert event.data["client_agreement"] == RENEGOTIATION["client_agreement"]
    assert event.actor == alice
    assert response["Location"] == f"/projects/{project.pk}/#timeline"
    body = alice_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    history = section(page(alice_client, project, section="history").content.decode(), "history")
    assert "First deadline renegotiated" in history
    assert "1 March 2027 → 15 March 2027" in history
    assert table(body, "Phase dates")[1][1:3] == ["15 March 2027", "hard"]


def test_renegotiation_is_offered_only_while_contracted_and_phase_1_is_open(alice_client, alice):
    proposal = project_with_phases(alice, 2)
    assert "Renegotiate first deadline" not in page(alice_client, proposal).content.decode()
    project = contracted(alice, 2)
    assert "Renegotiate first deadline" in page(alice_client, project).content.decode()
    accept_first_phase(project, alice)
    assert "Renegotiate first deadline" not in page(alice_client, project).content.decode()
    response = post(alice_client, "project_renegotiate", project.pk, RENEGOTIATION)
    assert response.status_code == 422
    assert "Phase 1 is already accepted; its deadline is history." in response.content.decode()


# -- the risk register -------------------------------------------------------------------------------------------

RISK = {
    "description": "The client's photographer does not deliver the photos.",
    "party": "third_party",
    "third_party": "Foto Jansen",
    "likelihood": "3",
    "impact": "2",
    "mitigation": "After 5 working days: stock photos, at the client's cost.",
    "status": "open",
}


def test_adding_a_risk(alice_client, alice):
    project = ProjectFactory(owner=alice)
    response = post(alice_client, "risk_create", project.pk, RISK)
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{project.pk}/risks/"
    risk = Risk.objects.get(project=project)
    assert (risk.third_party, risk.score) == ("Foto Jansen", 6)
    rows = table(page(alice_client, project, section="risks").content.decode(), "Risks, highest score first")
    assert rows[0][:7] == ["Risk", "Whose risk", "Likelihood", "Impact", "Score", "Mitigation plan", "Status"]
    assert rows[1][1:5] == ["A third party: Foto Jansen", "high", "medium", "6"]


def test_the_add_form_page_works_without_javascript(alice_client, alice):
    project = ProjectFactory(owner=alice)
    response = alice_client.get(reverse("projects:risk_create", args=[project.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "<h1>Add a risk</h1>" in response.content.decode()


def test_a_third_party_risk_needs_the_name_of_the_third_party(alice_client, alice):
    project = ProjectFactory(owner=alice)
    response = post(alice_client, "risk_create", project.pk, {**RISK, "third_party": ""})
    assert response.status_code == 422
    body = response.content.decode()
    assert "Name the third party, so the plan says who to chase." in body
    assert RISK["mitigation"].replace("'", "&#x27;") in body  # typed text is kept
    assert not Risk.objects.exists()


def test_with_htmx_an_invalid_risk_re_renders_the_register_with_the_error(alice_client, alice):
    project = ProjectFactory(owner=alice)
    response = post(alice_client, "risk_create", project.pk, {**RISK, "third_party": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="project-main"')
    assert "Name the third party" in section(body, "risks")
    assert '<details class="action-details" open>' in section(body, "risks")


def test_script_in_a_risk_is_stored_as_typed_and_escaped(alice_client, alice):
    project = ProjectFactory(owner=alice)
    hostile = '<script>alert("risk")</script>'
    post(alice_client, "risk_create", project.pk, {**RISK, "description": hostile})
    assert Risk.objects.get().description == hostile
    body = page(alice_client, project, section="risks").content.decode()
    assert hostile not in body
    assert "&lt;script&gt;alert(&quot;risk&quot;)&lt;/script&gt;" in body


def test_a_10000_character_description_is_refused_with_a_clear_message(alice_client, alice):
    project = ProjectFactory(owner=alice)
    response = post(alice_client, "risk_create", project.pk, {**RISK, "description": "x" * 10_000})
    assert response.status_code == 422
    assert "Ensure this value has at most 2000 characters (it has 10000)." in response.content.decode()
    assert not Risk.objects.exists()


def test_editing_a_risk(alice_client, alice):
    project = ProjectFactory(owner=alice)
    risk = RiskFactory(project=project)
    form_page = alice_client.get(reverse("projects:risk_edit", args=[risk.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert form_page.status_code == 200
    assert "the client&#x27;s photographer" in form_page.content.decode()
    response = post(
        alice_client, "risk_edit", risk.pk, {**RISK, "status": "mitigated", "party": "client", "third_party": ""}
    )
    assert response.status_code == 302
    risk.refresh_from_db()
    assert (risk.status, risk.party, risk.likelihood) == ("mitigated", "client", 3)


def test_an_invalid_edit_keeps_the_typed_values_and_changes_nothing(alice_client, alice):
    risk = RiskFactory(project=ProjectFactory(owner=alice))
    response = post(alice_client, "risk_edit", risk.pk, {**RISK, "description": "New words", "mitigation": ""})
    assert response.status_code == 422
    assert ">\nNew words</textarea>" in response.content.decode()
    risk.refresh_from_db()
    assert risk.description != "New words"


def test_with_htmx_editing_swaps_in_a_form_row(alice_client, alice):
    risk = RiskFactory(project=ProjectFactory(owner=alice))
    response = alice_client.get(
        reverse("projects:risk_edit", args=[risk.pk]), HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en"
    )
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="risk-{risk.pk}"')
    assert f'<label for="id_risk{risk.pk}_description">Risk</label>' in body
    invalid = post(alice_client, "risk_edit", risk.pk, {**RISK, "mitigation": ""}, HTTP_HX_REQUEST="true")
    assert invalid.status_code == 422
    assert f'<tr id="risk-{risk.pk}" class="risk-editing">' in invalid.content.decode()


def test_deleting_a_risk_asks_first_without_javascript(alice_client, alice):
    project = ProjectFactory(owner=alice)
    risk = RiskFactory(project=project)
    confirm = alice_client.get(reverse("projects:risk_delete", args=[risk.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert confirm.status_code == 200
    assert "Remove this risk from the register?" in confirm.content.decode()
    assert Risk.objects.filter(pk=risk.pk).exists()
    response = post(alice_client, "risk_delete", risk.pk)
    assert response.status_code == 302
    assert not Risk.objects.filter(pk=risk.pk).exists()


def test_risks_are_sorted_by_score_highest_first(alice_client, alice):
    project = ProjectFactory(owner=alice)
    RiskFactory(project=project, description="Low", likelihood=1, impact=1)
    RiskFactory(project=project, description="High", likelihood=3, impact=3)
    RiskFactory(project=project, description="Middle", likelihood=2, impact=3)
    rows = table(page(alice_client, project, section="risks").content.decode(), "Risks, highest score first")
    assert [(row[0], row[4]) for row in rows[1:]] == [("High", "9"), ("Middle", "6"), ("Low", "1")]


# -- history ---------------------------------------------------------------------------------------------------


def test_the_history_shows_amsterdam_time_who_what_and_the_change(alice_client, alice):
    project = contracted(alice, 2)
    first = phases_of(project)[0]
    first.start(alice)
    PhaseEvent.objects.create(
        project=project, phase=first, kind=PhaseEvent.Kind.TRANSITION, actor_label="Jan (client)",
        data={"old": "delivered", "new": "accepted"}, at=datetime(2027, 1, 11, 15, 30, tzinfo=ZoneInfo("UTC")),
    )  # fmt: skip
    rows = table(page(alice_client, project, section="history").content.decode(), "The latest 50 events, newest first")
    assert rows[0] == ["When", "Who", "What", "Phase", "Details"]
    assert rows[1] == [
        "11 Jan 2027, 16:30",
        "Jan (client)",
        "Phase status changed",
        "1. Phase 1",
        "Delivered → Accepted",
    ]
    assert ["11 Jan 2027, 10:00", "Alice", "Project status changed", "", "Contracted → Active"] in rows


def test_the_history_shows_at_most_50_events(alice_client, alice):
    project = ProjectFactory(owner=alice)
    for n in range(60):
        project.log(PhaseEvent.Kind.PHASE_ADDED, alice, title=f"Phase {n}", position=n + 1)
    rows = table(page(alice_client, project, section="history").content.decode(), "The latest 50 events, newest first")
    assert len(rows) == 51
    assert rows[1][3] == "60. Phase 59"


# -- isolation -----------------------------------------------------------------------------------------------------

ROUTES = [
    ("get", "project_detail", "project", {}),
    ("post", "project_mark_contracted", "project", {}),
    ("post", "project_stop", "project", {"reason": "Because."}),
    ("post", "project_renegotiate", "project", RENEGOTIATION),
    ("post", "phase_start", "phase", {}),
    ("post", "phase_deliver", "phase", {"note": "x"}),
    ("post", "phase_accept", "phase", {"note": "x"}),
    ("post", "phase_request_changes", "phase", {"comment": "x"}),
    ("post", "phase_resume", "phase", {}),
    ("get", "risk_create", "project", {}),
    ("post", "risk_create", "project", RISK),
    ("get", "risk_edit", "risk", {}),
    ("post", "risk_edit", "risk", {**RISK, "description": "Changed"}),
    ("get", "risk_delete", "risk", {}),
    ("post", "risk_delete", "risk", {}),
]


@pytest.mark.parametrize(("method", "name", "target", "data"), ROUTES, ids=[f"{m}-{n}" for m, n, _, _ in ROUTES])
def test_every_view_404s_on_someone_elses_objects_and_changes_nothing(alice_client, bob, method, name, target, data):
    project = contracted(bob, 2)
    phase = phases_of(project)[0]
    risk = RiskFactory(project=project)
    pk = {"project": project.pk, "phase": phase.pk, "risk": risk.pk}[target]
    before = (
        list(Project.objects.values()),
        list(Phase.objects.values()),
        list(Risk.objects.values()),
        PhaseEvent.objects.count(),
    )
    url = reverse(f"projects:{name}", args=[pk])
    response = getattr(alice_client, method)(url, data)
    assert response.status_code == 404
    htmx_response = getattr(alice_client, method)(url, data, HTTP_HX_REQUEST="true")
    assert htmx_response.status_code == 404
    after = (
        list(Project.objects.values()),
        list(Phase.objects.values()),
        list(Risk.objects.values()),
        PhaseEvent.objects.count(),
    )
    assert after == before


def test_actions_only_accept_post(alice_client, alice):
    project = contracted(alice, 1)
    phase = phases_of(project)[0]
    assert alice_client.get(reverse("projects:phase_start", args=[phase.pk])).status_code == 405
    assert alice_client.get(reverse("projects:project_stop", args=[project.pk])).status_code == 405
    phase.refresh_from_db()
    assert phase.status == Phase.Status.PLANNED


# -- performance -----------------------------------------------------------------------------------------------------


def busy_project(owner, phases: int, risks: int, events: int) -> Project:
    project = contracted(owner, phases)
    accept_first_phase(project, owner)
    for _ in range(risks):
        RiskFactory(project=project)
    for n in range(events):
        project.log(
            PhaseEvent.Kind.DEADLINE_SET, owner, phase=phases_of(project)[-1], old=None, new=f"2027-03-{n % 28 + 1:02d}"
        )
    return project


def test_the_project_page_runs_the_same_queries_for_1_and_30_phases(alice_client, alice):
    small = busy_project(alice, phases=1, risks=1, events=1)
    large = busy_project(alice, phases=30, risks=30, events=60)
    with CaptureQueriesContext(connection) as one:
        assert page(alice_client, small).status_code == 200
    with CaptureQueriesContext(connection) as thirty:
        assert page(alice_client, large).status_code == 200
    assert len(one) == len(thirty), [q["sql"] for q in thirty.captured_queries]
    # The overview: user (the session comes from Redis), project, phases, scope, acceptance requests, contacts, invoiced, paid,
    # bucket totals and the rate history (these projects have no rate of their own; with one it is no query).
    # Risks, history, hours and profitability are on their own sections (tests/projects/test_project_sections.py).
    assert len(thirty) <= 10
    assert len(table(page(alice_client, large).content.decode(), "Phase dates")) == 31


def test_the_project_page_runs_the_same_queries_for_1_and_50_time_entries(alice_client, alice):
    from contracts import time_entries
    from contracts.models import TimeEntry

    project = busy_project(alice, phases=3, risks=1, events=1)
    first = phases_of(project)[0]
    wish = ChangeRequest.objects.create(project=project, title="A bigger logo", classification="own_misjudgement")
    time_entries.record_time(project, actor=alice, day=TODAY, hours=Decimal("1"), phase=first)
    with CaptureQueriesContext(connection) as one:
        assert page(alice_client, project, section="money").status_code == 200
    for n in range(49):
        time_entries.record_time(
            project, actor=alice, day=date(2027, 1, 1 + n % 10), hours=Decimal("2"), phase=first,
            change_request=wish if n % 2 else None, note=f"Entry {n}",
        )  # fmt: skip
    assert TimeEntry.objects.filter(project=project).count() == 50
    with CaptureQueriesContext(connection) as fifty:
        body = page(alice_client, project, section="money").content.decode()
    assert len(one) == len(fifty), [q["sql"] for q in fifty.captured_queries]
    assert len(table(body, "The latest 10 entries, newest first")) == 11
    assert table(body, "Hours by role")[-1] == ["All roles", "0 h", "48 h", "51 h", "99 h"]


def test_an_htmx_action_re_renders_with_a_bounded_number_of_queries(alice_client, alice):
    project = busy_project(alice, phases=30, risks=30, events=60)
    second = phases_of(project)[1]
    with CaptureQueriesContext(connection) as queries:
        assert post(alice_client, "phase_start", second.pk, HTTP_HX_REQUEST="true").status_code == 200
    assert len(queries) <= 30, [q["sql"] for q in queries.captured_queries]


def test_an_overdue_phase_is_marked(alice_client, alice, frozen):
    project = contracted(alice, 1)
    frozen.move_to(datetime(2027, 3, 5, 10, 0, tzinfo=AMS))
    alice_client.force_login(alice)  # the session of January has expired
    timeline = section(page(alice_client, project).content.decode(), "timeline")
    assert '<g class="timeline-row row-hard is-overdue">' in timeline
    assert table(timeline + "</table>", "Phase dates")[1][1] == "1 March 2027 overdue"
