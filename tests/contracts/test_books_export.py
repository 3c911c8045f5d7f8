"""The bookkeeper's export (/books/export/): the demo's books read back from the ZIP, the period,
isolation, spreadsheet safety, and that it streams in constant memory and queries."""

from __future__ import annotations

import codecs
import csv
import io
import os
import resource
import time
import tracemalloc
import zipfile
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override
from lxml import etree

from contracts import books_export, invoices
from contracts.models import Invoice, InvoiceLine, Payment
from contracts.seed import load_contract_templates
from freelance.demo import create_demo_projects
from tests.factories import BusinessProfileFactory, ClientFactory
from tests.helpers import pdf_to_text

pytestmark = pytest.mark.django_db

URL = reverse("contracts:books_export")
TODAY = date(2026, 11, 26)
CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
CAC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 26, 10, 0)), tick=False), override("en"):
        yield


# -- helpers ----------------------------------------------------------------------------------


def download(client, **params) -> zipfile.ZipFile:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content[:500]
    assert response.streaming
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def rows(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    data = archive.read(name)
    assert data.startswith(codecs.BOM_UTF8), "UTF-8 with a BOM, so Excel reads the accents"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def sent(owner, client, lines, *, on: date, reverse_charge=False) -> Invoice:
    """A one-off invoice with these (description, quantity, price, VAT) lines, sent on `on`."""
    invoice = Invoice.objects.create(
        owner=owner, client=client, language=client.language, reverse_charge=reverse_charge
    )
    for position, (description, quantity, price, vat) in enumerate(lines, start=1):
        InvoiceLine.objects.create(
            invoice=invoice,
            position=position,
            description=description,
            quantity=Decimal(quantity),
            unit_price=Decimal(price),
            vat_percent=Decimal(vat),
        )
    return invoices.issue(invoice, actor=owner, today=on)


def period(first: date, last: date) -> dict[str, str]:
    return {"date_from": first.isoformat(), "date_to": last.isoformat()}


# -- the demo, read back ------------------------------------------------------------------------


def test_the_demo_export_reads_back_rows_vat_payments_pdfs_and_ubl(alice, alice_client):
    load_contract_templates()
    create_demo_projects(alice)
    sent_invoices = Invoice.objects.filter(owner=alice).exclude(status=Invoice.Status.DRAFT)
    assert sent_invoices.filter(kind=Invoice.Kind.CREDIT_NOTE).exists()
    assert sent_invoices.filter(reverse_charge=True).exists()
    assert Invoice.objects.filter(owner=alice, status=Invoice.Status.DRAFT).exists()  # and they stay out

    archive = download(alice_client, **period(TODAY - timedelta(days=400), TODAY))

    # invoices.csv: one row per line of every sent invoice and credit note, none of a draft.
    lines = rows(archive, "invoices.csv")
    expected_lines = InvoiceLine.objects.filter(invoice__in=sent_invoices)
    assert len(lines) == expected_lines.count()
    assert {r["invoice_number"] for r in lines} == set(sent_invoices.values_list("number", flat=True))
    by_number = {invoice.number: invoice for invoice in sent_invoices}
    line_vat: dict[str, Decimal] = defaultdict(Decimal)
    line_excl: dict[str, Decimal] = defaultdict(Decimal)
    for row in lines:
        line_vat[row["invoice_number"]] += Decimal(row["line_vat"])
        line_excl[row["invoice_number"]] += Decimal(row["line_excl_vat"])
        assert Decimal(row["line_incl_vat"]) == Decimal(row["line_excl_vat"]) + Decimal(row["line_vat"])
    for number, invoice in by_number.items():
        assert (line_excl[number], line_vat[number]) == (invoice.total_excl, invoice.total_vat), number

    # vat_summary.csv: per invoice and rate; it adds up to each invoice and, per rate, to the lines.
    summary = rows(archive, "vat_summary.csv")
    per_invoice: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    per_rate: dict[Decimal, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for row in summary:
        per_invoice[row["invoice_number"]][0] += Decimal(row["base_excl_vat"])
        per_invoice[row["invoice_number"]][1] += Decimal(row["vat"])
        per_rate[Decimal(row["vat_rate"])][0] += Decimal(row["base_excl_vat"])
        per_rate[Decimal(row["vat_rate"])][1] += Decimal(row["vat"])
    for number, invoice in by_number.items():
        assert per_invoice[number] == [invoice.total_excl, invoice.total_vat], number
    expected_rate: dict[Decimal, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for invoice in sent_invoices:
        totals = invoices.compute_totals(invoice)
        for rate, excl in totals.excl_by_rate.items():
            expected_rate[rate][0] += excl
            expected_rate[rate][1] += totals.vat_by_rate[rate]
    assert per_rate == expected_rate
    assert Decimal("9") in per_rate  # the demo's second rate
    assert sum(v for _b, v in per_rate.values()) == sum(i.total_vat for i in sent_invoices)

    abroad = next(r for r in summary if r["client_name"] == "Studio Lumen")
    assert (abroad["client_country"], abroad["client_vat_id"], abroad["vat_category"]) == ("BE", "BE0477123402", "AE")
    assert (abroad["reverse_charge"], abroad["vat"]) == ("1", "0.00")
    note = sent_invoices.get(kind=Invoice.Kind.CREDIT_NOTE)
    note_lines = [r for r in lines if r["invoice_number"] == note.number]
    assert {r["kind"] for r in note_lines} == {"credit_note"}
    assert {r["credits_invoice"] for r in note_lines} == {note.credits.number}
    assert all(Decimal(r["line_excl_vat"]) < 0 for r in note_lines)  # negative, and no apostrophe before the minus

    # payments.csv: each payment received in the period.
    payments = rows(archive, "payments.csv")
    expected = Payment.objects.filter(invoice__owner=alice).order_by("paid_on", "pk")
    assert len(payments) == expected.count() == 2
    assert [(r["payment_date"], r["invoice_number"], Decimal(r["amount"])) for r in payments] == [
        (p.paid_on.isoformat(), p.invoice.number, p.amount) for p in expected
    ]

    # Each invoice and credit note: its PDF as sent, and its UBL with the number and the amount due.
    for number, invoice in by_number.items():
        pdf = archive.read(f"pdf/{number}.pdf")
        assert pdf == bytes(invoice.pdf)
        assert pdf.startswith(b"%PDF")
        assert number in pdf_to_text(pdf)
        xml = etree.fromstring(archive.read(f"ubl/{number}.xml"))
        assert xml.findtext(f"{CBC}ID") == number
        assert etree.QName(xml).localname == ("CreditNote" if invoice.is_credit_note else "Invoice")
        payable = xml.find(f"{CAC}LegalMonetaryTotal/{CBC}PayableAmount").text
        assert Decimal(payable) == abs(invoice.total)
    documents = [n for n in archive.namelist() if n.startswith(("pdf/", "ubl/"))]
    assert len(documents) == 2 * len(by_number)
    assert archive.testzip() is None


# -- the period ---------------------------------------------------------------------------------


@pytest.fixture
def alices_books(alice):
    BusinessProfileFactory(owner=alice)
    client = ClientFactory(owner=alice, name="Drukkerij Punt")
    return {
        "before": sent(alice, client, [("Juni", "1", "100.00", "21")], on=date(2026, 6, 30)),
        "first": sent(alice, client, [("Juli", "2", "50.00", "21")], on=date(2026, 7, 1)),
        "last": sent(alice, client, [("September", "1", "10.00", "9")], on=date(2026, 9, 30)),
        "after": sent(alice, client, [("Oktober", "1", "100.00", "21")], on=date(2026, 10, 1)),
    }


def test_the_period_counts_by_invoice_date_its_first_and_last_day_included(alice_client, alices_books):
    archive = download(alice_client, **period(date(2026, 7, 1), date(2026, 9, 30)))
    numbers = {r["invoice_number"] for r in rows(archive, "invoices.csv")}
    assert numbers == {alices_books["first"].number, alices_books["last"].number}
    assert sorted(n for n in archive.namelist() if n.startswith("pdf/")) == sorted(
        f"pdf/{alices_books[k].number}.pdf" for k in ("first", "last")
    )


def test_quick_picks_last_quarter_and_last_year(alice_client, alices_books):
    response = alice_client.get(URL, {"period": "last_quarter"})
    assert response.status_code == 200
    assert "mijlpaal-books-2026-07-01_2026-09-30.zip" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert len(rows(archive, "invoices.csv")) == 2
    archive = download(alice_client, period="last_year")  # 2025: nothing yet, but every file is there
    assert archive.namelist() == ["invoices.csv", "vat_summary.csv", "payments.csv"]
    assert rows(archive, "invoices.csv") == []


def test_the_page_offers_the_quick_picks_and_the_dates(alice_client):
    response = alice_client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<h1") == 1
    assert 'value="last_quarter"' in page and 'value="last_year"' in page
    assert 'name="date_from"' in page and 'value="2026-07-01"' in page  # last quarter, ready to change
    assert '<label for="id_date_to"' in page


def test_drafts_are_never_exported(alice, alice_client, alices_books):
    draft = Invoice.objects.create(owner=alice, client=alices_books["first"].client)
    InvoiceLine.objects.create(invoice=draft, description="Concept", quantity=1, unit_price=Decimal("5.00"))
    Invoice.objects.filter(pk=draft.pk).update(issue_date=date(2026, 8, 1))  # even one with a date
    archive = download(alice_client, **period(date(2026, 1, 1), date(2026, 12, 31)))
    assert "Concept" not in {r["description"] for r in rows(archive, "invoices.csv")}
    assert len(rows(archive, "invoices.csv")) == 4


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "gisteren", "date_to": "2026-09-30"},
        {"date_from": "2026-02-30", "date_to": "2026-13-01"},
        {"date_from": "2026-09-30", "date_to": "2026-07-01"},
        {"date_from": "1900-01-01", "date_to": "2026-07-01"},
        {"date_from": "", "date_to": ""},
        {"date_from": "2026-07-01"},
        {"period": "every_year_ever"},
        {"period": ["last_quarter", "x"], "date_from": "<script>alert(1)</script>"},
        {"date_from": '"><script>alert(1)</script>', "date_to": "x" * 100_000},
        {"date_from": "2026-07-01\x00", "date_to": "٢٠٢٦-٠٩-٣٠"},
        {"unrelated": "1"},
    ],
)
def test_a_bad_period_shows_the_page_again_with_what_was_typed(alice_client, params):
    response = alice_client.get(URL, params)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page
    assert 'role="alert"' in page
    typed = params.get("date_from")
    if typed and isinstance(typed, str) and "\x00" not in typed:
        assert f'value="{typed.replace("<", "&lt;").replace(">", "&gt;").replace(chr(34), "&quot;")}"' in page


