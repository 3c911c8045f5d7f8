"""Is this invoice genuine? /v/<public id>/, printed on every sent invoice. No account needed.

Whoever holds the invoice can compare it with what was really sent: the issuer's name, the
number, the date, the total and the account to pay to, read from the invoice as it was frozen
when sent. Nothing else: not the client, the lines, the note, the project or the issuer's
address. The id is 128 random bits (``Invoice.issue``); drafts and unknown ids are 404, and
unknown ids count towards the client links' limit on failed lookups from one address (and
per id prefix), so the page cannot be used to guess ids. GET (and HEAD) only; it changes nothing.
"""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from contracts.models import Invoice
from freelance.lib.identifiers import format_iban
from freelance.links.views import activate_language, client_facing, count_failure, too_many_failures

TEMPLATE = "public/invoice_verify.html"
# What Invoice.issue makes (secrets.token_urlsafe(16): 22 characters), with room to grow.
PUBLIC_ID_RE = re.compile(r"[A-Za-z0-9_-]{22,32}")


def _sent_invoice(public_id: str) -> Invoice | None:
    if not PUBLIC_ID_RE.fullmatch(public_id):
        return None
    return (
        Invoice.objects.exclude(status=Invoice.Status.DRAFT)
        .only("kind", "status", "number", "issue_date", "total", "seller", "language", "public_id")
        .filter(public_id=public_id)
        .first()
    )


# "same-origin", not "no-referrer": under "no-referrer" browsers send `Origin: null` with the
# page's language switch (a POST), which CSRF protection refuses. Nothing on the page links
# elsewhere, so no other site ever sees the address either way.
@client_facing("same-origin")
@require_safe
def invoice_verify(request: HttpRequest, public_id: str) -> HttpResponse:
    invoice = _sent_invoice(public_id)
    activate_language(request, invoice)
    if invoice is None:
        if too_many_failures(request, public_id):
            return render(request, TEMPLATE, {"state": "too_many"}, status=429)
        count_failure(request, public_id)
        return render(request, TEMPLATE, {"state": "unknown"}, status=404)
    seller = invoice.seller or {}
    iban = seller.get("iban", "")
    context = {
        "state": "found",
        "is_credit_note": invoice.is_credit_note,
        "seller_name": seller.get("name", ""),
        "number": invoice.number,
        "issue_date": invoice.issue_date,
        "total": invoice.total,
        "iban": format_iban(iban) if iban else "",
    }
    return render(request, TEMPLATE, context)
