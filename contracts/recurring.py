"""Recurring work: a retainer or maintenance agreement drafts its invoice once per period.

Periods are counted from the agreement's first day, and never from the previous period, so a
start on the 31st gives 28 (or 29) February and then 31 March again, without drifting. Period 1
starts on the first day; period n starts (n - 1) months, quarters or years later, on the same
day of the month or the month's last day when it has fewer days. A period ends the day before
the next one starts.

Each period is drafted on its drafting day (the agreement's ``draft_day``th day of the period)
by the sweep, which beat starts through ``contracts.tasks``. The sweep claims the period with
the reminders' claim (``freelance.reminders.sweeps``): a ``Reminder`` row of kind
RECURRING_INVOICE for (agreement, period number) under a unique constraint, inserted in the
transaction that makes the draft. Two sweeps at once both try the insert; one wins and drafts.
After downtime the next sweep finds every period whose drafting day has passed without a claim,
and drafts each one, dated for its own period. The invoice also names its agreement and period
under a unique constraint, a second guard.

Only drafts: the freelancer reviews them and sends each with the invoice's own send button.
A mail tells the freelancer, in their language, that a draft is ready.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import override

from contracts import dutch_law
from contracts.models import BusinessProfile, Invoice, InvoiceLine, RecurringAgreement, RecurringEvent, RecurringLine
from freelance.reminders.models import Reminder
from freelance.reminders.sweeps import Due, SweepResult, freelancer_mail, sent_stages, walk

KIND = Reminder.Kind.RECURRING_INVOICE
# A sweep drafts at most this many periods of one agreement at a time (ten years of months);
# the next sweep drafts the rest. Keeps one batch's transaction bounded.
MAX_PERIODS_PER_SWEEP = 120


# -- period arithmetic -------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day of the month ``months`` later, or that month's last day."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_start(start: date, months: int, number: int) -> date:
    """The first day of period ``number`` (1 is the first) of an agreement from ``start``."""
    return add_months(start, months * (number - 1))


@dataclass(frozen=True)
class PeriodDates:
    number: int
    start: date
    end: date
    draft_on: date


def period(agreement: RecurringAgreement, number: int) -> PeriodDates:
    """Period ``number`` of the agreement: first and last day, and the day it is drafted."""
    start = period_start(agreement.start_date, agreement.months, number)
    end = period_start(agreement.start_date, agreement.months, number + 1) - timedelta(days=1)
    draft_on = min(start + timedelta(days=agreement.draft_day - 1), end)
    return PeriodDates(number, start, end, draft_on)


def covered(agreement: RecurringAgreement, number: int) -> bool:
    """Whether period ``number`` is part of the agreement: it starts on or before the last day."""
    if agreement.end_date is None:
        return True
    return period_start(agreement.start_date, agreement.months, number) <= agreement.end_date


def due_periods(agreement: RecurringAgreement, today: date, drafted: set[int]) -> list[PeriodDates]:
    """The periods to draft now: drafting day passed, on or after ``drafts_from``, not drafted yet."""
    due = []
    number = 1
    while covered(agreement, number) and len(due) < MAX_PERIODS_PER_SWEEP:
        dates = period(agreement, number)
        if dates.draft_on > today:
            break
        if number not in drafted and dates.draft_on >= agreement.drafts_from:
            due.append(dates)
        number += 1
    return due


def next_period(agreement: RecurringAgreement, drafted: set[int]) -> PeriodDates | None:
    """The next period that will be drafted (its day may have passed: then at the next sweep)."""
    if agreement.status == RecurringAgreement.Status.ENDED:
        return None
    number = 1
    while covered(agreement, number) and number < 100_000:
        dates = period(agreement, number)
        if number not in drafted and dates.draft_on >= agreement.drafts_from:
            return dates
        number += 1
    return None


# -- amounts -------------------------------------------------------------------------------------


def totals(lines: Iterable[RecurringLine], *, small_business_scheme: bool = False) -> dutch_law.Totals:
    """What one period's invoice comes to, by the invoices' own arithmetic."""
    return dutch_law.totals(
        [dutch_law.Line(line.quantity, line.unit_price, line.vat_percent) for line in lines],
        small_business_scheme=small_business_scheme,
    )


# -- drafting --------------------------------------------------------------------------------------


def period_text(dates: PeriodDates, language: str) -> tuple[str, str]:
    """(first day, last day) as the invoice's language writes a date."""
    with override(language):
        return date_format(dates.start, "j F Y"), date_format(dates.end, "j F Y")


