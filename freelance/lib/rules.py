"""The shared rules of every model: a refused move, append-only history, and the guarded move.

Every state change follows one pattern (``Phase`` is the model to copy): guard the current
state, claim the move with a conditional UPDATE inside a transaction, then write an event
row. ``guarded_move`` is that pattern once; a double click or a race changes the row once,
and the loser gets a ``RuleViolation`` with the model's own message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _


class RuleViolation(Exception):
    """A move the method does not allow. The message is shown to the user as is."""


class AppendOnly(models.Model):
    """A row that is written once and never changed or deleted: history and evidence."""

    immutable_message = _("Recorded evidence cannot be changed.")
    undeletable_message = _("Recorded evidence cannot be deleted.")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise RuleViolation(self.immutable_message)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuleViolation(self.undeletable_message)


def guarded_move(
    obj: models.Model,
    allowed_from: Iterable[str],
    to: str,
    *,
    refused: Callable[[models.Model], str],
    log: Callable[[str], object] | None = None,
    field: str = "status",
    **fields,
) -> str:
    """Move ``obj.<field>`` from one of ``allowed_from`` to ``to`` with a conditional UPDATE.

    ``fields`` are written in the same UPDATE. On success the instance is updated in memory
    and ``log(old)`` writes the event in the same transaction; the old value is returned.
    If another request moved the row first, the instance is refreshed and
    ``RuleViolation(refused(obj))`` is raised, with nothing written.
    """
    model = type(obj)
    with transaction.atomic():
        claimed = model._default_manager.filter(pk=obj.pk, **{f"{field}__in": list(allowed_from)}).update(
            **{field: to}, **fields
        )
        if claimed != 1:
            obj.refresh_from_db()
            raise RuleViolation(refused(obj))
        old = getattr(obj, field)
        setattr(obj, field, to)
        for name, value in fields.items():
            setattr(obj, name, value)
        if log is not None:
            log(old)
    return old
