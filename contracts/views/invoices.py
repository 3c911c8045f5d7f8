"""The freelancer's invoices: the list, one invoice with its lines, payments and credit notes,
drafting from unbilled work, and pausing a client's payment reminders.

Every view is scoped to the logged-in freelancer and 404s on anything else. Money changes go
through ``contracts.invoices`` and ``contracts.payments``; a refused move (a ``RuleViolation``) is shown as a message or a
form error, never a 500. Actions are plain POST forms that redirect back; with htmx they
re-render the page's main section (``invoice_detail.html#invoice-main``) in place, because
one change (a line, the reverse charge, a payment) moves the totals and the status together.
Invalid input re-renders the page with what was typed kept, status 422.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import (
    Count,
    F,
    Max,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from contracts import claims, deposits, invoices, payments, time_entries
from contracts.forms.invoices import InvoiceDraftForm, InvoiceLineForm, PauseRemindersForm, PaymentForm
from contracts.models import Invoice, InvoiceEvent, InvoiceLine, Payment, TimeEntry
from freelance.documents.store import get as get_document
from freelance.lib import pagecache
from freelance.lib.formats import freelancer_name
from freelance.lib.money import exact, format_money
from freelance.lib.pagecache import cached_page
from freelance.lib.rules import RuleViolation
from freelance.lib.views import owned_or_404
from freelance.reminders.models import Reminder
from projects.models import ChangeRequest, Client, Project

PAGE = "contracts/invoice_detail.html"
MAIN = "contracts/invoice_detail.html#invoice-main"
INVALID = HTTPStatus.UNPROCESSABLE_ENTITY  # 422: the page is shown again with the errors
PAGE_SIZE = 50

STATUS_BADGES = {
    Invoice.Status.DRAFT: "badge-neutral",
    Invoice.Status.SENT: "badge-info",
    Invoice.Status.PARTLY_PAID: "badge-warn",
    Invoice.Status.PAID: "badge-ok",
    Invoice.Status.CREDITED: "badge-neutral",
}

SENT_IS_FROZEN = gettext_lazy("A sent invoice cannot be changed. Correct it with a credit note.")


def stage_label(client_kind: str, stage: int | None) -> str:
    if not stage:
        return ""
    from contracts.reminders import stage_label as label

    return label(client_kind, stage) or _("Reminder %(stage)s") % {"stage": stage}


# -- helpers ----------------------------------------------------------------------------


def wants_partial(request: HttpRequest) -> bool:
    # A history restore after a cache miss wants the whole page, even though it comes from htmx.
    return bool(request.htmx) and not request.htmx.history_restore_request


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def open_q() -> Q:
    """Invoices the client still has to pay (overdue ones included); never a credit note."""
    return Q(kind=Invoice.Kind.INVOICE, status__in=Invoice.OPEN_STATUSES)


@dataclass(frozen=True)
class Status:
    label: str
    badge: str
    days_overdue: int = 0


def invoice_status(invoice: Invoice, today: date) -> Status:
    overdue = (
        invoice.kind == Invoice.Kind.INVOICE
        and invoice.status in Invoice.OPEN_STATUSES
        and invoice.due_date is not None
        and invoice.due_date < today
    )
    if overdue:
        days = (today - invoice.due_date).days
        label = ngettext("Overdue, %(days)s day", "Overdue, %(days)s days", days) % {"days": days}
        return Status(label, "badge-bad", days)
    return Status(invoice.get_status_display(), STATUS_BADGES[invoice.status])


def invoice_title(invoice: Invoice) -> str:
    if invoice.is_credit_note:
        if invoice.is_draft:
            return _("Draft credit note")
        return _("Credit note %(number)s") % {"number": invoice.number}
    if invoice.is_draft:
        return _("Draft invoice")
    return _("Invoice %(number)s") % {"number": invoice.number}


def short_title(invoice: Invoice) -> str:
    """The list's first column: the number alone for an invoice; say so for the rest."""
    if invoice.kind == Invoice.Kind.INVOICE and not invoice.is_draft:
        return invoice.number
    if invoice.kind == Invoice.Kind.INVOICE:
        return _("Draft")
    return invoice_title(invoice)


