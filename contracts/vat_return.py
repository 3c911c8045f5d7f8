"""The VAT return's figures and the ICP listing, computed from sent invoices and credit notes.

What counts: every sent invoice and credit note (any status but draft) of the freelancer, by
its invoice date (a date already in Europe/Amsterdam: ``invoices.issue`` takes the local day).
A credit note carries negative lines and totals, so it lowers the period of its own date,
not that of the invoice it credits. Drafts never count.

Which box (the Belastingdienst's *aangifte omzetbelasting*):

- **1a** (21%) and **1b** (9%): turnover excl. VAT and the VAT charged, per rate.
- **1e** (0% or not taxed here): lines at 0%, and reverse-charged invoices whose client is in
  the Netherlands (*btw verlegd binnenland*) or outside the EU (the service is taxed where the
  client is).
- **3b** (services to businesses in other EU countries): reverse-charged invoices to a client
  in another EU country. Its amount is the total of the ICP listing (below).
- Invoices under the small-business scheme (KOR) charge no VAT and are in no box; instead the
  calendar year's turnover is set against the KOR threshold.
- **5b** (input VAT) needs the purchases, which are not in Mijlpaal.

The client's country is the one frozen on the invoice when it was sent (``Invoice.buyer``);
invoices sent before the code was kept fall back to the client's country as typed.

Rounding, the way the return asks: the return takes whole euros, and the Belastingdienst lets
you round them in your favour ("In de aangifte btw rondt u de btw-bedragen af op hele euro's.
Dit mag u in uw voordeel doen": Belastingdienst, *Handboek Omzetbelasting*, "Btw-bedrag
afronden", quoted by Fiscanet; Moneybird's help centre, "Verschil rapport btw per kwartaal
en per jaar", gives the same rule: € 0,99 of VAT due becomes € 0). So:

- VAT is rounded **down** to the euro (towards minus infinity): € 0,99 due is € 0, and a
  credit-note quarter's € -0,50 is € -1 (one euro more back), both in the freelancer's favour;
- turnover (*omzet*, the base) does not change the tax: its cents are dropped (towards zero);
- the VAT due (5a) is the sum of the rounded VAT boxes, as the portal adds them up;
- 3b is the sum of the ICP listing's rows, each with its cents dropped, so the two agree (the
  Belastingdienst checks that 3b equals the total of the ICP listing).

Exactness: the amounts are summed in SQL in integer cents. A line is quantity × price
rounded half away from zero to the cent, and VAT is the per-invoice, per-rate sum of those
lines times the rate, rounded the same way: the arithmetic of ``dutch_law.totals``, so the
figures are the VAT on the invoices, to the cent, on SQLite (which keeps decimals as floats)
as on PostgreSQL (where a SUM of integers is a numeric: it is cast back before dividing). Each figure is one aggregate over a grouped subquery: a fixed number of
queries and no Python loop per invoice.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_FLOOR, Decimal

from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, NullIf, Round
from django.db.models.lookups import GreaterThanOrEqual
from django.utils.translation import gettext as _

from contracts.dutch_law import kor_threshold
from contracts.models import Invoice, InvoiceLine
from freelance.lib import countries
from freelance.lib.money import exact
from projects.models import Client

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# Kleineondernemersregeling: a calendar year's turnover up to a limit kept in the dated table
# KorThreshold (contracts.dutch_law.kor_threshold; € 20,000 since 2020). A warning from 80% of it.
KOR_WARNING_SHARE = Decimal("0.80")

BOX_1A, BOX_1B, BOX_1E, BOX_3B, KOR = "1a", "1b", "1e", "3b", "kor"
ALL = "all"
RETURN_BOXES = (BOX_1A, BOX_1B, BOX_1E, BOX_3B)

# What each (invoice, rate) group of lines is: its rate, or why no VAT is charged on it.
RATE_21, RATE_9, RATE_0 = "21", "9", "0"
RC_NL, RC_EU, RC_ABROAD, UNDER_KOR = "rc_nl", "rc_eu", "rc_abroad", "kor"
BOX_GROUPS = {
    BOX_1A: (RATE_21,),
    BOX_1B: (RATE_9,),
    BOX_1E: (RATE_0, RC_NL, RC_ABROAD),
    BOX_3B: (RC_EU,),
    KOR: (UNDER_KOR,),
}
NO_VAT = (RC_NL, RC_EU, RC_ABROAD, UNDER_KOR)
# The KOR threshold counts turnover in the Netherlands: not services taxed where the client is.
KOR_YEAR_GROUPS = (RATE_21, RATE_9, RATE_0, RC_NL, UNDER_KOR)
EU_ABROAD = sorted(countries.EU - {countries.NL})
OUTSIDE_EU = sorted(set(countries.COUNTRIES) - countries.EU)

BIG = BigIntegerField()


# -- periods -------------------------------------------------------------------------------------

QUARTER, MONTH, YEAR = "quarter", "month", "year"


@dataclass(frozen=True)
class Period:
    """A quarter (``q1``-``q4``), a month (``m1``-``m12``) or a whole year (``year``)."""

    year: int
    kind: str
    number: int = 0

    @classmethod
    def from_slug(cls, year: int, slug: str) -> Period:
        if slug == YEAR:
            return cls(year, YEAR)
        if len(slug) >= 2 and slug[0] in "qm" and slug[1:].isdigit():
            number, kind = int(slug[1:]), QUARTER if slug[0] == "q" else MONTH
            if 1 <= number <= (4 if kind == QUARTER else 12) and not slug[1:].startswith("0"):
                return cls(year, kind, number)
        raise ValueError(f"not a period: {slug!r}")

    @classmethod
    def quarter_of(cls, day: date) -> Period:
        return cls(day.year, QUARTER, (day.month - 1) // 3 + 1)

    @classmethod
    def default(cls, today: date) -> Period:
        """The quarter to file: in a quarter's first month the one before (its return is due by
        the end of that month), later the current one."""
        if today.month == 1:
            return cls(today.year - 1, QUARTER, 4)
        if today.month in (4, 7, 10):
            return cls.quarter_of(date(today.year, today.month - 3, 1))
        return cls.quarter_of(today)

    @property
    def slug(self) -> str:
        return YEAR if self.kind == YEAR else f"{self.kind[0]}{self.number}"

    @property
    def start(self) -> date:
        if self.kind == QUARTER:
            return date(self.year, 3 * self.number - 2, 1)
        if self.kind == MONTH:
            return date(self.year, self.number, 1)
        return date(self.year, 1, 1)

    @property
    def end(self) -> date:
        month = {QUARTER: 3 * self.number, MONTH: self.number, YEAR: 12}[self.kind]
        return date(self.year, month, calendar.monthrange(self.year, month)[1])


# -- rounding the way the return asks ------------------------------------------------------------


def return_turnover(amount: Decimal) -> int:
    """Whole euros, cents dropped: € 1.234,99 is 1234, € -10,50 is -10."""
    return int(amount.to_integral_value(rounding=ROUND_DOWN))


def return_vat(amount: Decimal) -> int:
    """Whole euros, down, in the freelancer's favour: € 0,99 due is 0, € -0,50 (back) is -1."""
    return int(amount.to_integral_value(rounding=ROUND_FLOOR))


