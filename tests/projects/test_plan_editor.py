"""Creating a project and editing its phase plan, through the Django test client."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Phase, PhaseEvent, Project, ScopeItem
from tests.factories import ClientFactory, PhaseFactory, ProjectFactory, ScopeItemFactory, project_with_phases

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture(autouse=True)
def _today():
    """Monday 2 November 2026: the 2027 deadlines below are in the future, 1 November is past."""
    with time_machine.travel(datetime(2026, 11, 2, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False):
        yield


# -- helpers ------------------------------------------------------------------------------


def get(client, url):
    return client.get(url, HTTP_ACCEPT_LANGUAGE="en")


def post(client, url, data=None, *, htmx=False, follow=False):
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(url, data or {}, HTTP_ACCEPT_LANGUAGE="en", follow=follow, **extra)


def html(response) -> str:
    return response.content.decode()


def url(name: str, *args) -> str:
    return reverse(f"projects:{name}", args=[getattr(a, "pk", a) for a in args])


def plan_url(project) -> str:
    return url("project_plan", project)


def phase_url(name: str, phase) -> str:
    return url(name, phase.project_id, phase)


def item_url(name: str, item) -> str:
    return url(name, item.phase.project_id, item)


def titles_by_position(project) -> list[tuple[int, str]]:
    return list(project.phases.order_by("position").values_list("position", "title"))


def date_of(page: str, phase) -> tuple[str, str]:
    """The ISO date and the kind shown for `phase`."""
    match = re.search(
        rf'id="phase-date-{phase.pk}"[^>]*>\s*<time datetime="([\d-]+)">[^<]*</time>\s*'
        r'<span class="badge plan-kind-(\w+)">',
        page,
    )
    assert match, f"no date shown for phase {phase.pk}"
    return match.group(1), match.group(2)


def snapshot(project) -> tuple:
    """Everything the editor could change, to prove that nothing did."""
    return (
        list(Project.objects.filter(pk=project.pk).values()),
        list(Phase.objects.filter(project=project).order_by("pk").values()),
        list(ScopeItem.objects.filter(phase__project=project).order_by("pk").values()),
        list(PhaseEvent.objects.filter(project=project).order_by("pk").values_list("pk", flat=True)),
    )


def phase_data(phase, **changes) -> dict:
    values = {
        "title": phase.title,
        "description": phase.description,
        "pricing": phase.pricing,
        "fixed_price": "" if phase.fixed_price is None else str(phase.fixed_price),
        "offset_amount": phase.offset_amount,
        "offset_unit": phase.offset_unit,
        **changes,
    }
    return {f"phase-{phase.pk}-{name}": value for name, value in values.items()}


def new_project_data(client, **changes) -> dict:
    return {
        "client": client.pk,
        "name": "Webshop for the bakery",
        "goal": "More orders from returning customers",
        "first_deadline": "2027-03-05",
        "phase1_title": "Design",
        "phase2_title": "Build",
        "phase2_offset_amount": "3",
        "phase2_offset_unit": "weeks",
        "phase3_title": "Launch",
        "phase3_offset_amount": "5",
        "phase3_offset_unit": "working_days",
        **changes,
    }


def accept_first_phase(project, actor) -> Phase:
    project.mark_contracted(actor)
    first = project.phases.get(position=1)
    first.start(actor)
    first.deliver(actor)
    first.accept(actor)
    return first


@pytest.fixture
def project(alice):
    """Alice's proposal: deadline Monday 1 March 2027, phases 1..3, two 8-hour scope items each."""
    return project_with_phases(alice, 3)


# -- creating a project -------------------------------------------------------------------


