"""Load an export ZIP into an install that does not hold these records yet.

All or nothing, in one transaction: the ZIP's checksums are checked against its manifest
before anything is written; the login is created without a password; every row keeps its
primary key (so links, generic references and the evidence hashes stay valid), loaded
parents first; then the evidence chain of the freelancer is verified, and any failure rolls
the whole import back. Rows are inserted as stored, never through ``save()``: no model
rule, signal or ``auto_now`` rewrites a restored record, and no row is ever updated (the
evidence tables refuse UPDATE and DELETE on PostgreSQL).

Two deliberate differences with the source: mails that were still waiting to be sent are
restored as failed (a restore never mails a client by itself, and their link tokens are
not exported); and the login gets no staff or superuser rights, whatever it had.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models, transaction
from django.utils.dateparse import parse_datetime

from freelance.export.scope import Scoped, is_user_model, reference_identity, scoped_models
from freelance.export.writer import FORMAT, FORMAT_VERSION
from freelance.outbox.models import RESTORED_NOT_SENT

BATCH = 500
NOT_SENT_NOTE = RESTORED_NOT_SENT  # stored in English, shown in the freelancer's language


class ImportRefused(Exception):
    """The ZIP can't be imported here; the message says why. Nothing was written."""


@dataclass
class ImportResult:
    username: str
    user_id: int
    counts: dict[str, int] = field(default_factory=dict)
    shared_added: int = 0
    chain_checked: int = 0
    unsent_mails: int = 0

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def read_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except KeyError:
        raise ImportRefused("This is not a Mijlpaal export: it has no manifest.json.") from None
    except ValueError:
        raise ImportRefused("manifest.json is not valid JSON.") from None
    if manifest.get("format") != FORMAT:
        raise ImportRefused("This is not a Mijlpaal export (manifest.json names another format).")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ImportRefused(
            f"This export has format version {manifest.get('format_version')}; this install reads version "
            f"{FORMAT_VERSION}. Import it with the Mijlpaal version that made it ({manifest.get('app_version')})."
        )
    return manifest


def check_members(archive: zipfile.ZipFile, manifest: dict) -> None:
    """Every member is listed with its SHA-256 and size, and matches; nothing is added or missing."""
    listed = manifest.get("members") or {}
    present = {info.filename for info in archive.infolist() if not info.is_dir()}
    unlisted = present - set(listed) - {"manifest.json", "SHA256SUMS"}
    if unlisted:
        raise ImportRefused(f"The ZIP holds files its manifest does not list: {', '.join(sorted(unlisted)[:5])}.")
    missing = set(listed) - present
    if missing:
        raise ImportRefused(f"Files listed in the manifest are missing: {', '.join(sorted(missing)[:5])}.")
    for name, expected in listed.items():
        digest, size = hashlib.sha256(), 0
        with archive.open(name) as file:
            while chunk := file.read(1024 * 1024):
                digest.update(chunk)
                size += len(chunk)
        if digest.hexdigest() != expected.get("sha256") or size != expected.get("size"):
            raise ImportRefused(f"{name} does not match its checksum in the manifest: the ZIP was changed or damaged.")


def lines(archive: zipfile.ZipFile, name: str) -> Iterator[dict]:
    with archive.open(name) as raw:
        for line in io.TextIOWrapper(raw, encoding="utf-8"):
            if line.strip():
                yield json.loads(line)


