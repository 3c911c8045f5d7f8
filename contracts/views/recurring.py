"""Recurring agreements: retainers and maintenance billed every month, quarter or year.

/recurring/: the freelancer's agreements with their next invoice; /recurring/new/ and
/recurring/<pk>/edit/: the agreement and its lines (a form and a formset, plain POST);
/recurring/<pk>/: the agreement, what a period comes to, its drafted invoices and its
history, with pause, resume and end (POST, guarded: a double click changes it once).

The invoices are drafted by the sweep (``contracts.recurring``); the freelancer checks each
draft on its invoice page and sends it there. Every lookup is scoped to the logged-in
freelancer: another freelancer's agreement is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contracts import recurring
from contracts.forms.recurring import LineFormSet, RecurringAgreementForm
from contracts.invoices import compute_totals
from contracts.models import BusinessProfile, RecurringAgreement, RecurringEvent
from freelance.lib.rules import RuleViolation
from freelance.lib.views import owned_or_404

INVALID = HTTPStatus.UNPROCESSABLE_ENTITY


@dataclass(frozen=True)
class Row:
    agreement: RecurringAgreement
    total: object  # Decimal, incl. VAT, of one period
    next: recurring.PeriodDates | None


def _kor(user) -> bool:
    return BusinessProfile.objects.filter(owner=user).values_list("small_business_scheme", flat=True).first() or False


@require_GET
@login_required
def recurring_list(request: HttpRequest) -> HttpResponse:
    """Four queries, however many agreements: the agreements with their clients, their lines,
    the drafted periods, and the business profile (for the KOR)."""
    agreements = list(
        RecurringAgreement.objects.filter(owner=request.user)
        .select_related("client")
        .prefetch_related("lines")
        .order_by("status", "client__name", "description", "pk")
    )
    drafted = recurring.drafted_periods([a.pk for a in agreements])
    kor = _kor(request.user)
    rows = [
        Row(
            a,
            recurring.totals(a.lines.all(), small_business_scheme=kor).total,
            recurring.next_period(a, drafted[a.pk]) if a.status == RecurringAgreement.Status.ACTIVE else None,
        )
        for a in agreements
    ]
    return render(request, "contracts/recurring_list.html", {"rows": rows})


def _form_page(request, form, lines, agreement=None, status=HTTPStatus.OK) -> HttpResponse:
    return render(
        request,
        "contracts/recurring_form.html",
        {
            "form": form,
            "lines": lines,
            "agreement": agreement,
            "has_clients": form.fields["client"].queryset.exists(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def recurring_new(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        form = RecurringAgreementForm(owner=request.user)
        wanted = request.GET.get("client", "")
        if wanted.isascii() and wanted.isdigit() and form.fields["client"].queryset.filter(pk=wanted).exists():
            form.initial["client"] = int(wanted)
        return _form_page(request, form, LineFormSet(prefix="lines"))
    form = RecurringAgreementForm(request.POST, owner=request.user)
    lines = LineFormSet(request.POST, prefix="lines")
    if form.is_valid() and lines.is_valid():
        with transaction.atomic():
            agreement = form.save()
            lines.instance = agreement
            _save_lines(lines)
            agreement.log(RecurringEvent.Kind.CREATED, request.user)
        messages.success(
            request, _("The agreement is saved. Its invoices are drafted on their day; you check and send each one.")
        )
        return redirect("contracts:recurring_detail", pk=agreement.pk)
    return _form_page(request, form, lines, status=INVALID)


def _save_lines(lines) -> None:
    for position, line in enumerate(lines.save(commit=False), start=1):
        line.position = line.position or position
        line.save()
    for line in lines.deleted_objects:
        line.delete()


@require_GET
@login_required
def recurring_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = owned_or_404(RecurringAgreement.objects.select_related("client"), request, pk=pk)
    lines = list(agreement.lines.all())
    totals = recurring.totals(lines, small_business_scheme=_kor(request.user))
    drafted = recurring.drafted_periods([agreement.pk])[agreement.pk]
    invoices = []
    for invoice in agreement.invoices.defer("pdf").prefetch_related("lines").order_by("-recurring_period", "-pk"):
        dates = recurring.period(agreement, invoice.recurring_period)
        total = invoice.total if not invoice.is_draft else compute_totals(invoice).total
        invoices.append({"invoice": invoice, "period": dates, "total": total})
    context = {
        "agreement": agreement,
        "lines": lines,
        "totals": totals,
        "invoices": invoices,
        "next": recurring.next_period(agreement, drafted)
        if agreement.status == RecurringAgreement.Status.ACTIVE
        else None,
        "today": timezone.localdate(),
        "events": list(agreement.events.select_related("actor")[:50]),
        "can": agreement.allowed_transitions(),
        "Status": RecurringAgreement.Status,
    }
    return render(request, "contracts/recurring_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def recurring_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = owned_or_404(RecurringAgreement.objects.select_related("client"), request, pk=pk)
    if agreement.status == RecurringAgreement.Status.ENDED:
        messages.error(request, _("This agreement has ended: it no longer changes."))
        return redirect("contracts:recurring_detail", pk=agreement.pk)
    locked = bool(recurring.drafted_periods([agreement.pk])[agreement.pk])
    if request.method == "GET":
        form = RecurringAgreementForm(instance=agreement, owner=request.user, locked=locked)
        return _form_page(request, form, LineFormSet(instance=agreement, prefix="lines"), agreement)
    form = RecurringAgreementForm(request.POST, instance=agreement, owner=request.user, locked=locked)
    lines = LineFormSet(request.POST, instance=agreement, prefix="lines")
    if form.is_valid() and lines.is_valid():
        with transaction.atomic():
            # Locked, so an edit and a pause or end at the same moment go one after the other.
            status = (
                RecurringAgreement.objects.select_for_update().filter(pk=agreement.pk).values_list("status", flat=True)
            )
            if status.first() == RecurringAgreement.Status.ENDED:
                messages.error(request, _("This agreement has ended: it no longer changes."))
                return redirect("contracts:recurring_detail", pk=agreement.pk)
            form.save()
            _save_lines(lines)
            agreement.log(RecurringEvent.Kind.CHANGED, request.user)
        messages.success(request, _("The agreement is saved. Invoices drafted before keep their lines."))
        return redirect("contracts:recurring_detail", pk=agreement.pk)
    return _form_page(request, form, lines, agreement, status=INVALID)


def _move(request: HttpRequest, pk: int, action: str, done: str) -> HttpResponse:
    agreement = owned_or_404(RecurringAgreement, request, pk=pk)
    try:
        getattr(agreement, action)(request.user)
    except RuleViolation as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, done)
    return redirect("contracts:recurring_detail", pk=agreement.pk)


@require_POST
@login_required
def recurring_pause(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(request, pk, "pause", _("Paused: no invoices are drafted until you resume."))


@require_POST
@login_required
def recurring_resume(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(
        request, pk, "resume", _("Resumed: invoices are drafted again, from today. The paused periods stay unbilled.")
    )


@require_POST
@login_required
def recurring_end(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(request, pk, "end", _("Ended: no more invoices are drafted. The invoices so far stay."))
