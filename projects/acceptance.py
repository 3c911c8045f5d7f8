"""Acceptance of a delivered phase by the client, through a link in an email.

This workflow spans the phase, the client link, the evidence and the outbox, so it
lives here rather than on one model. The phase's own rules still decide every move.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from freelance.documents import registry as documents
from freelance.evidence.chain import entry_for
from freelance.lib.evidence import Meta, SnapshotChanged, snapshot_hash
from freelance.lib.formats import freelancer_name
from freelance.lib.pdf import render_pdf
from freelance.lib.rules import RuleViolation
from freelance.links.models import ClientLink, LinkUnavailable
from freelance.outbox.notify import notify_client_then_freelancer
from freelance.outbox.queue import DocumentRef, queue_email, queue_emails
from projects.models import Acceptance, AcceptanceRequest, Contact, Phase, history_message

# -- what the client is shown, and its hash ---------------------------------------------


def next_phase_consequence(phase: Phase, on: date) -> dict | None:
    following = phase.next()
    if following is None:
        return None
    due = following.due_after(on)
    return {"position": following.position, "title": following.title, "due": due.isoformat() if due else None}


def build_snapshot(request: AcceptanceRequest, *, today: date) -> dict:
    """Exactly what the acceptance page shows, as plain data. Its hash goes into the evidence."""
    phase = request.phase
    project = phase.project
    return {
        "request": request.pk,
        "freelancer": freelancer_name(project.owner),
        "client": project.client.name,
        "project": project.name,
        "phase": {"position": phase.position, "title": phase.title, "description": phase.description},
        "scope": [
            {"title": item.title, "estimate_hours": str(item.estimate_hours)} for item in phase.scope_items.all()
        ],
        "delivery_note": request.delivery_note,
        "deliverables": list(request.deliverables),
        "recipient": {"name": request.link.recipient_name, "email": request.link.recipient_email},
        "if_accepted_today": {"date": today.isoformat(), "next_phase": next_phase_consequence(phase, today)},
    }


# -- the freelancer sends ---------------------------------------------------------------


def default_recipients(phase: Phase) -> list[Contact]:
    return phase.project.client.deciders()


def send_acceptance_requests(
    phase: Phase, *, actor, contacts: list[Contact], note: str = "", deliverables: list[str] | None = None
) -> list[AcceptanceRequest]:
    """Email each contact a link to accept the delivered phase. Older links for it stop working."""
    if phase.status != Phase.Status.DELIVERED:
        raise RuleViolation(_("Only a delivered phase can be sent for acceptance."))
    contacts = [c for c in contacts if c.email and c.client_id == phase.project.client_id]
    if not contacts:
        raise RuleViolation(_("Choose at least one contact with an email address."))
    requests = []
    with transaction.atomic():
        phase.revoke_acceptance_links(_("a newer request was sent"))
        for contact in contacts:
            requests.append(_issue(phase, contact, actor=actor, note=note, deliverables=deliverables or []))
    return requests


def _issue(
    phase: Phase, contact: Contact, *, actor, note: str, deliverables: list[str], nudge: bool = False
) -> AcceptanceRequest:
    link, token = ClientLink.issue(**_link_spec(phase, contact))
    request = AcceptanceRequest.objects.create(
        phase=phase, link=link, contact=contact, delivery_note=note, deliverables=deliverables, created_by=actor
    )
    queue_email(**_request_mail(request, token, nudge=nudge))
    return request


def _link_spec(phase: Phase, contact: Contact) -> dict:
    return contact.link_fields(phase.project, ClientLink.Purpose.PHASE_ACCEPTANCE, phase)


def _request_mail(request: AcceptanceRequest, token: str, *, nudge: bool) -> dict:
    """``queue_email`` keyword arguments: the request's link, mailed to its contact."""
    phase, contact, link = request.phase, request.contact, request.link
    project = phase.project
    context = {
        "request": request,
        "phase": phase,
        "project": project,
        "contact": contact,
        "freelancer": freelancer_name(project.owner),
        "url": ClientLink.url_for(token),
        "expires_at": link.expires_at,
        "nudge": nudge,
    }
    return {
        "owner": project.owner,
        "to": [contact.email],
        "reply_to": [project.owner.email] if project.owner.email else [],
        "template": "phase_acceptance_request",
        "context": context,
        "language": project.client.language,
        "kind": "phase_acceptance_nudge" if nudge else "phase_acceptance_request",
    }


def resend(request: AcceptanceRequest, *, actor, nudge: bool = False) -> AcceptanceRequest:
    """A fresh link for the same contact; the old one stops working. `nudge`: as a reminder."""
    phase = request.phase
    if phase.status != Phase.Status.DELIVERED:
        raise RuleViolation(_("Only a delivered phase can be sent for acceptance."))
    if request.contact is None or not request.contact.email:
        raise RuleViolation(_("This contact has no email address any more."))
    with transaction.atomic():
        request.link.revoke(_("a new link was sent"))
        return _issue(
            phase,
            request.contact,
            actor=actor,
            note=request.delivery_note,
            deliverables=list(request.deliverables),
            nudge=nudge,
        )


