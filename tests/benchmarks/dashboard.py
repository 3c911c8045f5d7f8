"""The dashboard's server time and queries at 5 and at 500 open projects.

    uv run python -m tests.benchmarks.dashboard [--runs 30] [--database-url postgres://...]

Builds, in a throwaway SQLite database in a temporary VAR_DIR (or the database you name,
which it empties first: never point it at real data), one freelancer with 5 open projects,
times the dashboard, then grows the same freelancer to 500 open projects and times it again.
Every project has three phases (the first with a hard deadline), a wish waiting for the
client's decision, a high risk and an hour written this week; every tenth has a delivered
phase waiting for acceptance and an overdue invoice; every twentieth a draft invoice.

Each measurement is the whole request through Django's test client (middleware, session,
queries, template), after two warm-up requests, ``--runs`` times. It prints median and p95
of each, the queries per request, and the ratio of the medians; it exits non-zero if the
query counts differ or the ratio exceeds 1.5 (the issue's limit). Not a pytest module.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

RATIO_LIMIT = 1.5


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


def _grow(owner, start: int, stop: int) -> None:
    """Projects number ``start`` to ``stop - 1``, in bulk."""
    from django.db import transaction
    from django.utils import timezone

    from contracts.models import Invoice, TimeEntry
    from projects.models import ChangeRequest, Client, Phase, Project, Risk

    today = timezone.localdate()
    with transaction.atomic():
        clients = Client.objects.bulk_create(
            Client(owner=owner, name=f"Client {start}-{n}") for n in range(start // 10, (stop + 9) // 10)
        )
        by_ten = {client.name: client for client in clients}  # ten projects a client
        projects = Project.objects.bulk_create(
            Project(
                owner=owner,
                client=by_ten[f"Client {start}-{n // 10}"],
                name=f"Project {n}",
                status=Project.Status.ACTIVE,
                first_deadline=today + timedelta(days=n % 120 - 10),
            )
            for n in range(start, stop)
        )
        now = timezone.now()
        phases = []
        for index, project in enumerate(projects, start=start):
            waiting = index % 10 == 0
            phases.append(
                Phase(
                    project=project,
                    position=1,
                    title="Design",
                    status=Phase.Status.DELIVERED if waiting else Phase.Status.IN_PROGRESS,
                    started_at=now - timedelta(days=20),
                    delivered_at=now - timedelta(days=index % 9) if waiting else None,
                )
            )
            phases += [Phase(project=project, position=p, title=f"Phase {p}") for p in (2, 3)]
        Phase.objects.bulk_create(phases)
        ChangeRequest.objects.bulk_create(
            ChangeRequest(
                project=project,
                title="Newsletter signup",
                status=ChangeRequest.Status.WAITING,
                classification=ChangeRequest.Classification.EXTRA_COST,
                cost=Decimal("450.00"),
                waiting_since=now - timedelta(days=2),
            )
            for project in projects
        )
        Risk.objects.bulk_create(
            Risk(project=project, description="Photos late", mitigation="Stock photos", likelihood=3, impact=3)
            for project in projects
        )
        TimeEntry.objects.bulk_create(
            TimeEntry(owner=owner, project=project, date=today, hours=Decimal("1.5")) for project in projects
        )
        invoices = []
        for index, project in enumerate(projects, start=start):
            common = {"owner": owner, "client": project.client, "project": project, "total_excl": Decimal("1000")}
            if index % 10 == 0:
                invoices.append(
                    Invoice(
                        **common,
                        number=f"2026-{index:04d}",
                        status=Invoice.Status.SENT,
                        issue_date=today - timedelta(days=60),
                        due_date=today - timedelta(days=30),
                        total=Decimal("1210.00"),
                        sent_at=now - timedelta(days=60),
                    )
                )
            if index % 20 == 0:
                invoices.append(Invoice(**common, total=Decimal("1210.00")))
        Invoice.objects.bulk_create(invoices)


def _measure(client, runs: int) -> tuple[list[float], int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        response = client.get("/")
        assert response.status_code == 200, (response.status_code, response.get("Location"), response.content[:300])
    reset_queries()  # the request resets the log at its start: capture from an empty log
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/")
    assert response.status_code == 200 and b"dash-money" in response.content
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get("/")
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    return sorted(timings), len(captured.captured_queries)


def _p95(timings: list[float]) -> float:
    return timings[max(0, round(0.95 * len(timings)) - 1)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-url", default=None, help="a scratch database: it is emptied first")
    args = parser.parse_args(argv)
    var_dir = tempfile.mkdtemp(prefix="mijlpaal-bench-")
    try:
        _setup_django(var_dir, args.database_url)
        from django.contrib.auth import get_user_model
        from django.test import Client

        from tests.conftest import verify_second_factor

        owner = get_user_model().objects.create_user("bench", password="unused-in-benchmark", first_name="Sanne")
        client = Client(HTTP_ACCEPT_LANGUAGE="nl", HTTP_HOST="localhost")
        client.force_login(owner)
        verify_second_factor(client, owner)

        _grow(owner, 0, 5)
        small, small_queries = _measure(client, args.runs)
        _grow(owner, 5, 500)
        large, large_queries = _measure(client, args.runs)

        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"load average {load:.2f} on {os.cpu_count()} CPUs; {args.runs} requests each after two warm-ups")
        print(f"{'open projects':<14} {'median (ms)':>11} {'p95 (ms)':>9} {'queries':>8}")
        for label, timings, queries in (("5", small, small_queries), ("500", large, large_queries)):
            median = statistics.median(timings) * 1000
            print(f"{label:<14} {median:>11.1f} {_p95(timings) * 1000:>9.1f} {queries:>8}")
        ratio = statistics.median(large) / statistics.median(small)
        ok = ratio <= RATIO_LIMIT and small_queries == large_queries
        print(
            f"ratio of medians 500/5: {ratio:.2f} (limit {RATIO_LIMIT}){'' if ok else '  TOO SLOW OR QUERIES DIFFER'}"
        )
        return 0 if ok else 1
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
