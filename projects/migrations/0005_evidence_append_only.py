"""On PostgreSQL, the database refuses UPDATE and DELETE on the evidence tables (freelance/evidence/triggers.py)."""

from django.db import migrations

from freelance.evidence.triggers import append_only


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0004_invoice_timing_and_reminder_pause"),
    ]

    operations = [append_only("projects_acceptance", "projects_changedecision")]
