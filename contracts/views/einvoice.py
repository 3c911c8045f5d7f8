"""A sent invoice as a UBL e-invoice download, for the client's bookkeeping or Peppol.

Peppol BIS Billing 3.0 by default; ``?profile=si-ubl`` gives the Dutch SI-UBL 2.0 (NLCIUS).
A draft has no e-invoice (404, like its PDF); an invoice the standard cannot describe goes
back to its page with a message that says what to fill in.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from contracts.einvoice import EInvoiceUnavailable, ubl
from contracts.models import Invoice
from freelance.lib.views import owned_or_404

PROFILES = {"": ubl.PEPPOL, "peppol": ubl.PEPPOL, "si-ubl": ubl.NLCIUS}


@require_GET
@login_required
def invoice_ubl(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = owned_or_404(
        Invoice.objects.exclude(status=Invoice.Status.DRAFT)
        .select_related("client", "project", "credits")
        .defer("pdf"),
        request,
        pk=pk,
    )
    profile = PROFILES.get(request.GET.get("profile", ""), ubl.PEPPOL)
    try:
        xml = ubl.ubl_xml(invoice, profile)
    except EInvoiceUnavailable as refused:
        messages.error(request, str(refused))
        return redirect("contracts:invoice_detail", pk=invoice.pk)
    response = HttpResponse(xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"invoice-{invoice.number}.xml")
    response["Cache-Control"] = "private, no-store"
    return response
