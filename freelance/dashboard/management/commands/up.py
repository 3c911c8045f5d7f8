"""`manage.py up`: the whole app on one machine, from one command.

Migrates, makes sure the demo login exists, then runs the web server, a Celery worker
and Celery beat (and, when REDIS_URL is unset, the embedded redis-server) as child
processes. Their output is shown with a prefix per process.

A child that stops unexpectedly is restarted on its own, after 1 s, then 2, 4, 8… up to
30 s between tries while it keeps crashing (a child that ran a minute starts again at
1 s); the others keep running. That includes the web server: a crashed worker or web
server must not take the rest down (before, a dead worker stopped everything and mail in
flight waited for the outbox sweep). More than CRASH_LIMIT crashes within CRASH_WINDOW are
reported, and the restarts go on.

Ctrl-C (or SIGTERM) stops every child's whole process group, the web server, worker and
beat first and Redis last, so nothing is left running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from freelance.demo import ensure_demo_data
from freelance.lib import embedded_redis

STOP_TIMEOUT = 15  # seconds a child gets to finish after SIGTERM, before SIGKILL
BACKOFF_FIRST = 1.0  # seconds before the first restart of a crashed child
BACKOFF_MAX = 30.0  # the wait doubles per crash up to this
STABLE_AFTER = 60.0  # a child that ran this long before it stopped starts again at BACKOFF_FIRST
CRASH_WINDOW = 300.0  # seconds; more than CRASH_LIMIT crashes within it are called out
CRASH_LIMIT = 5


def site_url_for(host: str, port: int) -> str:
    """The address links in mails point to when the app listens on ``host``:``port``."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 (listening everywhere: this machine is reachable here)
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def use_site_url(host: str, port: int) -> None:
    """Without a SITE_URL of its own, the app's links (the demo's mails too) use the port it runs on."""
    if os.environ.get("SITE_URL"):
        return
    site = site_url_for(host, port)
    os.environ["SITE_URL"] = site  # the web server and the worker read it at start
    settings.SITE_URL = site
    settings.CSRF_TRUSTED_ORIGINS = [site]


class Shutdown(Exception):
    """Raised from the SIGTERM handler to leave the supervision loop like Ctrl-C does."""


@dataclass
class Child:
    name: str
    process: subprocess.Popen
    start: Callable[[], subprocess.Popen]  # starts it again after a crash
    pump: threading.Thread | None = field(default=None)
    started_at: float = field(default_factory=time.monotonic)
    backoff: float = BACKOFF_FIRST
    restart_at: float | None = None  # set while a crashed child waits for its restart
    crashes: deque = field(default_factory=deque)  # monotonic times of recent crashes


