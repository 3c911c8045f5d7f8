from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from freelance.outbox.models import OutgoingEmail
from freelance.outbox.queue import queue_email
from freelance.preferences.models import language_for

logger = logging.getLogger(__name__)

RESET_KIND = "password_reset"
# A known address gets at most this many reset mails an hour, so the form cannot flood a mailbox.
RESET_MAILS_PER_HOUR = 3


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the mail goes through the outbox (retried, listed under Sent mail)
    and its link starts with SITE_URL, never with the request's Host header.

    Whether or not the address belongs to an account, the page that follows is the same.
    """

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ) -> None:
        user = context["user"]
        recent = OutgoingEmail.objects.filter(
            owner=user, kind=RESET_KIND, created_at__gte=timezone.now() - timedelta(hours=1)
        ).count()
        if recent >= RESET_MAILS_PER_HOUR:
            logger.info("password reset for user %s not mailed: %d mails in the last hour", user.pk, recent)
            return
        path = reverse("password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]})
        mail_context = {
            "user": user,
            "username": user.get_username(),
            "url": settings.SITE_URL + path,
            "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        }
        try:
            queue_email(
                owner=user,
                to=[to_email],
                template="password_reset",
                context=mail_context,
                language=language_for(user),
                kind=RESET_KIND,
            )
        except ValidationError:
            # A stored address the outbox refuses: log it, and answer as for any other address.
            logger.warning("password reset for user %s not mailed: invalid address", user.pk)