# -- SQL pieces ----------------------------------------------------------------------------------


def _half_up_div(numerator, divisor: int):
    """numerator / divisor in integers, rounded half away from zero (Python's ROUND_HALF_UP,
    which ``round_money`` uses): both databases divide integers truncating towards zero."""
    half = divisor // 2
    return Case(
        When(
            GreaterThanOrEqual(numerator, 0),
            then=ExpressionWrapper((numerator + Value(half)) / Value(divisor), output_field=BIG),
        ),
        default=ExpressionWrapper(-((-numerator + Value(half)) / Value(divisor)), output_field=BIG),
        output_field=BIG,
    )


def _line_cents():
    """quantity × price to the cent, as an integer number of cents (both have two decimals)."""
    quantity = Cast(Round(F("quantity") * 100), BIG)
    price = Cast(Round(F("unit_price") * 100), BIG)
    return _half_up_div(ExpressionWrapper(quantity * price, output_field=BIG), 100)


def _country_texts(owner) -> tuple[list[str], list[str]]:
    """The owner's clients' countries as typed that mean another EU country, and the Netherlands:
    for invoices frozen before the country code was kept. One query."""
    typed = set(Client.objects.filter(owner=owner).order_by().values_list("country", flat=True).distinct())
    codes = {text: countries.country_code(text) for text in typed}
    return (
        sorted(text for text, code in codes.items() if code in countries.EU and code != countries.NL),
        sorted(text for text, code in codes.items() if code == countries.NL),
    )


