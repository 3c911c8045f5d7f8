"""The freelancer's calendar feed: every open deadline and invoice due date as an iCalendar file.

One all-day event per dated, not yet accepted phase of an open project, labelled hard, fixed
or projected (``projects.models.schedule``), and one per sent, unpaid invoice. Each event
keeps its UID (``phase-<pk>@<host>``, ``invoice-<pk>@<host>``), so when an acceptance moves
a projected date, calendar apps move the same event instead of adding one. The text is in the
freelancer's language; ``icalendar`` escapes it (commas, semicolons, new lines).

Four queries, whatever the number of projects: the freelancer's language, projects with their
clients, their phases, and the open invoices with their amounts.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from contracts.models import Invoice
from contracts.payments import with_amounts
from freelance.lib.formats import freelancer_name, long_date
from freelance.lib.money import format_money
from freelance.preferences.models import language_for
from projects.models import DateKind, Phase, Project, ScheduledPhase

PRODID = "-//Mijlpaal//Deadlines calendar//EN"


def host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "mijlpaal"


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def all_day(event: Event, day: date) -> None:
    """DTSTART;VALUE=DATE and DTEND the next day (none on the last day of the calendar)."""
    event.add("dtstart", day)
    if day < date.max:
        event.add("dtend", day + timedelta(days=1))


def phase_summary(scheduled: ScheduledPhase, project: Project) -> str:
    values = {
        "number": scheduled.phase.position,
        "phase": scheduled.phase.title,
        "project": project.name,
        "client": project.client.name,
    }
    if scheduled.kind == DateKind.HARD:
        return _("Hard deadline: Phase %(number)s %(phase)s — %(project)s (%(client)s)") % values
    if scheduled.kind == DateKind.FIXED:
        return _("Fixed deadline: Phase %(number)s %(phase)s — %(project)s (%(client)s)") % values
    return _("Projected deadline: Phase %(number)s %(phase)s — %(project)s (%(client)s)") % values


def phase_description(scheduled: ScheduledPhase) -> str:
    phase = scheduled.phase
    if scheduled.kind == DateKind.HARD:
        meaning = _("The hard first deadline agreed with the client. It moves only by renegotiation.")
    elif scheduled.kind == DateKind.FIXED:
        meaning = _("A fixed date, set by the client's acceptance of phase %(previous)s; it no longer moves.") % {
            "previous": phase.position - 1
        }
    else:
        meaning = _("A projected date (%(rule)s): it moves when phase %(previous)s is accepted earlier or later.") % {
            "previous": phase.position - 1,
            "rule": phase.deadline_rule,
        }
    status = _("Status: %(status)s.") % {"status": phase.get_status_display()}
    return f"{meaning}\n{status}"


def phase_events(user, today: date) -> list[Event]:
    projects = (
        Project.objects.filter(owner=user, status__in=Project.OPEN_STATUSES)
        .select_related("client")
        .prefetch_related(Prefetch("phases", queryset=Phase.objects.order_by("position")))
        .order_by("pk")
    )
    events = []
    for project in projects:
        url = absolute(reverse("projects:project_detail", args=[project.pk]))
        for scheduled in project.schedule(today=today):
            if scheduled.date is None or scheduled.phase.status == Phase.Status.ACCEPTED:
                continue
            event = Event()
            event.add("uid", f"phase-{scheduled.phase.pk}@{host()}")
            event.add("summary", phase_summary(scheduled, project))
            event.add("description", phase_description(scheduled))
            event.add("categories", [str(DateKind(scheduled.kind).label)])
            event.add("url", url)
            all_day(event, scheduled.date)
            events.append(event)
    return events


def invoice_events(user) -> list[Event]:
    invoices = with_amounts(
        Invoice.objects.filter(
            owner=user, kind=Invoice.Kind.INVOICE, status__in=Invoice.OPEN_STATUSES, due_date__isnull=False
        )
    ).select_related("client")
    events = []
    for invoice in invoices.order_by("due_date", "pk"):
        amount = format_money(invoice.open_amount)
        event = Event()
        event.add("uid", f"invoice-{invoice.pk}@{host()}")
        event.add(
            "summary",
            _("Invoice %(number)s due — %(client)s, %(amount)s")
            % {"number": invoice.number, "client": invoice.client.name, "amount": amount},
        )
        event.add(
            "description",
            _("Invoice %(number)s of %(date)s is due; %(amount)s is still open.")
            % {"number": invoice.number, "date": long_date(invoice.issue_date), "amount": amount},
        )
        event.add("categories", [_("invoice")])
        event.add("url", absolute(reverse("contracts:invoice_detail", args=[invoice.pk])))
        all_day(event, invoice.due_date)
        events.append(event)
    return events


def calendar_for(user, *, today: date | None = None) -> Calendar:
    today = today or timezone.localdate()
    now = timezone.now()
    with translation.override(language_for(user)):  # the freelancer's choice, else LANGUAGE_CODE
        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", _("Deadlines of %(name)s (Mijlpaal)") % {"name": freelancer_name(user)})
        calendar.add("x-wr-timezone", settings.TIME_ZONE)
        # Ask apps that honour it to fetch again after an hour (Google decides for itself).
        calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")
        for event in phase_events(user, today) + invoice_events(user):
            event.add("dtstamp", now)
            event.add("transp", "TRANSPARENT")  # a deadline does not make the day busy
            calendar.add_component(event)
    return calendar


def render(user, *, today: date | None = None) -> bytes:
    return calendar_for(user, today=today).to_ical()
