"""/books/export/: the bookkeeper's export, a ZIP of one period's invoices, payments and documents.

Without a period the page shows the choices: last quarter and last year with one click, or two
dates. With a valid period the answer is the ZIP itself (contracts/books_export.py), streamed
while it is written, and only of the logged-in freelancer's own invoices. A bad period shows
the page again with what was typed and what to correct (status 422), never an error page.
A GET: downloading changes nothing, and the link of a period can be kept.
"""

from __future__ import annotations

from http import HTTPStatus

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from contracts.books_export import stream_books
from contracts.forms.books_export import BooksExportForm, last_quarter, last_year

TEMPLATE = "contracts/books_export.html"


@require_GET
@login_required
def books_export(request: HttpRequest) -> HttpResponse:
    if not request.GET:
        return _page(request, BooksExportForm())
    form = BooksExportForm(request.GET)
    if not form.is_valid():
        return _page(request, form, status=HTTPStatus.UNPROCESSABLE_ENTITY)
    period = form.period_chosen
    response = StreamingHttpResponse(stream_books(request.user, period), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"mijlpaal-books-{period.slug}.zip"
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _page(request: HttpRequest, form: BooksExportForm, status: int = HTTPStatus.OK) -> HttpResponse:
    return render(
        request,
        TEMPLATE,
        {"form": form, "last_quarter": last_quarter(form.today), "last_year": last_year(form.today)},
        status=status,
    )