def test_it_answers_only_a_logged_in_get(client, alice_client):
    assert alice_client.post(URL, {"period": "last_quarter"}).status_code == 405
    client.logout()
    response = client.get(URL, {"period": "last_quarter"})
    assert response.status_code == 302 and "login" in response["Location"]


# -- only the freelancer's own ------------------------------------------------------------------


def test_bobs_export_has_nothing_of_alices(alice, bob, client, alices_books):
    BusinessProfileFactory(owner=bob, business_name="Bob Bouwt")
    bobs = sent(
        bob, ClientFactory(owner=bob, name="Garage Bob"), [("Bobs regel", "1", "10.00", "21")], on=date(2026, 8, 3)
    )
    Payment.objects.create(invoice=alices_books["first"], amount=Decimal("1.00"), paid_on=date(2026, 8, 3))
    client.force_login(bob)
    archive = download(client, **period(date(2026, 1, 1), date(2026, 12, 31)))
    assert {r["client_name"] for r in rows(archive, "invoices.csv")} == {"Garage Bob"}
    assert {r["client_name"] for r in rows(archive, "vat_summary.csv")} == {"Garage Bob"}
    assert rows(archive, "payments.csv") == []
    assert archive.namelist()[3:] == [f"pdf/{bobs.number}.pdf", f"ubl/{bobs.number}.xml"]
    everything = b"".join(archive.read(n) for n in archive.namelist() if not n.endswith(".pdf"))
    assert b"Drukkerij Punt" not in everything and b"Juli" not in everything
    assert "Drukkerij" not in pdf_to_text(archive.read(f"pdf/{bobs.number}.pdf"))