def test_it_creates_a_project_with_three_phases_and_logs_the_first_deadline(alice_client, alice):
    client = ClientFactory(owner=alice)

    response = post(alice_client, url("project_new"), new_project_data(client))

    project = Project.objects.get(owner=alice)
    assert response.status_code == 302
    assert response["Location"] == plan_url(project)
    assert (project.client, project.name, project.goal) == (
        client,
        "Webshop for the bakery",
        "More orders from returning customers",
    )
    assert project.status == Project.Status.PROPOSAL
    assert project.first_deadline == date(2027, 3, 5)
    event = project.events.get(kind=PhaseEvent.Kind.DEADLINE_SET)
    assert (event.actor, event.data) == (alice, {"old": None, "new": "2027-03-05"})
    assert list(
        project.phases.order_by("position").values_list("position", "title", "offset_amount", "offset_unit")
    ) == [
        (1, "Design", 2, "weeks"),
        (2, "Build", 3, "weeks"),
        (3, "Launch", 5, "working_days"),
    ]
    assert project.events.filter(kind=PhaseEvent.Kind.PHASE_ADDED).count() == 3


def test_empty_phase_rows_are_ignored(alice_client, alice):
    client = ClientFactory(owner=alice)

    post(alice_client, url("project_new"), new_project_data(client, phase2_title="", phase2_offset_amount=""))

    project = Project.objects.get(owner=alice)
    assert list(project.phases.order_by("position").values_list("position", "title", "offset_amount")) == [
        (1, "Design", 2),
        (2, "Launch", 5),
    ]


def test_a_client_in_the_query_string_is_preselected_and_only_own_clients_are_offered(alice_client, alice, bob):
    ClientFactory(owner=alice, name="Bakkerij Jansen")
    wanted = ClientFactory(owner=alice, name="Slagerij Smit")
    foreign = ClientFactory(owner=bob, name="Bob's client")

    page = html(get(alice_client, url("project_new") + f"?client={wanted.pk}"))

    assert f'<option value="{wanted.pk}" selected>Slagerij Smit</option>' in page
    assert "Bob&#x27;s client" not in page
    page = html(get(alice_client, url("project_new") + f"?client={foreign.pk}"))
    assert '<option value="" selected>Choose a client</option>' in page


def test_without_clients_the_page_explains_and_links_to_a_new_client(alice_client):
    response = get(alice_client, url("project_new"))

    page = html(response)
    assert response.status_code == 200
    assert "you have no clients yet" in page
    assert 'href="/clients/new/"' in page
    assert 'name="name"' not in page


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"name": ""}, "Give the project a name."),
        ({"phase1_title": ""}, "Give phase 1 a title: a project has at least one phase."),
        ({"phase2_offset_amount": "-1"}, "due at least 1 week or working day after the previous phase is accepted"),
        ({"phase3_offset_amount": "0"}, "due at least 1 week or working day after the previous phase is accepted"),
        ({"phase2_offset_amount": "two"}, "Enter a whole number, such as 2."),
        ({"phase2_offset_amount": ""}, "Say how many weeks or working days after the previous acceptance"),
        ({"name": "x" * 10_000}, "Ensure this value has at most 200 characters (it has 10000)."),
        ({"first_deadline": "2026-11-01"}, "The hard first deadline cannot be in the past."),
        ({"first_deadline": ""}, "Set the hard first deadline: the date phase 1 is due."),
        ({"first_deadline": "5 maart"}, "Enter a date such as 2027-03-05."),
    ],
)
def test_bad_project_input_is_refused_clearly_and_the_typed_values_stay(alice_client, alice, changes, error):
    data = new_project_data(ClientFactory(owner=alice), **changes)

    response = post(alice_client, url("project_new"), data)

    page = html(response)
    assert response.status_code == 422
    assert error in page
    assert not Project.objects.exists()
    for name in ("name", "first_deadline", "phase1_title", "phase2_title", "phase3_title", "phase2_offset_amount"):
        if data[name]:
            assert f'value="{data[name]}"' in page, name
    assert ">\nMore orders from returning customers</textarea>" in page
    assert '<option value="working_days" selected>' in page


def test_a_client_of_someone_else_is_not_a_valid_choice(alice_client, alice, bob):
    ClientFactory(owner=alice)
    data = new_project_data(ClientFactory(owner=bob))

    response = post(alice_client, url("project_new"), data)

    assert response.status_code == 422
    assert "Select a valid choice. That choice is not one of the available choices." in html(response)
    assert not Project.objects.exists()


