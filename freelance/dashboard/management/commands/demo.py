from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from freelance.demo import DemoRefused, ensure_demo_data


class Command(BaseCommand):
    help = "Create the demo freelancer login and demo data. Safe to run any number of times."

    def handle(self, *args, **options) -> None:
        try:
            login = ensure_demo_data()
        except DemoRefused as refused:
            raise CommandError(str(refused)) from None
        state = "created" if login.created else "already there"
        self.stdout.write(f"Demo login {login.username} / {login.password} ({state})")
