"""How long the reminder sweeps take over 100,000 invoices and 100,000 phases.

    uv run python -m tests.benchmarks.sweep [--rows 100000] [--database-url postgres://...]

Builds, in a throwaway SQLite database in a temporary VAR_DIR (or the database you name,
which it empties first: never point it at real data), 200 freelancers with 100,000 sent
invoices and 100,000 phases between them. Invoice due dates are spread over the past
120 days, so on the day of the sweep some are due for a friendly, firm or final reminder
or the 14-day letter, and most are not. Phases are spread over the coming weeks, some
delivered and waiting for acceptance, so the digest has something to say.

Then it runs, timed, with every query counted per batch:

1. the payment sweep (sends what is due: the mails are rendered and queued, not sent);
2. the same sweep again (nothing left to send: the steady state of a beat run);
3. the nudge sweeps with the digest (one digest per freelancer);
4. the nudge sweeps again.

It fails (exit 1) if the queries per batch are not constant: the largest batch count may
exceed the smallest only by the fixed extra queries of the batches that send.
Not a pytest module: no test_ prefix.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

SENDING_LIMIT = 40


def _setup_django(var_dir: str, database_url: str | None) -> None:
    os.environ["VAR_DIR"] = var_dir
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{Path(var_dir) / 'benchmark.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "freelance.settings"
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:1/0")  # tasks are not dispatched here
    import django

    django.setup()
    import logging

    logging.getLogger("freelance.outbox.queue").setLevel(logging.WARNING)
    from django.core.management import call_command

    if database_url:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)


def _build(rows: int, today: date) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from contracts.models import BusinessProfile, Invoice
    from projects.models import Client, Contact, Phase, Project

    rng = random.Random(42)  # noqa: S311 - test data, not secrets
    owners = 200
    User = get_user_model()
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(username=f"bench{n}", email=f"bench{n}@example.nl", password="!") for n in range(owners)
        )
        BusinessProfile.objects.bulk_create(
            BusinessProfile(owner=u, business_name=f"Studio {n}", iban="NL91ABNA0417164300")
            for n, u in enumerate(users)
        )
        clients = Client.objects.bulk_create(
            Client(owner=u, name=f"Client {n}-{k}", kind="consumer" if k == 4 else "business")
            for n, u in enumerate(users)
            for k in range(5)
        )
        Contact.objects.bulk_create(
            Contact(client=c, name=f"Contact {c.pk}", email=f"c{c.pk}@client.example", is_budget_holder=True)
            for c in clients
        )
        projects = Project.objects.bulk_create(
            Project(owner_id=c.owner_id, client=c, name=f"Project {c.pk}", status="active", first_deadline=today)
            for c in clients
        )
    per_project = rows // len(projects)
    batch = []
    for project in projects:
        for position in range(1, per_project + 1):
            delivered = rng.random() < 0.05
            batch.append(
                Phase(
                    project=project,
                    position=position,
                    title=f"Phase {position}",
                    fixed_price=Decimal("1000"),
                    status="delivered" if delivered else "planned",
                    delivered_at=datetime.now().astimezone() - timedelta(days=rng.randint(1, 20))
                    if delivered
                    else None,
                    due_date=today + timedelta(days=rng.randint(-10, 60)),
                )
            )
    Phase.objects.bulk_create(batch, batch_size=2000)
    per_client = rows // len(clients)
    invoices = []
    for client in clients:
        for n in range(per_client):
            due = today - timedelta(days=rng.randint(-30, 120))
            invoices.append(
                Invoice(
                    owner_id=client.owner_id,
                    client=client,
                    number=f"{client.pk}-{n}",
                    status="sent" if rng.random() < 0.15 else "paid",
                    issue_date=due - timedelta(days=30),
                    due_date=due,
                    total_excl=Decimal("100.00"),
                    total_vat=Decimal("21.00"),
                    total=Decimal("121.00"),
                    seller={"iban": "NL91ABNA0417164300"},
                )
            )
    Invoice.objects.bulk_create(invoices, batch_size=2000)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mijlpaal-bench-") as var_dir:
        _setup_django(var_dir, args.database_url)
        import time_machine
        from django.db import connection
        from django.utils import timezone

        from contracts import reminders
        from contracts.models import BusinessProfile
        from freelance.dashboard import digest
        from freelance.outbox import queue as outbox_queue
        from projects import nudges

        outbox_queue.send_on_commit = lambda pk: None  # queue the rows; no broker needed here
        now = timezone.make_aware(datetime(2026, 11, 26, 9, 0))
        today = now.date()
        start = time.perf_counter()
        _build(args.rows, today)
        with connection.cursor() as cursor:
            # Fresh statistics, as autovacuum gives a live database after a bulk load: without
            # them PostgreSQL plans the batch query as if the tables were empty (1 s per batch).
            cursor.execute("ANALYZE")
        print(f"{connection.vendor}: built {args.rows} invoices and phases in {time.perf_counter() - start:.1f} s")

        results = {}
        with time_machine.travel(now, tick=False):
            for label, fn in [
                ("payment sweep, sending what is due", reminders.sweep_payment_reminders),
                ("payment sweep again, nothing due", reminders.sweep_payment_reminders),
                (
                    "acceptance nudges over all phases",
                    lambda: nudges.sweep_acceptance_nudges(today, settings_for=BusinessProfile.nudge_settings_for),
                ),
                ("digests for 200 freelancers", lambda: digest.sweep_digests(today, now)),
                ("digests again, nothing due", lambda: digest.sweep_digests(today, now)),
            ]:
                start = time.perf_counter()
                result = fn()
                elapsed = time.perf_counter() - start
                counts = result.per_batch_queries or [0]
                print(
                    f"{label:<44} {elapsed:7.2f} s  sent {result.sent:6d}  batches {result.batches:4d}  "
                    f"queries per batch min {min(counts)} / median {statistics.median(counts):g} / max {max(counts)}"
                )
                results[label] = result
        steady = results["payment sweep again, nothing due"].per_batch_queries
        if steady and max(steady) != min(steady):
            print(
                f"FAIL: the steady-state payment sweep's queries per batch vary: {sorted(set(steady))}", file=sys.stderr
            )
            return 1
        sending = results["payment sweep, sending what is due"].per_batch_queries
        # Sending adds a fixed set of queries per batch; SQLite splits a bulk insert of 500 mails
        # into several statements (its parameter limit), PostgreSQL does not.
        if sending and max(sending) > SENDING_LIMIT:
            print(f"FAIL: a sending batch ran {max(sending)} queries (limit {SENDING_LIMIT})", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
