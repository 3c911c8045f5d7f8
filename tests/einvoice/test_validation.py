"""Sent invoices carry e-invoices that the official validation artefacts accept.

The Factur-X XML is taken out of the sent PDF with poppler's pdfdetach, as a receiving
bookkeeping package would, and checked against the CII D16B XSD and CEN's EN 16931 Schematron.
The UBL download is checked against the UBL 2.1 XSD, CEN's EN 16931 Schematron and the Peppol
BIS Billing 3.0 rules; its SI-UBL 2.0 variant against the NLCIUS rules. Zero fatal errors.
"""

from __future__ import annotations

import subprocess

import pytest

from contracts.einvoice import cii, ubl
from tests.einvoice import validation
from tests.einvoice.conftest import make_invoice

pytestmark = pytest.mark.django_db

CASES = ["normal_invoice", "reverse_charge_invoice", "kor_invoice", "credit_note"]


def embedded_xml(pdf: bytes, tmp_path) -> bytes:
    """The attachments of the PDF as pdfdetach lists and saves them; returns factur-x.xml."""
    pdfdetach = validation.require_pdfdetach()
    path = tmp_path / "invoice.pdf"
    path.write_bytes(pdf)
    listing = subprocess.run([pdfdetach, "-list", str(path)], capture_output=True, text=True, check=True).stdout
    assert "factur-x.xml" in listing, listing
    target = tmp_path / "factur-x.xml"
    subprocess.run([pdfdetach, "-savefile", "factur-x.xml", "-o", str(target), str(path)], check=True)
    return target.read_bytes()


def assert_valid(failures, what: str) -> None:
    assert failures == [], f"{what}: {len(failures)} failed asserts:\n" + "\n".join(map(str, failures))


@pytest.mark.parametrize("case", CASES)
def test_the_sent_pdf_carries_factur_x_that_passes_the_cii_xsd_and_en16931(case, request, tmp_path):
    invoice = request.getfixturevalue(case)
    xml = embedded_xml(bytes(invoice.pdf), tmp_path)

    assert validation.xsd_errors(xml, validation.CII_XSD) == []
    validation.require_saxon()
    assert_valid(validation.schematron_failures(xml, validation.EN16931_CII_XSLT), "EN 16931 CII")
    assert invoice.number.encode() in xml


@pytest.mark.parametrize("case", CASES)
def test_the_peppol_ubl_passes_the_ubl_xsd_en16931_and_peppol_bis(case, request, build_dir):
    invoice = request.getfixturevalue(case)
    xml = ubl.ubl_xml(invoice)
    kind = "CreditNote" if invoice.is_credit_note else "Invoice"

    assert validation.xsd_errors(xml, validation.UBL_XSD[kind]) == []
    validation.require_saxon()
    assert_valid(validation.schematron_failures(xml, validation.EN16931_UBL_XSLT), "EN 16931 UBL")
    assert_valid(validation.schematron_failures(xml, validation.peppol_xslt(build_dir)), "Peppol BIS 3.0")


@pytest.mark.parametrize("case", CASES)
def test_the_si_ubl_variant_passes_the_nlcius_rules(case, request, build_dir):
    invoice = request.getfixturevalue(case)
    xml = ubl.ubl_xml(invoice, ubl.NLCIUS)

    validation.require_saxon()
    assert_valid(validation.schematron_failures(xml, validation.EN16931_UBL_XSLT), "EN 16931 UBL")
    assert_valid(validation.schematron_failures(xml, validation.nlcius_xslt(build_dir)), "SI-UBL 2.0 NLCIUS")


# -- the validators can fail -------------------------------------------------------------------


def tampered(xml: bytes, old: bytes, new: bytes) -> bytes:
    assert old in xml, old
    return xml.replace(old, new, 1)


def ids(failures) -> set[str]:
    return {f.id for f in failures}


