"""Bank statements in: upload a file, see what the import did, decide the lines left over.

/books/bank/: the upload form and the freelancer's earlier imports.
/books/bank/imports/<pk>/: one import: its counts now, and its lines (paged).
/books/bank/unmatched/: every money-in line still unmatched, each with a choice of open
invoice (the one with the same open amount preselected) to match it to, or to ignore it.

Matching and ignoring are POSTs with the line's and invoice's ids in the body; every lookup is
scoped to the logged-in freelancer, so another freelancer's import, line or invoice is a 404.
Both claim the line with a conditional UPDATE, so a double submit decides once and the second
click gets a message. A refused file shows the form again with the reason (422) and records
nothing. Each page runs a fixed number of queries, however many lines there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contracts.banking import imports
from contracts.banking.forms import StatementUploadForm
from contracts.banking.models import BankImport, BankTransaction
from contracts.banking.statements import StatementRefused
from contracts.models import Invoice
from freelance.lib.identifiers import format_iban
from freelance.lib.money import format_money
from freelance.lib.rules import RuleViolation
from freelance.lib.views import owned_or_404

INVALID = HTTPStatus.UNPROCESSABLE_ENTITY
S = BankTransaction.Status
IMPORT_PAGE_SIZE = 200
UNMATCHED_PAGE_SIZE = 50
RECENT_IMPORTS = 20


def _posted_pk(request: HttpRequest, name: str) -> int:
    """An id in the POST body, or 404: a missing or tampered id finds nothing."""
    try:
        return int(request.POST.get(name, ""))
    except (TypeError, ValueError):
        raise Http404 from None


def _unmatched_lines(user):
    return BankTransaction.objects.filter(owner=user, status=S.UNMATCHED, direction=BankTransaction.Direction.CREDIT)


def _upload_page(request: HttpRequest, form: StatementUploadForm, status=HTTPStatus.OK) -> HttpResponse:
    """Three queries: the recent imports, and the number of unmatched lines (besides session and user)."""
    recent = list(BankImport.objects.filter(owner=request.user)[:RECENT_IMPORTS])
    context = {"form": form, "imports": recent, "unmatched_count": _unmatched_lines(request.user).count()}
    return render(request, "banking/upload.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def upload(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _upload_page(request, StatementUploadForm())
    form = StatementUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, form, INVALID)
    upload = form.cleaned_data["file"]
    try:
        bank_import = imports.import_statement(request.user, data=upload.read(), file_name=upload.name or "")
    except StatementRefused as refusal:
        form.add_error("file", str(refusal))
        return _upload_page(request, form, INVALID)
    messages.success(
        request,
        _("Imported %(count)s new transactions: %(matched)s matched, %(partly)s partly, %(unmatched)s left to match.")
        % {
            "count": bank_import.new_count,
            "matched": bank_import.matched_count,
            "partly": bank_import.partly_count,
            "unmatched": bank_import.unmatched_count,
        },
    )
    return redirect("banking:import_detail", pk=bank_import.pk)


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


@require_GET
@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bank_import = owned_or_404(BankImport, request, pk=pk)
    lines = bank_import.transactions.select_related("invoice").order_by("position")
    now = lines.aggregate(**{status: Count("pk", filter=Q(status=status)) for status in S.values})
    counts = [StatusCount(status, label, now[status]) for status, label in S.choices]
    page = Paginator(lines, IMPORT_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "bank_import": bank_import,
        "iban": format_iban(bank_import.account_iban),
        "counts": counts,
        "page": page,
        "unmatched_url": reverse("banking:unmatched"),
    }
    return render(request, "banking/import.html", context)


@dataclass(frozen=True)
class Option:
    pk: int
    label: str
    selected: bool


@dataclass(frozen=True)
class UnmatchedRow:
    line: BankTransaction
    options: list[Option]


@require_GET
@login_required
def unmatched(request: HttpRequest) -> HttpResponse:
    """Two queries besides session and user: the page of lines (and its count), and the open invoices."""
    lines = _unmatched_lines(request.user).order_by("-booking_date", "pk")
    page = Paginator(lines, UNMATCHED_PAGE_SIZE).get_page(request.GET.get("page"))
    invoices = imports.open_invoices(request.user)
    by_amount: dict = {}
    for invoice in invoices:
        by_amount.setdefault(invoice.open_amount, []).append(invoice.pk)
    rows = []
    for line in page:
        same = by_amount.get(line.amount, [])
        suggested = same[0] if len(same) == 1 else None
        options = [
            Option(
                invoice.pk,
                _("%(number)s: %(open)s open") % {"number": invoice.number, "open": format_money(invoice.open_amount)},
                invoice.pk == suggested,
            )
            for invoice in invoices
        ]
        rows.append(UnmatchedRow(line, options))
    return render(request, "banking/unmatched.html", {"page": page, "rows": rows, "has_invoices": bool(invoices)})


def _back(request: HttpRequest) -> HttpResponse:
    page = request.POST.get("page", "")
    url = reverse("banking:unmatched")
    return redirect(f"{url}?page={int(page)}" if page.isdigit() else url)


@require_POST
@login_required
def match(request: HttpRequest) -> HttpResponse:
    line = owned_or_404(BankTransaction, request, pk=_posted_pk(request, "line"))
    if not request.POST.get("invoice"):
        messages.error(request, _("Choose the invoice this payment is for."))
        return _back(request)
    invoice = owned_or_404(Invoice, request, pk=_posted_pk(request, "invoice"))
    try:
        payment = imports.match_by_hand(line, invoice, actor=request.user)
    except RuleViolation as refusal:
        messages.error(request, str(refusal))
        return _back(request)
    messages.success(
        request,
        _("Recorded %(amount)s on invoice %(number)s.")
        % {"amount": format_money(payment.amount), "number": invoice.number},
    )
    return _back(request)


@require_POST
@login_required
def ignore(request: HttpRequest) -> HttpResponse:
    line = owned_or_404(BankTransaction, request, pk=_posted_pk(request, "line"))
    try:
        imports.ignore(line, actor=request.user)
    except RuleViolation as refusal:
        messages.error(request, str(refusal))
        return _back(request)
    messages.success(request, _("The line of %(amount)s is ignored.") % {"amount": format_money(line.amount)})
    return _back(request)
