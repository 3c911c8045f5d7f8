from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from freelance.lib.env import (
    ConfigError,
    celery_redis_url,
    env_bool,
    env_int,
    parse_database_url,
    parse_email_url,
    parse_redis_url,
    parse_site_url,
)

BASE = Path("/srv/mijlpaal")
ROOT = Path(__file__).resolve().parent.parent


def test_sqlite_url_relative_to_the_project():
    db = parse_database_url("DATABASE_URL", "sqlite:///var/db.sqlite3", base_dir=BASE)
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == "/srv/mijlpaal/var/db.sqlite3"


def test_sqlite_url_absolute():
    db = parse_database_url("DATABASE_URL", "sqlite:////tmp/x.sqlite3", base_dir=BASE)
    assert db["NAME"] == "/tmp/x.sqlite3"


def test_postgres_url_with_credentials_and_options():
    db = parse_database_url(
        "DATABASE_URL", "postgres://app:p%40ss@db.local:6543/mijlpaal?sslmode=require", base_dir=BASE
    )
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "app",
        "p@ss",
        "db.local",
        "6543",
        "mijlpaal",
    )
    assert db["OPTIONS"] == {
        "sslmode": "require",
        "options": "-c jit=off -c max_parallel_workers_per_gather=0 -c random_page_cost=1.1",
    }
    assert db["CONN_MAX_AGE"] > 0, "connections are reused"


@pytest.mark.parametrize(
    "raw",
    ["nonsense", "mysql://u@h/db", "postgres://u@h", "postgres://u@h:port/db", "sqlite://", "sqlite:///"],
)
def test_bad_database_urls_name_the_variable(raw):
    with pytest.raises(ConfigError) as excinfo:
        parse_database_url("DATABASE_URL", raw, base_dir=BASE)
    assert str(excinfo.value.code).startswith("Configuration error: DATABASE_URL: ")
    assert "\n" not in str(excinfo.value.code)


def test_a_password_never_appears_in_the_error():
    with pytest.raises(ConfigError) as excinfo:
        parse_database_url("DATABASE_URL", "postgres://app:hunter2@db.local", base_dir=BASE)
    assert "hunter2" not in str(excinfo.value.code)
    assert "app:***@db.local" in str(excinfo.value.code)


def test_redis_urls():
    assert parse_redis_url("REDIS_URL", "redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
    assert parse_redis_url("REDIS_URL", "unix:///tmp/r.sock") == "unix:///tmp/r.sock"
    assert celery_redis_url("unix:///tmp/r.sock") == "redis+socket:///tmp/r.sock"
    assert celery_redis_url("redis://h:6379/1") == "redis://h:6379/1"
    with pytest.raises(ConfigError, match="REDIS_URL"):
        parse_redis_url("REDIS_URL", "localhost:6379")


def test_email_urls():
    assert parse_email_url("EMAIL_URL", "console://", base_dir=BASE)["EMAIL_BACKEND"].endswith("console.EmailBackend")
    smtp = parse_email_url("EMAIL_URL", "smtp+tls://me%40x.nl:secret@smtp.x.nl", base_dir=BASE)
    assert (smtp["EMAIL_HOST"], smtp["EMAIL_PORT"], smtp["EMAIL_HOST_USER"], smtp["EMAIL_USE_TLS"]) == (
        "smtp.x.nl",
        587,
        "me@x.nl",
        True,
    )
    assert parse_email_url("EMAIL_URL", "smtps://h", base_dir=BASE)["EMAIL_USE_SSL"] is True
    assert parse_email_url("EMAIL_URL", "file://var/mail", base_dir=BASE)["EMAIL_FILE_PATH"] == "/srv/mijlpaal/var/mail"
    with pytest.raises(ConfigError, match="EMAIL_URL"):
        parse_email_url("EMAIL_URL", "sendmail://", base_dir=BASE)


def test_site_url_must_be_absolute():
    assert parse_site_url("SITE_URL", "https://app.example.nl/") == "https://app.example.nl"
    for raw in ["app.example.nl", "ftp://x", "https://x/?a=1"]:
        with pytest.raises(ConfigError, match="SITE_URL"):
            parse_site_url("SITE_URL", raw)


def test_booleans_and_numbers(monkeypatch):
    monkeypatch.setenv("FLAG", "Yes")
    assert env_bool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ConfigError, match="FLAG: expected true or false"):
        env_bool("FLAG", False)
    monkeypatch.setenv("N", "0")
    with pytest.raises(ConfigError, match="N: must be at least 1"):
        env_int("N", 5, minimum=1)
    monkeypatch.setenv("N", "five")
    with pytest.raises(ConfigError, match="N: expected a whole number"):
        env_int("N", 5)


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DEBUG")}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DATABASE_URL": "nonsense"}, "DATABASE_URL"),
        ({"REDIS_URL": "nonsense"}, "REDIS_URL"),
        ({"EMAIL_URL": "carrier-pigeon://"}, "EMAIL_URL"),
        ({"DEBUG": "perhaps"}, "DEBUG"),
        ({"HEARTBEAT_INTERVAL": "soon"}, "HEARTBEAT_INTERVAL"),
        ({"DEBUG": "false"}, "SECRET_KEY"),
        ({"DEBUG": "false", "SECRET_KEY": "x" * 50}, "ALLOWED_HOSTS"),
        ({"DEBUG": "false", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "a.nl"}, "SITE_URL"),
        ({"DEBUG": "false", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "a.nl", "SITE_URL": "https://a.nl"}, "EMAIL_URL"),
    ],
)
def test_a_bad_value_prints_one_line_naming_the_variable(env, variable):
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Configuration error: {variable}: ")


def test_the_suite_runs_on_the_database_that_database_url_names(db):
    from django.db import connection

    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == expected


def test_postgresql_runs_without_jit_on_every_connection(db):
    """JIT spent ~20 ms compiling the dashboard's money summary, which runs in ~2 ms without it."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"
