"""`manage.py backup_database -o PATH`: a consistent copy of the whole database, while the app runs.

SQLite: SQLite's online backup (what the sqlite3 shell's `.backup` does), then an integrity
check of the copy. PostgreSQL: `pg_dump -Fc` with the connection settings of DATABASE_URL
(the password goes in the environment, never on the command line); restore it with
`pg_restore`. The file appears only when the backup is complete.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone


def backup_sqlite(connection, path: Path) -> None:
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        with target:
            connection.connection.backup(target)
        (result,) = target.execute("PRAGMA integrity_check").fetchone()
    finally:
        target.close()
    if result != "ok":
        raise CommandError(f"The copy fails SQLite's integrity check: {result}")


def pg_environment(settings_dict: dict) -> dict:
    env = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    env["PGDATABASE"] = settings_dict["NAME"]
    options = settings_dict.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = options["sslmode"]
    return env


def backup_postgresql(connection, path: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise CommandError("pg_dump is not installed (Debian/Ubuntu: apt install postgresql-client).")
    done = subprocess.run(  # noqa: S603 - a fixed program, arguments from our own settings
        [pg_dump, "--format=custom", "--file", str(path)],
        env=pg_environment(connection.settings_dict),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise CommandError(f"pg_dump failed: {done.stderr.strip()}")


class Command(BaseCommand):
    help = "Back up the whole database to a file while the app runs (SQLite: online backup; PostgreSQL: pg_dump -Fc)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "-o", "--output", help="the backup file (default var/backup-<date and time>.sqlite3 or .dump)"
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, output: str | None, database: str, **options) -> None:
        connection = connections[database]
        if connection.vendor not in ("sqlite", "postgresql"):
            raise CommandError(f"No backup method for {connection.vendor}.")
        suffix = ".sqlite3" if connection.vendor == "sqlite" else ".dump"
        path = Path(output or f"backup-{timezone.localtime():%Y%m%d-%H%M%S}{suffix}").resolve()
        partial = path.with_name(path.name + ".partial")
        partial.unlink(missing_ok=True)
        try:
            if connection.vendor == "sqlite":
                backup_sqlite(connection, partial)
            else:
                backup_postgresql(connection, partial)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(f"Backed up the {connection.vendor} database to {path} ({path.stat().st_size:,} bytes).")
