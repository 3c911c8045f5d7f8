"""“I would, but I can't”: no new work for a client while one of their invoices is overdue.

It is a policy, not a quarrel: the message says so. The freelancer may override it with a
reason; every override is logged (GateOverride) with the invoices that were overdue.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import GateOverride, Invoice
from projects.gate import Action, GateClosed
from projects.models import Client


class PaymentGateClosed(GateClosed):
    def __init__(self, message: str, invoices: list[Invoice]) -> None:
        super().__init__(message, invoices)
        self.invoices = invoices


def overdue_invoices(client: Client, today: date | None = None) -> list[Invoice]:
    return list(Invoice.objects.filter(Invoice.overdue(today), client=client).order_by("due_date", "number"))


def refusal(action: str, invoices: list[Invoice]) -> str:
    numbers = ", ".join(invoice.number for invoice in invoices)
    what = {
        Action.START_PHASE: _("start this phase"),
        Action.DELIVER_PHASE: _("deliver this phase"),
        Action.NEW_PROJECT: _("start a new project for this client"),
    }[action]
    return _(
        "I would, but I can't %(what)s: invoice %(numbers)s is past its due date. "
        "As a matter of policy, new work starts once overdue invoices are paid. "
        "If you have agreed otherwise with the client, override this with a reason."
    ) % {"what": what, "numbers": numbers}


def check(client: Client, action: str, *, actor, subject: str = "", override_reason: str = "") -> GateOverride | None:
    """Pass, or raise PaymentGateClosed; with an override reason, pass and log the override."""
    invoices = overdue_invoices(client, timezone.localdate())
    if not invoices:
        return None
    reason = (override_reason or "").strip()
    if not reason:
        raise PaymentGateClosed(refusal(action, invoices), invoices)
    return GateOverride.objects.create(
        owner=actor,
        client=client,
        action=action,
        subject=subject[:300],
        reason=reason,
        invoices=[invoice.number for invoice in invoices],
    )
