"""Remove a user's two-factor authentication, for a lost phone: ``manage.py reset_two_factor <username>``.

For a freelancer who lost both their phone and their recovery codes, and for the operator
locked out of their own account: run it on the server (a shell there is the proof of who you
are). It removes the authenticator app and the recovery codes and ends every session of the
user. A freelancer then logs in with the password alone; the operator is asked to set up a
new app right after logging in.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from freelance.accounts import mfa
from freelance.accounts.models import SessionEpoch


class Command(BaseCommand):
    help = "Remove a user's authenticator app and recovery codes (lost phone) and end their sessions."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        User = get_user_model()
        try:
            user = User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist:
            raise CommandError(f"No user {username!r}.") from None
        apps, codes = mfa.remove_devices(user)
        SessionEpoch.advance(user.pk)
        if not apps:
            self.stdout.write(f"{username} had no two-factor authentication; every session was ended anyway.")
            return
        self.stdout.write(
            f"Two-factor authentication removed for {username} ({codes} unused recovery codes); every session ended."
        )
        if mfa.is_required(user):
            self.stdout.write("An operator account: the next login asks to set up a new authenticator app.")
        else:
            self.stdout.write("The next login takes the password alone; two-factor can be turned on again.")
