"""The phase state machine: every from -> to move, allowed and refused."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from freelance.lib.rules import RuleViolation
from projects.models import Phase, PhaseEvent, Project, ScopeItem
from tests.factories import ClientFactory, PhaseFactory, ProjectFactory, project_with_phases

pytestmark = pytest.mark.django_db
S = Phase.Status


def drive(phase: Phase, to: str, actor) -> None:
    """Make the move `to` with the method that does it."""
    if to == S.IN_PROGRESS and phase.status == S.PLANNED:
        phase.start(actor)
    elif to == S.IN_PROGRESS:
        phase.resume(actor)
    elif to == S.DELIVERED:
        phase.deliver(actor, note="Staging is ready")
    elif to == S.ACCEPTED:
        phase.accept(actor)
    elif to == S.CHANGES_REQUESTED:
        phase.request_changes(actor, comment="The logo is too small")
    else:
        raise AssertionError(to)


PATH_TO = {
    S.PLANNED: [],
    S.IN_PROGRESS: [S.IN_PROGRESS],
    S.DELIVERED: [S.IN_PROGRESS, S.DELIVERED],
    S.CHANGES_REQUESTED: [S.IN_PROGRESS, S.DELIVERED, S.CHANGES_REQUESTED],
    S.ACCEPTED: [S.IN_PROGRESS, S.DELIVERED, S.ACCEPTED],
}


def first_phase_in(status: str, alice) -> Phase:
    project = project_with_phases(alice, 2)
    project.mark_contracted(alice)
    phase = project.phases.get(position=1)
    for step in PATH_TO[status]:
        drive(phase, step, alice)
    phase.refresh_from_db()
    assert phase.status == status
    return phase


ALL_MOVES = [(a, b) for a, b in itertools.product(S.values, S.values) if a != b]


@pytest.mark.parametrize(("source", "target"), ALL_MOVES)
def test_every_move_of_the_state_machine(alice, source, target):
    phase = first_phase_in(source, alice)
    events_before = PhaseEvent.objects.count()
    allowed = target in Phase.TRANSITIONS[S(source)]
    # There is no method for a move to "planned"; nothing may ever go back there.
    if target == S.PLANNED:
        assert not allowed
        return
    if allowed:
        drive(phase, target, alice)
        phase.refresh_from_db()
        assert phase.status == target
        assert PhaseEvent.objects.filter(phase=phase, kind=PhaseEvent.Kind.TRANSITION, data__new=target).exists()
    else:
        with pytest.raises(RuleViolation):
            drive(phase, target, alice)
        phase.refresh_from_db()
        assert phase.status == source
        assert PhaseEvent.objects.count() == events_before


def test_the_transition_table_is_the_documented_one():
    assert {
        S.PLANNED: {S.IN_PROGRESS},
        S.IN_PROGRESS: {S.DELIVERED},
        S.DELIVERED: {S.ACCEPTED, S.CHANGES_REQUESTED},
        S.CHANGES_REQUESTED: {S.IN_PROGRESS},
        S.ACCEPTED: set(),
    } == Phase.TRANSITIONS


def test_it_refuses_to_start_a_phase_before_the_previous_is_accepted(alice):
    project = project_with_phases(alice, 3)
    project.mark_contracted(alice)
    first, second = project.phases.order_by("position")[:2]
    with pytest.raises(RuleViolation, match="cannot start before the client has accepted phase 1"):
        second.start(alice)
    first.start(alice)
    first.deliver(alice)
    with pytest.raises(RuleViolation):
        second.start(alice)
    first.accept(alice)
    second.start(alice)
    assert second.status == S.IN_PROGRESS


def test_it_refuses_to_start_work_on_a_proposal(alice):
    project = project_with_phases(alice, 1)
    with pytest.raises(RuleViolation, match="once the project is contracted"):
        project.phases.get().start(alice)


def test_starting_the_first_phase_makes_the_project_active_and_the_last_acceptance_completes_it(alice):
    project = project_with_phases(alice, 2)
    project.mark_contracted(alice)
    first, second = project.phases.order_by("position")
    first.start(alice)
    project.refresh_from_db()
    assert project.status == Project.Status.ACTIVE
    for phase in (first, second):
        if phase.status == S.PLANNED:
            phase.start(alice)
        phase.deliver(alice)
        phase.accept(alice)
    project.refresh_from_db()
    assert project.status == Project.Status.COMPLETED


def test_an_accepted_phase_is_read_only(alice):
    phase = first_phase_in(S.ACCEPTED, alice)
    phase.title = "Changed afterwards"
    with pytest.raises(RuleViolation, match="read-only"):
        phase.save()
    with pytest.raises(RuleViolation):
        ScopeItem.objects.create(phase=phase, title="Sneaked in")
    item = phase.scope_items.first()
    item.title = "Edited"
    with pytest.raises(RuleViolation):
        item.save()
    with pytest.raises(RuleViolation):
        item.delete()
    with pytest.raises(RuleViolation):
        phase.delete()


def test_a_double_click_on_deliver_delivers_once(alice):
    phase = first_phase_in(S.IN_PROGRESS, alice)
    stale_copy = Phase.objects.get(pk=phase.pk)
    phase.deliver(alice)
    with pytest.raises(RuleViolation):
        stale_copy.deliver(alice)
    assert PhaseEvent.objects.filter(phase=phase, data__new=S.DELIVERED).count() == 1


def test_changes_requested_needs_a_comment(alice):
    phase = first_phase_in(S.DELIVERED, alice)
    with pytest.raises(RuleViolation):
        phase.request_changes(alice, comment="   ")
    phase.refresh_from_db()
    assert phase.status == S.DELIVERED


# -- the project status -----------------------------------------------------------------


def test_contracting_needs_a_first_deadline_and_a_phase(alice):
    project = ProjectFactory(owner=alice, first_deadline=None)
    with pytest.raises(RuleViolation, match="first deadline"):
        project.mark_contracted(alice)
    project.set_first_deadline(date(2027, 3, 1), alice)
    with pytest.raises(RuleViolation, match="at least one phase"):
        project.mark_contracted(alice)
    PhaseFactory(project=project, position=1)
    project.mark_contracted(alice)
    assert project.status == Project.Status.CONTRACTED


@pytest.mark.parametrize("status", [Project.Status.PROPOSAL, Project.Status.CONTRACTED, Project.Status.ACTIVE])
def test_a_project_can_stop_from_any_open_status_with_a_reason(alice, status):
    project = ProjectFactory(owner=alice, status=status)
    with pytest.raises(RuleViolation):
        project.stop(alice, reason="")
    project.stop(alice, reason="The client's budget was cut")
    project.refresh_from_db()
    assert (project.status, project.stopped_reason) == (Project.Status.STOPPED, "The client's budget was cut")
    with pytest.raises(RuleViolation):
        project.stop(alice, reason="again")


def test_a_stopped_project_needs_a_reason_in_the_database_too(alice):
    project = ProjectFactory(owner=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(status=Project.Status.STOPPED, stopped_reason="")


# -- the hard first deadline ------------------------------------------------------------


def test_the_first_deadline_moves_freely_while_a_proposal_and_every_change_is_logged(alice):
    project = ProjectFactory(owner=alice, first_deadline=date(2027, 3, 1))
    project.set_first_deadline(date(2027, 3, 8), alice)
    event = PhaseEvent.objects.get(project=project, kind=PhaseEvent.Kind.DEADLINE_SET)
    assert event.data == {"old": "2027-03-01", "new": "2027-03-08"}


def test_once_contracted_the_first_deadline_changes_only_by_renegotiation(alice):
    project = project_with_phases(alice, 2, first_deadline=date(2027, 3, 1))
    project.mark_contracted(alice)
    with pytest.raises(RuleViolation, match="renegotiation"):
        project.set_first_deadline(date(2027, 4, 1), alice)
    project.first_deadline = date(2027, 4, 1)
    with pytest.raises(RuleViolation, match="renegotiation"):
        project.save()
    project.refresh_from_db()
    assert project.first_deadline == date(2027, 3, 1)

    with pytest.raises(RuleViolation, match="reason"):
        project.renegotiate_first_deadline(date(2027, 4, 1), reason="", client_agreement="ok", actor=alice)
    project.renegotiate_first_deadline(
        date(2027, 4, 1),
        reason="The client's photographer is three weeks late",
        client_agreement="Jan agreed by phone on 3 February",
        actor=alice,
    )
    project.refresh_from_db()
    assert project.first_deadline == date(2027, 4, 1)
    event = PhaseEvent.objects.get(project=project, kind=PhaseEvent.Kind.RENEGOTIATED)
    assert event.data["old"] == "2027-03-01"
    assert event.data["new"] == "2027-04-01"
    assert event.data["client_agreement"] == "Jan agreed by phone on 3 February"


# -- reorder and remove -----------------------------------------------------------------


def positions(project) -> list[tuple[int, str]]:
    return list(project.phases.order_by("position").values_list("position", "title"))


def test_planned_phases_can_be_reordered(alice):
    project = project_with_phases(alice, 3)
    third = project.phases.get(position=3)
    project.move_phase(third, 1, alice)
    assert positions(project) == [(1, "Phase 3"), (2, "Phase 1"), (3, "Phase 2")]
    project.move_phase(project.phases.get(title="Phase 3"), 3, alice)
    assert positions(project) == [(1, "Phase 1"), (2, "Phase 2"), (3, "Phase 3")]


def test_the_phase_plan_is_frozen_once_contracted(alice):
    project = project_with_phases(alice, 3)
    project.mark_contracted(alice)
    with pytest.raises(RuleViolation, match="part of the accepted contract"):
        project.move_phase(project.phases.get(position=3), 2, alice)
    with pytest.raises(RuleViolation, match="part of the accepted contract"):
        project.remove_phase(project.phases.get(position=3), alice)
    second = project.phases.get(position=2)
    second.offset_amount = 9
    with pytest.raises(RuleViolation, match="part of the accepted contract"):
        second.save()
    second.refresh_from_db()
    assert second.offset_amount == 2
    assert positions(project) == [(1, "Phase 1"), (2, "Phase 2"), (3, "Phase 3")]
    # Paid extra work from the bucket may still add a phase at the end.
    project.add_phase(alice, title="Extra work")
    assert positions(project)[-1] == (4, "Extra work")


def test_only_planned_phases_can_be_removed_and_positions_close_up(alice):
    project = project_with_phases(alice, 3)
    project.remove_phase(project.phases.get(position=2), alice)
    assert positions(project) == [(1, "Phase 1"), (2, "Phase 3")]
    assert PhaseEvent.objects.filter(kind=PhaseEvent.Kind.PHASE_REMOVED, data__title="Phase 2").exists()


def test_positions_are_unique_per_project_in_the_database(alice):
    project = project_with_phases(alice, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Phase.objects.create(project=project, position=1, title="Duplicate")


@pytest.mark.parametrize("field", ["offset_amount"])
def test_an_offset_below_one_is_refused_by_the_database(alice, field):
    phase = PhaseFactory(project=ProjectFactory(owner=alice), position=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Phase.objects.filter(pk=phase.pk).update(**{field: 0})


def test_history_is_append_only(alice):
    project = ProjectFactory(owner=alice)
    project.set_first_deadline(date(2027, 5, 3), alice)
    event = project.events.get()
    event.reason = "rewritten"
    with pytest.raises(RuleViolation):
        event.save()
    with pytest.raises(RuleViolation):
        event.delete()


def test_a_project_for_someone_elses_client_is_invalid(alice, bob):
    from django.core.exceptions import ValidationError

    project = Project(owner=alice, client=ClientFactory(owner=bob), name="Sneaky")
    with pytest.raises(ValidationError):
        project.full_clean()


@time_machine.travel("2027-03-10 23:30:00+01:00", tick=False)
def test_acceptance_late_in_the_evening_counts_on_the_amsterdam_date(alice):
    project = project_with_phases(alice, 2, first_deadline=date(2027, 3, 5))
    project.mark_contracted(alice)
    first, _second = project.phases.order_by("position")
    first.start(alice)
    first.deliver(alice)
    following = first.accept(alice)
    # 23:30 in Amsterdam is 22:30 UTC, still 10 March: + 2 weeks = Wednesday 24 March.
    assert timezone.localdate(first.accepted_at) == date(2027, 3, 10)
    assert following.due_date == date(2027, 3, 24)


@pytest.mark.parametrize("close", ["stop", "complete"])
def test_phases_of_a_closed_project_no_longer_move(alice, close):
    project = project_with_phases(alice, 2)
    project.mark_contracted(alice)
    first, _second = project.phases.order_by("position")
    first.start(alice)
    first.deliver(alice)
    if close == "stop":
        project.stop(alice, reason="Budget cut")
    else:
        Project.objects.filter(pk=project.pk).update(status=Project.Status.COMPLETED)
    first.project.refresh_from_db()
    with pytest.raises(RuleViolation, match="no longer change"):
        first.accept(alice)
    first.refresh_from_db()
    assert first.status == S.DELIVERED


def test_kvk_and_vat_typed_with_spaces_are_valid_everywhere(alice):
    client = ClientFactory.build(owner=alice, kvk_number="3012 3456", vat_id="nl 0012.34567 b29")
    client.full_clean()
    assert (client.kvk_number, client.vat_id) == ("30123456", "NL001234567B29")
