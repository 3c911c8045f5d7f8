"""The bookkeeper's export: one period's invoices, credit notes and payments as a ZIP, streamed.

What is in it (the columns are documented in the README, "The bookkeeper's export")::

    invoices.csv        one row per invoice line, of every invoice and credit note dated in the period
    vat_summary.csv     one row per invoice and VAT rate: the base and the VAT, as on the invoice
    payments.csv        one row per payment received in the period (on any invoice)
    pdf/<number>.pdf    each invoice and credit note as it was sent
    ubl/<number>.xml    the same as a UBL 2.1 e-invoice (Peppol BIS Billing 3.0); an invoice the
                        standard cannot describe gets ubl/<number>.txt with the reason instead

Drafts are never in it: they have no number and are not part of the books. Invoices and credit
notes count by their invoice date, payments by the day the money was received.

The CSV files are UTF-8 with a byte order mark (Excel then reads the accents right), comma
separated, with ISO dates (2026-07-01) and amounts with a decimal point and no grouping
(-1234.50): what bookkeeping software imports. A credit note's quantities and amounts are
negative. Text that a spreadsheet would take for a formula (a cell starting with = + - @, a
tab or a carriage return) starts with an apostrophe, so opening the file never runs anything.

Memory stays the same for one quarter or ten years: rows are read with
``.iterator(chunk_size=...)``, never into a list, and the ZIP is handed out while it is being
written (zipfile writes data descriptors to a stream it cannot seek). The PDFs come in chunks
of a few invoices; zipfile's list of members (its central directory) waits in a temporary
file, not in memory. The number of queries does not grow with the number of invoices, apart
from one per chunk. Everything is read in one snapshot, so a payment recorded meanwhile is in
every file or in none.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import islice

from django.db import DEFAULT_DB_ALIAS
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from contracts import dutch_law
from contracts.einvoice import EInvoiceUnavailable, ubl
from contracts.einvoice.document import EXEMPT, REVERSE_CHARGE, STANDARD, ZERO_RATED
from contracts.invoices import invoice_pdf
from contracts.models import Invoice, InvoiceLine, Payment
from freelance.lib import countries
from freelance.lib.money import round_money
from freelance.lib.zipstream import NoIndex, Sink, SpilledList, snapshot

CSV_CHUNK = 500  # lines or payments per database round trip
DOCUMENT_CHUNK = 20  # invoices per round trip when their PDFs come along (about 50-100 kB each)
FLUSH_AT = 64 * 1024  # hand out what the ZIP holds once it reaches this many bytes
BOM = "\ufeff"
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")

INVOICE_COLUMNS = [
    "invoice_number",
    "kind",
    "issue_date",
    "delivery_date",
    "due_date",
    "status",
    "credits_invoice",
    "client_name",
    "client_vat_id",
    "client_kvk_number",
    "client_country",
    "line_number",
    "description",
    "quantity",
    "unit",
    "unit_price",
    "vat_rate",
    "line_excl_vat",
    "line_vat",
    "line_incl_vat",
    "reverse_charge",
    "small_business_scheme",
    "currency",
]
VAT_COLUMNS = [
    "invoice_number",
    "kind",
    "issue_date",
    "client_name",
    "client_vat_id",
    "client_country",
    "vat_rate",
    "vat_category",
    "base_excl_vat",
    "vat",
    "reverse_charge",
    "small_business_scheme",
    "invoice_total_incl_vat",
    "currency",
]
PAYMENT_COLUMNS = ["payment_date", "invoice_number", "client_name", "amount", "reference", "currency"]
CURRENCY = "EUR"


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive

    @property
    def slug(self) -> str:
        return f"{self.first.isoformat()}_{self.last.isoformat()}"


# -- cells ------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text(value) -> str:
    """Free text for a spreadsheet: a leading = + - @ (or tab, CR) gets an apostrophe, so
    Excel and LibreOffice show it instead of running it as a formula (OWASP CSV injection)."""
    value = "" if value is None else str(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def amount(value: Decimal) -> str:
    """-1234.50: a point, two decimals, no grouping, never an exponent."""
    return f"{round_money(value):f}"


def number(value: Decimal) -> str:
    """A quantity or rate without needless zeros: 1.5, 21, -3."""
    text_ = f"{value:f}"
    if "." in text_:
        text_ = text_.rstrip("0").rstrip(".")
    return "0" if text_ in ("", "-0") else text_


def day(value: date | None) -> str:
    return value.isoformat() if value else ""


def flag(value: bool) -> str:
    return "1" if value else "0"


def csv_rows(header: list[str], rows: Iterable[list[str]]) -> Iterator[bytes]:
    """The CSV as UTF-8 bytes (with a BOM), a few hundred rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow(row)
        if count % 200 == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


