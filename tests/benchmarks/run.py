"""The whole performance benchmark of issue 15, in one run, as a Markdown table.

    uv run python -m tests.benchmarks.run [--quick] [--regenerate] [--suite] [--database-url postgres://...]

Needs wrk (`apt-get install --no-install-recommends wrk`) and a PostgreSQL server: the database
named by --database-url, or by DATABASE_URL if its name ends in "bench" (that database is
emptied and refilled: never point it at real data), otherwise a throwaway cluster made with
Debian's initdb/pg_ctl in a temporary directory. Redis: REDIS_URL, or the embedded redis-server.

What it does, in this order:

1. data: migrate, then ``manage.py generate_data --seed 1 --hosted 1000`` (the long-time
   freelancer ``longtime``, the small one ``small`` and 1,000 hosted ones). A database that
   already holds data made with the same seed, sizes and generator code is reused (--regenerate
   makes it again). The generation time is reported apart.
2. fixtures: a fresh acceptance link for a delivered phase of each freelancer, and 1,000 fresh
   links of a separate login (``benchaccept``) for the acceptance POSTs.
3. in-process, before the server starts: queries and server time per page for ``small`` and
   ``longtime`` (Django's test client; "built" with the page cache's stamp bumped before each
   request, "served" as it comes), the invoice and contract PDFs warm (median in this process)
   and cold (a new Python process: imports, set-up, first render), the reminder sweeps over the
   whole install (in one transaction that is rolled back, so every run sweeps the same rows),
   and the peak RSS of exporting ``longtime``'s records (a child process).
4. gunicorn (2 sync workers, DEBUG off) on a free loopback port; a real login per freelancer.
5. wrk, -t2 -c8: every page alternated with /health/ (H P1 H P2 H ...), for --rounds rounds.
   A page's ratio is its p50 over the mean p50 of the two /health/ runs around it; the table
   shows the median over the rounds. Then 50 connections for 60 s on the acceptance page and
   the dashboard, counting errors (socket errors and answers other than 2xx/3xx).
6. the RSS of each gunicorn worker after all that; the suite's wall time (--suite runs
   `uv run pytest` and records it in var/suite-seconds; otherwise the recorded value is shown).

The table goes to stdout and to docs/performance.md. Targets from the issue are marked; the
exit code is 0 when the harness worked, whatever the targets say, and 1 when it did not.
--quick (scale 0.01, 5 hosted freelancers, 2 s runs, 10 s load) checks the harness in minutes.
Not a pytest module.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

from tests.benchmarks import _fixtures, _services, _wrk
from tests.benchmarks._http import Browser

BASE_DIR = Path(__file__).resolve().parents[2]
OUTPUT = BASE_DIR / "docs" / "performance.md"
SUITE_FILE = BASE_DIR / "var" / "suite-seconds"
SUITE_COMMAND = ["uv", "run", "pytest"]  # the README's test command
PASSWORD = "mijlpaal-bench"
USERS = ("small", "longtime")
# Only a benchmark server on loopback ever sees this key; fixed so that a reused database's
# sealed calendar tokens and sessions stay readable between runs.
SECRET_KEY = "mijlpaal-benchmark-loopback-only-" + "0" * 32

TARGETS = {
    "dashboard": 3.0,
    "project": 3.0,
    "section": 3.0,
    "list": 3.0,
    "acceptance": 2.0,
    "stored_pdf": 2.0,
}
SAME_WITHIN = 1.5
SWEEP_LIMIT = 30.0
INVOICE_PDF_LIMIT = 0.3
CONTRACT_PDF_LIMIT = 1.0
WORKER_RSS_LIMIT = 250.0
EXPORT_RSS_LIMIT = 300.0


@dataclass
class Mode:
    quick: bool
    scale: float
    hosted: int
    seconds: float
    health_seconds: float
    rounds: int
    load_seconds: float
    post_links: int
    runs: int  # in-process repetitions
    cold_runs: int


FULL = Mode(False, 1.0, 1000, 3, 2, 2, 60, 1000, 7, 3)
QUICK = Mode(True, 0.01, 5, 2, 2, 1, 10, 300, 3, 1)


@dataclass
class Page:
    key: str  # dashboard, project, section, list, search, ics, acceptance, stored_pdf, acceptance_post
    label: str
    user: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    login: bool = True  # the freelancer's session; False: a client's or a feed reader's
    rounds: list[dict] = field(default_factory=list)
    inproc: dict = field(default_factory=dict)
    problem: str = ""


# -- environment ---------------------------------------------------------------------------


def child_env(database_url: str, redis_url: str, var_dir: Path, port: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.benchmarks._settings",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        VAR_DIR=str(var_dir),
        DEBUG="false",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL=f"http://127.0.0.1:{port}",  # plain http: no secure-only cookies, no SSL redirect
        EMAIL_URL=f"file://{var_dir / 'mail'}",
        CELERY_QUEUE=f"bench-{os.getpid()}",  # nothing consumes it: mails stay queued
        LOG_LEVEL="WARNING",
        PYTHONPYCACHEPREFIX=str(var_dir / "pycache"),
    )
    return env


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import logging

    import django

    django.setup()
    for name in ("weasyprint", "fontTools", "factur-x", "axes", "freelance.outbox.queue"):
        logging.getLogger(name).setLevel(logging.ERROR)
    _fixtures.silence_mail()


def versions(wrk: str) -> dict[str, str]:
    from importlib.metadata import version

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0].split()[0]
    from django.core.cache import cache

    try:
        redis = cache._cache.get_client().info("server")["redis_version"]
    except Exception:
        redis = "?"
    return {
        "Python": platform.python_version(),
        "Django": version("django"),
        "gunicorn": version("gunicorn"),
        "psycopg": version("psycopg"),
        "PostgreSQL": postgres,
        "Redis": redis,
        "WeasyPrint": version("weasyprint"),
        "wrk": _wrk.version(wrk).removeprefix("wrk ").split(" [")[0],
    }


def git_commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=BASE_DIR)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True,
                           cwd=BASE_DIR).stdout.strip()  # fmt: skip
    return done.stdout.strip() + (" (with uncommitted changes)" if dirty else "")


# -- data ------------------------------------------------------------------------------------


def generator_key(mode: Mode, seed: int) -> str:
    sources = [BASE_DIR / "freelance/dashboard/loadgen.py",
               BASE_DIR / "freelance/dashboard/management/commands/generate_data.py"]  # fmt: skip
    digest = hashlib.sha256()
    for path in sources:
        if path.exists():
            digest.update(path.read_bytes())
    return f"seed={seed} scale={mode.scale:g} hosted={mode.hosted} generator={digest.hexdigest()[:12]}"


def _marker(cursor) -> dict | None:
    cursor.execute(
        "CREATE TABLE IF NOT EXISTS bench_dataset (key text PRIMARY KEY, generated_at timestamptz, seconds double "
        "precision, output text)"
    )
    cursor.execute("SELECT key, generated_at, seconds, output FROM bench_dataset LIMIT 1")
    row = cursor.fetchone()
    return dict(zip(("key", "generated_at", "seconds", "output"), row, strict=True)) if row else None


def ensure_data(mode: Mode, seed: int, regenerate: bool, env: dict[str, str], say) -> dict:
    """Migrate and generate, or reuse what an earlier run made with the same key."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command, get_commands
    from django.db import connection

    key = generator_key(mode, seed)
    with connection.cursor() as cursor:
        marker = _marker(cursor)
    have_users = False
    try:
        have_users = get_user_model().objects.filter(username__in=USERS).count() == len(USERS)
    except Exception:
        connection.close()
    if not regenerate and marker and marker["key"] == key and have_users:
        say(f"data: reusing the data generated {marker['generated_at']:%Y-%m-%d %H:%M} ({key})")
        call_command("migrate", verbosity=0)
        return {**marker, "reused": True}

    say(f"data: emptying the database and generating ({key}); this takes a while")
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    connection.close()
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_seconds = time.perf_counter() - started
    started = time.perf_counter()
    if "generate_data" in get_commands():
        argv = [sys.executable, "manage.py", "generate_data", "--seed", str(seed), "--hosted", str(mode.hosted)]
        help_text = subprocess.run([*argv[:3], "--help"], capture_output=True, text=True, env=env, cwd=BASE_DIR).stdout
        if mode.scale != 1.0:
            if "--scale" not in help_text:
                raise RuntimeError("generate_data has no --scale option: --quick needs it")
            argv += ["--scale", f"{mode.scale:g}"]
        done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=BASE_DIR)
        output = (done.stdout + done.stderr).strip()
        if done.returncode != 0:
            raise RuntimeError(f"generate_data failed ({done.returncode}):\n{output}")
        how = " ".join(argv[1:])
    else:  # the generator's module without its command yet
        from freelance.dashboard import loadgen

        lines: list[str] = []
        loadgen.generate(seed=seed, scale=mode.scale, hosted=mode.hosted, out=lines.append)
        output = "\n".join(lines)
        how = f"loadgen.generate(seed={seed}, scale={mode.scale:g}, hosted={mode.hosted})"
    seconds = time.perf_counter() - started
    say(f"data: generated in {seconds:.1f} s ({how})")
    with connection.cursor() as cursor:
        _marker(cursor)
        cursor.execute("DELETE FROM bench_dataset")
        cursor.execute(
            "INSERT INTO bench_dataset VALUES (%s, now(), %s, %s)", [key, seconds, f"{how}\n{output}".strip()]
        )
        cursor.execute("SELECT now()")
        now = cursor.fetchone()[0]
    return {"key": key, "generated_at": now, "seconds": seconds, "output": f"{how}\n{output}", "reused": False,
            "migrate_seconds": migrate_seconds}  # fmt: skip


