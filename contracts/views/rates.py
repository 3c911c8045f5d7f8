"""The freelancer's own rates and surcharges, in the app rather than the admin.

/settings/rates/: the rate history (newest first, with the reason the client sees), a form
for a new rate, and the floor rate (a field of the business profile, also on the business
settings page). A rate is never edited in place: a new one starts on a day, today or later;
one that has not started yet may be removed again (a typo), one that has started may not.

/settings/surcharges/: the agreed surcharge rules. A freelancer without any sees the standard
set and takes it with one click; after that each rule's multiplier can be changed, rules added
and removed (removing is how a surcharge is switched off: logged hours keep the multiplier
they were saved with, and a sent contract keeps its table).

The ids of rates and rules travel in the POST body, not the path, and every lookup is scoped
to the logged-in freelancer: another freelancer's id is a 404. With htmx the page's main
section re-renders; without JavaScript every form is a plain POST that redirects back.
Invalid input re-renders with what was typed, status 422. Each page runs a fixed number of
queries, however many rows there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from contracts.forms.rates import FloorRateForm, HourlyRateForm, MultiplierForm, SurchargeRuleForm
from contracts.models import BusinessProfile, HourlyRate, SurchargeRule
from freelance.lib.formats import multiplier as multiplier_label
from freelance.lib.money import format_money
from freelance.lib.views import owned_or_404

INVALID = HTTPStatus.UNPROCESSABLE_ENTITY
RATES = "contracts/rates.html"
SURCHARGES = "contracts/surcharges.html"
A = SurchargeRule.Applies


def _posted_pk(request: HttpRequest, name: str) -> int:
    """The id in the POST body, or 404: a missing or tampered id finds nothing."""
    try:
        return int(request.POST.get(name, ""))
    except (TypeError, ValueError):
        raise Http404 from None


def _lock_owner(user) -> None:
    """Serialise one freelancer's writes (a double click): lock their user row."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()


# -- rates ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateRow:
    rate: HourlyRate
    amount: str
    state: str  # "current", "upcoming" or "past", as a word, not only a colour
    state_label: str
    removable: bool  # not started yet: it may be taken back


def rate_rows(rates: list[HourlyRate], today: date) -> list[RateRow]:
    """`rates` newest first; the first one that has started is the current one."""
    rows, current_seen = [], False
    for rate in rates:
        if rate.valid_from > today:
            state, label = "upcoming", _("starts later")
        elif not current_seen:
            state, label, current_seen = "current", _("current"), True
        else:
            state, label = "past", _("earlier")
        rows.append(RateRow(rate, format_money(rate.amount), state, label, rate.valid_from > today))
    return rows


def rates_context(request: HttpRequest, *, rate_form=None, floor_form=None) -> dict:
    """Two queries: the own rates, and the business profile (for the floor rate)."""
    today = timezone.localdate()
    rates = list(HourlyRate.objects.filter(owner=request.user, client__isnull=True).order_by("-valid_from"))
    profile = BusinessProfile.for_owner(request.user)
    return {
        "rate_rows": rate_rows(rates, today),
        "rate_form": rate_form or HourlyRateForm(owner=request.user, today=today, prefix="rate"),
        "floor_form": floor_form or FloorRateForm(instance=profile, prefix="floor"),
        "floor_rate": format_money(profile.floor_rate) if profile.floor_rate is not None else "",
        "business_url": reverse("contracts:business_settings"),
    }


def _rates_response(request: HttpRequest, status=HTTPStatus.OK, **forms) -> HttpResponse:
    template = f"{RATES}#rates-main" if request.htmx else RATES
    return render(request, template, rates_context(request, **forms), status=status)


def _back_to_rates(request: HttpRequest) -> HttpResponse:
    if request.htmx:
        return _rates_response(request)
    return redirect("contracts:rates")


