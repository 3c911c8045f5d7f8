"""`manage.py up` as a user runs it: no environment, one command, Ctrl-C stops all."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from freelance.demo import DEMO_PASSWORD, DEMO_USERNAME
from tests.helpers import require

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def processes_with_env(marker: str) -> list[int]:
    """PIDs of every process whose environment holds `marker`: the up command's children."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


class Browserless:
    """Just enough of a browser: cookies, CSRF token, English."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.opener.addheaders = [("Accept-Language", "en")]

    def get(self, path: str):
        return self.opener.open(self.base + path, timeout=10)

    def login(self, username: str, password: str) -> str:
        form = self.get("/accounts/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
        return self.opener.open(self.base + "/accounts/login/", data.encode(), timeout=10).read().decode()


def test_up_starts_everything_and_ctrl_c_leaves_nothing_behind(tmp_path):
    require(Path("/proc/self/environ").exists(), "needs /proc to find child processes")
    marker = f"mijlpaal-up-test-{os.getpid()}-{time.time_ns()}"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DEBUG")}
    env.update(VAR_DIR=str(tmp_path), HEARTBEAT_INTERVAL="1", UP_TEST_MARKER=marker, PYTHONUNBUFFERED="1")
    port = free_port()
    up = subprocess.Popen(
        [sys.executable, "manage.py", "up", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(up.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 90
        while not any("Mijlpaal is running at" in line for line in lines):
            assert up.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "no banner within 90 s:\n" + "".join(lines)
            time.sleep(0.2)
        banner = "".join(lines)
        assert f"http://127.0.0.1:{port}/" in banner
        assert f"{DEMO_USERNAME} / {DEMO_PASSWORD}" in banner

        browser = Browserless(f"http://127.0.0.1:{port}")
        first = browser.get("/")
        assert first.url.endswith("/accounts/login/?next=/"), "the root redirects to the login page"

        dashboard = browser.login(DEMO_USERNAME, DEMO_PASSWORD)
        assert "Next deadlines" in dashboard or "Volgende deadlines" in dashboard

        def both_running() -> bool:
            page = browser.get("/status/").read().decode()
            status = page[page.index('id="background-status"') :]
            return status.count('class="badge badge-ok">running') == 2

        deadline = time.monotonic() + 30
        while not both_running():
            assert time.monotonic() < deadline, "beat and worker did not both report within 30 s"
            time.sleep(0.5)

        children = processes_with_env(marker)
        assert len(children) >= 5, "redis, web, worker (and its pool) and beat run as children"
    finally:
        up.send_signal(signal.SIGINT)
        try:
            code = up.wait(timeout=40)
        finally:
            if up.poll() is None:
                up.kill()
        reader.join(timeout=5)
    output = "".join(lines)
    assert code == 0, output
    assert "Nothing is left running" in output
    assert processes_with_env(marker) == [], "every child process stopped"


def test_up_refuses_a_port_in_use(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        result = subprocess.run(
            [sys.executable, "manage.py", "up", "--port", str(port)],
            cwd=ROOT, env={**env, "VAR_DIR": str(tmp_path)}, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode != 0
    assert f"Port {port} on 127.0.0.1 is in use" in result.stderr


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 8123, "http://127.0.0.1:8123"),
        ("0.0.0.0", 9000, "http://127.0.0.1:9000"),  # noqa: S104
        ("::1", 8000, "http://[::1]:8000"),
        ("localhost", 8001, "http://localhost:8001"),
    ],
)
def test_links_point_at_the_port_up_listens_on(host, port, url):
    from freelance.dashboard.management.commands.up import site_url_for

    assert site_url_for(host, port) == url


def test_up_sets_site_url_only_when_none_is_configured(monkeypatch, settings):
    from freelance.dashboard.management.commands.up import use_site_url

    monkeypatch.delenv("SITE_URL", raising=False)
    use_site_url("127.0.0.1", 8123)
    assert settings.SITE_URL == os.environ["SITE_URL"] == "http://127.0.0.1:8123"
    assert settings.CSRF_TRUSTED_ORIGINS == ["http://127.0.0.1:8123"]
    monkeypatch.setenv("SITE_URL", "https://mijlpaal.example.nl")
    settings.SITE_URL = "https://mijlpaal.example.nl"
    use_site_url("127.0.0.1", 9999)
    assert settings.SITE_URL == "https://mijlpaal.example.nl"
