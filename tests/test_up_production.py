"""`manage.py up` with DEBUG off: it serves its collected static files and creates no demo login."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from django.core.management import CommandError, call_command

from freelance.demo import DEMO_USERNAME, DemoRefused, ensure_demo_data
from tests.test_up_command import ROOT, free_port

pytestmark = pytest.mark.django_db


def test_the_demo_login_is_never_created_with_debug_off(settings, django_user_model):
    settings.DEBUG = False
    with pytest.raises(DemoRefused):
        ensure_demo_data()
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("demo")
    assert not django_user_model.objects.filter(username=DEMO_USERNAME).exists()


@pytest.mark.slow
def test_up_with_debug_off_serves_static_files_and_has_no_demo_login(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "EMAIL_URL")}
    env.update(
        DEBUG="false",
        SECRET_KEY="production-test-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL=f"http://127.0.0.1:{port}",
        EMAIL_URL=f"file://{tmp_path / 'mail'}",
        VAR_DIR=str(tmp_path),
        PYTHONUNBUFFERED="1",
    )
    up = subprocess.Popen(
        [sys.executable, "manage.py", "up", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(up.stdout), daemon=True).start()
    try:
        deadline = time.monotonic() + 90
        while not any("Mijlpaal is running at" in line for line in lines):
            assert up.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "no banner within 90 s:\n" + "".join(lines)
            time.sleep(0.2)
        banner = "".join(lines)
        assert "Log in as" not in banner
        assert "no demo login is created" in banner
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=10)
        assert page.status == 200
        html = page.read().decode()
        stylesheet = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', html)
        assert stylesheet, "the page links the collected, hashed stylesheet"
        css = urllib.request.urlopen(f"http://127.0.0.1:{port}{stylesheet.group(1)}", timeout=10)
        assert css.status == 200
        with sqlite3.connect(tmp_path / "db.sqlite3") as db:
            assert db.execute("select count(*) from auth_user where username = ?", [DEMO_USERNAME]).fetchone() == (0,)
    finally:
        up.send_signal(signal.SIGINT)
        try:
            up.wait(timeout=40)
        finally:
            if up.poll() is None:
                up.kill()
    assert "Nothing is left running" in "".join(lines)
