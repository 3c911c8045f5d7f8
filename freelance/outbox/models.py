"""The outbox: every email the app sends is a row first, and a task sends the row.

A row is written in the same transaction as the change that caused it and sent after
that transaction commits (``freelance.outbox.queue.queue_email``). The task claims the
row with a conditional UPDATE (queued -> sending), so a duplicated or retried task finds
nothing to claim and sends nothing. A beat sweep picks up rows whose task was lost.
"""

from __future__ import annotations

import re
from datetime import timedelta
from email.encoders import encode_base64
from email.header import Header
from email.message import Message as PlainMessage
from email.mime.base import MIMEBase
from email.mime.image import MIMEImage
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection, make_msgid
from django.core.validators import validate_email
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from freelance.documents.store import get as get_document
from freelance.lib import sealing

# A secret link in a mail body: a client link (freelance.links, /l/<token>/) or a password
# reset link (/accounts/password/reset/<uid>/<token>/); and its stored placeholder.
LINK_TOKEN = re.compile(
    r"/(l/[A-Za-z0-9_\-]{20,}"
    r"|accounts/invitation/[A-Za-z0-9_\-]{20,}"
    r"|accounts/password/reset/[A-Za-z0-9_\-]+/[A-Za-z0-9]+-[A-Za-z0-9]+)/"
)
SEALED_LINK = re.compile(r"/\[sealed-link-(\d+)\]/")
REMOVED_LINK = "/[link-removed-after-sending]/"

MAX_ERROR_LENGTH = 2000
INLINE_FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,100}")

# The reasons the outbox itself writes in last_error: stored in English, shown translated
# (OutgoingEmail.error_text). An SMTP server's own words are shown as they came.
INTERRUPTED_ONCE = gettext_noop(
    "The worker stopped while sending this mail; it may have gone out. Sending it once more."
)
INTERRUPTED_TWICE = gettext_noop(
    "The worker stopped twice while sending this mail; it may have gone out twice. "
    "Not sent again: check with the recipient, then use Send again if it is missing."
)
INTERRUPTED_LAST = gettext_noop(
    "The worker stopped while sending this mail, on its last attempt; it may have gone out. Not sent again."
)
RESTORED_NOT_SENT = gettext_noop(
    "Restored from an export: this mail had not been sent yet, and its links do not travel in an export. "
    "Send a new request from its page if it is still needed."
)
OUTBOX_REASONS = (INTERRUPTED_ONCE, INTERRUPTED_TWICE, INTERRUPTED_LAST, RESTORED_NOT_SENT)
# A mail whose send was interrupted (its worker died while it was "sending") may or may not
# have reached the SMTP server. It is retried this many times, so it goes out at most
# MAX_INTERRUPTIONS + 1 = 2 times, each copy with the same Message-ID.
MAX_INTERRUPTIONS = 1


def queued_grace() -> timedelta:
    """A queued row whose task has not run this long after it was due is re-enqueued: the
    broker was down when it was queued, or the message got lost (EMAIL_QUEUED_GRACE)."""
    return timedelta(seconds=getattr(settings, "EMAIL_QUEUED_GRACE", 120))


def sending_timeout() -> timedelta:
    """A row in "sending" this long has lost its worker (EMAIL_SENDING_TIMEOUT, 5 minutes by
    default: well past the 20 s SMTP timeout per command and the render of a PDF attachment)."""
    return timedelta(seconds=getattr(settings, "EMAIL_SENDING_TIMEOUT", 300))


def validate_address_list(value) -> None:
    if not isinstance(value, list) or not all(isinstance(address, str) for address in value):
        raise ValidationError(_("Expected a list of email addresses."), code="address_list")
    for address in value:
        validate_email(address)


def validate_recipients(value) -> None:
    validate_address_list(value)
    if not value:
        raise ValidationError(_("An email needs at least one recipient."), code="no_recipients")


def validate_language(value: str) -> None:
    if value not in dict(settings.LANGUAGES):
        raise ValidationError(
            _("%(language)s is not one of the site's languages."), code="language", params={"language": value}
        )


