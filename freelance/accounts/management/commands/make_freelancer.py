"""Turn an account into a freelancer: staff (their own contract templates in the admin), not superuser.

For installs from before invitations, where every freelancer was made with ``createsuperuser``:
such a login would otherwise count as the operator (who sees the install's users, must use
two-factor, and edits the default templates instead of their own).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Make USERNAME a freelancer (staff, no superuser, no model permissions)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account {username!r}.")
        others = User.objects.filter(is_superuser=True, is_active=True).exclude(pk=user.pk)
        if user.is_superuser and not others.exists():
            raise CommandError(f"{username!r} is the only operator: run createsuperuser for a new operator first.")
        user.is_superuser = False
        user.is_staff = True
        user.save(update_fields=["is_superuser", "is_staff"])
        user.user_permissions.clear()
        user.groups.clear()
        self.stdout.write(f"{username} is a freelancer now.")
