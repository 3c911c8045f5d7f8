"""Whole pages kept in the cache, keyed by a version stamp that every write bumps.

A freelancer's pages (the dashboard, the lists, the project page) cost tens of milliseconds to
build and change only when something is written. So a page is stored under a key made of:

- the owner and the owner's **stamp**: two counters in Redis, one for the owner and one for the
  whole install, read with one MGET before the page's data is read;
- the path with its query string and the htmx headers, the language, today's date in the
  business time zone (pages count days), and a hash of the browser's CSRF secret (so the
  cached forms carry a token valid for this browser).

**Every write bumps a stamp**, without each write site having to remember it. An execute
wrapper on every database connection sees each INSERT, UPDATE and DELETE that changed a row
(sessions, login throttling and heartbeats aside: no page shows them as data). What it bumps
depends on where the write happens:

- in a request by a logged-in freelancer: that freelancer's stamp, once, after the response
  (so after the view's transactions committed);
- in a request by anyone else (a client's link, the operator in the admin, a login) or in a
  Celery task: the install's stamp, which every key includes, unless the code narrows the scope
  to one owner with :func:`narrow`;
- anywhere else (a management command, a shell, a test's own set-up): the install's stamp at
  once, and again when the transaction commits.

A stamp read before a commit and used to store a page built after it is harmless: the next
bump makes that key unreachable. Pages live at most ``TTL`` seconds, so relative texts
("3 days ago") and a lost bump heal on their own. A page with a message waiting, a bound form,
or anything but a 200 is never stored. With Redis unreachable, pages are simply built.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import logging
import pickle
import time
from collections.abc import Callable
from functools import wraps

import redis
from django.conf import settings
from django.db import transaction
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

TTL = 600
INSTALL = "all"
# Tables whose writes change no page's data: sessions, login throttling, worker heartbeats.
IGNORED_TABLES = ('"django_session"', '"axes_', '"dashboard_heartbeat"', "django_session", "axes_")
HTMX_HEADERS = (
    "HTTP_HX_REQUEST",
    "HTTP_HX_TARGET",
    "HTTP_HX_TRIGGER",
    "HTTP_HX_TRIGGER_NAME",
    "HTTP_HX_BOOSTED",
    "HTTP_HX_HISTORY_RESTORE_REQUEST",
)
CACHE_ERRORS = (ConnectionError, OSError, TimeoutError, RedisError)
PREFIX = "mijlpaal:pages:2:"  # the number changes with the stored format

# One round trip for a page: both stamps (started at the clock's nanoseconds if missing, so a
# counter lost with Redis never repeats an old value) and the page stored under them, if any.
_LOOKUP = """
local stamps = {}
for i = 1, 2 do
  local value = redis.call('GET', KEYS[i])
  if not value then
    redis.call('SET', KEYS[i], ARGV[3], 'NX')
    value = redis.call('GET', KEYS[i])
  end
  stamps[i] = value
end
local stamp = stamps[1] .. '.' .. stamps[2]
return {stamp, redis.call('GET', ARGV[1] .. stamp .. ARGV[2])}
"""
_BUMP = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCR', KEYS[1]) end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
"""
_clients: dict[str, tuple] = {}


def _redis():
    """A client per Redis location (the cache's), with the two scripts registered on it."""
    location = settings.CACHES["default"]["LOCATION"]
    found = _clients.get(location)
    if found is None:
        client = redis.Redis.from_url(location, socket_timeout=1, socket_connect_timeout=1)
        found = _clients[location] = (client, client.register_script(_LOOKUP), client.register_script(_BUMP))
    return found


def client() -> redis.Redis:
    """The process's Redis client for the cache's location (sessions use it too)."""
    return _redis()[0]


class Scope:
    """The writes of one request or task: whose stamp they bump, and whether any happened."""

    __slots__ = ("dirty", "owner")

    def __init__(self, owner: int | None = None):
        self.owner = owner
        self.dirty = False


_scope: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("pagecache_scope", default=None)


# -- stamps ----------------------------------------------------------------------------------------


def _stamp_key(owner) -> str:
    return f"{PREFIX}stamp:{owner}"


