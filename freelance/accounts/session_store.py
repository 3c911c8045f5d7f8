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

from django.contrib.sessions.backends import cached_db

from freelance.lib.pagecache import CACHE_ERRORS

logger = logging.getLogger(__name__)

CACHE_SECONDS = 300


class _Tolerant:
    """The session cache, as a cache that may be away."""

    def __init__(self, cache) -> None:
        self._cache = cache

    def get(self, key, default=None):
        try:
            return self._cache.get(key, default)
        except CACHE_ERRORS:
            return default

    def set(self, key, value, timeout=None) -> None:
        timeout = CACHE_SECONDS if timeout is None else max(0, min(timeout, CACHE_SECONDS))
        try:
            self._cache.set(key, value, timeout)
        except CACHE_ERRORS:
            logger.warning("Could not keep a session in Redis; it is read from the database")

    def delete(self, key) -> None:
        try:
            self._cache.delete(key)
        except CACHE_ERRORS:
            logger.warning("Could not remove a session from Redis; its copy there ends within %ss", CACHE_SECONDS)

    def __contains__(self, key) -> bool:
        try:
            return key in self._cache
        except CACHE_ERRORS:
            return False

    def __str__(self) -> str:
        return str(self._cache)


class SessionStore(cached_db.SessionStore):
    def __init__(self, session_key=None) -> None:
        super().__init__(session_key)
        self._cache = _Tolerant(self._cache)
