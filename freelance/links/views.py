"""The public side of client links: no login, GET never changes state.

/l/<token>/   checks the token, logs the visit (time, IP, browser; never the token),
              remembers in the session that this browser holds it
              (the time, IP and user agent of the view, for the evidence), and
              redirects to /c/<public id>/, so the token never sits in the address bar,
              the history or a Referer header.
/c/<id>/      the page of the link's purpose; only a POST there can use the link up.
"""

from __future__ import annotations

import logging
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from freelance.lib import pagecache
from freelance.lib.http import client_ip, user_agent
from freelance.lib.tokens import token_hash
from freelance.links.models import ClientLink, LinkVisit
from freelance.links.registry import page_for

logger = logging.getLogger(__name__)

SESSION_KEY = "client_links"


def client_facing(referrer_policy: str):
    """No indexing, no caching, the given referrer policy; and never log the path.

    The token URL gets "no-referrer". The token-less page gets "same-origin": with
    "no-referrer" browsers send `Origin: null` on its form POSTs, which CSRF protection
    rightly refuses; links leaving the page (the deliverables) still carry no referrer.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response["Referrer-Policy"] = referrer_policy
            response["X-Robots-Tag"] = "noindex, nofollow"
            response._has_been_logged = True  # Django would log "Not Found: /l/<token>/"
            return response

        return never_cache(wrapper)

    return decorator


def activate_language(request: HttpRequest, link: ClientLink | None) -> None:
    """The client's language, unless they chose another with the switch."""
    use_language(request, link.language if link else None)


