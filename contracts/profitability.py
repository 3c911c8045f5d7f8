"""Profitability: money in against hours spent, per project."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal

from django.db.models import DecimalField, Sum

from contracts.models import (
    BusinessProfile,
    Invoice,
    Payment,
    Role,
    TimeEntry,
)
from freelance.lib.money import round_money
from projects.models import Project

ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(max_digits=12, decimal_places=2)
DEFAULT_VAT = Decimal("21")
# Time without a start time counts as day work: only day-based surcharges can apply.
DAY_WORK_STARTS = time(9, 0)


# -- profitability -----------------------------------------------------------------------


@dataclass
class Profitability:
    invoiced: Decimal
    paid: Decimal
    outstanding: Decimal
    hours_by_role: dict[str, dict[str, Decimal]]
    billable_hours: Decimal
    absorbed_hours: Decimal
    other_hours: Decimal
    total_hours: Decimal
    effective_rate: Decimal | None
    floor_rate: Decimal | None
    margin: Decimal | None

    closed: bool = False

    @property
    def below_floor(self) -> bool:
        """Only once there is something to judge: money invoiced, or the project is over.
        (Before the first invoice every project would look like a pastime.)"""
        if not (self.invoiced > 0 or self.closed):
            return False
        return self.effective_rate is not None and self.floor_rate is not None and self.effective_rate < self.floor_rate


def profitability(project: Project) -> Profitability:
    """Money in and hours spent. Four queries, whatever the number of entries or invoices.

    Effective rate = invoiced (excl. VAT, credit notes deducted) / all hours worked, so absorbed
    and non-billable hours pull it down: that is the point. Margin = invoiced - hours × floor rate.
    """
    money = (
        Invoice.objects.filter(project=project)
        .exclude(status=Invoice.Status.DRAFT)
        .aggregate(
            invoiced=Sum("total_excl"),
            invoiced_incl=Sum("total"),
        )
    )
    paid = round_money(Payment.objects.filter(invoice__project=project).aggregate(total=Sum("amount"))["total"] or ZERO)
    rows = TimeEntry.objects.filter(project=project).values("role", "billable", "absorbed").annotate(hours=Sum("hours"))
    by_role: dict[str, dict[str, Decimal]] = {
        role: {"billable": ZERO, "absorbed": ZERO, "other": ZERO} for role in Role.values
    }
    for row in rows:
        bucket = "absorbed" if row["absorbed"] else ("billable" if row["billable"] else "other")
        by_role[row["role"]][bucket] += row["hours"]
    billable = sum((r["billable"] for r in by_role.values()), ZERO)
    absorbed = sum((r["absorbed"] for r in by_role.values()), ZERO)
    other = sum((r["other"] for r in by_role.values()), ZERO)
    total_hours = billable + absorbed + other
    invoiced = round_money(money["invoiced"] or ZERO)  # SQLite sums decimals as floats
    incl = round_money(money["invoiced_incl"] or ZERO)
    floor = BusinessProfile.objects.filter(owner_id=project.owner_id).values_list("floor_rate", flat=True).first()
    effective = round_money(invoiced / total_hours) if total_hours else None
    margin = round_money(invoiced - total_hours * floor) if floor is not None and total_hours else None
    return Profitability(
        invoiced=invoiced,
        paid=paid,
        outstanding=incl - paid,
        hours_by_role=by_role,
        billable_hours=billable,
        absorbed_hours=absorbed,
        other_hours=other,
        total_hours=total_hours,
        effective_rate=effective,
        floor_rate=floor,
        margin=margin,
        closed=project.status in (Project.Status.COMPLETED, Project.Status.STOPPED),
    )
