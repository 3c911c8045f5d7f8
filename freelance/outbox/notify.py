"""After a client decides: a confirmation to the client first, then a notice to the freelancer.

Templates come in pairs, ``emails/<name>_client-*`` and ``emails/<name>_freelancer-*``, and
the mail kinds carry the same names. The client's mail is in the client's language, with
reply-to the freelancer; the freelancer's in their own language (``freelance.preferences``).
"""

from __future__ import annotations

from collections.abc import Sequence

from freelance.outbox.queue import Attachment, queue_email
from freelance.preferences.models import language_for


def notify_client_then_freelancer(
    name: str,
    *,
    owner,
    client_email: str,
    client_language: str,
    context: dict,
    attachments: Sequence[Attachment] = (),
    tell_freelancer: bool = True,
) -> None:
    """Queue both mails in the current transaction; either is skipped without an address."""
    if client_email:
        queue_email(
            owner=owner,
            to=[client_email],
            reply_to=[owner.email] if owner.email else [],
            template=f"{name}_client",
            context=context,
            language=client_language,
            kind=f"{name}_client",
            attachments=attachments,
        )
    if tell_freelancer and owner.email:
        queue_email(
            owner=owner,
            to=[owner.email],
            template=f"{name}_freelancer",
            context=context,
            language=language_for(owner),
            kind=f"{name}_freelancer",
        )
