"""Drill: the processes of `manage.py up` are killed one by one; each comes back, and the
web server answers all the while.

Injected: SIGKILL to the whole process group of the worker, then of beat, then of the
embedded Redis. Protection: up's supervisor restarts a child that stops (1 s, then doubling).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.helpers import require
from tests.test_up_command import ROOT, Browserless, free_port, processes_with_env

pytestmark = [pytest.mark.slow, pytest.mark.drill]


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return b""


def child_of(parent: int, needle: bytes) -> int | None:
    """The pid of the child of `up` whose command line holds `needle` (each leads its own group)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and needle in cmdline(int(entry.name)):
            return int(entry.name)
    return None


def last_seen(db: Path, component: str) -> datetime | None:
    with sqlite3.connect(db, timeout=10) as connection:
        row = connection.execute(
            "SELECT last_seen FROM dashboard_heartbeat WHERE component = ?", (component,)
        ).fetchone()
    return datetime.fromisoformat(row[0]).replace(tzinfo=UTC) if row else None


class Up:
    def __init__(self, tmp_path: Path) -> None:
        require(Path("/proc/self/environ").exists(), "needs /proc to find child processes")
        self.marker = f"mijlpaal-drill-{os.getpid()}-{time.time_ns()}"
        self.db = tmp_path / "db.sqlite3"
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DEBUG")}
        env.update(VAR_DIR=str(tmp_path), HEARTBEAT_INTERVAL="1", UP_TEST_MARKER=self.marker, PYTHONUNBUFFERED="1")
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "up", "--port", str(self.port), "--no-demo"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        self.lines: list[str] = []
        self.reader = threading.Thread(target=lambda: self.lines.extend(self.process.stdout), daemon=True)
        self.reader.start()
        self.browser = Browserless(f"http://127.0.0.1:{self.port}")

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, predicate, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while not (result := predicate()):
            assert self.process.poll() is None, f"up stopped:\n{self.output}"
            assert time.monotonic() < deadline, f"{what} within {timeout:.0f} s:\n{self.output}"
            time.sleep(0.1)
        return result

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=40)
        finally:
            if self.process.poll() is None:
                self.process.kill()
            self.reader.join(timeout=5)


def web_answers(browser: Browserless) -> bool:
    try:
        with browser.get("/health/") as response:
            return response.status == 200
    except OSError:
        return False


def test_up_restarts_a_killed_worker_beat_and_redis_and_the_web_server_answers_throughout(tmp_path):
    up = Up(tmp_path)
    recovery: dict[str, float] = {}
    try:
        up.wait_for(lambda: "Mijlpaal is running at" in up.output, 90, "no banner")
        up.wait_for(lambda: last_seen(up.db, "worker"), 30, "no worker heartbeat")

        for name, needle, component in (
            ("worker", b"celery -A freelance worker", "worker"),
            ("beat", b"celery -A freelance beat", "beat"),
            ("redis", b"redis-server", "worker"),
        ):
            old = up.wait_for(lambda needle=needle: child_of(up.process.pid, needle), 10, f"no {name} process")
            killed_at = datetime.now(UTC)
            started = time.monotonic()
            os.killpg(old, signal.SIGKILL)
            answered = failed = 0
            new = None
            while new is None or new == old:
                assert time.monotonic() - started < 30, f"{name} did not come back within 30 s:\n{up.output}"
                if web_answers(up.browser):
                    answered += 1
                else:
                    failed += 1
                new = child_of(up.process.pid, needle)
                time.sleep(0.1)
            # It is back when it works: a heartbeat stamped after the kill (beat publishes it,
            # the worker records it; after Redis returns both must have reconnected).
            up.wait_for(
                lambda component=component, killed_at=killed_at: (last_seen(up.db, component) or killed_at) > killed_at,
                45,
                f"no {component} heartbeat after {name} was killed",
            )
            recovery[name] = round(time.monotonic() - started, 1)
            assert failed == 0 and answered > 0, (
                f"the web server answered {answered}, failed {failed} while {name} was down"
            )
            assert f"{name} stopped unexpectedly (killed by SIGKILL); restarting it in 1 s." in up.output

        assert up.process.poll() is None, "up itself kept running"
    finally:
        code = up.stop()
    print(f"recovery seconds (kill -> working again): {recovery}")
    assert code == 0, up.output
    assert "Nothing is left running" in up.output
    assert processes_with_env(up.marker) == [], "every child process stopped, the restarted ones too"
