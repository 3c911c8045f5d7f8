"""Where a document reference leads: each app registers the kinds it renders.

A reference is ``<kind>:<id>[:<variant>]``. The resolver registered for the kind turns the
rest into a ``Source``: who owns it, its file name, the inputs the render depends on (plain
JSON data: if they hash the same, the stored bytes are still right), and how to render it.
A source may keep its bytes itself (``stored`` and ``store``), as a sent invoice does: it is
rendered once and never again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class DocumentUnavailable(Exception):
    """The reference names no registered kind, or an object that is gone."""


@dataclass(frozen=True)
class Source:
    owner: Any
    filename: str
    inputs: dict
    render: Callable[[], bytes]
    content_type: str = "application/pdf"
    stored: bytes | None = None  # the source keeps its own copy (e.g. a sent invoice's PDF)
    store: Callable[[bytes], None] | None = None


Resolver = Callable[[str, str], Source | None]  # (object id, variant) -> Source, or None if gone
_resolvers: dict[str, Resolver] = {}


def register(kind: str) -> Callable[[Resolver], Resolver]:
    def decorator(resolver: Resolver) -> Resolver:
        _resolvers[kind] = resolver
        return resolver

    return decorator


def reference(kind: str, object_id, variant: str = "") -> str:
    return f"{kind}:{object_id}" + (f":{variant}" if variant else "")


def source_for(ref: str) -> Source:
    kind, _sep, rest = ref.partition(":")
    object_id, _sep, variant = rest.partition(":")
    resolver = _resolvers.get(kind)
    source = resolver(object_id, variant) if resolver and object_id else None
    if source is None:
        raise DocumentUnavailable(ref)
    return source
