"""The payment QR in the invoice mail, the whole way: a real invoice issued, its mail sent through
the outbox to the SMTP server on loopback, read back with the ``email`` package, and the inline
PNG decoded by zbarimg as a banking app would. zbarimg missing: skipped on a laptop, a failure
when CI=true."""

from __future__ import annotations

import subprocess
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from contracts import invoices, paying
from contracts.models import BusinessProfile, Invoice
from freelance.outbox.tasks import send_email
from projects.models import Contact, Project
from tests.factories import billable_project
from tests.helpers import require_command

pytestmark = pytest.mark.django_db

IBAN = "NL91ABNA0417164300"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 26, 10, 0)), tick=False):
        yield


def sent_invoice(owner, *, price=Decimal("2500.00"), **changes) -> Invoice:
    _project, phase = billable_project(owner, price=price)
    draft = invoices.draft_for_phase(phase)
    if changes:
        Invoice.objects.filter(pk=draft.pk).update(**changes)
    return invoices.issue(Invoice.objects.get(pk=draft.pk), actor=owner)


def delivered(mailbox, invoice: Invoice):
    """The invoice's own mail, sent by the outbox task over SMTP and received."""
    assert invoice.email is not None
    assert send_email(invoice.email.pk) == "sent"
    assert len(mailbox) == 1
    return mailbox[0]


def images(message) -> list:
    return [part for part in message.walk() if part.get_content_maintype() == "image"]


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def decode(png: bytes, tmp_path) -> str:
    zbarimg = require_command("zbarimg")
    (tmp_path / "qr.png").write_bytes(png)
    run = subprocess.run(
        [zbarimg, "--raw", "-q", "-Sdisable", "-Sqrcode.enable", str(tmp_path / "qr.png")],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.removesuffix("\n")


def test_the_invoice_mail_shows_the_epc_qr_inline_and_it_scans_to_the_total_and_reference(alice, mailbox, tmp_path):
    invoice = sent_invoice(alice, price=Decimal("1234.56"), language="nl")
    received = delivered(mailbox, invoice)

    html = html_of(received)
    assert 'src="cid:betaal-qr.png"' in html
    assert "RF31 2026 0001" in html and IBAN in html
    [image] = images(received)
    assert image.get_content_type() == "image/png"
    assert image["Content-ID"] == "<betaal-qr.png>"
    assert image.get_content_disposition() == "inline" and image.get_filename() == "betaal-qr.png"
    # Still a valid mail: text and HTML as alternatives, the PDF as an attachment.
    assert received.get_content_type() == "multipart/mixed"
    alternatives = next(received.iter_parts())
    assert alternatives.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in alternatives.iter_parts()] == ["text/plain", "text/html"]
    assert "RF31 2026 0001" in received.get_body(preferencelist=("plain",)).get_content()
    pdfs = [part for part in received.walk() if part.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1 and pdfs[0].get_content_disposition() == "attachment"
    assert pdfs[0].get_content().startswith(b"%PDF")

    png = image.get_content()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(png[16:20], "big")
    assert 200 <= width <= 300, width  # sharp enough when shown at 160 px on a high-density screen

    invoice.refresh_from_db()
    payload = decode(png, tmp_path)
    lines = payload.split("\n")
    assert lines[:4] == ["BCD", "002", "1", "SCT"]
    assert lines[5:8] == ["Studio Alice", IBAN, f"EUR{invoice.total}"]
    assert invoice.total == Decimal("1493.82")
    assert lines[9] == invoice.payment_reference == "RF3120260001"
    assert payload == paying.invoice_epc_payload(invoice, seller=invoice.seller, total=invoice.total)


def test_an_english_mail_names_its_qr_in_english(alice, mailbox):
    invoice = sent_invoice(alice, language="en")
    received = delivered(mailbox, invoice)
    assert 'src="cid:payment-qr.png"' in html_of(received)
    assert "Or scan this QR code with your banking app" in html_of(received)
    [image] = images(received)
    assert image["Content-ID"] == "<payment-qr.png>"


def test_a_credit_note_mail_has_no_qr(alice, mailbox):
    invoice = sent_invoice(alice)
    mailbox.clear()
    note = invoices.issue(invoices.credit_note_for(invoice, actor=alice), actor=alice)
    received = delivered(mailbox, note)
    assert note.is_credit_note
    assert images(received) == []
    assert "cid:" not in html_of(received)
    assert note.email.attachments.count() == 1  # the PDF only


def test_without_an_iban_the_mail_has_no_qr(alice, mailbox):
    _project, phase = billable_project(alice)
    BusinessProfile.objects.filter(owner=alice).update(iban="")
    invoice = invoices.issue(invoices.draft_for_phase(phase), actor=alice)
    received = delivered(mailbox, invoice)
    assert images(received) == []
    assert "cid:" not in html_of(received)


def test_hostile_names_are_escaped_in_the_html_body(alice, mailbox):
    project, phase = billable_project(alice, name=f"Bakkerij {SCRIPT}")
    Contact.objects.filter(client=project.client).update(name=f"Bea {SCRIPT}")
    Project.objects.filter(pk=project.pk).update(name=f"Website {SCRIPT}")
    invoice = invoices.issue(invoices.draft_for_phase(phase), actor=alice)
    received = delivered(mailbox, invoice)

    html = html_of(received)
    assert "<script" not in html
    assert "Bea &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Website &lt;script&gt;alert(1)&lt;/script&gt;" in html
    # The text body stays plain text: no entities there.
    assert f"Bea {SCRIPT}" in received.get_body(preferencelist=("plain",)).get_content()
