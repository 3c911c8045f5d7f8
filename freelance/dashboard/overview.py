"""What the dashboard shows: one function per card, each a fixed number of queries.

Nothing here walks every open project in Python. Each list is ordered and cut off in the
database (``LIMIT`` one more than it shows, so it knows whether there is more); sums are SQL
aggregates. So the page costs the same for a freelancer with one project as for one with
five hundred: the query count is asserted in ``tests/dashboard/test_overview.py`` and the
time measured by ``python -m tests.benchmarks.dashboard``.

The next deadlines come from the stored dates, not from a schedule per project: phase 1 is
due on the project's hard first deadline, a later phase on the ``due_date`` fixed when its
predecessor was accepted (``projects.nudges.effective_due_date``). Projected dates depend on
acceptances that have not happened; they are on the project page and in the calendar feed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from contracts import payments
from contracts.invoices import compute_totals
from contracts.models import BusinessProfile, Invoice, Role, TimeEntry
from contracts.reminders import stage_label
from freelance.dashboard.models import Heartbeat
from freelance.lib.money import exact, round_money
from freelance.outbox.models import OutgoingEmail
from freelance.reminders.models import Reminder
from projects.models import (
    DECISION_MAKER_NUDGE_WEEKS,
    AcceptanceRequest,
    ChangeRequest,
    Contact,
    DateKind,
    Phase,
    Project,
    Risk,
)
from projects.nudges import effective_due_date

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)

DEADLINES_SHOWN = 8
WAITING_SHOWN = 6
INVOICES_SHOWN = 6
DRAFTS_SHOWN = 5
WATCH_SHOWN = 5
# A risk is high from likelihood × impact 6: one of the two high, the other at least medium.
HIGH_RISK_SCORE = 6
# A mail that gave up stays on the dashboard this long (the Sent mail page keeps it for good).
FAILED_SHOWN = timedelta(days=7)


@dataclass(frozen=True)
class Shown:
    """The first rows of a list, and whether the list goes on."""

    rows: list
    more: bool

    def __bool__(self) -> bool:
        return bool(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def first(queryset: QuerySet, limit: int, wrap=lambda row: row) -> Shown:
    """One query: ``limit`` rows and whether there are more."""
    rows = list(queryset[: limit + 1])
    return Shown([wrap(row) for row in rows[:limit]], len(rows) > limit)


def days_between(earlier: datetime | date | None, today: date) -> int | None:
    if earlier is None:
        return None
    if isinstance(earlier, datetime):
        earlier = timezone.localdate(earlier)
    return max(0, (today - earlier).days)  # never "-1 days": a clock a little ahead is today


# -- deadlines ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    phase: Phase
    due: date
    kind: str
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left

    @property
    def kind_label(self) -> str:
        return DateKind(self.kind).label


def deadlines(user, today: date) -> Shown:
    """The next hard and fixed deadlines of unaccepted phases, the most overdue first."""
    dated = (
        Phase.objects.filter(project__owner=user, project__status__in=Project.OPEN_STATUSES)
        .exclude(status=Phase.Status.ACCEPTED)
        .annotate(due=effective_due_date())
        .filter(due__isnull=False)
        .select_related("project__client")
        .order_by("due", "project_id", "position")
    )
    return first(
        dated,
        DEADLINES_SHOWN,
        lambda phase: Deadline(
            phase=phase,
            due=phase.due,
            kind=DateKind.HARD if phase.position == 1 else DateKind.FIXED,
            days_left=(phase.due - today).days,
        ),
    )


# -- waiting for the client -----------------------------------------------------------------


@dataclass(frozen=True)
class WaitingPhase:
    phase: Phase
    days: int | None
    request_id: int | None  # the newest acceptance request, to send again


def waiting_phases(user, today: date) -> Shown:
    """Delivered phases the client has not accepted yet, the longest waiting first."""
    newest_request = AcceptanceRequest.objects.filter(phase=OuterRef("pk")).order_by("-created_at", "-pk").values("pk")
    delivered = (
        Phase.objects.filter(
            project__owner=user, project__status__in=Project.OPEN_STATUSES, status=Phase.Status.DELIVERED
        )
        .annotate(request_id=Subquery(newest_request[:1]))
        .select_related("project__client")
        .order_by(F("delivered_at").asc(nulls_last=True), "pk")
    )
    return first(
        delivered,
        WAITING_SHOWN,
        lambda phase: WaitingPhase(phase, days_between(phase.delivered_at, today), phase.request_id),
    )


@dataclass(frozen=True)
class WaitingWish:
    wish: ChangeRequest
    days: int | None


def waiting_wishes(user, today: date) -> Shown:
    """Wishes whose cost went to the client, waiting for their decision: stop, pay or swap."""
    waiting = (
        ChangeRequest.objects.filter(project__owner=user, status=ChangeRequest.Status.WAITING)
        .select_related("project__client")
        .order_by(F("waiting_since").asc(nulls_last=True), "pk")
    )
    return first(waiting, WAITING_SHOWN, lambda wish: WaitingWish(wish, days_between(wish.waiting_since, today)))


# -- money ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MoneySummary:
    outstanding: Decimal
    overdue: Decimal
    overdue_count: int
    drafts: int


def money_summary(user, today: date) -> MoneySummary:
    """Open and overdue totals (incl. VAT, after payments and credit notes) and the drafts: one query."""
    sums = payments.with_amounts(Invoice.objects.filter(owner=user)).aggregate(
        outstanding=Sum("open_amount", filter=Q(kind=Invoice.Kind.INVOICE, status__in=Invoice.OPEN_STATUSES)),
        overdue=Sum("open_amount", filter=Invoice.overdue(today)),
        overdue_count=Count("pk", filter=Invoice.overdue(today)),
        drafts=Count("pk", filter=Q(status=Invoice.Status.DRAFT)),
    )
    return MoneySummary(exact(sums["outstanding"]), exact(sums["overdue"]), sums["overdue_count"], sums["drafts"])


@dataclass
class OverdueInvoice:
    invoice: Invoice
    open_amount: Decimal
    days_overdue: int
    stage: str
    payment_form: object = None  # the inline "record payment" form, set by the view
    payment_amount: str = ""  # what its inputs hold: the open amount, or what was typed
    payment_date: str = ""


def overdue_invoices(user, today: date) -> Shown:
    """Overdue invoices, the oldest first, with the last payment reminder sent: two queries.

    Each one also keeps new work for its client waiting (the gate, ``contracts.gate``).
    """
    overdue = (
        payments.with_amounts(Invoice.objects.filter(Invoice.overdue(today), owner=user))
        .select_related("client")
        .defer("pdf", "seller", "buyer", "note")
        .order_by("due_date", "number", "pk")
    )
    shown = first(overdue, INVOICES_SHOWN)
    stages = dict(
        Reminder.objects.filter(owner=user, kind=Reminder.Kind.PAYMENT, object_id__in=[i.pk for i in shown.rows])
        .order_by()
        .values("object_id")
        .annotate(stage=Max("stage"))
        .values_list("object_id", "stage")
    )
    rows = [
        OverdueInvoice(
            invoice=invoice,
            open_amount=exact(invoice.open_amount),
            days_overdue=(today - invoice.due_date).days,
            stage=stage_label(invoice.client.kind, stages[invoice.pk]) if stages.get(invoice.pk) else "",
        )
        for invoice in shown.rows
    ]
    return Shown(rows, shown.more)


@dataclass(frozen=True)
class Draft:
    invoice: Invoice
    total: Decimal  # incl. VAT, from its lines: a draft's stored totals are set when it is sent
    days: int | None  # since it was made


def drafts(user, today: date) -> Shown:
    """Draft invoices waiting to be checked and sent, the oldest first: two queries (with their lines)."""
    waiting = (
        Invoice.objects.filter(owner=user, status=Invoice.Status.DRAFT)
        .select_related("client", "project")
        .prefetch_related("lines")
        .defer("pdf", "seller", "buyer", "note")
        .order_by("created_at", "pk")
    )
    return first(
        waiting,
        DRAFTS_SHOWN,
        lambda draft: Draft(draft, compute_totals(draft).total, days_between(draft.created_at, today)),
    )


# -- time -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekHours:
    monday: date
    rows: list[tuple[str, Decimal, int]]  # role label, hours, bar width in percent
    total: Decimal


def week_hours(user, today: date) -> WeekHours:
    """This week's hours (Monday to Sunday) by role: one grouped query."""
    monday = today - timedelta(days=today.weekday())
    sums = dict(
        TimeEntry.objects.filter(owner=user, date__gte=monday, date__lte=monday + timedelta(days=6))
        .order_by()
        .values("role")
        .annotate(hours=Sum("hours"))
        .values_list("role", "hours")
    )
    hours = {role: round_money(Decimal(sums.get(role) or 0)) for role in Role.values}
    total = sum(hours.values(), ZERO)
    widest = max(hours.values(), default=ZERO)
    rows = [
        (Role(role).label, value, int(value * 100 / widest) if widest else 0) for role, value in hours.items() if value
    ]
    return WeekHours(monday, rows, total)


