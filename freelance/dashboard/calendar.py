"""The freelancer's calendar feed: every open deadline and invoice due date as an iCalendar file.

One all-day event per dated, not yet accepted phase of an open project, labelled hard, fixed
or projected (``projects.models.schedule``), and one per sent, unpaid invoice. Each event
keeps its UID (``phase-<pk>@<host>``, ``invoice-<pk>@<host>``), so when an acceptance moves
a projected date, calendar apps move the same event instead of adding one. The text is in the
freelancer's language, escaped as RFC 5545 asks (commas, semicolons, new lines).

The window: every future event, and those of the last year (``WINDOW_DAYS``). A subscriber
looks at what is coming and at what was missed lately; a deadline or due date more than a
year past is still on the dashboard and the invoice list, but not worth a calendar entry
that every calendar app downloads again every hour. Only open things are in the feed at all
(closed projects, accepted phases, paid, credited and draft invoices never are), so its size
follows the work in progress, not the years of history behind it.

Four queries, whatever the number of projects: the freelancer's language, projects with their
clients, their phases, and the open invoices of the window with their amounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contracts.models import Invoice
from contracts.payments import with_amounts
from freelance.lib.formats import freelancer_name, long_date
from freelance.lib.money import format_money
from freelance.preferences.models import language_for
from projects.models import DateKind, Phase, Project, ScheduledPhase

PRODID = "-//Mijlpaal//Deadlines calendar//EN"
WINDOW_DAYS = 365  # how far back the feed goes
SCHEDULE_FIELDS = ("project", "position", "title", "status", "due_date", "accepted_at", "offset_amount", "offset_unit")


def host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "mijlpaal"


def absolute(path: str) -> str:
    return settings.SITE_URL + path


# -- writing iCalendar (RFC 5545) --------------------------------------------------------------
#
# The feed is written here rather than built with ``icalendar``'s objects: a feed of 300 events
# took 100 ms there (every property an object, every line folded character by character), and
# a few microseconds an event here. The output is byte for byte what ``icalendar`` writes
# (tests/dashboard/test_calendar_feed.py compares the two), and calendar apps and the tests
# read it back with ``icalendar``.


def text(value: str) -> str:
    """A TEXT value escaped as ``icalendar`` does: backslash, semicolon, comma and line breaks."""
    return (
        value.replace(r"\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", r"\;")
        .replace(",", r"\,")
        .replace("\r\n", r"\n")
        .replace("\n", r"\n")
        .replace("\r", r"\n")
    )


FOLD_OCTETS = 74  # each piece of a folded line, as icalendar cuts them (the continuation's space makes 75)


def fold(line: str) -> bytes:
    """The content line in UTF-8, folded into pieces of at most 74 octets, never inside a
    character and (as icalendar does) never right after a backslash or caret, so an escape
    such as ``\\,`` stays on one line."""
    data = line.encode()
    if len(data) <= FOLD_OCTETS:
        return data + b"\r\n"
    pieces, start = [], 0
    while len(data) - start > FOLD_OCTETS:
        end = start + FOLD_OCTETS
        while data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: the character starts earlier
            end -= 1
        if end - start > 1 and data[end - 1] in b"\\^":
            end -= 1
        pieces.append(data[start:end])
        start = end
    pieces.append(data[start:])
    return b"\r\n ".join(pieces) + b"\r\n"


def day_value(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


@dataclass(frozen=True)
class Entry:
    """One all-day event of the feed."""

    uid: str
    summary: str
    description: str
    category: str
    url: str
    day: date

    def lines(self, stamp: str) -> list[bytes]:
        """The VEVENT, its properties in icalendar's order. DTEND is the next day (none on
        the last day of the calendar); TRANSPARENT: a deadline does not make the day busy."""
        lines = [b"BEGIN:VEVENT\r\n", fold("SUMMARY:" + text(self.summary))]
        lines.append(f"DTSTART;VALUE=DATE:{day_value(self.day)}\r\n".encode())
        if self.day < date.max:
            lines.append(f"DTEND;VALUE=DATE:{day_value(self.day + timedelta(days=1))}\r\n".encode())
        lines += [
            f"DTSTAMP:{stamp}\r\n".encode(),
            fold("UID:" + text(self.uid)),
            fold("CATEGORIES:" + text(self.category)),
            fold("DESCRIPTION:" + text(self.description)),
            b"TRANSP:TRANSPARENT\r\n",
            fold("URL:" + self.url),
            b"END:VEVENT\r\n",
        ]
        return lines


class PhaseTexts:
    """A phase event's words, translated once per feed rather than once per event."""

    def __init__(self) -> None:
        self.summary = {
            DateKind.HARD: _("Hard deadline: Phase %(number)s %(phase)s — %(project)s (%(client)s)"),
            DateKind.FIXED: _("Fixed deadline: Phase %(number)s %(phase)s — %(project)s (%(client)s)"),
            DateKind.PROJECTED: _("Projected deadline: Phase %(number)s %(phase)s — %(project)s (%(client)s)"),
        }
        self.hard = _("The hard first deadline agreed with the client. It moves only by renegotiation.")
        self.fixed = _("A fixed date, set by the client's acceptance of phase %(previous)s; it no longer moves.")
        self.projected = _(
            "A projected date (%(rule)s): it moves when phase %(previous)s is accepted earlier or later."
        )
        self.status = _("Status: %(status)s.")
        self.statuses = {value: str(label) for value, label in Phase.Status.choices}
        self.kinds = {value: str(label) for value, label in DateKind.choices}

    def summary_of(self, scheduled: ScheduledPhase, project: Project) -> str:
        return self.summary.get(scheduled.kind, self.summary[DateKind.PROJECTED]) % {
            "number": scheduled.phase.position,
            "phase": scheduled.phase.title,
            "project": project.name,
            "client": project.client.name,
        }

    def description_of(self, scheduled: ScheduledPhase) -> str:
        phase = scheduled.phase
        if scheduled.kind == DateKind.HARD:
            meaning = self.hard
        elif scheduled.kind == DateKind.FIXED:
            meaning = self.fixed % {"previous": phase.position - 1}
        else:
            meaning = self.projected % {"previous": phase.position - 1, "rule": phase.deadline_rule}
        status = self.status % {"status": self.statuses.get(phase.status, phase.status)}
        return f"{meaning}\n{status}"


