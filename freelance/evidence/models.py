"""The evidence ledger: one append-only entry per client decision, chained per freelancer.

How an entry is computed, and how a third party re-checks it, is in ``chain.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from freelance.lib.rules import AppendOnly


class EvidenceEntry(AppendOnly):
    """A decision's place in its freelancer's chain: the hash of the row, linked to the one before."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveIntegerField(_("number in the chain"))
    model = models.CharField(_("kind of evidence"), max_length=100)  # "projects.acceptance"
    object_id = models.PositiveBigIntegerField(_("evidence row"))
    fields = models.JSONField(_("fields covered"))  # the row's columns (and related lookups) in row_hash
    row_hash = models.CharField(_("SHA-256 of the row"), max_length=64)
    previous_hash = models.CharField(_("previous chain hash"), max_length=64)
    chain_hash = models.CharField(_("chain hash"), max_length=64, unique=True)
    issuer_name = models.CharField(_("issued for"), max_length=200)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("evidence chain entry")
        verbose_name_plural = _("evidence chain entries")
        ordering = ["owner", "seq"]
        constraints = [
            models.UniqueConstraint("owner", "seq", name="evidence_entry_seq_unique_per_owner"),
            models.UniqueConstraint("model", "object_id", name="evidence_row_chained_once"),
            models.CheckConstraint(condition=Q(seq__gte=1), name="evidence_entry_seq_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.model} #{self.object_id} (seq {self.seq})"
