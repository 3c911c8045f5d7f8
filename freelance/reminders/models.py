"""One row per reminder ever sent: (kind, object, stage) is unique, so no reminder goes out twice.

A sweep claims a reminder by inserting its row in the same transaction that queues the
mail. Two sweeps racing for the same reminder both try the insert; the unique constraint
lets exactly one of them win, and the loser skips it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Reminder(models.Model):
    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Payment reminder")
        ACCEPTANCE_NUDGE = "acceptance_nudge", _("Acceptance nudge")
        DECISION_NUDGE = "decision_nudge", _("Decision nudge")
        TALK_NUDGE = "talk_nudge", _("Talk to the decision maker")
        RATE_REVIEW = "rate_review", _("Yearly rate review")
        DIGEST = "digest", _("Daily digest")
        RECURRING_INVOICE = "recurring_invoice", _("Recurring invoice drafted")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    object_id = models.BigIntegerField(_("object"))
    stage = models.PositiveIntegerField(_("stage"))
    due_on = models.DateField(_("due on"))
    claim = models.UUIDField(_("claimed by sweep"), db_index=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    email = models.ForeignKey(
        "outbox.OutgoingEmail", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["kind", "object_id", "stage"]
        constraints = [models.UniqueConstraint("kind", "object_id", "stage", name="reminder_once_per_stage")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id} stage {self.stage}"
