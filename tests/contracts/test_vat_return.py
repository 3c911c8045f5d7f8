"""The VAT return's figures (contracts/vat_return.py): table tests over sent invoices and credit
notes, each made the way the app sends one (``Invoice.issue`` with the totals ``dutch_law``
computes), so the figures are checked against what the invoices say."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest

from contracts import dutch_law, invoices
from contracts.models import Invoice, InvoiceLine
from contracts.vat_return import (
    BOX_1A,
    BOX_1B,
    BOX_1E,
    BOX_3B,
    Period,
    documents_in_box,
    kor_status,
    return_turnover,
    return_vat,
    vat_return,
)
from freelance.lib.money import round_money
from projects.models import Client
from tests.factories import BusinessProfileFactory, ClientFactory

pytestmark = pytest.mark.django_db

D = Decimal
Q3 = Period(2026, "quarter", 3)
Q4 = Period(2026, "quarter", 4)
_numbers = itertools.count(1)

BELGIAN = {"name": "Brusselse Bakkers NV", "country": "België", "vat_id": "BE0123456749"}
AMERICAN = {"name": "Boston Bakers Inc.", "country": "United States", "vat_id": ""}
DUTCH = {"name": "Utrechtse Bakkers B.V.", "country": "Nederland", "vat_id": "NL123456789B13"}


def send(owner, client, day: date, lines, *, reverse_charge=False, kor=False, credits=None) -> Invoice:
    """A sent invoice (or, with ``credits``, a credit note) dated ``day`` with ``lines`` of
    (quantity, unit price, VAT %): frozen as ``invoices.issue`` freezes one, without the PDF."""
    invoice = Invoice.objects.create(
        owner=owner,
        client=client,
        kind=Invoice.Kind.CREDIT_NOTE if credits else Invoice.Kind.INVOICE,
        credits=credits,
        reverse_charge=reverse_charge,
        small_business_scheme=kor,
    )
    for position, (quantity, price, rate) in enumerate(lines, start=1):
        InvoiceLine.objects.create(
            invoice=invoice,
            position=position,
            description="Werk",
            quantity=D(quantity),
            unit_price=D(price),
            vat_percent=D(rate),
        )
    totals = invoices.compute_totals(invoice)
    seller, buyer = invoices.parties_for(invoice)
    invoice.issue(
        owner,
        number=f"T{next(_numbers)}-0001",  # a series of its own: any date order is allowed
        issue_date=day,
        delivery_date=day,
        due_date=day,
        seller=seller,
        buyer=buyer,
        total_excl=totals.total_excl,
        total_vat=totals.total_vat,
        total=totals.total,
    )
    invoice.refresh_from_db()
    return invoice


def client_of(owner, kind: dict) -> Client:
    return Client.objects.filter(owner=owner, name=kind["name"]).first() or ClientFactory(owner=owner, **kind)


@pytest.fixture
def owner(alice):
    BusinessProfileFactory(owner=alice)
    return alice


def figures(owner, period=Q3, **kwargs):
    result = vat_return(owner, period, **kwargs)
    return result, {box: (f.turnover, f.vat, f.turnover_return, f.vat_return) for box, f in result.figures.items()}


# -- the table -----------------------------------------------------------------------------------

# Each case: invoices as (client, day, lines, options), then the expected figures per box:
# (turnover to the cent, VAT to the cent, turnover in whole euros, VAT in whole euros).
CASES = {
    "one invoice at 21%": (
        [(DUTCH, date(2026, 8, 3), [("10", "95.00", "21")], {})],
        {BOX_1A: (D("950.00"), D("199.50"), 950, 199)},
    ),
    "mixed rates on one invoice, and a 0% line": (
        [(DUTCH, date(2026, 7, 1), [("2", "100.00", "21"), ("1", "40.00", "9"), ("1", "15.00", "0")], {})],
        {
            BOX_1A: (D("200.00"), D("42.00"), 200, 42),
            BOX_1B: (D("40.00"), D("3.60"), 40, 3),
            BOX_1E: (D("15.00"), D("0.00"), 15, None),
        },
    ),
    "a reverse-charged client in another EU country is 3b, without VAT": (
        [(BELGIAN, date(2026, 9, 30), [("8", "120.00", "21")], {"reverse_charge": True})],
        {BOX_1A: (D("0.00"), D("0.00"), 0, 0), BOX_3B: (D("960.00"), D("0.00"), 960, None)},
    ),
    "a reverse-charged client outside the EU is 1e": (
        [(AMERICAN, date(2026, 8, 1), [("1", "500.00", "21")], {"reverse_charge": True})],
        {BOX_1E: (D("500.00"), D("0.00"), 500, None), BOX_3B: (D("0.00"), D("0.00"), 0, None)},
    ),
    "domestic reverse charge is 1e": (
        [(DUTCH, date(2026, 8, 1), [("1", "300.00", "21")], {"reverse_charge": True})],
        {BOX_1E: (D("300.00"), D("0.00"), 300, None)},
    ),
    "outside the period: the day before and the day after": (
        [
            (DUTCH, date(2026, 6, 30), [("1", "100.00", "21")], {}),
            (DUTCH, date(2026, 10, 1), [("1", "100.00", "21")], {}),
        ],
        {BOX_1A: (D("0.00"), D("0.00"), 0, 0)},
    ),
    "rounding: €0.99 of VAT is 0, turnover loses its cents": (
        [(DUTCH, date(2026, 8, 3), [("1", "4.73", "21")], {})],  # VAT 0.9933 -> 0.99
        {BOX_1A: (D("4.73"), D("0.99"), 4, 0)},
    ),
    "rounding: x.50 of VAT goes down": (
        [(DUTCH, date(2026, 8, 3), [("1", "50.00", "21")], {})],  # VAT 10.50
        {BOX_1A: (D("50.00"), D("10.50"), 50, 10)},
    ),
    "rounding: half a cent of VAT per invoice rounds up on the invoice, as dutch_law does": (
        [(DUTCH, date(2026, 8, 3), [("1", "2.50", "21")], {}), (DUTCH, date(2026, 8, 3), [("1", "2.50", "21")], {})],
        {BOX_1A: (D("5.00"), D("1.06"), 5, 1)},  # 0.525 -> 0.53 twice, not 5.00 x 21% = 1.05
    ),
    "rounding: a line of 1.5 hours at 33.33 is 50.00 (49.995 half up), VAT 10.50": (
        [(DUTCH, date(2026, 8, 3), [("1.5", "33.33", "21")], {})],
        {BOX_1A: (D("50.00"), D("10.50"), 50, 10)},
    ),
    "rounding: a whole euro stays": (
        [(DUTCH, date(2026, 8, 3), [("1", "100.00", "9")], {})],
        {BOX_1B: (D("100.00"), D("9.00"), 100, 9)},
    ),
    "drafts never count": (
        [(DUTCH, date(2026, 8, 3), [("1", "100.00", "21")], {"draft": True})],
        {BOX_1A: (D("0.00"), D("0.00"), 0, 0)},
    ),
    "KOR invoices are in no box": (
        [(DUTCH, date(2026, 8, 3), [("1", "1000.00", "21")], {"kor": True})],
        {BOX_1A: (D("0.00"), D("0.00"), 0, 0), BOX_1E: (D("0.00"), D("0.00"), 0, None)},
    ),
}


@pytest.mark.parametrize("invoices_made, expected", CASES.values(), ids=CASES.keys())
def test_the_figures_per_box(owner, invoices_made, expected):
    for kind, day, lines, options in invoices_made:
        options = dict(options)
        if options.pop("draft", False):
            # A draft that carries a date in the period (typed in the admin, say) still does not count.
            draft = Invoice.objects.create(owner=owner, client=client_of(owner, kind), issue_date=day)
            InvoiceLine.objects.create(invoice=draft, description="x", quantity=D("1"), unit_price=D("100"))
            continue
        send(owner, client_of(owner, kind), day, lines, **options)
    result, found = figures(owner)
    for box, figure in expected.items():
        assert found[box] == figure, box
    # The boxes add up to what the invoices of the period say, to the cent.
    boxes = sum((f.turnover for f in result.figures.values()), D(0)) + result.kor_figure.turnover
    assert boxes == result.total_excl
    assert result.vat_due_exact == result.total_vat
    assert result.vat_due == result.figures[BOX_1A].vat_return + result.figures[BOX_1B].vat_return


# -- credit notes ------------------------------------------------------------------------------


def test_a_credit_note_in_a_later_quarter_counts_in_its_own_quarter(owner):
    client = client_of(owner, DUTCH)
    invoice = send(owner, client, date(2026, 9, 15), [("10", "100.00", "21"), ("2", "50.00", "9")])
    note = invoices.credit_note_for(invoice, actor=owner)
    lines = [(line.quantity, line.unit_price, line.vat_percent) for line in note.lines.all()]
    note.delete()
    credit = send(owner, client, date(2026, 10, 2), lines, credits=invoice)
    assert credit.total == -invoice.total

    _q3, in_q3 = figures(owner, Q3)
    assert in_q3[BOX_1A] == (D("1000.00"), D("210.00"), 1000, 210)
    assert in_q3[BOX_1B] == (D("100.00"), D("9.00"), 100, 9)
    q4, in_q4 = figures(owner, Q4)
    assert in_q4[BOX_1A] == (D("-1000.00"), D("-210.00"), -1000, -210)
    assert in_q4[BOX_1B] == (D("-100.00"), D("-9.00"), -100, -9)
    assert q4.vat_due == -219
    _year, in_year = figures(owner, Period(2026, "year"))
    assert in_year[BOX_1A][:2] == (D("0.00"), D("0.00"))


@pytest.mark.parametrize(
    "lines, turnover, vat",
    [
        ([("-1", "2.38", "21")], -2, -1),  # VAT -0.4998 -> -0.50: one euro more back, in the freelancer's favour
        ([("-1", "4.73", "21")], -4, -1),  # VAT -0.99 -> -1
        ([("-1", "100.00", "21")], -100, -21),  # whole euros stay whole
    ],
)
def test_a_credit_note_quarter_rounds_vat_down_too(owner, lines, turnover, vat):
    client = client_of(owner, DUTCH)
    invoice = send(owner, client, date(2026, 7, 1), [("1", "500.00", "21")])
    send(owner, client, date(2026, 10, 1), lines, credits=invoice)
    _result, found = figures(owner, Q4)
    assert found[BOX_1A][2:] == (turnover, vat)


def test_a_reverse_charged_credit_note_lowers_3b_and_the_icp_row(owner):
    client = client_of(owner, BELGIAN)
    invoice = send(owner, client, date(2026, 7, 10), [("10", "100.00", "21")], reverse_charge=True)
    send(owner, client, date(2026, 8, 10), [("-3", "100.00", "21")], reverse_charge=True, credits=invoice)
    result, found = figures(owner)
    assert found[BOX_3B] == (D("700.00"), D("0.00"), 700, None)
    [row] = result.icp.rows
    assert (row.country, row.number, row.amount, row.amount_return, row.documents) == (
        "BE",
        "0123456749",
        D("700.00"),
        700,
        2,
    )


# -- rounding, on its own ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount, turnover, vat",
    [
        ("0.99", 0, 0),
        ("0.50", 0, 0),
        ("1.00", 1, 1),
        ("1234.50", 1234, 1234),
        ("1234.99", 1234, 1234),
        ("-0.01", 0, -1),
        ("-0.50", 0, -1),
        ("-10.50", -10, -11),
        ("-10.00", -10, -10),
    ],
)
def test_whole_euros_the_way_the_return_asks(amount, turnover, vat):
    assert return_turnover(D(amount)) == turnover
    assert return_vat(D(amount)) == vat


def test_the_sql_arithmetic_is_dutch_law_on_awkward_lines(owner):
    """Quantities and prices whose products land on half cents, positive and negative: the
    box VAT equals the sum of what ``dutch_law.totals`` put on each invoice."""
    client = client_of(owner, DUTCH)
    awkward = [("0.25", "0.02"), ("1.15", "3.33"), ("2.55", "10.10"), ("0.05", "0.10"), ("7.77", "1.23")]
    expected_base, expected_vat = D("0"), D("0")
    for quantity, price in awkward:
        lines = [(quantity, price, "21"), (quantity, price, "9")]
        invoice = send(owner, client, date(2026, 8, 1), lines)
        totals = dutch_law.totals([dutch_law.Line(D(q), D(p), D(r)) for q, p, r in lines])
        assert invoice.total_vat == totals.total_vat
        expected_base += totals.excl_by_rate[D("21")]
        expected_vat += totals.vat_by_rate[D("21")]
    result, found = figures(owner)
    assert found[BOX_1A][:2] == (round_money(expected_base), round_money(expected_vat))
    assert result.total_vat == result.vat_due_exact


# -- KOR ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amounts, level, percent",
    [
        (["1000.00"], "ok", 5),
        (["15999.99"], "ok", 79),
        (["16000.00"], "warning", 80),
        (["9000.00", "9000.00"], "warning", 90),
        (["20000.00"], "warning", 100),
        (["20000.01"], "over", 100),
        (["15000.00", "6000.00"], "over", 105),
    ],
)
def test_under_the_kor_the_years_turnover_is_set_against_the_threshold(owner, amounts, level, percent):
    client = client_of(owner, DUTCH)
    for month, amount in enumerate(amounts, start=2):
        send(owner, client, date(2026, month, 1), [("1", amount, "21")], kor=True)
    result, found = figures(owner, Q3, small_business_scheme=True)
    assert found[BOX_1A] == (D("0.00"), D("0.00"), 0, 0)
    assert result.vat_due == 0
    assert result.kor is not None
    assert (result.kor.level, result.kor.percent, result.kor.participating) == (level, percent, True)
    assert result.kor.turnover == sum((D(a) for a in amounts), D(0))
    assert result.kor.threshold == D("20000.00")  # from the dated table, seeded by migration 0013


def test_the_kor_limit_comes_from_the_dated_table_by_the_years_first_day(owner):
    """A limit the operator enters counts from the first year that starts on or after its date."""
    from contracts.models import KorThreshold

    KorThreshold.objects.create(valid_from=date(2027, 1, 1), amount=D("25000.00"), source="test")
    KorThreshold.objects.create(valid_from=date(2026, 7, 1), amount=D("1.00"), source="mid-year: from 2027 on")
    assert kor_status(2026, D("16000.00"), participating=True).threshold == D("20000.00")
    status = kor_status(2027, D("20000.00"), participating=True)
    assert (status.threshold, status.level, status.percent) == (D("25000.00"), "warning", 80)
    KorThreshold.objects.all().delete()  # an emptied table still knows the law's limit
    assert kor_status(2027, D("1.00"), participating=True).threshold == D("20000.00")


def test_the_kor_turnover_leaves_out_services_taxed_abroad_and_counts_credit_notes(owner):
    dutch, belgian = client_of(owner, DUTCH), client_of(owner, BELGIAN)
    invoice = send(owner, dutch, date(2026, 3, 1), [("1", "10000.00", "0")], kor=True)
    send(owner, dutch, date(2026, 4, 1), [("-1", "2000.00", "0")], kor=True, credits=invoice)
    send(owner, belgian, date(2026, 5, 1), [("1", "9000.00", "21")], reverse_charge=True)
    send(owner, dutch, date(2025, 12, 31), [("1", "9000.00", "0")], kor=True)  # last year
    result, _found = figures(owner, Q3)
    assert result.kor.turnover == D("8000.00")
    assert result.kor.level == "ok"


def test_without_the_kor_there_is_no_kor_status(owner):
    send(owner, client_of(owner, DUTCH), date(2026, 8, 1), [("1", "100.00", "21")])
    result, _found = figures(owner)
    assert result.kor is None


# -- the ICP listing ---------------------------------------------------------------------------


def test_the_icp_listing_has_one_row_per_vat_id_and_names_clients_without_one(owner):
    belgian = client_of(owner, BELGIAN)
    german = client_of(owner, {"name": "Berliner Bäcker GmbH", "country": "Duitsland", "vat_id": "DE136695976"})
    send(owner, belgian, date(2026, 7, 1), [("1", "100.40", "21")], reverse_charge=True)
    send(owner, belgian, date(2026, 8, 1), [("1", "100.40", "21")], reverse_charge=True)
    send(owner, german, date(2026, 9, 1), [("2", "250.00", "21")], reverse_charge=True)
    # A client whose VAT id was never filled in (sent before the check, or through the admin).
    french = client_of(owner, {"name": "Boulangerie Lyon SARL", "country": "Frankrijk", "vat_id": ""})
    send(owner, french, date(2026, 9, 2), [("1", "75.75", "21")], reverse_charge=True)
    # Not in the listing: a Dutch client, a client outside the EU, a draft, another quarter.
    send(owner, client_of(owner, DUTCH), date(2026, 7, 1), [("1", "999.00", "21")], reverse_charge=True)
    send(owner, client_of(owner, AMERICAN), date(2026, 7, 1), [("1", "999.00", "21")], reverse_charge=True)
    send(owner, belgian, date(2026, 10, 1), [("1", "999.00", "21")], reverse_charge=True)

    result, found = figures(owner)
    rows = {(r.country, r.number): (r.amount, r.amount_return, r.clients) for r in result.icp.rows}
    assert rows == {
        ("BE", "0123456749"): (D("200.80"), 200, ["Brusselse Bakkers NV"]),
        ("DE", "136695976"): (D("500.00"), 500, ["Berliner Bäcker GmbH"]),
    }
    [missing] = result.icp.missing
    assert (missing.clients, missing.amount) == (["Boulangerie Lyon SARL"], D("75.75"))
    # 3b is the listing's total, row by row in whole euros: 200 + 500 + 75.
    assert found[BOX_3B] == (D("776.55"), D("0.00"), 775, None)


def test_an_invoice_frozen_before_country_codes_falls_back_to_the_clients_country(owner):
    client = client_of(owner, BELGIAN)
    invoice = send(owner, client, date(2026, 7, 1), [("1", "100.00", "21")], reverse_charge=True)
    buyer = {key: value for key, value in invoice.buyer.items() if key not in ("country", "country_name")}
    Invoice.objects.filter(pk=invoice.pk).update(buyer=buyer)
    _result, found = figures(owner)
    assert found[BOX_3B][0] == D("100.00")


# -- the invoices behind a figure ----------------------------------------------------------------


def test_each_figure_lists_the_invoices_behind_it_and_they_add_up(owner):
    dutch, belgian = client_of(owner, DUTCH), client_of(owner, BELGIAN)
    mixed = send(owner, dutch, date(2026, 7, 2), [("1", "100.00", "21"), ("1", "10.00", "9")])
    plain = send(owner, dutch, date(2026, 7, 3), [("1", "2.50", "21")])
    abroad = send(owner, belgian, date(2026, 7, 4), [("1", "300.00", "21")], reverse_charge=True)
    result = vat_return(owner, Q3)
    listed = {box: {row["invoice_pk"]: row for row in documents_in_box(owner, Q3, box)} for box in result.figures}
    assert set(listed[BOX_1A]) == {mixed.pk, plain.pk}
    assert set(listed[BOX_1B]) == {mixed.pk}
    assert set(listed[BOX_3B]) == {abroad.pk}
    assert not listed[BOX_1E]
    for box, figure in result.figures.items():
        assert sum(row["base"] for row in listed[box].values()) == figure.turnover * 100
        assert sum(row["vat"] for row in listed[box].values()) == figure.vat * 100
        assert figure.documents == len(listed[box])


# -- periods -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "today, expected",
    [
        (date(2026, 1, 15), Period(2025, "quarter", 4)),
        (date(2026, 2, 1), Period(2026, "quarter", 1)),
        (date(2026, 4, 30), Period(2026, "quarter", 1)),
        (date(2026, 5, 1), Period(2026, "quarter", 2)),
        (date(2026, 10, 1), Period(2026, "quarter", 3)),
        (date(2026, 12, 31), Period(2026, "quarter", 4)),
    ],
)
def test_the_default_period_is_the_quarter_to_file(today, expected):
    assert Period.default(today) == expected


@pytest.mark.parametrize(
    "slug, start, end",
    [
        ("q1", date(2028, 1, 1), date(2028, 3, 31)),
        ("q4", date(2028, 10, 1), date(2028, 12, 31)),
        ("m2", date(2028, 2, 1), date(2028, 2, 29)),
        ("m12", date(2028, 12, 1), date(2028, 12, 31)),
        ("year", date(2028, 1, 1), date(2028, 12, 31)),
    ],
)
def test_periods(slug, start, end):
    period = Period.from_slug(2028, slug)
    assert (period.start, period.end, period.slug) == (start, end, slug)


@pytest.mark.parametrize("slug", ["q0", "q5", "m0", "m13", "m01", "y", "", "q", "year2", "<script>"])
def test_no_other_periods(slug):
    with pytest.raises(ValueError):
        Period.from_slug(2026, slug)