# -- spreadsheet safety and escaping ------------------------------------------------------------

HOSTILE_NAME = '=HYPERLINK("http://evil.example","klik") <script>alert("x")</script>, "quoted"; semi'


def test_text_survives_as_typed_and_formulas_are_neutralised(alice, alice_client):
    BusinessProfileFactory(owner=alice)
    hostile = ClientFactory(owner=alice, name=HOSTILE_NAME)
    invoice = sent(
        alice,
        hostile,
        [
            ("+SUM(A1:A9)", "1", "10.00", "21"),
            ("@cmd|' /C calc'!A0", "1", "10.00", "21"),
            ("-2 hours, discount\nsecond line <b>bold</b> & “quotes”", "1", "10.00", "21"),
            ("\tTabbed", "1", "10.00", "21"),
            ("Gewoon werk, 3×", "1", "10.00", "21"),
        ],
        on=date(2026, 8, 1),
    )
    payment = invoice.record_payment(amount=Decimal("5.00"), paid_on=date(2026, 8, 2), actor=alice, reference="=1+2")
    archive = download(alice_client, **period(date(2026, 8, 1), date(2026, 8, 31)))
    lines = rows(archive, "invoices.csv")
    assert [r["description"] for r in lines] == [
        "'+SUM(A1:A9)",
        "'@cmd|' /C calc'!A0",
        "'-2 hours, discount\nsecond line <b>bold</b> & “quotes”",
        "'\tTabbed",
        "Gewoon werk, 3×",
    ]
    assert {r["client_name"] for r in lines} == {"'" + HOSTILE_NAME}
    assert rows(archive, "vat_summary.csv")[0]["client_name"] == "'" + HOSTILE_NAME
    assert rows(archive, "payments.csv")[0]["reference"] == "'=1+2"
    assert rows(archive, "payments.csv")[0]["amount"] == str(payment.amount)
    # Every row has every column: the commas, quotes and newline in the text were quoted.
    assert all(len(r) == len(books_export.INVOICE_COLUMNS) and None not in r for r in lines)


