"""The client's nudges (a pending acceptance, a pending decision on a wish: a fresh link,
the old one stops working) and the freelancer's nudge to talk to a decision maker not
spoken to for N weeks. Found by sweeps, sent exactly once (``freelance.reminders.sweeps``).

How many days between nudges is the freelancer's setting, which lives with the business
profile in ``contracts``; the caller passes it in as ``settings_for`` (the site layer's
``freelance.dashboard.digest.sweep_all`` does), so projects never imports contracts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import Case, DateField, F, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from freelance.reminders.models import Reminder
from freelance.reminders.sweeps import Due, SweepResult, freelancer_mail, next_nudge, sent_stages, walk
from projects import acceptance, bucket
from projects.models import AcceptanceRequest, ChangeRequest, Contact, Phase, Project

WORKING = (Project.Status.CONTRACTED, Project.Status.ACTIVE)
OPEN_PHASES = (Phase.Status.PLANNED, Phase.Status.IN_PROGRESS, Phase.Status.CHANGES_REQUESTED)


@dataclass(frozen=True)
class NudgeSettings:
    """One freelancer's nudge days: after delivery, after a wish went to the client; talk weeks."""

    acceptance_days: list[int]
    decision_days: list[int]
    talk_weeks: int


SettingsFor = Callable[[set[int]], Callable[[int], NudgeSettings]]
"""Given the owners of a batch (one query), a lookup from owner id to their settings."""


def effective_due_date():
    """A phase's due date: fixed, or for phase 1 the project's hard first deadline."""
    return Coalesce(
        "due_date",
        Case(When(position=1, then=F("project__first_deadline")), output_field=DateField()),
        output_field=DateField(),
    )


# -- the client's nudges ------------------------------------------------------------------


def sweep_acceptance_nudges(today: date, *, settings_for: SettingsFor) -> SweepResult:
    phases = Phase.objects.filter(
        status=Phase.Status.DELIVERED, delivered_at__isnull=False, project__status__in=WORKING
    ).select_related("project__owner", "project__client")

    def plan(batch):
        sent = sent_stages(Reminder.Kind.ACCEPTANCE_NUDGE, [p.pk for p in batch])
        settings = settings_for({p.project.owner_id for p in batch})
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
            days = settings(owner.pk).acceptance_days
            step = next_nudge(timezone.localdate(phase.delivered_at), days, sent[phase.pk], today)
            if step is None:
                continue
            requests = [r for r in pending[phase.pk] if r.contact and r.contact.email]
            for request in requests:
                request.phase = phase  # the batch's, with its project's owner and client
            yield Due(owner_id=owner.pk, object_id=phase.pk, stage=step[0], due_on=step[1], item=requests)

    def send(won):
        # Every won claim's fresh links and mails at once: the same queries for 1 or 500 nudges.
        acceptance.resend_many([request for due in won for request in due.item], actor=None, nudge=True)

    return walk(phases, plan, Reminder.Kind.ACCEPTANCE_NUDGE, SweepResult(), prepare=send)


def sweep_decision_nudges(today: date, *, settings_for: SettingsFor) -> SweepResult:
    wishes = ChangeRequest.objects.filter(
        status=ChangeRequest.Status.WAITING, waiting_since__isnull=False, project__status__in=(*WORKING, "proposal")
    ).select_related("project__owner", "project__client", "target_phase")

    def plan(batch):
        sent = sent_stages(Reminder.Kind.DECISION_NUDGE, [w.pk for w in batch])
        settings = settings_for({w.project.owner_id for w in batch})
        for wish in batch:
            owner = wish.project.owner
            days = settings(owner.pk).decision_days
            step = next_nudge(timezone.localdate(wish.waiting_since), days, sent[wish.pk], today)
            if step is None:
                continue
            yield Due(owner_id=owner.pk, object_id=wish.pk, stage=step[0], due_on=step[1], item=wish)

    def send(won):
        # All at once; a wish without a contact with an email address any more is skipped
        # quietly (its claim stays taken): the digest still lists the wish as waiting.
        bucket.beep_many([due.item for due in won], actor=None, nudge=True)

    return walk(wishes, plan, Reminder.Kind.DECISION_NUDGE, SweepResult(), prepare=send)


# -- the freelancer's nudge ------------------------------------------------------------------


def sweep_talk_nudges(today: date, *, settings_for: SettingsFor) -> SweepResult:
    contacts = (
        Contact.objects.filter(is_decision_maker=True, client__projects__status__in=WORKING)
        .distinct()
        .select_related("client__owner")
    )

    def plan(batch):
        sent = sent_stages(Reminder.Kind.TALK_NUDGE, [c.pk for c in batch])
        settings = settings_for({c.client.owner_id for c in batch})
        for contact in batch:
            owner = contact.client.owner
            weeks = settings(owner.pk).talk_weeks
            since = contact.last_spoken_on or timezone.localdate(contact.client.created_at)
            periods = (today - since).days // (weeks * 7)
            if periods < 1 or periods in sent[contact.pk]:
                continue
            mail = freelancer_mail(
                owner,
                "talk_nudge",
                {"contact": contact, "client": contact.client, "weeks": weeks, "since": contact.last_spoken_on},
                "talk_nudge",
            )
            if mail:
                yield Due(owner_id=owner.pk, object_id=contact.pk, stage=periods, due_on=today, mail=mail)

    return walk(contacts, plan, Reminder.Kind.TALK_NUDGE, SweepResult())
