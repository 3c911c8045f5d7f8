"""The payment QR on the real invoice PDF, read back as a banking app would: WeasyPrint's PDF,
rasterised at 200 dpi by pdftoppm, decoded by zbarimg. Skipped on a laptop without poppler or
zbar; a failure when CI=true."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from contracts import invoices, paying
from contracts.models import BusinessProfile, Invoice
from tests.factories import billable_project
from tests.helpers import pdf_to_text, require_command

pytestmark = pytest.mark.django_db

IBAN = "NL91ABNA0417164300"
ZBAR = "{http://zbar.sourceforge.net/2008/barcode}"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 26, 10, 0)), tick=False):
        yield


def qr_codes(pdf: bytes, tmp_path) -> list[str]:
    """Every QR code on every page, as zbarimg decodes it from a 200 dpi rendering."""
    pdftoppm, zbarimg = require_command("pdftoppm"), require_command("zbarimg")
    (tmp_path / "invoice.pdf").write_bytes(pdf)
    subprocess.run([pdftoppm, "-r", "200", "-png", str(tmp_path / "invoice.pdf"), str(tmp_path / "page")], check=True)
    found = []
    for page in sorted(tmp_path.glob("page-*.png")):
        # --xml, not --raw: an EPC payload has line breaks, so two raw codes cannot be told apart.
        run = subprocess.run(
            [zbarimg, "-q", "--xml", "-Sdisable", "-Sqrcode.enable", str(page)], capture_output=True, text=True
        )
        assert run.returncode in (0, 4), run.stderr  # 4: no code on this page
        if run.stdout.strip():
            # zbarimg's own report on our own rendering: not untrusted XML.
            found += [data.text for data in ET.fromstring(run.stdout).iter(f"{ZBAR}data")]  # noqa: S314
    return found


def sent_invoice(owner, *, price=Decimal("2500.00"), **changes) -> Invoice:
    _project, phase = billable_project(owner, price=price)
    draft = invoices.draft_for_phase(phase)
    if changes:
        Invoice.objects.filter(pk=draft.pk).update(**changes)
    return invoices.issue(Invoice.objects.get(pk=draft.pk), actor=owner)


def test_the_sent_invoice_pdf_carries_a_valid_epc_qr_with_its_total_and_reference(alice, tmp_path):
    invoice = sent_invoice(alice, price=Decimal("1234.56"))
    invoice.refresh_from_db()
    assert invoice.total == Decimal("1493.82")  # 1234.56 + 21% VAT
    codes = qr_codes(bytes(invoice.pdf), tmp_path)
    epc = [code for code in codes if code.startswith("BCD")]
    assert len(epc) == 1, codes
    lines = epc[0].split("\n")
    assert lines[:4] == ["BCD", "002", "1", "SCT"]  # EPC069-12 v002, UTF-8, SEPA credit transfer
    assert lines[5:8] == ["Studio Alice", IBAN, f"EUR{invoice.total}"]
    assert lines[9] == invoice.payment_reference == "RF3120260001"
    assert paying.is_valid_creditor_reference(lines[9])
    assert len(epc[0].encode()) <= paying.EPC_MAX_BYTES


def test_the_pdf_says_how_to_pay_and_where_to_check_it(alice, tmp_path, settings):
    settings.SITE_URL = "https://mijlpaal.example.nl"
    invoice = sent_invoice(alice, language="en", payment_link="https://pay.example.nl/i/42")
    text = " ".join(pdf_to_text(bytes(invoice.pdf)).split())
    assert "Scan to pay with your banking app" in text
    assert "Payment reference: RF31 2026 0001" in text
    assert "https://pay.example.nl/i/42" in text
    check = "https://mijlpaal.example.nl" + reverse("contracts:invoice_verify", args=[invoice.public_id])
    assert check in text
    assert check in qr_codes(bytes(invoice.pdf), tmp_path)  # the check page's own small QR


def test_a_credit_note_has_no_payment_qr_but_its_check_address(alice, tmp_path):
    invoice = sent_invoice(alice)
    note = invoices.issue(invoices.credit_note_for(invoice, actor=alice), actor=alice)
    codes = qr_codes(bytes(note.pdf), tmp_path)
    assert not [code for code in codes if code.startswith("BCD")]
    assert [code for code in codes if code.endswith(f"/v/{note.public_id}/")]
    assert "Scan to pay" not in pdf_to_text(bytes(note.pdf))


def test_without_an_iban_there_is_no_payment_qr(alice, tmp_path):
    _project, phase = billable_project(alice)
    BusinessProfile.objects.filter(owner=alice).update(iban="")
    invoice = invoices.issue(invoices.draft_for_phase(phase), actor=alice)
    assert not [code for code in qr_codes(bytes(invoice.pdf), tmp_path) if code.startswith("BCD")]


def test_a_draft_preview_shows_no_code_to_pay_with(alice_client, alice, tmp_path):
    _project, phase = billable_project(alice)
    draft = invoices.draft_for_phase(phase)
    response = alice_client.get(reverse("contracts:invoice_preview_pdf", args=[draft.pk]))
    assert response.status_code == 200
    assert qr_codes(response.content, tmp_path) == []  # no number, no reference, totals may still change
