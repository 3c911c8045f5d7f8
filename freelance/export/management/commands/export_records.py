from __future__ import annotations

import os
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from freelance.export.writer import safe_name, stream_export


class Command(BaseCommand):
    help = "Write every record of one freelancer to a ZIP (the same as their Download all my records)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "-o", "--output", help="the ZIP to write (default mijlpaal-<username>-<date>.zip; - for stdout)"
        )

    def handle(self, *args, username: str, output: str | None, **options) -> None:
        User = get_user_model()
        try:
            user = User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist:
            raise CommandError(f"No login named {username!r}.") from None
        if output == "-":
            for chunk in stream_export(user):
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
            return
        path = Path(output or f"mijlpaal-{safe_name(username)}-{timezone.localdate():%Y-%m-%d}.zip")
        partial = path.with_name(path.name + ".partial")
        size = 0
        try:
            with partial.open("wb") as file:
                for chunk in stream_export(user):
                    file.write(chunk)
                    size += len(chunk)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(f"Wrote the records of {username} to {path} ({size:,} bytes).")
