"""The client's standing project page: one revocable link per project, issued by the freelancer.

The page (projects/public_bucket.py) shows the plan and the bucket and takes new wishes;
it changes nothing else. A new link revokes the previous ones, so at most one works.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from freelance.lib.formats import freelancer_name
from freelance.lib.rules import RuleViolation
from freelance.links.models import ClientLink
from projects.models import Contact, Project

LIFETIME = timedelta(days=365)
PURPOSE = ClientLink.Purpose.PROJECT_PAGE


def project_page_links(project: Project):
    return ClientLink.for_target(project).filter(purpose=PURPOSE)


def active_project_page_link(project: Project) -> ClientLink | None:
    """The link that works now, if any: for the freelancer's project page."""
    return project_page_links(project).filter(ClientLink.usable()).order_by("-created_at").first()


def default_contact(project: Project) -> Contact | None:
    return next(iter(project.client.deciders()), None)


def issue_project_page_link(project: Project, *, actor, contact: Contact | None = None) -> tuple[ClientLink, str]:
    """A fresh link to the project page for the decision maker (or `contact`), emailed to them.

    Older project page links of this project stop working. Without a contact with an email
    address the link is issued all the same (for the freelancer to pass on), but not mailed.
    Returns the link and its raw token; the token is not stored: show the URL now or never.
    """
    from freelance.outbox.queue import queue_email

    if project.status in (Project.Status.COMPLETED, Project.Status.STOPPED):
        raise RuleViolation(_("This project is closed; it gets no new client page link."))
    if contact is not None and contact.client_id != project.client_id:
        raise RuleViolation(_("Choose a contact of this project's client."))
    contact = contact or default_contact(project)
    language = project.client.language
    with transaction.atomic():
        revoke_project_page_links(project, reason="a newer link was issued")
        link, token = ClientLink.issue(
            owner=project.owner,
            purpose=PURPOSE,
            target=project,
            recipient_email=contact.email if contact else "",
            recipient_name=contact.name if contact else project.client.name,
            language=language,
            lifetime=LIFETIME,
            single_use=False,
        )
        if contact is not None and contact.email:
            queue_email(
                owner=project.owner,
                to=[contact.email],
                reply_to=[project.owner.email] if project.owner.email else [],
                template="client_project_page",
                context={
                    "project": project,
                    "contact": contact,
                    "freelancer": freelancer_name(project.owner),
                    "url": ClientLink.url_for(token),
                    "expires_at": link.expires_at,
                },
                language=language,
                kind="client_project_page",
            )
    return link, token


def revoke_project_page_links(project: Project, *, reason: str = "withdrawn by the freelancer") -> int:
    """Every project page link of this project stops working; returns how many did."""
    return (
        project_page_links(project)
        .filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
        .update(revoked_at=timezone.now(), revoked_reason=reason[:200])
    )
