"""One freelancer's records as a ZIP, streamed: memory stays the same for 1 year or 10.

The ZIP is written to a sink that hands out what zipfile wrote so far, so a view can send
it while it is being made (``zipfile`` writes data descriptors to a stream it can't seek).
Rows are read with ``.iterator(chunk_size=...)``; stored bytes (PDFs) are fetched one row at
a time; the checksums of the members wait in a temporary file, not in memory, until the
manifest is written last. Everything is read in one snapshot (a repeatable-read transaction
on PostgreSQL, a read transaction on SQLite), so a payment recorded meanwhile is either in
the export everywhere or nowhere.

Layout (also in the README.txt inside the ZIP)::

    README.txt
    user.json                                  the freelancer: username, name, email
    data/<app>.<model>.jsonl                   one JSON object per row, primary keys as stored
    shared/<app>.<model>.jsonl                 install-wide rows the records point to
    documents/<id>-<file name>                 stored documents (rendered PDFs)
    documents/invoice-<id>-<number>.pdf        each invoice's PDF as sent
    files/<app>.<model>/<id>-<field>-<name>    other stored bytes (mail attachments)
    SHA256SUMS                                 `sha256sum -c SHA256SUMS` checks every member
    manifest.json                              format, versions, counts, sha256 of every member
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import tomllib
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.functions import Length
from django.utils import timezone

from freelance.export.scope import Scoped, reference_identity, scoped_models
from freelance.lib.zipstream import NoIndex, Sink, SpilledList, snapshot

FORMAT = "mijlpaal-export"
FORMAT_VERSION = 1
CHUNK_SIZE = 500  # rows per database round trip
FLUSH_AT = 64 * 1024  # hand out what the ZIP holds once it reaches this many bytes
SIZE_PREFIX = "_export_size_"

README = """\
Mijlpaal export
===============

All records of one freelancer, as they were when the export was made (one snapshot).

manifest.json   what this is: format and app version, when, whose, the number of rows per
                table, and the SHA-256 and size of every other file in this ZIP.
SHA256SUMS      the same checksums; after unzipping, `sha256sum -c SHA256SUMS` checks them.
user.json       the freelancer: username, name, email. No password: after an import the
                login has none, and the freelancer sets one with a password reset.
data/           one file per table, `<app>.<model>.jsonl`: one JSON object per line,
                {"model", "pk", "fields"}. Foreign keys are the primary keys of the rows they
                point to, which keep their values in an import. Dates and times are ISO 8601
                (times in UTC), amounts are decimal strings. Stored bytes (a PDF) appear as
                {"file": "<member in this ZIP>", "size": <bytes>}.
shared/         rows of the install itself that records point to: the install's default
                contract texts and the content types. An import finds the same row on the
                new install, or adds it.
documents/      every rendered document (`<id>-<file name>`) and every invoice PDF as it
                was sent (`invoice-<id>-<number>.pdf`).
files/          other stored bytes, such as copies of mail attachments.

The evidence ledger (data/evidence.*.jsonl) is a hash chain over every client decision:
each entry holds the SHA-256 of its record and of the entry before it, so changing or
removing one entry breaks every later link. An import checks the whole chain before it
commits anything (freelance.evidence.chain.verify_chain); manifest.json records the result
of the same check at export time.

Not exported: the password and any two-factor device, logins and sessions, the install's
own logs, and link tokens of mails that were not sent yet (a mail in the export can never
act as the client).
"""


def app_version() -> str:
    try:
        with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as file:
            return tomllib.load(file)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


# -- values -------------------------------------------------------------------------------


def encode_value(field: models.Field, value):
    """A field's value as JSON: full precision (unlike DjangoJSONEncoder, which cuts microseconds)."""
    if value is None or isinstance(field, models.JSONField):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def safe_name(name: str, limit: int = 80) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name or "").strip("._") or "file"
    return cleaned[-limit:]


