"""A one-off invoice: "New invoice" on the invoice list, for one of the freelancer's own
clients and no project. It starts as an empty draft in the client's language and with the
client's payment term; its lines are added on the invoice page, as on any draft.

A double submit opens the same draft: the client's row is locked while the draft is made,
and an empty one-off draft for that client is reused rather than made twice.
"""

from __future__ import annotations

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from contracts.forms.one_off import OneOffInvoiceForm
from contracts.models import BusinessProfile, Invoice
from contracts.views.invoices import detail_url
from projects.models import Client


def draft_one_off(client: Client) -> tuple[Invoice, bool]:
    """An empty draft invoice for the client without a project; (draft, made now).

    The client's empty one-off draft, if there is one, is returned instead of a second.
    """
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        empty = (
            Invoice.objects.filter(
                owner_id=client.owner_id,
                client=client,
                project__isnull=True,
                kind=Invoice.Kind.INVOICE,
                purpose=Invoice.Purpose.WORK,
                status=Invoice.Status.DRAFT,
                lines__isnull=True,
            )
            .defer("pdf")
            .order_by("pk")
            .first()
        )
        if empty is not None:
            return empty, False
        invoice = Invoice.objects.create(
            owner_id=client.owner_id,
            client=client,
            project=None,
            purpose=Invoice.Purpose.WORK,
            payment_term_days=client.payment_term_days,
            language=client.language,
            small_business_scheme=BusinessProfile.for_owner(client.owner).small_business_scheme,
        )
    return invoice, True


@require_http_methods(["GET", "POST"])
@login_required
def invoice_new(request: HttpRequest) -> HttpResponse:
    """GET: choose the client. POST: make the draft (or open the empty one) and go to it."""
    if request.method == "POST":
        form = OneOffInvoiceForm(request.POST, owner=request.user)
        if form.is_valid():
            invoice, made = draft_one_off(form.cleaned_data["client"])
            if made:
                messages.success(request, _("A draft invoice without a project. Add its lines, then send it."))
            else:
                messages.info(request, _("This client already has an empty draft invoice: here it is."))
            target = detail_url(invoice.pk, "add-line")
            if request.htmx:
                return HttpResponseClientRedirect(target)
            return redirect(target)
        status = HTTPStatus.UNPROCESSABLE_ENTITY
    else:
        form = OneOffInvoiceForm(owner=request.user)
        wanted = request.GET.get("client", "")
        if wanted.isascii() and wanted.isdigit() and form.fields["client"].queryset.filter(pk=wanted).exists():
            form.initial["client"] = int(wanted)
        status = HTTPStatus.OK
    context = {"form": form, "has_clients": form.fields["client"].queryset.exists()}
    return render(request, "contracts/invoice_new.html", context, status=status)
