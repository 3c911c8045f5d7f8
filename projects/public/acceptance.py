"""The client's side of a phase acceptance: the page behind /c/<id>/, no account needed."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date

from freelance.lib.http import client_ip, user_agent
from freelance.lib.rules import RuleViolation
from freelance.links.models import ClientLink, LinkUnavailable
from freelance.links.registry import register
from freelance.links.views import mark_done, unavailable
from projects import acceptance as flow
from projects.forms.acceptance import AcceptForm, ChangesForm
from projects.models import Acceptance

PAGE = "projects/public_acceptance.html"


@register(ClientLink.Purpose.PHASE_ACCEPTANCE)
class PhaseAcceptancePage:
    def page(self, request: HttpRequest, link: ClientLink, visit: dict) -> HttpResponse:
        acceptance_request = link.acceptance_request
        snapshot = flow.build_snapshot(acceptance_request, today=timezone.localdate())
        digest = flow.snapshot_hash(snapshot)
        accept_form = AcceptForm(initial={"snapshot_hash": digest})
        changes_form = ChangesForm(initial={"snapshot_hash": digest})
        status, message = 200, ""
        if request.method == "POST":
            decision = request.POST.get("decision")
            form = AcceptForm(request.POST) if decision == "accept" else ChangesForm(request.POST)
            if decision == "accept":
                accept_form = form
            else:
                changes_form = form
            if decision not in ("accept", "changes"):
                status, message = 400, "choose"
            elif form.is_valid():
                meta = flow.Meta(at=timezone.now(), ip=client_ip(request), user_agent=user_agent(request))
                try:
                    flow.decide(
                        acceptance_request,
                        decision=Acceptance.Decision.ACCEPTED
                        if decision == "accept"
                        else Acceptance.Decision.CHANGES_REQUESTED,
                        shown_hash=form.cleaned_data["snapshot_hash"],
                        visit=visit,
                        meta=meta,
                        typed_name=form.cleaned_data.get("typed_name", ""),
                        comment=form.cleaned_data.get("comment", ""),
                    )
                except LinkUnavailable as exc:
                    return unavailable(request, exc.state, link)
                except RuleViolation:
                    # Someone else decided first (another contact's link), or the phase moved on.
                    return unavailable(request, "used", link)
                except flow.SnapshotChanged:
                    status, message = 409, "changed"
                    fresh = {"snapshot_hash": digest}
                    accept_form = AcceptForm(initial={**fresh, "typed_name": form.cleaned_data.get("typed_name", "")})
                    changes_form = ChangesForm(initial={**fresh, "comment": form.cleaned_data.get("comment", "")})
                else:
                    mark_done(request, link)
                    return redirect(link.get_absolute_url())
            else:
                status = 422
        consequence = snapshot["if_accepted_today"]["next_phase"]
        context = {
            "link": link,
            "freelancer": link.owner,
            "snapshot": snapshot,
            "next_due": parse_date(consequence["due"]) if consequence and consequence["due"] else None,
            "accept_form": accept_form,
            "changes_form": changes_form,
            "message": message,
        }
        return render(request, PAGE, context, status=status)

    def done(self, request: HttpRequest, link: ClientLink) -> HttpResponse:
        acceptance = Acceptance.objects.filter(request__link=link).select_related("phase__project").first()
        if acceptance is None:
            return unavailable(request, link.state, link)
        following = acceptance.phase.next()
        context = {"link": link, "freelancer": link.owner, "acceptance": acceptance, "following": following}
        return render(request, "projects/public_acceptance_done.html", context)
