"""Helpers for tests: service requirements, PDF read-back, waiting."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def require(condition: bool, reason: str) -> None:
    """Skip on a laptop that lacks a service; fail on CI, where everything must run."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true, so this is a failure, not a skip)")
    pytest.skip(reason)


def require_command(name: str) -> str:
    path = shutil.which(name)
    require(path is not None, f"{name} is not installed")
    return path


def pdf_to_text(pdf: bytes, *, layout: bool = False) -> str:
    """The text of a PDF as `pdftotext` (poppler) reads it."""
    argv = [require_command("pdftotext"), "-enc", "UTF-8", *(["-layout"] if layout else []), "-", "-"]
    return subprocess.run(argv, input=pdf, capture_output=True, check=True).stdout.decode()


def pdf_tool(tool: str, pdf: bytes, tmp_path: Path, *args: str) -> str:
    """Output of another poppler tool (pdfinfo, pdffonts) run on the PDF."""
    path = tmp_path / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(pdf)
    return subprocess.run([require_command(tool), *args, str(path)], capture_output=True, check=True, text=True).stdout


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return predicate()
