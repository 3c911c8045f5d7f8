"""Random sequences of plan and phase actions; the method's invariants hold after every step."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from freelance.lib.rules import RuleViolation
from projects.models import Phase, PhaseEvent, Project
from tests.factories import ClientFactory, UserFactory

S = Phase.Status
positions = st.integers(min_value=1, max_value=6)
days = st.integers(min_value=-30, max_value=120)


class PhasePlan(RuleBasedStateMachine):
    @initialize(count=st.integers(min_value=1, max_value=5))
    def plan(self, count):
        self.user = UserFactory()
        client = ClientFactory(owner=self.user)
        self.project = Project.objects.create(owner=self.user, client=client, name="Machine")
        self.project.set_first_deadline(date(2027, 3, 5), self.user)
        for n in range(count):
            self.project.add_phase(self.user, title=f"Phase {n + 1}", offset_amount=1 + n % 3)
        self.accepted_snapshots: dict[int, tuple] = {}

    # -- helpers -------------------------------------------------------------------------

    def phase_at(self, position) -> Phase | None:
        return self.project.phases.filter(position=position).first()

    def attempt(self, action) -> None:
        """Run an action; if the rules refuse it, nothing may have changed."""
        before = self.state()
        try:
            action()
        except RuleViolation:
            assert self.state() == before, "a refused action changed something"
        self.project.refresh_from_db()

    def state(self):
        phases = tuple(self.project.phases.order_by("position").values_list("pk", "position", "status", "due_date"))
        project = Project.objects.values_list("status", "first_deadline").get(pk=self.project.pk)
        return phases, project, PhaseEvent.objects.filter(project=self.project).count()

    # -- rules ---------------------------------------------------------------------------

    @rule()
    def contract(self):
        self.attempt(lambda: self.project.mark_contracted(self.user))

    @rule(position=positions)
    def start(self, position):
        if phase := self.phase_at(position):
            self.attempt(lambda: phase.start(self.user))

    @rule(position=positions)
    def deliver(self, position):
        if phase := self.phase_at(position):
            self.attempt(lambda: phase.deliver(self.user))

    @rule(position=positions)
    def accept(self, position):
        if phase := self.phase_at(position):
            self.attempt(lambda: phase.accept(self.user))

    @rule(position=positions, comment=st.sampled_from(["", "Bigger logo"]))
    def request_changes(self, position, comment):
        if phase := self.phase_at(position):
            self.attempt(lambda: phase.request_changes(self.user, comment=comment))

    @rule(position=positions)
    def resume(self, position):
        if phase := self.phase_at(position):
            self.attempt(lambda: phase.resume(self.user))

    @rule(position=positions, to=positions)
    def move(self, position, to):
        if phase := self.phase_at(position):
            self.attempt(lambda: self.project.move_phase(phase, to, self.user))

    @rule(position=positions)
    def remove(self, position):
        if phase := self.phase_at(position):
            self.attempt(lambda: self.project.remove_phase(phase, self.user))

    @rule()
    def add(self):
        self.attempt(lambda: self.project.add_phase(self.user, title="Extra"))

    @rule(shift=days)
    def replan_first_deadline(self, shift):
        self.attempt(lambda: self.project.set_first_deadline(date(2027, 3, 5) + timedelta(days=shift), self.user))

    @rule(shift=days)
    def silently_edit_first_deadline(self, shift):
        def sneak():
            self.project.first_deadline = date(2027, 3, 5) + timedelta(days=shift)
            self.project.save()

        self.attempt(sneak)

    @rule(shift=days, reason=st.sampled_from(["", "Photographer late"]))
    def renegotiate(self, shift, reason):
        self.attempt(
            lambda: self.project.renegotiate_first_deadline(
                date(2027, 3, 5) + timedelta(days=shift), reason=reason, client_agreement="Agreed", actor=self.user
            )
        )

    @rule(position=positions)
    def edit_title(self, position):
        if phase := self.phase_at(position):
            phase.title = "Edited"
            self.attempt(phase.save)

    # -- invariants ----------------------------------------------------------------------

    @invariant()
    def no_phase_runs_ahead_of_an_unaccepted_predecessor(self):
        phases = list(self.project.phases.order_by("position"))
        assert [p.position for p in phases] == list(range(1, len(phases) + 1)), "positions have gaps"
        for previous, phase in itertools.pairwise(phases):
            if phase.status != S.PLANNED:
                assert previous.status == S.ACCEPTED, f"phase {phase.position} is {phase.status}"

    @invariant()
    def due_dates_exist_only_after_the_predecessor_is_accepted(self):
        phases = list(self.project.phases.order_by("position"))
        if phases:
            assert phases[0].due_date is None, "phase 1 has the project's hard deadline, no fixed date"
        for previous, phase in itertools.pairwise(phases):
            if phase.due_date is not None:
                assert previous.status == S.ACCEPTED
        for scheduled in self.project.schedule(today=date(2027, 1, 1)):
            if scheduled.kind == "fixed":
                assert scheduled.blocked_by is None

    @invariant()
    def accepted_phases_never_change(self):
        for phase in self.project.phases.filter(status=S.ACCEPTED):
            snapshot = (
                phase.title,
                phase.position,
                phase.accepted_at,
                tuple(phase.scope_items.values_list("pk", "title", "estimate_hours")),
            )
            assert self.accepted_snapshots.setdefault(phase.pk, snapshot) == snapshot
        # And an accepted phase never disappears.
        assert set(self.accepted_snapshots) <= set(self.project.phases.values_list("pk", flat=True))

    @invariant()
    def the_hard_deadline_moves_only_with_a_logged_event_and_after_contract_only_by_renegotiation(self):
        events = list(
            PhaseEvent.objects.filter(
                project=self.project,
                kind__in=[PhaseEvent.Kind.DEADLINE_SET, PhaseEvent.Kind.RENEGOTIATED, PhaseEvent.Kind.PROJECT_STATUS],
            ).order_by("pk")
        )
        deadline, contracted = "2027-03-05", False
        for event in events:
            if event.kind == PhaseEvent.Kind.PROJECT_STATUS and event.data["new"] == Project.Status.CONTRACTED:
                contracted = True
            elif event.kind == PhaseEvent.Kind.DEADLINE_SET:
                assert not contracted, "the deadline was re-planned after the contract"
                deadline = event.data["new"]
            elif event.kind == PhaseEvent.Kind.RENEGOTIATED:
                assert contracted and event.reason
                deadline = event.data["new"]
        self.project.refresh_from_db()
        assert self.project.first_deadline.isoformat() == deadline


@pytest.mark.django_db
def test_the_phase_plan_keeps_its_invariants_under_random_actions():
    run_state_machine_as_test(
        PhasePlan,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
