"""Chain the evidence recorded before the ledger existed: per freelancer, in order of decision.

The rows are hashed as they are now, so the chain vouches for them from this moment on.
Their entries carry the time of this migration as ``recorded_at``. The list of evidence
tables and owner lookups is frozen here, as it was when this migration was written.
"""

from django.conf import settings
from django.db import migrations
from django.db.models import F
from django.utils import timezone

from freelance.evidence.chain import GENESIS, link_hash, row_hash

EVIDENCE = [
    # (model, lookup of its owner, related values the chain covers)
    ("projects.acceptance", "phase__project__owner", ()),
    ("projects.changedecision", "change_request__project__owner", ()),
    ("contracts.contractacceptance", "version__contract__project__owner", ("version__snapshot", "version__snapshot_sha256")),
]


def chain_existing(apps, schema_editor):
    Entry = apps.get_model("evidence", "EvidenceEntry")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    rows = []  # (owner, decided_at, model, id, fields, values)
    for label, owner, related in EVIDENCE:
        model = apps.get_model(label)
        fields = [field.attname for field in model._meta.concrete_fields] + list(related)
        chained = Entry.objects.filter(model=label).values("object_id")
        for values in model.objects.exclude(pk__in=chained).values(*fields, _owner=F(owner)).iterator():
            rows.append((values.pop("_owner"), values["decided_at"], label, values["id"], fields, values))
    rows.sort(key=lambda row: row[:4])
    now = timezone.now()
    heads = {}
    for owner_id, _decided_at, label, object_id, fields, values in rows:
        if owner_id not in heads:
            last = Entry.objects.filter(owner_id=owner_id).order_by("-seq").values_list("seq", "chain_hash").first()
            user = User.objects.get(pk=owner_id)
            name = f"{user.first_name} {user.last_name}".strip() or user.username
            heads[owner_id] = [*(last or (0, GENESIS)), name[:200]]
        seq, previous, name = heads[owner_id]
        entry = {
            "owner_id": owner_id,
            "seq": seq + 1,
            "model": label,
            "object_id": object_id,
            "fields": fields,
            "row_hash": row_hash(label, values),
            "previous_hash": previous,
            "issuer_name": name,
            "recorded_at": now,
        }
        chain_hash = link_hash(**entry)
        Entry.objects.create(**entry, chain_hash=chain_hash)
        heads[owner_id] = [seq + 1, chain_hash, name]


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0001_ledger"),
        ("projects", "0004_invoice_timing_and_reminder_pause"),
        ("contracts", "0006_invoice_events"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(chain_existing, migrations.RunPython.noop)]
