"""The client's nudges cost the same queries per batch whether one or twenty are due in it.

Each sweep scans the same 21 objects twice: on the first day one of them is due, on the
next day the other twenty (with two contacts on one, and one contact without an email
address any more or a client without one). The queries of the batch must not grow with
what it sends, and what it sends must be what one nudge at a time sent: the old link
revoked, a fresh one with a new token, and the mail rendered from the same template.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from freelance.lib.formats import freelancer_name
from freelance.links.models import ClientLink
from freelance.outbox.models import OutgoingEmail
from freelance.outbox.queue import render_email
from freelance.reminders.models import Reminder
from projects import acceptance, bucket
from projects.models import AcceptanceRequest, ChangeRequest, Phase, Project
from projects.nudges import NudgeSettings, sweep_acceptance_nudges, sweep_decision_nudges
from tests.factories import ClientFactory, ContactFactory, PhaseFactory, ProjectFactory

pytestmark = pytest.mark.django_db

START = date(2026, 11, 2)  # a Monday
TOKEN = re.compile(r"/l/([A-Za-z0-9_-]+)/")


def at(day: date, hour: int = 9):
    return time_machine.travel(
        timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=hour)), tick=False
    )


def settings_for(owners):
    return lambda owner_id: NudgeSettings(acceptance_days=[3, 7], decision_days=[3, 7], talk_weeks=6)


def project_for(owner, n: int, *, contacts: int = 1, language: str = "nl") -> Project:
    client = ClientFactory(owner=owner, language=language)
    for k in range(contacts):
        ContactFactory(client=client, name=f"Contact {n}-{k}", is_decision_maker=True)
    return ProjectFactory(owner=owner, client=client, status=Project.Status.ACTIVE, hourly_rate=Decimal("90"))


def token_of(mail: OutgoingEmail) -> str:
    tokens = set(TOKEN.findall(mail.body_text))
    assert len(tokens) == 1, mail.body_text
    return tokens.pop()


def new_mails(before: set[int], kind: str) -> list[OutgoingEmail]:
    return list(OutgoingEmail.objects.exclude(pk__in=before).filter(kind=kind).order_by("pk"))


# -- acceptance ---------------------------------------------------------------------------


def delivered(owner, n: int, day: date, **kwargs) -> Phase:
    project = project_for(owner, n, **kwargs)
    phase = PhaseFactory(project=project, position=1, title=f"Design {n}")
    with at(day):
        Phase.objects.filter(pk=phase.pk).update(status=Phase.Status.DELIVERED, delivered_at=timezone.now())
        phase.refresh_from_db()
        acceptance.send_acceptance_requests(
            phase,
            actor=owner,
            contacts=list(project.client.contacts.all()),
            note=f"Everything for phase {n}.",
            deliverables=[f"https://example.nl/{n}"],
        )
    return phase


def check_acceptance_nudges(owner, phases: list[Phase], before: set[int], old: dict[int, AcceptanceRequest]):
    """Each pending request of these phases was resent as a nudge, exactly as `resend` does it."""
    mails = new_mails(before, "phase_acceptance_nudge")
    expected = [r for p in phases for r in old.values() if r.phase_id == p.pk and r.contact.email]
    assert sorted(m.to[0] for m in mails) == sorted(r.contact.email for r in expected)
    for mail in mails:
        link = ClientLink.find(token_of(mail))
        assert link is not None and link.revoked_at is None and link.used_at is None
        assert len(token_of(mail)) >= 43  # 256 bits, base64url
        request = AcceptanceRequest.objects.select_related("phase__project__client", "contact").get(link=link)
        previous = next(r for r in expected if r.contact_id == request.contact_id)
        previous.link.refresh_from_db()
        assert previous.link.revoked_at is not None
        assert previous.link.revoked_reason == gettext("a new link was sent")
        assert request.pk != previous.pk and request.phase_id == previous.phase_id
        assert (request.delivery_note, request.deliverables) == (previous.delivery_note, previous.deliverables)
        assert request.created_by is None
        phase, project, contact = request.phase, request.phase.project, request.contact
        assert link.purpose == ClientLink.Purpose.PHASE_ACCEPTANCE and link.target == phase
        assert (link.recipient_email, link.recipient_name, link.language) == (
            contact.email,
            contact.name,
            project.client.language,
        )
        assert link.expires_at == link.created_at + timedelta(days=settings.CLIENT_LINK_DAYS)
        assert (mail.owner, mail.to, mail.reply_to, mail.language) == (
            owner,
            [contact.email],
            [owner.email],
            project.client.language,
        )
        context = {
            "request": request,
            "phase": phase,
            "project": project,
            "contact": contact,
            "freelancer": freelancer_name(owner),
            "url": ClientLink.url_for(token_of(mail)),
            "expires_at": link.expires_at,
            "nudge": True,
        }
        with at(timezone.localdate(link.created_at)):
            rendered = render_email("phase_acceptance_request", context, project.client.language)
        assert (mail.subject, mail.body_text, mail.body_html) == rendered
    return mails


def test_acceptance_nudges_cost_the_same_queries_for_one_or_twenty(alice):
    first = delivered(alice, 0, START)
    twenty = [delivered(alice, n, START + timedelta(days=1)) for n in range(1, 19)]
    twenty.append(delivered(alice, 19, START + timedelta(days=1), contacts=2, language="en"))
    lost_email = delivered(alice, 20, START + timedelta(days=1))
    lost_email.project.client.contacts.update(email="")
    twenty.append(lost_email)
    old = {r.pk: r for r in AcceptanceRequest.objects.select_related("link", "contact")}
    assert len(old) == 22

    before = set(OutgoingEmail.objects.values_list("pk", flat=True))
    with at(START + timedelta(days=3)):
        one = sweep_acceptance_nudges(timezone.localdate(), settings_for=settings_for)
    assert (one.scanned, one.sent) == (21, 1)
    assert len(check_acceptance_nudges(alice, [first], before, old)) == 1

    before = set(OutgoingEmail.objects.values_list("pk", flat=True))
    with at(START + timedelta(days=4)):
        many = sweep_acceptance_nudges(timezone.localdate(), settings_for=settings_for)
    assert (many.scanned, many.sent) == (21, 20)
    assert len(check_acceptance_nudges(alice, twenty, before, old)) == 20  # 18 + 2 contacts + 0 without email

    assert many.per_batch_queries == one.per_batch_queries, (one.per_batch_queries, many.per_batch_queries)
    # The contact without an email address: nothing sent, the link left alone, the claim taken (once).
    request = lost_email.acceptance_requests.get()
    assert request.link.revoked_at is None
    assert Reminder.objects.filter(kind=Reminder.Kind.ACCEPTANCE_NUDGE).count() == 21

    with at(START + timedelta(days=4), 16):
        again = sweep_acceptance_nudges(timezone.localdate(), settings_for=settings_for)
    assert again.sent == 0  # exactly once


# -- decisions ------------------------------------------------------------------------------


def waiting(owner, n: int, day: date, *, target: bool = False, **kwargs) -> ChangeRequest:
    project = project_for(owner, n, **kwargs)
    phase = PhaseFactory(project=project, position=1, title=f"Build {n}")
    PhaseFactory(project=project, position=2, title=f"Launch {n}")
    with at(day):
        wish = bucket.add_wish(project, title=f"A chat widget {n}", actor=owner)
        bucket.assess(wish, estimate_hours=Decimal("6"), actor=owner)
        bucket.classify(wish, classification="extra_cost", actor=owner, target_phase=phase if target else None)
    wish.refresh_from_db()
    assert wish.status == ChangeRequest.Status.WAITING
    return wish


def check_decision_nudges(owner, wishes: list[ChangeRequest], before: set[int], old: set[int]):
    mails = new_mails(before, "change_request_nudge")
    for wish in wishes:
        links = list(ClientLink.for_target(wish).order_by("pk"))
        previous = [link for link in links if link.pk in old]
        fresh = [link for link in links if link.pk not in old]
        deciders = wish.project.client.deciders()
        assert len(fresh) == len(deciders)
        assert all(link.revoked_reason == "a newer link was sent" and link.revoked_at for link in previous)
        for contact, link in zip(deciders, fresh, strict=True):
            mail = next(m for m in mails if ClientLink.find(token_of(m)) == link)
            assert link.purpose == ClientLink.Purpose.CHANGE_DECISION and link.revoked_at is None
            assert (link.recipient_email, link.recipient_name, link.language) == (
                contact.email,
                contact.name,
                wish.project.client.language,
            )
            assert link.expires_at == link.created_at + timedelta(days=settings.CLIENT_LINK_DAYS)
            assert (mail.owner, mail.to, mail.reply_to, mail.language) == (
                owner,
                [contact.email],
                [owner.email],
                wish.project.client.language,
            )
            context = {
                "wish": wish,
                "project": wish.project,
                "contact": contact,
                "freelancer": freelancer_name(owner),
                "url": ClientLink.url_for(token_of(mail)),
                "expires_at": link.expires_at,
                "placement": bucket.placement(wish),
                "nudge": True,
            }
            assert (mail.subject, mail.body_text, mail.body_html) == render_email(
                "change_request_beep", context, wish.project.client.language
            )
    return mails


def test_decision_nudges_cost_the_same_queries_for_one_or_twenty(alice):
    first = waiting(alice, 0, START)
    twenty = [waiting(alice, n, START + timedelta(days=1), target=n % 2 == 0) for n in range(1, 19)]
    twenty.append(waiting(alice, 19, START + timedelta(days=1), contacts=2, language="en"))
    nobody = waiting(alice, 20, START + timedelta(days=1), contacts=0)
    twenty.append(nobody)
    old = set(ClientLink.objects.values_list("pk", flat=True))
    assert len(old) == 21

    before = set(OutgoingEmail.objects.values_list("pk", flat=True))
    with at(START + timedelta(days=3)):
        one = sweep_decision_nudges(timezone.localdate(), settings_for=settings_for)
    assert (one.scanned, one.sent) == (21, 1)
    assert len(check_decision_nudges(alice, [first], before, old)) == 1

    before = set(OutgoingEmail.objects.values_list("pk", flat=True))
    with at(START + timedelta(days=4)):
        many = sweep_decision_nudges(timezone.localdate(), settings_for=settings_for)
    assert (many.scanned, many.sent) == (21, 20)
    assert len(check_decision_nudges(alice, twenty, before, old)) == 20  # 18 + 2 contacts + 0 for nobody

    assert many.per_batch_queries == one.per_batch_queries, (one.per_batch_queries, many.per_batch_queries)
    assert not ClientLink.for_target(nobody).exists()
    assert Reminder.objects.filter(kind=Reminder.Kind.DECISION_NUDGE).count() == 21

    with at(START + timedelta(days=4), 16):
        again = sweep_decision_nudges(timezone.localdate(), settings_for=settings_for)
    assert again.sent == 0  # exactly once