def test_cells_are_neutralised_but_numbers_are_not():
    assert [books_export.text(v) for v in ("=1", "+1", "-1", "@a", "\t1", "\r1", "a=1", "", None)] == [
        "'=1", "'+1", "'-1", "'@a", "'\t1", "'\r1", "a=1", "", "",
    ]  # fmt: skip
    assert books_export.amount(Decimal("-1234.5")) == "-1234.50"
    assert books_export.amount(Decimal("1E+3")) == "1000.00"
    assert books_export.number(Decimal("21.0")) == "21"
    assert books_export.number(Decimal("-0.00")) == "0"


def test_line_vat_adds_up_to_the_invoice_where_rounding_per_line_would_not(alice, alice_client):
    BusinessProfileFactory(owner=alice)
    client = ClientFactory(owner=alice)
    # Three lines of 0.07 at 21%: 0.0147 each rounds to 0.01 (0.03 together), but the invoice's
    # VAT is 21% of 0.21, 0.04: the cent the rounding leaves goes on the rate's last line.
    invoice = sent(alice, client, [(f"Regel {n}", "1", "0.07", "21") for n in range(3)], on=date(2026, 8, 1))
    assert invoice.total_vat == Decimal("0.04")  # 21% of 0.21, where each line alone rounds to 0.01
    lines = rows(download(alice_client, **period(date(2026, 8, 1), date(2026, 8, 1))), "invoices.csv")
    assert [r["line_vat"] for r in lines] == ["0.01", "0.01", "0.02"]


# -- streamed: constant queries and memory ------------------------------------------------------


def copies(template: Invoice, count: int, *, pdf_size: int, first_number: int = 1) -> None:
    """`count` sent invoices like `template`, with its lines, made in batches (no PDF render)."""
    skip = {"id", "number", "public_id", "pdf", "email_id", "payment_reference"}
    fields = {f.attname: getattr(template, f.attname) for f in Invoice._meta.concrete_fields if f.attname not in skip}
    lines = list(template.lines.all())
    for start in range(0, count, 250):
        batch = [
            Invoice(**fields, number=f"2025-{first_number + n:05d}", pdf=os.urandom(pdf_size))
            for n in range(start, min(start + 250, count))
        ]
        made = Invoice.objects.bulk_create(batch)
        InvoiceLine.objects.bulk_create(
            InvoiceLine(
                invoice_id=invoice.pk,
                position=line.position,
                description=line.description,
                quantity=line.quantity,
                unit=line.unit,
                unit_price=line.unit_price,
                vat_percent=line.vat_percent,
            )
            for invoice in made
            for line in lines
        )
        Payment.objects.bulk_create(
            Payment(invoice_id=invoice.pk, amount=Decimal("1.00"), paid_on=template.issue_date) for invoice in made
        )


@pytest.fixture
def template_invoice(alice):
    BusinessProfileFactory(owner=alice)
    return sent(
        alice,
        ClientFactory(owner=alice),
        [("Ontwerp", "12", "85.00", "21"), ("Drukwerk", "100", "0.45", "9")],
        on=date(2026, 8, 1),
    )


