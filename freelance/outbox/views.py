"""Sent mail: what the app mailed on the freelancer's behalf, and whether it arrived.

Every query is scoped to the logged-in freelancer; anything else is a 404. The HTML part
of a mail is never put in the page: it is served from its own URL, under its own policy, into a
sandboxed iframe. (An iframe's ``srcdoc`` would inherit the page's Content-Security-Policy,
which blocks the inline styles every HTML mail uses.)
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from csp.decorators import csp
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.db.models.functions import Length
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from freelance.lib.views import owned_or_404
from freelance.outbox.models import OutgoingAttachment, OutgoingEmail
from freelance.outbox.queue import send_again

PAGE_SIZE = 50
LIST_FIELDS = ["kind", "to", "subject", "status", "attempts", "last_error", "created_at", "sent_at"]

STATUS_BADGES = {
    OutgoingEmail.Status.QUEUED: "badge-info",
    OutgoingEmail.Status.SENDING: "badge-warn",
    OutgoingEmail.Status.SENT: "badge-ok",
    OutgoingEmail.Status.FAILED: "badge-bad",
}


@dataclass(frozen=True)
class EmailRow:
    email: OutgoingEmail
    badge: str


@require_GET
@login_required
def email_list(request: HttpRequest) -> HttpResponse:
    """Newest first, 50 a page; two queries whatever the number of mails (count and page)."""
    emails = (
        OutgoingEmail.objects.filter(owner=request.user)
        .only(*LIST_FIELDS)
        .annotate(attachment_count=Count("attachments"))
        .order_by("-created_at", "-pk")
    )
    page = Paginator(emails, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [EmailRow(email, STATUS_BADGES[email.status]) for email in page.object_list]
    return render(request, "outbox/email_list.html", {"page": page, "rows": rows})


@require_GET
@login_required
def email_detail(request: HttpRequest, pk: int) -> HttpResponse:
    email = owned_or_404(OutgoingEmail, request, pk=pk)
    attachments = email.attachments.defer("data").annotate(size=Length("data"))
    context = {
        "email": email,
        "badge": STATUS_BADGES[email.status],
        "attachments": attachments,
        "can_send_again": email.status == OutgoingEmail.Status.FAILED,
    }
    return render(request, "outbox/email_detail.html", context)


# A mail's own HTML: inline styles (as mail clients need) but no script at all, nothing loaded
# from anywhere but data: images, no forms, a unique origin (sandbox), framed only by our pages.
MAIL_HTML_POLICY = {
    "default-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["data:"],
    "form-action": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'self'"],
    "sandbox": [],
}


@require_GET
@login_required
@csp(MAIL_HTML_POLICY)
@xframe_options_sameorigin
def email_html(request: HttpRequest, pk: int) -> HttpResponse:
    """The HTML part of a mail, for the iframe on its detail page."""
    email = owned_or_404(OutgoingEmail, request, pk=pk)
    if not email.body_html:
        raise Http404
    response = HttpResponse(email.body_html, content_type="text/html; charset=utf-8")
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_POST
@login_required
def email_send_again(request: HttpRequest, pk: int) -> HttpResponse:
    email = owned_or_404(OutgoingEmail, request, pk=pk)
    if send_again(email):
        messages.success(request, _("The mail is queued and will be sent again."))
    else:
        messages.error(request, _("Only a mail that failed can be sent again."))
    return redirect("outbox:detail", pk=email.pk)


@require_GET
@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    attachment = get_object_or_404(OutgoingAttachment, pk=attachment_pk, email_id=pk, email__owner=request.user)
    return FileResponse(
        io.BytesIO(bytes(attachment.content)),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type or "application/octet-stream",
    )
