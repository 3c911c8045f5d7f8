"""Read configuration from the environment, failing with one clear line.

Settings call these helpers. A bad value raises :class:`ConfigError`, which is a
``SystemExit``: whichever entry point loads the settings (manage.py, gunicorn,
celery), the process stops with one line naming the variable and the problem,
instead of a traceback that buries it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off", ""}


# JIT compiles an aggregate over a few thousand rows for ~20 ms to save ~1 ms, and a parallel
# plan starts workers for ~10 ms to share a few ms of scanning: both losses on the short queries
# of a web page. random_page_cost 1.1 (PostgreSQL's default 4 is for spinning disks): with it,
# a page's join to the freelancer's clients looks up the 15 it needs by key instead of hashing
# every client of the install (8.5 ms -> 0.1 ms on the project list of a hosted install).
PG_OPTIONS = "-c jit=off -c max_parallel_workers_per_gather=0 -c random_page_cost=1.1"


class ConfigError(SystemExit):
    def __init__(self, name: str, problem: str) -> None:
        self.name = name
        self.problem = problem
        super().__init__(f"Configuration error: {name}: {problem}")


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise ConfigError(name, f"expected true or false, got {redact(raw)!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(name, f"expected a whole number, got {redact(raw)!r}") from None
    if minimum is not None and value < minimum:
        raise ConfigError(name, f"must be at least {minimum}, got {value}")
    return value


def env_list(name: str, default: str = "") -> list[str]:
    raw = os.environ.get(name, default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def redact(raw: str) -> str:
    """Hide a password in a URL before it goes into an error message."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", raw)


def parse_site_url(name: str, raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            name, f"expected an absolute http(s) URL such as https://mijlpaal.example.nl, got {redact(raw)!r}"
        )
    if parts.query or parts.fragment:
        raise ConfigError(name, "must not contain a query string or fragment")
    return raw.rstrip("/")


def parse_database_url(name: str, raw: str, *, base_dir: Path) -> dict:
    """Turn ``sqlite:///path`` or ``postgres://user:pass@host:port/db`` into DATABASES['default']."""
    parts = urlsplit(raw)
    options = dict(parse_qsl(parts.query))
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if parts.netloc or not path or path == "/":
            raise ConfigError(
                name,
                f"expected sqlite:///relative/path.sqlite3 or sqlite:////absolute/path.sqlite3, got {redact(raw)!r}",
            )
        file = Path(path[1:])
        if not file.is_absolute():
            file = base_dir / file
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(file),
            "OPTIONS": {
                # WAL lets the web server, worker and beat write without "database is locked".
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    if parts.scheme in ("postgres", "postgresql", "pgsql"):
        db_name = unquote(parts.path.lstrip("/"))
        if not db_name:
            raise ConfigError(
                name,
                f"the URL names no database, expected postgres://user:password@host:5432/name, got {redact(raw)!r}",
            )
        try:
            port = parts.port
        except ValueError:
            raise ConfigError(name, "the port is not a number") from None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": db_name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": unquote(parts.hostname or options.pop("host", "")),
            "PORT": str(port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            # PG_OPTIONS above; ?options=... in the URL replaces them.
            "OPTIONS": {"options": PG_OPTIONS, **options},
        }
    raise ConfigError(name, f"expected a sqlite:/// or postgres:// URL, got {redact(raw)!r}")


def parse_redis_url(name: str, raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme in ("redis", "rediss") and parts.hostname:
        try:
            parts.port  # noqa: B018 - validates the port
        except ValueError:
            raise ConfigError(name, "the port is not a number") from None
        return raw
    if parts.scheme == "unix" and parts.path:
        return raw
    raise ConfigError(name, f"expected redis://host:6379/0 or unix:///path/to/redis.sock, got {redact(raw)!r}")


def celery_redis_url(redis_url: str) -> str:
    """Kombu spells a unix socket ``redis+socket://``; redis-py spells it ``unix://``."""
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url.removeprefix("unix://")
    return redis_url


def parse_email_url(name: str, raw: str, *, base_dir: Path) -> dict:
    """``console://``, ``file:///path``, ``smtp://user:pass@host:587`` (STARTTLS: ``smtp+tls://``, TLS: ``smtps://``)."""
    parts = urlsplit(raw)
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "file":
        path = Path(unquote(parts.netloc + parts.path))
        if not path.is_absolute():
            path = base_dir / path
        return {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": str(path)}
    if parts.scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parts.scheme in ("smtp", "smtp+tls", "smtps"):
        if not parts.hostname:
            raise ConfigError(name, f"the SMTP URL names no host, got {redact(raw)!r}")
        try:
            port = parts.port
        except ValueError:
            raise ConfigError(name, "the port is not a number") from None
        default_port = {"smtp": 25, "smtp+tls": 587, "smtps": 465}[parts.scheme]
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname,
            "EMAIL_PORT": port or default_port,
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_TLS": parts.scheme == "smtp+tls",
            "EMAIL_USE_SSL": parts.scheme == "smtps",
            "EMAIL_TIMEOUT": 20,
        }
    raise ConfigError(
        name,
        f"expected console://, file:///path, smtp://host:25, smtp+tls://user:password@host:587 or smtps://…, got {redact(raw)!r}",
    )
