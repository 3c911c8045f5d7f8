"""How long a login lasts, and how a user ends all of theirs.

- Absolute: a session ends ``SESSION_COOKIE_AGE`` seconds after login, however busy it is
  (the expiry is fixed at login, so writing the session later does not extend it).
- Idle: a session unused for ``SESSION_IDLE_MINUTES`` ends (``SessionIdleMiddleware``).
- Everywhere: "log out everywhere" raises the user's ``SessionEpoch``; a session that
  started under an older epoch ends on its next request.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest
from django.utils import timezone

from freelance.accounts.models import SessionEpoch

LAST_ACTIVITY_KEY = "accounts_last_activity"  # a UNIX timestamp, whole seconds
EPOCH_KEY = "accounts_session_epoch"
IDLE_LOGOUT_KEY = "accounts_idle_logout"  # set on the fresh anonymous session: the login page says why
# Write the last activity at most once a minute, not on every request.
ACTIVITY_RESOLUTION = 60


def now_timestamp() -> int:
    return int(timezone.now().timestamp())


def start(sender, request: HttpRequest, user, **kwargs) -> None:
    """user_logged_in receiver: fix the absolute expiry and remember the epoch and the time."""
    if request is None or not hasattr(request, "session"):
        return
    request.session.set_expiry(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE))
    request.session[EPOCH_KEY] = SessionEpoch.current(user.pk)
    request.session[LAST_ACTIVITY_KEY] = now_timestamp()


def end_everywhere(request: HttpRequest) -> None:
    """End every session of the request's user, this one included."""
    SessionEpoch.advance(request.user.pk)
    logout(request)


def user_epoch(user) -> int:
    """The user's epoch, from the row ``backends.ModelBackend`` joined in (no query then)."""
    try:
        return user.session_epoch.epoch
    except ObjectDoesNotExist:
        return 0


def check(request: HttpRequest) -> None:
    """End the request's session if it has been idle too long, is past its absolute expiry, or
    was ended everywhere. The expiry is checked here too, not only by the session store: the
    store reads sessions from Redis first, and a clock is the app's to trust, not the cache's."""
    session = request.session
    now = now_timestamp()
    last_activity = session.get(LAST_ACTIVITY_KEY)
    idle = isinstance(last_activity, int) and now - last_activity > settings.SESSION_IDLE_MINUTES * 60
    expired = session.get_expiry_date() <= timezone.now()
    if idle or expired or session.get(EPOCH_KEY, 0) != user_epoch(request.user):
        logout(request)
        if idle:
            request.session[IDLE_LOGOUT_KEY] = True
        return
    if not isinstance(last_activity, int) or now - last_activity >= ACTIVITY_RESOLUTION:
        session[LAST_ACTIVITY_KEY] = now