def _reverse_charge_group(owner, prefix: str = "", texts: tuple[list[str], list[str]] | None = None) -> Case:
    """Where a reverse-charged invoice's client is: the frozen country code first, then the
    client's country as typed. Unknown counts as outside the EU (box 1e, not 3b)."""
    eu_texts, nl_texts = texts if texts is not None else _country_texts(owner)
    code = f"{prefix}buyer__country"
    typed = f"{prefix}client__country"
    return Case(
        When(Q(**{f"{code}__in": EU_ABROAD}), then=Value(RC_EU)),
        When(Q(**{code: countries.NL}), then=Value(RC_NL)),
        When(Q(**{f"{code}__in": OUTSIDE_EU}), then=Value(RC_ABROAD)),
        When(Q(**{f"{typed}__in": eu_texts}), then=Value(RC_EU)),
        When(Q(**{f"{typed}__in": nl_texts}), then=Value(RC_NL)),
        default=Value(RC_ABROAD),
        output_field=CharField(),
    )


def sent_in(owner, start: date, end: date) -> QuerySet[Invoice]:
    """The owner's sent invoices and credit notes dated ``start`` to ``end``."""
    return (
        Invoice.objects.filter(owner=owner, issue_date__gte=start, issue_date__lte=end)
        .exclude(status=Invoice.Status.DRAFT)
        .order_by()
    )


def _lines(owner, start: date, end: date, texts=None) -> QuerySet[InvoiceLine]:
    """The lines of the sent invoices dated ``start`` to ``end``, each with its ``group``
    (``RATE_21`` … ``UNDER_KOR``): its rate, or why no VAT is charged on it."""
    group = Case(
        When(invoice__small_business_scheme=True, then=Value(UNDER_KOR)),
        When(invoice__reverse_charge=True, then=_reverse_charge_group(owner, "invoice__", texts)),
        When(vat_percent=21, then=Value(RATE_21)),
        When(vat_percent=9, then=Value(RATE_9)),
        default=Value(RATE_0),
        output_field=CharField(),
    )
    return (
        InvoiceLine.objects.filter(invoice__owner=owner, invoice__issue_date__gte=start, invoice__issue_date__lte=end)
        .exclude(invoice__status=Invoice.Status.DRAFT)
        .order_by()
        .annotate(group=group)
    )


def _vat_cents(rate_tenths):
    """The VAT on a group's ``base`` (cents) at ``rate_tenths`` (210 for 21%), to the cent."""
    return Case(
        When(group__in=NO_VAT, then=Value(0)),
        default=_half_up_div(ExpressionWrapper(F("base") * rate_tenths, output_field=BIG), 1000),
        output_field=BIG,
    )


def line_groups(owner, start: date, end: date, texts=None) -> QuerySet:
    """One row per (invoice, VAT rate) of the sent invoices dated ``start`` to ``end``: its
    group, its invoice date (``day``), and its ``base`` and ``vat`` in cents, the VAT computed
    once on the rate's sum, as the invoice did."""
    return (
        _lines(owner, start, end, texts)
        .annotate(rate_tenths=Cast(Round(F("vat_percent") * 10), BIG), day=F("invoice__issue_date"))
        .values("invoice", "rate_tenths", "group", "day")
        .annotate(base=Cast(Sum(_line_cents()), BIG))
        .annotate(vat=_vat_cents(F("rate_tenths")))
    )


def _cents(value) -> Decimal:
    return (Decimal(int(value or 0)) * CENT).quantize(CENT)


# -- the figures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    box: str
    turnover: Decimal  # excl. VAT, to the cent
    vat: Decimal  # to the cent; zero for boxes without VAT
    documents: int  # invoices and credit notes behind it
    turnover_return: int  # what the return takes: whole euros
    vat_return: int | None  # whole euros; None where the box has no VAT column

    @property
    def has_vat(self) -> bool:
        return self.vat_return is not None


@dataclass(frozen=True)
class KorStatus:
    year: int
    turnover: Decimal  # the calendar year's turnover in the Netherlands, excl. VAT
    threshold: Decimal
    percent: int  # of the threshold, rounded down
    level: str  # "ok", "warning" (80% or more) or "over"
    participating: bool  # the business profile says so

    @property
    def left(self) -> Decimal:
        return max(self.threshold - self.turnover, ZERO)


@dataclass(frozen=True)
class IcpRow:
    country: str  # the VAT id's prefix: what the portal asks first
    number: str  # the VAT id without it
    vat_id: str
    clients: list[str]
    client_ids: list[int]
    amount: Decimal  # services, credit notes subtracted, to the cent
    amount_return: int  # whole euros, cents dropped
    documents: int


