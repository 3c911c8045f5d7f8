"""Nudges and the daily digest: due on their days, once, with a fresh client link."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from contracts.models import HourlyRate
from freelance.dashboard import digest as nudges
from freelance.links.models import ClientLink
from freelance.outbox.models import OutgoingEmail
from freelance.reminders.models import Reminder
from projects import acceptance, bucket
from projects.models import Phase, Project
from tests.factories import billable_project

pytestmark = pytest.mark.django_db

START = date(2026, 11, 2)  # a Monday


def at(day: date, hour: int = 9):
    return time_machine.travel(
        timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=hour)), tick=False
    )


def kinds_per_day(first: date, last: date, kinds: set[str]) -> dict[date, list[str]]:
    seen: dict[date, list[str]] = {}
    day = first
    while day <= last:
        before = set(OutgoingEmail.objects.values_list("pk", flat=True))
        for hour in (6, 9, 16):
            with at(day, hour):
                nudges.sweep_all()
        new = [m.kind for m in OutgoingEmail.objects.exclude(pk__in=before).order_by("pk") if m.kind in kinds]
        if new:
            seen[day] = new
        day += timedelta(days=1)
    return seen


def delivered_phase(owner) -> Phase:
    project, phase = billable_project(owner)
    Project.objects.filter(pk=project.pk).update(status=Project.Status.ACTIVE)
    with at(START):
        Phase.objects.filter(pk=phase.pk).update(status=Phase.Status.DELIVERED, delivered_at=timezone.now())
        phase.refresh_from_db()
        acceptance.send_acceptance_requests(phase, actor=owner, contacts=list(project.client.contacts.all()))
    return phase


def test_a_pending_acceptance_is_nudged_after_3_and_7_days_with_a_fresh_link(alice):
    phase = delivered_phase(alice)
    first_link = phase.acceptance_requests.get().link
    seen = kinds_per_day(START, START + timedelta(days=20), {"phase_acceptance_nudge"})
    assert seen == {
        START + timedelta(days=3): ["phase_acceptance_nudge"],
        START + timedelta(days=7): ["phase_acceptance_nudge"],
    }
    first_link.refresh_from_db()
    assert first_link.revoked_at is not None
    with at(START + timedelta(days=8)):
        assert ClientLink.for_target(phase).filter(ClientLink.usable()).count() == 1
    nudge = OutgoingEmail.objects.filter(kind="phase_acceptance_nudge").last()
    assert nudge.to == ["bea@client.example"] and "/l/" in nudge.body_text


def test_an_accepted_phase_is_not_nudged(alice):
    phase = delivered_phase(alice)
    with at(START + timedelta(days=1)):
        phase.accept(alice)
    assert kinds_per_day(START, START + timedelta(days=10), {"phase_acceptance_nudge"}) == {}


def test_a_pending_decision_is_nudged_after_3_and_7_days(alice):
    project, _phase = billable_project(alice)
    Project.objects.filter(pk=project.pk).update(status=Project.Status.ACTIVE, hourly_rate=Decimal("90"))
    project.refresh_from_db()
    with at(START):
        wish = bucket.add_wish(project, title="A chat widget", actor=alice)
        bucket.assess(wish, estimate_hours=Decimal("6"), actor=alice)
        bucket.classify(wish, classification="extra_cost", actor=alice)
    seen = kinds_per_day(START, START + timedelta(days=12), {"change_request_nudge"})
    assert seen == {
        START + timedelta(days=3): ["change_request_nudge"],
        START + timedelta(days=7): ["change_request_nudge"],
    }


def test_the_digest_goes_out_once_a_day_after_seven_with_what_is_due(alice, django_user_model):
    project, phase = billable_project(alice)
    Project.objects.filter(pk=project.pk).update(status=Project.Status.ACTIVE, first_deadline=START + timedelta(days=7))
    quiet = django_user_model.objects.create_user("quiet", "quiet@example.nl", "x")
    seen = kinds_per_day(START, START + timedelta(days=9), {"digest"})
    # due in 7 days (day 0), in 2 days (day 5), today (day 7), overdue (days 8, 9)
    assert sorted(seen) == [
        START,
        START + timedelta(days=5),
        START + timedelta(days=7),
        START + timedelta(days=8),
        START + timedelta(days=9),
    ]
    assert all(v == ["digest"] for v in seen.values())
    assert not OutgoingEmail.objects.filter(kind="digest", to=[quiet.email]).exists()
    with at(START + timedelta(days=8), 6):
        assert nudges.sweep_digests(START + timedelta(days=10), timezone.now()).sent == 0  # before 07:00
    last = OutgoingEmail.objects.filter(kind="digest").last()
    assert phase.title in last.body_text


def test_talk_nudge_once_per_period_and_rate_review_once_a_year(alice):
    project, _phase = billable_project(alice)
    Project.objects.filter(pk=project.pk).update(status=Project.Status.ACTIVE)
    contact = project.client.contacts.get()
    contact.is_decision_maker = True
    contact.last_spoken_on = START
    contact.save()
    HourlyRate.objects.create(owner=alice, valid_from=START - timedelta(days=360), amount=Decimal("90"))
    seen = kinds_per_day(START, START + timedelta(days=90), {"talk_nudge", "rate_review"})
    assert seen == {
        START + timedelta(days=5): ["rate_review"],
        START + timedelta(weeks=6): ["talk_nudge"],
        START + timedelta(weeks=12): ["talk_nudge"],
    }
    assert Reminder.objects.filter(kind="rate_review").count() == 1
