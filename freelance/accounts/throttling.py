"""Login throttling with django-axes: the client's address, and the page a locked-out login sees.

The settings (``AXES_*`` in freelance/settings.py) lock a username *from one address* after
five failures, for ``AXES_COOLOFF_TIME``. The address is REMOTE_ADDR, never X-Forwarded-For,
which any client can write.
"""

from __future__ import annotations

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the TCP peer. Behind a proxy that is the proxy's address."""
    return request.META.get("REMOTE_ADDR")


# axes stores the username in a varchar(255); a longer one would fail the request on PostgreSQL.
USERNAME_MAX_LENGTH = 255


def client_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """AXES_USERNAME_CALLABLE: the username tried, cut to what axes can store.

    Django's login form does not enforce the username's max_length, so any length reaches
    the backends; no real username is that long, so cutting merges nothing that matters.
    """
    username = (credentials or {}).get("username")
    if username is None:
        username = request.POST.get("username")
    return None if username is None else str(username)[:USERNAME_MAX_LENGTH]


def locked_out(request: HttpRequest, original_response: HttpResponse | None = None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the site's own page, translated, with status 429 (Too Many Requests)."""
    seconds = int(get_cool_off(request).total_seconds())
    response = render(request, "registration/lockout.html", {"minutes": max(1, seconds // 60)}, status=429)
    response["Retry-After"] = str(seconds)
    return response