# -- what is in the period ----------------------------------------------------------------------


def sent_in(owner, period: Period) -> Q:
    """The owner's invoices and credit notes dated in the period; never a draft."""
    return Q(owner=owner, issue_date__gte=period.first, issue_date__lte=period.last) & ~Q(status=Invoice.Status.DRAFT)


def lines_in(owner, period: Period) -> QuerySet[InvoiceLine]:
    """Every line with the invoice fields the CSV needs, one query (no PDF bytes)."""
    scope = sent_in(owner, period)
    return (
        InvoiceLine.objects.filter(invoice__in=Invoice.objects.filter(scope).values("pk"))
        .select_related("invoice")
        .only(
            "invoice",
            "position",
            "description",
            "quantity",
            "unit",
            "unit_price",
            "vat_percent",
            *(
                f"invoice__{name}"
                for name in (
                    "number",
                    "kind",
                    "status",
                    "issue_date",
                    "delivery_date",
                    "due_date",
                    "buyer",
                    "reverse_charge",
                    "small_business_scheme",
                    "total",
                )
            ),
        )
        .annotate(credits_number=F("invoice__credits__number"))
        .order_by("invoice__issue_date", "invoice__number", "invoice_id", "position", "pk")
    )


def by_invoice(lines: Iterable[InvoiceLine]) -> Iterator[tuple[Invoice, list[InvoiceLine]]]:
    """Consecutive lines of one invoice together (the query orders them so): one invoice in memory."""
    current, group = None, []
    for line in lines:
        if current is not None and line.invoice_id != current.pk:
            yield current, group
            group = []
        current = line.invoice
        group.append(line)
    if current is not None:
        yield current, group


def totals(invoice: Invoice, lines: list[InvoiceLine]) -> dutch_law.Totals:
    """Base and VAT per rate, computed as the invoice was (VAT once on each rate's sum)."""
    return dutch_law.totals(
        [dutch_law.Line(line.quantity, line.unit_price, line.vat_percent) for line in lines],
        reverse_charge=invoice.reverse_charge,
        small_business_scheme=invoice.small_business_scheme,
    )


def line_vat(invoice: Invoice, lines: list[InvoiceLine], result: dutch_law.Totals) -> dict[int, Decimal]:
    """Each line's share of its rate's VAT: rounded per line, and the cent the rounding leaves
    on the rate's last line, so the lines add up to exactly the VAT on the invoice."""
    shares: dict[int, Decimal] = {}
    last_of_rate: dict[Decimal, InvoiceLine] = {}
    given: dict[Decimal, Decimal] = {}
    for line in lines:
        rate = line.vat_percent
        share = ZERO if result.vat_by_rate[rate] == 0 else round_money(line.amount * rate / HUNDRED)
        shares[line.pk] = share
        given[rate] = given.get(rate, ZERO) + share
        last_of_rate[rate] = line
    for rate, line in last_of_rate.items():
        shares[line.pk] += result.vat_by_rate[rate] - given[rate]
    return shares