def message_id_domain() -> str:
    """The domain of the sender address, else of SITE_URL; never the machine's host name."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or urlsplit(settings.SITE_URL).hostname or "localhost"


def new_message_id() -> str:
    """Fixed when the row is created and sent with every attempt: a receiving server (or the
    client's mail program) can drop the second copy of a mail whose first send was cut off."""
    return make_msgid(domain=message_id_domain())


class OutboxMessage(EmailMultiAlternatives):
    """Django's message, with a non-ASCII subject encoded so that it starts on the Subject line.

    Django encodes such a subject without knowing the header's name, so a long one is folded
    right after "Subject:" and reaches the client as " Graag uw beslissing: …", with a leading
    space. Encoding it with the header's name keeps the first encoded word on the first line.
    """

    def message(self, *args, **kwargs):
        message = super().message(*args, **kwargs)
        subject = str(self.subject)
        if not subject.isascii():
            del message["Subject"]
            # Message.__setitem__: Django's own refuses the folded value its check can't tell from an injection.
            PlainMessage.__setitem__(message, "Subject", Header(subject, "utf-8", header_name="Subject"))
        return message


class OutgoingEmail(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="outgoing_emails",
        verbose_name=_("owner"),
    )
    kind = models.CharField(_("kind"), max_length=50, blank=True)
    to = models.JSONField(_("to"), validators=[validate_recipients])
    reply_to = models.JSONField(_("reply to"), default=list, blank=True, validators=[validate_address_list])
    language = models.CharField(_("language"), max_length=5, validators=[validate_language])
    subject = models.TextField(_("subject"))
    # The bodies as stored: a client link's token is replaced by a numbered placeholder and
    # kept, sealed, in sealed_links until the mail is handed to SMTP; then it is forgotten.
    stored_text = models.TextField(_("text"), db_column="body_text")
    stored_html = models.TextField(_("HTML"), db_column="body_html", blank=True)
    sealed_links = models.TextField(_("sealed link tokens"), blank=True, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Attempts cut off mid-send (the worker died while the row was "sending"): each may have
    # delivered the mail. Capped at MAX_INTERRUPTIONS, so a mail goes out at most twice.
    interruptions = models.PositiveSmallIntegerField(_("interrupted attempts"), default=0, editable=False)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    # When a queued row is due: now, or after the back-off of a failed attempt. The sweep
    # compares against this, not created_at, so it never cuts a back-off short.
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now, editable=False)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, default=new_message_id)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="outbox_owner_created"),
            models.Index(fields=["status", "next_attempt_at"], name="outbox_status_due"),
            models.Index(fields=["owner", "status"], name="outbox_owner_status"),  # the dashboard's trouble card
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "sending", "sent", "failed"]), name="outbox_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="outbox_sent_has_sent_at"
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    # -- client-link tokens: sealed at rest, forgotten once sent --------------------------

    @property
    def body_text(self) -> str:
        return self._unseal_links(self.stored_text)

    @body_text.setter
    def body_text(self, value: str) -> None:
        self.stored_text = self._seal_links(value)

    @property
    def body_html(self) -> str:
        return self._unseal_links(self.stored_html)

    @body_html.setter
    def body_html(self, value: str) -> None:
        self.stored_html = self._seal_links(value)

    def _tokens(self) -> list[str]:
        return sealing.unseal(self.sealed_links) if self.sealed_links else []

    def _seal_links(self, body: str) -> str:
        tokens = self._tokens()

        def placeholder(match: re.Match) -> str:
            if match.group(1) not in tokens:
                tokens.append(match.group(1))
            return f"/[sealed-link-{tokens.index(match.group(1))}]/"

        stored = LINK_TOKEN.sub(placeholder, body or "")
        self.sealed_links = sealing.seal(tokens) if tokens else ""
        return stored

    def _unseal_links(self, stored: str) -> str:
        """The body with its links working while the mail waits to be sent; afterwards the
        links read ``/[link-removed-after-sending]/``: the record stays, it can no longer act."""
        try:
            tokens = self._tokens()
        except sealing.Unsealable:
            tokens = []

        def link(match: re.Match) -> str:
            number = int(match.group(1))
            return f"/{tokens[number]}/" if number < len(tokens) else REMOVED_LINK

        return SEALED_LINK.sub(link, stored or "")

    # -- the task's steps (freelance/outbox/tasks.py) ---------------------------------------

    @classmethod
    def claim(cls, pk: int) -> OutgoingEmail | None:
        """Move a queued row to sending and count the attempt; None if there is nothing to do.

        One conditional UPDATE: of two workers holding the same pk, exactly one gets a row
        back. A sent, failed or currently sending row is never claimed.
        """
        claimed = cls.objects.filter(pk=pk, status=cls.Status.QUEUED).update(
            status=cls.Status.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now()
        )
        if not claimed:
            return None
        return cls.objects.prefetch_related("attachments").get(pk=pk)

    @property
    def error_text(self) -> str:
        """last_error as the freelancer reads it: the outbox's own reasons in their language."""
        return gettext(self.last_error) if self.last_error in OUTBOX_REASONS else self.last_error

    def build_message(self, connection=None) -> EmailMultiAlternatives:
        if not self.message_id:  # a row from before Message-IDs were fixed at creation
            self.message_id = new_message_id()
            self.save(update_fields=["message_id"])
        message = OutboxMessage(
            subject=" ".join(
                self.subject.split()
            ),  # one line, trimmed, even for a row stored before render_email did it
            body=self.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=list(self.to),
            reply_to=list(self.reply_to) or None,
            headers={"Message-ID": self.message_id},
            connection=connection,
        )
        if self.sealed_links:
            self._tokens()  # raises Unsealable (SECRET_KEY changed): never send a mail with dead links
        html = self.body_html
        if html:
            message.attach_alternative(html, "text/html")
        for attachment in self.attachments.all():
            if html and _referenced_as_cid(html, attachment.filename):
                message.attach(_inline_part(attachment.filename, bytes(attachment.content), attachment.content_type))
            else:
                message.attach(attachment.filename, bytes(attachment.content), attachment.content_type or None)
        return message

    def send_now(self) -> None:
        """Hand the message to Django's configured backend. Raises on SMTP/connection errors."""
        self.build_message(connection=get_connection(fail_silently=False)).send()

    def mark_sent(self) -> None:
        # Unconditional: the mail went out, whatever a sweep did to the row meanwhile.
        self.status = self.Status.SENT
        self.sent_at = timezone.now()
        self.sealed_links = ""  # handed to SMTP: the stored copy can no longer act as the client
        fields = ["status", "sent_at", "sealed_links"]
        for name in ("stored_text", "stored_html"):  # a raw token from before sealing existed
            stored = getattr(self, name)
            if LINK_TOKEN.search(stored):
                setattr(self, name, LINK_TOKEN.sub(REMOVED_LINK, stored))
                fields.append(name)
        self.save(update_fields=fields)

    def mark_for_retry(self, error: str, delay: timedelta) -> None:
        self.status = self.Status.QUEUED
        self.last_error = error[:MAX_ERROR_LENGTH]
        self.next_attempt_at = timezone.now() + delay
        type(self).objects.filter(pk=self.pk, status=self.Status.SENDING).update(
            status=self.status, last_error=self.last_error, next_attempt_at=self.next_attempt_at
        )

    def mark_failed(self, error: str) -> None:
        self.status = self.Status.FAILED
        self.last_error = error[:MAX_ERROR_LENGTH]
        type(self).objects.filter(pk=self.pk, status=self.Status.SENDING).update(
            status=self.status, last_error=self.last_error
        )

    # -- the user's action -----------------------------------------------------------------

    def requeue(self) -> bool:
        """The "Send again" button for a failed row: a fresh set of attempts, due now.

        False unless the row is failed, also under a double click. The caller enqueues the
        send after commit (``freelance.outbox.queue.send_again``).
        """
        now = timezone.now()
        requeued = (
            type(self)
            .objects.filter(pk=self.pk, status=self.Status.FAILED)
            .update(status=self.Status.QUEUED, attempts=0, interruptions=0, next_attempt_at=now, claimed_at=None)
        )
        if not requeued:
            return False
        self.status, self.attempts, self.interruptions = self.Status.QUEUED, 0, 0
        self.next_attempt_at, self.claimed_at = now, None
        return True

    # -- the sweep ---------------------------------------------------------------------------

    @classmethod
    def stale(cls, now=None) -> Q:
        """Rows whose task is lost: queued and overdue, or stuck in sending."""
        now = now or timezone.now()
        return Q(status=cls.Status.QUEUED, next_attempt_at__lt=now - queued_grace()) | Q(
            status=cls.Status.SENDING, claimed_at__lt=now - sending_timeout()
        )

    @classmethod
    def is_worn_out(cls, status: str, attempts: int, interruptions: int) -> bool:
        """A stale row the sweep fails instead of re-queueing: stuck in sending after an
        earlier interruption, or on its last attempt."""
        return status == cls.Status.SENDING and (
            interruptions >= MAX_INTERRUPTIONS or attempts > settings.EMAIL_MAX_RETRIES
        )

    @classmethod
    def reset_stale(cls, pks: list[int], now=None) -> None:
        """One UPDATE for a batch: stale rows become queued and due now (so the next sweep
        leaves them alone for EMAIL_QUEUED_GRACE); a stuck row that was interrupted before,
        or has used up its attempts, fails (``is_worn_out``).

        Re-queueing a stuck "sending" row is the one case where a mail can go out twice:
        the worker may have died after the SMTP server accepted the mail but before it
        wrote "sent". That is the price of never losing a mail; the interruption cap makes
        twice the most, and the fixed Message-ID lets the receiving side drop the copy.
        """
        now = now or timezone.now()
        stuck = Q(status=cls.Status.SENDING)
        interrupted_before = stuck & Q(interruptions__gte=MAX_INTERRUPTIONS)
        last_attempt = stuck & Q(attempts__gt=settings.EMAIL_MAX_RETRIES)
        cls.objects.filter(cls.stale(now), pk__in=pks).update(
            status=Case(
                When(interrupted_before | last_attempt, then=Value(cls.Status.FAILED)),
                default=Value(cls.Status.QUEUED),
                output_field=models.CharField(),
            ),
            last_error=Case(
                When(interrupted_before, then=Value(INTERRUPTED_TWICE)),
                When(last_attempt, then=Value(INTERRUPTED_LAST)),
                When(stuck, then=Value(INTERRUPTED_ONCE)),
                default=F("last_error"),
                output_field=models.TextField(),
            ),
            interruptions=Case(
                When(stuck, then=F("interruptions") + 1),
                default=F("interruptions"),
                output_field=models.PositiveSmallIntegerField(),
            ),
            next_attempt_at=now,
        )


