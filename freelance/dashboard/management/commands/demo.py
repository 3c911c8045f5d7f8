from __future__ import annotations

from django.core.management.base import BaseCommand

from freelance.demo import ensure_demo_data


class Command(BaseCommand):
    help = "Create the demo freelancer login and demo data. Safe to run any number of times."

    def handle(self, *args, **options) -> None:
        login = ensure_demo_data()
        state = "created" if login.created else "already there"
        self.stdout.write(f"Demo login {login.username} / {login.password} ({state})")
