"""“I would, but I can't”: the question projects asks before new work for a client starts.

Starting or delivering a phase and creating a project are new work. Whether a client's
unpaid invoices hold that work back is the contract manager's rule: ``contracts.gate``
answers and registers itself here when the app is ready, so projects never imports
contracts. Without a registered rule the gate is open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from freelance.lib.rules import RuleViolation


class Action(models.TextChoices):
    START_PHASE = "start_phase", _("Start a phase")
    DELIVER_PHASE = "deliver_phase", _("Deliver a phase")
    NEW_PROJECT = "new_project", _("Create a project")


class GateClosed(RuleViolation):
    """Refused: the message says why and how to override it; ``blockers`` are what blocks."""

    def __init__(self, message: str, blockers: list) -> None:
        super().__init__(message)
        self.blockers = blockers


Check = Callable[..., Any]
_checks: list[Check] = []


def register(check: Check) -> Check:
    """``check(client, action, *, actor, subject, override_reason)``: raise GateClosed, or pass
    (returning the logged override, if there was one)."""
    if check not in _checks:
        _checks.append(check)
    return check


def check(client, action: str, *, actor, subject: str = "", override_reason: str = ""):
    """Pass (returning a logged override, or None), or raise ``GateClosed``."""
    override = None
    for rule in _checks:
        override = rule(client, action, actor=actor, subject=subject, override_reason=override_reason) or override
    return override
