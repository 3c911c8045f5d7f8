"""The bank import workflow: a statement file in, its money-in lines matched to open invoices.

``import_statement`` reads the file (``statements``), refuses a file of another account than
the business profile's IBAN, and then, in one transaction (the owner's row locked, so two
uploads of one file run one after the other):

- lines whose reference is already stored for this owner and account are skipped; when no
  line is new, nothing at all is recorded and ``NothingNew`` says so;
- each new money-in line in euros is matched to one of this owner's open invoices (sent or
  partly paid) by its structured RF reference (``Invoice.payment_reference``), an RF reference
  in its description, or an invoice number in its description. Exactly one invoice must be
  named: none, or more than one, leaves the line for matching by hand;
- the amount decides: equal to what is open records the payment (matched), less records a
  partial payment (partly matched), more is left for matching by hand. Payments go through
  ``payments.record_payment`` (the invoice's lock, event and status), never by hand;
- money out is listed and never matched.

A refused file records nothing. ``match_by_hand`` and ``ignore`` decide an unmatched line;
both claim the line with a conditional UPDATE first, so a double submit decides once.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts import payments
from contracts.banking.models import BankImport, BankTransaction
from contracts.banking.statements import CREDIT, RF_RE, Line, Statement, StatementRefused, read_statement
from contracts.models import BusinessProfile, Invoice
from freelance.lib.identifiers import format_iban
from freelance.lib.money import exact, format_money
from freelance.lib.rules import RuleViolation, guarded_move

S = BankTransaction.Status
CHUNK = 500  # references per IN (...) query: well under SQLite's limit of variables
NUMBER_TOKEN = re.compile(r"[0-9A-Z][0-9A-Z\-/.]*[0-9A-Z]")


class NothingNew(StatementRefused):
    """Every line of the file was imported before."""


@dataclass
class OpenInvoice:
    pk: int
    number: str
    payment_reference: str
    open_amount: Decimal


@dataclass
class Decision:
    status: str
    invoice: OpenInvoice | None = None
    note: str = ""


def open_invoices(owner) -> list[OpenInvoice]:
    """This owner's invoices that can still be paid, with what is open: one query."""
    rows = payments.with_amounts(
        Invoice.objects.filter(owner=owner, kind=Invoice.Kind.INVOICE, status__in=Invoice.OPEN_STATUSES)
    ).values_list("pk", "number", "payment_reference", "open_amount")
    return [OpenInvoice(pk, number, reference, exact(amount)) for pk, number, reference, amount in rows]


class Matcher:
    """Finds the one open invoice a line names, by reference or number."""

    def __init__(self, invoices: list[OpenInvoice]) -> None:
        self.by_reference = {i.payment_reference: i for i in invoices if i.payment_reference}
        self.by_number = {i.number.upper(): i for i in invoices if i.number}
        self.longest_reference = max((len(ref) for ref in self.by_reference), default=0)

    def named(self, line: Line) -> list[OpenInvoice]:
        if line.structured_reference in self.by_reference:
            return [self.by_reference[line.structured_reference]]
        found: dict[int, OpenInvoice] = {}
        text = line.search_text.upper()
        # RF references are often written in groups of four: look in the text without spaces.
        compact = "".join(text.split())
        for start in (m.start() for m in RF_RE.finditer(compact)):
            for end in range(start + 5, min(start + self.longest_reference, len(compact)) + 1):
                invoice = self.by_reference.get(compact[start:end])
                if invoice is not None:
                    found[invoice.pk] = invoice
        for token in NUMBER_TOKEN.findall(text):
            invoice = self.by_number.get(token) or self.by_number.get(token.rstrip("./"))
            if invoice is not None:
                found[invoice.pk] = invoice
        return list(found.values())

    def decide(self, line: Line, still_open: dict[int, Decimal]) -> Decision:
        if line.direction != CREDIT:
            return Decision(S.OUTGOING)
        if line.reversal:
            return Decision(S.UNMATCHED, note=_("A reversal by the bank: check it by hand."))
        if line.currency != "EUR":
            return Decision(S.UNMATCHED, note=_("Not in euros."))
        named = self.named(line)
        if not named:
            return Decision(S.UNMATCHED, note=_("No open invoice is named in the description."))
        if len(named) > 1:
            return Decision(S.UNMATCHED, note=_("The description names more than one open invoice."))
        invoice = named[0]
        left = still_open[invoice.pk]
        if left <= 0:
            return Decision(S.UNMATCHED, invoice, _("Invoice %(number)s is already paid.") % {"number": invoice.number})
        if line.amount > left:
            return Decision(
                S.UNMATCHED,
                invoice,
                _("More than is open on invoice %(number)s (%(open)s).")
                % {"number": invoice.number, "open": format_money(left)},
            )
        return Decision(S.MATCHED if line.amount == left else S.PARTLY_MATCHED, invoice)


