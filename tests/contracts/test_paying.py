"""Getting paid: the ISO 11649 payment reference, the EPC QR payload, the payment link (through
the draft form), and what the invoice mail says about paying."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from stdnum import iso11649

from contracts import invoices, paying
from contracts.models import BusinessProfile, Invoice
from freelance.outbox.models import OutgoingEmail
from tests.factories import billable_project

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
IBAN = "NL91ABNA0417164300"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 26, 10, 0)), tick=False):
        yield


# -- ISO 11649 -----------------------------------------------------------------------------


def test_the_standards_own_example_is_valid():
    assert paying.is_valid_creditor_reference("RF18539007547034")
    paying.validate_creditor_reference("RF18539007547034")
    assert paying.creditor_reference("539007547034") == "RF18539007547034"
    assert paying.format_creditor_reference("RF18539007547034") == "RF18 5390 0754 7034"


def test_an_invoice_number_becomes_a_reference_without_its_dash():
    assert paying.creditor_reference("2026-0007") == "RF6320260007"
    assert iso11649.is_valid("RF6320260007")  # an independent implementation agrees


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("RF19539007547034", "rf_checksum"),  # check digits off by one
        ("RF18539007547043", "rf_checksum"),  # two digits swapped
        ("RF18 5390 0754 7034", "rf_reference"),  # printed form, not stored form
        ("rf18539007547034", "rf_reference"),
        ("RF18", "rf_reference"),
        ("RF18" + "1" * 22, "rf_reference"),  # 26 characters: more than 25
        ("NL91ABNA0417164300", "rf_reference"),
        ("", "rf_reference"),
        ("RF18539007547034\n", "rf_reference"),
    ],
)
def test_a_bad_reference_is_refused_with_a_reason(value, code):
    assert not paying.is_valid_creditor_reference(value)
    with pytest.raises(ValidationError) as refused:
        paying.validate_creditor_reference(value)
    assert refused.value.code == code


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=21))
def test_every_made_reference_is_valid_and_stdnum_agrees(body):
    reference = paying.creditor_reference(body)
    assert reference[4:] == body
    assert paying.is_valid_creditor_reference(reference)
    assert iso11649.is_valid(reference)


def test_no_reference_when_nothing_or_too_much_is_left():
    assert paying.creditor_reference("---") == ""
    assert paying.creditor_reference("1" * 22) == ""


# -- the EPC payload -----------------------------------------------------------------------


def test_the_epc_payload_line_by_line():
    payload = paying.epc_payload(
        name="Studio Alice", iban=IBAN, amount=Decimal("3025"), reference="RF18539007547034", text="2026-0001"
    )
    assert payload.split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "",
        "Studio Alice",
        IBAN,
        "EUR3025.00",
        "",
        "RF18539007547034",
    ]  # the unstructured text is left out when there is a reference


def test_without_a_reference_the_invoice_number_is_the_unstructured_remittance():
    lines = paying.epc_payload(name="Studio Alice", iban=IBAN, amount=Decimal("0.01"), text="2026-0001").split("\n")
    assert lines[7:] == ["EUR0.01", "", "", "2026-0001"]


def test_a_name_cannot_add_lines_and_is_cut_at_70():
    payload = paying.epc_payload(
        name="Evil\nNL02RABO0123456789\r\u2028" + "x" * 100, iban=IBAN, amount=Decimal("10"), text="a\nb"
    )
    lines = payload.split("\n")
    assert len(lines) == 11 and lines[6] == IBAN
    assert lines[5].startswith("Evil NL02RABO0123456789 x") and len(lines[5]) == 70
    assert lines[10] == "a b"


@pytest.mark.parametrize(
    "fields",
    [
        {"amount": Decimal("0")},
        {"amount": Decimal("-5")},
        {"amount": Decimal("1000000000")},
        {"iban": "NL91ABNA0417164301"},  # check digits wrong
        {"iban": ""},
        {"name": " \n "},
        {"reference": "RF19539007547034"},
        {"name": "€" * 70, "text": "é" * 140},  # 70 three-byte characters and more: over 331 bytes
    ],
)
def test_what_cannot_be_encoded_is_refused(fields):
    data = {"name": "Studio Alice", "iban": IBAN, "amount": Decimal("10"), **fields}
    with pytest.raises(ValueError):
        paying.epc_payload(**data)


def test_the_qr_code_keeps_error_correction_level_m():
    payload = paying.epc_payload(name="A", iban=IBAN, amount=Decimal("1"))
    assert paying.qr_code(payload).error == "M"  # segno would boost a short payload to H


# -- the payment link, through the draft form --------------------------------------------------


def draft(owner) -> Invoice:
    _project, phase = billable_project(owner)
    return invoices.draft_for_phase(phase)


def save_details(client, invoice, **fields):
    data = {"payment_term_days": "30", "note": "", "delivery_date": "", **fields}
    return client.post(reverse("contracts:invoice_update", args=[invoice.pk]), data, **EN)


@pytest.mark.django_db
def test_the_draft_page_offers_the_payment_link(alice_client, alice):
    invoice = draft(alice)
    page = alice_client.get(reverse("contracts:invoice_detail", args=[invoice.pk]), **EN).content.decode()
    assert 'name="payment_link"' in page and "Payment link" in page


@pytest.mark.django_db
def test_a_payment_link_is_saved_on_a_draft(alice_client, alice):
    invoice = draft(alice)
    response = save_details(alice_client, invoice, payment_link="https://pay.example.nl/i/42?x=1")
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.payment_link == "https://pay.example.nl/i/42?x=1"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "hostile",
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(document.cookie)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "ftp://files.example.nl/pay",
        "file:///etc/passwd",
        "https://exa mple.nl/",
        "https://" + "a" * 600 + ".nl/",
    ],
)
def test_a_link_that_is_not_an_http_web_address_is_refused_clearly(alice_client, alice, hostile):
    invoice = draft(alice)
    response = save_details(alice_client, invoice, payment_link=hostile)
    assert response.status_code == 422
    page = response.content.decode()
    assert "starts with https://" in page
    invoice.refresh_from_db()
    assert invoice.payment_link == ""


def test_only_http_links_reach_a_document():
    assert paying.safe_payment_link("https://pay.example.nl/x") == "https://pay.example.nl/x"
    assert paying.safe_payment_link("javascript:alert(1)") == ""
    assert paying.safe_payment_link("") == ""


# -- the reference on sending, and the mail ------------------------------------------------------


@pytest.mark.django_db
def test_sending_sets_the_reference_from_the_number(alice):
    invoice = invoices.issue(draft(alice), actor=alice)
    invoice.refresh_from_db()
    assert invoice.number == "2026-0001"
    assert invoice.payment_reference == paying.creditor_reference("2026-0001") == "RF3120260001"


@pytest.mark.django_db
def test_a_credit_note_gets_no_reference_and_no_payment_link(alice):
    invoice = invoices.issue(draft(alice), actor=alice)
    note = invoices.credit_note_for(invoice, actor=alice)
    Invoice.objects.filter(pk=note.pk).update(payment_link="https://pay.example.nl/x")
    note = invoices.issue(Invoice.objects.get(pk=note.pk), actor=alice)
    note.refresh_from_db()
    assert note.payment_reference == ""
    mail = OutgoingEmail.objects.get(pk=note.email_id)
    assert "RF" not in mail.body_text and "pay.example.nl" not in mail.body_text
    assert paying.pdf_payment_context(note, seller=note.seller, total=note.total)["link"] == ""


@pytest.mark.django_db
def test_the_mail_gives_the_reference_the_link_and_the_check_address(alice, settings):
    settings.SITE_URL = "https://mijlpaal.example.nl"
    invoice = draft(alice)
    Invoice.objects.filter(pk=invoice.pk).update(payment_link="https://pay.example.nl/i/42", language="en")
    invoice = invoices.issue(Invoice.objects.get(pk=invoice.pk), actor=alice)
    text = " ".join(OutgoingEmail.objects.get(pk=invoice.email_id).body_text.split())
    assert "stating payment reference RF31 2026 0001" in text
    assert "scan the QR code on the invoice" in text
    assert "pay online: https://pay.example.nl/i/42" in text
    assert f"https://mijlpaal.example.nl/v/{invoice.public_id}/" in text


@pytest.mark.django_db
def test_without_an_iban_the_mail_promises_no_qr_code(alice):
    invoice = draft(alice)
    BusinessProfile.objects.filter(owner=alice).update(iban="")
    Invoice.objects.filter(pk=invoice.pk).update(language="en")
    invoice = invoices.issue(Invoice.objects.get(pk=invoice.pk), actor=alice)
    text = OutgoingEmail.objects.get(pk=invoice.email_id).body_text
    assert "RF31 2026 0001" in text and "QR code" not in text


@pytest.mark.django_db
def test_a_hostile_link_stored_past_the_form_never_reaches_the_mail(alice):
    invoice = draft(alice)
    Invoice.objects.filter(pk=invoice.pk).update(payment_link="javascript:alert(1)", language="en")
    invoice = invoices.issue(Invoice.objects.get(pk=invoice.pk), actor=alice)
    text = OutgoingEmail.objects.get(pk=invoice.email_id).body_text
    assert "javascript" not in text and "pay online" not in text


def test_the_check_address_is_empty_before_sending():
    assert paying.verify_url(Invoice(public_id=None)) == ""
