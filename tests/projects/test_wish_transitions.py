"""A wish's moves on the model: guard, conditional UPDATE, and one history event, like a phase's."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone, translation

from freelance.lib.rules import RuleViolation
from projects.models import ChangeRequest, PhaseEvent
from tests.factories import PhaseFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db
CR = ChangeRequest
S = CR.Status

# Every field a move may write: a refused move leaves all of them as they were.
FIELDS = [
    "status",
    "estimate_hours",
    "hourly_rate",
    "cost",
    "classification",
    "target_phase",
    "decision",
    "waiting_since",
    "decided_at",
]


@pytest.fixture(autouse=True)
def _english():
    """Refusals are translated; these tests read the English wording."""
    with translation.override("en"):
        yield


@dataclass(frozen=True)
class Move:
    name: str
    call: Callable[[CR, object], None]
    sources: tuple[str, ...]
    target: str
    event: dict  # the event's data besides `wish` and `title`

    def __str__(self) -> str:
        return self.name


MOVES = [
    Move(
        "assess",
        lambda wish, actor: wish.assess(actor, estimate_hours=Decimal("5")),
        (S.NEW, S.ASSESSED),
        S.ASSESSED,
        {"estimate_hours": "5"},
    ),
    Move(
        "classify_fits_scope",
        lambda wish, actor: wish.classify(actor, classification=CR.Classification.FITS_SCOPE),
        (S.NEW, S.ASSESSED),
        S.DECIDED,
        {},
    ),
    Move(
        "classify_extra_cost",
        lambda wish, actor: wish.classify(actor, classification=CR.Classification.EXTRA_COST),
        (S.NEW, S.ASSESSED),
        S.WAITING,
        {"cost": "640.00"},
    ),
    Move(
        "decide_stop",
        lambda wish, actor: wish.record_decision(actor, decision=CR.Decision.STOP, at=timezone.now()),
        (S.WAITING,),
        S.DROPPED,
        {"decision": "stop"},
    ),
    Move(
        "decide_pay",
        lambda wish, actor: wish.record_decision(actor, decision=CR.Decision.PAY, at=timezone.now()),
        (S.WAITING,),
        S.DECIDED,
        {"decision": "pay"},
    ),
    Move(
        "decide_swap",
        lambda wish, actor: wish.record_decision(actor, decision=CR.Decision.SWAP, at=timezone.now()),
        (S.WAITING,),
        S.DECIDED,
        {"decision": "swap"},
    ),
    Move("finish", lambda wish, actor: wish.finish(actor), (S.DECIDED,), S.DONE, {}),
    Move(
        "drop",
        lambda wish, actor: wish.drop(actor, reason="Client changed their mind"),
        (S.NEW, S.ASSESSED, S.WAITING),
        S.DROPPED,
        {},
    ),
]
ALLOWED = [(move, source) for move in MOVES for source in move.sources]
REFUSED = [(move, source) for move in MOVES for source in S.values if source not in move.sources]
# Re-estimating an assessed wish is allowed, so a second `assess` is not a double move.
ONCE_ONLY = [move for move in MOVES if move.target not in move.sources]


def wish_in(status: str, *, owner=None) -> CR:
    """A wish stored directly in `status`, with what that status implies (8 hours, at 80 an hour)."""
    project = ProjectFactory(owner=owner or UserFactory(), hourly_rate=Decimal("80.00"))
    fields = {"estimate_hours": Decimal("8.00")}
    if status == S.WAITING:
        fields |= {
            "classification": CR.Classification.EXTRA_COST,
            "hourly_rate": Decimal("80.00"),
            "cost": Decimal("640.00"),
            "waiting_since": timezone.now(),
        }
    elif status in (S.DECIDED, S.DONE):
        fields |= {"classification": CR.Classification.FITS_SCOPE, "decided_at": timezone.now()}
    return CR.objects.create(project=project, title="Newsletter signup", status=status, **fields)


def stored(wish: CR) -> dict:
    return CR.objects.filter(pk=wish.pk).values(*FIELDS).get()


def events(wish: CR):
    return PhaseEvent.objects.filter(project_id=wish.project_id)


@pytest.mark.parametrize(("move", "source"), ALLOWED, ids=[f"{m}-from-{s}" for m, s in ALLOWED])
def test_an_allowed_move_changes_the_wish_and_writes_one_event(move, source):
    wish = wish_in(source)
    actor = wish.project.owner
    move.call(wish, actor)
    assert wish.status == move.target
    wish.refresh_from_db()
    assert wish.status == move.target
    event = events(wish).get()
    assert (event.kind, event.actor, event.phase) == (PhaseEvent.Kind.WISH, actor, None)
    assert event.data == {"wish": wish.pk, "title": "Newsletter signup", **move.event}
    assert event.reason


@pytest.mark.parametrize(("move", "source"), REFUSED, ids=[f"{m}-from-{s}" for m, s in REFUSED])
def test_a_move_from_another_status_is_refused_and_changes_nothing(move, source):
    wish = wish_in(source)
    before = stored(wish)
    with pytest.raises(RuleViolation, match="that step is not possible now"):
        move.call(wish, wish.project.owner)
    assert stored(wish) == before
    wish.refresh_from_db()
    assert wish.status == source
    assert not events(wish).exists()


@pytest.mark.parametrize("move", ONCE_ONLY, ids=str)
def test_a_second_call_is_refused_and_writes_nothing(move):
    wish = wish_in(move.sources[-1])
    stale = CR.objects.get(pk=wish.pk)  # another tab, loaded before the first click
    move.call(wish, wish.project.owner)
    after = stored(wish)
    for again in (wish, stale):
        with pytest.raises(RuleViolation, match="that step is not possible now"):
            move.call(again, wish.project.owner)
        assert again.status == move.target  # the refused instance now shows the stored status
    assert stored(wish) == after
    assert events(wish).count() == 1


def test_a_new_estimate_replaces_the_old_one_until_the_wish_is_classified():
    wish = wish_in(S.NEW)
    wish.assess(wish.project.owner, estimate_hours=Decimal("5"))
    wish.assess(wish.project.owner, estimate_hours=Decimal("7.5"))
    wish.refresh_from_db()
    assert (wish.status, wish.estimate_hours) == (S.ASSESSED, Decimal("7.50"))
    assert [e.data["estimate_hours"] for e in events(wish).order_by("pk")] == ["5", "7.5"]


def test_extra_cost_prices_the_wish_and_waits_for_the_client():
    wish = wish_in(S.ASSESSED)
    phase = PhaseFactory(project=wish.project, position=1)
    wish.classify(wish.project.owner, classification=CR.Classification.EXTRA_COST, target_phase=phase)
    wish.refresh_from_db()
    assert (wish.status, wish.hourly_rate, wish.cost, wish.target_phase) == (
        S.WAITING,
        Decimal("80.00"),
        Decimal("640.00"),
        phase,
    )
    assert wish.waiting_since is not None


@pytest.mark.parametrize(
    ("status", "step", "message"),
    [
        (S.NEW, lambda w, a: w.assess(a, estimate_hours=Decimal("-1")), "cannot be negative"),
        (S.ASSESSED, lambda w, a: w.classify(a, classification="whatever"), "Choose how this wish is classified"),
        (S.WAITING, lambda w, a: w.record_decision(a, decision="maybe", at=timezone.now()), "stop, pay or swap"),
        (S.WAITING, lambda w, a: w.drop(a, reason="  "), "Say why"),
    ],
    ids=["negative-estimate", "unknown-classification", "unknown-decision", "drop-without-reason"],
)
def test_a_guard_refuses_before_anything_is_written(status, step, message):
    wish = wish_in(status)
    before = stored(wish)
    with pytest.raises(RuleViolation, match=message):
        step(wish, wish.project.owner)
    assert stored(wish) == before
    assert not events(wish).exists()


def test_classify_needs_an_estimate_a_rate_and_an_open_target_phase(alice, bob):
    wish = CR.objects.create(project=ProjectFactory(owner=alice), title="Extra page")
    extra = CR.Classification.EXTRA_COST
    with pytest.raises(RuleViolation, match="Estimate the hours first"):
        wish.classify(alice, classification=CR.Classification.FITS_SCOPE)
    wish.estimate_hours = Decimal("3")
    with pytest.raises(RuleViolation, match="hourly rate"):
        wish.classify(alice, classification=extra)
    foreign = PhaseFactory(project=ProjectFactory(owner=bob))
    with pytest.raises(RuleViolation, match="not accepted yet"):
        wish.classify(alice, classification=extra, target_phase=foreign)
    wish.refresh_from_db()
    assert (wish.status, wish.estimate_hours, wish.classification) == (S.NEW, None, "")
    assert not events(wish).exists()


def test_the_transition_table_names_every_status_and_every_move():
    assert set(CR.TRANSITIONS) == set(S)
    assert CR.TRANSITIONS[S.DONE] == CR.TRANSITIONS[S.DROPPED] == set()
    for move in MOVES:
        for source in move.sources:
            assert move.target in CR.TRANSITIONS[source], (move.name, source)
    wish = wish_in(S.NEW)
    assert wish.allowed_transitions() == {S.ASSESSED, S.WAITING, S.DECIDED, S.DROPPED}
    with pytest.raises(ValueError, match="not in the transition table"):
        wish._move((S.NEW,), S.DONE, wish.project.owner, "skip ahead")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("move", ONCE_ONLY, ids=str)
def test_two_simultaneous_moves_change_the_wish_once(move):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race is only real on PostgreSQL (run there on CI)")
    wish = wish_in(move.sources[-1])
    actor = wish.project.owner
    barrier = threading.Barrier(2)
    outcomes = []

    def click():
        tab = CR.objects.select_related("project").get(pk=wish.pk)
        barrier.wait()
        try:
            move.call(tab, actor)
        except RuleViolation:
            outcomes.append("refused")
        else:
            outcomes.append("moved")
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["moved", "refused"]
    wish.refresh_from_db()
    assert wish.status == move.target
    assert events(wish).count() == 1
