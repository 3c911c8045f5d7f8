"""Invoices that get paid faster: the structured payment reference, the EPC payment QR, the
payment link, and the invoice's public "is this invoice genuine?" address.

Payment reference
    An ISO 11649 creditor reference ("RF" + 2 check digits + up to 21 letters or digits),
    made from the invoice number: invoice 2026-0007 pays with RF63 2026 0007. Stored compact
    (``RF6320260007``), printed in groups of four. The check digits are the IBAN rule,
    mod 97 = 1, so a bank refuses a mistyped reference. Set when the invoice is sent; a credit
    note gets none (nothing is paid on it), nor does a number with no room in 21 characters.

EPC QR (EPC069-12 version 002, "SEPA credit transfer")
    The lines BCD / 002 / 1 (UTF-8) / SCT / BIC (left empty: optional in version 002) /
    beneficiary name (at most 70) / IBAN / EUR<amount> / purpose (empty) / the RF reference,
    or else the invoice number as unstructured remittance; at most 331 bytes; error correction
    level M. Only for a sent invoice (not a credit note, not a draft) with a valid IBAN and a
    total above zero: a draft has no number and may still change, so its preview shows no
    code that could be paid with. The invoice mail carries the same code as a PNG
    (``email_qr_attachment``), shown inline in its HTML body as ``cid:<filename>``.

Payment link
    Optional, made by the freelancer with their own payment provider; only http(s).
"""

from __future__ import annotations

import io
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

import segno
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from freelance.lib.identifiers import validate_iban

# -- ISO 11649 creditor reference -----------------------------------------------------------

RF_PREFIX = "RF"
RF_MAX_BODY = 21  # 25 characters in all
_RF_RE = re.compile(r"RF[0-9]{2}[0-9A-Z]{1,21}")
RF_MESSAGE = _("Enter a structured payment reference such as RF18539007547034.")
RF_CHECKSUM_MESSAGE = _("This payment reference has a typo: its check digits do not match.")


def _as_digits(text: str) -> int:
    """Letters become numbers (A=10 … Z=35), as for an IBAN."""
    return int("".join(str(int(char, 36)) for char in text))


def creditor_reference(base: str) -> str:
    """The RF reference for ``base`` (its letters and digits; other characters are dropped).

    "" when nothing is left or more than 21 characters are: then there is no structured reference.
    """
    body = "".join(char for char in base.upper() if char.isascii() and char.isalnum())
    if not body or len(body) > RF_MAX_BODY:
        return ""
    check = 98 - _as_digits(body + RF_PREFIX + "00") % 97
    return f"{RF_PREFIX}{check:02d}{body}"


def is_valid_creditor_reference(value: object) -> bool:
    if not isinstance(value, str) or _RF_RE.fullmatch(value) is None:
        return False
    return _as_digits(value[4:] + value[:4]) % 97 == 1


def validate_creditor_reference(value: str) -> None:
    """A compact RF reference (no spaces, upper case) whose check digits match."""
    if not isinstance(value, str) or _RF_RE.fullmatch(value) is None:
        raise ValidationError(RF_MESSAGE, code="rf_reference")
    if not is_valid_creditor_reference(value):
        raise ValidationError(RF_CHECKSUM_MESSAGE, code="rf_checksum")


def format_creditor_reference(value: str) -> str:
    """For print: groups of four, ``RF18 5390 0754 7034``."""
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


def payment_reference(invoice, number: str) -> str:
    """The reference an invoice is paid with, set when it is sent as ``number``. None for a credit note."""
    if invoice.is_credit_note:
        return ""
    return creditor_reference(number)


# -- EPC QR ---------------------------------------------------------------------------------

EPC_MAX_BYTES = 331
EPC_MAX_NAME = 70
EPC_MAX_TEXT = 140
EPC_MIN_AMOUNT = Decimal("0.01")
EPC_MAX_AMOUNT = Decimal("999999999.99")
# Line and paragraph separators, tabs and other control characters would start a new field.
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _field(value: str, limit: int) -> str:
    """One line of the payload: no control characters, single spaces, at most ``limit`` characters."""
    value = _CONTROL_RE.sub(" ", unicodedata.normalize("NFC", value or ""))
    return " ".join(value.split())[:limit].strip()


def epc_payload(*, name: str, iban: str, amount: Decimal, reference: str = "", text: str = "") -> str:
    """The EPC069-12 (version 002) payload of a SEPA credit transfer of ``amount`` euros.

    ``reference`` (a valid RF reference) goes in the structured field; without it ``text``
    goes in the unstructured one. Raises ValueError when the transfer cannot be encoded.
    """
    name = _field(name, EPC_MAX_NAME)
    if not name:
        raise ValueError("the beneficiary's name is required")
    try:
        validate_iban(iban)
    except ValidationError:
        raise ValueError("not a valid IBAN") from None
    try:
        amount = Decimal(amount).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError("not an amount") from None
    if not EPC_MIN_AMOUNT <= amount <= EPC_MAX_AMOUNT:
        raise ValueError("the amount must be between 0.01 and 999999999.99")
    if reference and not is_valid_creditor_reference(reference):
        raise ValueError("not a valid RF reference")
    lines = [
        "BCD",  # service tag
        "002",  # version: the BIC is optional
        "1",  # character set: UTF-8
        "SCT",  # SEPA credit transfer
        "",  # BIC
        name,
        iban,
        f"EUR{amount}",
        "",  # purpose
        reference,
        "" if reference else _field(text, EPC_MAX_TEXT),
    ]
    while lines[-1] == "":
        lines.pop()
    payload = "\n".join(lines)
    if len(payload.encode()) > EPC_MAX_BYTES:
        raise ValueError(f"the payload is longer than {EPC_MAX_BYTES} bytes")
    return payload