def client_of(invoice: Invoice) -> tuple[str, str, str, str]:
    """Name, VAT id, KvK number and country code as frozen on the invoice when it was sent."""
    buyer = invoice.buyer or {}
    country = buyer.get("country", "")
    if not country:  # sent before the address was kept in parts: the printed lines
        address = buyer.get("address") or []
        country = countries.country_code(address[2], default="") if len(address) > 2 else countries.NL
    return buyer.get("name", ""), buyer.get("vat_id", ""), buyer.get("kvk_number", ""), country


def category(invoice: Invoice, rate: Decimal) -> str:
    """The EN 16931 VAT category (UNCL5305), as on the e-invoice: S, Z, AE or E."""
    if invoice.reverse_charge:
        return REVERSE_CHARGE
    if invoice.small_business_scheme:
        return EXEMPT
    return STANDARD if rate > 0 else ZERO_RATED


def invoice_rows(owner, period: Period, chunk_size: int = CSV_CHUNK) -> Iterator[list[str]]:
    for invoice, lines in by_invoice(lines_in(owner, period).iterator(chunk_size=chunk_size)):
        result = totals(invoice, lines)
        vat = line_vat(invoice, lines, result)
        name, vat_id, kvk, country = client_of(invoice)
        for position, line in enumerate(lines, start=1):
            yield [
                text(invoice.number),
                invoice.kind,
                day(invoice.issue_date),
                day(invoice.delivery_date),
                day(invoice.due_date),
                invoice.status,
                text(line.credits_number or ""),
                text(name),
                text(vat_id),
                text(kvk),
                country,
                str(position),
                text(line.description),
                number(line.quantity),
                text(line.unit),
                amount(line.unit_price),
                number(line.vat_percent),
                amount(line.amount),
                amount(vat[line.pk]),
                amount(line.amount + vat[line.pk]),
                flag(invoice.reverse_charge),
                flag(invoice.small_business_scheme),
                CURRENCY,
            ]


def vat_rows(owner, period: Period, chunk_size: int = CSV_CHUNK) -> Iterator[list[str]]:
    for invoice, lines in by_invoice(lines_in(owner, period).iterator(chunk_size=chunk_size)):
        result = totals(invoice, lines)
        name, vat_id, _kvk, country = client_of(invoice)
        for rate in sorted(result.excl_by_rate, reverse=True):
            yield [
                text(invoice.number),
                invoice.kind,
                day(invoice.issue_date),
                text(name),
                text(vat_id),
                country,
                number(rate),
                category(invoice, rate),
                amount(result.excl_by_rate[rate]),
                amount(result.vat_by_rate[rate]),
                flag(invoice.reverse_charge),
                flag(invoice.small_business_scheme),
                amount(invoice.total),
                CURRENCY,
            ]


def payment_rows(owner, period: Period, chunk_size: int = CSV_CHUNK) -> Iterator[list[str]]:
    payments = (
        Payment.objects.filter(invoice__owner=owner, paid_on__gte=period.first, paid_on__lte=period.last)
        .exclude(invoice__status=Invoice.Status.DRAFT)
        .select_related("invoice")
        .only("amount", "paid_on", "reference", "invoice__number", "invoice__buyer")
        .order_by("paid_on", "invoice__number", "pk")
    )
    for payment in payments.iterator(chunk_size=chunk_size):
        yield [
            day(payment.paid_on),
            text(payment.invoice.number),
            text(client_of(payment.invoice)[0]),
            amount(payment.amount),
            text(payment.reference),
            CURRENCY,
        ]


# -- the documents ------------------------------------------------------------------------------


def documents_in(owner, period: Period) -> QuerySet[Invoice]:
    """The period's invoices with what the PDF and the e-invoice need, their PDF bytes included."""
    return (
        Invoice.objects.filter(sent_in(owner, period))
        .select_related("client", "project", "credits")
        .defer("credits__pdf", "credits__seller", "credits__buyer")
        .order_by("issue_date", "number", "pk")
    )


