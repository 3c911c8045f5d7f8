from __future__ import annotations

from django.core.management.base import BaseCommand

from contracts.seed import load_contract_templates


class Command(BaseCommand):
    help = (
        "Create the default clause templates, general terms and contract templates (Dutch and English) "
        "that are missing. Never overwrites a text that exists. Safe to run any number of times."
    )

    def handle(self, *args, **options) -> None:
        loaded = load_contract_templates()
        self.stdout.write(
            f"Created {loaded.clauses} clause templates, {loaded.general_terms} general terms "
            f"and {loaded.contract_templates} contract templates."
        )
