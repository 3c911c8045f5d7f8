"""The evidence chain: every client decision hashed and linked to the one before, per freelancer.

Each evidence row (a phase acceptance, a decision on a wish, a contract acceptance) gets
one ``EvidenceEntry``, written in the transaction that inserts the row. A third party with
a copy of the tables can re-check the chain without this code:

``canonical(x)``
    JSON with sorted keys, no spaces, UTF-8 (``freelance.lib.evidence.canonical``).
``row_hash``
    SHA-256 of ``canonical({"model": "<app>.<model>", "row": {name: value, ...}})`` over the
    names in the entry's ``fields``: every column of the row when it was recorded, and the
    related values the row means (a contract acceptance: the accepted version's SHA-256).
    Datetimes are UTC ISO 8601 with microseconds, dates ISO 8601, decimals and UUIDs strings.
``chain_hash``
    SHA-256 of ``canonical({"owner", "seq", "model", "object_id", "fields", "row_hash",
    "previous_hash", "issuer_name", "recorded_at"})`` of the entry itself.
``previous_hash``
    64 zeros for seq 1, else the ``chain_hash`` of seq n - 1.

Changing any column of an evidence row changes its row hash. Recomputing the stored
hashes of that entry too changes its chain hash, which the next entry no longer links to;
a certificate carries its entry's chain hash, so rewriting the rest of the chain as well
makes the certificates already handed out unknown to ``/verify/``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from ipaddress import IPv4Address, IPv6Address
from itertools import islice
from uuid import UUID

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import F
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from freelance.evidence.models import EvidenceEntry
from freelance.lib.evidence import ClientEvidence, canonical, recorded
from freelance.lib.formats import freelancer_name

GENESIS = "0" * 64
_OWNER = "_evidence_owner"


# -- the hashes ---------------------------------------------------------------------------


def _plain(value):
    """A column's value as JSON, the same whichever database it was read from."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID | IPv4Address | IPv6Address):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def row_hash(model: str, values: dict) -> str:
    """SHA-256 of an evidence row's covered values, as read from the database."""
    row = {name: _plain(value) for name, value in values.items()}
    return hashlib.sha256(canonical({"model": model, "row": row})).hexdigest()


def link_hash(
    *,
    owner_id: int,
    seq: int,
    model: str,
    object_id: int,
    fields: list[str],
    row_hash: str,
    previous_hash: str,
    issuer_name: str,
    recorded_at: datetime,
) -> str:
    """The chain hash of an entry: everything it holds, including the hash before it."""
    entry = {
        "owner": owner_id,
        "seq": seq,
        "model": model,
        "object_id": object_id,
        "fields": list(fields),
        "row_hash": row_hash,
        "previous_hash": previous_hash,
        "issuer_name": issuer_name,
        "recorded_at": _plain(recorded_at),
    }
    return hashlib.sha256(canonical(entry)).hexdigest()


def _link_hash_of(entry: dict) -> str:
    return link_hash(**{name: entry[name] for name in _LINKED})


_LINKED = ("owner_id", "seq", "model", "object_id", "fields", "row_hash", "previous_hash", "issuer_name", "recorded_at")
_ENTRY_COLUMNS = (*_LINKED, "chain_hash")


def covered_fields(model: type[ClientEvidence]) -> list[str]:
    """Every column of the row, and the related values it means."""
    return [field.attname for field in model._meta.concrete_fields] + list(model.evidence_related)


def evidence_models() -> list[type[ClientEvidence]]:
    return [model for model in apps.get_models() if issubclass(model, ClientEvidence)]


# -- appending ----------------------------------------------------------------------------


def append(instance: ClientEvidence) -> EvidenceEntry:
    """Chain a just-inserted evidence row. Call inside the transaction that inserted it.

    The row's owner is locked first (``SELECT … FOR NO KEY UPDATE`` on the user), so two
    decisions for one freelancer at the same moment queue up instead of forking the chain.
    The row is hashed as read back from the database, as verification will read it.
    """
    model = type(instance)
    label = model._meta.label_lower
    if not model.evidence_owner:
        raise ImproperlyConfigured(f"{label} sets no evidence_owner: whose evidence chain does it join?")
    fields = covered_fields(model)
    with transaction.atomic():
        values = (
            model._default_manager.filter(pk=instance.pk).values(*fields, **{_OWNER: F(model.evidence_owner)}).get()
        )
        owner_id = values.pop(_OWNER)
        no_key = connection.features.has_select_for_no_key_update
        owner = get_user_model()._default_manager.select_for_update(no_key=no_key).get(pk=owner_id)
        head = EvidenceEntry.objects.filter(owner_id=owner_id).order_by("-seq").values_list("seq", "chain_hash")
        seq, previous = head.first() or (0, GENESIS)
        entry = EvidenceEntry(
            owner_id=owner_id,
            seq=seq + 1,
            model=label,
            object_id=instance.pk,
            fields=fields,
            row_hash=row_hash(label, values),
            previous_hash=previous,
            issuer_name=freelancer_name(owner)[:200],
            recorded_at=timezone.now(),
        )
        entry.chain_hash = _link_hash_of(vars(entry))
        entry.save()
    return entry


@receiver(recorded)
def _chain_recorded_evidence(sender, instance, **kwargs) -> None:
    append(instance)


def entry_for(evidence: ClientEvidence) -> EvidenceEntry | None:
    """The ledger entry of an evidence row: its chain hash goes on certificates."""
    return EvidenceEntry.objects.filter(model=type(evidence)._meta.label_lower, object_id=evidence.pk).first()


