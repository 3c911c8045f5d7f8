"""Invite a freelancer: ``manage.py invite EMAIL`` mails them a link to make their account."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from freelance.accounts.invitations import invite


class Command(BaseCommand):
    help = "Mail a freelancer an invitation link (single use, expires) to make their Mijlpaal account."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--language", choices=[code for code, _name in settings.LANGUAGES])
        parser.add_argument("--by", help="the operator's username (default: the first superuser)")
        parser.add_argument(
            "--show-link", action="store_true", help="also print the link, for an install that cannot mail yet"
        )

    def handle(self, *args, email: str, language: str | None, by: str | None, show_link: bool, **options):
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"Not an email address: {email!r}") from None
        users = get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk")
        operator = users.filter(username=by).first() if by else users.first()
        if operator is None:
            raise CommandError(
                "No operator yet: run `manage.py createsuperuser` first" + (f" (no {by!r})" if by else "")
            )
        invitation, url = invite(email, by=operator, language=language)
        self.stdout.write(f"Invitation for {email} queued; it expires {invitation.expires_at:%Y-%m-%d %H:%M}.")
        if show_link:
            self.stdout.write(url)