def window_start(today: date) -> date:
    """The first day the feed shows: a year back."""
    return today - timedelta(days=WINDOW_DAYS)


def phase_events(user, today: date) -> list[Entry]:
    # Only the fields the schedule and the events read: a freelancer with many open projects
    # builds hundreds of phases here, and each field is work per row.
    phases = Phase.objects.only(*SCHEDULE_FIELDS).order_by("position")
    projects = (
        Project.objects.filter(owner=user, status__in=Project.OPEN_STATUSES)
        .select_related("client")
        .only("name", "first_deadline", "client__name")
        .prefetch_related(Prefetch("phases", queryset=phases))
        .order_by("pk")
    )
    since = window_start(today)
    texts = PhaseTexts()
    events = []
    for project in projects:
        url = absolute(reverse("projects:project_detail", args=[project.pk]))
        for scheduled in project.schedule(today=today):
            if scheduled.date is None or scheduled.date < since or scheduled.phase.status == Phase.Status.ACCEPTED:
                continue
            events.append(
                Entry(
                    uid=f"phase-{scheduled.phase.pk}@{host()}",
                    summary=texts.summary_of(scheduled, project),
                    description=texts.description_of(scheduled),
                    category=texts.kinds[scheduled.kind],
                    url=url,
                    day=scheduled.date,
                )
            )
    return events


def invoice_events(user, today: date) -> list[Entry]:
    invoices = with_amounts(
        Invoice.objects.filter(
            owner=user,
            kind=Invoice.Kind.INVOICE,
            status__in=Invoice.OPEN_STATUSES,
            due_date__gte=window_start(today),
        )
    ).select_related("client")
    # Only what the event shows (not the stored PDF, the parties' details or the client's address).
    invoices = invoices.only("number", "issue_date", "due_date", "client__name")
    events = []
    category = _("invoice")
    for invoice in invoices.order_by("due_date", "pk"):
        amount = format_money(invoice.open_amount)
        events.append(
            Entry(
                uid=f"invoice-{invoice.pk}@{host()}",
                summary=_("Invoice %(number)s due — %(client)s, %(amount)s")
                % {"number": invoice.number, "client": invoice.client.name, "amount": amount},
                description=_("Invoice %(number)s of %(date)s is due; %(amount)s is still open.")
                % {"number": invoice.number, "date": long_date(invoice.issue_date), "amount": amount},
                category=category,
                url=absolute(reverse("contracts:invoice_detail", args=[invoice.pk])),
                day=invoice.due_date,
            )
        )
    return events


def render(user, *, today: date | None = None) -> bytes:
    today = today or timezone.localdate()
    stamp = timezone.now().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    with translation.override(language_for(user)):  # the freelancer's choice, else LANGUAGE_CODE
        lines = [
            b"BEGIN:VCALENDAR\r\n",
            b"VERSION:2.0\r\n",
            fold("PRODID:" + text(PRODID)),
            b"CALSCALE:GREGORIAN\r\n",
            b"METHOD:PUBLISH\r\n",
            fold("X-WR-CALNAME:" + text(_("Deadlines of %(name)s (Mijlpaal)") % {"name": freelancer_name(user)})),
            # Ask apps that honour it to fetch again after an hour (Google decides for itself).
            b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n",
            b"X-PUBLISHED-TTL:PT1H\r\n",
            fold("X-WR-TIMEZONE:" + text(settings.TIME_ZONE)),
        ]
        for event in phase_events(user, today) + invoice_events(user, today):
            lines += event.lines(stamp)
    lines.append(b"END:VCALENDAR\r\n")
    return b"".join(lines)
