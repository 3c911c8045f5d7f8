"""Links sent to clients, who have no account: one mechanism for every purpose.

A link carries a 256-bit token; only its SHA-256 is stored. It expires, is single-use
by default, and can be revoked. Opening it (GET) changes nothing: the token moves into
the session and the browser continues on a URL without it. Only a POST that claims the
link (a conditional UPDATE inside the decision's transaction) uses it up.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from ipaddress import ip_address

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from freelance.lib.rules import AppendOnly
from freelance.lib.tokens import new_token, token_hash


class LinkUnavailable(Exception):
    def __init__(self, state: str) -> None:
        self.state = state
        super().__init__(state)


class ClientLink(models.Model):
    class Purpose(models.TextChoices):
        PHASE_ACCEPTANCE = "phase_acceptance", _("Phase acceptance")
        CHANGE_DECISION = "change_decision", _("Decision on a change request")
        CONTRACT_ACCEPTANCE = "contract_acceptance", _("Contract acceptance")
        PROJECT_PAGE = "project_page", _("Client project page")

    class State(models.TextChoices):
        VALID = "valid", _("valid")
        USED = "used", _("used")
        EXPIRED = "expired", _("expired")
        REVOKED = "revoked", _("revoked")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client_links")
    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    recipient_name = models.CharField(_("recipient"), max_length=200, blank=True)
    recipient_email = models.EmailField(_("recipient email"), blank=True)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="nl")
    single_use = models.BooleanField(_("single use"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_reason = models.CharField(_("why revoked"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("client link")
        verbose_name_plural = _("client links")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="link_expires_after_creation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} → {self.recipient_email or self.recipient_name}"

    def get_absolute_url(self) -> str:
        """The token-less page the browser continues on after opening the link."""
        return reverse("links:page", args=[self.public_id])

    @classmethod
    def issue(cls, **fields) -> tuple[ClientLink, str]:
        """Create a link (``build``'s keyword arguments); returns it with the raw token, which is
        never stored."""
        link, token = cls.build(**fields)
        link.save(force_insert=True)
        return link, token

    @classmethod
    def build(
        cls,
        *,
        owner,
        purpose: str,
        target: models.Model,
        recipient_email: str = "",
        recipient_name: str = "",
        language: str = "nl",
        lifetime: timedelta | None = None,
        single_use: bool = True,
        now=None,
    ) -> tuple[ClientLink, str]:
        """An unsaved link (what ``issue`` stores) with its raw token, for ``issue_many``; it
        expires after ``lifetime`` (CLIENT_LINK_DAYS by default)."""
        token = new_token()
        now = now or timezone.now()
        link = cls(
            owner=owner,
            purpose=purpose,
            token_hash=token_hash(token),
            content_type=ContentType.objects.get_for_model(target),
            object_id=target.pk,
            recipient_email=recipient_email,
            recipient_name=recipient_name,
            language=language,
            single_use=single_use,
            created_at=now,
            expires_at=now + (lifetime or timedelta(days=settings.CLIENT_LINK_DAYS)),
        )
        return link, token

    @classmethod
    def issue_many(cls, specs: list[dict]) -> list[tuple[ClientLink, str]]:
        """``issue`` for many links at once (each dict takes its keyword arguments): one INSERT.

        Sweeps use it so a batch costs the same queries whatever it sends. The links share
        their creation time."""
        if not specs:
            return []
        now = timezone.now()
        built = [cls.build(**spec, now=now) for spec in specs]
        cls.objects.bulk_create([link for link, _token in built])
        return built

    @classmethod
    def find(cls, token: str) -> ClientLink | None:
        if not token or len(token) > 100:
            return None
        return cls.objects.filter(token_hash=token_hash(token)).first()

    @classmethod
    def for_target(cls, target: models.Model):
        return cls.objects.filter(content_type=ContentType.objects.get_for_model(target), object_id=target.pk)

    @classmethod
    def for_targets(cls, targets: list[models.Model]):
        """``for_target`` for many targets of one model: the links of any of them."""
        if not targets:
            return cls.objects.none()
        return cls.objects.filter(
            content_type=ContentType.objects.get_for_model(targets[0]), object_id__in=[t.pk for t in targets]
        )

    @staticmethod
    def url_for(token: str) -> str:
        """The absolute URL to put in an email. Built from SITE_URL, never from the request."""
        return settings.SITE_URL + reverse("links:open", args=[token])

    @property
    def state(self) -> str:
        if self.revoked_at:
            return self.State.REVOKED
        if self.used_at:
            return self.State.USED
        if self.expires_at <= timezone.now():
            return self.State.EXPIRED
        return self.State.VALID

    @property
    def state_label(self) -> str:
        return self.State(self.state).label

    @property
    def is_valid(self) -> bool:
        return self.state == self.State.VALID

    @classmethod
    def usable(cls):
        return Q(revoked_at__isnull=True, used_at__isnull=True, expires_at__gt=timezone.now())

    def claim(self) -> None:
        """Use the link up. Call inside the transaction that records the decision."""
        if not self.single_use:
            if (
                not ClientLink.objects.filter(pk=self.pk)
                .filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
                .exists()
            ):
                self.refresh_from_db()
                raise LinkUnavailable(self.state)
            return
        now = timezone.now()
        claimed = ClientLink.objects.filter(pk=self.pk).filter(ClientLink.usable()).update(used_at=now)
        if claimed != 1:
            self.refresh_from_db()
            raise LinkUnavailable(self.state)
        self.used_at = now

    @classmethod
    def revoke_many(cls, links: list[ClientLink], reason: str) -> int:
        """``revoke`` for many links at once: one UPDATE. Returns how many stopped working now."""
        if not links:
            return 0
        now = timezone.now()
        revoked = cls.objects.filter(
            pk__in=[link.pk for link in links], revoked_at__isnull=True, used_at__isnull=True
        ).update(revoked_at=now, revoked_reason=reason[:200])
        for link in links:
            if link.revoked_at is None and link.used_at is None:
                link.revoked_at, link.revoked_reason = now, reason[:200]
        return revoked

    def revoke(self, reason: str) -> bool:
        now = timezone.now()
        revoked = ClientLink.objects.filter(pk=self.pk, revoked_at__isnull=True, used_at__isnull=True).update(
            revoked_at=now, revoked_reason=reason[:200]
        )
        if revoked:
            self.revoked_at, self.revoked_reason = now, reason[:200]
        return bool(revoked)


class LinkVisit(AppendOnly):
    """One opening of a client link (/l/<token>/): when, from where, with which browser.

    Append-only, and never the token. Written for known links only, whatever their state;
    unknown tokens are junk and only count towards the rate limit. It is a log, not
    business state: the link itself stays untouched by a GET.
    """

    link = models.ForeignKey(ClientLink, on_delete=models.PROTECT, related_name="visits")
    at = models.DateTimeField(_("opened"), default=timezone.now)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    method = models.CharField(_("method"), max_length=7)
    state = models.CharField(_("link state"), max_length=10, choices=ClientLink.State)

    class Meta:
        verbose_name = _("link visit")
        verbose_name_plural = _("link visits")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["link", "at"])]

    def __str__(self) -> str:
        return f"{self.link_id} {self.at:%Y-%m-%d %H:%M:%S} {self.ip or '-'}"

    @classmethod
    def log(cls, link: ClientLink, *, method: str, ip: str, user_agent: str) -> LinkVisit:
        try:
            ip = str(ip_address(ip))
        except ValueError:
            ip = None  # not an address (a forwarded header can say anything): keep the rest
        return cls.objects.create(link=link, method=method[:7], ip=ip, user_agent=user_agent[:300], state=link.state)
