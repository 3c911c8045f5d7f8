"""Two-factor authentication: an authenticator app (TOTP) and recovery codes, with django-otp.

- Optional for a freelancer (the DEBUG-only demo login is one); required for the operator (a
  superuser), who cannot turn it off.
- Setting it up: the page shows a QR code and the secret; only a device confirmed with a code
  counts. Confirming creates ten recovery codes (shown once) and ends the user's other sessions,
  so every session that goes on has passed the second step.
- Logging in: the password step only remembers who is pending (``PENDING_KEY``, five minutes);
  nobody is logged in until a code from the app or an unused recovery code is given. Five wrong
  codes send the login back to the start; django-otp's throttle (kept on the device, 1, 2, 4, 8...
  seconds between tries) holds across restarts.
- The operator: ``TwoFactorMiddleware`` (accounts/middleware.py) sends an unverified session to
  the code step or to the setup page; the admin checks the same (``guard_admin``).
- Lost phone and recovery codes: ``manage.py reset_two_factor <username>``.

What a request needs is read from the session and the user only, so the check costs no query:
whether the user had a device is recorded at login (``record_login``).
"""

from __future__ import annotations

import logging
import math
import re
import secrets
from base64 import b32encode
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import django_otp
import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, load_backend, logout
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from freelance.accounts import sessions
from freelance.accounts.models import SessionEpoch

logger = logging.getLogger(__name__)

ISSUER = "Mijlpaal"  # the name the authenticator app shows next to the code
APP_DEVICE_NAME = "authenticator app"
RECOVERY_DEVICE_NAME = "recovery codes"

PENDING_KEY = "mfa_pending"  # {"user", "backend", "started", "next"}: password given, code not yet
ENROLLED_KEY = "mfa_enrolled"  # set at login: the user had a confirmed app then
FAILURES_KEY = "mfa_failures"  # wrong codes in this session's code step
NEW_CODES_KEY = "mfa_new_codes"  # recovery codes waiting to be shown, once
USERNAME_KEY = "mfa_username"  # fills in the login form after a login was sent back to the start

PENDING_SECONDS = 5 * 60
MAX_FAILURES = 5
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i to misread
RECOVERY_LENGTH = 10
CODE_MAX_LENGTH = 64  # a form field's limit: anything longer is refused before any lookup
NEXT_MAX_LENGTH = 2000

TOTP_PATTERN = re.compile(r"[0-9]{6}")  # ASCII digits: \d would take other scripts' digits too
RECOVERY_PATTERN = re.compile(rf"[a-z0-9]{{{RECOVERY_LENGTH}}}")

CODE = "code"  # what an unverified session needs: the code step...
SETUP = "setup"  # ...or setting it up first


# -- who needs what ----------------------------------------------------------------------------


def is_required(user) -> bool:
    """The operator (a superuser) must use two-factor authentication; a freelancer may."""
    return user.is_superuser