def data_sizes() -> dict[str, dict[str, int]]:
    from django.contrib.auth import get_user_model

    from contracts.models import Invoice, TimeEntry
    from projects.models import Client, Phase, Project

    sizes = {}
    for username in USERS:
        user = get_user_model().objects.get(username=username)
        sizes[username] = {
            "clients": Client.objects.filter(owner=user).count(),
            "projects": Project.objects.filter(owner=user).count(),
            "phases": Phase.objects.filter(project__owner=user).count(),
            "hours": TimeEntry.objects.filter(owner=user).count(),
            "invoices": Invoice.objects.filter(owner=user).count(),
        }
    sizes["install"] = {
        "freelancers": get_user_model().objects.count(),
        "invoices": Invoice.objects.count(),
        "phases": Phase.objects.count(),
    }
    return sizes


# -- pages -----------------------------------------------------------------------------------


def pages_for(username: str, acceptance_path: str | None) -> list[Page]:
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from contracts.models import Invoice
    from freelance.dashboard.models import CalendarFeed
    from projects.models import Phase, Project

    user = get_user_model().objects.get(username=username)
    pages = [Page("dashboard", "dashboard", username, reverse("dashboard"))]
    active = Project.objects.filter(owner=user, status="active").select_related("client")
    project = (
        active.filter(phases__status=Phase.Status.DELIVERED).order_by("pk").first() or active.order_by("pk").first()
    )
    if project is None:
        pages.append(Page("project", "project page", username, "", problem="no active project"))
    else:
        pages.append(Page("project", "project page", username, reverse("projects:project_detail", args=[project.pk])))
        for section in ("phases", "money", "risks", "history"):
            pages.append(
                Page("section", f"project: {section} (htmx)", username,
                     reverse(f"projects:project_{section}", args=[project.pk]), headers={"HX-Request": "true"})
            )  # fmt: skip
    pages += [
        Page("list", "client list", username, reverse("projects:client_list")),
        Page("list", "project list", username, reverse("projects:project_list")),
        Page("list", "invoice list", username, reverse("contracts:invoice_list")),
    ]
    word = (project.client.name.split() or ["a"])[0] if project else "a"
    pages.append(Page("search", f"search ?q={word}", username, f"{reverse('search')}?q={quote(word)}"))
    feed = CalendarFeed.objects.filter(user=user).first() or CalendarFeed.turn_on(user)
    if feed.token is None:  # sealed under another SECRET_KEY
        feed.renew()
    pages.append(Page("ics", "ICS feed", username, urlsplit(feed.url).path, login=False))
    if acceptance_path:
        pages.append(Page("acceptance", "acceptance page (client, GET)", username, acceptance_path, login=False))
    else:
        pages.append(Page("acceptance", "acceptance page (client, GET)", username, "", problem="no delivered phase"))
    invoice = Invoice.objects.filter(owner=user).exclude(status="draft").order_by("-issue_date", "-pk").first()
    if invoice is None:
        pages.append(Page("stored_pdf", "invoice PDF (stored)", username, "", problem="no sent invoice"))
    else:
        pages.append(Page("stored_pdf", "invoice PDF (stored)", username,
                          reverse("contracts:invoice_pdf", args=[invoice.pk])))  # fmt: skip
    return pages