def qr_code(data: str):
    """A QR code at error correction level M exactly (segno would otherwise raise it where it fits)."""
    return segno.make(data, error="m", boost_error=False, micro=False, encoding="utf-8")


def qr_data_uri(data: str) -> str:
    """The code as a PNG data URI of four pixels per module, with the standard quiet zone of
    four modules. The PDF scales it with ``image-rendering: pixelated`` (no interpolation, sharp
    module edges). Four pixels, not one: Poppler smooths any image it scales up less than four
    times, and a 20 mm code at 200 dpi would blur. Not eight: the PNG's pixels cost encoding
    and embedding time on every render (0.23 s to 0.22 s for the whole invoice). As a PNG, not
    an SVG path: WeasyPrint parses and draws a path module by module (six times slower)."""
    return qr_code(data).png_data_uri(scale=4, border=4, dark="#000", light="#fff")


# The payment QR as a PNG in the invoice mail, shown in its HTML body (``cid:<filename>``).
EMAIL_QR_FILENAMES = {"nl": "betaal-qr.png"}
EMAIL_QR_FILENAME = "payment-qr.png"
EMAIL_QR_PIXELS = 240  # at least this wide, quiet zone included: 240-308 px over every EPC payload size


def qr_png(data: str, *, pixels: int = EMAIL_QR_PIXELS) -> bytes:
    """The code as a PNG at least ``pixels`` wide (whole pixels per module), quiet zone of four modules."""
    code = qr_code(data)
    width, _height = code.symbol_size(scale=1, border=4)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=-(-pixels // width), border=4, dark="#000", light="#fff")
    return buffer.getvalue()


def email_qr_filename(language: str) -> str:
    return EMAIL_QR_FILENAMES.get(language, EMAIL_QR_FILENAME)


def email_qr_attachment(invoice) -> tuple[str, bytes, str] | None:
    """The invoice mail's inline QR attachment, or None when the invoice gets no payment QR."""
    payload = invoice_epc_payload(invoice, seller=invoice.seller or {}, total=invoice.total)
    if not payload:
        return None
    return email_qr_filename(invoice.language), qr_png(payload), "image/png"


def invoice_epc_payload(invoice, *, seller: dict, total: Decimal) -> str:
    """The payload for a sent invoice, or "" when it gets no payment QR (see the module docstring)."""
    if invoice.is_draft or invoice.is_credit_note or total is None or total <= 0:
        return ""
    try:
        return epc_payload(
            name=seller.get("name", ""),
            iban=seller.get("iban", ""),
            amount=total,
            reference=invoice.payment_reference,
            text=invoice.number,
        )
    except ValueError:
        return ""


# -- payment link ---------------------------------------------------------------------------

PAYMENT_LINK_MESSAGE = _("Enter a web address that starts with https:// (or http://), such as https://pay.example.nl/…")
_url_validator = URLValidator(schemes=["http", "https"], message=PAYMENT_LINK_MESSAGE)


def validate_payment_link(value: str) -> None:
    """Only an http(s) web address: never javascript:, data: or any other scheme."""
    if not isinstance(value, str) or urlsplit(value).scheme.lower() not in ("http", "https"):
        raise ValidationError(PAYMENT_LINK_MESSAGE, code="payment_link")
    _url_validator(value)


def safe_payment_link(value: str) -> str:
    """The link if it is an http(s) address, else "": what reaches a PDF or a mail."""
    try:
        validate_payment_link(value)
    except ValidationError:
        return ""
    return value


class PaymentLinkField(forms.URLField):
    """The draft form's payment link: one clear message for anything but an http(s) address."""

    default_validators = [validate_payment_link]

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("assume_scheme", "https")
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Payment link"))
        kwargs.setdefault(
            "help_text",
            _("Optional: a link to pay this invoice, made with your own payment provider. Printed on the invoice."),
        )
        super().__init__(**kwargs)
        self.error_messages["invalid"] = PAYMENT_LINK_MESSAGE


# -- the public "is this invoice genuine?" address -------------------------------------------


def verify_url(invoice) -> str:
    """The absolute address of the invoice's public check page, or "" before it is sent."""
    if not invoice.public_id:
        return ""
    return settings.SITE_URL.rstrip("/") + reverse("contracts:invoice_verify", args=[invoice.public_id])


# -- what the PDF and the mail show ----------------------------------------------------------


def pdf_payment_context(invoice, *, seller: dict, total: Decimal) -> dict:
    """The ``payment`` block of the invoice PDF (templates/pdf/_invoice_payment.html)."""
    payload = invoice_epc_payload(invoice, seller=seller, total=total)
    url = verify_url(invoice) if not invoice.is_draft else ""
    return {
        "qr": qr_data_uri(payload) if payload else "",
        "reference": format_creditor_reference(invoice.payment_reference) if invoice.payment_reference else "",
        "link": safe_payment_link(invoice.payment_link) if not invoice.is_credit_note else "",
        "verify_url": url,
        "verify_qr": qr_data_uri(url) if url else "",
    }


def email_payment_context(invoice) -> dict:
    """What the invoice mail adds: the reference, the payment link and the check address."""
    return {
        "payment_reference": (
            format_creditor_reference(invoice.payment_reference) if invoice.payment_reference else ""
        ),
        "payment_link": safe_payment_link(invoice.payment_link) if not invoice.is_credit_note else "",
        "verify_url": verify_url(invoice),
        # The PDF carries the QR code; the HTML mail shows it too (email_qr_attachment, inline).
        "payment_qr": bool(invoice_epc_payload(invoice, seller=invoice.seller or {}, total=invoice.total)),
    }
