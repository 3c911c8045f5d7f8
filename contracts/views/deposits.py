"""Deducting a project's deposit from a draft by hand, for freelancers who bill differently
from "the last phase's invoice deducts it" (``contracts.deposits``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contracts import deposits
from contracts.models import Invoice
from contracts.views.invoices import done, refused
from freelance.lib.rules import RuleViolation
from freelance.lib.views import owned_or_404


@require_POST
@login_required
def invoice_deduct_deposit(request: HttpRequest, pk: int) -> HttpResponse:
    """Add the line "Minus deposit, invoice 2026-0003" to this draft; a second click adds nothing."""
    invoice = owned_or_404(Invoice.objects.defer("pdf"), request, pk=pk)
    wanted = request.POST.get("deposit", "").strip()
    if wanted:
        if not (wanted.isascii() and wanted.isdigit()):
            raise Http404
        deposit = owned_or_404(Invoice.objects.defer("pdf"), request, pk=int(wanted))
    else:
        deposit = deposits.deductible_for(invoice)
        if deposit is None:
            return refused(request, pk, _("This project has no sent deposit invoice left to deduct."))
    try:
        line = deposits.deduct(invoice, deposit)
    except RuleViolation as refusal:
        return refused(request, pk, refusal)
    messages.success(request, _("Added the line “%(line)s”.") % {"line": line.description})
    return done(request, pk, "lines")
