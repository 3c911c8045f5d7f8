"""How long a sent invoice's PDF takes to render with its Factur-X XML embedded.

    uv run python -m tests.benchmarks.einvoice_pdf [--runs 20]

Issues a realistic invoice (three lines at 21% and 9%, a Dutch client) through
``contracts.invoices.issue`` in a throwaway SQLite database in a temporary VAR_DIR, then
renders it with ``contracts.invoices.invoice_pdf`` after one warm-up render, ``--runs`` times.
It also times the e-invoice part alone: building the CII XML and embedding it with
``facturx.generate_from_binary`` (XSD check included) into the PDF WeasyPrint made.

Prints median and p95 of each; exits non-zero if the whole render's median is 0.3 s or more.
Not a pytest module: no test_ prefix. The time depends on the machine and on what else runs
on it: measure on a quiet machine (the load average is printed).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

WARM_LIMIT = 0.3


def _setup_django(var_dir: str) -> None:
    os.environ["VAR_DIR"] = var_dir
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(var_dir) / 'benchmark.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "freelance.settings"
    import django

    django.setup()
    for name in ("weasyprint.progress", "factur-x", "fontTools"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _sent_invoice():
    from datetime import date
    from decimal import Decimal

    from django.core.management import call_command

    from contracts import invoices
    from contracts.models import InvoiceLine
    from tests.factories import UserFactory, billable_project

    call_command("migrate", verbosity=0)
    user = UserFactory(username="bench", first_name="Sanne", last_name="Jansen")
    _project, phase = billable_project(user)
    draft = invoices.draft_for_phase(phase)
    draft.lines.all().delete()
    for position, (description, quantity, unit, price, vat) in enumerate(
        [
            ("Ontwerp webshop", "12.5", "uur", "95.00", "21"),
            ("Fotoboek drukwerk", "3", "stuks", "19.99", "9"),
            ("Hosting eerste jaar", "1", "", "240.00", "21"),
        ],
        start=1,
    ):
        InvoiceLine.objects.create(
            invoice=draft,
            position=position,
            description=description,
            quantity=Decimal(quantity),
            unit=unit,
            unit_price=Decimal(price),
            vat_percent=Decimal(vat),
        )
    return invoices.issue(draft, actor=user, today=date(2026, 11, 26), send=False)


def _timed(function, runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each run, sorted: CPU time shows the cost on a busy machine."""
    function()  # warm-up
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return sorted(wall), sorted(cpu)


def _p95(timings: list[float]) -> float:
    return timings[max(0, round(0.95 * len(timings)) - 1)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)

    var_dir = tempfile.mkdtemp(prefix="mijlpaal-bench-")
    try:
        _setup_django(var_dir)
        import facturx
        from django.utils.translation import override

        from contracts import invoices
        from contracts.einvoice import cii
        from freelance.lib.pdf import PDF_A3B, render_pdf

        invoice = _sent_invoice()
        with override(invoice.language):
            plain = render_pdf("pdf/invoice.html", invoices.pdf_context(invoice), pdf_variant=PDF_A3B)

        def einvoice_part() -> bytes:
            xml = cii.cii_xml(invoice)
            return facturx.generate_from_binary(plain, xml, flavor="factur-x", level="en16931", check_xsd=False)

        whole, whole_cpu = _timed(lambda: invoices.invoice_pdf(invoice), args.runs)
        part, part_cpu = _timed(einvoice_part, args.runs)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"load average {load:.2f} on {os.cpu_count()} CPUs; {args.runs} runs after a warm-up")
        print(f"{'':<32} {'median (s)':>10} {'p95 (s)':>8} {'CPU median (s)':>15}")
        for label, wall, cpu in (
            ("invoice PDF with Factur-X XML", whole, whole_cpu),
            ("  of which XML and embedding", part, part_cpu),
        ):
            print(f"{label:<32} {statistics.median(wall):>10.3f} {_p95(wall):>8.3f} {statistics.median(cpu):>15.3f}")
        ok = statistics.median(whole) < WARM_LIMIT
        print(f"limit: median < {WARM_LIMIT:.1f} s (wall clock){'' if ok else '  TOO SLOW'}")
        return 0 if ok else 1
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