def binary_member(scoped: Scoped, field: models.Field, pk, row: models.Model) -> str:
    label = scoped.model._meta.label_lower
    if label == "documents.storeddocument":
        return f"documents/{pk}-{safe_name(row.filename)}"
    if label == "contracts.invoice":
        return f"documents/invoice-{pk}-{safe_name(row.number or 'draft')}.pdf"
    name = safe_name(getattr(row, "filename", "") or "bin")
    return f"files/{label}/{pk}-{field.name}-{name}"


def encode_row(scoped: Scoped, obj: models.Model) -> dict:
    fields = {}
    for field in scoped.fields:
        if field.primary_key:
            continue
        if field in scoped.binary_fields:
            size = getattr(obj, SIZE_PREFIX + field.name)
            fields[field.name] = (
                None
                if size is None
                else {"file": binary_member(scoped, field, obj.pk, obj) if size else None, "size": size}
            )
        else:
            fields[field.name] = encode_value(field, field.value_from_object(obj))
    return {"model": scoped.label, "pk": encode_value(scoped.model._meta.pk, obj.pk), "fields": fields}


def json_line(data) -> bytes:
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


# -- the streamed ZIP -------------------------------------------------------------------------


class ExportWriter:
    def __init__(self, user, *, chunk_size: int = CHUNK_SIZE, using: str = DEFAULT_DB_ALIAS) -> None:
        self.user = user
        self.chunk_size = chunk_size
        self.using = using
        self.sink = Sink()
        self.zip = zipfile.ZipFile(self.sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        self.zip.filelist = self.members = SpilledList()
        self.zip.NameToInfo = NoIndex()
        self.checksums = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stream()
        self.counts: dict[str, int] = {}
        self.referenced: dict[type[models.Model], set] = defaultdict(set)
        self.now = timezone.now()

    # Members ------------------------------------------------------------------------------

    def member(self, name: str, chunks: Iterable[bytes], *, record: bool = True) -> Iterator[bytes]:
        info = zipfile.ZipInfo(name, date_time=timezone.localtime(self.now).timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        digest, size = hashlib.sha256(), 0
        with self.zip.open(info, "w", force_zip64=True) as file:
            for chunk in chunks:
                file.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                if self.sink.size >= FLUSH_AT or len(self.sink.parts) >= 256:
                    yield self.sink.take()
        if record:
            self.checksums.write(f"{digest.hexdigest()}\t{size}\t{name}\n".encode())
        yield self.sink.take()

    def rows(self, scoped: Scoped) -> models.QuerySet:
        queryset = scoped.rows(self.user.pk)
        if scoped.binary_fields:
            names = [f.name for f in scoped.binary_fields]
            queryset = queryset.defer(*names).annotate(**{SIZE_PREFIX + n: Length(n) for n in names})
        return queryset

    def data_lines(self, scoped: Scoped) -> Iterator[bytes]:
        references = [f for f in scoped.fields if f.is_relation and reference_identity(f.related_model) is not None]
        count = 0
        for obj in self.rows(scoped).iterator(chunk_size=self.chunk_size):
            for field in references:
                value = getattr(obj, field.attname)
                if value is not None:
                    self.referenced[field.related_model].add(value)
            count += 1
            yield json_line(encode_row(scoped, obj))
        self.counts[scoped.label] = count

    def binary_members(self, scoped: Scoped) -> Iterator[bytes]:
        manager = scoped.model._base_manager.using(self.using)
        for obj in self.rows(scoped).iterator(chunk_size=self.chunk_size):
            for field in scoped.binary_fields:
                if not getattr(obj, SIZE_PREFIX + field.name):
                    continue
                content = manager.filter(pk=obj.pk).values_list(field.attname, flat=True).get()
                yield from self.member(binary_member(scoped, field, obj.pk, obj), [bytes(content)])

    def shared_lines(self, model: type[models.Model], pks: set) -> Iterator[bytes]:
        """The install-wide rows the records point to (not the freelancer's own rows)."""
        queryset = model._base_manager.using(self.using).filter(pk__in=sorted(pks)).order_by("pk")
        if any(f.name == "owner" for f in model._meta.concrete_fields):
            queryset = queryset.filter(owner__isnull=True)
        scoped = Scoped(model, "pk")
        for obj in queryset.iterator(chunk_size=self.chunk_size):
            yield json_line(encode_row(scoped, obj))

    def user_json(self) -> bytes:
        user = self.user
        return json.dumps(
            {
                "pk": user.pk,
                "username": user.get_username(),
                "first_name": getattr(user, "first_name", ""),
                "last_name": getattr(user, "last_name", ""),
                "email": getattr(user, "email", ""),
                "date_joined": encode_value(models.DateTimeField(), getattr(user, "date_joined", None)),
            },
            ensure_ascii=False,
            indent=2,
        ).encode()

    # The whole ZIP ------------------------------------------------------------------------

    def stream(self) -> Iterator[bytes]:
        try:
            with snapshot(self.using):
                yield from self.member("README.txt", [README.encode()])
                yield from self.member("user.json", [self.user_json()])
                models_in_order = scoped_models()
                for scoped in models_in_order:
                    yield from self.member(scoped.member, self.data_lines(scoped))
                    if scoped.binary_fields:
                        yield from self.binary_members(scoped)
                shared = []
                for model, pks in self.referenced.items():
                    name = f"shared/{model._meta.label_lower}.jsonl"
                    yield from self.member(name, self.shared_lines(model, pks))
                    shared.append({"model": model._meta.label, "member": name, "identity": reference_identity(model)})
                evidence = self.evidence_check()
                yield from self.member("SHA256SUMS", self.sha256sums(), record=False)
                yield from self.member("manifest.json", self.manifest(models_in_order, shared, evidence), record=False)
            yield from self.close_zip()
        finally:
            self.checksums.close()
            self.members.file.close()

    def close_zip(self) -> Iterator[bytes]:
        """The central directory, written by zipfile in one go, handed out in pieces."""
        yield self.sink.take()
        with tempfile.TemporaryFile() as spill:
            self.sink.spill = spill
            self.zip.close()
            spill.seek(0)
            while chunk := spill.read(FLUSH_AT):
                yield chunk

    def evidence_check(self) -> dict:
        from freelance.evidence.chain import verify_chain

        result = verify_chain(self.user.pk)
        return {"ok": bool(result.ok), "checked": result.checked, "first_broken": result.first_broken}

    def checksum_lines(self) -> Iterator[tuple[str, int, str]]:
        self.checksums.seek(0)
        for line in self.checksums:
            digest, size, name = line.decode().rstrip("\n").split("\t", 2)
            yield digest, int(size), name

    def sha256sums(self) -> Iterator[bytes]:
        for digest, _size, name in self.checksum_lines():
            yield f"{digest}  {name}\n".encode()

    def manifest(self, models_in_order: list[Scoped], shared: list[dict], evidence: dict) -> Iterator[bytes]:
        """manifest.json, written as it goes: the list of members can be long."""
        head = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "app_version": app_version(),
            "exported_at": self.now.isoformat(),
            "owner": {"username": self.user.get_username(), "pk": self.user.pk},
            "database": connections[self.using].vendor,
            "models": [
                {"model": s.label, "member": s.member, "count": self.counts.get(s.label, 0)} for s in models_in_order
            ],
            "shared": shared,
            "evidence": evidence,
        }
        text = json.dumps(head, ensure_ascii=False, indent=1)
        yield (text[: text.rindex("}")].rstrip() + ',\n "members": {').encode()
        separator = "\n"
        for digest, size, name in self.checksum_lines():
            entry = json.dumps({"sha256": digest, "size": size})
            yield f"{separator}  {json.dumps(name, ensure_ascii=False)}: {entry}".encode()
            separator = ",\n"
        yield b"\n }\n}\n"


def stream_export(user, **options) -> Iterator[bytes]:
    """The ZIP of every record of `user`, in chunks (for a StreamingHttpResponse or a file)."""
    return ExportWriter(user, **options).stream()


def write_export(user, path) -> int:
    """Write the export to a file; returns its size in bytes."""
    size = 0
    with open(path, "wb") as file:
        for chunk in stream_export(user):
            file.write(chunk)
            size += len(chunk)
    return size
