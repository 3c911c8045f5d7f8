"""Load the default contract texts of `contracts.defaults` into the database.

Used by the data migration (with the historical app registry) and by
`manage.py load_contract_templates` (with the live one). It only creates what is
missing, a key in a language that has no version at all yet, and never touches a
text that exists: the freelancer may have edited it, and their version wins.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from contracts import defaults
from contracts.placeholders import validate_clause_body

# The first version's "what changed" note, in the text's own language.
CHANGE_NOTE = {"nl": "Standaardtekst van Mijlpaal", "en": "Mijlpaal's default text"}


@dataclass(frozen=True)
class Loaded:
    clauses: int = 0
    general_terms: int = 0
    contract_templates: int = 0

    @property
    def total(self) -> int:
        return self.clauses + self.general_terms + self.contract_templates


def load_contract_templates(apps=None) -> Loaded:
    """Create the missing default clause templates, general terms and contract templates."""
    if apps is None:
        from django.apps import apps
    ClauseTemplate = apps.get_model("contracts", "ClauseTemplate")
    GeneralTerms = apps.get_model("contracts", "GeneralTerms")
    ContractTemplate = apps.get_model("contracts", "ContractTemplate")

    clauses = terms = templates = 0
    with transaction.atomic():
        for key, spec in defaults.CLAUSES.items():
            for language, text in _languages(spec):
                if ClauseTemplate.objects.filter(owner__isnull=True, key=key, language=language).exists():
                    continue
                validate_clause_body(text["body"])
                ClauseTemplate.objects.create(
                    key=key, language=language, version=1, category=spec["category"], **_text(text, language)
                )
                clauses += 1
        for key, spec in defaults.GENERAL_TERMS.items():
            for language, text in _languages(spec):
                if GeneralTerms.objects.filter(owner__isnull=True, key=key, language=language).exists():
                    continue
                validate_clause_body(text["body"])
                GeneralTerms.objects.create(key=key, language=language, version=1, **_text(text, language))
                terms += 1
        for language, spec in defaults.CONTRACT_TEMPLATES.items():
            if ContractTemplate.objects.filter(owner__isnull=True, language=language, name=spec["name"]).exists():
                continue
            ContractTemplate.objects.create(
                language=language,
                name=spec["name"],
                general_terms_key=spec["general_terms_key"],
                clause_keys=list(spec["clause_keys"]),
                # Another template may have been made the default meanwhile: leave it so.
                is_default=not ContractTemplate.objects.filter(
                    owner__isnull=True, language=language, is_default=True
                ).exists(),
            )
            templates += 1
    return Loaded(clauses, terms, templates)


def _languages(spec: dict):
    return ((language, text) for language, text in spec.items() if isinstance(text, dict))


def _text(text: dict, language: str) -> dict:
    return {"title": text["title"], "body": text["body"], "change_note": CHANGE_NOTE.get(language, "")}