def resend_many(requests: list[AcceptanceRequest], *, actor, nudge: bool = False) -> list[AcceptanceRequest]:
    """``resend`` for many requests, with the same queries for one as for five hundred.

    One UPDATE revokes the old links, one INSERT each makes the new links and requests, and
    the mails are queued together (``queue_emails``). Each request's phase should come with
    its project's owner and client (``select_related``), or reading them costs a query each.
    Refuses (RuleViolation, nothing sent) if ``resend`` would refuse any of them."""
    for request in requests:
        if request.phase.status != Phase.Status.DELIVERED:
            raise RuleViolation(_("Only a delivered phase can be sent for acceptance."))
        if request.contact is None or not request.contact.email:
            raise RuleViolation(_("This contact has no email address any more."))
    if not requests:
        return []
    with transaction.atomic():
        ClientLink.revoke_many([request.link for request in requests], _("a new link was sent"))
        issued = ClientLink.issue_many([_link_spec(request.phase, request.contact) for request in requests])
        fresh = AcceptanceRequest.objects.bulk_create(
            AcceptanceRequest(
                phase=request.phase,
                link=link,
                contact=request.contact,
                delivery_note=request.delivery_note,
                deliverables=list(request.deliverables),
                created_by=actor,
            )
            for request, (link, _token) in zip(requests, issued, strict=True)
        )
        queue_emails(
            [_request_mail(request, token, nudge=nudge) for request, (_link, token) in zip(fresh, issued, strict=True)]
        )
    return fresh


def revoke(request: AcceptanceRequest) -> bool:
    return request.link.revoke(_("withdrawn by the freelancer"))


# -- the client decides -----------------------------------------------------------------


def decide(
    request: AcceptanceRequest,
    *,
    decision: str,
    shown_hash: str,
    visit: dict,
    meta: Meta,
    typed_name: str = "",
    comment: str = "",
) -> Acceptance:
    """Record the client's decision with its evidence, and apply it to the phase.

    Raises LinkUnavailable if the link was used, revoked or expired in the meantime (a
    double submit, or another contact was quicker), RuleViolation if the phase moved on,
    SnapshotChanged if what was shown no longer matches.
    """
    phase = request.phase
    link = request.link
    snapshot = build_snapshot(request, today=timezone.localdate(meta.at))
    digest = snapshot_hash(snapshot)
    if digest != shown_hash:
        raise SnapshotChanged
    # Language-neutral: the history shows it in its reader's language (projects.models.history_text).
    label = history_message("%(name)s (client, via email link)", name=typed_name or link.recipient_name)
    with transaction.atomic():
        link.claim()
        if decision == Acceptance.Decision.ACCEPTED:
            phase.accept(
                None,
                accepted_at=meta.at,
                actor_label=label,
                reason=history_message("Accepted by %(name)s", name=typed_name),
            )
        else:
            phase.request_changes(None, comment=comment, actor_label=label)
            phase.resume(None, actor_label=label)
        acceptance = Acceptance.record(
            visit=visit,
            meta=meta,
            snapshot=snapshot,
            request=request,
            phase=phase,
            decision=decision,
            typed_name=typed_name,
            comment=comment,
            contact=request.contact,
            contact_name=link.recipient_name,
            contact_email=link.recipient_email,
        )
        notify(acceptance)
    return acceptance


def certificate_pdf(acceptance: Acceptance, language: str | None = None) -> bytes:
    language = language or acceptance.phase.project.client.language
    with translation.override(language):
        return render_pdf(
            "pdf/acceptance_certificate.html",
            {"acceptance": acceptance, "snapshot": acceptance.snapshot, "verified": acceptance.verify()},
        )


def certificate_filename(acceptance: Acceptance) -> str:
    return f"acceptance-{acceptance.phase.project_id}-phase-{acceptance.phase.position}-{acceptance.pk}.pdf"


CERTIFICATE = "acceptance_certificate"


def certificate_reference(acceptance: Acceptance, language: str | None = None) -> str:
    return documents.reference(CERTIFICATE, acceptance.pk, language or acceptance.phase.project.client.language)


@documents.register(CERTIFICATE)
def _certificate_source(object_id: str, language: str) -> documents.Source | None:
    """The certificate is rendered once per acceptance and language; the evidence never changes."""
    acceptance = Acceptance.objects.select_related("phase__project__owner").filter(pk=object_id).first()
    if acceptance is None:
        return None
    return documents.Source(
        owner=acceptance.phase.project.owner,
        filename=certificate_filename(acceptance),
        inputs={
            "acceptance": acceptance.pk,
            "sha256": acceptance.snapshot_sha256,
            "verified": acceptance.verify(),
            "language": language,
            # The chain hash the certificate prints: a certificate stored before the chain
            # existed is rendered again, now with it.
            "chain": getattr(entry_for(acceptance), "chain_hash", ""),
        },
        render=lambda: certificate_pdf(acceptance, language or None),
    )


def notify(acceptance: Acceptance) -> None:
    """The client gets a confirmation (with the certificate when accepted); the freelancer hears at once."""
    phase = acceptance.phase
    project = phase.project
    attachments = []
    if acceptance.decision == Acceptance.Decision.ACCEPTED:
        # By reference: the worker renders the certificate when it sends the mail, so the
        # client's POST never waits for WeasyPrint.
        attachments = [
            (certificate_filename(acceptance), DocumentRef(certificate_reference(acceptance)), "application/pdf")
        ]
    notify_client_then_freelancer(
        "phase_decision",
        owner=project.owner,
        client_email=acceptance.contact_email,
        client_language=project.client.language,
        context={
            "acceptance": acceptance,
            "phase": phase,
            "project": project,
            "following": phase.next(),
            "freelancer": freelancer_name(project.owner),
        },
        attachments=attachments,
    )


__all__ = [
    "LinkUnavailable",
    "Meta",
    "SnapshotChanged",
    "build_snapshot",
    "certificate_pdf",
    "decide",
    "default_recipients",
    "resend",
    "resend_many",
    "revoke",
    "send_acceptance_requests",
    "snapshot_hash",
]