# -- things to watch ------------------------------------------------------------------------


@dataclass(frozen=True)
class Pastime:
    project: Project
    effective_rate: Decimal
    floor_rate: Decimal


def pastimes(user) -> Shown:
    """Open projects whose money invoiced per hour worked is below the floor rate.

    The same rule as ``contracts.profitability`` (invoiced excl. VAT, credit notes deducted,
    over every hour worked), decided in SQL for all open projects at once: two queries.
    """
    floor = BusinessProfile.objects.filter(owner=user).values_list("floor_rate", flat=True).first()
    if not floor:
        return Shown([], False)
    invoiced = (
        Invoice.objects.filter(project=OuterRef("pk"))
        .exclude(status=Invoice.Status.DRAFT)
        .order_by()
        .values("project")
        .annotate(sum=Sum("total_excl"))
        .values("sum")
    )
    worked = (
        TimeEntry.objects.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(sum=Sum("hours"))
        .values("sum")
    )
    below = (
        Project.objects.filter(owner=user, status__in=Project.OPEN_STATUSES)
        .annotate(invoiced=Subquery(invoiced, output_field=MONEY), worked=Subquery(worked, output_field=MONEY))
        .filter(invoiced__gt=0, worked__gt=0)
        .annotate(at_floor=ExpressionWrapper(F("worked") * floor, output_field=MONEY))
        .filter(invoiced__lt=F("at_floor"))
        .select_related("client")
        .order_by("pk")
    )
    return first(
        below,
        WATCH_SHOWN,
        lambda project: Pastime(
            project, round_money(Decimal(project.invoiced) / Decimal(project.worked)), round_money(floor)
        ),
    )