def bump_page_cache() -> None:
    """Make every cached page stale (the lead's page cache, if the app has it)."""
    try:
        from freelance.lib import pagecache
    except ImportError:
        return
    bump = getattr(pagecache, "bump", None)
    if bump is not None:
        bump()


def measure_in_process(pages: list[Page], acceptance_tokens: dict[str, str], runs: int) -> None:
    """Per page: queries and server time of a page built from scratch, and as served."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    browsers: dict[str, Client] = {}
    for page in pages:
        if page.problem or page.key == "acceptance_post":
            continue
        if page.login:
            browser = browsers.get(page.user)
            if browser is None:
                browser = browsers[page.user] = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
                browser.force_login(get_user_model().objects.get(username=page.user))
        else:
            browser = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
            if page.key == "acceptance":
                browser.get(f"/l/{acceptance_tokens[page.user]}/")
        headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in page.headers.items()}
        response = browser.get(page.path, **headers)  # warm-up
        if response.status_code != 200:
            page.problem = f"in-process GET answered {response.status_code}"
            continue
        built, served, queries = [], [], []
        for _ in range(runs):
            bump_page_cache()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                browser.get(page.path, **headers)
                built.append(time.perf_counter() - started)
            queries.append(len(captured))
        for _ in range(runs):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                browser.get(page.path, **headers)
                served.append(time.perf_counter() - started)
        page.inproc = {
            "queries": max(queries),
            "queries_served": len(captured),
            "built_ms": statistics.median(built) * 1000,
            "served_ms": statistics.median(served) * 1000,
        }


# -- PDFs, sweep, export ---------------------------------------------------------------------


def _render(kind: str, pk: int) -> None:
    if kind == "invoice":
        from contracts.invoices import invoice_pdf
        from contracts.models import Invoice

        invoice_pdf(Invoice.objects.get(pk=pk))
    else:
        from contracts.models import ContractVersion
        from contracts.rendering import version_pdf

        version_pdf(ContractVersion.objects.get(pk=pk))


def measure_pdfs(env: dict[str, str], mode: Mode) -> dict[str, dict]:
    from django.contrib.auth import get_user_model

    from contracts.models import ContractVersion, Invoice

    user = get_user_model().objects.get(username="longtime")
    invoice = Invoice.objects.filter(owner=user).exclude(status="draft").order_by("-issue_date", "-pk").first()
    version = ContractVersion.objects.filter(contract__project__owner=user).order_by("-pk").first()
    results = {}
    for kind, obj in (("invoice", invoice), ("contract", version)):
        if obj is None:
            results[kind] = {"problem": f"longtime has no {kind} to render"}
            continue
        _render(kind, obj.pk)  # warm-up
        warm = []
        for _ in range(5):
            started = time.perf_counter()
            _render(kind, obj.pk)
            warm.append(time.perf_counter() - started)
        child = [sys.executable, "-m", "tests.benchmarks.run", "--render", f"{kind}:{obj.pk}"]

        def cold_run(argv: list[str]) -> float:
            started = time.perf_counter()
            subprocess.run(argv, check=True, env=env, cwd=BASE_DIR)
            return time.perf_counter() - started

        first = cold_run(child)  # may compile bytecode into the cache
        cold = [cold_run(child) for _ in range(mode.cold_runs)]
        results[kind] = {"warm": statistics.median(warm), "cold": statistics.median(cold), "first": first}
    return results


def measure_sweep() -> dict:
    """The beat's two reminder tasks over the whole install, in a transaction rolled back after."""
    from django.db import connection, transaction
    from django.utils import timezone

    from contracts import reminders
    from contracts.models import BusinessProfile
    from freelance.dashboard import digest
    from projects import nudges

    class Rollback(Exception):
        pass

    counted = {"n": 0}

    def count(execute, sql, params, many, context):
        counted["n"] += 1
        return execute(sql, params, many, context)

    now = timezone.now()
    today = timezone.localdate(now)
    settings_for = BusinessProfile.nudge_settings_for
    sweeps = [
        ("payment reminders", reminders.sweep_payment_reminders),
        ("acceptance nudges", lambda: nudges.sweep_acceptance_nudges(today, settings_for=settings_for)),
        ("decision nudges", lambda: nudges.sweep_decision_nudges(today, settings_for=settings_for)),
        ("talk nudges", lambda: nudges.sweep_talk_nudges(today, settings_for=settings_for)),
        ("rate reviews", lambda: reminders.sweep_rate_reviews(today)),
        ("digests", lambda: digest.sweep_digests(today, now)),
    ]
    parts = []
    started = time.perf_counter()
    try:
        with transaction.atomic(), connection.execute_wrapper(count):
            for label, sweep in sweeps:
                before, t0 = counted["n"], time.perf_counter()
                result = sweep()
                per_batch = result.per_batch_queries or [0]
                parts.append({"label": label, "seconds": time.perf_counter() - t0, "queries": counted["n"] - before,
                              "batches": result.batches, "scanned": result.scanned, "sent": result.sent,
                              "per_batch": (min(per_batch), statistics.median(per_batch), max(per_batch))})  # fmt: skip
            raise Rollback
    except Rollback:
        pass
    return {"seconds": time.perf_counter() - started, "queries": counted["n"], "parts": parts}


