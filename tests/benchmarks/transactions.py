"""How long two lock-holding transactions take: the client's accept POST and `issue()`.

    uv run python -m tests.benchmarks.transactions [--runs 20]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mijlpaal_bench uv run python -m tests.benchmarks.transactions

1. The accept POST: a delivered phase is sent for acceptance; a fresh test client opens the
   emailed /l/<token>/ link (-> /c/<id>/) and GETs the page for the shown hash; only the POST
   that accepts is timed (the whole request, wall time).
2. How long `issue()` holds the invoice number-series lock, until the commit. PostgreSQL: from
   the first SQL on contracts_invoicecounter (its row lock). SQLite has one write lock for the
   whole database, which `transaction_mode=IMMEDIATE` (freelance/lib/env.py) takes at BEGIN:
   timed from the BEGIN, and, for comparison, from the first INSERT/UPDATE/DELETE.

Both report median and max over --runs runs after 2 warm-ups, and how much of it is spent in
WeasyPrint (`freelance.lib.pdf.html_to_pdf`, which `render_pdf` calls after the template).

SQLite: a throwaway database in a temporary VAR_DIR. PostgreSQL (a postgres:// DATABASE_URL or
--database-url): the benchmark CREATEs the named database, refusing one that exists, and DROPs
it at the end. Mail is queued, never sent (`send_on_commit` is a no-op); the link view's cache
uses REDIS_URL, by default redis://127.0.0.1:6379/9. Not a pytest module: no test_ prefix.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager, nullcontext
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

WARMUPS = 2
LINK = re.compile(r"/l/[A-Za-z0-9_\-]+/")
SHOWN_HASH = re.compile(r'name="accept-snapshot_hash" value="([0-9a-f]{64})"')


# -- the workflows under test: update these imports when the code moves -------------------


def _deliver_and_link(owner, phase, contact) -> str:
    """WORKFLOW: send a delivered phase for acceptance; returns the emailed /l/<token>/ path."""
    from freelance.outbox.models import OutgoingEmail
    from projects.acceptance import send_acceptance_requests

    send_acceptance_requests(phase, actor=owner, contacts=[contact], note="Staging is live")
    mail = OutgoingEmail.objects.filter(kind="phase_acceptance_request", to=[contact.email]).latest("pk")
    return LINK.search(mail.body_text).group(0)


def _draft(phase):
    """WORKFLOW: the draft invoice of a phase."""
    from contracts.invoices import draft_for_phase

    return draft_for_phase(phase)


def _issue(invoice, owner):
    """WORKFLOW: number, freeze, render and send a draft invoice."""
    from contracts.invoices import issue

    return issue(invoice, actor=owner)


def _pdf_functions() -> list[tuple[object, str]]:
    """WORKFLOW: (module, name) of the WeasyPrint call to time; every PDF goes through it."""
    from freelance.lib import pdf

    return [(pdf, "html_to_pdf")]


# -- set-up and timing -------------------------------------------------------------------


def _setup_django(var_dir: str, database_url: str | None) -> None:
    os.environ["VAR_DIR"] = var_dir
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{Path(var_dir) / 'benchmark.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "freelance.settings"
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
    os.environ.setdefault("CELERY_QUEUE", f"bench-{os.getpid()}")  # nothing consumes it
    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("freelance.outbox.queue").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    from freelance.outbox import queue

    queue.send_on_commit = lambda pk: None  # queue the rows; no broker, no worker
    setup_test_environment()  # ALLOWED_HOSTS gets "testserver" for the test client
    call_command("migrate", verbosity=0)


@contextmanager
def _postgres_database(url: str):
    """CREATE the named database (never an existing one), and DROP it afterwards."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            sys.exit(f"database {name!r} exists: name a new one, the benchmark creates and drops it")
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _owner():
    from django.contrib.auth import get_user_model

    from contracts.models import BusinessProfile

    owner = get_user_model().objects.create_user("bench", "bench@example.nl", first_name="Sanne", last_name="Jansen")
    BusinessProfile.objects.create(
        owner=owner, business_name="Studio Sanne", street_address="Lange Nieuwstraat 2", postcode="3512 PH",
        city="Utrecht", kvk_number="87654321", vat_id="NL001234567B29", iban="NL91ABNA0417164300",
    )  # fmt: skip
    return owner


def _delivered_phase(owner, n: int):
    """A contracted two-phase project of a new client (with a contact); phase 1 delivered."""
    from projects.models import Client, Contact, Phase, Project

    client = Client.objects.create(
        owner=owner, name=f"Bakkerij {n} B.V.", street_address="Oudegracht 1", postcode="3511 AA", city="Utrecht",
        kvk_number="12345678", vat_id="NL123456789B13", language="en",
    )  # fmt: skip
    contact = Contact.objects.create(
        client=client, name="Jan Jansen", email=f"jan{n}@client.example", is_decision_maker=True, is_budget_holder=True
    )
    project = Project.objects.create(owner=owner, client=client, name=f"Webshop {n}", first_deadline=date(2027, 3, 1))
    for position in (1, 2):
        Phase.objects.create(project=project, position=position, title=f"Phase {position}", fixed_price=Decimal(2500))
    project.mark_contracted(owner)
    phase = project.phases.get(position=1)
    phase.start(owner)
    phase.deliver(owner, note="Staging is live")
    return phase, contact


