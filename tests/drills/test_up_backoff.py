"""The restart schedule of `manage.py up`'s supervisor, without starting anything."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
from django.core.management.base import OutputWrapper

from freelance.dashboard.management.commands import up

pytestmark = pytest.mark.drill


@pytest.fixture
def command(monkeypatch):
    monkeypatch.setattr(up.Command, "signal_group", staticmethod(lambda child, signum: None))
    command = up.Command()
    command.stdout, command.stderr = OutputWrapper(io.StringIO()), OutputWrapper(io.StringIO())
    return command


def crash(command, child, at: float, ran: float) -> float:
    """The child ran `ran` seconds and stopped at `at`; returns the wait before its restart."""
    child.started_at = at - ran
    child.restart_at = None
    command.crashed(child, at)
    return child.restart_at - at


def test_a_crashing_child_waits_1_2_4_seconds_up_to_30_and_1_again_after_a_good_minute(command):
    child = up.Child("worker", SimpleNamespace(returncode=-9, pid=0), start=lambda: None)
    waits = [crash(command, child, at=100.0 * n, ran=2) for n in range(1, 8)]
    assert waits == [1, 2, 4, 8, 16, 30, 30]
    assert crash(command, child, at=1000, ran=61) == 1, "a child that ran a minute starts from 1 s again"
    assert "worker stopped unexpectedly (killed by SIGKILL); restarting it in 1 s." in command.stderr._out.getvalue()


def test_more_than_five_crashes_in_five_minutes_are_called_out_and_restarts_go_on(command):
    child = up.Child("beat", SimpleNamespace(returncode=1, pid=0), start=lambda: None)
    for n in range(6):
        crash(command, child, at=10.0 * n, ran=1)
    lines = command.stderr._out.getvalue().splitlines()
    assert not re.search(r"crashed \d+ times", "\n".join(lines[:5]))
    assert "beat stopped unexpectedly (exit code 1)" in lines[5]
    assert "crashed 6 times in 5 minutes" in lines[5]
    assert child.restart_at is not None, "it is restarted anyway"
    crash(command, child, at=400, ran=1)
    assert "times in 5 minutes" not in command.stderr._out.getvalue().splitlines()[-1], "old crashes age out"