def test_script_in_every_text_field_is_stored_as_typed_and_shown_escaped(alice_client, alice):
    fields = {"name": SCRIPT, "goal": SCRIPT, "phase1_title": SCRIPT, "phase2_title": SCRIPT, "phase3_title": SCRIPT}
    data = new_project_data(ClientFactory(owner=alice), **fields)

    refused = post(alice_client, url("project_new"), {**data, "first_deadline": ""})
    assert refused.status_code == 422
    assert SCRIPT not in html(refused)
    assert f'value="{ESCAPED}"' in html(refused)

    post(alice_client, url("project_new"), data)
    project = Project.objects.get(owner=alice)
    assert (project.name, project.goal) == (SCRIPT, SCRIPT)
    assert set(project.phases.values_list("title", flat=True)) == {SCRIPT}
    page = html(get(alice_client, plan_url(project)))
    assert SCRIPT not in page
    assert ESCAPED in page


# -- the editor ---------------------------------------------------------------------------


def test_the_editor_shows_phases_in_order_with_dates_kinds_and_totals(alice_client, project):
    p1, p2, p3 = project.ordered_phases()

    response = get(alice_client, plan_url(project))

    page = html(response)
    assert response.status_code == 200
    assert page.count("<h1") == 1
    assert date_of(page, p1) == ("2027-03-01", "hard")
    assert date_of(page, p2) == ("2027-03-15", "projected")
    assert date_of(page, p3) == ("2027-03-30", "projected")  # 29 March 2027 is Easter Monday
    assert page.index(f'id="phase-{p1.pk}"') < page.index(f'id="phase-{p2.pk}"') < page.index(f'id="phase-{p3.pk}"')
    assert f'name="phase-{p1.pk}-offset_amount"' not in page  # phase 1 has the hard deadline
    assert f'name="phase-{p2.pk}-offset_amount"' in page
    assert "Estimate: 16 hours" in page
    assert "48 hours" in page
    for label in ("Title of phase 2", "Offset of phase 3", "Estimate in hours for scope item 2 of phase 3"):
        assert label in page
    for button in (
        "Save phase 2",
        "Move phase 2 up",
        "Move phase 2 down",
        "Remove phase 3",
        "Add scope item to phase 1",
    ):
        assert button in page
    assert f'hx-confirm="Remove phase 3, “{p3.title}”, with its scope items?"' in page


def test_saving_a_phase_changes_it_and_the_page_shows_the_new_date(alice_client, alice):
    project = project_with_phases(alice, 3, first_deadline=date(2027, 3, 5))
    p2 = project.ordered_phases()[1]
    data = phase_data(
        p2, title="Build the shop", description=SCRIPT, pricing="time", fixed_price="1250.50", offset_amount="3"
    )

    response = post(alice_client, phase_url("project_plan_phase_save", p2), data, follow=True)

    p2.refresh_from_db()
    assert (p2.title, p2.description, p2.pricing, str(p2.fixed_price), p2.offset_amount) == (
        "Build the shop",
        SCRIPT,
        "time",
        "1250.50",
        3,
    )
    page = html(response)
    assert response.redirect_chain == [(plan_url(project) + f"#phase-{p2.pk}", 302)]
    assert "Phase 2 saved." in page
    assert date_of(page, p2) == ("2027-03-30", "projected")  # 26 March is Good Friday, 29 March Easter Monday
    assert SCRIPT not in page
    assert ESCAPED in page


