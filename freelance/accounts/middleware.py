from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from freelance.accounts import mfa, sessions
from freelance.preferences.cookie import set_language_cookie
from freelance.preferences.models import UserPreferences


class SessionIdleMiddleware:
    """Ends a logged-in session that was idle too long or ended everywhere (see ``sessions``).

    Goes right after AuthenticationMiddleware. The request then goes on as anonymous, so a
    page that needs a login redirects to the login page. No query of its own: the user's epoch
    comes joined to the user (``freelance.accounts.backends``); the session is written at most
    once a minute.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            sessions.check(request)
        return self.get_response(request)


def remember_login_language(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: the language the freelancer saved, for ``LoginLanguageMiddleware``."""
    if request is not None:
        saved = UserPreferences.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
        if saved:
            request._login_language = saved


class LoginLanguageMiddleware:
    """At login, the app switches to the language the freelancer saved (on any device).

    The language lives in a cookie per browser; the saved choice (``freelance.preferences``) is
    what the mails use. A login on a new device (any of the login steps, or an invitation)
    sets the cookie from the saved choice. A freelancer who never chose keeps the browser's.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        code = getattr(request, "_login_language", None)
        if code:
            set_language_cookie(response, code)
        return response


class TwoFactorMiddleware:
    """Sends a logged-in session that still owes the second step to the code step or the setup.

    Who owes it (``freelance.accounts.mfa.needs``): a user who had an authenticator app at login
    but has not given a code in this session, and the operator (a superuser) without an app, who
    must set one up. Goes after OTPMiddleware, SessionIdleMiddleware and HtmxMiddleware. Open
    without the second step: the pages that give it, logging out, the language switch, static
    files, the health check, the client pages (``/l/``, ``/c/``, ``/v/``) and the calendar feed
    (``/calendar/``), which do not use the login.
    No query of its own.
    """

    # The client pages are reached through a token, never through the login.
    OPEN_PREFIXES = ("/l/", "/c/", "/v/", "/calendar/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open: dict[str, frozenset[str]] | None = None

    def open_paths(self) -> dict[str, frozenset[str]]:
        if self._open is None:
            always = {reverse(name) for name in ("logout", "logout_everywhere", "set_language", "health")}
            always.add(reverse("admin:logout"))
            self._open = {
                mfa.CODE: frozenset({*always, reverse("login_code")}),
                mfa.SETUP: frozenset({*always, reverse("two_factor"), reverse("two_factor_codes")}),
            }
        return self._open

    def __call__(self, request: HttpRequest) -> HttpResponse:
        need = mfa.needs(request)
        if need is None or self.is_open(request.path, need):
            return self.get_response(request)
        next_url = request.get_full_path() if request.method == "GET" else ""
        url = mfa.url_for(need, next_url)
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return redirect(url)

    def is_open(self, path: str, need: str) -> bool:
        if path.startswith((settings.STATIC_URL, *self.OPEN_PREFIXES)):
            return True
        return path in self.open_paths()[need]