def detail_url(invoice_pk: int, anchor: str = "") -> str:
    url = reverse("contracts:invoice_detail", args=[invoice_pk])
    return f"{url}#{anchor}" if anchor else url


# -- access -----------------------------------------------------------------------------


def _invoice(request: HttpRequest, pk: int) -> Invoice:
    return get_object_or_404(
        Invoice.objects.select_related("client", "project").defer("pdf"), pk=pk, owner=request.user
    )


def _line(request: HttpRequest, pk: int, line_pk: int) -> InvoiceLine:
    return get_object_or_404(
        InvoiceLine.objects.select_related("invoice"), pk=line_pk, invoice__pk=pk, invoice__owner=request.user
    )


def _payment(request: HttpRequest, pk: int, payment_pk: int) -> Payment:
    return get_object_or_404(
        Payment.objects.select_related("invoice"), pk=payment_pk, invoice__pk=pk, invoice__owner=request.user
    )


def _client(request: HttpRequest, pk: int) -> Client:
    return owned_or_404(Client, request, pk=pk)


# -- the list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceRow:
    invoice: Invoice
    title: str
    status: Status
    stage_label: str
    outstanding: Decimal
    amount: Decimal  # a sent invoice's stored total; a draft's total so far, from its lines
    created_on: date


def ready_to_invoice(owner, limit: int | None = None) -> QuerySet[Project]:
    """Projects with billable hours or paid wishes that are on no invoice yet (the same
    selection as ``invoices.draft_for_unbilled``), in one query; the first ``limit`` by name."""
    # Two owner-scoped lists of project ids. With an OR of two EXISTS, PostgreSQL hashed every
    # paid wish of the whole install (130-180 ms at a thousand freelancers) instead of this owner's.
    with_time = TimeEntry.objects.filter(time_entries.UNBILLED, owner=owner).values("project_id")
    with_wishes = ChangeRequest.objects.filter(invoices.UNBILLED_WISHES, project__owner=owner).values("project_id")
    ready = Project.objects.filter(owner=owner).filter(Q(pk__in=with_time) | Q(pk__in=with_wishes))
    if limit is not None:
        # Chosen (and cut to ``limit``) before the clients are joined: joined first, the planner
        # hashed every client of the install to find the few it needed.
        ready = Project.objects.filter(pk__in=ready.order_by("name", "pk").values("pk")[:limit])
    return ready.select_related("client").order_by("name", "pk")


READY_SHOWN = 10


def ready_context(owner) -> dict:
    """The first projects ready to invoice, and whether there are more: after ten years there may
    be a thousand projects with an hour nobody billed, and the page must not list them all."""
    ready = list(ready_to_invoice(owner, limit=READY_SHOWN + 1))
    return {"ready": ready[:READY_SHOWN], "more_ready": len(ready) > READY_SHOWN}


def list_filters(today: date) -> dict[str, Q]:
    return {
        "draft": Q(status=Invoice.Status.DRAFT),
        "open": open_q(),
        "overdue": Invoice.overdue(today),
        "paid": Q(status=Invoice.Status.PAID),
    }


