"""A sent invoice in the terms of EN 16931, read once from its frozen data for both syntaxes.

The business terms (BT-…) are named where they are set. Amounts follow the standard's signs:
a credit note (type 381) states positive amounts, so the app's negative credit-note lines are
turned round; a line with a negative price (a deposit deducted) becomes a negative quantity at
a positive price, because the item price may not be negative (BR-27).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import override

from contracts.einvoice import EInvoiceUnavailable
from contracts.models import Invoice, InvoiceLine
from freelance.lib import countries
from freelance.lib.money import round_money

ZERO = Decimal("0.00")
CURRENCY = "EUR"
SEPA_CREDIT_TRANSFER = "58"
INVOICE = "380"
CREDIT_NOTE = "381"
KVK_SCHEME = "0106"  # ISO 6523 ICD of the Dutch Chamber of Commerce number

# VAT categories (UNCL5305) as EN 16931 uses them.
STANDARD, ZERO_RATED, EXEMPT, REVERSE_CHARGE = "S", "Z", "E", "AE"

# Units (UN/ECE Recommendation 20) for the units the app writes on lines, in both languages.
UNIT_CODES = {"hours": "HUR", "hour": "HUR", "uur": "HUR", "uren": "HUR", "days": "DAY", "day": "DAY", "dag": "DAY"}
ONE = "C62"

DUTCH_POSTCODE = re.compile(r"^(\d{4}\s?[A-Za-z]{2})\s+(.+)$")


@dataclass(frozen=True)
class Party:
    name: str
    street: str
    postcode: str
    city: str
    country: str  # ISO 3166-1 alpha-2, "" when unknown
    kvk_number: str = ""
    vat_id: str = ""
    iban: str = ""
    country_as_typed: str = ""


@dataclass(frozen=True)
class Line:
    id: str
    name: str
    quantity: Decimal
    unit_code: str
    price: Decimal
    net_amount: Decimal
    category: str
    percent: Decimal


@dataclass(frozen=True)
class VatBreakdown:
    category: str
    percent: Decimal
    taxable: Decimal
    tax: Decimal
    exemption_reason: str = ""


@dataclass
class Document:
    type_code: str
    number: str
    issue_date: date
    due_date: date | None
    delivery_date: date | None
    buyer_reference: str
    note: str
    preceding_invoice: str  # BT-25, on a credit note
    seller: Party
    buyer: Party
    lines: list[Line]
    breakdown: list[VatBreakdown]
    payment_reference: str
    language: str
    currency: str = CURRENCY
    payment_means: str = SEPA_CREDIT_TRANSFER
    line_total: Decimal = ZERO
    tax_total: Decimal = ZERO

    @property
    def is_credit_note(self) -> bool:
        return self.type_code == CREDIT_NOTE

    @property
    def tax_inclusive(self) -> Decimal:
        return self.line_total + self.tax_total


# -- parties -------------------------------------------------------------------------------


def party_from_frozen(frozen: dict, *, fallback_country: str) -> Party:
    """The party as frozen on sending; invoices sent before the address was kept in parts
    only have the printed lines ([street, "postcode city", country?]), so those are read."""
    if "country" in frozen:
        return Party(
            name=frozen.get("name", ""),
            street=frozen.get("street", ""),
            postcode=frozen.get("postcode", ""),
            city=frozen.get("city", ""),
            country=frozen.get("country") or "",
            kvk_number=frozen.get("kvk_number", ""),
            vat_id=frozen.get("vat_id", ""),
            iban=frozen.get("iban", ""),
            country_as_typed=frozen.get("country_name", ""),
        )
    lines = list(frozen.get("address") or [])
    street = lines[0] if lines else ""
    postcode, city = "", ""
    if len(lines) > 1:
        match = DUTCH_POSTCODE.match(lines[1].strip())
        if match:
            postcode, city = match.group(1), match.group(2)
        else:
            first, _space, rest = lines[1].strip().partition(" ")
            postcode, city = (first, rest) if rest and any(c.isdigit() for c in first) else ("", lines[1].strip())
    typed = lines[2] if len(lines) > 2 else ""
    country = countries.country_code(typed) if typed else fallback_country
    return Party(
        name=frozen.get("name", ""),
        street=street,
        postcode=postcode,
        city=city,
        country=country,
        kvk_number=frozen.get("kvk_number", ""),
        vat_id=frozen.get("vat_id", ""),
        iban=frozen.get("iban", ""),
        country_as_typed=typed,
    )


# Peppol electronic address schemes (EAS) for a VAT number, by country: the ones Peppol lists.
VAT_SCHEMES = {
    "AT": "9914", "BE": "9925", "BG": "9926", "CH": "9927", "CY": "9928", "CZ": "9929", "DE": "9930",
    "EE": "9931", "ES": "9920", "FR": "9957", "GB": "9932", "GR": "9933", "HR": "9934", "HU": "9910",
    "IE": "9935", "LI": "9936", "LT": "9937", "LU": "9938", "LV": "9939", "MT": "9943", "NL": "9944",
    "PL": "9945", "PT": "9946", "RO": "9947", "SI": "9949", "SK": "9950",
}  # fmt: skip


def endpoint(party: Party) -> tuple[str, str] | None:
    """The party's electronic address (BT-34 / BT-49): its KvK number, else its VAT number."""
    if party.kvk_number:
        return KVK_SCHEME, party.kvk_number
    prefix = party.vat_id[:2].upper()
    prefix = "GR" if prefix == "EL" else prefix
    if party.vat_id and prefix in VAT_SCHEMES:
        return VAT_SCHEMES[prefix], party.vat_id
    return None


