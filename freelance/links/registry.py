"""Each purpose of a client link registers the page that handles it.

@register(ClientLink.Purpose.PHASE_ACCEPTANCE)
class PhaseAcceptancePage:
    def page(self, request, link, visit): ...   # GET shows, POST decides
    def done(self, request, link): ...          # after this browser decided
"""

from __future__ import annotations

from typing import Protocol

from django.http import HttpRequest, HttpResponse


class LinkPage(Protocol):
    def page(self, request: HttpRequest, link, visit: dict) -> HttpResponse: ...

    def done(self, request: HttpRequest, link) -> HttpResponse: ...


_pages: dict[str, LinkPage] = {}


def register(purpose: str):
    def decorator(cls):
        _pages[purpose] = cls()
        return cls

    return decorator


def page_for(purpose: str) -> LinkPage | None:
    return _pages.get(purpose)
