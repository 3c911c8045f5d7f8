"""On PostgreSQL, the database refuses UPDATE and DELETE on contract acceptances (freelance/evidence/triggers.py)."""

from django.db import migrations

from freelance.evidence.triggers import append_only


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0007_template_owners"),
    ]

    operations = [append_only("contracts_contractacceptance")]