@require_GET
@login_required
@cached_page
def invoice_list(request: HttpRequest) -> HttpResponse:
    """Newest first, 50 a page. Five queries whatever the number of invoices: the summary
    (tab counts and the open and overdue totals, which also give the page count), the page,
    its drafts' lines (a draft's total is computed, not stored), its reminders, and the
    projects that are ready to invoice."""
    today = timezone.localdate()
    filters = list_filters(today)
    status = request.GET.get("status", "")
    if status not in filters:
        status = ""
    own = payments.with_amounts(Invoice.objects.filter(owner=request.user))
    summary = own.aggregate(
        all=Count("pk"),
        **{key: Count("pk", filter=q) for key, q in filters.items()},
        open_total=Sum("open_amount", filter=filters["open"]),
        overdue_total=Sum("open_amount", filter=filters["overdue"]),
    )
    labels = {
        "": _("All"),
        "draft": _("Drafts"),
        "open": _("Open"),
        "overdue": _("Overdue"),
        "paid": _("Paid"),
    }
    tabs = [{"value": key, "label": label, "count": summary[key or "all"]} for key, label in labels.items()]

    listed = (
        own.select_related("client", "project", "credits")
        .defer("pdf", "seller", "buyer", "credits__pdf", "credits__seller", "credits__buyer")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=InvoiceLine.objects.filter(invoice__status=Invoice.Status.DRAFT).only(
                    "invoice_id", "quantity", "unit_price", "vat_percent"
                ),
            )
        )
        .order_by(F("issue_date").desc(nulls_first=True), "-number", "-pk")
    )
    if status:
        listed = listed.filter(filters[status])
    paginator = Paginator(listed, PAGE_SIZE)
    paginator.count = summary[status or "all"]  # the same filter, already counted by the summary
    page = paginator.get_page(request.GET.get("page"))
    stages = dict(
        Reminder.objects.filter(
            owner=request.user, kind=Reminder.Kind.PAYMENT, object_id__in=[invoice.pk for invoice in page]
        )
        .order_by()
        .values("object_id")
        .annotate(stage=Max("stage"))
        .values_list("object_id", "stage")
    )
    rows = [
        InvoiceRow(
            invoice=invoice,
            title=short_title(invoice),
            status=invoice_status(invoice, today),
            stage_label=stage_label(invoice.client.kind, stages.get(invoice.pk)),
            outstanding=exact(invoice.open_amount),
            amount=invoices.compute_totals(invoice).total if invoice.is_draft else invoice.total,
            created_on=timezone.localdate(invoice.created_at),
        )
        for invoice in page
    ]
    context = {
        "page": page,
        "rows": rows,
        "tabs": tabs,
        "status": status,
        "status_label": labels[status],
        "open_total": exact(summary["open_total"]),
        "overdue_total": exact(summary["overdue_total"]),
        "open_count": summary["open"],
        "overdue_count": summary["overdue"],
        "has_invoices": summary["all"] > 0,
        **ready_context(request.user),
    }
    return render(request, "contracts/invoice_list.html", context)


# -- the invoice page -------------------------------------------------------------------


@dataclass
class LineRow:
    line: InvoiceLine
    form: InvoiceLineForm | None = None


@dataclass(frozen=True)
class ReminderRow:
    reminder: Reminder
    label: str


@dataclass(frozen=True)
class HistoryRow:
    event: InvoiceEvent
    who: str
    details: str


def event_details(event: InvoiceEvent) -> str:
    """What the history says beside the kind: the number, the payment, the status that followed."""
    data = event.data
    parts = []
    if event.kind == InvoiceEvent.Kind.ISSUED and data.get("number"):
        parts.append(_("number %(number)s") % {"number": data["number"]})
    if data.get("credit_note"):
        parts.append(_("credit note %(number)s") % {"number": data["credit_note"]})
    if data.get("paid_on"):
        day = date.fromisoformat(data["paid_on"])
        parts.append(_("received on %(day)s") % {"day": date_format(day, "j M Y")})
    if data.get("reference"):
        parts.append(data["reference"])
    if data.get("new_status"):
        parts.append(
            _("status %(old)s → %(new)s")
            % {
                "old": Invoice.Status(data["old_status"]).label.lower(),
                "new": Invoice.Status(data["new_status"]).label.lower(),
            }
        )
    return " · ".join(str(part) for part in parts)


def history(invoice: Invoice) -> list[HistoryRow]:
    """The invoice's events, newest first, from the prefetched rows."""
    return [
        HistoryRow(event, freelancer_name(event.actor) if event.actor else "—", event_details(event))
        for event in invoice.events.all()
    ]


def line_form(line: InvoiceLine, data=None) -> InvoiceLineForm:
    """Ids unique on the page, where the add form and an edit form can both be open."""
    auto_id = f"line-{line.pk}-%s" if line.pk else "new-line-%s"
    return InvoiceLineForm(data, instance=line, auto_id=auto_id)