def consumed_queries(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params)
        size = sum(len(chunk) for chunk in response.streaming_content)
    assert size > 0
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_invoices(alice_client, template_invoice):
    params = period(date(2026, 8, 1), date(2026, 8, 1))
    copies(template_invoice, 2, pdf_size=1000)
    few = consumed_queries(alice_client, params)
    copies(template_invoice, 15, pdf_size=1000, first_number=100)
    assert consumed_queries(alice_client, params) == few  # 18 invoices: one chunk of documents, still


def test_a_pdf_not_rendered_yet_is_rendered_for_the_export_and_not_stored(alice_client, template_invoice):
    Invoice.objects.filter(pk=template_invoice.pk).update(pdf=None)  # its mail still waits for the worker
    archive = download(alice_client, **period(date(2026, 8, 1), date(2026, 8, 1)))
    pdf = archive.read(f"pdf/{template_invoice.number}.pdf")
    assert pdf.startswith(b"%PDF") and template_invoice.number in pdf_to_text(pdf)
    assert Invoice.objects.get(pk=template_invoice.pk).pdf is None  # the export only reads


def test_ubl_the_standard_cannot_make_is_explained_instead(alice, alice_client):
    BusinessProfileFactory(owner=alice)
    client = ClientFactory(owner=alice, kvk_number="", vat_id="")  # no electronic address for the client
    invoice = sent(alice, client, [("Werk", "1", "100.00", "21")], on=date(2026, 8, 1))
    archive = download(alice_client, **period(date(2026, 8, 1), date(2026, 8, 1)))
    assert f"ubl/{invoice.number}.xml" not in archive.namelist()
    assert "KvK" in archive.read(f"ubl/{invoice.number}.txt").decode()  # the reason, in the request's language


MEMORY_INVOICES = int(os.environ.get("BOOKS_EXPORT_MEMORY_INVOICES", "1000"))
PDF_SIZE = 60_000  # about what an invoice PDF/A-3 with its fonts weighs


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def test_memory_stays_flat_for_thousands_of_invoices(alice_client, template_invoice):
    """1,000 invoices (2,000 lines, 1,000 payments, 60 MB of PDFs): the peak of Python memory
    while the ZIP is made is a few MB, and stays so for more (BOOKS_EXPORT_MEMORY_INVOICES=10000)."""
    copies(template_invoice, MEMORY_INVOICES, pdf_size=PDF_SIZE)
    params = period(date(2026, 8, 1), date(2026, 8, 1))
    rss_before = rss()
    tracemalloc.start()
    started = time.monotonic()
    try:
        response = alice_client.get(URL, params)
        size = 0
        for chunk in response.streaming_content:
            size += len(chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    seconds = time.monotonic() - started
    grown = rss() - rss_before
    print(
        f"\nbooks export: {MEMORY_INVOICES + 1} invoices, ZIP {size / 1e6:.1f} MB in {seconds:.1f} s;"
        f" tracemalloc peak {peak / 1e6:.1f} MB; RSS grew {grown / 1e6:.1f} MB"
    )
    assert size > MEMORY_INVOICES * PDF_SIZE
    assert peak < 8_000_000, f"peak {peak / 1e6:.1f} MB"


@pytest.mark.django_db(transaction=True)
def test_outside_a_test_transaction_it_reads_one_read_only_snapshot(alice, alice_client):
    """The request's own snapshot (repeatable read on PostgreSQL, a read transaction on SQLite),
    as in production; the other tests run inside the test's transaction."""
    BusinessProfileFactory(owner=alice)
    invoice = sent(alice, ClientFactory(owner=alice), [("Werk", "2", "60.00", "21")], on=date(2026, 8, 1))
    invoice.record_payment(amount=Decimal("20.00"), paid_on=date(2026, 8, 5), actor=alice)
    assert not connection.in_atomic_block
    archive = download(alice_client, **period(date(2026, 8, 1), date(2026, 8, 31)))
    assert [r["line_vat"] for r in rows(archive, "invoices.csv")] == ["25.20"]
    assert [r["amount"] for r in rows(archive, "payments.csv")] == ["20.00"]
    assert archive.read(f"pdf/{invoice.number}.pdf") == bytes(Invoice.objects.get(pk=invoice.pk).pdf)
    assert not connection.in_atomic_block  # the snapshot ended with the download