def _lock_owner(owner) -> None:
    get_user_model().objects.select_for_update().filter(pk=owner.pk).first()


def _known_references(owner, iban: str, references: list[str]) -> set[str]:
    known: set[str] = set()
    for i in range(0, len(references), CHUNK):
        known.update(
            BankTransaction.objects.filter(
                owner=owner, account_iban=iban, reference__in=references[i : i + CHUNK]
            ).values_list("reference", flat=True)
        )
    return known


def check_account(owner, statement: Statement) -> None:
    own = BusinessProfile.objects.filter(owner=owner).values_list("iban", flat=True).first() or ""
    if not own:
        raise StatementRefused(
            _("Enter your IBAN in your business settings first: only statements of your own account are imported.")
        )
    if statement.iban != own:
        raise StatementRefused(
            _(
                "This statement is of account %(theirs)s, not of your account %(own)s (your business settings). "
                "Nothing was imported."
            )
            % {"theirs": statement.iban, "own": format_iban(own)}
        )


def import_statement(owner, *, data: bytes, file_name: str, today: date | None = None) -> BankImport:
    """Import a CAMT.053 or MT940 file; ``StatementRefused`` (nothing recorded) when it cannot be."""
    today = today or timezone.localdate()
    statement = read_statement(data)
    check_account(owner, statement)
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        _lock_owner(owner)
        lines, seen = [], set()
        known = _known_references(owner, statement.iban, [line.reference for line in statement.lines])
        for line in statement.lines:
            if line.reference not in known and line.reference not in seen:
                seen.add(line.reference)
                lines.append(line)
        if not lines:
            raise NothingNew(
                _("All %(count)s transactions in this file were imported before: nothing new was recorded.")
                % {"count": len(statement.lines)}
            )
        invoices = open_invoices(owner)
        matcher = Matcher(invoices)
        still_open = {invoice.pk: invoice.open_amount for invoice in invoices}
        decisions = [matcher.decide(line, still_open) for line in lines]
        # The matched invoices as model instances, for the payment workflow: one query.
        targets = Invoice.objects.in_bulk(
            [d.invoice.pk for d in decisions if d.status in (S.MATCHED, S.PARTLY_MATCHED)]
        )
        recorded: dict[int, int] = {}  # line index -> payment pk
        for index, (line, decision) in enumerate(zip(lines, decisions, strict=True)):
            if decision.status not in (S.MATCHED, S.PARTLY_MATCHED):
                continue
            invoice = decision.invoice
            # Two lines may pay one invoice: the second is decided against what the first left.
            decision.status = S.MATCHED if line.amount == still_open[invoice.pk] else S.PARTLY_MATCHED
            if line.amount > still_open[invoice.pk]:
                decision.status, decision.note = (
                    S.UNMATCHED,
                    _("More than is open on invoice %(number)s.") % {"number": invoice.number},
                )
                continue
            try:
                payment = payments.record_payment(
                    targets[invoice.pk],
                    amount=line.amount,
                    paid_on=line.booking_date,
                    actor=owner,
                    reference=line.structured_reference or line.reference[:200],
                    today=today,
                )
            except RuleViolation as refusal:
                decision.status, decision.note = S.UNMATCHED, str(refusal)[:200]
                continue
            still_open[invoice.pk] -= line.amount
            recorded[index] = payment.pk
        counts = dict.fromkeys(S.values, 0)
        for decision in decisions:
            counts[decision.status] += 1
        bank_import = BankImport.objects.create(
            owner=owner,
            file_name=file_name[:255],
            sha256=digest,
            format=statement.format,
            account_iban=statement.iban,
            period_start=statement.period_start,
            period_end=statement.period_end,
            line_count=len(statement.lines),
            new_count=len(lines),
            duplicate_count=len(statement.lines) - len(lines),
            matched_count=counts[S.MATCHED],
            partly_count=counts[S.PARTLY_MATCHED],
            unmatched_count=counts[S.UNMATCHED],
            outgoing_count=counts[S.OUTGOING],
        )
        now = timezone.now()
        BankTransaction.objects.bulk_create(
            [
                BankTransaction(
                    owner=owner,
                    bank_import=bank_import,
                    position=index + 1,
                    account_iban=statement.iban,
                    reference=line.reference,
                    booking_date=line.booking_date,
                    amount=line.amount,
                    direction=line.direction,
                    currency=line.currency or "EUR",
                    counterparty_name=line.counterparty_name,
                    counterparty_iban=line.counterparty_iban,
                    remittance=line.remittance,
                    structured_reference=line.structured_reference,
                    status=decision.status,
                    invoice_id=decision.invoice.pk if decision.invoice and index in recorded else None,
                    payment_id=recorded.get(index),
                    note=decision.note,
                    decided_at=now if index in recorded else None,
                )
                for index, (line, decision) in enumerate(zip(lines, decisions, strict=True))
            ],
            batch_size=1000,
        )
    return bank_import