class Importer:
    def __init__(self, archive: zipfile.ZipFile, manifest: dict, *, using: str = DEFAULT_DB_ALIAS) -> None:
        self.archive = archive
        self.manifest = manifest
        self.using = using
        self.connection = connections[using]
        self.old_owner_pk = manifest["owner"]["pk"]
        self.user = None
        # (model label, pk in the export) -> pk here, for install-wide rows that may differ.
        self.shared_pks: dict[tuple[str, object], object] = {}

    # The login ---------------------------------------------------------------------------

    def create_user(self) -> None:
        User = get_user_model()
        data = json.loads(self.archive.read("user.json"))
        username = data["username"]
        if User._default_manager.using(self.using).filter(**{User.USERNAME_FIELD: username}).exists():
            raise ImportRefused(
                f"A login named {username!r} exists here already. Import into an install without it "
                "(or rename that login first); nothing was imported."
            )
        user = User(**{User.USERNAME_FIELD: username})
        for name in ("first_name", "last_name", "email"):
            if hasattr(user, name):
                setattr(user, name, data.get(name) or "")
        if data.get("date_joined") and hasattr(user, "date_joined"):
            user.date_joined = parse_datetime(data["date_joined"])
        user.set_unusable_password()
        user.is_staff = True  # a freelancer: the admin opens for their own contract templates
        # The same primary key: the evidence chain names its owner by id, in every hash.
        taken = User._base_manager.using(self.using).filter(pk=data["pk"]).first()
        if taken is not None:
            raise ImportRefused(
                f"The login id {data['pk']} of {username!r} is taken here by {taken.get_username()!r}; the evidence "
                "chain names its owner by that id. Import into a new install before creating other logins."
            )
        user.pk = data["pk"]
        user.save(using=self.using, force_insert=True)
        self.user = user

    # Values ------------------------------------------------------------------------------

    def decode(self, model_label: str, f: models.Field, value):
        if value is None:
            return None
        if f.get_internal_type() == "BinaryField":
            if not value.get("size"):
                return b""
            return self.archive.read(value["file"])
        if f.is_relation:
            target = f.related_model
            if is_user_model(target):
                if value == self.old_owner_pk:
                    return self.user.pk
                if f.null:
                    return None  # another login of the old install: not part of these records
                raise ImportRefused(f"{model_label}.{f.name} points to a login that is not in this export.")
            mapped = self.shared_pks.get((target._meta.label, value))
            if mapped is not None:
                return mapped
            return f.target_field.to_python(value)
        if isinstance(f, models.JSONField):
            return value
        return f.to_python(value)

    def instance(self, model: type[models.Model], data: dict, fields: list[models.Field]) -> models.Model:
        values = {}
        known = {f.name: f for f in fields}
        unknown = set(data["fields"]) - set(known)
        if unknown:
            raise ImportRefused(
                f"{model._meta.label} has fields this install does not know ({', '.join(sorted(unknown))}): "
                "the export comes from a newer Mijlpaal. Upgrade this install first."
            )
        for name, value in data["fields"].items():
            f = known[name]
            values[f.attname] = self.decode(model._meta.label, f, value)
        obj = model(**values)
        obj.pk = model._meta.pk.to_python(data["pk"])
        return obj

    # Install-wide rows the records point to ----------------------------------------------

    def load_shared(self, result: ImportResult) -> None:
        from django.apps import apps

        for entry in self.manifest.get("shared", []):
            model = apps.get_model(entry["model"])
            identity = reference_identity(model) or tuple(entry.get("identity") or ())
            fields = [f for f in model._meta.concrete_fields if not f.primary_key]
            has_owner = any(f.name == "owner" for f in fields)
            for data in lines(self.archive, entry["member"]):
                key = {name: data["fields"][name] for name in identity}
                existing = model._base_manager.using(self.using).filter(**key)
                if has_owner:
                    existing = existing.filter(owner__isnull=True)
                found = existing.values_list("pk", flat=True).first()
                if found is None:
                    obj = self.instance(model, data, fields)
                    obj.pk = None
                    model._base_manager.using(self.using).bulk_create([obj])
                    found = obj.pk
                    result.shared_added += 1
                self.shared_pks[(model._meta.label, data["pk"])] = found

    # The records -------------------------------------------------------------------------

    def load(self, scoped: Scoped, member: str, result: ImportResult) -> None:
        model = scoped.model
        fields = scoped.fields
        manager = model._base_manager.using(self.using)
        batch: list[models.Model] = []
        count = 0
        is_outbox = model._meta.label == "outbox.OutgoingEmail"

        def flush() -> None:
            pks = [obj.pk for obj in batch]
            clash = manager.filter(pk__in=pks).values_list("pk", flat=True).first()
            if clash is not None:
                raise ImportRefused(
                    f"{model._meta.verbose_name} #{clash} exists here already: this install is not empty "
                    "where these records go. Import into a new install."
                )
            size = self.connection.ops.bulk_batch_size(fields, batch) or len(batch)
            for start in range(0, len(batch), size):
                # raw=True: values as stored; no pre_save (auto_now), no save(), no signals.
                manager._insert(batch[start : start + size], fields=fields, using=self.using, raw=True)
            batch.clear()

        for data in lines(self.archive, member):
            obj = self.instance(model, data, fields)
            if is_outbox and obj.status in ("queued", "sending"):
                obj.status, obj.last_error, obj.sealed_links = "failed", NOT_SENT_NOTE, ""
                result.unsent_mails += 1
            elif is_outbox:
                obj.sealed_links = ""
            batch.append(obj)
            count += 1
            if len(batch) >= BATCH:
                flush()
        if batch:
            flush()
        result.counts[scoped.label] = count

    def run(self) -> ImportResult:
        from freelance.evidence.chain import verify_chain

        installed = {s.label: s for s in scoped_models()}
        entries = self.manifest.get("models") or []
        missing = [e["model"] for e in entries if e["model"] not in installed]
        if missing:
            raise ImportRefused(f"This install has no table for {', '.join(missing)}: upgrade it first.")
        with transaction.atomic(using=self.using):
            self.create_user()
            result = ImportResult(username=self.user.get_username(), user_id=self.user.pk)
            self.load_shared(result)
            for entry in entries:
                self.load(installed[entry["model"]], entry["member"], result)
                if result.counts[entry["model"]] != entry.get("count", result.counts[entry["model"]]):
                    raise ImportRefused(f"{entry['member']} has another number of rows than the manifest says.")
            self.reset_sequences([get_user_model(), *(s.model for s in installed.values())])
            try:
                self.connection.check_constraints()
            except IntegrityError as error:
                raise ImportRefused(f"The records do not fit together: {error}") from None
            chain = verify_chain(self.user.pk)
            if not chain.ok:
                raise ImportRefused(
                    f"The evidence chain does not verify (first broken entry: {chain.first_broken}); "
                    "nothing was imported."
                )
            result.chain_checked = chain.checked
        return result

    def reset_sequences(self, model_list) -> None:
        statements = self.connection.ops.sequence_reset_sql(no_style(), model_list)
        if statements:
            with self.connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)


def import_records(path_or_file, *, using: str = DEFAULT_DB_ALIAS) -> ImportResult:
    """Import an export ZIP; raises ImportRefused (and writes nothing) when it can't."""
    try:
        archive = zipfile.ZipFile(path_or_file)
    except (zipfile.BadZipFile, OSError) as error:
        raise ImportRefused(f"This is not a readable ZIP file: {error}") from None
    with archive:
        manifest = read_manifest(archive)
        check_members(archive, manifest)
        try:
            return Importer(archive, manifest, using=using).run()
        except IntegrityError as error:
            raise ImportRefused(
                f"The records clash with rows in this install ({error}); nothing was imported."
            ) from None
