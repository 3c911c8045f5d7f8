"""Evidence of what a client decided through an emailed link, defined once.

Who (the contact the single-use link went to), what exactly they saw (a canonical
snapshot and its SHA-256), and when and from where (time, IP address and browser of the
view and of the decision). ``Acceptance``, ``ChangeDecision`` and ``ContractAcceptance``
all build on ``ClientEvidence`` and fill it with ``evidence_fields``.

Every row is inserted in one transaction with its place in the freelancer's evidence
chain: ``save()`` sends ``recorded`` inside that transaction, and ``freelance.evidence``
appends the row to the owner's hash chain there (``freelance/evidence/chain.py``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django.db import models, transaction
from django.dispatch import Signal
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from freelance.lib.rules import AppendOnly


@dataclass(frozen=True)
class Meta:
    """The decision's request: when, from which IP address, with which browser."""

    at: datetime
    ip: str
    user_agent: str


# Sent by ClientEvidence.save() inside the transaction that inserts the row (instance=).
# freelance.evidence chains the row there; a failure rolls the decision back with it.
recorded = Signal()


class SnapshotChanged(Exception):
    """What the client saw is no longer what would be recorded: show the page again."""


def canonical(snapshot: dict) -> bytes:
    """Sorted keys, compact separators, UTF-8: the same data always gives the same bytes."""
    return json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def snapshot_hash(snapshot: dict) -> str:
    return hashlib.sha256(canonical(snapshot)).hexdigest()


def evidence_fields(visit: dict, meta: Meta, *, view_defaults_to_decision: bool = True) -> dict:
    """The view (kept in the session when the link was opened) and the decision, as model fields.

    ``visit`` comes from the browser's session, so nothing in it is trusted beyond its type:
    a missing or malformed view time falls back to the decision time (or stays empty).
    """
    viewed_at = parse_datetime(visit.get("viewed_at") or "")
    return {
        "viewed_at": viewed_at or (meta.at if view_defaults_to_decision else None),
        "view_ip": visit.get("ip") or None,
        "view_user_agent": (visit.get("user_agent") or "")[:500],
        "decided_at": meta.at,
        "decision_ip": meta.ip or None,
        "decision_user_agent": (meta.user_agent or "")[:500],
    }


class ClientEvidence(AppendOnly):
    """Abstract: a client's decision through a link, with its snapshot, never changed."""

    contact_name = models.CharField(_("contact"), max_length=200)
    contact_email = models.EmailField(_("contact email"))
    viewed_at = models.DateTimeField(_("page opened"), null=True, blank=True)
    view_ip = models.GenericIPAddressField(_("IP address when opened"), null=True, blank=True)
    view_user_agent = models.CharField(_("browser when opened"), max_length=500, blank=True)
    decided_at = models.DateTimeField(_("decided"))
    decision_ip = models.GenericIPAddressField(_("IP address of the decision"), null=True, blank=True)
    decision_user_agent = models.CharField(_("browser of the decision"), max_length=500, blank=True)
    snapshot = models.JSONField(_("what was shown"))
    snapshot_sha256 = models.CharField(_("SHA-256 of what was shown"), max_length=64)

    # Whose evidence chain a row joins: the lookup from the row to the freelancer (a user),
    # e.g. "phase__project__owner". Every concrete subclass sets it.
    evidence_owner: str = ""
    # Values of related rows the chain covers as well, as lookups: what a row means but
    # does not store itself (a contract acceptance: the SHA-256 of the accepted version).
    evidence_related: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        """Insert the row and chain it, in one transaction: neither exists without the other."""
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            recorded.send(sender=type(self), instance=self)

    def evidence_owner_id(self) -> int:
        """The id of the freelancer whose chain this row is in, read through ``evidence_owner``."""
        return type(self)._default_manager.filter(pk=self.pk).values_list(self.evidence_owner, flat=True).get()

    @classmethod
    def record(cls, *, visit: dict, meta: Meta, snapshot: dict | None = None, **fields):
        """Create the evidence row from the visit and the decision; the hash is computed here."""
        evidence = evidence_fields(visit, meta, view_defaults_to_decision=cls.view_defaults_to_decision)
        if snapshot is not None:
            evidence |= {"snapshot": snapshot, "snapshot_sha256": snapshot_hash(snapshot)}
        return cls.objects.create(**evidence, **fields)

    view_defaults_to_decision = True

    def verify(self) -> bool:
        """Does the stored snapshot still hash to the stored SHA-256?"""
        return snapshot_hash(self.snapshot) == self.snapshot_sha256