def detail_queryset(request: HttpRequest) -> QuerySet[Invoice]:
    return (
        payments.with_amounts(Invoice.objects.filter(owner=request.user))
        .select_related("owner", "client", "project", "credits", "email")
        .defer("pdf", "credits__pdf", "email__stored_text", "email__stored_html")
        .prefetch_related(
            "lines",
            "payments",
            Prefetch("credit_notes", queryset=Invoice.objects.defer("pdf", "seller", "buyer")),
            Prefetch("events", queryset=InvoiceEvent.objects.select_related("actor")),
        )
    )


def no_vat_label(invoice: Invoice) -> str:
    if invoice.reverse_charge:
        return pgettext("VAT column", "reverse-charged")
    if invoice.small_business_scheme:
        return pgettext("VAT column", "exempt")
    return ""


def page_context(request: HttpRequest, invoice: Invoice, bound: dict | None = None, editing: int | None = None) -> dict:
    bound = bound or {}
    today = timezone.localdate()
    pdf = invoices.pdf_context(invoice)  # lines and totals per VAT rate, from the prefetched lines
    context: dict = {
        "invoice": invoice,
        "title": invoice_title(invoice),
        "status": invoice_status(invoice, today),
        "rates": pdf["rates"],
        # Reverse charge and the KOR charge no VAT: a word instead of a rate, as on the PDF.
        "no_vat": no_vat_label(invoice),
        "total_excl": pdf["total_excl"],
        "total_vat": pdf["total_vat"],
        "total": pdf["total"],
        "seller": pdf["seller"],
        "buyer": pdf["buyer"],
        "today": today,
        "history": history(invoice),
    }
    if invoice.is_draft:
        rows = []
        for line in pdf["lines"]:
            form = None
            if ("line", line.pk) in bound:
                form = bound[("line", line.pk)]
            elif line.pk == editing:
                form = line_form(line)
                form.fields["description"].widget.attrs["autofocus"] = True
            rows.append(LineRow(line, form))
        context.update(
            rows=rows,
            add_form=bound.get("line_add") or line_form(InvoiceLine(invoice=invoice)),
            draft_form=bound.get("draft") or InvoiceDraftForm(instance=invoice, auto_id="draft-%s"),
            missing=invoices.missing_details(invoice),
            deductible_deposit=deposits.deductible_for(invoice),
            recipients=invoices.billing_contacts(invoice.client),
            settings_url=reverse("contracts:business_settings") + "?next=" + detail_url(invoice.pk),
        )
        return context

    context["rows"] = [LineRow(line) for line in pdf["lines"]]
    outstanding = exact(invoice.open_amount)
    payments = list(invoice.payments.all())
    credit_notes = sorted(invoice.credit_notes.all(), key=lambda note: (note.created_at, note.pk))
    context.update(
        payments=payments,
        credit_notes=[(note, invoice_title(note), invoice_status(note, today)) for note in credit_notes],
        draft_credit_note=next((note for note in credit_notes if note.is_draft), None),
        paid=exact(invoice.paid_sum),
        credited=-exact(invoice.credit_sum),
        outstanding=outstanding,
        can_pay=not invoice.is_credit_note and outstanding > 0,
        can_credit=not invoice.is_credit_note and outstanding > 0,
    )
    if context["can_pay"]:
        context["payment_form"] = bound.get("payment") or PaymentForm(initial={"amount": outstanding, "paid_on": today})
    if not invoice.is_credit_note:
        reminders = Reminder.objects.filter(
            owner=request.user, kind=Reminder.Kind.PAYMENT, object_id=invoice.pk
        ).order_by("stage")
        context["reminders"] = [ReminderRow(r, stage_label(invoice.client.kind, r.stage)) for r in reminders]
    # Interest and collection costs, only on an overdue invoice (contracts.claims): 2–3 queries, not per row.
    context["claim"] = claims.for_invoice(
        invoice, today, reminders=[row.reminder for row in context.get("reminders", [])]
    )
    return context