# -- the document --------------------------------------------------------------------------


def _category(invoice: Invoice, percent: Decimal) -> tuple[str, Decimal]:
    if invoice.reverse_charge:
        return REVERSE_CHARGE, ZERO
    if invoice.small_business_scheme:
        return EXEMPT, ZERO
    return (STANDARD, percent) if percent > 0 else (ZERO_RATED, ZERO)


def _exemption_reason(category: str) -> str:
    """BT-120, in the invoice's language (call inside ``override``)."""
    if category == REVERSE_CHARGE:
        return _("Reverse charge (btw verlegd)")
    if category == EXEMPT:
        return _("Exempt from VAT under the small-business scheme (KOR, art. 25 Wet OB).")
    return ""


def _quantity(value: Decimal) -> Decimal:
    return value.normalize() if value == value.to_integral() else value


def document_for(invoice: Invoice, invoice_lines: list[InvoiceLine] | None = None) -> Document:
    """The sent invoice as an EN 16931 document; ``EInvoiceUnavailable`` says what is missing.

    ``invoice_lines``: the invoice's lines when the caller already read them (an export of many invoices
    reads them per chunk); otherwise they are read here."""
    if invoice.is_draft:
        raise EInvoiceUnavailable(_("A draft has no e-invoice yet: it is made when the invoice is sent."))
    is_credit_note = invoice.is_credit_note
    sign = Decimal(-1) if is_credit_note else Decimal(1)
    client_country = countries.country_code(invoice.client.country, default=countries.NL)
    seller = party_from_frozen(invoice.seller or {}, fallback_country=countries.NL)
    buyer = party_from_frozen(invoice.buyer or {}, fallback_country=client_country)

    if invoice_lines is None:
        ordered = invoice.lines.order_by("position", "pk")
    else:
        ordered = sorted(invoice_lines, key=lambda line: (line.position, line.pk))
    with override(invoice.language):
        lines: list[Line] = []
        groups: dict[tuple[str, Decimal], Decimal] = defaultdict(lambda: ZERO)
        for position, line in enumerate(ordered, start=1):
            quantity, price = line.quantity * sign, line.unit_price
            if price < 0:
                quantity, price = -quantity, -price
            category, percent = _category(invoice, line.vat_percent)
            net = round_money(quantity * price)
            groups[(category, percent)] += net
            lines.append(
                Line(
                    id=str(position),
                    name=line.description,
                    quantity=_quantity(quantity),
                    unit_code=UNIT_CODES.get(line.unit.strip().casefold(), ONE),
                    price=price,
                    net_amount=net,
                    category=category,
                    percent=percent,
                )
            )
        breakdown = [
            VatBreakdown(
                category=category,
                percent=percent,
                taxable=taxable,
                tax=round_money(taxable * percent / Decimal("100")),
                exemption_reason=_exemption_reason(category),
            )
            for (category, percent), taxable in sorted(groups.items(), key=lambda g: (-g[0][1], g[0][0]))
        ]

    document = Document(
        type_code=CREDIT_NOTE if is_credit_note else INVOICE,
        number=invoice.number,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        delivery_date=invoice.delivery_date,
        buyer_reference=invoice.project.name if invoice.project_id else invoice.number,
        note=invoice.note.strip(),
        preceding_invoice=invoice.credits.number if is_credit_note and invoice.credits_id else "",
        seller=seller,
        buyer=buyer,
        lines=lines,
        breakdown=breakdown,
        payment_reference=invoice.payment_reference or invoice.number,
        language=invoice.language,
        line_total=sum((line.net_amount for line in lines), ZERO),
        tax_total=sum((b.tax for b in breakdown), ZERO),
    )
    _check(invoice, document, sign)
    return document


def _check(invoice: Invoice, document: Document, sign: Decimal) -> None:
    problems = []
    if not document.lines:
        problems.append(_("the invoice has no lines"))
    if document.line_total != invoice.total_excl * sign or document.tax_total != invoice.total_vat * sign:
        problems.append(_("the lines do not add up to the totals that were sent"))
    if not document.seller.iban:
        problems.append(_("your IBAN (business profile), so the client knows where to pay"))
    if not (document.seller.street and document.seller.postcode and document.seller.city):
        problems.append(_("your address (business profile)"))
    if not document.seller.vat_id:
        # BR-E-2, BR-Z-2, BR-S-2: every VAT category needs the seller's VAT identifier.
        problems.append(_("your VAT id (business profile): e-invoices need it, also under the KOR"))
    if not document.buyer.country:
        problems.append(
            _("a country the e-invoice knows for the client (now “%(country)s”), such as Belgium or BE")
            % {"country": document.buyer.country_as_typed or invoice.client.country}
        )
    if not document.buyer.city:
        problems.append(_("the client's address"))
    if invoice.reverse_charge and not document.buyer.vat_id:
        problems.append(_("the client's VAT id (required for reverse charge)"))
    if problems:
        raise EInvoiceUnavailable(_("The e-invoice needs: %(missing)s.") % {"missing": "; ".join(problems)})


def amount(value: Decimal) -> str:
    """An amount with two decimals (BR-DEC-*)."""
    return f"{round_money(value):.2f}"


def decimal(value: Decimal) -> str:
    """A quantity, price or percentage without needless zeros and never in exponent form."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
