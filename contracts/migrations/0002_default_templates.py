"""Load the default clause templates, general terms and contract templates (Dutch and English).

The texts come from the frozen copy in `_0002_default_templates_data`, never from
`contracts.defaults` or `contracts.seed`: this migration must do the same thing on every
fresh database, whatever later happens to those modules. It behaves as
`contracts.seed.load_contract_templates` did when it was written: it only creates what is
missing (a key in a language that has no version at all yet, a template whose name is not
taken in its language) and never touches a text that exists.
"""

from django.db import migrations, transaction

from ._0002_default_templates_data import CLAUSE_TEMPLATES, CONTRACT_TEMPLATES, GENERAL_TERMS


def load_defaults(apps, schema_editor):
    ClauseTemplate = apps.get_model("contracts", "ClauseTemplate")
    GeneralTerms = apps.get_model("contracts", "GeneralTerms")
    ContractTemplate = apps.get_model("contracts", "ContractTemplate")

    with transaction.atomic():
        for row in CLAUSE_TEMPLATES:
            if ClauseTemplate.objects.filter(key=row["key"], language=row["language"]).exists():
                continue
            ClauseTemplate.objects.create(
                key=row["key"],
                language=row["language"],
                version=1,
                category=row["category"],
                title=row["title"],
                body=row["body"],
                change_note=row["change_note"],
            )
        for row in GENERAL_TERMS:
            if GeneralTerms.objects.filter(key=row["key"], language=row["language"]).exists():
                continue
            GeneralTerms.objects.create(
                key=row["key"],
                language=row["language"],
                version=1,
                title=row["title"],
                body=row["body"],
                change_note=row["change_note"],
            )
        for row in CONTRACT_TEMPLATES:
            if ContractTemplate.objects.filter(language=row["language"], name=row["name"]).exists():
                continue
            ContractTemplate.objects.create(
                language=row["language"],
                name=row["name"],
                general_terms_key=row["general_terms_key"],
                clause_keys=list(row["clause_keys"]),
                # Another template may have been made the default meanwhile: leave it so.
                is_default=not ContractTemplate.objects.filter(language=row["language"], is_default=True).exists(),
            )


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load_defaults, migrations.RunPython.noop),
    ]
