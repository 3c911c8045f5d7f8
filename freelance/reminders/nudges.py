"""Deadline reminders and nudges, found by sweeps (see sweeps.py for the exactly-once rules).

- the freelancer's daily digest: phases due in 7, 2 and 0 days, overdue phases, phases waiting
  for acceptance too long, wishes waiting for a decision, overdue invoices;
- the client's nudges: a pending acceptance, and a pending decision on a wish, after the
  configured days (a fresh link, the old one stops working);
- the freelancer's nudge to talk to a decision maker not spoken to for N weeks;
- the yearly rate review.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Case, DateField, F, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from contracts.models import BusinessProfile, HourlyRate, Invoice
from freelance.reminders.models import Reminder
from freelance.reminders.sweeps import Due, SweepResult, walk
from projects.models import AcceptanceRequest, ChangeRequest, Contact, Phase, Project

DIGEST_FROM = time(7, 0)  # the digest goes out from 7 in the morning, local time
WORKING = (Project.Status.CONTRACTED, Project.Status.ACTIVE)
OPEN_PHASES = (Phase.Status.PLANNED, Phase.Status.IN_PROGRESS, Phase.Status.CHANGES_REQUESTED)


def _profiles(owner_ids) -> dict[int, BusinessProfile]:
    return {p.owner_id: p for p in BusinessProfile.objects.filter(owner_id__in=owner_ids)}


def _profile(profiles, owner) -> BusinessProfile:
    return profiles.get(owner.pk) or BusinessProfile(owner=owner)


def _sent(kind: str, ids) -> dict[int, set[int]]:
    sent: dict[int, set[int]] = defaultdict(set)
    for object_id, stage in Reminder.objects.filter(kind=kind, object_id__in=ids).values_list("object_id", "stage"):
        sent[object_id].add(stage)
    return sent


def _next_nudge(since: date, days: list[int], sent: set[int], today: date) -> tuple[int, date] | None:
    """The next unsent nudge stage, if its day has come; stages go in order."""
    stage = max(sent, default=0) + 1
    if stage > len(days):
        return None
    due_on = since + timedelta(days=days[stage - 1])
    return (stage, due_on) if due_on <= today else None


def effective_due_date():
    """A phase's due date: fixed, or for phase 1 the project's hard first deadline."""
    return Coalesce(
        "due_date",
        Case(When(position=1, then=F("project__first_deadline")), output_field=DateField()),
        output_field=DateField(),
    )


# -- the client's nudges ------------------------------------------------------------------


def sweep_acceptance_nudges(today: date) -> SweepResult:
    from projects import acceptance

    phases = Phase.objects.filter(
        status=Phase.Status.DELIVERED, delivered_at__isnull=False, project__status__in=WORKING
    ).select_related("project__owner")

    def plan(batch):
        sent = _sent(Reminder.Kind.ACCEPTANCE_NUDGE, [p.pk for p in batch])
        profiles = _profiles({p.project.owner_id for p in batch})
        pending = defaultdict(list)
        for request in (
            AcceptanceRequest.objects.filter(phase__in=batch, acceptance__isnull=True, link__revoked_at__isnull=True)
            .filter(link__expires_at__gt=timezone.now(), link__used_at__isnull=True)
            .select_related("link", "contact")
        ):
            pending[request.phase_id].append(request)
        for phase in batch:
            if not pending[phase.pk]:
                continue
            owner = phase.project.owner
            days = BusinessProfile.days(_profile(profiles, owner).acceptance_nudge_days)
            step = _next_nudge(timezone.localdate(phase.delivered_at), days, sent[phase.pk], today)
            if step is None:
                continue
            requests = [r for r in pending[phase.pk] if r.contact and r.contact.email]

            def action(requests=requests):
                for request in requests:
                    acceptance.resend(request, actor=None, nudge=True)

            yield Due(owner_id=owner.pk, object_id=phase.pk, stage=step[0], due_on=step[1], action=action)

    return walk(phases, plan, Reminder.Kind.ACCEPTANCE_NUDGE, SweepResult())


def sweep_decision_nudges(today: date) -> SweepResult:
    from projects import bucket

    wishes = ChangeRequest.objects.filter(
        status=ChangeRequest.Status.WAITING, waiting_since__isnull=False, project__status__in=(*WORKING, "proposal")
    ).select_related("project__owner", "project__client")

    def plan(batch):
        sent = _sent(Reminder.Kind.DECISION_NUDGE, [w.pk for w in batch])
        profiles = _profiles({w.project.owner_id for w in batch})
        for wish in batch:
            owner = wish.project.owner
            days = BusinessProfile.days(_profile(profiles, owner).decision_nudge_days)
            step = _next_nudge(timezone.localdate(wish.waiting_since), days, sent[wish.pk], today)
            if step is None:
                continue
            yield Due(
                owner_id=owner.pk,
                object_id=wish.pk,
                stage=step[0],
                due_on=step[1],
                action=lambda wish=wish: _beep_quietly(bucket, wish),
            )

    return walk(wishes, plan, Reminder.Kind.DECISION_NUDGE, SweepResult())


def _beep_quietly(bucket, wish) -> None:
    from projects.models import RuleViolation

    # No contact with an email address any more: the digest still lists the wish as waiting.
    with contextlib.suppress(RuleViolation):
        bucket.beep(wish, actor=None, nudge=True)


# -- the freelancer's nudges and digest ----------------------------------------------------


def _freelancer_mail(owner, template: str, context: dict, kind: str) -> dict | None:
    if not owner.email:
        return None
    return {
        "owner": owner,
        "to": [owner.email],
        "template": template,
        "context": {"user": owner, "site_url": settings.SITE_URL, **context},
        "language": settings.LANGUAGE_CODE,
        "kind": kind,
    }


def sweep_talk_nudges(today: date) -> SweepResult:
    contacts = (
        Contact.objects.filter(is_decision_maker=True, client__projects__status__in=WORKING)
        .distinct()
        .select_related("client__owner")
    )

    def plan(batch):
        sent = _sent(Reminder.Kind.TALK_NUDGE, [c.pk for c in batch])
        profiles = _profiles({c.client.owner_id for c in batch})
        for contact in batch:
            owner = contact.client.owner
            weeks = _profile(profiles, owner).talk_nudge_weeks
            since = contact.last_spoken_on or timezone.localdate(contact.client.created_at)
            periods = (today - since).days // (weeks * 7)
            if periods < 1 or periods in sent[contact.pk]:
                continue
            mail = _freelancer_mail(
                owner,
                "talk_nudge",
                {"contact": contact, "client": contact.client, "weeks": weeks, "since": contact.last_spoken_on},
                "talk_nudge",
            )
            if mail:
                yield Due(owner_id=owner.pk, object_id=contact.pk, stage=periods, due_on=today, mail=mail)

    return walk(contacts, plan, Reminder.Kind.TALK_NUDGE, SweepResult())


def sweep_rate_reviews(today: date) -> SweepResult:
    """A year after the freelancer's own rate took effect (and every year after): review it."""
    users = get_user_model().objects.filter(is_active=True, hourly_rates__client__isnull=True).distinct()

    def plan(batch):
        latest: dict[int, HourlyRate] = {}
        for rate in HourlyRate.objects.filter(owner__in=batch, client__isnull=True).order_by("owner", "valid_from"):
            latest[rate.owner_id] = rate  # the last one per owner wins: the rate in force
        sent = _sent(Reminder.Kind.RATE_REVIEW, [u.pk for u in batch])
        for user in batch:
            rate = latest.get(user.pk)
            since = rate.valid_from if rate else None
            if since is None or today < since + timedelta(days=365):
                continue
            # One review per anniversary of the rate: the stage is that anniversary's day number.
            anniversary = since + timedelta(days=365 * ((today - since).days // 365))
            if anniversary.toordinal() in sent[user.pk]:
                continue
            mail = _freelancer_mail(user, "rate_review", {"rate": rate, "since": since}, "rate_review")
            if mail:
                yield Due(owner_id=user.pk, object_id=user.pk, stage=anniversary.toordinal(), due_on=today, mail=mail)

    return walk(users, plan, Reminder.Kind.RATE_REVIEW, SweepResult())


def digest_sections(owner_ids, today: date) -> dict[int, dict]:
    """Everything the digest shows, for many freelancers at once: five queries in all."""
    sections: dict[int, dict] = defaultdict(lambda: defaultdict(list))
    horizon = today + timedelta(days=7)
    phases = (
        Phase.objects.filter(project__owner__in=owner_ids, project__status__in=WORKING, status__in=OPEN_PHASES)
        .annotate(due=effective_due_date())
        .filter(due__lte=horizon)
        .select_related("project")
        .order_by("due", "pk")
    )
    for phase in phases:
        days = (phase.due - today).days
        key = "overdue" if days < 0 else (f"due_in_{days}" if days in (0, 2, 7) else None)
        if key:
            sections[phase.project.owner_id][key].append(phase)
    profiles = _profiles(owner_ids)
    waiting = Phase.objects.filter(
        project__owner__in=owner_ids, status=Phase.Status.DELIVERED, delivered_at__isnull=False
    ).select_related("project")
    for phase in waiting.order_by("delivered_at"):
        limit = (profiles.get(phase.project.owner_id) or BusinessProfile()).waiting_too_long_days
        if (today - timezone.localdate(phase.delivered_at)).days > limit:
            sections[phase.project.owner_id]["waiting_acceptance"].append(phase)
    for wish in ChangeRequest.objects.filter(
        project__owner__in=owner_ids, status=ChangeRequest.Status.WAITING
    ).select_related("project"):
        sections[wish.project.owner_id]["waiting_decision"].append(wish)
    for invoice in Invoice.objects.filter(Invoice.overdue(today), owner__in=owner_ids).select_related("client"):
        sections[invoice.owner_id]["overdue_invoices"].append(invoice)
    return sections


def sweep_digests(today: date, now: datetime) -> SweepResult:
    if timezone.localtime(now).time() < DIGEST_FROM:
        return SweepResult()
    users = get_user_model().objects.filter(is_active=True).exclude(email="").exclude(business__daily_digest=False)

    def plan(batch):
        sent = _sent(Reminder.Kind.DIGEST, [u.pk for u in batch])
        sections = digest_sections([u.pk for u in batch], today)
        for user in batch:
            if today.toordinal() in sent[user.pk] or not sections.get(user.pk):
                continue
            mail = _freelancer_mail(user, "digest", {"today": today, "s": dict(sections[user.pk])}, "digest")
            yield Due(owner_id=user.pk, object_id=user.pk, stage=today.toordinal(), due_on=today, mail=mail)

    return walk(users, plan, Reminder.Kind.DIGEST, SweepResult())


def sweep_all(now: datetime | None = None) -> int:
    now = now or timezone.now()
    today = timezone.localdate(now)
    results = [
        sweep_acceptance_nudges(today),
        sweep_decision_nudges(today),
        sweep_talk_nudges(today),
        sweep_rate_reviews(today),
        sweep_digests(today, now),
    ]
    return sum(result.sent for result in results)