def render_page(
    request: HttpRequest, pk: int, *, bound: dict | None = None, editing: int | None = None, status: int = 200
) -> HttpResponse:
    """The whole page, or with htmx only its main section; fetched fresh after a change."""
    invoice = get_object_or_404(detail_queryset(request), pk=pk)
    template = MAIN if wants_partial(request) else PAGE
    return render(request, template, page_context(request, invoice, bound, editing), status=status)


def done(request: HttpRequest, pk: int, anchor: str = "") -> HttpResponse:
    """After a successful change: redirect back (no JS), or re-render the main section (htmx)."""
    if wants_partial(request):
        return render_page(request, pk)
    return redirect(detail_url(pk, anchor))


def refused(request: HttpRequest, pk: int, message, *, bound: dict | None = None) -> HttpResponse:
    messages.error(request, str(message))
    return render_page(request, pk, bound=bound, status=INVALID)


@require_GET
@login_required
@vary_on_headers("HX-Request")
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_page(request, pk)


# -- PDFs -------------------------------------------------------------------------------


@require_GET
@login_required
def invoice_preview_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft as it would be printed today, shown in the browser."""
    invoice = _invoice(request, pk)
    if not invoice.is_draft:
        return redirect("contracts:invoice_pdf", pk=invoice.pk)
    response = HttpResponse(invoices.invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, invoices.filename(invoice))
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF exactly as it was sent: the stored bytes, never rendered again (and on a repeat
    download, straight from the page store: no invoice or document query)."""

    def build() -> HttpResponse:
        invoice = owned_or_404(Invoice.objects.exclude(status=Invoice.Status.DRAFT).defer("pdf"), request, pk=pk)
        document = get_document(invoices.invoice_reference(invoice))  # rendered once, if the worker has not yet
        response = HttpResponse(document.content, content_type=document.content_type)
        response["Content-Disposition"] = content_disposition_header(True, invoices.filename(invoice))
        return response

    # No form in a PDF: one stored copy for all of the freelancer's browsers.
    response = pagecache.serve(request, build, name=f"invoice-pdf-{pk}", per_browser=False)
    response["Cache-Control"] = "private, no-store"
    return response


# -- draft: lines and details ---------------------------------------------------------------


def _next_position(invoice: Invoice) -> int:
    return (invoice.lines.aggregate(last=Max("position"))["last"] or 0) + 1


