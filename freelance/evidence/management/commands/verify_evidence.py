"""Recompute every freelancer's evidence chain (or one's) and name the first broken row.

    manage.py verify_evidence [--user USERNAME]

Exit status 0 when every chain holds, 1 when one does not.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from freelance.evidence.chain import verify_chain


class Command(BaseCommand):
    help = "Recompute the evidence hash chains and name the first row that was changed, removed or never chained."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", help="Only this freelancer's chain (username).")

    def handle(self, *args, user: str | None = None, **options) -> None:
        users = get_user_model()._default_manager.order_by("pk")
        if user is not None:
            users = users.filter(username=user)
            if not users.exists():
                raise CommandError(f"No user {user!r}.")
        broken = []
        for pk, username in users.values_list("pk", "username").iterator():
            result = verify_chain(pk)
            if result.ok:
                if result.checked or user is not None:
                    self.stdout.write(f"{username}: intact, {result.checked} entries, head {result.head}")
            else:
                broken.append(username)
                self.stderr.write(f"{username}: BROKEN after {result.checked} intact entries: {result.first_broken}")
        if broken:
            raise CommandError(f"Evidence chain broken for: {', '.join(broken)}", returncode=1)