class Command(BaseCommand):
    output_lock = threading.Lock()  # the children's output pumps and the banner share stdout
    help = "Run Mijlpaal here: migrate, demo data, web server, Celery worker and beat. Ctrl-C stops all."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
        parser.add_argument("--no-demo", action="store_true", help="do not create the demo login and data")

    def handle(self, *args, host: str, port: int, no_demo: bool, **options) -> None:
        # Show each line as it comes, also when the output goes to a file or a pipe.
        for stream in (sys.stdout, sys.stderr):
            stream.reconfigure(line_buffering=True)
        self.ensure_port_free(host, port)
        use_site_url(host, port)
        started = time.monotonic()
        self.children: list[Child] = []
        previous_handlers = (
            signal.signal(signal.SIGINT, signal.default_int_handler),
            signal.signal(signal.SIGTERM, self.on_sigterm),
        )
        try:
            # Redis first: the demo data queues an email, which goes to the broker on commit.
            self.start_redis()
            self.say("Preparing the database…")
            call_command("migrate", interactive=False, verbosity=0)
            if not settings.DEBUG:
                # Production mode serves the collected, hashed static files (whitenoise), and
                # never creates the demo login, whose password is published.
                self.say("DEBUG is off: collecting static files; no demo login is created.")
                call_command("collectstatic", interactive=False, verbosity=0)
            login = ensure_demo_data() if settings.DEBUG and not no_demo else None
            self.start_children(host, port)
            url = f"http://{host}:{port}/"
            self.wait_for_web(url)
            self.print_banner(url, login, time.monotonic() - started)
            self.supervise()
        except (KeyboardInterrupt, Shutdown):
            self.say("Stopping…")
        finally:
            self.stop_children()
            signal.signal(signal.SIGINT, previous_handlers[0])
            signal.signal(signal.SIGTERM, previous_handlers[1])
        self.say("Stopped. Nothing is left running.")

    # -- preparation -----------------------------------------------------------------

    def ensure_port_free(self, host: str, port: int) -> None:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                raise CommandError(
                    f"Port {port} on {host} is in use. Is Mijlpaal already running? Try --port {port + 1}."
                ) from None

    def child_env(self) -> dict:
        return {**os.environ, "PYTHONUNBUFFERED": "1"}

    def start_redis(self) -> None:
        if settings.EMBEDDED_REDIS and not embedded_redis.is_running(settings.REDIS_SOCKET):
            self.say(f"Starting the embedded Redis on {settings.REDIS_SOCKET}…")
            self.adopt(
                "redis", lambda: embedded_redis.start(settings.REDIS_SOCKET, **self.popen_kwargs(self.child_env()))
            )

    def start_children(self, host: str, port: int) -> None:
        env = self.child_env()
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        celery = [sys.executable, "-m", "celery", "-A", "freelance"]
        self.spawn("web", [sys.executable, manage, "runserver", f"{host}:{port}", "--noreload"], env)
        self.spawn(
            "worker", [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2", "--hostname", "worker@%h"], env
        )
        self.spawn(
            "beat", [*celery, "beat", "--loglevel", "INFO", "--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME], env
        )

    def popen_kwargs(self, env: dict) -> dict:
        # A session of its own: Ctrl-C reaches only this command, which then stops each
        # child's whole group in order (the worker's pool processes included).
        return {
            "env": env,
            "start_new_session": True,
            "stdout": subprocess.PIPE,
            "stderr": subprocess.STDOUT,
            "stdin": subprocess.DEVNULL,
        }

    def spawn(self, name: str, argv: list[str], env: dict) -> None:
        self.adopt(name, lambda: subprocess.Popen(argv, **self.popen_kwargs(env)))  # noqa: S603 - fixed argv

    def adopt(self, name: str, start: Callable[[], subprocess.Popen]) -> None:
        child = Child(name, start(), start)
        self.children.append(child)
        self.start_pump(child)

    def start_pump(self, child: Child) -> None:
        child.pump = threading.Thread(target=self.pump, args=(child.name, child.process.stdout), daemon=True)
        child.pump.start()

    def pump(self, name: str, stream) -> None:
        width = 6
        for raw in iter(stream.readline, b""):
            line = raw.decode(errors="replace").rstrip()
            with self.output_lock:
                self.stdout.write(f"{name:<{width}}| {line}")

    def wait_for_web(self, url: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        web = next(child for child in self.children if child.name == "web")
        while time.monotonic() < deadline:
            if web.process.poll() is not None:
                raise CommandError("The web server did not start; its output is above.")
            try:
                with urllib.request.urlopen(url + "health/", timeout=2):  # noqa: S310 - our own URL
                    return
            except OSError:
                time.sleep(0.2)
        raise CommandError(f"The web server did not answer on {url} within {timeout:.0f} s.")

    def print_banner(self, url: str, login, seconds: float) -> None:
        lines = [
            "",
            f"  Mijlpaal is running at {url}   (ready in {seconds:.1f} s)",
        ]
        if login:
            lines.append(f"  Log in as:  {login.username} / {login.password}")
        lines += [
            f"  Admin (contract templates): {url}admin/",
            "  Web server, worker and beat logs follow. Press Ctrl-C to stop everything.",
            "",
        ]
        with self.output_lock:
            self.stdout.write(self.style.SUCCESS("\n".join(lines)))

    # -- running and stopping --------------------------------------------------------------

    def supervise(self) -> None:
        """Restart whatever stops, until Ctrl-C or SIGTERM (which raise out of here)."""
        while True:
            now = time.monotonic()
            for child in self.children:
                if child.restart_at is None and child.process.poll() is not None:
                    self.crashed(child, now)
                elif child.restart_at is not None and now >= child.restart_at:
                    self.restart(child)
            time.sleep(0.2)

    def crashed(self, child: Child, now: float) -> None:
        """Note the crash, clear what is left of its process group, and schedule the restart."""
        code = child.process.returncode
        how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
        self.signal_group(child, signal.SIGKILL)  # pool processes or stragglers of the dead child
        if now - child.started_at >= STABLE_AFTER:
            child.backoff = BACKOFF_FIRST
        delay = child.backoff
        child.backoff = min(child.backoff * 2, BACKOFF_MAX)
        child.restart_at = now + delay
        child.crashes.append(now)
        while child.crashes and child.crashes[0] < now - CRASH_WINDOW:
            child.crashes.popleft()
        message = f"{child.name} stopped unexpectedly ({how}); restarting it in {delay:.0f} s."
        if len(child.crashes) > CRASH_LIMIT:
            message += (
                f" It crashed {len(child.crashes)} times in {CRASH_WINDOW / 60:.0f} minutes: see its output above;"
                " it will keep being restarted."
            )
        with self.output_lock:
            self.stderr.write(message)

    def restart(self, child: Child) -> None:
        child.restart_at = None
        child.started_at = time.monotonic()
        try:
            child.process = child.start()
        except (OSError, RuntimeError) as error:  # e.g. the embedded Redis did not answer
            with self.output_lock:
                self.stderr.write(f"{child.name} did not start again: {error}")
            self.crashed_to_start(child)
            return
        self.start_pump(child)
        self.say(f"{child.name} restarted (pid {child.process.pid}).")

    def crashed_to_start(self, child: Child) -> None:
        now = time.monotonic()
        child.restart_at = now + child.backoff
        child.backoff = min(child.backoff * 2, BACKOFF_MAX)
        child.crashes.append(now)

    def on_sigterm(self, signum, frame) -> None:
        raise Shutdown

    def stop_children(self) -> None:
        # A second Ctrl-C must not abandon the children halfway; this takes at most
        # STOP_TIMEOUT seconds per group before it kills what is left.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        # Redis last, so the worker can still acknowledge the task it is finishing.
        services = [child for child in self.children if child.name != "redis"]
        redis = [child for child in self.children if child.name == "redis"]
        for group in (services, redis):
            for child in group:
                self.signal_group(child, signal.SIGTERM)
            deadline = time.monotonic() + STOP_TIMEOUT
            for child in group:
                try:
                    child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    self.stderr.write(f"{child.name} did not stop within {STOP_TIMEOUT} s; killing it.")
                # Whatever is left of the group (pool processes, stragglers) goes too.
                self.signal_group(child, signal.SIGKILL)
                child.process.wait()
        for child in self.children:
            if child.pump:
                child.pump.join(timeout=2)

    @staticmethod
    def signal_group(child: Child, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.process.pid, signum)

    def say(self, message: str) -> None:
        with self.output_lock:
            self.stdout.write(message)
