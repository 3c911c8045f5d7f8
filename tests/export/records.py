"""A small but complete set of one freelancer's records, for the export tests."""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import zipfile
from decimal import Decimal

from django.apps import apps as django_apps
from django.core.management import call_command
from django.utils import timezone

from contracts.models import Invoice
from contracts.seed import load_contract_templates
from freelance.documents.models import StoredDocument
from freelance.lib.evidence import Meta
from projects import bucket
from projects.models import ChangeRequest
from tests.factories import ContactFactory, ProjectFactory

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"


def make_records(owner, *, name: str = "Bakkerij Jansen") -> dict:
    """A client and project with a decided wish (evidence in the chain), a stored document and a sent-
    looking invoice PDF."""
    project = ProjectFactory(owner=owner, client__name=name, name=f"Webshop {name}", hourly_rate=Decimal("85.00"))
    ContactFactory(client=project.client, name=f"Contact {name}", email="")
    wish = bucket.add_wish(project, title=f"Extra page for {name}", actor=owner)
    bucket.assess(wish, estimate_hours=Decimal("3"), actor=owner)
    bucket.classify(wish, classification=ChangeRequest.Classification.EXTRA_COST, actor=owner)
    bucket.decide(
        wish,
        decision=ChangeRequest.Decision.PAY,
        recorded_by=owner,
        note="By phone: they pay for it.",
        meta=Meta(at=timezone.now(), ip="", user_agent=""),
    )
    document = StoredDocument.objects.create(
        owner=owner, reference=f"test:{owner.pk}", inputs_sha256="0" * 64, filename="certificaat 1.pdf", content=PDF
    )
    invoice = Invoice.objects.create(owner=owner, client=project.client, project=project, pdf=PDF + b"invoice")
    return {"project": project, "wish": wish, "document": document, "invoice": invoice}


def fresh_install() -> None:
    """Empty every table, then seed what `migrate` seeds: as a new install looks."""
    call_command("flush", interactive=False, verbosity=0)
    interest = importlib.import_module("contracts.migrations.0003_invoice_numbers_and_interest")
    interest.seed_rates(django_apps, None)
    load_contract_templates()


def rewrite(zip_bytes: bytes, name: str, change, *, fix_manifest: bool) -> bytes:
    """The ZIP with one member changed; with fix_manifest, its checksum in the manifest too."""
    source = zipfile.ZipFile(io.BytesIO(zip_bytes))
    manifest = json.loads(source.read("manifest.json"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == name:
                data = change(data)
                if fix_manifest:
                    manifest["members"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            if info.filename != "manifest.json":
                target.writestr(info.filename, data)
        target.writestr("manifest.json", json.dumps(manifest))
    return out.getvalue()
