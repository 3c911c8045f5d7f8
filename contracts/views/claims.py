"""The claim on an overdue invoice: one click drafts an invoice for the interest and collection costs.

The breakdown is shown on the invoice page (``contracts/_invoice_claim.html``, from
``invoices.page_context``); this view only makes the draft (``contracts.claims``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from contracts import claims
from contracts.models import Invoice
from contracts.views.invoices import detail_url
from freelance.lib.rules import RuleViolation
from freelance.lib.views import owned_or_404


@require_POST
@login_required
def invoice_claim(request: HttpRequest, pk: int) -> HttpResponse:
    """Draft an invoice for the interest and costs of an overdue invoice; a second click opens the same draft."""
    invoice = owned_or_404(Invoice.objects.defer("pdf"), request, pk=pk)
    try:
        draft, created = claims.draft_claim(invoice, actor=request.user)
    except RuleViolation as refusal:
        messages.error(request, str(refusal))
        target = detail_url(invoice.pk, "claim")
    else:
        if created:
            messages.success(
                request,
                _(
                    "A draft invoice for the interest and collection costs. Check the lines, then send it to the client."
                ),
            )
        else:
            messages.info(request, _("There is already a draft claim for this invoice: here it is."))
        target = detail_url(draft.pk)
    if request.htmx:
        return HttpResponseClientRedirect(target)
    return redirect(target)