def bump(owner=INSTALL) -> None:
    """Make every stored page of ``owner`` (or of everyone, with INSTALL) unreachable."""
    try:
        _client, _lookup, bump_script = _redis()
        bump_script(keys=[_stamp_key(owner)], args=[time.time_ns()])
    except CACHE_ERRORS:
        logger.warning("Could not bump the page stamp of %s; stored pages expire within %ss", owner, TTL)


def lookup(owner: int, head: str, tail: str) -> tuple[str, bytes | None] | None:
    """The owner's stamp, and the page stored under ``head + stamp + tail``; None without Redis."""
    try:
        _client, lookup_script, _bump = _redis()
        stamp_value, page = lookup_script(
            keys=[_stamp_key(INSTALL), _stamp_key(owner)], args=[head, tail, time.time_ns()]
        )
    except CACHE_ERRORS:
        return None
    return stamp_value.decode(), page


def stamp(owner: int) -> str | None:
    """The install's and the owner's counters as one string; None when Redis is unreachable."""
    found = lookup(owner, PREFIX, ":none")
    return found[0] if found else None


# -- seeing writes ---------------------------------------------------------------------------------


def _is_write(sql: str) -> bool:
    head = sql.lstrip()[:6].upper()
    if head not in ("INSERT", "UPDATE", "DELETE"):
        return False
    start = sql[:120]
    return not any(table in start for table in IGNORED_TABLES)


def _bump_install_after_commit() -> None:
    bump(INSTALL)


def _written(connection) -> None:
    scope = _scope.get()
    if scope is not None:
        scope.dirty = True
        return
    bump(INSTALL)
    if connection.in_atomic_block and not any(
        entry[1] is _bump_install_after_commit for entry in connection.run_on_commit
    ):
        transaction.on_commit(_bump_install_after_commit, using=connection.alias)


