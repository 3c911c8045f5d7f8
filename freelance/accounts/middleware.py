from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from freelance.accounts import sessions


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
