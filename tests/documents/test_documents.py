"""Stored documents: PDFs rendered outside the transactions that need them, once per set of inputs."""

from __future__ import annotations

import pytest
from django.db import connection

from contracts import invoices
from contracts.models import Invoice
from freelance.documents import registry, store
from freelance.documents.models import StoredDocument
from freelance.lib import pdf
from freelance.outbox.models import OutgoingAttachment, OutgoingEmail
from projects.models import Acceptance
from tests.factories import billable_project
from tests.helpers import pdf_to_text
from tests.projects import test_acceptance

pytestmark = pytest.mark.django_db

sent = test_acceptance.sent  # the fixture: a phase delivered to Jan, and his browser on the page
shown_hash = test_acceptance.shown_hash


@pytest.fixture
def renders(monkeypatch):
    """Every WeasyPrint render, with the transaction depth it ran at (savepoints open in this test)."""
    calls: list[int] = []
    real = pdf.html_to_pdf

    def counting(html, **kwargs):
        calls.append(len(connection.savepoint_ids))
        return real(html, **kwargs)

    monkeypatch.setattr(pdf, "html_to_pdf", counting)
    return calls


@pytest.fixture
def test_kind(alice):
    """A registered kind whose inputs the test changes."""
    inputs = {"text": "first"}

    @registry.register("test_note")
    def source(object_id, variant):
        if object_id != "1":
            return None
        return registry.Source(
            owner=alice, filename="note.pdf", inputs=dict(inputs), render=lambda: f"PDF {inputs['text']}".encode()
        )

    yield inputs
    registry._resolvers.pop("test_note")


def test_a_document_is_rendered_once_and_again_only_when_its_inputs_change(test_kind):
    ref = registry.reference("test_note", 1)
    assert store.get(ref).content == b"PDF first"
    test_kind["text"] = "first"
    stored = StoredDocument.objects.get(reference=ref)
    StoredDocument.objects.filter(pk=stored.pk).update(content=b"kept")  # served from the store, not re-rendered
    assert store.get(ref).content == b"kept"
    test_kind["text"] = "second"
    assert store.get(ref).content == b"PDF second"
    assert StoredDocument.objects.filter(reference=ref).count() == 1


def test_an_unknown_kind_or_a_gone_object_is_unavailable(test_kind):
    for ref in ("nothing:1", "test_note:2", "test_note:", "", ":::"):
        with pytest.raises(registry.DocumentUnavailable):
            store.get(ref)


def accept(browser, page_url):
    return browser.post(
        page_url,
        {
            "decision": "accept",
            "accept-typed_name": "Jan Jansen",
            "accept-confirm": "on",
            "accept-snapshot_hash": shown_hash(browser.get(page_url)),
        },
    )


def test_the_accept_post_renders_nothing_and_the_mail_carries_the_certificate_by_reference(sent, renders, alice_client):
    _project, _first, _jan, browser, page_url = sent
    assert accept(browser, page_url).status_code == 302
    assert renders == []  # the client's POST never waits for WeasyPrint
    confirmation = OutgoingEmail.objects.get(kind="phase_decision_client")
    attachment = confirmation.attachments.get()
    assert attachment.document.startswith("acceptance_certificate:")
    assert bytes(attachment.data) == b""
    # What the worker does when it sends: render once and store.
    assert "Jan Jansen" in pdf_to_text(attachment.content)
    assert len(renders) == 1
    acceptance = Acceptance.objects.get()
    response = alice_client.get(f"/acceptances/{acceptance.pk}/certificate.pdf")
    assert response.status_code == 200
    assert len(renders) == 1  # the download is the stored file
    assert response.content == OutgoingAttachment.objects.get(pk=attachment.pk).content


def test_issue_renders_the_invoice_pdf_after_its_transaction_and_keeps_the_first(alice, renders):
    _project, phase = billable_project(alice)
    draft = invoices.draft_for_phase(phase)
    depth = len(connection.savepoint_ids)
    invoice = invoices.issue(draft, actor=alice)
    assert renders == [depth]  # rendered once, after issue()'s own transaction closed
    stored = bytes(Invoice.objects.get(pk=invoice.pk).pdf)
    assert "2026-0001" in pdf_to_text(stored)
    attachment = OutgoingEmail.objects.get(kind="invoice").attachments.get(content_type="application/pdf")
    assert attachment.document == invoices.invoice_reference(invoice) and bytes(attachment.data) == b""
    assert attachment.content == stored
    invoices._store_pdf(invoice, b"a second rendering")  # never replaces the PDF as sent
    assert bytes(Invoice.objects.get(pk=invoice.pk).pdf) == stored
    assert len(renders) == 1


def test_a_draft_has_no_document(alice):
    _project, phase = billable_project(alice)
    draft = invoices.draft_for_phase(phase)
    with pytest.raises(registry.DocumentUnavailable):
        store.get(invoices.invoice_reference(draft))
