"""The calendar feed: the public .ics address, and the settings page that turns it on, renews or ends it.

/calendar/<token>.ics   no login, GET only: the feed of the freelancer whose token it is.
                        Unknown or replaced tokens answer 404, and count towards the same
                        guess limit as client links (per address and token prefix).
/settings/calendar/     the address, how to subscribe, and POST-only buttons to turn it on,
                        make a new address (the old one stops working) or turn it off.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from freelance.dashboard import calendar
from freelance.dashboard.models import CalendarFeed
from freelance.lib import pagecache
from freelance.links.views import count_failure, too_many_failures

CACHE_SECONDS = 300


def refused(status: int) -> HttpResponse:
    response = HttpResponse(status=status, content_type="text/plain; charset=utf-8")
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    response._has_been_logged = True  # Django would log "Not Found: /calendar/<token>.ics"
    return response


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    calendar_feed = CalendarFeed.find(token)
    if calendar_feed is None:
        # Only guesses are limited: a live address is never refused for others' junk.
        if too_many_failures(request, token):
            return refused(429)
        count_failure(request, token)
        return refused(404)
    response = pagecache.serve(
        request,
        lambda: HttpResponse(calendar.render(calendar_feed.user), content_type="text/calendar; charset=utf-8"),
        name="calendar",
        owner=calendar_feed.user_id,
        per_browser=False,  # a calendar app keeps no cookies, and the feed has no form
    )
    response["Content-Disposition"] = 'inline; filename="mijlpaal.ics"'
    response["Cache-Control"] = f"private, max-age={CACHE_SECONDS}"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    calendar_feed = CalendarFeed.objects.filter(user=request.user).first()  # a GET never makes one
    url = calendar_feed.url if calendar_feed else None
    context = {
        "calendar_feed": calendar_feed,
        "url": url,
        "webcal_url": "webcal://" + url.split("://", 1)[1] if url else None,
    }
    return render(request, "dashboard/calendar_settings.html", context)


def back_to_settings(request: HttpRequest) -> HttpResponse:
    url = reverse("calendar_settings")
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_POST
@login_required
def turn_on(request: HttpRequest) -> HttpResponse:
    CalendarFeed.turn_on(request.user)
    messages.success(request, _("Your calendar address is on. Add it to your calendar app."))
    return back_to_settings(request)


@require_POST
@login_required
def renew(request: HttpRequest) -> HttpResponse:
    calendar_feed = CalendarFeed.objects.filter(user=request.user).first()
    if calendar_feed is None:
        messages.error(request, _("The calendar address is off. Turn it on first."))
    else:
        calendar_feed.renew()
        messages.success(
            request, _("A new address is made; the old one no longer works. Subscribe again with the new one.")
        )
    return back_to_settings(request)


@require_POST
@login_required
def turn_off(request: HttpRequest) -> HttpResponse:
    deleted, _rows = CalendarFeed.objects.filter(user=request.user).delete()
    if deleted:
        messages.success(request, _("The calendar address is off; it no longer works."))
    return back_to_settings(request)