def use_language(request: HttpRequest, client_language: str | None) -> None:
    """``client_language`` (the link's), unless the client chose another with the switch."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    language = chosen if chosen in dict(settings.LANGUAGES) else client_language
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        request.LANGUAGE_CODE = language


_cache_down_logged = False


def _cache_down(error: Exception) -> None:
    """The rate limiter fails open without Redis: links keep working. Logged once per process."""
    global _cache_down_logged
    if not _cache_down_logged:
        _cache_down_logged = True
        logger.warning("link rate limit off: the cache is unreachable (%s)", type(error).__name__)


# Failed lookups are counted per address and per token prefix: the address stops one
# client guessing; the prefix stops many addresses (a botnet) completing a token whose start
# leaked, say in a cut-off screenshot or log line. Only unknown tokens are counted or refused.
PREFIX_LENGTH = 8


def failure_keys(request: HttpRequest, token: str) -> list[tuple[str, int]]:
    return [
        (f"links:fail:{client_ip(request)}", settings.CLIENT_LINK_FAILURES_PER_IP),
        # Hashed: no part of a token in the cache, and any junk makes a well-formed key.
        (f"links:fail-prefix:{token_hash(token[:PREFIX_LENGTH])[:32]}", settings.CLIENT_LINK_FAILURES_PER_PREFIX),
    ]


def too_many_failures(request: HttpRequest, token: str) -> bool:
    keys = failure_keys(request, token)
    try:
        counts = cache.get_many([key for key, _limit in keys])
    except Exception as error:  # redis-py raises its own ConnectionError/TimeoutError
        _cache_down(error)
        return False
    return any(counts.get(key, 0) >= limit for key, limit in keys)


def count_failure(request: HttpRequest, token: str) -> None:
    for key, _limit in failure_keys(request, token):
        try:
            if not cache.add(key, 1, timeout=settings.CLIENT_LINK_FAILURE_WINDOW):
                try:
                    cache.incr(key)
                except ValueError:  # expired between add and incr
                    cache.add(key, 1, timeout=settings.CLIENT_LINK_FAILURE_WINDOW)
        except Exception as error:
            _cache_down(error)
            return


def unavailable(request: HttpRequest, state: str, link: ClientLink | None = None) -> HttpResponse:
    status = {"unknown": 404, "not_opened": 404, "too_many": 429}.get(state, 410)
    context = {"state": state, "link": link, "freelancer": link.owner if link else None}
    return render(request, "links/unavailable.html", context, status=status)


@client_facing("no-referrer")
@require_safe
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    link = ClientLink.find(token)  # one indexed lookup of the token's hash
    if link is not None:
        pagecache.narrow(link.owner_id)  # what the client does here changes only this freelancer's pages
    activate_language(request, link)
    if link is None:
        # Only guesses are limited: a real link is never refused because of others' junk
        # from the same (office, NAT) address.
        if too_many_failures(request, token):
            return unavailable(request, "too_many")
        count_failure(request, token)
        return unavailable(request, "unknown")
    LinkVisit.log(link, method=request.method, ip=client_ip(request), user_agent=user_agent(request))
    if not link.is_valid:
        return unavailable(request, link.state, link)
    visits = request.session.get(SESSION_KEY, {})
    visits[str(link.public_id)] = {
        "viewed_at": timezone.now().isoformat(),
        "ip": client_ip(request),
        "user_agent": user_agent(request),
        # Enough to serve the page again from the store without reading the link (``served_again``).
        "link": link.pk,
        "owner": link.owner_id,
        "language": link.language,
        "expires": link.expires_at.timestamp(),
    }
    request.session[SESSION_KEY] = visits
    request.session.cycle_key()  # a fresh session id once this browser holds a link
    return redirect(link.get_absolute_url())


@client_facing("same-origin")
@require_http_methods(["GET", "HEAD", "POST"])
def link_page(request: HttpRequest, public_id) -> HttpResponse:
    if request.method == "GET":
        again = served_again(request, request.session.get(SESSION_KEY, {}).get(str(public_id)))
        if again is not None:
            return again
    link = ClientLink.objects.select_related("owner").filter(public_id=public_id).first()
    if link is not None:
        pagecache.narrow(link.owner_id)
    activate_language(request, link)
    visit = request.session.get(SESSION_KEY, {}).get(str(public_id)) if link else None
    if link is None or visit is None:
        # Without the token this browser has not proved it got the email.
        return unavailable(request, "not_opened" if link else "unknown")
    handler = page_for(link.purpose)
    if visit.get("done") and handler is not None:
        return handler.done(request, link)
    if not link.is_valid:
        return unavailable(request, link.state, link)
    if handler is None:
        return unavailable(request, "unknown")
    if request.method == "GET":  # the same page until the freelancer's data changes (a decision does)
        return pagecache.serve(
            request,
            lambda: handler.page(request, link, visit),
            name=stored_name(link.pk, link.expires_at.timestamp()),
            owner=link.owner_id,
        )
    return handler.page(request, link, visit)


def stored_name(link_pk: int, expires: float) -> str:
    # The expiry is part of the name: a page stored for one expiry is never served for another.
    return f"link-{link_pk}-{expires:.0f}"


def served_again(request: HttpRequest, visit: dict | None) -> HttpResponse | None:
    """The link's page from the store, known from this browser's session alone: no query.

    Safe without reading the link: a page is stored only while its link is valid, under the
    freelancer's stamp, and any change to the link (used, revoked, a new expiry, a decision)
    is a write that bumps that stamp. What no write marks, the clock, is checked here against
    the expiry the session holds (and that the stored page's name holds). Anything missing
    (a session from before this, a decided link) goes the long way, through the database.
    """
    if not visit or visit.get("done") or not all(key in visit for key in ("link", "owner", "expires", "language")):
        return None
    try:
        link_pk, owner, expires = int(visit["link"]), int(visit["owner"]), float(visit["expires"])
    except (TypeError, ValueError):
        return None
    if expires <= timezone.now().timestamp():
        return None
    use_language(request, visit["language"])
    return pagecache.stored(request, name=stored_name(link_pk, expires), owner=owner)


def mark_done(request: HttpRequest, link: ClientLink) -> None:
    """Remember that this browser decided, to show the outcome instead of a 'used' error."""
    visits = request.session.get(SESSION_KEY, {})
    visits.setdefault(str(link.public_id), {})["done"] = True
    request.session[SESSION_KEY] = visits