@require_http_methods(["GET", "POST"])
@login_required
def rates_page(request: HttpRequest) -> HttpResponse:
    """The rate history and the form for a new rate (POST adds it)."""
    if request.method == "GET":
        return _rates_response(request)
    form = HourlyRateForm(request.POST, owner=request.user, prefix="rate")
    if form.is_valid():
        try:
            with transaction.atomic():
                rate = form.save()
        except IntegrityError:  # the same day, saved by a double click a moment ago
            form.add_error("valid_from", _("You already have a rate from that day."))
        else:
            messages.success(
                request,
                _("Your rate of %(amount)s from %(day)s is saved.")
                % {"amount": format_money(rate.amount), "day": rate.valid_from.isoformat()},
            )
            return _back_to_rates(request)
    return _rates_response(request, INVALID, rate_form=form)


@require_POST
@login_required
def rate_remove(request: HttpRequest) -> HttpResponse:
    """Take back a rate that has not started yet; one that has started stays in the history."""
    rate = owned_or_404(HourlyRate, request, pk=_posted_pk(request, "rate"), client__isnull=True)
    if rate.valid_from <= timezone.localdate():
        # Its day came while the page was open: the history shows it as started, without the button.
        messages.error(request, _("This rate has started: it stays in your history. Add a new rate instead."))
        return _back_to_rates(request)
    rate.delete()
    messages.success(request, _("The rate that had not started yet is removed."))
    return _back_to_rates(request)


@require_POST
@login_required
def floor_rate(request: HttpRequest) -> HttpResponse:
    """Set or clear the floor rate; a freelancer without a profile gets one with the defaults."""
    with transaction.atomic():
        _lock_owner(request.user)
        profile = BusinessProfile.for_owner(request.user)
        form = FloorRateForm(request.POST, instance=profile, prefix="floor")
        if form.is_valid():
            form.save()
            messages.success(request, _("Your floor rate is saved."))
            return _back_to_rates(request)
    return _rates_response(request, INVALID, floor_form=form)


# -- surcharges ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standard:
    name: Promise
    applies_to: str
    multiplier: Decimal
    month: int | None = None
    day: int | None = None

    def key(self) -> tuple:
        return (self.applies_to, self.month, self.day)


# The agreed defaults (the method: "the emergency call on Christmas Eve costs double"). The
# holidays package knows no Christmas Eve or New Year's Eve, so those are named days.
STANDARD_SURCHARGES = [
    Standard(gettext_lazy("Christmas Eve"), A.NAMED_DAY, Decimal("2.00"), 12, 24),
    Standard(gettext_lazy("New Year's Eve"), A.NAMED_DAY, Decimal("2.00"), 12, 31),
    Standard(gettext_lazy("Public holidays"), A.HOLIDAY, Decimal("1.50")),
    Standard(gettext_lazy("Emergency"), A.EMERGENCY, Decimal("1.50")),
    Standard(gettext_lazy("Weekend"), A.WEEKEND, Decimal("1.50")),
    Standard(gettext_lazy("Evening"), A.EVENING, Decimal("1.25")),
]


def rule_key(rule: SurchargeRule) -> tuple:
    if rule.applies_to == A.NAMED_DAY:
        return (rule.applies_to, rule.month, rule.day)
    return (rule.applies_to, None, None)


def use_standard_surcharges(owner) -> int:
    """Create the standard rules the freelancer does not have yet (by what they apply to);
    returns how many. Safe to run twice: a double click adds nothing the second time."""
    with transaction.atomic():
        _lock_owner(owner)
        have = {rule_key(rule) for rule in SurchargeRule.objects.filter(owner=owner)}
        names = {name.lower() for name in SurchargeRule.objects.filter(owner=owner).values_list("name", flat=True)}
        missing = [s for s in STANDARD_SURCHARGES if s.key() not in have and str(s.name).lower() not in names]
        SurchargeRule.objects.bulk_create(
            SurchargeRule(
                owner=owner,
                name=str(s.name),  # in the freelancer's language; they may rename it
                applies_to=s.applies_to,
                multiplier=s.multiplier,
                month=s.month,
                day=s.day,
            )
            for s in missing
        )
    return len(missing)