def test_saving_a_phase_with_htmx_swaps_the_phase_and_updates_dates_out_of_band(alice_client, alice):
    project = project_with_phases(alice, 3, first_deadline=date(2027, 3, 5))
    _, p2, p3 = project.ordered_phases()

    response = post(
        alice_client, phase_url("project_plan_phase_save", p2), phase_data(p2, offset_amount="1"), htmx=True
    )

    page = html(response)
    assert response.status_code == 200
    assert "<html" not in page
    assert page.lstrip().startswith(f'<article class="card plan-phase" id="phase-{p2.pk}"')
    assert '<section class="card plan-schedule" id="plan-schedule"' in page
    assert date_of(page, p2) == ("2027-03-12", "projected")
    assert date_of(page, p3) == ("2027-03-30", "projected")
    assert (
        '<div id="plan-messages" hx-swap-oob="innerHTML"><ul class="messages"><li class="message message-success">Phase 2 saved.'
        in page
    )


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"fixed_price": "-1"}, "A price cannot be negative."),
        ({"fixed_price": "lots"}, "Enter the price as a number, such as 2500 or 2500.50."),
        ({"offset_amount": "-1"}, "due at least 1 week or working day after the previous phase is accepted"),
        ({"offset_amount": "0"}, "due at least 1 week or working day after the previous phase is accepted"),
        ({"offset_amount": "521"}, "Enter at most 520."),
        ({"title": ""}, "Give the phase a title."),
        ({"title": "x" * 10_000}, "Ensure this value has at most 200 characters (it has 10000)."),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_phase_input_is_refused_and_the_typed_values_stay(alice_client, project, changes, error, htmx):
    p2 = project.ordered_phases()[1]
    before = snapshot(project)
    data = phase_data(p2, description="Typed, not saved", **changes)

    response = post(alice_client, phase_url("project_plan_phase_save", p2), data, htmx=htmx)

    page = html(response)
    assert response.status_code == 422
    assert error in page
    assert ">\nTyped, not saved</textarea>" in page
    for name, value in changes.items():
        if value:
            assert f'name="phase-{p2.pk}-{name}" value="{value}"' in page
    assert snapshot(project) == before


def test_a_phase_gets_added_at_the_end(alice_client, project):
    data = {"new-phase-title": "Aftercare", "new-phase-offset_amount": "4", "new-phase-offset_unit": "working_days"}

    response = post(alice_client, url("project_plan_phase_add", project), data, follow=True)

    assert titles_by_position(project)[-1] == (4, "Aftercare")
    added = project.phases.get(position=4)
    assert (added.offset_amount, added.offset_unit) == (4, "working_days")
    assert "Phase 4, “Aftercare”, was added." in html(response)


@pytest.mark.parametrize("htmx", [False, True])
def test_adding_a_phase_with_a_zero_offset_is_refused(alice_client, project, htmx):
    data = {"new-phase-title": "Aftercare", "new-phase-offset_amount": "0", "new-phase-offset_unit": "weeks"}

    response = post(alice_client, url("project_plan_phase_add", project), data, htmx=htmx)

    assert response.status_code == 422
    assert "enter 1 or more" in html(response)
    assert 'value="Aftercare"' in html(response)
    assert project.phases.count() == 3
    if htmx:
        assert response["HX-Retarget"] == "#plan-add-phase"


# -- reordering and removing ----------------------------------------------------------------


def test_planned_phases_move_up_and_down(alice_client, project):
    p1, _, p3 = project.ordered_phases()

    response = post(alice_client, phase_url("project_plan_phase_move", p3), {"direction": "up"})
    assert response.status_code == 302
    assert titles_by_position(project) == [(1, "Phase 1"), (2, "Phase 3"), (3, "Phase 2")]

    response = post(alice_client, phase_url("project_plan_phase_move", p1), {"direction": "down"}, follow=True)
    assert titles_by_position(project) == [(1, "Phase 3"), (2, "Phase 1"), (3, "Phase 2")]
    assert "“Phase 1” is now phase 2." in html(response)
    assert project.events.filter(kind=PhaseEvent.Kind.PHASE_MOVED).count() == 2


def test_moving_with_htmx_swaps_the_phase_list(alice_client, project):
    p2 = project.ordered_phases()[1]

    response = post(alice_client, phase_url("project_plan_phase_move", p2), {"direction": "up"}, htmx=True)

    page = html(response)
    assert page.lstrip().startswith('<section class="plan-phases" id="plan-phases"')
    assert page.index(f'id="phase-{p2.pk}"') < page.index('id="plan-add-phase"')
    assert titles_by_position(project)[0] == (1, "Phase 2")