def measure_export(env: dict[str, str], var_dir: Path) -> dict:
    """``manage.py export_records longtime`` in a child process: time, size and peak RSS."""
    target = var_dir / "export-longtime.zip"
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "manage.py", "export_records", "longtime", "-o", str(target)],
        env=env, cwd=BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"export_records failed: {child.stderr.read().decode()[-2000:]}")
    size = target.stat().st_size
    target.unlink()
    return {"seconds": seconds, "peak_mb": usage.ru_maxrss / 1024, "size_mb": size / 1e6}


# -- HTTP ------------------------------------------------------------------------------------


def preflight(server: _services.Gunicorn, page: Page, cookie: str) -> None:
    browser = Browser(server.base)
    status, headers, _body = browser.get(page.path, headers={**page.headers, **({"Cookie": cookie} if cookie else {})})
    if status != 200:
        page.problem = f"GET answered {status} {headers.get('Location', '')}".strip()


def open_post_links(server: _services.Gunicorn, links: list, var_dir: Path) -> Path:
    """Open every link in its own browser (a session each), then write wrk's request file."""
    hashes = _fixtures.snapshot_hashes([link.request_pk for link in links])
    csrf = secrets.token_hex(16)  # a 32-character CSRF secret: Django takes it as cookie and field

    def open_one(link) -> str:
        browser = Browser(server.base)
        path = browser.open_link(link.token)
        body = (f"csrfmiddlewaretoken={csrf}&decision=accept&accept-typed_name={quote(link.typed_name)}"
                f"&accept-confirm=on&accept-snapshot_hash={hashes[link.request_pk]}")  # fmt: skip
        return f"{path}\tsessionid={browser.cookies['sessionid']}; csrftoken={csrf}\t{body}"

    with ThreadPoolExecutor(max_workers=4) as pool:
        lines = list(pool.map(open_one, links))
    path = var_dir / "accept-posts.tsv"
    path.write_text("\n".join(lines) + "\n")
    return path


def ab_runs(wrk: str, server: _services.Gunicorn, pages: list[Page], cookies: dict[str, str], mode: Mode,
            var_dir: Path, post_file: Path | None, say) -> None:  # fmt: skip
    """H P1 H P2 H ... per round; each page run is compared with the health runs on both sides."""
    report = _wrk.script(var_dir, "report")
    post_script = _wrk.script(var_dir, "accept_post")
    offset = 0
    # The targets are the long-time freelancer's; the small one is compared in-process.
    runnable = [p for p in pages if not p.problem and (p.user == "longtime" or p.key == "acceptance_post")]

    def health() -> _wrk.Run:
        return _wrk.run(wrk, server.base + "/health/", mode.health_seconds, lua=report)

    for round_number in range(mode.rounds):
        say(f"wrk: round {round_number + 1} of {mode.rounds}, {len(runnable)} pages")
        before = health()
        for page in runnable:
            if page.key == "acceptance_post":
                run = _wrk.run(wrk, server.base + "/", mode.seconds, lua=post_script,
                               args=[str(post_file), str(offset), "2"])  # fmt: skip
                offset += 2 * run.extra["max_sent"]
            else:
                headers = dict(page.headers)
                if page.login:
                    headers["Cookie"] = cookies[page.user]
                elif page.key == "acceptance":
                    headers["Cookie"] = cookies[f"client:{page.user}"]
                run = _wrk.run(wrk, server.base + page.path, mode.seconds, headers=headers, lua=report)
            after = health()
            page.rounds.append({"run": run, "health": (before.p50_ms + after.p50_ms) / 2})
            before = after