def with_lines(invoices: Iterator[Invoice], size: int) -> Iterator[tuple[Invoice, list[InvoiceLine]]]:
    """Each invoice with its lines: one query for the lines of every `size` invoices.

    Not ``prefetch_related``: it links each line back to its invoice, a reference cycle that
    keeps every invoice's PDF in memory until the garbage collector comes by.
    """
    while chunk := list(islice(invoices, size)):
        lines: dict[int, list[InvoiceLine]] = defaultdict(list)
        for line in InvoiceLine.objects.filter(invoice_id__in=[i.pk for i in chunk]).order_by("position", "pk"):
            lines[line.invoice_id].append(line)
        for invoice in chunk:
            yield invoice, lines[invoice.pk]


def member_name(invoice: Invoice) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", invoice.number).strip("._") or f"invoice-{invoice.pk}"


def pdf_of(invoice: Invoice) -> bytes:
    """The PDF as sent; one that was not rendered yet (its mail is still waiting for the worker)
    is rendered now from the same frozen data, and not stored: the export only reads."""
    if invoice.pdf is not None:
        return bytes(invoice.pdf)
    return invoice_pdf(invoice)


def ubl_of(invoice: Invoice, lines: list[InvoiceLine]) -> tuple[str, bytes]:
    """The UBL e-invoice (``.xml``), or the reason there is none (``.txt``)."""
    try:
        return "xml", ubl.ubl_xml(invoice, lines=lines)
    except EInvoiceUnavailable as refused:
        return "txt", f"{invoice.number}: {refused}\n".encode()


class BooksExport:
    def __init__(
        self,
        owner,
        period: Period,
        *,
        csv_chunk: int = CSV_CHUNK,
        document_chunk: int = DOCUMENT_CHUNK,
        using: str = DEFAULT_DB_ALIAS,
    ) -> None:
        self.owner = owner
        self.period = period
        self.csv_chunk = csv_chunk
        self.document_chunk = document_chunk
        self.using = using
        self.sink = Sink()
        self.zip = zipfile.ZipFile(self.sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        self.zip.filelist = self.members = SpilledList()
        self.zip.NameToInfo = NoIndex()
        self.date_time = timezone.localtime().timetuple()[:6]

    def member(self, name: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        with self.zip.open(info, "w", force_zip64=True) as file:
            for chunk in chunks:
                file.write(chunk)
                if self.sink.size >= FLUSH_AT:
                    yield self.sink.take()
        yield self.sink.take()

    def documents(self) -> Iterator[bytes]:
        invoices = documents_in(self.owner, self.period).iterator(chunk_size=self.document_chunk)
        for invoice, lines in with_lines(invoices, self.document_chunk):
            name = member_name(invoice)
            yield from self.member(f"pdf/{name}.pdf", [pdf_of(invoice)])
            invoice.pdf = None  # the bytes go now, not with the chunk
            extension, content = ubl_of(invoice, lines)
            yield from self.member(f"ubl/{name}.{extension}", [content])

    def stream(self) -> Iterator[bytes]:
        owner, period, chunk = self.owner, self.period, self.csv_chunk
        try:
            with snapshot(self.using):
                yield from self.member("invoices.csv", csv_rows(INVOICE_COLUMNS, invoice_rows(owner, period, chunk)))
                yield from self.member("vat_summary.csv", csv_rows(VAT_COLUMNS, vat_rows(owner, period, chunk)))
                yield from self.member("payments.csv", csv_rows(PAYMENT_COLUMNS, payment_rows(owner, period, chunk)))
                yield from self.documents()
            yield from self.close_zip()
        finally:
            self.members.file.close()

    def close_zip(self) -> Iterator[bytes]:
        """The central directory, written by zipfile in one go, handed out in pieces."""
        yield self.sink.take()
        with tempfile.TemporaryFile() as spill:
            self.sink.spill = spill
            self.zip.close()
            spill.seek(0)
            while chunk := spill.read(FLUSH_AT):
                yield chunk


def stream_books(owner, period: Period, **options) -> Iterator[bytes]:
    """The period's ZIP for the bookkeeper, in pieces (for a StreamingHttpResponse)."""
    return BooksExport(owner, period, **options).stream()
