"""The bucket's domain rules: classification, the beep, and stop / pay / swap."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from freelance.lib.evidence import Meta
from freelance.lib.rules import RuleViolation
from freelance.links.models import ClientLink
from freelance.outbox.models import OutgoingEmail
from projects import bucket
from projects.models import ChangeDecision, ChangeRequest, Phase, ScopeItem
from tests.factories import ContactFactory, PhaseFactory, ProjectFactory, ScopeItemFactory, UserFactory

pytestmark = pytest.mark.django_db
CR = ChangeRequest


@pytest.fixture(autouse=True)
def _english():
    """Refusals are translated; these tests read the English wording."""
    with translation.override("en"):
        yield


def now_meta() -> Meta:
    return Meta(at=timezone.now(), ip="", user_agent="")


def project_with_scope(owner, hours_per_phase: list[list[str]], accepted: int = 0, rate="80.00", tolerance=10):
    """Phases with scope items of the given hours; the first `accepted` phases are accepted."""
    project = ProjectFactory(owner=owner, hourly_rate=Decimal(rate), swap_tolerance_percent=tolerance)
    ContactFactory(client=project.client, name="Jan", email="jan@example.nl")
    for position, hours in enumerate(hours_per_phase, start=1):
        phase = PhaseFactory(project=project, position=position)
        for h in hours:
            ScopeItemFactory(phase=phase, estimate_hours=Decimal(h))
    if accepted:
        project.mark_contracted(owner)
        for phase in project.phases.order_by("position")[:accepted]:
            phase.start(owner)
            phase.deliver(owner)
            phase.accept(owner)
    return project


def waiting_wish(project, owner, hours="8", target=None) -> ChangeRequest:
    wish = bucket.add_wish(project, title="Newsletter signup", actor=owner)
    bucket.assess(wish, estimate_hours=Decimal(hours), actor=owner)
    bucket.classify(wish, classification=CR.Classification.EXTRA_COST, actor=owner, target_phase=target)
    wish.refresh_from_db()
    return wish


def test_extra_cost_beeps_the_decision_maker_at_once_with_the_price(alice):
    project = project_with_scope(alice, [["8", "8"], ["4"]])
    wish = waiting_wish(project, alice, hours="6")
    assert (wish.status, wish.cost, wish.hourly_rate) == (CR.Status.WAITING, Decimal("480.00"), Decimal("80.00"))
    mail = OutgoingEmail.objects.get(kind="change_request_beep")
    assert mail.to == ["jan@example.nl"]
    assert "480" in mail.body_text
    assert ClientLink.for_target(wish).get().is_valid


def test_extra_cost_needs_an_estimate_and_a_rate(alice):
    project = project_with_scope(alice, [["8"]], rate="0")
    wish = bucket.add_wish(project, title="Extra page", actor=alice)
    with pytest.raises(RuleViolation, match="Estimate the hours first"):
        bucket.classify(wish, classification=CR.Classification.EXTRA_COST, actor=alice)
    bucket.assess(wish, estimate_hours=Decimal("3"), actor=alice)
    with pytest.raises(RuleViolation, match="hourly rate"):
        bucket.classify(wish, classification=CR.Classification.EXTRA_COST, actor=alice)
    wish.refresh_from_db()
    assert wish.status == CR.Status.ASSESSED
    assert not OutgoingEmail.objects.exists()


@pytest.mark.parametrize("classification", [CR.Classification.FITS_SCOPE, CR.Classification.OWN_MISJUDGEMENT])
def test_fitting_or_own_misjudgement_needs_no_beep(alice, classification):
    project = project_with_scope(alice, [["8"]])
    wish = bucket.add_wish(project, title="Fix the footer", actor=alice)
    bucket.assess(wish, estimate_hours=Decimal("24"), actor=alice)
    bucket.classify(wish, classification=classification, actor=alice)
    wish.refresh_from_db()
    assert (wish.status, wish.classification, wish.cost) == (CR.Status.DECIDED, classification, None)
    assert not OutgoingEmail.objects.exists()


def test_stop_drops_the_wish_and_leaves_the_plan(alice):
    project = project_with_scope(alice, [["8", "8"]])
    before = list(ScopeItem.objects.filter(phase__project=project).values_list("pk", "estimate_hours"))
    wish = waiting_wish(project, alice)
    bucket.decide(wish, decision=CR.Decision.STOP, recorded_by=alice, note="By phone", meta=now_meta())
    wish.refresh_from_db()
    assert (wish.status, wish.decision) == (CR.Status.DROPPED, CR.Decision.STOP)
    assert list(ScopeItem.objects.filter(phase__project=project).values_list("pk", "estimate_hours")) == before


def test_pay_adds_billable_scope_to_the_target_phase(alice):
    project = project_with_scope(alice, [["8"], ["4"]], accepted=1)
    target = project.phases.get(position=2)
    wish = waiting_wish(project, alice, hours="5", target=target)
    bucket.decide(wish, decision=CR.Decision.PAY, recorded_by=alice, note="Mail of 3 March", meta=now_meta())
    item = target.scope_items.get(change_request=wish)
    assert (item.estimate_hours, item.billable_extra) == (Decimal("5.00"), True)


def test_pay_without_a_target_goes_into_a_new_phase_and_the_hard_deadline_stays(alice):
    project = project_with_scope(alice, [["8"], ["4"]])
    deadline = project.first_deadline
    wish = waiting_wish(project, alice, hours="5")
    bucket.decide(wish, decision=CR.Decision.PAY, recorded_by=alice, note="Yes by phone", meta=now_meta())
    new_phase = project.phases.get(position=3)
    assert new_phase.scope_items.get().change_request == wish
    project.refresh_from_db()
    assert project.first_deadline == deadline


def test_a_paid_wish_cannot_target_an_accepted_phase(alice):
    project = project_with_scope(alice, [["8"], ["4"]], accepted=1)
    wish = bucket.add_wish(project, title="More", actor=alice)
    bucket.assess(wish, estimate_hours=Decimal("2"), actor=alice)
    with pytest.raises(RuleViolation, match="not accepted yet"):
        bucket.classify(
            wish, classification=CR.Classification.EXTRA_COST, actor=alice, target_phase=project.phases.get(position=1)
        )


def test_a_balanced_swap_replaces_planned_scope_and_keeps_the_old_items(alice):
    project = project_with_scope(alice, [["8", "3"], ["5", "5"]])
    wish = waiting_wish(project, alice, hours="10")
    give_up = list(ScopeItem.objects.filter(phase__position=2, phase__project=project))
    bucket.decide(
        wish, decision=CR.Decision.SWAP, item_ids=[i.pk for i in give_up], recorded_by=alice, note="ok", meta=now_meta()
    )
    assert not ScopeItem.objects.filter(pk__in=[i.pk for i in give_up]).exists()
    assert ScopeItem.all_objects.filter(pk__in=[i.pk for i in give_up], swapped_out_by=wish).count() == 2
    assert ScopeItem.objects.get(change_request=wish).phase.position == 2
    evidence = ChangeDecision.objects.get()
    assert [i["hours"] for i in evidence.swapped_items] == ["5.00", "5.00"]


@pytest.mark.parametrize("hours", [["3"], ["8", "5"]])
def test_an_unbalanced_swap_is_refused_in_plain_words(alice, hours):
    project = project_with_scope(alice, [hours])
    wish = waiting_wish(project, alice, hours="10")
    ids = list(ScopeItem.objects.filter(phase__project=project).values_list("pk", flat=True))
    with pytest.raises(RuleViolation, match=r"between 9 and 11 hours"):
        bucket.decide(wish, decision=CR.Decision.SWAP, item_ids=ids, recorded_by=alice, note="x", meta=now_meta())
    wish.refresh_from_db()
    assert wish.status == CR.Status.WAITING
    assert ScopeItem.objects.filter(phase__project=project).count() == len(hours)


def test_swapping_accepted_or_foreign_or_tampered_items_is_refused(alice, bob):
    project = project_with_scope(alice, [["10"], ["10"]], accepted=1)
    wish = waiting_wish(project, alice, hours="10")
    accepted_item = ScopeItem.objects.get(phase__position=1, phase__project=project)
    foreign = ScopeItemFactory(phase__project=ProjectFactory(owner=bob), estimate_hours=Decimal("10"))
    for ids in ([accepted_item.pk], [foreign.pk], ["1 OR 1=1"], [999_999]):
        with pytest.raises(RuleViolation):
            bucket.decide(wish, decision=CR.Decision.SWAP, item_ids=ids, recorded_by=alice, note="x", meta=now_meta())
    wish.refresh_from_db()
    assert wish.status == CR.Status.WAITING


def test_a_second_decision_is_refused(alice):
    project = project_with_scope(alice, [["8"]])
    wish = waiting_wish(project, alice)
    bucket.decide(wish, decision=CR.Decision.STOP, recorded_by=alice, note="phone", meta=now_meta())
    stale = CR.objects.get(pk=wish.pk)
    stale.status = CR.Status.WAITING
    with pytest.raises(RuleViolation):
        bucket.decide(stale, decision=CR.Decision.PAY, recorded_by=alice, note="phone", meta=now_meta())
    assert ChangeDecision.objects.count() == 1


def test_a_phone_decision_needs_a_note(alice):
    project = project_with_scope(alice, [["8"]])
    wish = waiting_wish(project, alice)
    with pytest.raises(RuleViolation, match="how the client decided"):
        bucket.decide(wish, decision=CR.Decision.STOP, recorded_by=alice, note=" ", meta=now_meta())


def test_a_decision_revokes_the_beep_link_and_the_evidence_is_immutable(alice):
    project = project_with_scope(alice, [["8"]])
    wish = waiting_wish(project, alice)
    evidence = bucket.decide(wish, decision=CR.Decision.STOP, recorded_by=alice, note="phone", meta=now_meta())
    assert not ClientLink.for_target(wish).filter(ClientLink.usable()).exists()
    evidence.note = "rewritten"
    with pytest.raises(RuleViolation):
        evidence.save()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    phases=st.lists(st.lists(st.integers(min_value=1, max_value=16), min_size=1, max_size=4), min_size=1, max_size=4),
    accepted=st.integers(min_value=0, max_value=2),
    wish_hours=st.integers(min_value=1, max_value=30),
    tolerance=st.integers(min_value=0, max_value=30),
    pick=st.lists(st.integers(min_value=0, max_value=15), max_size=6),
)
def test_every_swap_balances_and_no_scope_is_lost_or_duplicated(phases, accepted, wish_hours, tolerance, pick):
    owner = UserFactory()
    accepted = min(accepted, len(phases) - 1)
    project = project_with_scope(
        owner, [[str(h) for h in hours] for hours in phases], accepted=accepted, tolerance=tolerance
    )
    accepted_before = {
        p.pk: sorted(p.scope_items.values_list("pk", "title", "estimate_hours"))
        for p in project.phases.filter(status=Phase.Status.ACCEPTED)
    }
    wish = waiting_wish(project, owner, hours=str(wish_hours))
    everything = list(ScopeItem.all_objects.filter(phase__project=project).order_by("pk"))
    chosen = sorted({everything[i % len(everything)].pk for i in pick})
    before_all = {i.pk for i in everything}
    try:
        bucket.decide(wish, decision=CR.Decision.SWAP, item_ids=chosen, recorded_by=owner, note="n", meta=now_meta())
    except RuleViolation:
        wish.refresh_from_db()
        assert wish.status == CR.Status.WAITING
        assert set(ScopeItem.all_objects.filter(phase__project=project).values_list("pk", flat=True)) == before_all
        assert not ScopeItem.all_objects.filter(swapped_out_by=wish).exists()
        swapped = []
    else:
        swapped = list(ScopeItem.all_objects.filter(swapped_out_by=wish))
        given_up = sum(i.estimate_hours for i in swapped)
        assert abs(given_up - wish_hours) <= Decimal(wish_hours) * tolerance / 100
        assert {i.pk for i in swapped} == set(chosen)
        assert all(i.phase.status != Phase.Status.ACCEPTED for i in swapped)
    after_all = list(ScopeItem.all_objects.filter(phase__project=project))
    # Nothing lost: every old item is still stored; nothing duplicated: at most the one wish item is new.
    assert before_all <= {i.pk for i in after_all}
    new_items = [i for i in after_all if i.pk not in before_all]
    assert len(new_items) == (1 if swapped else 0)
    assert len({i.pk for i in after_all}) == len(after_all)
    in_plan = ScopeItem.objects.filter(phase__project=project)
    assert not set(in_plan.values_list("pk", flat=True)) & {i.pk for i in swapped}
    for phase_pk, items in accepted_before.items():
        assert (
            sorted(ScopeItem.all_objects.filter(phase_id=phase_pk).values_list("pk", "title", "estimate_hours"))
            == items
        )
