"""The books: the VAT return's figures and the ICP listing, from the sent invoices.

/books/: the index of the books pages.
/books/vat/?year=2026&period=q3: the return's boxes for a quarter (the default), a month
(``m1``-``m12``) or a year, in whole euros as the return takes them, with the exact amounts
beside them; each figure links to the invoices behind it. ``&format=csv``: the same as CSV.
/books/vat/invoices/?year=2026&period=q3&box=1a: those invoices and credit notes, with their
part of the figure (``box=all``, the default: every one of the period).
/books/icp/?year=2026&period=q3: the ICP listing, per EU client's VAT id.

Read-only GET pages, scoped to the logged-in freelancer: the ids in the query string are
periods and boxes, never objects, and every query filters on the owner, so another
freelancer's invoices are simply not there. A bad year, period or box shows the form with a
translated error (status 422), never a 500. Each page runs a fixed number of queries,
however many invoices there are (``contracts.vat_return``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from http import HTTPStatus
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from contracts import vat_return
from contracts.forms.books import BoxForm, PeriodForm
from contracts.models import BusinessProfile, Invoice
from contracts.vat_return import MONTH, QUARTER, YEAR, Period

INVALID = HTTPStatus.UNPROCESSABLE_ENTITY
PAGE_SIZE = 100
CENT = Decimal("0.01")


# -- helpers -------------------------------------------------------------------------------------


def period_label(period: Period) -> str:
    if period.kind == QUARTER:
        return _("Q%(quarter)s %(year)s") % {"quarter": period.number, "year": period.year}
    if period.kind == MONTH:
        return formats.date_format(period.start, "F Y")
    return str(period.year)


def period_range(period: Period) -> str:
    return _("%(start)s to %(end)s") % {
        "start": formats.date_format(period.start, "j F Y"),
        "end": formats.date_format(period.end, "j F Y"),
    }


def neighbours(period: Period) -> tuple[Period, Period]:
    """The period before and the one after, of the same kind."""
    if period.kind == YEAR:
        return Period(period.year - 1, YEAR), Period(period.year + 1, YEAR)
    last = 4 if period.kind == QUARTER else 12
    before = (
        Period(period.year, period.kind, period.number - 1)
        if period.number > 1
        else Period(period.year - 1, period.kind, last)
    )
    after = (
        Period(period.year, period.kind, period.number + 1)
        if period.number < last
        else Period(period.year + 1, period.kind, 1)
    )
    return before, after


def page_url(name: str, period: Period, **extra) -> str:
    query = {"year": period.year, "period": period.slug, **extra}
    return f"{reverse(name)}?{urlencode(query)}"


def typed(amount: int | None) -> str:
    """A whole-euro figure as the portal takes it: digits, a minus sign when negative."""
    return "" if amount is None else str(amount)


def _period_form(request: HttpRequest, form_class=PeriodForm):
    default = Period.default(timezone.localdate())
    data = request.GET if request.GET else None
    form = form_class(data, default=default)
    if data is None:
        return form, default
    return form, (form.chosen_period() if form.is_valid() else None)


def _period_context(name: str, period: Period | None, **extra) -> dict:
    if period is None:
        return {}
    before, after = neighbours(period)
    return {
        "period": period,
        "period_label": period_label(period),
        "period_range": period_range(period),
        "before": {"label": period_label(before), "url": page_url(name, before, **extra)},
        "after": {"label": period_label(after), "url": page_url(name, after, **extra)},
    }


# -- pages ---------------------------------------------------------------------------------------


@require_GET
@login_required
def books(request: HttpRequest) -> HttpResponse:
    """The books pages, with this quarter's (or the one to file's) links."""
    period = Period.default(timezone.localdate())
    return render(
        request,
        "contracts/books/index.html",
        {
            "period_label": period_label(period),
            "vat_url": page_url("contracts:vat_return", period),
            "icp_url": page_url("contracts:icp", period),
        },
    )


@dataclass(frozen=True)
class BoxRow:
    figure: vat_return.Figure
    label: str
    turnover: str  # as typed into the portal
    vat: str
    url: str


@require_GET
@login_required
def vat_return_page(request: HttpRequest) -> HttpResponse:
    """The return's boxes for the chosen period. Seven queries: the session and user, the
    business profile's KOR setting, the clients' countries, the figures, the stored totals
    and the ICP listing."""
    form, period = _period_form(request)
    context = {"form": form, **_period_context("contracts:vat_return", period)}
    if period is None:
        return render(request, "contracts/books/vat_return.html", context, status=INVALID)
    profile = BusinessProfile.objects.filter(owner=request.user).values_list("small_business_scheme", flat=True)
    result = vat_return.vat_return(request.user, period, small_business_scheme=bool(profile.first()))
    if request.GET.get("format") == "csv":
        return _vat_csv(result)
    rows = [
        BoxRow(
            figure=figure,
            label=vat_return.box_label(figure.box),
            turnover=typed(figure.turnover_return),
            vat=typed(figure.vat_return),
            url=page_url("contracts:vat_box", period, box=figure.box),
        )
        for figure in result.boxes
    ]
    context |= {
        "result": result,
        "rows": rows,
        "vat_due": typed(result.vat_due),
        "kor_url": page_url("contracts:vat_box", period, box=vat_return.KOR),
        "all_url": page_url("contracts:vat_box", period, box=vat_return.ALL),
        "icp_url": page_url("contracts:icp", period),
        "csv_url": page_url("contracts:vat_return", period, format="csv"),
        "warning_percent": int(vat_return.KOR_WARNING_SHARE * 100),
    }
    return render(request, "contracts/books/vat_return.html", context)


def _vat_csv(result: vat_return.VatReturn) -> HttpResponse:
    """The figures as CSV: one row per box, then 5a; amounts with a point and two decimals."""
    filename = f"btw-{result.period.year}-{result.period.slug}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    writer = csv.writer(response)
    writer.writerow(
        [_("Box"), _("Description"), _("Turnover"), _("VAT"), _("Turnover, exact"), _("VAT, exact"), _("Invoices")]
    )
    for figure in result.boxes:
        writer.writerow(
            [
                figure.box,
                vat_return.box_label(figure.box),
                figure.turnover_return,
                typed(figure.vat_return),
                f"{figure.turnover:.2f}",
                f"{figure.vat:.2f}" if figure.has_vat else "",
                figure.documents,
            ]
        )
    writer.writerow(
        ["5a", _("VAT due (the VAT boxes added up)"), "", result.vat_due, "", f"{result.vat_due_exact:.2f}", ""]
    )
    return response


@dataclass(frozen=True)
class DocumentRow:
    pk: int
    title: str
    is_credit_note: bool
    issue_date: object
    client_name: str
    base: Decimal
    vat: Decimal


def _cents(value) -> Decimal:
    return (Decimal(int(value or 0)) * CENT).quantize(CENT)


@require_GET
@login_required
def vat_box(request: HttpRequest) -> HttpResponse:
    """The invoices and credit notes behind one figure, 100 a page, with their part of it.
    Four queries beside the session: the clients' countries, the count, the page and the
    figure's total."""
    form, period = _period_form(request, BoxForm)
    box = form.cleaned_data.get("box", vat_return.ALL) if form.is_bound and form.is_valid() else vat_return.ALL
    context = {"form": form, **_period_context("contracts:vat_box", period, box=box)}
    if period is None:
        return render(request, "contracts/books/vat_box.html", context, status=INVALID)
    listed = vat_return.documents_in_box(request.user, period, box)
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        DocumentRow(
            pk=row["invoice_pk"],
            title=row["number"],
            is_credit_note=row["kind"] == Invoice.Kind.CREDIT_NOTE,
            issue_date=row["issue_date"],
            client_name=row["client_name"],
            base=_cents(row["base"]),
            vat=_cents(row["vat"]),
        )
        for row in page
    ]
    totals = listed.order_by().aggregate(base_sum=Sum("base"), vat_sum=Sum("vat")) if page.paginator.count else {}
    context |= {
        "box": box,
        "box_label": vat_return.box_label(box),
        "has_vat": box in (vat_return.BOX_1A, vat_return.BOX_1B, vat_return.ALL),
        "page": page,
        "rows": rows,
        "total_base": _cents(totals.get("base_sum")),
        "total_vat": _cents(totals.get("vat_sum")),
        "vat_url": page_url("contracts:vat_return", period),
    }
    return render(request, "contracts/books/vat_box.html", context)


@require_GET
@login_required
def icp(request: HttpRequest) -> HttpResponse:
    """The ICP listing for the chosen period: one row per EU client's VAT id. Three queries
    beside the session: the clients' countries and the listing."""
    form, period = _period_form(request)
    context = {"form": form, **_period_context("contracts:icp", period)}
    if period is None:
        return render(request, "contracts/books/icp.html", context, status=INVALID)
    listing = vat_return.icp_listing(request.user, period)
    context |= {
        "listing": listing,
        "box_url": page_url("contracts:vat_box", period, box=vat_return.BOX_3B),
        "vat_url": page_url("contracts:vat_return", period),
    }
    return render(request, "contracts/books/icp.html", context)
