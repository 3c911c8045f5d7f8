"""Shared by the bank import tests and the benchmark: the test files, alice's open invoices,
and a CAMT.053 statement of any size written from the published message structure."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

FILES = Path(__file__).parent / "files"
ALICE_IBAN = "NL91ABNA0417164300"
BOB_IBAN = "NL20INGB0001234567"


def statement_file(name: str) -> bytes:
    return (FILES / name).read_bytes()


def sent_invoices(owner, prices: list[Decimal]):
    """One sent invoice per price (21% VAT on top), numbered 2026-0001 onwards in this order."""
    from contracts import invoices
    from tests.factories import billable_project

    sent = []
    for price in prices:
        _project, phase = billable_project(owner, price=price)
        sent.append(invoices.issue(invoices.draft_for_phase(phase), actor=owner, send=False))
    return sent


def camt053(
    iban: str, entries: list[dict], *, start: date, end: date, opening: Decimal = Decimal("0.00"), message_id="GEN-1"
) -> bytes:
    """A camt.053.001.02 document with one statement; each entry is a dict with ``ref``,
    ``amount`` (Decimal), ``credit`` (bool), ``day`` (date) and optionally ``name``, ``iban``,
    ``text`` (unstructured) and ``rf`` (structured reference)."""
    closing = opening + sum((e["amount"] if e["credit"] else -e["amount"] for e in entries), Decimal("0"))
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
        f"<BkToCstmrStmt><GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>{end.isoformat()}T06:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>{message_id}</Id><CreDtTm>{end.isoformat()}T06:00:00</CreDtTm>"
        f"<FrToDt><FrDtTm>{start.isoformat()}T00:00:00</FrDtTm><ToDtTm>{end.isoformat()}T23:59:59</ToDtTm></FrToDt>"
        f"<Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        f"{_balance('OPBD', opening, start)}{_balance('CLBD', closing, end)}"
    ]
    for e in entries:
        party, account = ("Dbtr", "DbtrAcct") if e["credit"] else ("Cdtr", "CdtrAcct")
        remittance = ""
        if e.get("text"):
            remittance += f"<Ustrd>{escape(e['text'])}</Ustrd>"
        if e.get("rf"):
            remittance += (
                "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr></Tp>"
                f"<Ref>{e['rf']}</Ref></CdtrRefInf></Strd>"
            )
        out.append(
            f'<Ntry><Amt Ccy="EUR">{e["amount"]}</Amt><CdtDbtInd>{"CRDT" if e["credit"] else "DBIT"}</CdtDbtInd>'
            f"<Sts>BOOK</Sts><BookgDt><Dt>{e['day'].isoformat()}</Dt></BookgDt>"
            f"<ValDt><Dt>{e['day'].isoformat()}</Dt></ValDt><AcctSvcrRef>{e['ref']}</AcctSvcrRef>"
            "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
            "<NtryDtls><TxDtls>"
            f"<RltdPties><{party}><Nm>{escape(e.get('name', 'Klant B.V.'))}</Nm></{party}>"
            f"<{account}><Id><IBAN>{e.get('iban', 'NL02RABO0123456789')}</IBAN></Id></{account}></RltdPties>"
            f"<RmtInf>{remittance}</RmtInf></TxDtls></NtryDtls></Ntry>"
        )
    out.append("</Stmt></BkToCstmrStmt></Document>\n")
    return "".join(out).encode()


def _balance(code: str, amount: Decimal, day: date) -> str:
    indicator = "CRDT" if amount >= 0 else "DBIT"
    return (
        f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{abs(amount)}</Amt>'
        f"<CdtDbtInd>{indicator}</CdtDbtInd><Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>"
    )


def large_statement(iban: str, invoices: list[tuple[str, str, Decimal]], count: int, *, end: date) -> bytes:
    """``count`` entries over the year before ``end``: each open invoice (number, RF, total) paid
    once (a third by RF, a third by number in the text, a third half paid), the rest unmatched
    money in and money out."""
    start = end - timedelta(days=364)
    entries = []
    for i, (number, rf, total) in enumerate(invoices):
        entry = {"ref": f"BENCH-{i:08d}", "credit": True, "day": end, "amount": total}
        if i % 3 == 0:
            entry["rf"] = rf
        elif i % 3 == 1:
            entry["text"] = f"Factuur {number} dank u wel"
        else:
            entry["text"] = f"Deel van factuur {number}"
            entry["amount"] = (total / 2).quantize(Decimal("0.01"))
        entries.append(entry)
    for i in range(len(invoices), count):
        day = start + timedelta(days=i % 365)
        entries.append(
            {
                "ref": f"BENCH-{i:08d}",
                "credit": i % 2 == 0,
                "day": day,
                "amount": Decimal(10 + i % 500) + Decimal("0.25"),
                "text": f"Omschrijving {i} zonder factuurnummer",
                "name": f"Tegenpartij {i % 97}",
            }
        )
    return camt053(iban, entries, start=start, end=end, message_id="BENCH-10000")