def _describe(applies_to: str, month: int | None, day: int | None, evening_from=None, evening_until=None) -> str:
    label = A(applies_to).label
    if applies_to == A.NAMED_DAY and month and day:
        return f"{label}: {day}-{month}"
    if applies_to == A.EVENING and evening_from and evening_until:
        return f"{label}: {evening_from:%H:%M}–{evening_until:%H:%M}"
    return str(label)


@dataclass(frozen=True)
class RuleRow:
    rule: SurchargeRule
    applies: str
    multiplier: str
    form: MultiplierForm


def surcharges_context(request: HttpRequest, *, new_form=None, failed: MultiplierForm | None = None) -> dict:
    """One query: the freelancer's rules."""
    rules = list(SurchargeRule.objects.filter(owner=request.user).order_by("-multiplier", "name", "pk"))
    rows = []
    for rule in rules:
        form = failed if failed is not None and failed.instance.pk == rule.pk else None
        rows.append(
            RuleRow(
                rule=rule,
                applies=_describe(rule.applies_to, rule.month, rule.day, rule.evening_from, rule.evening_until),
                multiplier=multiplier_label(rule.multiplier),
                form=form or MultiplierForm(instance=rule, prefix=f"rule-{rule.pk}"),
            )
        )
    have = {rule_key(rule) for rule in rules}
    standard = [
        {
            "name": s.name,
            "applies": _describe(s.applies_to, s.month, s.day),
            "multiplier": multiplier_label(s.multiplier),
        }
        for s in STANDARD_SURCHARGES
        if s.key() not in have
    ]
    return {
        "rule_rows": rows,
        "standard": standard,
        "new_form": new_form or SurchargeRuleForm(owner=request.user, prefix="new"),
    }


def _surcharges_response(request: HttpRequest, status=HTTPStatus.OK, **forms) -> HttpResponse:
    template = f"{SURCHARGES}#surcharges-main" if request.htmx else SURCHARGES
    return render(request, template, surcharges_context(request, **forms), status=status)


def _back_to_surcharges(request: HttpRequest) -> HttpResponse:
    if request.htmx:
        return _surcharges_response(request)
    return redirect("contracts:surcharges")


@require_http_methods(["GET", "POST"])
@login_required
def surcharges_page(request: HttpRequest) -> HttpResponse:
    """The rules, the standard set to take, and the form for a new rule (POST adds it)."""
    if request.method == "GET":
        return _surcharges_response(request)
    form = SurchargeRuleForm(request.POST, owner=request.user, prefix="new")
    if form.is_valid():
        rule = form.save()
        messages.success(request, _("The surcharge “%(name)s” is added.") % {"name": rule.name})
        return _back_to_surcharges(request)
    return _surcharges_response(request, INVALID, new_form=form)


@require_POST
@login_required
def surcharges_standard(request: HttpRequest) -> HttpResponse:
    created = use_standard_surcharges(request.user)
    if created:
        messages.success(request, _("The standard surcharges are added. Change any multiplier below."))
    return _back_to_surcharges(request)


@require_POST
@login_required
def surcharge_save(request: HttpRequest) -> HttpResponse:
    """A new multiplier for one rule."""
    rule = owned_or_404(SurchargeRule, request, pk=_posted_pk(request, "rule"))
    form = MultiplierForm(request.POST, instance=rule, prefix=f"rule-{rule.pk}")
    if form.is_valid():
        form.save()
        messages.success(request, _("The surcharge “%(name)s” is saved.") % {"name": rule.name})
        return _back_to_surcharges(request)
    return _surcharges_response(request, INVALID, failed=form)


@require_POST
@login_required
def surcharge_remove(request: HttpRequest) -> HttpResponse:
    """Switch a surcharge off. Logged hours keep their multiplier; sent contracts keep their table."""
    rule = owned_or_404(SurchargeRule, request, pk=_posted_pk(request, "rule"))
    rule.delete()
    messages.success(request, _("The surcharge “%(name)s” is removed.") % {"name": rule.name})
    return _back_to_surcharges(request)
