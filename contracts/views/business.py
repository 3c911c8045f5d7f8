"""The freelancer's business settings: the details printed on invoices, VAT, the floor rate,
and when reminders and nudges go out. One page, one form; the model checks the order of the
reminder days in ``clean()``, so the admin and this page enforce the same rules."""

from __future__ import annotations

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from contracts.forms.invoices import BusinessProfileForm
from contracts.models import BusinessProfile

INVALID = HTTPStatus.UNPROCESSABLE_ENTITY


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return ""


@require_http_methods(["GET", "POST"])
@login_required
def business_settings(request: HttpRequest) -> HttpResponse:
    profile = BusinessProfile.for_owner(request.user)  # unsaved with the defaults on the first visit
    is_new = profile.pk is None
    next_url = _next(request)
    if request.method == "POST":
        form = BusinessProfileForm(request.POST, instance=profile)
        if form.is_valid():
            form.save()
            messages.success(request, _("Your business settings are saved."))
            return redirect(next_url or reverse("contracts:business_settings"))
        status = INVALID
    else:
        form = BusinessProfileForm(instance=profile)
        status = HTTPStatus.OK
    context = {"form": form, "is_new": is_new, "next_url": next_url}
    return render(request, "contracts/business_settings.html", context, status=status)
