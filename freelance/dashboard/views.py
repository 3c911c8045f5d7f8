"""The freelancer's dashboard: what needs doing today, with the money first.

Every card comes from ``freelance.dashboard.overview`` in a fixed number of queries. The two
common actions work in place with htmx and as plain forms without JavaScript: recording a
payment on an overdue invoice, and sending the client a new acceptance link. With htmx the
answer is the card that changed, plus the message; without, a redirect back to the page.
"""

from __future__ import annotations

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from contracts import payments
from contracts.forms.invoices import PaymentForm
from contracts.interest import stale_kinds
from contracts.models import Invoice, StatutoryInterestRate
from freelance.dashboard import charts, first_run, overview
from freelance.dashboard.models import Heartbeat
from freelance.lib import pagecache
from freelance.lib.money import format_money
from freelance.lib.rules import RuleViolation
from projects import acceptance
from projects.models import AcceptanceRequest, Phase

TEMPLATE = "dashboard/dashboard.html"
TROUBLE_SECONDS = 30  # how late the trouble card may appear, or go, on a page served from the store
INVALID = HTTPStatus.UNPROCESSABLE_ENTITY


def background_status() -> list[dict]:
    """One entry per component, in a fixed order, whether or not it has been seen."""
    seen = {hb.component: hb for hb in Heartbeat.objects.all()}
    now = timezone.now()
    status = []
    for component in Heartbeat.Component:
        heartbeat = seen.get(component.value)
        status.append(
            {
                "label": component.label,
                "heartbeat": heartbeat,
                "just_now": heartbeat is not None and (now - heartbeat.last_seen).total_seconds() < 60,
            }
        )
    return status


def stale_interest_rates(today) -> list[str]:
    """The kinds of statutory interest without a rate for the current half-year, by name (one query).

    Interest amounts then use the last known rate (legally still in force until replaced);
    the operator has to enter the new one in the admin.
    """
    return [StatutoryInterestRate.Kind(kind).label for kind in stale_kinds(today)]


def money_context(user, today, *, payment_forms: dict | None = None) -> dict:
    overdue = overview.overdue_invoices(user, today)
    forms = payment_forms or {}
    for row in overdue:
        form = forms.get(row.invoice.pk)
        if form is None:
            row.payment_form = PaymentForm(auto_id=f"pay-{row.invoice.pk}-%s")
            row.payment_amount, row.payment_date = f"{row.open_amount:.2f}", today.isoformat()
        else:  # what was typed, as typed
            row.payment_form = form
            row.payment_amount, row.payment_date = form.data.get("amount", ""), form.data.get("paid_on", "")
    return {
        "money": overview.money_summary(user, today),
        "overdue": overdue,
        "drafts": overview.drafts(user, today),
    }


def waiting_context(user, today) -> dict:
    return {
        "waiting_phases": overview.waiting_phases(user, today),
        "waiting_wishes": overview.waiting_wishes(user, today),
    }


def dashboard_context(user, today, *, trouble=None) -> dict:
    return {
        "today": today,
        "first_run": first_run.checklist(user),
        "stale_interest_rates": stale_interest_rates(today),
        "trouble": overview.background_trouble(user) if trouble is None else trouble,
        "deadlines": overview.deadlines(user, today),
        **money_context(user, today),
        **waiting_context(user, today),
        "week": overview.week_hours(user, today),
        "pastimes": overview.pastimes(user),
        "risks": overview.high_risks(user),
        "talks": overview.talks(user, today),
        **charts.dashboard_charts(user, today),
    }


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    if request.htmx and request.htmx.target == "background-status":
        context = {"trouble": overview.background_trouble(request.user), "background": background_status()}
        return render(request, f"{TEMPLATE}#background-status", context)
    # Worked out at most every half minute, and again after the freelancer's own writes (a mail
    # sent again); while it shows, the card asks again every 30 s (the branch above).
    trouble = pagecache.memo(
        request.user.pk, "trouble", lambda: overview.background_trouble(request.user), ttl=TROUBLE_SECONDS
    )

    def build() -> HttpResponse:
        context = dashboard_context(request.user, today, trouble=trouble)
        if trouble:
            context["background"] = background_status()
        return render(request, TEMPLATE, context)

    name = "dashboard"
    if trouble:  # the card says "last seen 3 minutes ago": stored for this minute and this trouble only
        name = f"dashboard-{trouble.signature()}-{timezone.now():%H%M}"
    return pagecache.serve(request, build, name=name)


