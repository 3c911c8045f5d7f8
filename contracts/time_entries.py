"""Hours by role: the rate and surcharge are fixed when the time is recorded; billable hours not on an invoice yet are unbilled."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import DecimalField
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import (
    UNBILLED_TIME,
    Role,
    SurchargeRule,
    TimeEntry,
)
from contracts.surcharges import surcharge_for
from freelance.lib.rules import RuleViolation
from projects.models import ChangeRequest, Phase, Project
from projects.rates import effective_rate

ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(max_digits=12, decimal_places=2)
DEFAULT_VAT = Decimal("21")
# Time without a start time counts as day work: only day-based surcharges can apply.
DAY_WORK_STARTS = time(9, 0)


# -- rates and time -----------------------------------------------------------------------


def rate_for(project: Project, on: date) -> Decimal | None:
    """The one hourly rate rule (projects.rates): the project's own rate if set, else the dated
    rate agreed with the client (or the freelancer's own) on that day. The contract and the
    bucket use the same rule."""
    return effective_rate(project, on).amount


def hours_between(start: time, end: time) -> Decimal:
    """Hours from start to end; an end before the start runs past midnight."""
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    if minutes <= 0:
        minutes += 24 * 60
    return (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"))


def record_time(
    project: Project,
    *,
    actor,
    day: date,
    role: str = Role.DEVELOPER,
    hours: Decimal | None = None,
    started_at: time | None = None,
    ended_at: time | None = None,
    phase: Phase | None = None,
    change_request: ChangeRequest | None = None,
    billable: bool | None = None,
    emergency: bool = False,
    note: str = "",
    today: date | None = None,
) -> TimeEntry:
    """Log hours with the rate and the agreed surcharge of that moment.

    Hours on a wish the freelancer misjudged are absorbed: never billable, counted apart.
    Hours on a fixed-price phase are covered by its price, so they default to not billable.
    """
    today = today or timezone.localdate()
    if project.owner_id != actor.pk:
        raise RuleViolation(_("Choose one of your own projects."))
    if day > today:
        raise RuleViolation(_("Hours can only be logged for today or earlier."))
    if phase is not None and phase.project_id != project.pk:
        raise RuleViolation(_("Choose a phase of this project."))
    if change_request is not None and change_request.project_id != project.pk:
        raise RuleViolation(_("Choose a wish of this project."))
    if (started_at is None) != (ended_at is None):
        raise RuleViolation(_("Give both the start and the end time, or neither."))
    if started_at is not None:
        hours = hours_between(started_at, ended_at)
    if hours is None or hours <= 0:
        raise RuleViolation(_("Give the hours worked, more than zero."))
    if hours > 24:
        raise RuleViolation(_("A day has at most 24 hours."))
    if role not in Role.values:
        raise RuleViolation(_("Choose a role."))

    absorbed = (
        change_request is not None and change_request.classification == ChangeRequest.Classification.OWN_MISJUDGEMENT
    )
    if absorbed:
        billable = False
    elif billable is None:
        billable = phase is None or phase.pricing == Phase.Pricing.TIME or change_request is not None

    moment = timezone.make_aware(datetime.combine(day, started_at or DAY_WORK_STARTS))
    surcharge = surcharge_for(SurchargeRule.objects.filter(owner=project.owner), moment, emergency=emergency)
    return TimeEntry.objects.create(
        owner=project.owner,
        project=project,
        phase=phase,
        change_request=change_request,
        date=day,
        started_at=started_at,
        ended_at=ended_at,
        hours=Decimal(hours).quantize(Decimal("0.01")),
        role=role,
        billable=billable,
        emergency=emergency,
        absorbed=absorbed,
        note=note,
        hourly_rate=rate_for(project, day),
        multiplier=surcharge.multiplier,
        surcharge_reason=surcharge.reason,
    )


def delete_time(entry: TimeEntry) -> None:
    # Conditional: an invoice drafted since the page was loaded keeps its hours.
    deleted, _rows = TimeEntry.objects.filter(pk=entry.pk, invoice_line__isnull=True).delete()
    if not deleted and TimeEntry.objects.filter(pk=entry.pk).exists():
        raise RuleViolation(_("These hours are on an invoice; they can no longer be removed."))


# Billable hours with a rate that are on no invoice yet: the one definition of unbilled time.
UNBILLED = UNBILLED_TIME  # an index holds exactly these rows (contracts.models.TimeEntry.Meta)


def unbilled_time(project: Project, phase: Phase | None = None) -> list[TimeEntry]:
    """The project's unbilled hours (optionally one phase's), oldest first."""
    entries = TimeEntry.objects.filter(UNBILLED, project=project)
    if phase is not None:
        entries = entries.filter(phase=phase)
    return list(entries.order_by("date", "pk"))