@dataclass(frozen=True)
class IcpListing:
    rows: list[IcpRow]  # clients with a VAT id, one row per VAT id
    missing: list[IcpRow]  # clients without a VAT id: they cannot be listed until they have one

    @property
    def total_return(self) -> int:
        return sum(row.amount_return for row in self.rows + self.missing)

    @property
    def total(self) -> Decimal:
        return sum((row.amount for row in self.rows + self.missing), ZERO)


@dataclass(frozen=True)
class VatReturn:
    period: Period
    figures: dict[str, Figure]  # 1a, 1b, 1e, 3b
    kor_figure: Figure  # the period's invoices under the KOR: in no box
    vat_due: int  # 5a: the rounded VAT boxes added up
    vat_due_exact: Decimal
    documents: int  # every sent invoice and credit note of the period
    total_excl: Decimal  # their stored totals, to check the boxes against
    total_vat: Decimal
    kor: KorStatus | None  # shown when the profile or an invoice of the year uses the KOR
    icp: IcpListing

    @property
    def boxes(self) -> list[Figure]:
        return [self.figures[box] for box in RETURN_BOXES]


def icp_listing(owner, period: Period, texts=None) -> IcpListing:
    """Per EU client's VAT id: the reverse-charged services of the period, credit notes
    subtracted (the *opgaaf intracommunautaire prestaties*). One query."""
    vat_id = Coalesce(
        NullIf(KeyTextTransform("vat_id", "buyer"), Value("")),
        NullIf(F("client__vat_id"), Value("")),
        Value(""),
        output_field=CharField(),
    )
    rows = (
        sent_in(owner, period.start, period.end)
        .filter(reverse_charge=True, small_business_scheme=False)
        .annotate(group=_reverse_charge_group(owner, texts=texts))
        .filter(group=RC_EU)
        .values("client_id", "client__name", vat=vat_id)
        .annotate(amount=Sum("total_excl"), documents=Count("pk"))
        .order_by("vat", "client__name", "client_id")
    )
    by_id: dict[str, dict] = {}
    missing = []
    for row in rows:
        vat = "".join(row["vat"].split()).upper()
        amount = exact(row["amount"])
        if not vat:
            missing.append(_icp_row("", [row["client__name"]], [row["client_id"]], amount, row["documents"]))
            continue
        entry = by_id.setdefault(vat, {"clients": [], "ids": [], "amount": ZERO, "documents": 0})
        entry["clients"].append(row["client__name"])
        entry["ids"].append(row["client_id"])
        entry["amount"] += amount
        entry["documents"] += row["documents"]
    listed = [_icp_row(vat, e["clients"], e["ids"], e["amount"], e["documents"]) for vat, e in by_id.items()]
    return IcpListing(rows=listed, missing=missing)


def _icp_row(vat_id: str, clients, client_ids, amount: Decimal, documents: int) -> IcpRow:
    return IcpRow(
        country=vat_id[:2],
        number=vat_id[2:],
        vat_id=vat_id,
        clients=clients,
        client_ids=client_ids,
        amount=amount,
        amount_return=return_turnover(amount),
        documents=documents,
    )


