"""Sections that other apps add to the project page, without projects importing them.

``contracts`` registers its sections (hours, profitability, the payment-gate log) in its
``ready()``. Each section is a function ``(request, project, bound) -> dict`` whose dict is
merged into the page's context; ``bound`` holds the forms of a failed POST by name.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

Section = Callable[[HttpRequest, object, dict], dict]
_sections: list[Section] = []


def register_section(section: Section) -> Section:
    if section not in _sections:
        _sections.append(section)
    return section


def sections_context(request: HttpRequest, project, bound: dict) -> dict:
    context: dict = {}
    for section in _sections:
        context.update(section(request, project, bound))
    return context