# -- deciding an unmatched line ---------------------------------------------------------------


def _refused(line: BankTransaction) -> str:
    return _("This line was already %(status)s.") % {"status": line.get_status_display().lower()}


def match_by_hand(line: BankTransaction, invoice: Invoice, *, actor, today: date | None = None):
    """Record an unmatched money-in line as a payment on ``invoice`` (both the actor's).

    The line is claimed first (unmatched → matched): a second click finds it taken and changes
    nothing. If the payment is refused (more than is open, a date before the invoice), the
    claim is rolled back with it and the line stays unmatched.
    """
    if line.owner_id != invoice.owner_id:
        raise ValueError("a line is matched to an invoice of its own owner")
    if not line.is_credit:
        raise RuleViolation(_("Money out is not matched to invoices."))
    with transaction.atomic():
        guarded_move(
            line,
            BankTransaction.DECIDABLE,
            S.MATCHED,
            refused=_refused,
            invoice=invoice,
            decided_by=actor,
            decided_at=timezone.now(),
            note="",
        )
        payment = payments.record_payment(
            invoice,
            amount=line.amount,
            paid_on=line.booking_date,
            actor=actor,
            reference=line.structured_reference or line.reference[:200],
            today=today,
        )
        invoice.refresh_from_db(fields=["status"])
        status = S.MATCHED if invoice.status == Invoice.Status.PAID else S.PARTLY_MATCHED
        BankTransaction.objects.filter(pk=line.pk).update(payment=payment, status=status)
        line.payment, line.status = payment, status
    return payment


def ignore(line: BankTransaction, *, actor) -> None:
    """Set an unmatched line aside (a refund, a gift, a private transfer): it leaves the list."""
    guarded_move(
        line, BankTransaction.DECIDABLE, S.IGNORED, refused=_refused, decided_by=actor, decided_at=timezone.now()
    )