def load_runs(wrk: str, server: _services.Gunicorn, pages: list[Page], cookies: dict[str, str], mode: Mode,
              var_dir: Path, say) -> list[dict]:  # fmt: skip
    report = _wrk.script(var_dir, "report")
    results = []
    for key in ("acceptance", "dashboard"):
        page = next((p for p in pages if p.key == key and p.user == "longtime" and not p.problem), None)
        if page is None:
            results.append({"label": key, "problem": "page not available"})
            continue
        cookie = cookies["longtime"] if page.login else cookies["client:longtime"]
        say(f"load: 50 connections for {mode.load_seconds:g} s on the {page.label}")
        run = _wrk.run(wrk, server.base + page.path, mode.load_seconds, connections=50,
                       headers={**page.headers, "Cookie": cookie}, lua=report)  # fmt: skip
        results.append({"label": f"{page.label}, longtime", "run": run})
    return results


# -- the report ------------------------------------------------------------------------------


def mark(ok: bool | None) -> str:
    return "" if ok is None else ("✅" if ok else "❌")


def page_summary(page: Page) -> dict:
    runs = [r["run"] for r in page.rounds]
    ratios = [r["run"].p50_ms / r["health"] for r in page.rounds if r["health"]]
    return {
        "p50": statistics.median(r.p50_ms for r in runs),
        "p95": statistics.median(r.p95_ms for r in runs),
        "rps": statistics.median(r.rps for r in runs),
        "health": statistics.median(r["health"] for r in page.rounds),
        "ratio": statistics.median(ratios) if ratios else float("nan"),
        "errors": sum(r.error_count for r in runs),
        "requests": sum(r.requests for r in runs),
        "accepted": sum(r.extra.get("accepted", 0) for r in runs),
        "other": sum(r.extra.get("other", 0) for r in runs),
        "sent": sum(r.extra.get("sent", 0) for r in runs),
    }


