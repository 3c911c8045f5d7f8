"""The search page (/search/?q=…) and the top bar's live results (the same URL, asked by htmx)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from freelance.lib.pagecache import cached_page
from freelance.search import query as search_query

DROPDOWN_LIMIT = 5  # hits per group in the top bar's dropdown
PAGE_LIMIT = 10  # hits per group on the search page
PER_PAGE = 25  # hits per page when the page shows one group (?type=projects&page=2)


def grouped(request: HttpRequest, query: str, limit: int) -> dict:
    groups = search_query.first_of_each_group(request.user, query, limit)
    return {"groups": [group for group in groups if group.hits], "total": sum(group.total for group in groups)}


@require_GET
@login_required
@cached_page
def search(request: HttpRequest) -> HttpResponse:
    query, trimmed = search_query.clean_query(request.GET.get("q", ""))
    kind = request.GET.get("type", "")
    context = {
        "query": query,
        "trimmed": trimmed,
        "max_length": search_query.MAX_QUERY_LENGTH,
        "groups": [],
        "kind": kind if kind in search_query.GROUPS else "",
    }
    # A history restore after a cache miss wants the whole page, even though it comes from htmx.
    if request.htmx and not request.htmx.history_restore_request:
        if query:
            context.update(grouped(request, query, DROPDOWN_LIMIT))
        response = render(request, "search/search.html#dropdown", context)
    else:
        if query and context["kind"]:
            group_kind = context["kind"]
            page = Paginator(search_query.QUERIES[group_kind](request.user, query), PER_PAGE).get_page(
                request.GET.get("page")
            )
            context["page"] = page
            context["group_title"] = str(search_query.GROUP_TITLES[group_kind])
            context["hits"] = [search_query.hit(group_kind, row, query) for row in page]
        elif query:
            context.update(grouped(request, query, PAGE_LIMIT))
        response = render(request, "search/search.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response
