"""One rule for the business identifiers on contracts and invoices: KvK number, VAT id, IBAN.

Use them in two steps, as forms and models do: first normalise what the person typed
(``normalise_identifier`` for a KvK number, ``normalise_vat_id`` or ``normalise_identifier``
for a VAT id, ``normalise_iban``), then run the validator on the result. The validators check
the *normalised* value and refuse spaces, dots, dashes and lower case, so a value that passes
is what is stored and printed.

The rules, and why:

KvK number
    Exactly 8 digits (0-9), nothing else. A KvK number is a sequence number in the
    Handelsregister with no check digit, and python-stdnum (2.2) has no ``nl.kvk`` module. So
    any 8 digits are accepted; a typo can only be caught by looking the number up in the
    Handelsregister, which we do not do.

VAT id
    An EU VAT id (``EL`` for Greece, ``XI`` for Northern Ireland): the country code, then the
    number, which must pass that country's own format and check-digit rule in
    ``stdnum.eu.vat``. For Dutch ids that is either the old form (a BSN that passes the
    11-test) or the btw-id issued since 2020 (mod 97 over ``NL`` + the number, as in an IBAN).
    Ids from outside the EU (GB, CH, NO, …) are refused: a VAT id only matters here for the
    EU reverse charge ("btw verlegd"), which needs a valid EU id. Nothing is looked up online
    (no VIES call): a well-formed id with correct check digits may still not be registered.
    A form stdnum accepts with leading zeros left off (``BE697449992``) passes too;
    ``normalise_vat_id`` adds them. Note that made-up ids such as ``NL123456789B01`` fail the
    check; ``NL000099998B57`` is the tax office's own test id and passes.

IBAN
    ISO 13616, through ``stdnum.iban``: the mod-97 check digits, a known country, and the
    length and layout of that country's account number. Not the extra national checks
    (``check_country=False``): for Belgium those look the bank up in a registry bundled with
    stdnum, which goes stale and then refuses real accounts; the mod-97 check already catches
    almost every typo. Stored in the compact electronic form, ``NL91ABNA0417164300``; print it
    in groups of four with ``format_iban``.

The messages for KvK numbers, VAT ids and IBANs keep the wording (msgids) they had in
``projects/models.py`` and ``contracts/invoice_forms.py``, so the Dutch catalogue still
applies; the VAT checksum and non-EU messages are new.

Every validator refuses oversized, non-ASCII or markup input with its format message, without
echoing the input back.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import iban as stdnum_iban
from stdnum.eu import vat as stdnum_vat
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumValidationError

# Nothing valid is anywhere near this long; longer input is refused before any parsing.
MAX_IDENTIFIER_LENGTH = 64

KVK_RE = re.compile(r"[0-9]{8}")
# The shape before the country rule: two letters, then 2-13 characters (Irish ids may hold + or *).
VAT_RE = re.compile(r"[A-Z]{2}[0-9A-Z+*]{2,13}")
IBAN_RE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}")

# The VAT prefixes of the EU member states: ISO codes, except EL for Greece; XI is Northern Ireland.
EU_VAT_PREFIXES = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI",
    }
)  # fmt: skip

# What people type or paste between the characters: whitespace (also no-break and zero-width
# spaces), dots, and hyphens or dashes of any kind.
_SEPARATORS_RE = re.compile(r"[\s.\-\u00ad\u2010-\u2015\u2212\u200b-\u200d\u2060\ufeff]")

KVK_MESSAGE = _("A KvK number has exactly 8 digits, for example 12345678.")
VAT_MESSAGE = _("Enter a VAT id such as NL123456789B01: the country code, then the number, without spaces.")
VAT_COUNTRY_MESSAGE = _("Enter a VAT id from an EU country: it starts with the country code, such as NL, BE or DE.")
VAT_CHECKSUM_MESSAGE = _("This VAT id has a typo: its check digits do not match.")
IBAN_MESSAGE = _("Enter an IBAN such as NL91ABNA0417164300.")
IBAN_CHECKSUM_MESSAGE = _("This IBAN has a typo: its check digits do not match.")


def normalise_identifier(value: str | None) -> str:
    """What people type, as stored: no spaces, dots or dashes, upper case.

    ``" 1234 5678 "`` becomes ``12345678`` and ``"nl 0000.99998 b57"`` becomes ``NL000099998B57``.
    Full-width digits and letters (NFKC) become plain ASCII. Nothing else is changed, so an
    invalid value stays invalid and the validator explains why.
    """
    if not value:
        return ""
    return _SEPARATORS_RE.sub("", unicodedata.normalize("NFKC", value)).upper()


def normalise_vat_id(value: str | None) -> str:
    """``normalise_identifier``, then the country's own compact form where stdnum knows one.

    That adds the zeros people leave off: ``BE 697.449.992`` becomes ``BE0697449992``. The
    validator accepts both forms; this one is what the tax office prints.
    """
    value = normalise_identifier(value)
    if len(value) > MAX_IDENTIFIER_LENGTH or value[:2] not in EU_VAT_PREFIXES:
        return value
    try:
        return stdnum_vat.compact(value)
    except (StdnumValidationError, ValueError):
        return value


def normalise_iban(value: str | None) -> str:
    """An IBAN in the compact electronic form: ``nl91 abna 0417 1643 00`` -> ``NL91ABNA0417164300``."""
    return normalise_identifier(value)


def format_iban(value: str) -> str:
    """A valid IBAN in groups of four for print: ``NL91 ABNA 0417 1643 00``."""
    return stdnum_iban.format(value)


def _is_plain(value: object, pattern: re.Pattern[str]) -> bool:
    return isinstance(value, str) and len(value) <= MAX_IDENTIFIER_LENGTH and pattern.fullmatch(value) is not None


def validate_kvk_number(value: str) -> None:
    """Exactly 8 ASCII digits. There is no check digit to test (see the module docstring)."""
    if not _is_plain(value, KVK_RE):
        raise ValidationError(KVK_MESSAGE, code="kvk")


def validate_vat_id(value: str) -> None:
    """A normalised EU VAT id whose country's check digits match (``stdnum.eu.vat``)."""
    if not _is_plain(value, VAT_RE):
        raise ValidationError(VAT_MESSAGE, code="vat_id")
    if value[:2] not in EU_VAT_PREFIXES:
        raise ValidationError(VAT_COUNTRY_MESSAGE, code="vat_id_country")
    try:
        stdnum_vat.validate(value)
    except InvalidChecksum:
        raise ValidationError(VAT_CHECKSUM_MESSAGE, code="vat_id_checksum") from None
    except (StdnumValidationError, ValueError):
        raise ValidationError(VAT_MESSAGE, code="vat_id") from None


def validate_iban(value: str) -> None:
    """A normalised IBAN: mod-97 check digits, a known country and that country's layout."""
    if not _is_plain(value, IBAN_RE):
        raise ValidationError(IBAN_MESSAGE, code="iban")
    try:
        stdnum_iban.validate(value, check_country=False)
    except InvalidChecksum:
        raise ValidationError(IBAN_CHECKSUM_MESSAGE, code="iban_checksum") from None
    except (StdnumValidationError, ValueError):
        raise ValidationError(IBAN_MESSAGE, code="iban") from None
