from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from contracts.interest import stale_kinds
from contracts.models import StatutoryInterestRate
from freelance.dashboard.models import Heartbeat
from projects.models import Contact, Phase, Project


def background_status() -> list[dict]:
    """One entry per component, in a fixed order, whether or not it has been seen."""
    seen = {hb.component: hb for hb in Heartbeat.objects.all()}
    now = timezone.now()
    status = []
    for component in Heartbeat.Component:
        heartbeat = seen.get(component.value)
        status.append(
            {
                "label": component.label,
                "heartbeat": heartbeat,
                "just_now": heartbeat is not None and (now - heartbeat.last_seen).total_seconds() < 60,
            }
        )
    return status


def deadlines(user, today) -> dict:
    """Upcoming and overdue phase dates of open projects, and decision makers to call.

    Three queries whatever the number of projects: projects with their phases, contacts.
    """
    projects = (
        Project.objects.filter(owner=user, status__in=Project.OPEN_STATUSES)
        .select_related("client")
        .prefetch_related(Prefetch("phases", queryset=Phase.objects.order_by("position")))
    )
    upcoming, waiting = [], []
    for project in projects:
        for scheduled in project.schedule(today=today):
            phase = scheduled.phase
            if phase.status == Phase.Status.DELIVERED:
                waiting.append({"project": project, "scheduled": scheduled})
            elif phase.status != Phase.Status.ACCEPTED and scheduled.date is not None:
                upcoming.append({"project": project, "scheduled": scheduled, "overdue": scheduled.date < today})
    upcoming.sort(key=lambda row: row["scheduled"].date)
    talks = [
        contact
        for contact in Contact.objects.filter(client__owner=user, is_decision_maker=True)
        .select_related("client")
        .order_by("last_spoken_on")
        if contact.needs_a_talk
    ]
    return {"upcoming": upcoming[:8], "waiting": waiting, "talks": talks[:5]}


def stale_interest_rates(today) -> list[str]:
    """The kinds of statutory interest without a rate for the current half-year, by name (one query).

    Interest amounts then use the last known rate (legally still in force until replaced);
    the operator has to enter the new one in the admin.
    """
    return [StatutoryInterestRate.Kind(kind).label for kind in stale_kinds(today)]


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    context = {"background": background_status(), **deadlines(request.user, today)}
    if request.htmx:
        return render(request, "dashboard/dashboard.html#background-status", context)
    context["stale_interest_rates"] = stale_interest_rates(today)
    return render(request, "dashboard/dashboard.html", context)


@require_GET
@never_cache
def health(request: HttpRequest) -> HttpResponse:
    """For load balancers and docker compose: the app answers and reaches its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