@require_GET
@login_required
def background(request: HttpRequest) -> HttpResponse:
    """The background jobs, always shown (the dashboard shows them only when something is wrong)."""
    context = {
        "trouble": overview.background_trouble(request.user),
        "background": background_status(),
        "always": True,
    }
    if request.htmx:
        return render(request, f"{TEMPLATE}#background-status", context)
    return render(request, "dashboard/background.html", context)


def _card(request: HttpRequest, partial: str, context: dict, *, status: int = 200) -> HttpResponse:
    """With htmx, the changed card and the messages; without, back to the dashboard."""
    if not request.htmx:
        if status == INVALID:
            full = dashboard_context(request.user, timezone.localdate())
            full.update(context)
            return render(request, TEMPLATE, full, status=status)
        return redirect(reverse("dashboard") + f"#{partial}")
    html = render(request, f"{TEMPLATE}#{partial}", context, status=status)
    html.write(render(request, f"{TEMPLATE}#messages", {}).content)
    return html


@require_POST
@login_required
def record_payment(request: HttpRequest, pk: int) -> HttpResponse:
    """Record money received on one of the freelancer's overdue invoices, from the dashboard."""
    invoice = get_object_or_404(Invoice.objects.defer("pdf"), pk=pk, owner=request.user)
    today = timezone.localdate()
    form = PaymentForm(request.POST, auto_id=f"pay-{invoice.pk}-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            payment = payments.record_payment(
                invoice, amount=data["amount"], paid_on=data["paid_on"], reference=data["reference"], actor=request.user
            )
        except RuleViolation as refusal:
            form.add_error(None, str(refusal))
            messages.error(request, str(refusal))  # also when the invoice is not on the card
        else:
            invoice.refresh_from_db(fields=["status"])
            if invoice.status == Invoice.Status.PAID:
                text = _("Recorded %(amount)s. Invoice %(number)s is paid in full.")
            else:
                text = _("Recorded %(amount)s on invoice %(number)s.")
            messages.success(request, text % {"amount": format_money(payment.amount), "number": invoice.number})
            return _card(request, "money", money_context(request.user, today))
    return _card(request, "money", money_context(request.user, today, payment_forms={invoice.pk: form}), status=INVALID)


@require_POST
@login_required
def resend_acceptance(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the client a new acceptance link for a delivered phase (the old one stops working).

    Only the newest request of the phase is sent again, under the phase's lock: a double
    click sends one new link, not two.
    """
    sent = get_object_or_404(
        AcceptanceRequest.objects.select_related("phase__project", "link", "contact"),
        pk=pk,
        phase__project__owner=request.user,
    )
    today = timezone.localdate()
    try:
        with transaction.atomic():
            Phase.objects.select_for_update().filter(pk=sent.phase_id).first()
            newest = AcceptanceRequest.objects.filter(phase_id=sent.phase_id).order_by("-created_at", "-pk").first()
            if newest is None or newest.pk != sent.pk:
                raise RuleViolation(_("A newer link was already sent for this phase."))
            fresh = acceptance.resend(sent, actor=request.user)
    except RuleViolation as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            _("A new link went to %(name)s; the old one no longer works.") % {"name": fresh.link.recipient_name},
        )
    return _card(request, "waiting", waiting_context(request.user, today))


@require_GET
@never_cache
def health(request: HttpRequest) -> HttpResponse:
    """For load balancers and docker compose: the app answers and reaches its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
