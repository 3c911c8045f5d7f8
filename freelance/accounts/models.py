"""Sessions a user can end from anywhere: one counter per user, raised by "log out everywhere".

A session remembers the counter's value at login (``freelance.accounts.sessions``); the
middleware ends a session whose value is older than the user's current one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _


class SessionEpoch(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_epoch", verbose_name=_("user")
    )
    epoch = models.PositiveIntegerField(_("epoch"), default=0)

    class Meta:
        verbose_name = _("session epoch")
        verbose_name_plural = _("session epochs")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.epoch}"

    @classmethod
    def current(cls, user_id: int) -> int:
        """The user's epoch; 0 for a user who never logged out everywhere (no row, one query)."""
        return cls.objects.filter(user_id=user_id).values_list("epoch", flat=True).first() or 0

    @classmethod
    def advance(cls, user_id: int) -> int:
        """Raise the user's epoch by one and return it: every session started before ends.

        A conditional UPDATE, so two clicks at once raise it twice and both end every session.
        """
        with transaction.atomic():
            cls.objects.get_or_create(user_id=user_id)
            cls.objects.filter(user_id=user_id).update(epoch=F("epoch") + 1)
            return cls.current(user_id)
