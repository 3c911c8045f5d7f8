"""An imported bank statement file and its lines.

``BankImport`` is the record of one file: who imported it, its name and SHA-256, the account
and period, and what the import found (written once, in the import's transaction).

``BankTransaction`` is one line of a statement, as the bank booked it. The bank's facts (date,
amount, direction, parties, remittance, reference) are evidence and never change: ``save``
refuses to update a stored line. What changes is the decision about it, and only through
guarded moves (a conditional UPDATE from ``unmatched``): matched or partly matched to an
invoice with the payment it recorded, or ignored, with who decided and when. The reference
is unique per freelancer and account, so a line imported twice is recorded once.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from freelance.lib.rules import RuleViolation


class BankImport(models.Model):
    class Format(models.TextChoices):
        CAMT053 = "camt.053", "CAMT.053"
        MT940 = "mt940", "MT940"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bank_imports")
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    format = models.CharField(_("format"), max_length=10, choices=Format)
    account_iban = models.CharField(_("account IBAN"), max_length=34)
    period_start = models.DateField(_("statement from"), null=True, blank=True)
    period_end = models.DateField(_("statement to"), null=True, blank=True)
    # What the import found: lines in the file, new ones, already imported ones, and the outcome.
    line_count = models.PositiveIntegerField(_("lines in the file"), default=0)
    new_count = models.PositiveIntegerField(_("new lines"), default=0)
    duplicate_count = models.PositiveIntegerField(_("lines imported before"), default=0)
    matched_count = models.PositiveIntegerField(_("matched"), default=0)
    partly_count = models.PositiveIntegerField(_("partly matched"), default=0)
    unmatched_count = models.PositiveIntegerField(_("unmatched"), default=0)
    outgoing_count = models.PositiveIntegerField(_("money out"), default=0)
    created_at = models.DateTimeField(_("imported"), default=timezone.now)

    class Meta:
        verbose_name = _("bank import")
        verbose_name_plural = _("bank imports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["owner", "sha256"], name="bankimport_owner_sha")]

    def __str__(self) -> str:
        return self.file_name


class BankTransaction(models.Model):
    class Direction(models.TextChoices):
        CREDIT = "credit", _("Money in")
        DEBIT = "debit", _("Money out")

    class Status(models.TextChoices):
        MATCHED = "matched", _("Matched")
        PARTLY_MATCHED = "partly_matched", _("Partly matched")
        UNMATCHED = "unmatched", _("Unmatched")
        IGNORED = "ignored", _("Ignored")
        OUTGOING = "outgoing", _("Money out (not matched)")

    # What a line may still become: only an unmatched line is matched by hand or ignored.
    DECIDABLE = (Status.UNMATCHED,)
    # The decision about a line; everything else is the bank's and never changes.
    DECISION_FIELDS = frozenset({"status", "invoice", "payment", "note", "decided_by", "decided_at"})

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bank_transactions")
    bank_import = models.ForeignKey(
        BankImport, on_delete=models.CASCADE, related_name="transactions", verbose_name=_("import")
    )
    position = models.PositiveIntegerField(_("line in the file"))
    account_iban = models.CharField(_("account IBAN"), max_length=34)
    reference = models.CharField(_("bank reference"), max_length=100)
    booking_date = models.DateField(_("booked on"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    direction = models.CharField(_("in or out"), max_length=6, choices=Direction)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    counterparty_name = models.CharField(_("counterparty"), max_length=140, blank=True)
    counterparty_iban = models.CharField(_("counterparty IBAN"), max_length=34, blank=True)
    remittance = models.TextField(_("description"), blank=True)
    structured_reference = models.CharField(_("payment reference"), max_length=35, blank=True)
    status = models.CharField(_("status"), max_length=14, choices=Status, default=Status.UNMATCHED)
    invoice = models.ForeignKey(
        "contracts.Invoice",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bank_transactions",
        verbose_name=_("invoice"),
    )
    payment = models.ForeignKey(
        "contracts.Payment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bank_transactions",
        verbose_name=_("payment"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("bank transaction")
        verbose_name_plural = _("bank transactions")
        ordering = ["bank_import", "position"]
        indexes = [models.Index(fields=["owner", "status", "booking_date"], name="banktx_owner_status_date")]
        constraints = [
            models.UniqueConstraint("owner", "account_iban", "reference", name="bank_transaction_once"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="bank_transaction_amount_positive"),
            models.CheckConstraint(
                condition=Q(direction="credit") | ~Q(status__in=["matched", "partly_matched"]),
                name="only_money_in_is_matched",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booking_date} {self.amount} {self.reference}"

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        if (
            self.pk is not None
            and not kwargs.get("force_insert")
            and (update_fields is None or not set(update_fields) <= self.DECISION_FIELDS)
        ):
            raise RuleViolation(_("A bank statement line is kept as the bank booked it."))
        super().save(*args, **kwargs)

    @property
    def is_credit(self) -> bool:
        return self.direction == self.Direction.CREDIT

    @property
    def signed_amount(self) -> Decimal:
        return self.amount if self.is_credit else -self.amount
