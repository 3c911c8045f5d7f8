"""How long the default contract takes to render as a PDF/A-3b.

    uv run python -m tests.benchmarks.contract_pdf [--language nl|en|both]

Builds the default contract (from the loaded default template) for a realistic
three-phase project with two risks, rates and three surcharge rules, in a throwaway
SQLite database in a temporary VAR_DIR, and freezes it as version 1. Then it renders
that version with `contracts.rendering.version_pdf`:

- cold: in a fresh Python process, timed from the parent, so interpreter start, imports,
  Django setup and WeasyPrint's first-render setup all count; the median of 3;
- warm: in this process after one warm-up render, the median of 5.

Exits non-zero if warm >= 1 s or cold >= 3 s. Not a pytest module: no test_ prefix.

Bytecode: the Docker image compiles it at install (UV_COMPILE_BYTECODE=1), but a dev
environment with PYTHONDONTWRITEBYTECODE=1 and no .pyc files compiles Django and
WeasyPrint from source in every new process, which adds seconds. The cold runs therefore
use a bytecode cache in the temporary directory (PYTHONPYCACHEPREFIX), primed by one
untimed-for-the-limit run whose time is printed as "first".

WeasyPrint's INFO progress log is silenced, so the output stays readable.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
WARM_LIMIT = 1.0
COLD_LIMIT = 3.0
WARM_RUNS = 5
COLD_RUNS = 3


def _setup_django(var_dir: str) -> None:
    os.environ["VAR_DIR"] = var_dir
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(var_dir) / 'benchmark.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "freelance.settings"
    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _render_once(version_pk: int) -> None:
    """The cold child: set up Django, load the version, render it once."""
    from contracts.models import ContractVersion
    from contracts.rendering import version_pdf

    version_pdf(ContractVersion.objects.get(pk=version_pk))


def _build_versions(languages: list[str]) -> dict[str, int]:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from contracts.models import ContractTemplate
    from contracts.rendering import freeze
    from contracts.samples import contract_from_template, create_sample_project

    call_command("migrate", verbosity=0)  # the data migration loads the default templates
    versions = {}
    for language in languages:
        user = get_user_model().objects.create_user(
            f"bench-{language}", f"bench-{language}@example.nl", first_name="Sanne", last_name="Jansen"
        )
        template = ContractTemplate.objects.get(language=language, is_default=True)
        contract = contract_from_template(create_sample_project(user, language), template)
        versions[language] = freeze(contract, actor=user).pk
    return versions


def _pages(pdf: bytes, var_dir: str) -> int:
    path = Path(var_dir) / "contract.pdf"
    path.write_bytes(pdf)
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo is None:
        raise SystemExit("pdfinfo (poppler-utils) is needed to count the pages")
    info = subprocess.run([pdfinfo, str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def _measure(language: str, version_pk: int, var_dir: str) -> dict:
    from contracts.models import ContractVersion
    from contracts.rendering import version_pdf

    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(Path(var_dir) / "pycache")
    child = [sys.executable, "-m", "tests.benchmarks.contract_pdf", "--render", str(version_pk), "--var-dir", var_dir]

    def cold_run() -> float:
        started = time.perf_counter()
        subprocess.run(child, check=True, env=env, cwd=BASE_DIR)
        return time.perf_counter() - started

    first = cold_run()  # fills the bytecode cache if the environment has none
    cold = statistics.median(cold_run() for _ in range(COLD_RUNS))

    version = ContractVersion.objects.get(pk=version_pk)
    pdf = version_pdf(version)  # warm-up
    timings = []
    for _ in range(WARM_RUNS):
        started = time.perf_counter()
        version_pdf(version)
        timings.append(time.perf_counter() - started)
    return {
        "language": language,
        "pages": _pages(pdf, var_dir),
        "first": first,
        "cold": cold,
        "warm": statistics.median(timings),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--language", choices=["nl", "en", "both"], default="both")
    parser.add_argument("--render", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--var-dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.render is not None:
        _setup_django(args.var_dir)
        _render_once(args.render)
        return 0

    var_dir = tempfile.mkdtemp(prefix="mijlpaal-bench-")
    try:
        _setup_django(var_dir)
        languages = ["nl", "en"] if args.language == "both" else [args.language]
        versions = _build_versions(languages)
        failed = False
        print(f"{'language':<9} {'pages':>5} {'first (s)':>10} {'cold (s)':>9} {'warm (s)':>9}")
        for language, pk in versions.items():
            result = _measure(language, pk, var_dir)
            ok = result["warm"] < WARM_LIMIT and result["cold"] < COLD_LIMIT
            failed |= not ok
            print(
                f"{language:<9} {result['pages']:>5} {result['first']:>10.2f} {result['cold']:>9.2f} {result['warm']:>9.2f}"
                f"{'' if ok else '  TOO SLOW'}"
            )
        print(
            f"limits: warm < {WARM_LIMIT:.1f} s (median of {WARM_RUNS}), "
            f"cold < {COLD_LIMIT:.1f} s (new process, median of {COLD_RUNS}; 'first' may compile bytecode)"
        )
        return 1 if failed else 0
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
