"""Shared fixtures: fixed users, and the real services the suite runs against.

Real parts, not mocks: Redis (REDIS_URL on CI, the embedded redis-server on a laptop),
a Celery worker process, an SMTP server on loopback (aiosmtpd) and Chromium. A test
whose service is missing skips on a laptop and fails when CI=true.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from freelance.lib import embedded_redis
from tests.helpers import CHROMIUM, require

# Playwright's sync API runs an event loop in the test thread; Django's ORM would
# otherwise refuse to run there ("You cannot call this from an async context").
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

BASE_DIR = Path(django_settings.BASE_DIR)


# -- stored pages ----------------------------------------------------------------------


@pytest.fixture
def pages_built(settings):
    """Every request builds its page (freelance/lib/pagecache.py): for tests that count what a build costs."""
    settings.PAGE_CACHE = False


@pytest.fixture(autouse=True)
def _users_from_the_database(settings):
    """The logged-in user read from the database on every request, as on a request whose user
    Redis does not hold: so a test that counts queries counts the same on each request. The
    tests of the user kept in Redis ask for ``users_from_redis``."""
    settings.USER_CACHE_SECONDS = 0


@pytest.fixture
def users_from_redis(settings):
    settings.USER_CACHE_SECONDS = 60


# -- users ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


PASSWORD = "correct horse battery staple"


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@example.nl", PASSWORD, first_name="Alice")


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.nl", PASSWORD, first_name="Bob")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


def verify_second_factor(client, user) -> None:
    """Mark the client's session as past the second step, as a code from the app would."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    device = device or TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def admin_client(client, admin_user):
    """The operator (a superuser), logged in with their second factor, as the admin requires."""
    client.force_login(admin_user)
    verify_second_factor(client, admin_user)
    return client


# -- Redis ---------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def redis_server():
    """A real Redis for the whole session: the one at REDIS_URL, or the embedded one."""
    if not django_settings.EMBEDDED_REDIS:
        import redis

        try:
            redis.Redis.from_url(django_settings.REDIS_URL).ping()
        except redis.RedisError as exc:
            pytest.exit(f"REDIS_URL is set but Redis does not answer: {exc}", returncode=3)
        yield django_settings.REDIS_URL
        return
    socket_path = django_settings.REDIS_SOCKET
    if embedded_redis.is_running(socket_path):
        yield django_settings.REDIS_URL  # `manage.py up` is running: share its server
        return
    process = embedded_redis.start(
        socket_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    yield django_settings.REDIS_URL
    process.terminate()
    process.wait(timeout=10)


# -- Celery worker -------------------------------------------------------------------


def database_url_for_subprocess() -> str:
    """The URL of the *test* database, for a worker process that must see test data."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="session")
def smtp_server():
    """An aiosmtpd server on loopback for the whole session; tests use `mailbox`."""
    from aiosmtpd.controller import Controller

    class Recorder:
        def __init__(self) -> None:
            self.messages: list[EmailMessage] = []
            self.lock = threading.Lock()

        async def handle_DATA(self, server, session, envelope):
            message = message_from_bytes(envelope.content, policy=policy.default)
            message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
            with self.lock:
                self.messages.append(message)
            return "250 Message accepted for delivery"

    recorder = Recorder()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    recorder.port = port
    recorder.controller = controller  # tests may stop and restart it: "SMTP down, then up"
    yield recorder
    recorder.controller.stop()


@pytest.fixture
def mailbox(smtp_server, settings):
    """Route this test's mail through real SMTP to aiosmtpd; returns the received messages."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    with smtp_server.lock:
        smtp_server.messages.clear()
    return smtp_server.messages


def spawn_worker(queue: str, smtp_port: int, **extra_env: str) -> tuple[subprocess.Popen, object]:
    """Start `celery worker` (solo pool, own process group) on `queue` against the test database."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "REDIS_URL": django_settings.REDIS_URL,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "PYTHONUNBUFFERED": "1",
        # Tasks the worker itself queues (a sweep's mails) stay on this queue.
        "CELERY_QUEUE": queue,
        "EMAIL_RETRY_BASE_SECONDS": "1",
        **extra_env,
    }
    log = (Path(django_settings.VAR_DIR) / f"{queue}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "freelance", "worker", "--pool", "solo", "--queues", queue,
         "--hostname", f"{queue}@%h", "--without-mingle", "--without-gossip", "--loglevel", "INFO"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    return process, log


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, redis_server, smtp_server):
    """A real `celery worker` process on a queue of its own, against the test database.

    The queue is unique per session, so a worker of a running `manage.py up` sharing the
    same Redis never takes the tests' tasks. Tests that use it need `transactional_db`,
    because the worker only sees committed rows.
    """
    from freelance.celery import app
    from freelance.dashboard.tasks import ping

    queue = f"test-{uuid.uuid4().hex[:12]}"
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    process, log = spawn_worker(queue, smtp_server.port)
    try:
        assert ping.delay("ready").get(timeout=60) == "ready", "the worker did not answer"
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        app.conf.task_default_queue = previous_queue


# -- Browser -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    require(Path(CHROMIUM).exists(), f"Chromium is not installed at {CHROMIUM}")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-GB", "timezone_id": "Europe/Amsterdam"}


# -- the suite's wall time ------------------------------------------------------------------

_SUITE_STARTED: list[float] = []


def pytest_sessionstart(session):
    import time

    _SUITE_STARTED.append(time.monotonic())


def pytest_sessionfinish(session, exitstatus):
    """A whole, green run of the suite (no paths, -k or -m) records its wall time in
    var/suite-seconds, which the benchmark reports (tests/benchmarks/run.py)."""
    import time

    config = session.config
    whole = not config.args or [Path(arg).resolve() for arg in config.args] == [Path(config.rootpath, "tests")]
    if exitstatus != 0 or not whole or config.option.keyword or config.option.markexpr or not _SUITE_STARTED:
        return
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: the controller records
        return
    seconds = time.monotonic() - _SUITE_STARTED[0]
    database = "PostgreSQL" if "postgres" in (os.environ.get("DATABASE_URL") or "") else "SQLite"
    record = Path(config.rootpath, "var", "suite-seconds")
    record.parent.mkdir(exist_ok=True)
    record.write_text(f"{seconds:.0f}\n{session.testscollected} tests on {database}\n")
