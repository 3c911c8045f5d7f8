from django.db import migrations


def load_defaults(apps, schema_editor):
    from contracts.seed import load_contract_templates

    load_contract_templates(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load_defaults, migrations.RunPython.noop),
    ]
