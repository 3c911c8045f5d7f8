"""What every freelancer-facing view shares: one owner-scoped lookup that 404s."""

from __future__ import annotations

from typing import TypeVar

from django.db import models
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

M = TypeVar("M", bound=models.Model)


def owned_or_404(model: type[M] | models.QuerySet[M], request: HttpRequest, owner_path: str = "owner", **lookup) -> M:
    """The object the request's user owns, or 404: another freelancer's object does not exist.

    ``owner_path`` is the lookup to the owner, e.g. ``"project__owner"`` for a phase.
    """
    return get_object_or_404(model, **{owner_path: request.user}, **lookup)