def draft_period(
    agreement: RecurringAgreement, dates: PeriodDates, lines: list[RecurringLine], small_business_scheme: bool
) -> Invoice:
    """The period's draft invoice, with the agreement's lines and the period on each. Call it
    only with the period's claim won, in the claim's transaction."""
    client = agreement.client
    language = client.language
    first, last = period_text(dates, language)
    with override(language):
        note = _("This invoice covers %(agreement)s for the period %(first)s to %(last)s.") % {
            "agreement": agreement.description,
            "first": first,
            "last": last,
        }
        suffix = _("%(first)s to %(last)s") % {"first": first, "last": last}
    invoice = Invoice.objects.create(
        owner_id=agreement.owner_id,
        client=client,
        recurring=agreement,
        recurring_period=dates.number,
        purpose=Invoice.Purpose.WORK,
        payment_term_days=client.payment_term_days,
        language=language,
        small_business_scheme=small_business_scheme,
        delivery_date=dates.end,
        note=note,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=position,
            description=f"{line.description}, {suffix}",
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            vat_percent=line.vat_percent,
        )
        for position, line in enumerate(lines, start=1)
    )
    agreement.log(
        RecurringEvent.Kind.DRAFTED,
        None,
        period=dates.number,
        first=dates.start.isoformat(),
        last=dates.end.isoformat(),
        invoice=invoice.pk,
    )
    return invoice


def _notice(agreement: RecurringAgreement, dates: PeriodDates) -> dict | None:
    """The freelancer's mail: a draft is ready to review (None without an address)."""
    return freelancer_mail(
        agreement.owner,
        "recurring_drafted",
        {
            "agreement": agreement,
            "client_name": agreement.client.name,
            "first": dates.start,
            "last": dates.end,
            "url": settings.SITE_URL.rstrip("/") + reverse("contracts:recurring_detail", args=[agreement.pk]),
        },
        "recurring_drafted",
    )


def sweep_recurring_invoices(today: date | None = None) -> SweepResult:
    """Draft every period that is due and not drafted yet, each exactly once."""
    today = today or timezone.localdate()
    agreements = RecurringAgreement.objects.filter(
        status=RecurringAgreement.Status.ACTIVE, start_date__lte=today
    ).select_related("client", "owner")

    def plan(batch) -> Iterable[Due]:
        ids = [agreement.pk for agreement in batch]
        drafted = sent_stages(KIND, ids)
        lines: dict[int, list[RecurringLine]] = defaultdict(list)
        for line in RecurringLine.objects.filter(agreement_id__in=ids).order_by("agreement", "position", "pk"):
            lines[line.agreement_id].append(line)
        owner_ids = {agreement.owner_id for agreement in batch}
        kor = dict(
            BusinessProfile.objects.filter(owner_id__in=owner_ids).values_list("owner_id", "small_business_scheme")
        )
        for agreement in batch:
            if not lines[agreement.pk]:
                continue  # nothing to invoice: an agreement without lines drafts nothing
            for dates in due_periods(agreement, today, drafted[agreement.pk]):
                yield Due(
                    owner_id=agreement.owner_id,
                    object_id=agreement.pk,
                    stage=dates.number,
                    due_on=dates.draft_on,
                    mail=_notice(agreement, dates),
                    action=partial(
                        draft_period, agreement, dates, lines[agreement.pk], kor.get(agreement.owner_id, False)
                    ),
                )

    return walk(agreements, plan, KIND, SweepResult())


def drafted_periods(agreement_ids) -> dict[int, set[int]]:
    """The periods claimed per agreement (drafted, or a draft the freelancer deleted since)."""
    return sent_stages(KIND, agreement_ids)