def render_report(ctx: dict) -> tuple[str, list[tuple[str, bool]]]:
    mode: Mode = ctx["mode"]
    checks: list[tuple[str, bool]] = []
    out = []
    w = out.append
    w("# Performance")
    w("")
    w(f"Measured {ctx['date']:%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores "
      f"(load average before the run {ctx['load_avg']:.2f}), commit {ctx['commit']}"
      f"{' — **--quick run: small data, short runs; not the reference numbers**' if mode.quick else ''}.")  # fmt: skip
    w("")
    w(", ".join(f"{k} {v}" for k, v in ctx["versions"].items()) + ".")
    w("")
    w("Reproduce: `apt-get install --no-install-recommends wrk postgresql`, then "
      f"`uv run python -m tests.benchmarks.run{' --quick' if mode.quick else ''}` "
      "(with `--database-url postgres://…/<name>bench` to keep the generated data between runs).")  # fmt: skip
    w("")
    data = ctx["data"]
    sizes = ctx["sizes"]
    lt, sm, inst = sizes["longtime"], sizes["small"], sizes["install"]
    how = (data.get("output") or "").splitlines()[0] if data.get("output") else f"generate_data --seed {ctx['seed']}"
    w(f"Data: `{how}` (scale {mode.scale:g}, {mode.hosted} hosted freelancers): "
      f"longtime {lt['clients']:,} clients, {lt['projects']:,} projects, {lt['phases']:,} phases, "
      f"{lt['hours']:,} time entries, {lt['invoices']:,} invoices; small {sm['projects']:,} projects, "
      f"{sm['invoices']:,} invoices; the install {inst['freelancers']:,} logins, {inst['invoices']:,} invoices, "
      f"{inst['phases']:,} phases. Generated in **{data['seconds']:.0f} s**"
      f"{' (an earlier run, ' + format(data['generated_at'], '%Y-%m-%d %H:%M') + '; reused)' if data['reused'] else ''}.")  # fmt: skip
    w("")
    w(
        f"## Pages under wrk (gunicorn, 2 sync workers, DEBUG off; -t2 -c8, {mode.rounds} round(s) of "
        f"{mode.seconds:g} s per page between {mode.health_seconds:g} s runs of /health/)"
    )
    w("")
    w(
        "Ratio: the page's p50 over /health/'s p50 in the runs just before and after it (median over rounds). "
        'Queries and server time: in-process (Django\'s test client), "built" with the page cache made stale '
        'before each request, "served" as it comes. Under wrk: the long-time freelancer (whose pages the targets '
        "are); the small one in-process only."
    )
    w("")
    w("| page | user | p50 ms | p95 ms | req/s | /health/ p50 ms | ratio | target | queries | built ms | served ms |")
    w("|---|---|--:|--:|--:|--:|--:|:-:|--:|--:|--:|")
    for page in ctx["pages"]:
        ip = page.inproc
        inproc = f"{ip['queries']} | {ip['built_ms']:.1f} | {ip['served_ms']:.1f}" if ip else " | | "
        if page.problem or not page.rounds:
            w(f"| {page.label} | {page.user} | — | — | — | — | — | | {inproc} |".replace("|  |", "| |")
              + (f" {page.problem}" if page.problem else ""))  # fmt: skip
            if page.problem:
                checks.append((f"{page.label} ({page.user}): {page.problem}", False))
            continue
        s = page_summary(page)
        limit = TARGETS.get(page.key) if page.user == "longtime" else None
        ok = None if limit is None else s["ratio"] <= limit
        if limit is not None:
            checks.append((f"{page.label} ≤ {limit:g}× /health/ (longtime): {s['ratio']:.1f}×", ok))
        target = f"≤{limit:g}× {mark(ok)}" if limit else ""
        w(f"| {page.label} | {page.user} | {s['p50']:.1f} | {s['p95']:.1f} | {s['rps']:.0f} | {s['health']:.2f} | "
          f"{s['ratio']:.1f}× | {target} | {inproc} |")  # fmt: skip
    post = next((p for p in ctx["pages"] if p.key == "acceptance_post" and p.rounds), None)
    if post:
        s = page_summary(post)
        outcome = ctx["post_outcome"]
        # wrk counts the answers it read; the POSTs still in flight when a run ends were decided
        # too, so the links used lie between the 302s counted and the requests sent.
        ok = (
            s["other"] == 0
            and s["accepted"] <= outcome["links_used"] <= s["sent"]
            and outcome["links_used"] == outcome["acceptances"] == outcome["phases_accepted"]
        )
        checks.append((f"acceptance POSTs: {s['accepted']} answered 302, none otherwise: {s['other']}; "
                       f"{outcome['links_used']} links used, each with its acceptance", ok))  # fmt: skip
        w("")
        w(f"Acceptance POST: {s['sent']} POSTs sent on fresh links (one link each), {s['accepted']} answers read "
          f"were 302 (decided), {s['other']} otherwise; afterwards {outcome['links_used']} links used, "
          f"{outcome['acceptances']} acceptances recorded, {outcome['phases_accepted']} phases accepted {mark(ok)} "
          "(POSTs still in flight when a wrk run ends are decided but not counted by wrk).")  # fmt: skip
    w("")
    w(f"## Small vs long-time freelancer (same page, in-process; target within {SAME_WITHIN:g}×)")
    w("")
    w(
        "| page | queries small | queries longtime | ratio | built ms small | built ms longtime | ratio | "
        "served ms small | served ms longtime |"
    )
    w("|---|--:|--:|--:|--:|--:|--:|--:|--:|")
    by_label: dict[str, dict[str, Page]] = {}
    for page in ctx["pages"]:
        if page.inproc:
            by_label.setdefault(page.label.split(" ?q=")[0], {})[page.user] = page
    for label, pair in by_label.items():
        if set(pair) != set(USERS):
            continue
        a, b = pair["small"].inproc, pair["longtime"].inproc
        q_ratio = b["queries"] / a["queries"] if a["queries"] else float("inf")
        t_ratio = b["built_ms"] / a["built_ms"] if a["built_ms"] else float("inf")
        ok_q, ok_t = q_ratio <= SAME_WITHIN, t_ratio <= SAME_WITHIN
        checks.append((f"{label}: longtime/small queries {q_ratio:.2f}×, server time {t_ratio:.2f}×", ok_q and ok_t))
        w(
            f"| {label} | {a['queries']} | {b['queries']} | {q_ratio:.2f}× {mark(ok_q)} | {a['built_ms']:.1f} | "
            f"{b['built_ms']:.1f} | {t_ratio:.2f}× {mark(ok_t)} | {a['served_ms']:.1f} | {b['served_ms']:.1f} |"
        )
    w("")
    w("## PDFs (longtime's latest sent invoice and latest contract version; in-process)")
    w("")
    w("| document | warm s (median of 5) | cold s (new process, median) | first cold s | target |")
    w("|---|--:|--:|--:|:-:|")
    for kind, limit in (("invoice", INVOICE_PDF_LIMIT), ("contract", CONTRACT_PDF_LIMIT)):
        r = ctx["pdfs"].get(kind, {})
        if "problem" in r:
            w(f"| {kind} | — | — | — | {r['problem']} |")
            checks.append((f"{kind} PDF: {r['problem']}", False))
            continue
        ok = r["warm"] <= limit
        checks.append((f"{kind} PDF warm {r['warm']:.2f} s ≤ {limit:g} s", ok))
        w(f"| {kind} | {r['warm']:.3f} | {r['cold']:.2f} | {r['first']:.2f} | ≤{limit:g} s warm {mark(ok)} |")
    stored = [p for p in ctx["pages"] if p.key == "stored_pdf" and p.rounds and p.user == "longtime"]
    if stored:
        w("")
        w(f"The stored invoice PDF over HTTP: see the table above ({page_summary(stored[0])['ratio']:.1f}× /health/).")
    sweep = ctx["sweep"]
    ok = sweep["seconds"] <= SWEEP_LIMIT
    checks.append((f"reminder sweep {sweep['seconds']:.1f} s ≤ {SWEEP_LIMIT:g} s", ok))
    w("")
    w(
        f"## Reminder sweep over the install: {sweep['seconds']:.1f} s, {sweep['queries']:,} queries {mark(ok)} "
        f"(target ≤{SWEEP_LIMIT:g} s)"
    )
    w("")
    w(
        "The beat's payment-reminder and nudge tasks in one transaction that is rolled back afterwards (so each run "
        "sweeps the same rows; mails are queued, not sent)."
    )
    w("")
    w("| sweep | s | queries | batches | scanned | sent | queries per batch min/median/max |")
    w("|---|--:|--:|--:|--:|--:|--:|")
    for part in sweep["parts"]:
        lo, mid, hi = part["per_batch"]
        w(
            f"| {part['label']} | {part['seconds']:.2f} | {part['queries']:,} | {part['batches']} | "
            f"{part['scanned']:,} | {part['sent']:,} | {lo}/{mid:g}/{hi} |"
        )
    w("")
    w(f"## Load: 50 connections for {mode.load_seconds:g} s (wrk -t2 -c50, timeout 30 s)")
    w("")
    w("| page | requests | req/s | p50 ms | p95 ms | p99 ms | errors | target |")
    w("|---|--:|--:|--:|--:|--:|--:|:-:|")
    for load in ctx["load"]:
        if "problem" in load:
            w(f"| {load['label']} | — | — | — | — | — | — | {load['problem']} |")
            checks.append((f"load on {load['label']}: {load['problem']}", False))
            continue
        run = load["run"]
        ok = run.error_count == 0
        checks.append((f"load on {load['label']}: {run.error_count} errors", ok))
        detail = ", ".join(f"{k} {v}" for k, v in run.errors.items() if v)
        w(
            f"| {load['label']} | {run.requests:,} | {run.rps:.0f} | {run.p50_ms:.0f} | {run.p95_ms:.0f} | "
            f"{run.p99_ms:.0f} | {run.error_count}{' (' + detail + ')' if detail else ''} | zero {mark(ok)} |"
        )
    w("")
    w("## Memory")
    w("")
    rss = ctx["worker_rss"]
    ok = bool(rss) and max(rss) < WORKER_RSS_LIMIT
    checks.append((f"gunicorn workers {', '.join(f'{r:.0f}' for r in rss)} MB RSS < {WORKER_RSS_LIMIT:g} MB", ok))
    w(
        f"- gunicorn workers after the run: {', '.join(f'{r:.0f} MB' for r in rss)} RSS {mark(ok)} "
        f"(target < {WORKER_RSS_LIMIT:g} MB)"
    )
    export = ctx["export"]
    ok = export["peak_mb"] < EXPORT_RSS_LIMIT
    checks.append((f"export of longtime peak {export['peak_mb']:.0f} MB < {EXPORT_RSS_LIMIT:g} MB", ok))
    w(
        f"- export of longtime's records (`manage.py export_records longtime`): peak RSS {export['peak_mb']:.0f} MB "
        f"{mark(ok)} (target < {EXPORT_RSS_LIMIT:g} MB), {export['seconds']:.1f} s, {export['size_mb']:.1f} MB ZIP"
    )
    w("")
    w("## Test suite")
    w("")
    w(f"- `{' '.join(SUITE_COMMAND)}`: {ctx['suite']}")
    w("")
    w("## Targets")
    w("")
    met = sum(1 for _label, ok in checks if ok)
    w(f"{met} of {len(checks)} met.")
    w("")
    for label, ok in checks:
        w(f"- {mark(ok)} {label}")
    w("")
    w(f"Harness wall time: {ctx['wall']:.0f} s (data generation {'reused' if data['reused'] else 'included'}).")
    return "\n".join(out) + "\n", checks