def test_the_compiled_rule_sets_are_not_empty(build_dir):
    validation.require_saxon()

    assert validation.rule_count(validation.EN16931_CII_XSLT) > 300
    assert validation.rule_count(validation.EN16931_UBL_XSLT) > 300
    assert validation.rule_count(validation.peppol_xslt(build_dir)) > 100
    assert validation.rule_count(validation.nlcius_xslt(build_dir)) > 10


def test_a_tampered_factur_x_fails_the_xsd_and_en16931(normal_invoice):
    xml = cii.cii_xml(normal_invoice)
    total = f"<ram:GrandTotalAmount>{normal_invoice.total:.2f}</ram:GrandTotalAmount>".encode()
    wrong_total = tampered(xml, total, b"<ram:GrandTotalAmount>1.00</ram:GrandTotalAmount>")
    not_cii = tampered(xml, b"<ram:TypeCode>380</ram:TypeCode>", b"<ram:Kind>380</ram:Kind>")

    assert validation.xsd_errors(not_cii, validation.CII_XSD) != []
    validation.require_saxon()
    assert "BR-CO-15" in ids(validation.schematron_failures(wrong_total, validation.EN16931_CII_XSLT))


def test_a_tampered_ubl_fails_the_xsd_en16931_peppol_and_nlcius(normal_invoice, build_dir):
    xml = ubl.ubl_xml(normal_invoice)
    no_seller_address = tampered(xml, b'<cbc:EndpointID schemeID="0106">87654321</cbc:EndpointID>', b"")
    no_buyer_reference = tampered(
        ubl.ubl_xml(normal_invoice, ubl.NLCIUS), b"<cbc:BuyerReference>", b"<cbc:Note>"
    ).replace(b"</cbc:BuyerReference>", b"</cbc:Note>", 1)
    undefined_element = tampered(
        xml, b"<cbc:DocumentCurrencyCode>", b"<cbc:Currency>EUR</cbc:Currency><cbc:DocumentCurrencyCode>"
    )
    wrong_vat = tampered(
        xml,
        f'<cbc:TaxAmount currencyID="EUR">{normal_invoice.total_vat:.2f}'.encode(),
        b'<cbc:TaxAmount currencyID="EUR">0.01',
    )

    assert validation.xsd_errors(undefined_element, validation.UBL_XSD["Invoice"]) != []
    validation.require_saxon()
    assert "BR-CO-14" in ids(validation.schematron_failures(wrong_vat, validation.EN16931_UBL_XSLT))
    assert "PEPPOL-EN16931-R020" in ids(
        validation.schematron_failures(no_seller_address, validation.peppol_xslt(build_dir))
    )
    assert "BR-NL-2" in ids(validation.schematron_failures(no_buyer_reference, validation.nlcius_xslt(build_dir)))


def test_zero_rated_and_deducted_lines_pass_en16931_and_peppol(alice, build_dir):
    """A 0% line is category Z; a line with a negative price (a deposit deducted) becomes a
    negative quantity at a positive price, because an item price may not be negative (BR-27)."""
    invoice = make_invoice(
        alice,
        lines=[
            ("Ontwerp", "10", "uur", "80.00", "21"),
            ("Export drukwerk", "1", "", "150.00", "0"),
            ("Aanbetaling verrekend", "1", "", "-100.00", "21"),
        ],
    )
    xml_cii, xml_ubl = cii.cii_xml(invoice), ubl.ubl_xml(invoice)

    assert b"<ram:CategoryCode>Z</ram:CategoryCode>" in xml_cii
    assert b'<ram:BilledQuantity unitCode="C62">-1</ram:BilledQuantity>' in xml_cii
    validation.require_saxon()
    assert_valid(validation.schematron_failures(xml_cii, validation.EN16931_CII_XSLT), "EN 16931 CII")
    assert_valid(validation.schematron_failures(xml_ubl, validation.EN16931_UBL_XSLT), "EN 16931 UBL")
    assert_valid(validation.schematron_failures(xml_ubl, validation.peppol_xslt(build_dir)), "Peppol BIS 3.0")