class PdfTimer:
    """Wraps the given functions in place; `within(start, end)`: their time in that window."""

    def __init__(self, functions: list[tuple[object, str]]) -> None:
        self.calls: list[tuple[float, float]] = []
        for module, name in functions:
            setattr(module, name, self._wrap(getattr(module, name)))

    def _wrap(self, fn):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.calls.append((start, time.perf_counter()))

        return timed

    def within(self, start: float, end: float) -> float:
        return sum(max(0.0, min(e, end) - max(s, start)) for s, e in self.calls)


def _accept_post(owner, n: int, pdfs: PdfTimer) -> dict[str, float]:
    from django.test import Client as Browser

    phase, contact = _delivered_phase(owner, n)
    browser = Browser()  # a fresh browser: no session, no cookies
    opened = browser.get(_deliver_and_link(owner, phase, contact))
    assert opened.status_code == 302, opened.status_code
    page_url = opened["Location"]
    digest = SHOWN_HASH.search(browser.get(page_url).content.decode()).group(1)
    form = {"decision": "accept", "accept-typed_name": "Jan Jansen", "accept-confirm": "on"}
    start = time.perf_counter()
    response = browser.post(page_url, {**form, "accept-snapshot_hash": digest}, REMOTE_ADDR="203.0.113.7")
    end = time.perf_counter()
    assert response.status_code == 302, f"the accept POST answered {response.status_code}"
    return {"total": end - start, "weasyprint": pdfs.within(start, end)}


def _lock_hold(owner, n: int, pdfs: PdfTimer) -> dict[str, float]:
    from django.db import connection, transaction

    phase, _contact = _delivered_phase(owner, n)
    phase.accept(owner)  # may draft the invoice already (invoice_timing at delivery)
    invoice = _draft(phase)
    marks: dict[str, float] = {}

    def spy(execute, sql, params, many, context):
        kind = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
        now = time.perf_counter()
        if kind == "BEGIN":
            marks.setdefault("begin", now)
        if connection.in_atomic_block:
            if "contracts_invoicecounter" in sql and "counter" not in marks:
                marks["counter"] = now
                transaction.on_commit(lambda: marks.setdefault("commit", time.perf_counter()))
            if kind in ("INSERT", "UPDATE", "DELETE"):
                marks.setdefault("write", now)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        _issue(invoice, owner)
    assert {"counter", "commit"} <= marks.keys(), f"the counter lock was not seen: {sorted(marks)}"
    start, end = marks["begin" if connection.vendor == "sqlite" else "counter"], marks["commit"]
    result = {"total": end - start, "weasyprint": pdfs.within(start, end)}
    if connection.vendor == "sqlite":
        result["from first write"] = end - marks["write"]
    return result


def _ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:7.1f} ms  max {max(values) * 1000:7.1f} ms"


def _report(label: str, runs: list[dict[str, float]]) -> None:
    print(f"{label:<52} {_ms([r['total'] for r in runs])}")
    share = statistics.median(r["weasyprint"] / r["total"] for r in runs)
    print(f"{'  of which WeasyPrint':<52} {_ms([r['weasyprint'] for r in runs])}  (median share {share:.0%})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    env_url = os.environ.get("DATABASE_URL", "")
    default = env_url if env_url.startswith(("postgres://", "postgresql://")) else None
    parser.add_argument("--database-url", default=default, help="postgres://.../<new db>; default: SQLite")
    args = parser.parse_args()
    if args.database_url and not args.database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("--database-url: a postgres:// URL naming a database for the benchmark to create")
    with (
        tempfile.TemporaryDirectory(prefix="mijlpaal-bench-") as var_dir,
        _postgres_database(args.database_url) if args.database_url else nullcontext(),
    ):
        _setup_django(var_dir, args.database_url)
        from django.db import connection

        owner = _owner()
        pdfs = PdfTimer(_pdf_functions())
        posts, locks = [], []
        for n in range(WARMUPS + args.runs):
            post, lock = _accept_post(owner, n, pdfs), _lock_hold(owner, 10_000 + n, pdfs)
            if n >= WARMUPS:
                posts.append(post)
                locks.append(lock)
        print(f"{connection.vendor}: {args.runs} runs after {WARMUPS} warm-ups")
        _report("client's accept POST (wall time)", posts)
        if connection.vendor == "sqlite":
            _report("issue(): SQLite write lock, BEGIN IMMEDIATE..commit", locks)
            print(f"{'  timed from the first INSERT/UPDATE/DELETE':<52} {_ms([r['from first write'] for r in locks])}")
        else:
            _report("issue(): counter row lock..commit", locks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
