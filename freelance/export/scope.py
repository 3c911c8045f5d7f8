"""Which rows are one freelancer's records, and which rows belong to the install.

Every concrete model of every installed app is in exactly one of three places:

- ``SCOPE``: the freelancer's records, each with the lookup from the model to its owner.
  These go into the export, with their primary keys, and come back in an import.
- ``REFERENCES``: install-wide rows the records may point to (the install's default
  contract texts, content types). The ones a record points to are exported alongside,
  and an import finds the same row on the new install by its identity, or adds it.
- ``NOT_EXPORTED``: install-wide tables, logs and credentials, with the reason.

``tests/export/test_scope.py`` fails when a model is in none of them, so a new model can't
be left out of the exports silently. Fields are never listed here: the writer and the
importer take them from each model's ``_meta``, so a new field travels without a change.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.apps import apps
from django.conf import settings
from django.db import models

# model label -> the lookup from that model to the owning user ("owner" means the row's own FK).
OWNER_LOOKUPS: dict[str, str] = {
    # projects
    "projects.Client": "owner",
    "projects.Contact": "client__owner",
    "projects.Project": "owner",
    "projects.Phase": "project__owner",
    "projects.ScopeItem": "phase__project__owner",
    "projects.Risk": "project__owner",
    "projects.PhaseEvent": "project__owner",
    "projects.AcceptanceRequest": "phase__project__owner",
    "projects.Acceptance": "phase__project__owner",
    "projects.ChangeRequest": "project__owner",
    "projects.ChangeDecision": "change_request__project__owner",
    # contracts: the freelancer's own texts (the install's defaults have no owner: REFERENCES)
    "contracts.GeneralTerms": "owner",
    "contracts.ClauseTemplate": "owner",
    "contracts.ContractTemplate": "owner",
    "contracts.BusinessProfile": "owner",
    "contracts.HourlyRate": "owner",
    "contracts.SurchargeRule": "owner",
    "contracts.Contract": "project__owner",
    "contracts.ContractClause": "contract__project__owner",
    "contracts.ContractVersion": "contract__project__owner",
    "contracts.ContractAcceptance": "version__contract__project__owner",
    "contracts.InvoiceCounter": "owner",
    "contracts.TimeEntry": "owner",
    "contracts.Invoice": "owner",
    "contracts.InvoiceLine": "invoice__owner",
    "contracts.Payment": "invoice__owner",
    "contracts.InvoiceEvent": "invoice__owner",
    "contracts.GateOverride": "owner",
    "contracts.RecurringAgreement": "owner",
    "contracts.RecurringLine": "agreement__owner",
    "contracts.RecurringEvent": "agreement__owner",
    "banking.BankImport": "owner",
    "banking.BankTransaction": "owner",
    # the base
    "documents.StoredDocument": "owner",
    "outbox.OutgoingEmail": "owner",
    "outbox.OutgoingAttachment": "email__owner",
    "links.ClientLink": "owner",
    "links.LinkVisit": "link__owner",
    "reminders.Reminder": "owner",
    "evidence.EvidenceEntry": "owner",
    "preferences.UserPreferences": "user",
}

# Install-wide rows a record may point to: label -> the fields that identify the same row on
# another install. Rows with an owner are the freelancer's own (SCOPE); these are the others.
REFERENCES: dict[str, tuple[str, ...]] = {
    "contenttypes.ContentType": ("app_label", "model"),
    "contracts.GeneralTerms": ("key", "language", "version"),
    "contracts.ClauseTemplate": ("key", "language", "version"),
    "contracts.ContractTemplate": ("name", "language"),
}

NOT_EXPORTED: dict[str, str] = {
    "auth.User": "the owner: exported as user.json (name and email; never the password or staff rights)",
    "auth.Group": "install-wide permissions",
    "auth.Permission": "install-wide permissions",
    "admin.LogEntry": "the operator's admin log",
    "sessions.Session": "logins on this install",
    "accounts.SessionEpoch": "logins on this install",
    "accounts.Invitation": "the operator's invitations to make an account on this install",
    "dashboard.Heartbeat": "the health of this install's worker",
    "dashboard.CalendarFeed": "a credential for this install's address: turn the calendar feed on again after a restore",
    "contracts.StatutoryInterestRate": "install-wide legal table, kept by the operator",
    "contracts.KorThreshold": "install-wide legal table, kept by the operator",
    "axes.AccessAttempt": "login throttling on this install",
    "axes.AccessAttemptExpiration": "login throttling on this install",
    "axes.AccessFailureLog": "login throttling on this install",
    "axes.AccessLog": "login throttling on this install",
    "otp_totp.TOTPDevice": "a credential: set up two-factor login again after a restore",
    "otp_static.StaticDevice": "a credential: set up two-factor login again after a restore",
    "otp_static.StaticToken": "a credential: set up two-factor login again after a restore",
}


@dataclass(frozen=True)
class Scoped:
    """One model's part of an export."""

    model: type[models.Model]
    lookup: str

    @property
    def label(self) -> str:
        return self.model._meta.label

    @property
    def member(self) -> str:
        """The ZIP member with this model's rows: data/projects.client.jsonl."""
        return f"data/{self.model._meta.label_lower}.jsonl"

    def rows(self, owner_id: int) -> models.QuerySet:
        # _base_manager: every row, also those a default manager hides (swapped-out scope items).
        return self.model._base_manager.filter(**{self.lookup: owner_id}).order_by("pk")

    @cached_property
    def fields(self) -> list[models.Field]:
        return list(self.model._meta.concrete_fields)

    @cached_property
    def binary_fields(self) -> list[models.Field]:
        return [f for f in self.fields if f.get_internal_type() == "BinaryField"]