def high_risks(user) -> Shown:
    """Open risks of open projects with a score of 6 or more, the highest first."""
    risks = (
        Risk.objects.filter(project__owner=user, project__status__in=Project.OPEN_STATUSES, status=Risk.Status.OPEN)
        .annotate(product=F("likelihood") * F("impact"))
        .filter(product__gte=HIGH_RISK_SCORE)
        .select_related("project")
        .order_by("-product", "-created_at", "-pk")
    )
    return first(risks, WATCH_SHOWN)


def talks(user, today: date) -> Shown:
    """Decision makers not spoken to for DECISION_MAKER_NUDGE_WEEKS weeks, or never, the longest first."""
    since = today - timedelta(weeks=DECISION_MAKER_NUDGE_WEEKS)
    contacts = (
        Contact.objects.filter(client__owner=user, is_decision_maker=True)
        .filter(Q(last_spoken_on__isnull=True) | Q(last_spoken_on__lt=since))
        .select_related("client")
        .order_by(F("last_spoken_on").asc(nulls_first=True), "pk")
    )
    return first(contacts, WATCH_SHOWN)


# -- background jobs ------------------------------------------------------------------------


@dataclass(frozen=True)
class Trouble:
    stopped: list[Heartbeat]  # components seen before and silent for three intervals
    stuck_mail: int  # this freelancer's mails waiting longer than they should
    failed_mail: int  # this freelancer's mails that gave up

    def __bool__(self) -> bool:
        return bool(self.stopped or self.stuck_mail or self.failed_mail)

    def signature(self) -> str:
        """Short, and different whenever the card would say something else (but for the clock)."""
        parts = [f"{hb.component}@{hb.last_seen.timestamp()}" for hb in self.stopped]
        parts += [str(self.stuck_mail), str(self.failed_mail)]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


def background_trouble(user) -> Trouble:
    """Only what is wrong with the background jobs: two queries.

    A worker or beat never seen yet is not a problem by itself (the first minute after a
    start); it becomes one when this freelancer's mail waits longer than the outbox allows.
    """
    stopped = [heartbeat for heartbeat in Heartbeat.objects.all() if not heartbeat.is_fresh]
    # Only the few rows that are not sent: an index on (owner, status) keeps this small for an
    # owner with ten years of mail.
    unsent = (OutgoingEmail.Status.QUEUED, OutgoingEmail.Status.SENDING, OutgoingEmail.Status.FAILED)
    mail = OutgoingEmail.objects.filter(owner=user, status__in=unsent).aggregate(
        stuck=Count("pk", filter=OutgoingEmail.stale()),
        failed=Count("pk", filter=Q(status=OutgoingEmail.Status.FAILED, created_at__gte=timezone.now() - FAILED_SHOWN)),
    )
    return Trouble(stopped, mail["stuck"], mail["failed"])
