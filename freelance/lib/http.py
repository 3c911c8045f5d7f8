from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR; behind our own proxy, the address that proxy appended to X-Forwarded-For.

    The header is believed only when the request comes from one of TRUSTED_PROXIES: if the
    app's port is also reachable directly, a forged X-Forwarded-For changes nothing.
    """
    remote = request.META.get("REMOTE_ADDR", "")[:45]
    if remote in getattr(settings, "TRUSTED_PROXIES", ()):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()[:45]
    return remote


def user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:500]
