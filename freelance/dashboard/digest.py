"""The freelancer's daily digest, and the sweep of the freelancer's day that beat starts.

The digest gathers from both worlds (phases due in 7, 2 and 0 days, overdue phases, phases
waiting for acceptance too long, wishes waiting for a decision, overdue invoices), so it
lives in the site layer, which may import projects and contracts alike.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from contracts import reminders
from contracts.models import BusinessProfile, Invoice
from freelance.reminders.models import Reminder
from freelance.reminders.sweeps import Due, SweepResult, freelancer_mail, sent_stages, walk
from projects import nudges
from projects.models import ChangeRequest, Phase

DIGEST_FROM = time(7, 0)  # the digest goes out from 7 in the morning, local time


def digest_sections(owner_ids, today: date) -> dict[int, dict]:
    """Everything the digest shows, for many freelancers at once: five queries in all."""
    sections: dict[int, dict] = defaultdict(lambda: defaultdict(list))
    horizon = today + timedelta(days=7)
    phases = (
        Phase.objects.filter(
            project__owner__in=owner_ids, project__status__in=nudges.WORKING, status__in=nudges.OPEN_PHASES
        )
        .annotate(due=nudges.effective_due_date())
        .filter(due__lte=horizon)
        .select_related("project")
        .order_by("due", "pk")
    )
    for phase in phases:
        days = (phase.due - today).days
        key = "overdue" if days < 0 else (f"due_in_{days}" if days in (0, 2, 7) else None)
        if key:
            sections[phase.project.owner_id][key].append(phase)
    profiles = {p.owner_id: p for p in BusinessProfile.objects.filter(owner_id__in=owner_ids)}
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
        sent = sent_stages(Reminder.Kind.DIGEST, [u.pk for u in batch])
        sections = digest_sections([u.pk for u in batch], today)
        for user in batch:
            if today.toordinal() in sent[user.pk] or not sections.get(user.pk):
                continue
            mail = freelancer_mail(user, "digest", {"today": today, "s": dict(sections[user.pk])}, "digest")
            yield Due(owner_id=user.pk, object_id=user.pk, stage=today.toordinal(), due_on=today, mail=mail)

    return walk(users, plan, Reminder.Kind.DIGEST, SweepResult())


def sweep_all(now: datetime | None = None) -> int:
    """The freelancer's day: the client's nudges, the talk nudge, the rate review and the digest."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    settings_for = BusinessProfile.nudge_settings_for
    results = [
        nudges.sweep_acceptance_nudges(today, settings_for=settings_for),
        nudges.sweep_decision_nudges(today, settings_for=settings_for),
        nudges.sweep_talk_nudges(today, settings_for=settings_for),
        reminders.sweep_rate_reviews(today),
        sweep_digests(today, now),
    ]
    return sum(result.sent for result in results)
