"""The export is streamed: four times the records take no more memory (10 years fit like 1).

Measured with tracemalloc while the whole ZIP is consumed and thrown away. On the dev box
(SQLite): 5,000 time entries and 500 PDFs of 20 kB, a 10 MB ZIP: peak 1.0 MB; 20,000 and
2,000, a 41 MB ZIP: peak 1.1 MB. Before the central directory was spilled to disk and
zipfile's empty writes were dropped, the second peak was 2.8 MB against 0.9 MB.
"""

from __future__ import annotations

import gc
import os
import random
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal

import pytest

from contracts.models import TimeEntry
from freelance.documents.models import StoredDocument
from freelance.export.writer import stream_export
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

N = int(os.environ.get("EXPORT_MEMORY_ROWS", "5000"))
PDF_SIZE = 20_000


def add_records(owner, project, *, entries: int, documents: int, start: int) -> None:
    day = date(2016, 1, 1)
    TimeEntry.objects.bulk_create(
        [
            TimeEntry(
                owner=owner,
                project=project,
                date=day + timedelta(days=(start + i) % 3650),
                hours=Decimal("1.50"),
                note=f"Work item {start + i}: building the booking module",
                hourly_rate=Decimal("85.00"),
            )
            for i in range(entries)
        ],
        batch_size=1000,
    )
    noise = random.Random(start)  # noqa: S311 - test data, not a secret
    for first in range(0, documents, 200):
        StoredDocument.objects.bulk_create(
            [
                StoredDocument(
                    owner=owner,
                    reference=f"memory-test:{start + i}",
                    inputs_sha256="0" * 64,
                    filename=f"factuur-{start + i}.pdf",
                    content=b"%PDF-1.7\n" + noise.randbytes(PDF_SIZE),
                )
                for i in range(first, min(first + 200, documents))
            ]
        )


def measure(owner) -> tuple[int, int]:
    """(peak bytes traced while streaming the export, size of the ZIP)."""
    size = 0
    gc.collect()  # the test's own garbage (thousands of inserted model instances) is not the export's
    tracemalloc.start()
    try:
        for chunk in stream_export(owner):
            size += len(chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, size


def test_four_times_the_records_take_no_more_memory(alice, capsys):
    project = ProjectFactory(owner=alice)
    add_records(alice, project, entries=N, documents=N // 10, start=0)
    measure(alice)  # warm up: imports, compiled queries, the zlib tables
    small_peak, small_size = measure(alice)

    add_records(alice, project, entries=3 * N, documents=3 * N // 10, start=N)
    large_peak, large_size = measure(alice)

    with capsys.disabled():
        print(
            f"\nexport memory: {N} entries + {N // 10} PDFs: peak {small_peak / 1e6:.1f} MB, ZIP {small_size / 1e6:.1f} MB;"
            f" {4 * N} + {4 * N // 10}: peak {large_peak / 1e6:.1f} MB, ZIP {large_size / 1e6:.1f} MB"
        )
    assert large_size > 3.5 * small_size, "the second export holds four times the records"
    assert large_peak < 1.5 * small_peak
    assert large_peak < 20_000_000