def test_the_first_phase_does_not_move_up(alice_client, project):
    p1 = project.ordered_phases()[0]
    before = snapshot(project)

    response = post(alice_client, phase_url("project_plan_phase_move", p1), {"direction": "up"}, follow=True)

    assert "Phase 1 is already the first phase." in html(response)
    assert snapshot(project) == before


def test_once_contracted_the_plan_is_frozen_and_moves_are_refused(alice_client, alice, project):
    p1, p2, _ = project.ordered_phases()
    project.mark_contracted(alice)
    p1.start(alice)
    before = snapshot(project)

    response = post(alice_client, phase_url("project_plan_phase_move", p2), {"direction": "up"}, follow=True)

    page = html(response)
    assert "The phase plan is part of the accepted contract." in page
    assert snapshot(project) == before
    assert "Move phase 2 up" not in page  # not offered either
    assert "Move phase 2 down" not in page


def test_once_contracted_removing_a_phase_is_refused(alice_client, alice, project):
    _p1, p2, _ = project.ordered_phases()
    project.mark_contracted(alice)
    before = snapshot(project)

    response = post(alice_client, phase_url("project_plan_phase_remove", p2), follow=True)

    assert "The phase plan is part of the accepted contract." in html(response)
    assert snapshot(project) == before
    assert "Remove phase 2" not in html(response)


def test_once_contracted_an_offset_cannot_be_edited(alice_client, alice, project):
    _p1, p2, _ = project.ordered_phases()
    project.mark_contracted(alice)
    post(
        alice_client,
        phase_url("project_plan_phase_save", p2),
        {"title": "Build", "pricing": "fixed", "offset_amount": "9", "offset_unit": "weeks"},
    )
    p2.refresh_from_db()
    assert p2.offset_amount != 9


def test_removing_a_planned_phase_closes_the_gap(alice_client, project):
    p2 = project.ordered_phases()[1]

    response = post(alice_client, phase_url("project_plan_phase_remove", p2), follow=True)

    assert titles_by_position(project) == [(1, "Phase 1"), (2, "Phase 3")]
    assert not ScopeItem.objects.filter(phase_id=p2.pk).exists()
    assert "Phase 2, “Phase 2”, was removed." in html(response)
    assert project.events.filter(kind=PhaseEvent.Kind.PHASE_REMOVED).count() == 1


# -- scope items ----------------------------------------------------------------------------


def test_scope_items_are_added_edited_and_removed(alice_client, project):
    p1 = project.ordered_phases()[0]
    first_item = p1.scope_items.order_by("pk").first()

    response = post(
        alice_client,
        phase_url("project_plan_scope_add", p1),
        {f"new-scope-{p1.pk}-title": "Product photos", f"new-scope-{p1.pk}-estimate_hours": "2.5"},
        follow=True,
    )
    added = p1.scope_items.get(title="Product photos")
    assert added.estimate_hours == 2.5
    page = html(response)
    assert "Scope item added to phase 1." in page
    assert "Estimate: 18.5 hours" in page
    assert "50.5 hours" in page

    post(
        alice_client,
        item_url("project_plan_scope_save", first_item),
        {f"scope-{first_item.pk}-title": SCRIPT, f"scope-{first_item.pk}-estimate_hours": "4"},
    )
    first_item.refresh_from_db()
    assert (first_item.title, first_item.estimate_hours) == (SCRIPT, 4)
    page = html(get(alice_client, plan_url(project)))
    assert SCRIPT not in page
    assert ESCAPED in page

    response = post(alice_client, item_url("project_plan_scope_remove", added), htmx=True)
    assert not ScopeItem.objects.filter(pk=added.pk).exists()
    page = html(response)
    assert page.lstrip().startswith(f'<section class="plan-scope" id="phase-{p1.pk}-scope"')
    assert "Estimate: 12 hours" in page
    assert (
        '<section class="card plan-totals" id="plan-total" aria-labelledby="plan-total-heading" hx-swap-oob="true">'
        in page
    )