def is_user_model(model) -> bool:
    return model._meta.label == settings.AUTH_USER_MODEL


def scoped_models() -> list[Scoped]:
    """The installed models in SCOPE, parents before the rows that point to them."""
    found = []
    for label, lookup in OWNER_LOOKUPS.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue  # an app that is not installed (yet)
        found.append(Scoped(model, lookup))
    return dependency_order(found)


def dependency_order(items: list[Scoped]) -> list[Scoped]:
    """Topological order over the foreign keys between scoped models; a cycle keeps its
    declared order (the database checks foreign keys at commit, so any order loads)."""
    by_model = {item.model: item for item in items}
    placed: list[Scoped] = []
    visiting: set[type[models.Model]] = set()

    def place(item: Scoped) -> None:
        if item in placed or item.model in visiting:
            return
        visiting.add(item.model)
        for field in item.fields:
            target = field.related_model if field.is_relation else None
            if target is not None and target is not item.model and target in by_model:
                place(by_model[target])
        visiting.discard(item.model)
        placed.append(item)

    for item in items:
        place(item)
    return placed


def reference_identity(model) -> tuple[str, ...] | None:
    return REFERENCES.get(model._meta.label)


def uncovered_models() -> list[str]:
    """Installed concrete models that are neither exported, nor references, nor excused."""
    known = set(OWNER_LOOKUPS) | set(REFERENCES) | set(NOT_EXPORTED)
    return sorted(m._meta.label for m in apps.get_models() if not m._meta.proxy and m._meta.label not in known)


def dangling_foreign_keys() -> list[str]:
    """Foreign keys of exported rows to rows an import could not restore or find."""
    exported = {s.model for s in scoped_models()}
    dangling = []
    for scoped in scoped_models():
        for field in scoped.fields:
            if not field.is_relation:
                continue
            target = field.related_model
            if target in exported or is_user_model(target) or reference_identity(target) is not None:
                continue
            dangling.append(f"{scoped.label}.{field.name} -> {target._meta.label}")
    return dangling