def app_device(user, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def is_enabled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def record_login(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: remember whether the user has an app, for ``needs``."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[ENROLLED_KEY] = is_enabled(user)
    request.session.pop(FAILURES_KEY, None)


def needs(request: HttpRequest) -> str | None:
    """CODE or SETUP when the logged-in user must pass the second step first; no query of its own."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return None
    if request.session.get(ENROLLED_KEY):
        return CODE
    if is_required(user):
        return SETUP
    return None


def url_for(need: str, next_url: str = "") -> str:
    url = reverse("login_code" if need == CODE else "two_factor")
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}" if next_url else url


def safe_next(request: HttpRequest, candidate) -> str:
    """``candidate`` if it is a URL on this site (and not absurdly long), else ""."""
    if not isinstance(candidate, str) or not candidate or len(candidate) > NEXT_MAX_LENGTH:
        return ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


# -- codes -------------------------------------------------------------------------------------


def normalize(code: str) -> str:
    """What the user typed, without spaces and dashes, in lower case: "123 456", "ABCDE-fghjk"."""
    return re.sub(r"[\s-]", "", code).lower()


def random_recovery_code() -> str:
    return "".join(secrets.choice(RECOVERY_ALPHABET) for _index in range(RECOVERY_LENGTH))


def format_recovery_code(code: str) -> str:
    half = RECOVERY_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


@dataclass(frozen=True)
class Check:
    device: Device | None = None
    wait: int = 0  # seconds before another try is even looked at (django-otp's throttle)


def throttle_wait(device) -> int:
    allowed, info = device.verify_is_allowed()
    if allowed or not info or "locked_until" not in info:
        return 0
    return max(1, math.ceil((info["locked_until"] - timezone.now()).total_seconds()))


def check_code(user, code: str, *, confirmed: bool = True, recovery: bool = True) -> Check:
    """Verify a normalized code: six digits against the app, else a recovery code (used up).

    The device row is locked while it is checked, so one code cannot pass twice at once.
    """
    if TOTP_PATTERN.fullmatch(code):
        with transaction.atomic():
            device = (
                TOTPDevice.objects.select_for_update().filter(user=user, confirmed=confirmed).order_by("pk").first()
            )
            if device is None:
                return Check()
            if wait := throttle_wait(device):
                return Check(wait=wait)
            return Check(device=device) if device.verify_token(code) else Check()
    if recovery and RECOVERY_PATTERN.fullmatch(code):
        with transaction.atomic():
            device = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            if device is None:
                return Check()
            if wait := throttle_wait(device):
                return Check(wait=wait)
            used, _rows = StaticToken.objects.filter(device=device, token=code).delete()
            if not used:
                device.throttle_increment()
                return Check()
            device.throttle_reset(commit=False)
            device.set_last_used_timestamp(commit=False)
            device.save()
            logger.info("user %s logged in with a recovery code", user.pk)
            return Check(device=device)
    return Check()


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with ten new ones; returns them, formatted, to show once.

    The device stays (only its codes change), so a session verified with a recovery code stays so.
    """
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
        )
        StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.token_set.all().delete()
        codes = [random_recovery_code() for _index in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return [format_recovery_code(code) for code in codes]


def remove_devices(user) -> tuple[int, int]:
    """Remove the user's app and recovery codes: (apps, codes left) removed."""
    with transaction.atomic():
        codes = recovery_codes_left(user)
        apps, _rows = TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
    return apps, codes


# -- the app's secret and QR code --------------------------------------------------------------


def secret(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode()


def config_url(device: TOTPDevice) -> str:
    label = quote(f"{ISSUER}:{device.user.get_username()}")
    params = {"secret": secret(device), "issuer": ISSUER, "algorithm": "SHA1", "digits": device.digits}
    return f"otpauth://totp/{label}?{urlencode({**params, 'period': device.step})}"


def qr_svg(device: TOTPDevice) -> str:
    """The QR code as inline SVG markup: no script, no style attribute, no image request."""
    svg = segno.make(config_url(device), error="m").svg_inline(
        scale=5,
        border=4,
        dark="#000",
        light="#fff",
        svgclass="qr-code",
        lineclass=None,
        title=_("QR code for your authenticator app"),
    )
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308 - segno's markup, its title escaped


# -- forms -------------------------------------------------------------------------------------


class CodeForm(forms.Form):
    """The code step: six digits from the app, or a recovery code."""

    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=CODE_MAX_LENGTH,
        help_text=gettext_lazy("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false", "autofocus": True}
        ),
    )
    recovery = True
    shape_error = gettext_lazy("Enter the 6 digits from your app, or a recovery code like abcde-23456.")

    def clean_code(self) -> str:
        code = normalize(self.cleaned_data["code"])
        if TOTP_PATTERN.fullmatch(code) or (self.recovery and RECOVERY_PATTERN.fullmatch(code)):
            return code
        raise forms.ValidationError(self.shape_error, code="shape")


class ConfirmForm(CodeForm):
    """Setting up: the app's current code proves it has the secret."""

    recovery = False
    shape_error = gettext_lazy("Enter the 6 digits your app shows.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("6-digit code from your app")
        self.fields["code"].help_text = ""
        self.fields["code"].widget.attrs.update({"inputmode": "numeric", "autofocus": False})


class DisableForm(CodeForm):
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["password", "code"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs["autofocus"] = False


def wrong_code_message() -> str:
    return _("That code is not right. Check that you use the Mijlpaal entry in your app, and try the next code.")


def wait_message(seconds: int) -> str:
    return ngettext(
        "Too many wrong codes in a row. Wait %(seconds)d second and try again.",
        "Too many wrong codes in a row. Wait %(seconds)d seconds and try again.",
        seconds,
    ) % {"seconds": seconds}


# -- the pending login -------------------------------------------------------------------------


def start_pending(request: HttpRequest, user, next_url: str) -> None:
    """The password was right: remember who is logging in, but log nobody in yet."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "started": sessions.now_timestamp(),
        "next": next_url,
    }
    request.session[FAILURES_KEY] = 0


def end_pending(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)
    request.session.pop(FAILURES_KEY, None)


class PendingExpired(Exception):
    pass


def pending_login(request: HttpRequest):
    """(user, backend, next) of the pending login, None if there is none; PendingExpired after 5 minutes."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    try:
        user_id, backend_path, started = pending["user"], pending["backend"], int(pending["started"])
        next_url = str(pending.get("next") or "")
    except (KeyError, TypeError, ValueError):
        end_pending(request)
        return None
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        end_pending(request)
        return None
    try:
        user = load_backend(backend_path).get_user(int(user_id))
    except (TypeError, ValueError):
        user = None
    if user is None:  # removed or deactivated since the password step
        end_pending(request)
        return None
    if sessions.now_timestamp() - started > PENDING_SECONDS:
        end_pending(request)
        request.session[USERNAME_KEY] = user.get_username()
        raise PendingExpired
    return user, backend_path, next_url


def back_to_start(request: HttpRequest, username: str, message: str, next_url: str = "") -> HttpResponse:
    end_pending(request)
    request.session[USERNAME_KEY] = username
    messages.error(request, message)
    return redirect(url_for_login(next_url))


def url_for_login(next_url: str = "") -> str:
    url = resolve_url(settings.LOGIN_URL)
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}" if next_url else url


# -- views -------------------------------------------------------------------------------------


@never_cache
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step: after the password at login, or for a logged-in session not yet verified."""
    logged_in = request.user.is_authenticated
    if logged_in:
        if request.user.is_verified():
            return redirect(safe_next(request, request.GET.get(REDIRECT_FIELD_NAME)) or settings.LOGIN_REDIRECT_URL)
        user, backend_path = request.user, None
        next_url = safe_next(request, request.POST.get(REDIRECT_FIELD_NAME, request.GET.get(REDIRECT_FIELD_NAME)))
        if not is_enabled(user):  # the app was removed (reset_two_factor) since this session began
            request.session[ENROLLED_KEY] = False
            return redirect(url_for(SETUP, next_url) if is_required(user) else next_url or settings.LOGIN_REDIRECT_URL)
    else:
        try:
            pending = pending_login(request)
        except PendingExpired:
            messages.warning(request, _("Logging in took more than 5 minutes. Please log in again."))
            return redirect(url_for_login())
        if pending is None:
            return redirect(url_for_login())
        user, backend_path, next_url = pending
        next_url = safe_next(request, next_url)

    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        check = check_code(user, form.cleaned_data["code"])
        if check.device is not None:
            request.session.pop(FAILURES_KEY, None)
            if logged_in:
                django_otp.login(request, check.device)
            else:
                end_pending(request)
                user.otp_device = check.device  # django-otp's user_logged_in receiver stores it in the session
                auth_login(request, user, backend=backend_path)
            return redirect(next_url or settings.LOGIN_REDIRECT_URL)
        if check.wait:
            form.add_error(None, wait_message(check.wait))
        else:
            failures = request.session.get(FAILURES_KEY, 0) + 1
            request.session[FAILURES_KEY] = failures
            logger.info("wrong second-factor code for user %s (%d in a row)", user.pk, failures)
            if failures >= MAX_FAILURES:
                username = user.get_username()
                message = _("%(count)d wrong codes in a row. Log in again to try once more.") % {"count": failures}
                if logged_in:
                    logout(request)
                return back_to_start(request, username, message, next_url)
            form.add_error("code", wrong_code_message())
    context = {"form": form, "username": user.get_username(), "logged_in": logged_in, "next": next_url}
    return render(request, "accounts/two_factor_verify.html", context)


@never_cache
@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Account → Two-factor: set it up, or see it, renew the recovery codes and turn it off."""
    user = request.user
    device = app_device(user)
    if device is None:
        return setup(request)
    if not user.is_verified():
        return redirect(url_for(CODE, request.get_full_path()))
    return render_status(request, DisableForm())


def render_status(request: HttpRequest, disable_form: DisableForm, status: int = 200) -> HttpResponse:
    user = request.user
    context = {
        "codes_left": recovery_codes_left(user),
        "required": is_required(user),
        "disable_form": disable_form,
    }
    return render(request, "accounts/two_factor.html", context, status=status)


def setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    device = app_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        check = check_code(user, form.cleaned_data["code"], confirmed=False, recovery=False)
        if check.device is not None:
            enrol(request, check.device)
            return redirect("two_factor_codes")
        form.add_error("code", wait_message(check.wait) if check.wait else wrong_code_message())
    context = {
        "form": form,
        "qr_svg": qr_svg(device),
        "secret_groups": re.findall(".{1,4}", secret(device)),
        "required": is_required(user),
    }
    return render(request, "accounts/two_factor_setup.html", context)


def enrol(request: HttpRequest, device: TOTPDevice) -> None:
    """Confirm the app, make recovery codes, and end the user's other sessions."""
    user = request.user
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        codes = new_recovery_codes(user)
        epoch = SessionEpoch.advance(user.pk)
    request.session[sessions.EPOCH_KEY] = epoch  # this session goes on; every other one ends
    django_otp.login(request, device)
    request.session[ENROLLED_KEY] = True
    request.session[NEW_CODES_KEY] = codes
    logger.info("user %s turned two-factor authentication on", user.pk)
    messages.success(request, _("Two-factor authentication is on. Your other sessions were logged out."))


@never_cache
@login_required
def two_factor_codes(request: HttpRequest) -> HttpResponse:
    """The new recovery codes, shown once: a reload finds them gone."""
    codes = request.session.pop(NEW_CODES_KEY, None)
    if not codes or not isinstance(codes, list):
        messages.info(request, _("Recovery codes are shown only once. Lost them? Make new ones below."))
        return redirect("two_factor")
    text = "\n".join(
        [
            _("Mijlpaal recovery codes for %(username)s") % {"username": request.user.get_username()},
            _("Each code logs you in once, instead of a code from your app."),
            "",
            *codes,
            "",
        ]
    )
    context = {
        "codes": codes,
        "download_href": "data:text/plain;charset=utf-8," + quote(text),
        "download_name": f"mijlpaal-recovery-codes-{request.user.get_username()}.txt",
    }
    return render(request, "accounts/two_factor_codes.html", context)


@require_POST
@login_required
def two_factor_regenerate(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not is_enabled(user):
        return redirect("two_factor")
    if not user.is_verified():
        return redirect(url_for(CODE, reverse("two_factor")))
    request.session[NEW_CODES_KEY] = new_recovery_codes(user)
    logger.info("user %s made new recovery codes", user.pk)
    messages.success(request, _("New recovery codes made. The old ones no longer work."))
    return redirect("two_factor_codes")


@require_POST
@login_required
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    """Turning it off takes the password and a current code; the operator cannot."""
    user = request.user
    device = app_device(user)
    if device is None:
        return redirect("two_factor")
    if is_required(user):
        messages.error(request, _("The operator account must keep two-factor authentication on."))
        return redirect("two_factor")
    if not user.is_verified():
        return redirect(url_for(CODE, reverse("two_factor")))
    form = DisableForm(request.POST)
    if form.is_valid():
        if wait := throttle_wait(device):
            form.add_error(None, wait_message(wait))
        elif not user.check_password(form.cleaned_data["password"]):
            device.throttle_increment()  # guessing the password here is slowed like guessing a code
            form.add_error("password", _("That is not your password."))
        else:
            check = check_code(user, form.cleaned_data["code"])
            if check.device is not None:
                remove_devices(user)
                request.session[ENROLLED_KEY] = False
                request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
                logger.info("user %s turned two-factor authentication off", user.pk)
                messages.success(request, _("Two-factor authentication is off."))
                return redirect("two_factor")
            form.add_error("code", wait_message(check.wait) if check.wait else wrong_code_message())
    return render_status(request, form)


# -- the admin ---------------------------------------------------------------------------------


def guard_admin(site) -> None:
    """The admin asks what the app asks: the second step where it applies, and the app's login.

    Its own login form (a second way in) becomes a redirect to the app's login page, which
    django-axes throttles; a logged-in user it refuses gets the code step, the setup or a 403.
    """
    has_permission = site.has_permission

    def guarded_has_permission(request: HttpRequest) -> bool:
        return has_permission(request) and needs(request) is None

    def login(request: HttpRequest, extra_context=None) -> HttpResponse:
        next_url = safe_next(request, request.GET.get(REDIRECT_FIELD_NAME)) or reverse("admin:index")
        if request.user.is_authenticated:
            need = needs(request)
            if need is not None:
                return redirect(url_for(need, next_url))
            raise PermissionDenied
        return redirect_to_login(next_url, settings.LOGIN_URL)

    site.has_permission = guarded_has_permission
    site.login = login
