"""Accounts: sessions a user can end from anywhere, and invitations to make an account.

Sessions: one counter per user, raised by "log out everywhere".

A session remembers the counter's value at login (``freelance.accounts.sessions``); the
middleware ends a session whose value is older than the user's current one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
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


class Invitation(models.Model):
    """The operator's emailed, single-use, expiring invitation to make a freelancer account.

    Only the SHA-256 of the link's token is stored (``freelance.lib.tokens``); the mail
    with the link is sealed in the outbox until it is sent. Accepting claims the row with a
    conditional UPDATE, so a double submit or a second tab makes one account, not two.
    """

    email = models.EmailField(_("email address"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"), editable=False)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True, editable=False)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="invitation",
        verbose_name=_("account made"),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email

    def get_status_display(self) -> str:
        return self.Status(self.status).label

    @property
    def status(self) -> str:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    @classmethod
    def open(cls):
        """Invitations that can still be accepted."""
        return cls.objects.filter(accepted_at=None, revoked_at=None, expires_at__gt=timezone.now())

    def revoke(self) -> bool:
        """Withdraw the invitation; False when it was already accepted or revoked."""
        return bool(
            Invitation.objects.filter(pk=self.pk, accepted_at=None, revoked_at=None).update(revoked_at=timezone.now())
        )
