"""A project's hourly rate, from one source: its own rate if the freelancer set one, else the rate history.

The rate history (dated rates, the freelancer's own or agreed with one client) is the
contract manager's: ``contracts`` registers its lookup here when the app is ready, so
projects never imports contracts. The bucket, the price of a wish, the contract and the
hours all ask ``effective_rate``, so they show the same number. Without a registered
lookup only the project's own rate counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.translation import gettext as _


class RatedProject(Protocol):
    """What a rate is looked up for: a ``projects.models.Project`` (not imported: that module
    imports this one, and the layers allow no cycle)."""

    hourly_rate: Decimal | None
    owner_id: int
    client_id: int


class DatedRate(Protocol):
    amount: Decimal
    valid_from: date


# ``lookup(owner_id, client_id, on)``: the rate agreed with the client on that day, else the
# freelancer's own; None without either.
Lookup = Callable[[int, int | None, date], DatedRate | None]
_history: list[Lookup] = []

PROJECT, HISTORY = "project", "history"


@dataclass(frozen=True)
class EffectiveRate:
    amount: Decimal | None
    source: str = ""  # PROJECT, HISTORY, or "" when there is no rate
    since: date | None = None  # from the rate history: the day that rate started

    @property
    def source_label(self) -> str:
        """Where the rate comes from, as the freelancer reads it next to the amount."""
        if self.source == PROJECT:
            return _("Set for this project")
        if self.source == HISTORY:
            return _("From your rate history, since %(date)s") % {"date": date_filter(self.since, "j F Y")}
        return ""


def register_history(lookup: Lookup) -> Lookup:
    _history[:] = [lookup]
    return lookup


def effective_rate(project: RatedProject, on: date | None = None) -> EffectiveRate:
    """The project's own rate if set; else the rate history's for its client on that day (default today)."""
    if project.hourly_rate is not None:
        return EffectiveRate(project.hourly_rate, PROJECT)
    if _history:
        found = _history[0](project.owner_id, project.client_id, on or timezone.localdate())
        if found is not None:
            return EffectiveRate(found.amount, HISTORY, found.valid_from)
    return EffectiveRate(None)
