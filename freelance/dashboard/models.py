from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from freelance.lib import sealing
from freelance.lib.tokens import new_token, token_hash


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


class CalendarFeed(models.Model):
    """A freelancer's private calendar address (/calendar/<token>.ics): deadlines and invoice due dates.

    The token is 256 bits from ``freelance.lib.tokens``, like a client link's. The database holds
    its SHA-256, to find the feed, and the token sealed with a key derived from SECRET_KEY
    (``freelance.lib.sealing``), so the settings page can show the address again; never the
    token itself. A new address replaces both, so the old address stops working at once.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    sealed_token = models.TextField(editable=False)
    created_at = models.DateTimeField(_("address made"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%Y-%m-%d})"

    @staticmethod
    def _secrets() -> tuple[str, dict]:
        token = new_token()
        return token, {"token_hash": token_hash(token), "sealed_token": sealing.seal([token])}

    @classmethod
    def turn_on(cls, user) -> CalendarFeed:
        """The user's feed, made if there is none: turning it on twice keeps the first address."""
        existing = cls.objects.filter(user=user).first()
        if existing is not None:
            return existing
        _token, fields = cls._secrets()
        try:
            with transaction.atomic():
                return cls.objects.create(user=user, **fields)
        except IntegrityError:  # a double click made it a moment ago
            return cls.objects.get(user=user)

    def renew(self) -> None:
        """A new address; the old one answers 404 from now on."""
        _token, fields = self._secrets()
        fields["created_at"] = timezone.now()
        CalendarFeed.objects.filter(pk=self.pk).update(**fields)
        for name, value in fields.items():
            setattr(self, name, value)

    @classmethod
    def find(cls, token: str) -> CalendarFeed | None:
        """One indexed lookup of the token's hash (comparing hashes leaks nothing of the token)."""
        if not token or len(token) > 100:
            return None
        return cls.objects.select_related("user").filter(token_hash=token_hash(token)).first()

    @property
    def token(self) -> str | None:
        """The token, to show the address; None when SECRET_KEY changed since it was made."""
        try:
            return sealing.unseal(self.sealed_token)[0]
        except (sealing.Unsealable, IndexError):
            return None

    @staticmethod
    def url_for(token: str) -> str:
        """The absolute address, built from SITE_URL, never from the request."""
        return settings.SITE_URL + reverse("calendar_feed", args=[token])

    @property
    def url(self) -> str | None:
        token = self.token
        return self.url_for(token) if token else None
