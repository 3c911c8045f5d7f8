"""A 10,000-transaction CAMT.053 statement imported through the upload page, timed.

    uv run python -m tests.benchmarks.bank_import [--lines 10000] [--invoices 500] [--database-url postgres://...]

Builds, in a throwaway SQLite database in a temporary VAR_DIR (or the database you name, which
it empties first: never point it at real data), one freelancer with ``--invoices`` open invoices,
writes a camt.053.001.02 file of ``--lines`` booked entries (tests/banking/helpers.py): each
invoice paid once (a third by RF reference, a third by invoice number in the description, a
third half paid), the rest money in and out that names no invoice. It posts the file to the
upload page (the whole request: parsing, matching, every payment through
``Invoice.record_payment``, the lines stored), then posts it again (nothing new). It prints both
times, the file size and what was matched; it exits non-zero if the import took longer than
10 s (the issue's limit) or the outcome is wrong. Not a pytest module.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

LIMIT_SECONDS = 10.0


def _setup_django(var_dir: str, database_url: str | None) -> None:
    os.environ["VAR_DIR"] = var_dir
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{Path(var_dir) / 'benchmark.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "freelance.settings"
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:1/0")  # nothing is dispatched here
    import django

    django.setup()
    import logging

    logging.getLogger("axes").setLevel(logging.WARNING)
    from django.core.management import call_command

    if database_url:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)


def _open_invoices(owner, count: int, issued) -> list[tuple[str, str, Decimal]]:
    """``count`` sent invoices, in bulk (their content does not matter to the import)."""
    from contracts.models import BusinessProfile, Invoice
    from contracts.paying import creditor_reference
    from projects.models import Client

    BusinessProfile.objects.create(owner=owner, business_name="Studio Bench", iban="NL91ABNA0417164300")
    client = Client.objects.create(owner=owner, name="Klant Bench", city="Utrecht", language="nl")
    rows = []
    for i in range(count):
        number = f"{issued.year}-{i + 1:04d}"
        total = Decimal(100 + i) + Decimal("0.21")
        rows.append(
            Invoice(
                owner=owner,
                client=client,
                number=number,
                status=Invoice.Status.SENT,
                issue_date=issued,
                due_date=issued + timedelta(days=30),
                total_excl=total,
                total=total,
                payment_reference=creditor_reference(number),
            )
        )
    Invoice.objects.bulk_create(rows, batch_size=500)
    return [(row.number, row.payment_reference, row.total) for row in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--invoices", type=int, default=500)
    parser.add_argument("--database-url", default=None, help="a scratch database: it is emptied first")
    args = parser.parse_args(argv)
    var_dir = tempfile.mkdtemp(prefix="mijlpaal-bench-")
    try:
        _setup_django(var_dir, args.database_url)
        from django.contrib.auth import get_user_model
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.db import connection
        from django.test import Client
        from django.urls import reverse
        from django.utils import timezone

        from contracts.banking.models import BankImport, BankTransaction
        from contracts.models import Invoice, Payment
        from tests.banking.helpers import large_statement

        today = timezone.localdate()
        owner = get_user_model().objects.create_user("bench", password="unused-in-benchmark", first_name="Sanne")
        invoices = _open_invoices(owner, args.invoices, today - timedelta(days=400))
        data = large_statement("NL91ABNA0417164300", invoices, args.lines, end=today)
        client = Client(HTTP_ACCEPT_LANGUAGE="nl", HTTP_HOST="localhost")
        client.force_login(owner)

        def post() -> tuple[float, int]:
            started = time.perf_counter()
            response = client.post(reverse("banking:upload"), {"file": SimpleUploadedFile("bench.xml", data)})
            return time.perf_counter() - started, response.status_code

        seconds, status = post()
        again, again_status = post()
        bank_import = BankImport.objects.get(owner=owner)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"{connection.vendor}; load average {load:.2f} on {os.cpu_count()} CPUs")
        print(f"file: {args.lines} entries, {len(data) / 1_000_000:.1f} MB; {args.invoices} open invoices")
        print(
            f"import: {seconds:.2f} s (limit {LIMIT_SECONDS:.0f} s), status {status}: "
            f"{bank_import.matched_count} matched, {bank_import.partly_count} partly, "
            f"{bank_import.unmatched_count} unmatched, {bank_import.outgoing_count} money out"
        )
        print(f"the same file again: {again:.2f} s, status {again_status} (nothing new)")
        partly = len([i for i in range(args.invoices) if i % 3 == 2])
        ok = (
            status == 302
            and again_status == 422
            and seconds < LIMIT_SECONDS
            and BankTransaction.objects.filter(owner=owner).count() == args.lines
            and Payment.objects.filter(invoice__owner=owner).count() == args.invoices
            and bank_import.partly_count == partly
            and Invoice.objects.filter(owner=owner, status=Invoice.Status.PAID).count() == args.invoices - partly
        )
        print("OK" if ok else "TOO SLOW OR WRONG")
        return 0 if ok else 1
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