@require_POST
@login_required
def invoice_line_add(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    if not invoice.is_draft:
        return refused(request, pk, SENT_IS_FROZEN)
    form = line_form(InvoiceLine(invoice=invoice), request.POST)
    if not form.is_valid():
        return render_page(request, pk, bound={"line_add": form}, status=INVALID)
    line = form.save(commit=False)
    line.position = _next_position(invoice)
    try:
        line.save()
    except RuleViolation as refusal:
        return refused(request, pk, refusal, bound={"line_add": form})
    messages.success(request, _("Added the line “%(line)s”.") % {"line": line.description})
    return done(request, pk, "lines")


@require_http_methods(["GET", "POST"])
@login_required
@vary_on_headers("HX-Request")
def invoice_line_edit(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    """GET: the page with this line as a form. POST: save it."""
    line = _line(request, pk, line_pk)
    if not line.invoice.is_draft:
        if request.method == "GET":
            return redirect(detail_url(pk, "lines"))
        return refused(request, pk, SENT_IS_FROZEN)
    if request.method == "GET":
        return render_page(request, pk, editing=line.pk)
    form = line_form(line, request.POST)
    if not form.is_valid():
        return render_page(request, pk, bound={("line", line.pk): form}, status=INVALID)
    try:
        line = form.save()
    except RuleViolation as refusal:
        return refused(request, pk, refusal)
    messages.success(request, _("Saved the line “%(line)s”.") % {"line": line.description})
    return done(request, pk, "lines")


@require_POST
@login_required
def invoice_line_delete(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    line = _line(request, pk, line_pk)
    if not line.invoice.is_draft:
        return refused(request, pk, SENT_IS_FROZEN)
    description = line.description
    try:
        line.delete()  # hours and wishes on this line become unbilled again (SET_NULL)
    except RuleViolation as refusal:
        return refused(request, pk, refusal)
    messages.success(request, _("Removed the line “%(line)s”.") % {"line": description})
    return done(request, pk, "lines")


@require_POST
@login_required
def invoice_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Payment term, delivery date, reverse charge and note of a draft."""
    invoice = _invoice(request, pk)
    if not invoice.is_draft:
        return refused(request, pk, SENT_IS_FROZEN)
    form = InvoiceDraftForm(request.POST, instance=invoice, auto_id="draft-%s")
    if not form.is_valid():
        return render_page(request, pk, bound={"draft": form}, status=INVALID)
    try:
        form.save()
    except RuleViolation as refusal:
        return refused(request, pk, refusal)
    messages.success(request, _("Saved the invoice details."))
    return done(request, pk, "details")


# -- draft: send or delete -------------------------------------------------------------------


@require_POST
@login_required
def invoice_send(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    if not invoice.is_draft:
        # A double click: the first one sent it. Nothing goes out twice.
        messages.info(request, _("%(title)s was already sent.") % {"title": invoice_title(invoice)})
        return done(request, pk)
    try:
        sent = invoices.issue(invoice, actor=request.user)
    except RuleViolation as refusal:
        return refused(request, pk, refusal)
    title = invoice_title(sent)
    if sent.email is not None:
        messages.success(request, _("%(title)s is sent to %(to)s.") % {"title": title, "to": ", ".join(sent.email.to)})
    else:
        messages.warning(
            request,
            _(
                "%(title)s is numbered and final, but not emailed: the client has no contact with an email "
                "address. Download the PDF and send it yourself."
            )
            % {"title": title},
        )
    return done(request, pk)


@require_http_methods(["GET", "POST"])
@login_required
def invoice_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: ask first (without JavaScript). POST: delete the draft; sent invoices stay."""
    invoice = _invoice(request, pk)
    if request.method == "GET":
        if not invoice.is_draft:
            return redirect(detail_url(pk))
        return render(request, "contracts/invoice_confirm_delete.html", {"invoice": invoice, "what": "draft"})
    try:
        with transaction.atomic():
            locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
            locked.delete()
    except RuleViolation as refusal:
        return refused(request, pk, refusal)
    if invoice.is_credit_note:
        messages.success(request, _("Deleted the draft credit note."))
    else:
        messages.success(request, _("Deleted the draft invoice. Its hours and wishes can be invoiced again."))
    target = reverse("contracts:invoice_list")
    if request.htmx:
        return HttpResponseClientRedirect(target)
    return redirect(target)


# -- sent: payments and credit notes -----------------------------------------------------------


@require_POST
@login_required
def payment_add(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        return render_page(request, pk, bound={"payment": form}, status=INVALID)
    data = form.cleaned_data
    try:
        payment = payments.record_payment(
            invoice, amount=data["amount"], paid_on=data["paid_on"], reference=data["reference"], actor=request.user
        )
    except RuleViolation as refusal:
        if invoice.is_draft or invoice.is_credit_note:
            return refused(request, pk, refusal)
        form.add_error(None, str(refusal))
        return render_page(request, pk, bound={"payment": form}, status=INVALID)
    invoice.refresh_from_db(fields=["status"])
    if invoice.status == Invoice.Status.PAID:
        messages.success(
            request,
            _("Recorded %(amount)s. %(title)s is paid in full.")
            % {"amount": format_money(payment.amount), "title": invoice_title(invoice)},
        )
    else:
        messages.success(request, _("Recorded a payment of %(amount)s.") % {"amount": format_money(payment.amount)})
    return done(request, pk, "payments")


@require_http_methods(["GET", "POST"])
@login_required
def payment_delete(request: HttpRequest, pk: int, payment_pk: int) -> HttpResponse:
    """GET: ask first (without JavaScript). POST: undo a payment recorded by mistake."""
    payment = _payment(request, pk, payment_pk)
    if request.method == "GET":
        context = {"invoice": payment.invoice, "payment": payment, "what": "payment"}
        return render(request, "contracts/invoice_confirm_delete.html", context)
    try:
        payments.delete_payment(payment, actor=request.user)
    except RuleViolation as refusal:
        return refused(request, pk, refusal)
    messages.success(
        request,
        _("Deleted the payment of %(amount)s received on %(day)s.")
        % {"amount": format_money(payment.amount), "day": payment.paid_on.strftime("%d-%m-%Y")},
    )
    return done(request, pk, "payments")


@require_POST
@login_required
def credit_note_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft credit note for what is still open; a second click opens the same draft."""
    invoice = _invoice(request, pk)
    existing = None
    try:
        with transaction.atomic():
            locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
            existing = locked.credit_notes.filter(status=Invoice.Status.DRAFT).order_by("pk").first()
            note = existing or invoices.credit_note_for(locked, actor=request.user)
    except RuleViolation as refusal:
        return refused(request, pk, refusal)
    if existing:
        messages.info(request, _("There is already a draft credit note for this invoice: here it is."))
    else:
        messages.success(
            request, _("A draft credit note for what is still open. Check the lines, then send it to the client.")
        )
    target = detail_url(note.pk)
    if request.htmx:
        return HttpResponseClientRedirect(target)
    return redirect(target)


# -- drafting from a project's unbilled work ---------------------------------------------------


@require_POST
@login_required
def draft_for_unbilled(request: HttpRequest, pk: int) -> HttpResponse:
    project = owned_or_404(Project, request, pk=pk)
    with transaction.atomic():
        # Serialise double submits: the second one finds the hours already on the first draft.
        Project.objects.select_for_update().filter(pk=project.pk).first()
        invoice = invoices.draft_for_unbilled(project)
    if invoice is None:
        messages.info(
            request,
            _("Nothing to invoice for %(project)s: no unbilled hours with a rate, and no paid wishes.")
            % {"project": project.name},
        )
        target = safe_next(request, reverse("projects:project_detail", args=[project.pk]))
    else:
        messages.success(
            request,
            _("A draft invoice for the unbilled work on %(project)s. Check the lines, then send it.")
            % {"project": project.name},
        )
        target = detail_url(invoice.pk)
    if request.htmx:
        return HttpResponseClientRedirect(target)
    return redirect(target)


# -- a client's payment reminders ---------------------------------------------------------------


def reminders_response(request: HttpRequest, client: Client, form=None, status: int = 200) -> HttpResponse:
    context = {"client": client, "reminders_form": form}
    if wants_partial(request):
        return render(request, "contracts/invoice_client_reminders.html", context, status=status)
    if status != HTTPStatus.OK:
        return render(request, "contracts/invoice_client_reminders_page.html", context, status=status)
    return redirect(reverse("projects:client_detail", args=[client.pk]) + "#payment-reminders")


@require_POST
@login_required
def client_reminders_pause(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client(request, pk)
    form = PauseRemindersForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Payment reminders are not paused yet: give a reason."))
        return reminders_response(request, client, form, status=INVALID)
    client.reminders_paused_reason = form.cleaned_data["reason"]
    client.reminders_paused_at = timezone.now()
    client.save(update_fields=["reminders_paused_reason", "reminders_paused_at", "updated_at"])
    messages.success(request, _("Payment reminders to %(client)s are paused.") % {"client": client.name})
    return reminders_response(request, client)


@require_POST
@login_required
def client_reminders_resume(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client(request, pk)
    client.reminders_paused_reason = ""
    client.reminders_paused_at = None
    client.save(update_fields=["reminders_paused_reason", "reminders_paused_at", "updated_at"])
    messages.success(
        request,
        _("Payment reminders to %(client)s go out again; overdue invoices get the next one at the next sweep.")
        % {"client": client.name},
    )
    return reminders_response(request, client)