@pytest.mark.parametrize(
    ("estimate", "error"),
    [
        ("-1", "An estimate cannot be negative."),
        ("abc", "Enter the estimate as a number of hours, such as 4 or 2.5."),
        ("10000", "An estimate is at most 9999 hours; split the item."),
        ("1.234", "Ensure that there are no more than 2 decimal places."),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_estimates_are_refused_and_the_typed_values_stay(alice_client, project, estimate, error, htmx):
    p1 = project.ordered_phases()[0]
    item = p1.scope_items.order_by("pk").first()
    before = snapshot(project)

    added = post(
        alice_client,
        phase_url("project_plan_scope_add", p1),
        {f"new-scope-{p1.pk}-title": "Photos", f"new-scope-{p1.pk}-estimate_hours": estimate},
        htmx=htmx,
    )
    edited = post(
        alice_client,
        item_url("project_plan_scope_save", item),
        {f"scope-{item.pk}-title": "Typed title", f"scope-{item.pk}-estimate_hours": estimate},
        htmx=htmx,
    )

    assert (added.status_code, edited.status_code) == (422, 422)
    assert error in html(added)
    assert 'value="Photos"' in html(added)
    assert f'name="new-scope-{p1.pk}-estimate_hours" value="{estimate}"' in html(added)
    assert error in html(edited)
    assert 'value="Typed title"' in html(edited)
    assert snapshot(project) == before


def test_an_accepted_phase_is_read_only(alice_client, alice, project):
    p1 = accept_first_phase(project, alice)
    item = p1.scope_items.order_by("pk").first()
    before = snapshot(project)

    added = post(
        alice_client,
        phase_url("project_plan_scope_add", p1),
        {f"new-scope-{p1.pk}-title": "More", f"new-scope-{p1.pk}-estimate_hours": "1"},
        follow=True,
    )
    edited = post(
        alice_client,
        item_url("project_plan_scope_save", item),
        {f"scope-{item.pk}-title": "Changed", f"scope-{item.pk}-estimate_hours": "1"},
        follow=True,
    )
    removed = post(alice_client, item_url("project_plan_scope_remove", item), htmx=True)
    saved = post(alice_client, phase_url("project_plan_phase_save", p1), phase_data(p1, title="Changed"), follow=True)

    for response in (added, edited, removed, saved):
        assert "An accepted phase is read-only." in html(response)
    assert snapshot(project) == before
    page = html(get(alice_client, plan_url(project)))
    assert f'name="phase-{p1.pk}-title"' not in page
    assert f'name="scope-{item.pk}-title"' not in page
    assert "It is read-only" in page


# -- the hard first deadline ------------------------------------------------------------------


def test_the_first_deadline_is_editable_while_a_proposal(alice_client, alice, project):
    response = post(alice_client, url("project_plan_deadline", project), {"first_deadline": "2027-04-13"}, follow=True)

    project.refresh_from_db()
    assert project.first_deadline == date(2027, 4, 13)
    event = project.events.filter(kind=PhaseEvent.Kind.DEADLINE_SET).latest("pk")
    assert (event.actor, event.data) == (alice, {"old": "2027-03-01", "new": "2027-04-13"})
    page = html(response)
    assert "The hard first deadline is" in page
    assert date_of(page, project.ordered_phases()[1]) == ("2027-04-28", "projected")  # 27 April is King's Day


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("2026-11-01", "The hard first deadline cannot be in the past."),
        ("", "Set the hard first deadline: the date phase 1 is due."),
        ("tomorrow", "Enter a date such as 2027-03-05."),
    ],
)
def test_a_bad_first_deadline_is_refused(alice_client, project, typed, error):
    before = snapshot(project)

    response = post(alice_client, url("project_plan_deadline", project), {"first_deadline": typed})

    assert response.status_code == 422
    assert error in html(response)
    assert f'name="first_deadline" value="{typed}"' in html(response) or not typed
    assert snapshot(project) == before


