"""The client's standing project page, behind /c/<id>/, no account needed.

The plan with its dates, the bucket, and a form for a new wish; it changes nothing else.
New wishes go through projects/bucket.py like the freelancer's own.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from freelance.lib.formats import freelancer_name
from freelance.lib.money import format_money
from freelance.lib.rules import RuleViolation
from freelance.links.models import ClientLink, LinkUnavailable
from freelance.links.registry import register
from freelance.links.views import unavailable
from projects import bucket
from projects.forms.public import WishForm
from projects.models import ChangeRequest, DateKind, Phase, Project, ScopeItem

CR = ChangeRequest
DUPLICATE_WINDOW = timedelta(minutes=2)  # a double click on "add my wish" adds it once


# -- the client's project page ------------------------------------------------------------


PHASE_BADGES = {
    Phase.Status.PLANNED: "badge-neutral",
    Phase.Status.IN_PROGRESS: "badge-info",
    Phase.Status.DELIVERED: "badge-warn",
    Phase.Status.CHANGES_REQUESTED: "badge-bad",
    Phase.Status.ACCEPTED: "badge-ok",
}


def phase_status_label(status: str) -> str:
    return {
        Phase.Status.PLANNED: _("Planned"),
        Phase.Status.IN_PROGRESS: _("In progress"),
        Phase.Status.DELIVERED: _("Delivered: waiting for your acceptance"),
        Phase.Status.CHANGES_REQUESTED: _("Being changed at your request"),
        Phase.Status.ACCEPTED: _("Accepted"),
    }[status]


def date_kind_label(kind: str | None) -> str:
    return {
        DateKind.HARD: _("hard deadline"),
        DateKind.FIXED: _("fixed"),
        DateKind.PROJECTED: _("expected"),
    }.get(kind, "")


def wish_status(wish: ChangeRequest) -> tuple[str, str]:
    """What the client reads about a wish, and a badge class. The classification stays internal."""
    if wish.status in (CR.Status.NEW, CR.Status.ASSESSED):
        return _("Received: being looked at"), "badge-neutral"
    if wish.status == CR.Status.WAITING:
        return (
            _("Waiting for your decision: %(cost)s excl. VAT. See the email with the link to decide.")
            % {"cost": format_money(wish.cost)},
            "badge-warn",
        )
    if wish.status == CR.Status.DECIDED:
        if wish.decision == CR.Decision.PAY:
            return _("Will be built as paid extra work (%(cost)s excl. VAT)") % {
                "cost": format_money(wish.cost)
            }, "badge-info"
        if wish.decision == CR.Decision.SWAP:
            return _("Will be built instead of planned work"), "badge-info"
        return _("Will be built within the agreed work"), "badge-info"
    if wish.status == CR.Status.DONE:
        return _("Done"), "badge-ok"
    if wish.decision == CR.Decision.STOP:
        return _("Not going ahead: you chose to stop"), "badge-neutral"
    return _("Not going ahead"), "badge-neutral"


def plan_rows(project: Project) -> list[dict]:
    items: dict[int, list[ScopeItem]] = {}
    for item in ScopeItem.objects.filter(phase__project=project).order_by("phase__position", "position", "pk"):
        items.setdefault(item.phase_id, []).append(item)
    rows = []
    for entry in project.schedule():
        phase = entry.phase
        rows.append(
            {
                "phase": phase,
                "status": phase_status_label(phase.status),
                "badge": PHASE_BADGES[phase.status],
                "date": entry.date,
                "kind": entry.kind,
                "kind_label": date_kind_label(entry.kind),
                "accepted_on": entry.accepted_on,
                "previous": phase.position - 1,
                "items": items.get(phase.pk, []),
            }
        )
    return rows


def _project(link: ClientLink) -> Project | None:
    project = link.target
    if not isinstance(project, Project) or project.owner_id != link.owner_id:
        return None
    return project


def _contact_of(link: ClientLink, project: Project):
    if not link.recipient_email:
        return None
    return project.client.contacts.filter(email__iexact=link.recipient_email).first()


@register(ClientLink.Purpose.PROJECT_PAGE)
class ClientProjectPage:
    template = "projects/public_project.html"

    def page(self, request: HttpRequest, link: ClientLink, visit: dict) -> HttpResponse:
        project = _project(link)
        if project is None:
            return unavailable(request, "unknown")
        form = WishForm()
        status = 200
        if request.method == "POST":
            form = WishForm(request.POST)
            if form.is_valid():
                try:
                    self.add_wish(link, project, **form.cleaned_data)
                except LinkUnavailable as exc:
                    return unavailable(request, exc.state, link)
                except RuleViolation as refused:
                    form.add_error(None, str(refused))
                    status = 422
                else:
                    messages.success(
                        request,
                        _("Thank you: “%(title)s” is in the bucket. You will hear what it means for the plan.")
                        % {"title": form.cleaned_data["title"]},
                    )
                    return redirect(link.get_absolute_url())
            else:
                status = 422
        wishes = [(wish, *wish_status(wish)) for wish in project.change_requests.order_by("-received_on", "-pk")]
        context = {
            "link": link,
            "freelancer": link.owner,
            "project": project,
            "plan": plan_rows(project),
            "wishes": wishes,
            "form": form,
            "closed": project.status in (Project.Status.COMPLETED, Project.Status.STOPPED),
        }
        return render(request, self.template, context, status=status)

    def add_wish(self, link: ClientLink, project: Project, *, title: str, description: str) -> None:
        with transaction.atomic():
            link.claim()  # a standing link: this only checks, atomically, that it still works
            recent = project.change_requests.filter(
                source=CR.Source.CLIENT_PAGE,
                title=title,
                description=description,
                created_at__gte=timezone.now() - DUPLICATE_WINDOW,
            )
            if recent.exists():
                return  # a double click: the wish is already in the bucket
            midnight = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
            today = project.change_requests.filter(source=CR.Source.CLIENT_PAGE, created_at__gte=midnight)
            if today.count() >= settings.CLIENT_PAGE_WISHES_PER_DAY:
                raise RuleViolation(
                    _(
                        "This page has taken %(count)s wishes today, the most for one day. "
                        "Please add this one tomorrow, or email %(name)s."
                    )
                    % {"count": settings.CLIENT_PAGE_WISHES_PER_DAY, "name": freelancer_name(link.owner)}
                )
            bucket.add_wish(
                project,
                title=title,
                description=description,
                source=CR.Source.CLIENT_PAGE,
                contact=_contact_of(link, project),
                actor=None,
                actor_label=f"{link.recipient_name} (client page)",
            )

    def done(self, request: HttpRequest, link: ClientLink) -> HttpResponse:
        # This page never marks a visit done; should it happen, a standing link shows the page again.
        if not link.is_valid:
            return unavailable(request, link.state, link)
        return self.page(request, link, {})