def vat_return(owner, period: Period, *, small_business_scheme: bool = False) -> VatReturn:
    """The period's figures, the VAT due, the ICP listing and, where it applies, the KOR
    threshold. Four queries (the clients' countries, the figures with the year's KOR turnover,
    the stored totals, the ICP listing) whatever the number of invoices.

    ``small_business_scheme``: the business profile's KOR setting (the KOR status is shown
    when it is on, or when an invoice of the year was sent under the KOR)."""
    year_start, year_end = date(period.year, 1, 1), date(period.year, 12, 31)
    texts = _country_texts(owner)
    groups = line_groups(owner, year_start, year_end, texts)
    in_period = Q(day__gte=period.start, day__lte=period.end)
    sums = {}
    for box, members in BOX_GROUPS.items():
        where = in_period & Q(group__in=members)
        sums[f"{box}_base"] = Sum("base", filter=where)
        sums[f"{box}_vat"] = Sum("vat", filter=where)
        sums[f"{box}_docs"] = Count("invoice", filter=where, distinct=True)
    sums["kor_year"] = Sum("base", filter=Q(group__in=KOR_YEAR_GROUPS))
    sums["kor_year_docs"] = Count("invoice", filter=Q(group=UNDER_KOR), distinct=True)
    found = groups.aggregate(**sums)

    stored = sent_in(owner, period.start, period.end).aggregate(
        documents=Count("pk"), total_excl=Sum("total_excl"), total_vat=Sum("total_vat")
    )
    icp = icp_listing(owner, period, texts)

    figures = {}
    for box in (*RETURN_BOXES, KOR):
        turnover, vat = _cents(found[f"{box}_base"]), _cents(found[f"{box}_vat"])
        turnover_return = icp.total_return if box == BOX_3B else return_turnover(turnover)
        figures[box] = Figure(
            box=box,
            turnover=turnover,
            vat=vat,
            documents=found[f"{box}_docs"],
            turnover_return=turnover_return,
            vat_return=return_vat(vat) if box in (BOX_1A, BOX_1B) else None,
        )
    kor_figure = figures.pop(KOR)
    kor = None
    if small_business_scheme or found["kor_year_docs"]:
        kor = kor_status(period.year, _cents(found["kor_year"]), participating=small_business_scheme)
    return VatReturn(
        period=period,
        figures=figures,
        kor_figure=kor_figure,
        vat_due=figures[BOX_1A].vat_return + figures[BOX_1B].vat_return,
        vat_due_exact=figures[BOX_1A].vat + figures[BOX_1B].vat,
        documents=stored["documents"],
        total_excl=exact(stored["total_excl"]),
        total_vat=exact(stored["total_vat"]),
        kor=kor,
        icp=icp,
    )


def kor_status(year: int, turnover: Decimal, *, participating: bool, threshold: Decimal | None = None) -> KorStatus:
    """Where the year's turnover stands against the KOR limit (the dated table's, unless given)."""
    threshold = kor_threshold(year) if threshold is None else threshold
    share = turnover / threshold if turnover > 0 else Decimal(0)
    if turnover > threshold:
        level = "over"
    elif share >= KOR_WARNING_SHARE:
        level = "warning"
    else:
        level = "ok"
    return KorStatus(
        year=year,
        turnover=turnover,
        threshold=threshold,
        percent=int((share * 100).to_integral_value(rounding=ROUND_DOWN)),
        level=level,
        participating=participating,
    )


BOX_RATE_TENTHS = {BOX_1A: 210, BOX_1B: 90}


def documents_in_box(owner, period: Period, box: str) -> QuerySet:
    """The invoices and credit notes behind a figure, newest first: one row each, with its
    part of the figure (``base`` and ``vat`` in cents). ``ALL``: every one of the period, with
    its stored totals. Boxes 1a and 1b hold one rate each, so an invoice's VAT in them is the
    VAT on its lines at that rate, as on the invoice."""
    fields = {"number": "number", "issue_date": "issue_date", "kind": "kind", "client_id": "client_id"}
    fields["client_name"] = "client__name"
    if box == ALL:
        return (
            sent_in(owner, period.start, period.end)
            .values("number", "issue_date", "kind", "client_id", invoice_pk=F("pk"), client_name=F("client__name"))
            .annotate(
                base=Cast(Round(F("total_excl") * 100), BIG),
                vat=Cast(Round(F("total_vat") * 100), BIG),
                group=Value(ALL),
            )
            .order_by("-issue_date", "-number", "-invoice_pk")
        )
    return (
        _lines(owner, period.start, period.end)
        .filter(group__in=BOX_GROUPS[box])
        .values(invoice_pk=F("invoice"), **{alias: F(f"invoice__{path}") for alias, path in fields.items()})
        .annotate(base=Cast(Sum(_line_cents()), BIG), group=Value(box))
        .annotate(
            vat=_half_up_div(ExpressionWrapper(F("base") * BOX_RATE_TENTHS[box], output_field=BIG), 1000)
            if box in BOX_RATE_TENTHS
            else Value(0, output_field=BIG)
        )
        .order_by("-issue_date", "-number", "-invoice_pk")
    )


def box_label(box: str) -> str:
    return {
        BOX_1A: _("1a: supplies and services taxed at 21%"),
        BOX_1B: _("1b: supplies and services taxed at 9%"),
        BOX_1E: _("1e: supplies and services at 0% or not taxed in the Netherlands"),
        BOX_3B: _("3b: services to businesses in other EU countries"),
        KOR: _("Under the small-business scheme (KOR): no VAT, in no box"),
        ALL: _("All invoices and credit notes of the period"),
    }[box]