def test_after_the_contract_the_first_deadline_is_read_only(alice_client, alice, project):
    project.mark_contracted(alice)
    before = snapshot(project)

    page = html(get(alice_client, plan_url(project)))
    assert "Changes only by renegotiation" in page
    assert f'href="/projects/{project.pk}/"' in page
    assert 'name="first_deadline"' not in page

    response = post(alice_client, url("project_plan_deadline", project), {"first_deadline": "2027-04-13"}, follow=True)
    assert "The project is contracted: the first deadline changes only by renegotiation." in html(response)
    assert snapshot(project) == before


# -- the live preview -----------------------------------------------------------------------


def test_the_preview_projects_typed_dates_and_writes_nothing(alice_client, project):
    p1, p2, p3 = project.ordered_phases()
    before = snapshot(project)
    typed = {
        "first_deadline": "2027-03-05",  # a Friday
        f"phase-{p2.pk}-offset_amount": "2",
        f"phase-{p2.pk}-offset_unit": "weeks",
        f"phase-{p3.pk}-offset_amount": "1",
        f"phase-{p3.pk}-offset_unit": "working_days",
    }

    with CaptureQueriesContext(connection) as queries:
        response = post(alice_client, url("project_plan_preview", project), typed, htmx=True)

    page = html(response)
    assert response.status_code == 200
    assert date_of(page, p1) == ("2027-03-05", "hard")
    assert date_of(page, p2) == ("2027-03-19", "projected")
    assert date_of(page, p3) == ("2027-03-22", "projected")  # the working day after Friday the 19th
    assert page.lstrip().startswith('<section class="card plan-schedule" id="plan-schedule"')
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
    assert snapshot(project) == before


def test_a_projected_date_on_kings_day_moves_to_the_next_working_day(alice_client, project):
    p2 = project.ordered_phases()[1]
    typed = {"first_deadline": "2027-04-13", f"phase-{p2.pk}-offset_amount": "2", f"phase-{p2.pk}-offset_unit": "weeks"}

    page = html(post(alice_client, url("project_plan_preview", project), typed, htmx=True))

    assert date_of(page, p2) == ("2027-04-28", "projected")  # 2027-04-27 is King's Day


def test_the_preview_explains_values_it_cannot_use(alice_client, project):
    p1, p2, _ = project.ordered_phases()
    typed = {"first_deadline": "2027-03-05", f"phase-{p2.pk}-offset_amount": "-1"}

    response = post(alice_client, url("project_plan_preview", project), typed, htmx=True)

    page = html(response)
    assert response.status_code == 200
    assert date_of(page, p1) == ("2027-03-05", "hard")
    assert page.count("Enter an offset of 1 or more to see this date.") == 4  # phases 2 and 3, list and cards
    page = html(post(alice_client, url("project_plan_preview", project), {"first_deadline": "2026-10-01"}, htmx=True))
    assert "This deadline is in the past; saving will refuse it." in page
    page = html(post(alice_client, url("project_plan_preview", project), {"first_deadline": "03-"}, htmx=True))
    assert "Enter a complete date for the hard first deadline to see the dates." in page


def test_the_preview_of_a_contracted_project_keeps_the_agreed_deadline(alice_client, alice, project):
    project.mark_contracted(alice)
    p1 = project.ordered_phases()[0]

    page = html(post(alice_client, url("project_plan_preview", project), {"first_deadline": "2027-06-01"}, htmx=True))

    assert date_of(page, p1) == ("2027-03-01", "hard")


# -- isolation ------------------------------------------------------------------------------

VIEWS = [
    ("project_plan", "project", "GET"),
    ("project_plan_preview", "project", "POST"),
    ("project_plan_deadline", "project", "POST"),
    ("project_plan_phase_add", "project", "POST"),
    ("project_plan_phase_save", "phase", "POST"),
    ("project_plan_phase_move", "phase", "POST"),
    ("project_plan_phase_remove", "phase", "POST"),
    ("project_plan_scope_add", "phase", "POST"),
    ("project_plan_scope_save", "item", "POST"),
    ("project_plan_scope_remove", "item", "POST"),
]


