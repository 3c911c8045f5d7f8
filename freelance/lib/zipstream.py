"""A ZIP written as a stream, in constant memory, from one consistent read of the database.

zipfile writes to a ``Sink``: an unseekable file whose bytes a generator hands out as they
come (``take()``), so a download of ten years starts at once and holds only the current chunk.
zipfile's list of members goes to a temporary file (``SpilledList``) and its name index is not
kept (``NoIndex``). ``snapshot()`` reads everything in one view of the database without blocking
writers. Used by the freelancer's data export (freelance.export) and the bookkeeper's export
(contracts.books_export).
"""

from __future__ import annotations

import pickle
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction


class Sink:
    """A write-only, unseekable file for zipfile; `take()` hands out and forgets what it holds.

    While ``spill`` is set (zipfile writing its central directory at the end, in one go), the
    bytes go to that temporary file instead of memory.
    """

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0  # bytes held now
        self.offset = 0  # bytes written in all
        self.spill = None

    def write(self, data) -> int:
        data = bytes(data)
        if not data:  # zipfile writes the compressor's empty output too
            return 0
        self.offset += len(data)
        if self.spill is not None:
            self.spill.write(data)
            return len(data)
        self.parts.append(data)
        self.size += len(data)
        return len(data)

    def tell(self) -> int:
        return self.offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        self.size = 0
        return data


class SpilledList:
    """zipfile's list of written members (its central directory), kept in a temporary file.

    zipfile keeps a ZipInfo of every member until it writes the central directory at the end:
    about 400 bytes a member, so memory would grow with the number of documents. zipfile only
    appends a finished member's ZipInfo, counts them and reads them back once, in order.
    """

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the writer
        self.count = 0

    def append(self, info: zipfile.ZipInfo) -> None:
        pickle.dump(info, self.file, protocol=pickle.HIGHEST_PROTOCOL)
        self.count += 1

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[zipfile.ZipInfo]:
        self.file.seek(0)
        for _ in range(self.count):
            yield pickle.load(self.file)  # noqa: S301 - our own temporary file, written just above


class NoIndex(dict):
    """zipfile's name index, not kept: member names here are unique by construction."""

    def __setitem__(self, key, value) -> None:
        pass


@contextmanager
def snapshot(using: str = DEFAULT_DB_ALIAS):
    """Read everything in one consistent view of the database, without blocking writers."""
    connection = connections[using]
    if connection.in_atomic_block:  # already in a transaction (a test): that is the snapshot
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    if connection.vendor == "sqlite":
        # A deferred read transaction: in WAL mode writers go on; transaction.atomic() would take
        # the write lock (transaction_mode IMMEDIATE) for as long as a slow download lasts.
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
        return
    yield
