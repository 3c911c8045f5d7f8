"""`manage.py backup_database` while the app runs, then restore it and find the same records.

SQLite: the online backup API (what the sqlite3 shell's `.backup` does), opened with sqlite3.
PostgreSQL: `pg_dump -Fc`, restored with `pg_restore` into a new database made with `psql`
(127.0.0.1, user postgres, as on CI); skipped on SQLite, and on a laptop without the client
tools; with CI=true a missing tool fails the test.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import uuid

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from tests.export.records import fresh_install, make_records
from tests.helpers import require_command

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def records():
    fresh_install()
    user = get_user_model().objects.create_user("alice", "alice@example.nl", "x")
    make_records(user)
    return user


def verify_in(database_url: str, owner_id: int) -> dict:
    """Open the restored database in a fresh process, as a restored install would, and check it."""
    script = (
        "import json; from freelance.evidence.chain import verify_chain; from projects.models import Client; "
        f"r = verify_chain({owner_id}); "
        "print(json.dumps({'ok': r.ok, 'checked': r.checked, 'clients': list(Client.objects.values_list('name', flat=True))}))"
    )
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": django_settings.REDIS_URL}
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=django_settings.BASE_DIR, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_sqlite_online_backup_restores_with_the_records_and_their_chain(records, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite backup runs on SQLite")
    path = tmp_path / "backup.sqlite3"
    out = io.StringIO()
    call_command("backup_database", "-o", str(path), stdout=out)
    assert "Backed up the sqlite database" in out.getvalue()
    assert not (tmp_path / "backup.sqlite3.partial").exists()

    copy = sqlite3.connect(path)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        chain = copy.execute("SELECT count(*) FROM evidence_evidenceentry WHERE owner_id = ?", [records.pk]).fetchone()
        assert chain == (1,)
    finally:
        copy.close()

    # Restoring is copying the file into place; the app then finds the records and a sound chain.
    restored = tmp_path / "restored.sqlite3"
    restored.write_bytes(path.read_bytes())
    assert verify_in(f"sqlite:///{restored}", records.pk) == {"ok": True, "checked": 1, "clients": ["Bakkerij Jansen"]}


def psql(*args: str, database: str = "postgres") -> str:
    settings = connection.settings_dict
    command = [require_command("psql"), "-h", settings["HOST"] or "127.0.0.1", "-p", str(settings["PORT"] or 5432)]
    command += ["-U", settings["USER"] or "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-At", *args]
    env = {**os.environ, **({"PGPASSWORD": settings["PASSWORD"]} if settings["PASSWORD"] else {})}
    return subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout


def test_postgresql_dump_restores_into_a_new_database_with_the_records_and_their_chain(records, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump runs on PostgreSQL")
    require_command("pg_dump")
    pg_restore = require_command("pg_restore")
    path = tmp_path / "backup.dump"
    call_command("backup_database", "-o", str(path), stdout=io.StringIO())
    assert path.read_bytes()[:5] == b"PGDMP"  # the custom format

    settings = connection.settings_dict
    host, port, user = settings["HOST"] or "127.0.0.1", str(settings["PORT"] or 5432), settings["USER"] or "postgres"
    name = f"restore_{uuid.uuid4().hex[:10]}"
    psql("-c", f"CREATE DATABASE {name}")
    try:
        env = {**os.environ, **({"PGPASSWORD": settings["PASSWORD"]} if settings["PASSWORD"] else {})}
        subprocess.run(
            [pg_restore, "--no-owner", "-h", host, "-p", port, "-U", user, "-d", name, str(path)],
            capture_output=True, text=True, check=True, env=env,
        )  # fmt: skip
        # The append-only trigger came along with the dump.
        triggers = psql("-c", "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal", database=name)
        assert "evidence_evidenceentry_append_only" in triggers
        auth = user + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
        result = verify_in(f"postgres://{auth}@{host}:{port}/{name}", records.pk)
        assert result == {"ok": True, "checked": 1, "clients": ["Bakkerij Jansen"]}
    finally:
        psql("-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
