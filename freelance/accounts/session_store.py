"""Sessions read from Redis and written through to the database (``SESSION_ENGINE``).

Django's ``cached_db`` store, with two changes:

- Redis unreachable is a cache miss, not an error: the session comes from its table and the
  app keeps working (as the page store does, ``freelance.lib.pagecache``).
- A session stays in Redis at most ``CACHE_SECONDS``, then is read from its table again. A
  logout while Redis was unreachable could not remove the cached copy; this bounds how long
  such a copy could still be used, instead of the session's full twelve hours.

A page served from the store then costs no query for its session.
"""

from __future__ import annotations

import logging
import pickle

from django.contrib.sessions.backends import cached_db

from freelance.lib import pagecache
from freelance.lib.pagecache import CACHE_ERRORS

logger = logging.getLogger(__name__)

CACHE_SECONDS = 300


class _Redis:
    """The sessions' cache: Redis through the page store's client (one client per process, not
    one per call as Django's cache makes), and a cache that may be away."""

    def _key(self, key: str) -> str:
        return f"{pagecache.PREFIX}session:{key}"

    def get(self, key, default=None):
        try:
            raw = pagecache.client().get(self._key(key))
        except CACHE_ERRORS:
            return default
        if raw is None:
            return default
        try:
            return pickle.loads(raw)  # noqa: S301 (written by set() below, into the app's own Redis)
        except (pickle.UnpicklingError, AttributeError, EOFError, ImportError, TypeError, ValueError):
            return default

    def set(self, key, value, timeout=None) -> None:
        seconds = CACHE_SECONDS if timeout is None else min(int(timeout), CACHE_SECONDS)
        try:
            if seconds <= 0:
                pagecache.client().delete(self._key(key))
            else:
                pagecache.client().set(self._key(key), pickle.dumps(value), ex=seconds)
        except CACHE_ERRORS:
            logger.warning("Could not keep a session in Redis; it is read from the database")

    def delete(self, key) -> None:
        try:
            pagecache.client().delete(self._key(key))
        except CACHE_ERRORS:
            logger.warning("Could not remove a session from Redis; its copy there ends within %ss", CACHE_SECONDS)

    def __contains__(self, key) -> bool:
        try:
            return bool(pagecache.client().exists(self._key(key)))
        except CACHE_ERRORS:
            return False

    def __str__(self) -> str:
        return "Redis (sessions)"


class SessionStore(cached_db.SessionStore):
    def __init__(self, session_key=None) -> None:
        super().__init__(session_key)
        self._cache = _Redis()
