"""What contracts adds to the project page (projects.pages): hours, profitability, the gate log."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from contracts.models import GateOverride
from contracts.views.time import profitability_panel, time_section
from freelance.lib.formats import freelancer_name
from projects.models import Project

GATE_LOG_SIZE = 10


@dataclass
class GateOverrideRow:
    override: GateOverride
    who: str
    invoices: str


def gate_override_row(override: GateOverride) -> GateOverrideRow:
    return GateOverrideRow(override, freelancer_name(override.owner), ", ".join(map(str, override.invoices or [])))


def hours_and_profit(request: HttpRequest, project: Project, bound: dict) -> dict:
    return {"profit": profitability_panel(project), **time_section(project, form=bound.get("time"))}


def gate_log(request: HttpRequest, project: Project, bound: dict) -> dict:
    overrides = GateOverride.objects.filter(client_id=project.client_id, owner=request.user).select_related("owner")
    return {"gate_overrides": [gate_override_row(o) for o in overrides.order_by("-at", "-pk")[:GATE_LOG_SIZE]]}