# -- verifying ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Broken:
    """The first place where the chain does not hold, and why."""

    model: str
    object_id: int
    seq: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.model} #{self.object_id}"
        return f"{where} (seq {self.seq}): {self.reason}" if self.seq is not None else f"{where}: {self.reason}"


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int  # entries that hold, in chain order, before the first broken one
    first_broken: str | None  # e.g. "projects.acceptance #12 (seq 7): row changed after it was recorded"
    head: str  # the chain hash of the owner's last entry (64 zeros for an empty chain)
    broken: Broken | None = None


def _batches(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def _rows(batch: list[dict]) -> dict[tuple[str, int], dict | str]:
    """The evidence rows of a batch of entries, read in one query per kind: values, or why not."""
    wanted: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    for entry in batch:
        wanted.setdefault((entry["model"], tuple(entry["fields"])), []).append(entry["object_id"])
    rows: dict[tuple[str, int], dict | str] = {}
    for (label, fields), ids in wanted.items():
        try:
            model = apps.get_model(label)
            found = model._default_manager.filter(pk__in=ids).values("pk", *fields)
            for values in found:
                rows[(label, values.pop("pk"))] = values
        except (LookupError, ValueError, FieldError):
            for object_id in ids:
                rows[(label, object_id)] = _("its kind of evidence or one of its columns no longer exists")
    return rows


def _row_problem(entry: dict, row: dict | str | None) -> str | None:
    if row is None:
        return _("row deleted after it was recorded")
    if isinstance(row, str):
        return row
    if row_hash(entry["model"], row) != entry["row_hash"]:
        return _("row changed after it was recorded")
    if _link_hash_of(entry) != entry["chain_hash"]:
        return _("ledger entry changed after it was recorded")
    return None


def verify_chain(owner_id: int, *, batch_size: int = 500) -> VerifyResult:
    """Recompute one freelancer's chain from the first entry on; name the first row that fails.

    Streams the ledger (constant memory) and reads the evidence rows batch by batch. Also
    reports evidence rows of this owner that were never chained (inserted behind the app's back).
    """
    entries = (
        EvidenceEntry.objects.filter(owner_id=owner_id).order_by("seq").values(*_ENTRY_COLUMNS).iterator(batch_size)
    )
    previous: dict | None = None
    checked = 0

    def result(broken: Broken | None) -> VerifyResult:
        head = EvidenceEntry.objects.filter(owner_id=owner_id).order_by("-seq").values_list("chain_hash", flat=True)
        return VerifyResult(broken is None, checked, str(broken) if broken else None, head.first() or GENESIS, broken)

    for batch in _batches(entries, batch_size):
        rows = _rows(batch)
        for entry in batch:
            expected_seq = previous["seq"] + 1 if previous else 1
            if entry["seq"] != expected_seq:
                reason = _("the entry before it (seq %(seq)s) was removed from the chain") % {"seq": expected_seq}
                return result(Broken(entry["model"], entry["object_id"], entry["seq"], reason))
            if entry["previous_hash"] != (previous["chain_hash"] if previous else GENESIS):
                if previous is None:
                    reason = _("the chain does not start here")
                    return result(Broken(entry["model"], entry["object_id"], entry["seq"], reason))
                reason = _("its ledger entry was rewritten: the next entry (seq %(seq)s) links to another hash") % {
                    "seq": entry["seq"]
                }
                checked -= 1
                return result(Broken(previous["model"], previous["object_id"], previous["seq"], reason))
            problem = _row_problem(entry, rows.get((entry["model"], entry["object_id"])))
            if problem:
                return result(Broken(entry["model"], entry["object_id"], entry["seq"], problem))
            previous = entry
            checked += 1
    return result(_unchained(owner_id))


def _unchained(owner_id: int) -> Broken | None:
    """An evidence row of this owner without a ledger entry: not recorded through the app."""
    for model in evidence_models():
        label = model._meta.label_lower
        chained = EvidenceEntry.objects.filter(model=label).values("object_id")
        stray = (
            model._default_manager.filter(**{model.evidence_owner: owner_id})
            .exclude(pk__in=chained)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        if stray is not None:
            return Broken(label, stray, None, _("not in the chain: recorded without its ledger entry"))
    return None


# -- one certificate ----------------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    """What /verify/ may say about a chain hash: when, for whom, and whether it still holds."""

    recorded_at: datetime
    issuer_name: str
    intact: bool


def check_certificate(chain_hash: str) -> Issued | None:
    """Was this chain hash issued here? Checks its own entry, its row and both neighbours' links."""
    entry = EvidenceEntry.objects.filter(chain_hash=chain_hash).values(*_ENTRY_COLUMNS).first()
    if entry is None:
        return None
    neighbours = EvidenceEntry.objects.filter(owner_id=entry["owner_id"])
    before = neighbours.filter(seq=entry["seq"] - 1).values_list("chain_hash", flat=True).first()
    after = neighbours.filter(seq=entry["seq"] + 1).values_list("previous_hash", flat=True).first()
    intact = (
        entry["previous_hash"] == (before if entry["seq"] > 1 else GENESIS)
        and after in (None, chain_hash)
        and _row_problem(entry, _rows([entry]).get((entry["model"], entry["object_id"]))) is None
    )
    return Issued(entry["recorded_at"], entry["issuer_name"], intact)
