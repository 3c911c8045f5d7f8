"""Certificates and confirmations carry the chain hash of their evidence, and where to check it."""

from __future__ import annotations

import pytest

from contracts import services as contract_flow
from contracts.models import ContractVersion
from contracts.rendering import version_pdf
from freelance.evidence.models import EvidenceEntry
from freelance.outbox.models import OutgoingEmail
from projects import acceptance as acceptance_flow
from projects import bucket
from tests.evidence import records
from tests.helpers import pdf_to_text
from tests.projects.test_acceptance import (
    deliver_through_the_ui,
    delivered_project,
    link_in_latest_mail,
    open_as_client,
    shown_hash,
)

pytestmark = pytest.mark.django_db


def chain_hash(row) -> str:
    return EvidenceEntry.objects.get(model=type(row)._meta.label_lower, object_id=row.pk).chain_hash


def flat(text: str) -> str:
    return "".join(text.split())  # pdftotext breaks a long hash over lines


def test_the_acceptance_certificate_and_its_mail_carry_the_chain_hash(alice, alice_client, settings):
    settings.SITE_URL = "https://mijlpaal.example.nl"
    _project, first, jan = delivered_project(alice)
    deliver_through_the_ui(alice_client, first, [jan])
    browser, page_url = open_as_client(link_in_latest_mail(jan.email))
    digest = shown_hash(browser.get(page_url))
    response = browser.post(
        page_url,
        {
            "decision": "accept",
            "accept-typed_name": "Jan Jansen",
            "accept-confirm": "on",
            "accept-snapshot_hash": digest,
        },
    )
    assert response.status_code in (200, 302)
    acceptance = first.acceptances.get()
    expected = chain_hash(acceptance)

    certificate = alice_client.get(f"/acceptances/{acceptance.pk}/certificate.pdf")
    text = flat(pdf_to_text(certificate.content))
    assert expected in text
    assert "https://mijlpaal.example.nl/verify/" in text

    confirmation = OutgoingEmail.objects.get(kind="phase_decision_client")
    assert expected in confirmation.body_text
    assert "https://mijlpaal.example.nl/verify/" in confirmation.body_text
    assert expected in flat(pdf_to_text(bytes(confirmation.attachments.get().content)))


def test_the_accepted_contract_pdf_and_its_mail_carry_the_chain_hash(alice):
    accepted = records.contract_acceptance(alice)
    contract_flow.notify(accepted)
    version = ContractVersion.objects.get(pk=accepted.version_id)
    text = flat(pdf_to_text(version_pdf(version, pdf_variant=None)))
    assert chain_hash(accepted) in text
    assert "/verify/" in text
    assert chain_hash(accepted) in OutgoingEmail.objects.get(kind="contract_accepted_client").body_text


def test_the_confirmation_of_a_decision_on_a_wish_carries_the_chain_hash(alice):
    decision = records.change_decision(alice)
    bucket._notify(decision)
    assert chain_hash(decision) in OutgoingEmail.objects.get(kind="change_decision_client").body_text


def test_a_certificate_of_a_row_outside_the_chain_leaves_the_hash_out(alice):
    acceptance = records.acceptance(alice)
    records.as_attacker(("DELETE FROM evidence_evidenceentry", []))
    text = pdf_to_text(acceptance_flow.certificate_pdf(acceptance, "en"))
    assert "SHA-256 of the canonical snapshot" in text
    assert "Evidence chain" not in text


def test_a_certificate_stored_before_the_chain_is_rendered_again_with_its_hash(alice):
    """A certificate rendered and stored before this install chained evidence has no hash; its
    stored inputs then differ, so the next download renders it again, now with the hash."""
    from freelance.documents import store
    from freelance.documents.models import StoredDocument
    from freelance.documents.registry import source_for
    from freelance.lib.evidence import snapshot_hash

    row = records.acceptance(alice)
    ref = acceptance_flow.certificate_reference(row, "en")
    inputs_then = {k: v for k, v in source_for(ref).inputs.items() if k != "chain"}  # as stored before
    stored = StoredDocument.objects.create(
        owner=alice,
        reference=ref,
        inputs_sha256=snapshot_hash(inputs_then),
        filename="old.pdf",
        content=b"%PDF-1.7 without a hash",
    )

    document = store.get(ref)

    assert flat(chain_hash(row)) in flat(pdf_to_text(document.content))
    stored.refresh_from_db()
    assert bytes(stored.content) == document.content