def _referenced_as_cid(html: str, filename: str) -> bool:
    """Whether the HTML body shows this attachment (``src="cid:<filename>"``): then it goes inline.

    Only a plain file name (letters, digits, dot, dash, underscore) can be a Content-ID.
    """
    if not INLINE_FILENAME.fullmatch(filename):
        return False
    return re.search(r"cid:" + re.escape(filename) + r"(?![^\s\"'<>)])", html) is not None


def _inline_part(filename: str, content: bytes, content_type: str) -> MIMEBase:
    """An attachment shown in the HTML body: Content-ID <filename>, disposition inline."""
    maintype, _slash, subtype = (content_type or "application/octet-stream").partition("/")
    if maintype == "image" and subtype:
        part = MIMEImage(content, _subtype=subtype)
    else:
        part = MIMEBase(maintype or "application", subtype or "octet-stream")
        part.set_payload(content)
        encode_base64(part)
    part.add_header("Content-ID", f"<{filename}>")
    part.add_header("Content-Disposition", "inline", filename=filename)
    return part


class OutgoingAttachment(models.Model):
    email = models.ForeignKey(
        OutgoingEmail, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("email")
    )
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100, default="application/octet-stream")
    data = models.BinaryField(_("content"), db_column="content", blank=True, default=b"")
    document = models.CharField(
        _("document"),
        max_length=200,
        blank=True,
        help_text=_("A stored document (freelance.documents) sent instead of a copy of its bytes."),
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.filename

    @property
    def content(self) -> bytes:
        """The bytes: copied into the row, or the referenced document, rendered if need be.

        A reference is resolved outside the transaction that queued the mail (by the worker
        that sends it, or a download), so a slow render never holds a lock.
        """
        if self.document:
            return get_document(self.document).content
        return bytes(self.data)

    @content.setter
    def content(self, value: bytes) -> None:
        self.data = bytes(value)
