"""The one way the app sends mail: ``queue_email(...)`` inside the transaction that caused it.

Templates live in ``templates/emails/<template>-subject.txt``, ``-body.txt`` and, if the
mail has an HTML part, ``-body.html``. The .txt templates wrap their content in
``{% autoescape off %}`` (plain text must not contain ``&amp;``); HTML templates never do.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import translation

from freelance.outbox.models import OutgoingAttachment, OutgoingEmail
from freelance.outbox.tasks import send_email

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocumentRef:
    """Attach a stored document (``freelance.documents``) by reference: no bytes are copied, and
    the document is rendered after commit, by the worker that sends the mail if not before."""

    reference: str


def _attachment(email: OutgoingEmail, filename: str, content, content_type: str) -> OutgoingAttachment:
    if isinstance(content, DocumentRef):
        return OutgoingAttachment(email=email, filename=filename, document=content.reference, content_type=content_type)
    return OutgoingAttachment(email=email, filename=filename, data=bytes(content), content_type=content_type)


MAX_SUBJECT_LENGTH = 200

Attachment = tuple[str, bytes | DocumentRef, str]  # (filename, content or a stored document, content type)


def render_email(template: str, context: dict, language: str) -> tuple[str, str, str]:
    """(subject on one line, text body, HTML body or "") rendered in ``language``."""
    with translation.override(language):
        subject = render_to_string(f"emails/{template}-subject.txt", context)
        body_text = render_to_string(f"emails/{template}-body.txt", context)
        try:
            html_template = get_template(f"emails/{template}-body.html")
        except TemplateDoesNotExist:
            body_html = ""
        else:
            # Rendered outside the try: a missing {% include %} inside it is an error, not "no HTML".
            body_html = html_template.render(context)
    return " ".join(subject.split())[:MAX_SUBJECT_LENGTH], body_text, body_html


def send_on_commit(pk: int) -> None:
    """Enqueue the send task once the surrounding transaction commits.

    If Redis is down at that moment, one warning line is logged and the request still
    succeeds: the row stays queued and the outbox sweep enqueues it when Redis is back.
    """

    def enqueue() -> None:
        try:
            send_email.delay(pk)
        except Exception as error:  # the broker or the result store is unreachable
            logger.warning("mail %s stays queued; the outbox sweep sends it once Redis is back (%s)", pk, error)

    transaction.on_commit(enqueue)


def send_again(email: OutgoingEmail) -> bool:
    """ "Send again" for a failed mail: False (nothing enqueued) unless it had failed."""
    with transaction.atomic():
        if not email.requeue():
            return False
        send_on_commit(email.pk)
    return True


def queue_email(
    *,
    owner,
    to: list[str],
    template: str,
    context: dict,
    language: str,
    kind: str = "",
    reply_to: list[str] | None = None,
    attachments: Sequence[Attachment] = (),
) -> OutgoingEmail:
    """Render templates/emails/<template>-subject.txt, -body.txt and (if it exists) -body.html
    with ``context`` in ``language`` (translation.override), store the row and its attachments,
    and send it after the surrounding transaction commits (transaction.on_commit -> send_email.delay(pk)).

    ``attachments`` are (filename, content, content_type) tuples. Raises ValidationError
    for an empty or invalid recipient list or an unknown language: a programming error.
    """
    subject, body_text, body_html = render_email(template, context, language)
    email = OutgoingEmail(
        owner=owner,
        kind=kind,
        to=list(to),
        reply_to=list(reply_to or []),
        language=language,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
    )
    email.full_clean()
    with transaction.atomic():
        email.save()
        OutgoingAttachment.objects.bulk_create(
            _attachment(email, filename, content, content_type) for filename, content, content_type in attachments
        )
        send_on_commit(email.pk)
    logger.info("queued email %s (%s) to %d recipient(s)", email.pk, kind or template, len(email.to))
    return email


def queue_emails(messages: Sequence[dict]) -> list[OutgoingEmail]:
    """Queue many mails with a constant number of queries: one insert for the mails, one for
    their attachments. Each dict takes the keyword arguments of ``queue_email``. Sweeps use
    this so a batch costs the same number of queries whatever its size.
    """
    emails, attachments = [], []
    for message in messages:
        subject, body_text, body_html = render_email(message["template"], message["context"], message["language"])
        email = OutgoingEmail(
            owner=message["owner"],
            kind=message.get("kind", ""),
            to=list(message["to"]),
            reply_to=list(message.get("reply_to") or []),
            language=message["language"],
            subject=subject,
            body_text=body_text,
            body_html=body_html,
        )
        # Field validation only (recipients, language): full_clean() would also check the
        # owner and the constraints with two queries per mail.
        email.clean_fields(exclude=["owner"])
        emails.append(email)
        attachments.append(message.get("attachments", ()))
    if not emails:
        return []
    with transaction.atomic():
        OutgoingEmail.objects.bulk_create(emails)
        OutgoingAttachment.objects.bulk_create(
            _attachment(email, filename, content, content_type)
            for email, files in zip(emails, attachments, strict=True)
            for filename, content, content_type in files
        )
        for email in emails:
            send_on_commit(email.pk)
    logger.info("queued %d emails", len(emails))
    return emails
