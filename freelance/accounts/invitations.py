"""Freelancer accounts: the operator's invitations, and open sign-up when the install allows it.

Roles. The operator (a superuser, made with ``createsuperuser``) runs the install: they
keep the default contract texts and the users in the admin, and invite freelancers. A
freelancer is a normal account with ``is_staff`` set, so the admin opens for their own
contract templates only (``contracts.admin.OwnedTemplateAdmin``); they have no model
permissions, so every other admin page stays closed to them.

An invitation is an emailed link (256-bit token, only its hash stored), valid for
``INVITATION_DAYS`` and used once: accepting claims the row with a conditional UPDATE in the
same transaction that makes the account. ``OPEN_SIGNUP`` (off by default) lets anyone make
a freelancer account instead.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.forms import BaseUserCreationForm
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from freelance.accounts.models import Invitation
from freelance.lib.tokens import new_token, token_hash
from freelance.outbox.queue import queue_email

logger = logging.getLogger(__name__)

INVITATION_KIND = "invitation"
BACKEND = "freelance.accounts.backends.ModelBackend"


class InvitationUnavailable(Exception):
    """Used, revoked, expired or unknown: the page says so, without telling which."""


def invite(email: str, *, by, language: str | None = None) -> tuple[Invitation, str]:
    """Make an invitation and queue its mail; returns it and the link (for the operator's console)."""
    token = new_token()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            email=email,
            token_hash=token_hash(token),
            invited_by=by,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_DAYS),
        )
        url = settings.SITE_URL + reverse("invitation", args=[token])
        queue_email(
            owner=by,
            to=[email],
            template="invitation",
            context={
                "url": url,
                "inviter": (by.get_full_name() or by.get_username()) if by else "",
                "days": settings.INVITATION_DAYS,
                "site": settings.SITE_URL,
            },
            language=language or settings.LANGUAGE_CODE,
            kind=INVITATION_KIND,
        )
    logger.info("invitation %s queued", invitation.pk)
    return invitation, url


def find_open(token: str) -> Invitation:
    invitation = Invitation.open().filter(token_hash=token_hash(token)).first()
    if invitation is None:
        raise InvitationUnavailable
    return invitation


def make_freelancer(form: AccountForm):
    """Save the form's user as a freelancer: staff (the admin, for their own templates), no permissions."""
    user = form.save(commit=False)
    user.is_staff = True
    user.is_superuser = False
    user.save()
    return user


def accept(token: str, form: AccountForm):
    """Make the account and use up the invitation, both or neither."""
    with transaction.atomic():
        invitation = find_open(token)
        claimed = Invitation.open().filter(pk=invitation.pk).update(accepted_at=timezone.now())
        if not claimed:  # another request accepted it a moment ago
            raise InvitationUnavailable
        user = make_freelancer(form)
        Invitation.objects.filter(pk=invitation.pk).update(account=user)
    return user


# -- forms ----------------------------------------------------------------------------------


class AccountForm(BaseUserCreationForm):
    """Username, name, email and a password twice, with Django's password validators."""

    class Meta(BaseUserCreationForm.Meta):
        model = get_user_model()
        fields = ["username", "first_name", "last_name", "email"]

    def __init__(self, *args, email: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["first_name"].required = True
        if email:  # the invited address; the freelancer may use another one
            self.fields["email"].initial = email

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("That username is taken; choose another."))
        return username


# -- views ----------------------------------------------------------------------------------

UNAVAILABLE = gettext_lazy(
    "This invitation can no longer be used: it was used already, withdrawn, or it expired. "
    "Ask the person who invited you for a new one."
)


@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The invited freelancer picks a username and password. Only a POST changes anything."""
    try:
        invited = find_open(token)
    except InvitationUnavailable:
        return render(request, "accounts/invitation.html", {"unavailable": UNAVAILABLE}, status=404)
    form = AccountForm(request.POST or None, email=invited.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = accept(token, form)
        except InvitationUnavailable:
            return render(request, "accounts/invitation.html", {"unavailable": UNAVAILABLE}, status=409)
        except IntegrityError:  # the username was taken between the check and the insert
            form.add_error("username", _("That username is taken; choose another."))
        else:
            login(request, user, backend=BACKEND)
            messages.success(request, _("Welcome to Mijlpaal: your account is ready."))
            return redirect("dashboard")
    return render(request, "accounts/invitation.html", {"form": form, "invitation": invited})


@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Open sign-up: only when the install allows it (OPEN_SIGNUP); a 404 otherwise."""
    if not settings.OPEN_SIGNUP:
        raise Http404
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = make_freelancer(form)
        except IntegrityError:
            form.add_error("username", _("That username is taken; choose another."))
        else:
            login(request, user, backend=BACKEND)
            messages.success(request, _("Welcome to Mijlpaal: your account is ready."))
            return redirect("dashboard")
    return render(request, "accounts/signup.html", {"form": form})
