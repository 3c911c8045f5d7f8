"""Render Django templates to A4 PDFs with WeasyPrint.

Fonts come from ``static/fonts`` and are embedded (subset) in every PDF, so a document
looks the same on every machine. The URL fetcher reads only files under ``static/`` and
``data:`` URLs: contract clauses and notes are user content, and a stray
``<img src="file:///etc/passwd">`` or ``http://169.254.169.254/`` must fetch nothing.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

STATIC_ROOT_FOR_PDF = Path(settings.BASE_DIR) / "static"

PDF_A3B = "pdf/a-3b"


def _static_url_fetcher():
    from weasyprint.urls import URLFetcher

    class StaticOnlyURLFetcher(URLFetcher):
        def fetch(self, url: str, headers: dict | None = None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file:"):
                from urllib.request import url2pathname

                path = Path(url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
                if path.is_relative_to(STATIC_ROOT_FOR_PDF.resolve()) and path.is_file():
                    return super().fetch(path.as_uri(), headers)
            raise ValueError(f"refused to fetch {url[:80]!r}: PDFs may only use files under static/")

    return StaticOnlyURLFetcher(allowed_protocols={"file", "data"})


@contextmanager
def _without_gc_pauses() -> Iterator[None]:
    """Keep the cyclic garbage collector out of a render.

    Layout allocates hundreds of thousands of short-lived boxes; in a process that already
    holds a Django app, the collector's full passes over the heap cost about 15% of an
    11-page contract. The garbage is collected as usual once the collector is back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def html_to_pdf(html: str, *, pdf_variant: str | None = None) -> bytes:
    # Imported here: WeasyPrint needs Pango from the system, and the rest of the app
    # (the web server on a laptop without it, say) must start anyway.
    from weasyprint import HTML

    document = HTML(
        string=html,
        base_url=STATIC_ROOT_FOR_PDF.as_uri() + "/",
        url_fetcher=_static_url_fetcher(),
    )
    with _without_gc_pauses():
        return document.write_pdf(pdf_variant=pdf_variant)


def render_pdf(template_name: str, context: dict[str, Any] | None = None, *, pdf_variant: str | None = None) -> bytes:
    """Render ``template_name`` (usually extending ``pdf/base.html``) to PDF bytes."""
    return html_to_pdf(render_to_string(template_name, context or {}), pdf_variant=pdf_variant)