def suite_time(run_it: bool, say) -> str:
    if run_it:
        say(f"suite: running `{' '.join(SUITE_COMMAND)}`")
        started = time.perf_counter()
        done = subprocess.run(SUITE_COMMAND, cwd=BASE_DIR, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        SUITE_FILE.parent.mkdir(exist_ok=True)
        SUITE_FILE.write_text(f"{seconds:.0f}\n")
        tail = (done.stdout.strip().splitlines() or [""])[-1]
        return f"{seconds:.0f} s, measured in this run (exit code {done.returncode}: {tail})"
    if SUITE_FILE.exists():
        stamp = datetime.fromtimestamp(SUITE_FILE.stat().st_mtime, UTC)
        seconds, _, what = SUITE_FILE.read_text().strip().partition("\n")
        what = f", {what}" if what else ""
        return (f"{float(seconds):.0f} s (the last whole green run on this machine, {stamp:%Y-%m-%d %H:%M} UTC{what}; "
                "`uv run pytest` records it, `--suite` runs it here)")  # fmt: skip
    return "not measured yet (a whole green `uv run pytest` records it; `--suite` runs it here)"


# -- main ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="scale 0.01, 5 hosted, 2 s runs: to check the harness")
    parser.add_argument("--regenerate", action="store_true", help="empty the database and generate the data again")
    parser.add_argument("--suite", action="store_true", help="also run the test suite and record its wall time")
    parser.add_argument("--database-url", help="a postgres:// database to empty and use (never real data)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, help="data scale (default 1, --quick 0.01)")
    parser.add_argument("--hosted", type=int, help="hosted freelancers (default 1000, --quick 5)")
    parser.add_argument("--rounds", type=int, help="A/B rounds per page (default 2, --quick 1)")
    parser.add_argument("--seconds", type=float, help="seconds per wrk run of a page (default 3, --quick 2)")
    parser.add_argument(
        "--output", default=str(OUTPUT), help="the Markdown file to write (default docs/performance.md)"
    )
    parser.add_argument("--var-dir", help="keep the run's files here (default: a temporary directory, removed)")
    parser.add_argument("--render", help=argparse.SUPPRESS)  # the cold-render child: kind:pk
    args = parser.parse_args(argv)

    if args.render:
        import django

        django.setup()
        kind, pk = args.render.split(":")
        _render(kind, int(pk))
        return 0

    started_all = time.perf_counter()
    mode = QUICK if args.quick else FULL
    if args.rounds:
        mode.rounds = args.rounds
    if args.seconds:
        mode.seconds = args.seconds
    if args.scale:
        mode.scale = args.scale
    if args.hosted is not None:
        mode.hosted = args.hosted
    wrk = _wrk.find()
    database_url = _services.choose_database(args.database_url)
    var_dir = Path(args.var_dir).resolve() if args.var_dir else Path(tempfile.mkdtemp(prefix="mijlpaal-bench-"))
    var_dir.mkdir(parents=True, exist_ok=True)

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - started_all:6.1f} s] {message}", file=sys.stderr, flush=True)

    load = os.getloadavg()[0]
    cleanups = []
    server = None
    try:
        if database_url is None:
            cluster = _services.ThrowawayPostgres(var_dir)
            say(f"postgres: a throwaway cluster ({cluster.version()}) on port {cluster.port}")
            cluster.start()
            cleanups.append(cluster.stop)
            database_url = cluster.url
        else:
            _services.ensure_database(database_url)
        redis_url = os.environ.get("REDIS_URL", "")
        if not redis_url:
            redis = _services.EmbeddedRedis(var_dir)
            redis.start()
            cleanups.append(redis.stop)
            redis_url = redis.url
        port = _services.free_port()
        env = child_env(database_url, redis_url, var_dir, port)
        setup_django(env)
        data = ensure_data(mode, args.seed, args.regenerate, env, say)
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
        sizes = data_sizes()
        info = versions(wrk)

        say("fixtures: fresh acceptance links, and the links for the POSTs")
        from django.contrib.auth import get_user_model

        tokens: dict[str, str] = {}
        for username in USERS:
            token = _fixtures.fresh_acceptance_link(get_user_model().objects.get(username=username))
            if token:
                tokens[username] = token
        post_links = _fixtures.post_links(mode.post_links)
        cleanups.append(_fixtures.delete_accept_user)

        # The acceptance page's path is known once its link is opened; in-process it is opened too.
        from freelance.lib.tokens import token_hash
        from freelance.links.models import ClientLink

        acceptance_paths = {u: ClientLink.objects.get(token_hash=token_hash(t)).get_absolute_url()
                            for u, t in tokens.items()}  # fmt: skip
        pages: list[Page] = []
        for username in USERS:
            pages += pages_for(username, acceptance_paths.get(username))
        pages.append(Page("acceptance_post", "acceptance POST (client, fresh links)", "benchaccept", "", login=False))

        say(f"in-process: queries and server time of {len(pages) - 1} pages")
        measure_in_process(pages, tokens, mode.runs)
        say("in-process: PDFs warm and cold")
        pdfs = measure_pdfs(env, mode)
        say("in-process: the reminder sweeps over the install")
        sweep = measure_sweep()
        say("export: longtime's records in a child process")
        export = measure_export(env, var_dir)
        from django.db import connections

        connections.close_all()

        say(f"gunicorn: 2 sync workers on 127.0.0.1:{port}")
        server = _services.Gunicorn(env, port, var_dir / "gunicorn.log")
        server.start()
        cookies: dict[str, str] = {}
        for username in USERS:
            browser = Browser(server.base)
            browser.login(username, PASSWORD)
            cookies[username] = browser.cookie_header("sessionid", "csrftoken")
            if username in tokens:
                client = Browser(server.base)
                client.get(client.open_link(tokens[username]))  # the page sets the CSRF cookie, as in a browser
                cookies[f"client:{username}"] = client.cookie_header("sessionid", "csrftoken")
        for page in pages:
            if page.problem or page.key == "acceptance_post":
                continue
            cookie = cookies[page.user] if page.login else cookies.get(f"client:{page.user}", "")
            preflight(server, page, cookie)  # also renders and stores a PDF the worker has not yet
        say(f"fixtures: opening {len(post_links)} links for the POSTs")
        post_file = open_post_links(server, post_links, var_dir)

        ab_runs(wrk, server, pages, cookies, mode, var_dir, post_file, say)
        post_outcome = _fixtures.post_outcome(post_links)
        load_results = load_runs(wrk, server, pages, cookies, mode, var_dir, say)
        worker_rss = server.worker_rss_mb()
        server.stop()
        suite = suite_time(args.suite, say)

        context = {
            "mode": mode, "date": datetime.now(UTC), "load_avg": load, "commit": git_commit(), "versions": info,
            "seed": args.seed, "data": data, "sizes": sizes, "pages": pages, "post_outcome": post_outcome,
            "pdfs": pdfs, "sweep": sweep, "load": load_results, "worker_rss": worker_rss, "export": export,
            "suite": suite, "wall": time.perf_counter() - started_all,
        }  # fmt: skip
        text, _checks = render_report(context)
        print(text)
        Path(args.output).write_text(text)
        say(f"written to {args.output}")
        return 0
    except Exception:
        traceback.print_exc()
        if server is not None:
            say(f"gunicorn's log: {server.log}")
        return 1
    finally:
        if server is not None:
            server.stop()
        for cleanup in reversed(cleanups):
            try:
                cleanup()
            except Exception:
                traceback.print_exc()
        if not args.var_dir:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
