from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from freelance.export.importer import ImportRefused, import_records


class Command(BaseCommand):
    help = (
        "Import a freelancer's export ZIP into this install (which must not hold their records yet). "
        "All or nothing: checksums and the evidence chain are verified before anything is kept."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("zipfile")

    def handle(self, *args, zipfile: str, **options) -> None:
        try:
            result = import_records(zipfile)
        except ImportRefused as refused:
            raise CommandError(f"Not imported: {refused}") from None
        self.stdout.write(
            f"Imported the records of {result.username}: {result.rows:,} rows in {len(result.counts)} tables; "
            f"evidence chain verified ({result.chain_checked} entries)."
        )
        if result.shared_added:
            self.stdout.write(f"Added {result.shared_added} install-wide rows the records refer to (contract texts).")
        if result.unsent_mails:
            self.stdout.write(
                f"{result.unsent_mails} mails had not been sent yet: they are marked failed, not sent from here."
            )
        self.stdout.write(
            f"The login {result.username} has no password and no staff rights. Send them a password reset "
            f"(“Forgot your password?” on the login page), or set one: manage.py changepassword {result.username}"
        )
