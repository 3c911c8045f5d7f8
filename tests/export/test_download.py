"""Download all my records: one ZIP with every record of the logged-in freelancer, and only theirs."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from django.urls import reverse

from contracts.models import Invoice
from freelance.evidence.models import EvidenceEntry
from projects.models import Project
from tests.export.records import PDF, make_records

pytestmark = pytest.mark.django_db

URL = "/accounts/records/download/"


def download(client) -> zipfile.ZipFile:
    response = client.get(URL)
    assert response.status_code == 200
    assert response.streaming
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_account_page_links_to_the_download(alice_client):
    assert reverse("export:download") == URL
    page = alice_client.get(reverse("password_change")).content.decode()
    assert f'href="{URL}"' in page


def test_the_download_needs_a_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_is_an_attachment_named_after_the_freelancer_and_the_day(alice_client, time_machine):
    time_machine.move_to("2026-03-14 12:00+01:00")
    response = alice_client.get(URL)
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="mijlpaal-alice-2026-03-14.zip"'
    assert response["Cache-Control"] == "no-store"
    b"".join(response.streaming_content)


def test_the_zip_holds_every_record_of_the_freelancer_and_nothing_of_anyone_else(alice_client, alice, bob):
    mine = make_records(alice, name="Bakkerij Alice")
    make_records(bob, name="Slagerij Bob")
    archive = download(alice_client)
    names = archive.namelist()

    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["owner"] == {"username": "alice", "pk": alice.pk}
    assert manifest["evidence"]["ok"] is True and manifest["evidence"]["checked"] == 1
    counts = {entry["model"]: entry["count"] for entry in manifest["models"]}
    assert counts["projects.Project"] == 1 and counts["projects.ChangeDecision"] == 1
    assert counts["evidence.EvidenceEntry"] == EvidenceEntry.objects.filter(owner=alice).count() == 1
    assert {"README.txt", "user.json", "SHA256SUMS", "data/projects.client.jsonl"} <= set(names)

    # Every member is in the manifest with its SHA-256, and in SHA256SUMS.
    listed = manifest["members"]
    assert set(listed) == set(names) - {"manifest.json", "SHA256SUMS"}
    for name, entry in listed.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == entry["sha256"], name
    assert len(archive.read("SHA256SUMS").decode().splitlines()) == len(listed)

    # The PDFs as files, the rows pointing to them.
    document = mine["document"]
    assert archive.read(f"documents/{document.pk}-certificaat_1.pdf") == PDF
    invoice = mine["invoice"]
    assert archive.read(f"documents/invoice-{invoice.pk}-draft.pdf") == bytes(Invoice.objects.get(pk=invoice.pk).pdf)
    (row,) = [json.loads(line) for line in archive.read("data/documents.storeddocument.jsonl").splitlines()]
    assert row["pk"] == document.pk
    assert row["fields"]["content"] == {"file": f"documents/{document.pk}-certificaat_1.pdf", "size": len(PDF)}

    everything = b"".join(archive.read(name) for name in names)
    assert b"Bakkerij Alice" in everything
    assert b"Slagerij Bob" not in everything
    assert bob.email.encode() not in everything
    assert b"pbkdf2" not in everything and b"md5$" not in everything  # no password hash
    projects = [json.loads(line) for line in archive.read("data/projects.project.jsonl").splitlines()]
    assert [p["pk"] for p in projects] == list(Project.objects.filter(owner=alice).values_list("pk", flat=True))


def test_times_keep_their_microseconds(alice_client, alice):
    make_records(alice)
    archive = download(alice_client)
    (entry,) = [json.loads(line) for line in archive.read("data/evidence.evidenceentry.jsonl").splitlines()]
    stored = EvidenceEntry.objects.get(pk=entry["pk"]).recorded_at
    assert entry["fields"]["recorded_at"] == stored.isoformat()