@pytest.mark.parametrize(("name", "kind", "method"), VIEWS)
def test_every_view_is_404_for_someone_elses_plan(alice_client, alice, bob, name, kind, method):
    own = project_with_phases(alice, 2)
    theirs = project_with_phases(bob, 2)
    phase = theirs.ordered_phases()[1]
    item = phase.scope_items.first()
    target = {"project": [theirs], "phase": [theirs, phase], "item": [theirs, item]}[kind]
    data = {
        "first_deadline": "2027-04-13",
        "direction": "up",
        **phase_data(phase, title="Taken over"),
        "new-phase-title": "Taken over",
        "new-phase-offset_amount": "2",
        "new-phase-offset_unit": "weeks",
        f"new-scope-{phase.pk}-title": "Taken over",
        f"scope-{item.pk}-title": "Taken over",
        f"scope-{item.pk}-estimate_hours": "1",
    }
    before = snapshot(theirs)

    urls = [url(name, *target)]
    if kind != "project":  # bob's phase or item under alice's own project
        urls.append(url(name, own, *target[1:]))
    for address in urls:
        for htmx in (False, True):
            if method == "GET":
                assert get(alice_client, address).status_code == 404
                assert post(alice_client, address, data, htmx=htmx).status_code == 405
            else:
                assert post(alice_client, address, data, htmx=htmx).status_code == 404
                assert get(alice_client, address).status_code == 405
    assert snapshot(theirs) == before


@pytest.mark.parametrize(("name", "kind", "method"), [*VIEWS, ("project_new", "none", "GET")])
def test_every_view_needs_a_login(client, alice, name, kind, method):
    project = project_with_phases(alice, 1)
    phase = project.ordered_phases()[0]
    item = phase.scope_items.first()
    args = {"project": [project], "phase": [project, phase], "item": [project, item], "none": []}[kind]
    before = snapshot(project)

    response = client.get(url(name, *args)) if method == "GET" else client.post(url(name, *args), {"direction": "up"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert snapshot(project) == before


# -- query count ------------------------------------------------------------------------------


def editor_queries(client, project) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = get(client, plan_url(project))
    assert response.status_code == 200
    return len(queries)


def test_the_editor_query_count_does_not_grow_with_phases_and_scope_items(alice_client, alice):
    small = ProjectFactory(owner=alice)
    PhaseFactory(project=small, position=1)
    large = ProjectFactory(owner=alice)
    for position in range(1, 21):
        ScopeItemFactory.create_batch(5, phase=PhaseFactory(project=large, position=position))
    get(alice_client, plan_url(small))  # warm up the session

    small_count = editor_queries(alice_client, small)
    large_count = editor_queries(alice_client, large)

    assert small_count == large_count
    assert large_count == 4  # user, project with client, phases, scope items (the session comes from Redis)


# -- edge cases that must not be a 500 ---------------------------------------------------------


def test_a_first_deadline_in_the_year_9999_is_refused_and_previews_without_a_crash(alice_client, project):
    before = snapshot(project)

    saved = post(alice_client, url("project_plan_deadline", project), {"first_deadline": "9999-12-31"})
    preview = post(alice_client, url("project_plan_preview", project), {"first_deadline": "9999-12-31"}, htmx=True)

    assert saved.status_code == 422
    assert "That is more than 10 years away. Check the year." in html(saved)
    assert preview.status_code == 200
    assert "That is more than 10 years away. Check the year." in html(preview)
    assert snapshot(project) == before


def test_an_unknown_move_direction_and_an_out_of_range_id_are_harmless(alice_client, project):
    p2 = project.ordered_phases()[1]
    before = snapshot(project)

    response = post(alice_client, phase_url("project_plan_phase_move", p2), {"direction": "sideways"}, follow=True)

    assert "Choose whether to move the phase up or down." in html(response)
    assert post(alice_client, url("project_plan_phase_remove", project, 2**70)).status_code == 404
    assert snapshot(project) == before
