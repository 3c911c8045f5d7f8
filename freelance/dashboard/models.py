from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """When each background component last proved it was alive.

    Beat publishes the heartbeat task every HEARTBEAT_INTERVAL seconds and stamps the
    message with the time it was published; the worker records that stamp as the beat's
    heartbeat and its own run time as the worker's. A stale worker row beside a fresh
    beat row therefore means "beat is sending, nobody is working".
    """

    class Component(models.TextChoices):
        BEAT = "beat", _("Scheduler (beat)")
        WORKER = "worker", _("Worker")

    component = models.CharField(_("component"), max_length=16, choices=Component, primary_key=True)
    last_seen = models.DateTimeField(_("last seen"))
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.get_component_display()}: {self.last_seen:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def record(cls, component: str, when, detail: str = "") -> None:
        cls.objects.update_or_create(component=component, defaults={"last_seen": when, "detail": detail[:200]})

    @property
    def is_fresh(self) -> bool:
        """Seen within three intervals: one missed beat is not yet an alarm."""
        return timezone.now() - self.last_seen <= timedelta(seconds=3 * settings.HEARTBEAT_INTERVAL)