def _watch(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    # An UPDATE or DELETE that matched no row changed nothing (a lost race, a sweep with nothing
    # due). An INSERT always counts: with RETURNING, SQLite reports 0 rows until they are fetched.
    if (
        isinstance(sql, str)
        and _is_write(sql)
        and (sql.lstrip()[:1] in "Ii" or getattr(context.get("cursor"), "rowcount", -1) != 0)
    ):
        _written(context["connection"])
    return result


def _on_connection(sender, connection, **kwargs) -> None:
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def install() -> None:
    """Watch every database connection (called once from the site's AppConfig.ready)."""
    connection_created.connect(_on_connection, dispatch_uid="pagecache-watch")
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        _on_connection(None, connection)


def begin(owner: int | None = None) -> contextvars.Token:
    return _scope.set(Scope(owner))


def end(token: contextvars.Token) -> None:
    scope = _scope.get()
    _scope.reset(token)
    if scope is not None and scope.dirty:
        bump(scope.owner if scope.owner is not None else INSTALL)


def narrow(owner_id: int) -> None:
    """The current request's or task's writes concern only this owner (a client's link, a mail)."""
    scope = _scope.get()
    if scope is not None and scope.owner is None:
        scope.owner = owner_id


class WriteStampMiddleware:
    """Opens a write scope per request: the freelancer's own, or the install's for anyone else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = begin()
        try:
            response = self.get_response(request)
            scope = _scope.get()
            if scope is not None and scope.dirty and scope.owner is None:  # the user is read only then
                user = getattr(request, "user", None)
                if user is not None and user.is_authenticated and not (user.is_staff or user.is_superuser):
                    scope.owner = user.pk
            return response
        finally:
            end(token)


# -- serving pages ---------------------------------------------------------------------------------


def _has_messages(request: HttpRequest) -> bool:
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0


def _key_parts(request: HttpRequest, name: str, owner: int, per_browser: bool) -> tuple[str, str]:
    """The page's key around the stamp: who, which page and variant, language, date, browser."""
    secret = ""
    if per_browser:
        get_token(request)  # makes sure this browser has a CSRF secret before it is part of the key
        secret = hashlib.sha256(request.META.get("CSRF_COOKIE", "").encode()).hexdigest()[:16]
    variant = hashlib.sha256(
        "\n".join([request.get_full_path(), *(request.META.get(header, "") for header in HTMX_HEADERS)]).encode()
    ).hexdigest()[:32]
    head = f"{PREFIX}page:{owner}:{name}:"
    tail = f":{translation.get_language() or ''}:{timezone.localdate().isoformat()}:{secret}:{variant}"
    return head, tail


def _storable(request: HttpRequest, owner: int | None, per_browser: bool) -> bool:
    return (
        settings.PAGE_CACHE
        and request.method == "GET"
        and owner is not None
        and not _has_messages(request)
        and (not per_browser or settings.CSRF_COOKIE_NAME in request.COOKIES)
    )


def _response(stored: bytes) -> HttpResponse:
    content_type, _, rest = stored.partition(b"\n")
    disposition, _, content = rest.partition(b"\n")
    response = HttpResponse(content, content_type=content_type.decode())
    if disposition:
        response["Content-Disposition"] = disposition.decode()
    response["X-Page-Cache"] = "hit"
    return response


def stored(request: HttpRequest, *, name: str, owner: int, per_browser: bool = True) -> HttpResponse | None:
    """The page stored for this request under the owner's current stamp, or None: never builds.

    For a view that can tell from the session alone which page it would serve (a client's link
    page), so that a repeat visit needs no query at all.
    """
    if not _storable(request, owner, per_browser):
        return None
    head, tail = _key_parts(request, name, owner, per_browser)
    found = lookup(owner, head, tail)
    return _response(found[1]) if found is not None and found[1] is not None else None


def serve(
    request: HttpRequest,
    build: Callable[[], HttpResponse],
    *,
    name: str = "",
    owner: int | None = None,
    per_browser: bool = True,
) -> HttpResponse:
    """The stored page when there is one for this stamp, otherwise ``build()``, stored if it can be.

    ``owner`` is whose data the page shows: the logged-in freelancer unless given (a client's
    link page names the link's freelancer, and its ``name`` the link).
    """
    if owner is None and request.user.is_authenticated:
        owner = request.user.pk
    if not _storable(request, owner, per_browser):
        if per_browser and settings.CSRF_COOKIE_NAME not in request.COOKIES:
            # A first visit (or a client that keeps no cookies): its key would never recur. Give
            # the browser its CSRF cookie now, so that its next request can be served from the store.
            get_token(request)
        return build()
    head, tail = _key_parts(request, name, owner, per_browser)
    found = lookup(owner, head, tail)
    if found is not None and found[1] is not None:
        return _response(found[1])
    response = build()
    if (
        found is not None
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not _has_messages(request)
    ):
        with contextlib.suppress(*CACHE_ERRORS):
            client, _lookup, _bump = _redis()
            headers = response["Content-Type"] + "\n" + response.get("Content-Disposition", "") + "\n"
            client.set(head + found[0] + tail, headers.encode() + response.content, ex=TTL)
    return response


def memo(owner: int, name: str, compute: Callable[[], object], *, ttl: int) -> object:
    """``compute()``, kept for ``ttl`` seconds and only until the owner's next write.

    For a small answer that decides which stored page to serve (the dashboard's trouble card):
    read in the same round trip as the stamp, so it costs no query while nothing changed.
    """
    if not settings.PAGE_CACHE:
        return compute()
    head = f"{PREFIX}memo:{owner}:{name}:"
    found = lookup(owner, head, "")
    if found is not None and found[1] is not None:
        with contextlib.suppress(pickle.UnpicklingError, AttributeError, EOFError, ImportError, TypeError):
            return pickle.loads(found[1])  # noqa: S301 (written just below, by this app, into its own Redis)
    value = compute()
    if found is not None:
        with contextlib.suppress(*CACHE_ERRORS):
            _redis()[0].set(head + found[0], pickle.dumps(value), ex=ttl)
    return value


def cached_page(view: Callable | None = None, *, name: str = ""):
    """Decorate a GET view of a freelancer's own data with :func:`serve`."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            return serve(request, lambda: view(request, *args, **kwargs), name=name or view.__name__)

        return wrapped

    return decorate(view) if view is not None else decorate
