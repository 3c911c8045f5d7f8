"""The parties frozen on sending: the address in parts for e-invoices, and the supplier's
country on an invoice to a client abroad."""

from __future__ import annotations

import subprocess

import pytest
from lxml import etree

from contracts.einvoice import cii
from tests.einvoice import validation
from tests.einvoice.conftest import BELGIAN_CLIENT, make_invoice
from tests.helpers import pdf_to_text, pdf_tool

pytestmark = pytest.mark.django_db

RAM = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}


def test_the_frozen_parties_keep_the_address_in_parts_and_as_printed(normal_invoice):
    seller, buyer = normal_invoice.seller, normal_invoice.buyer

    assert seller["street"] == "Lange Nieuwstraat 2"
    assert (seller["postcode"], seller["city"], seller["country"]) == ("3512 PH", "Utrecht", "NL")
    assert seller["address"] == ["Lange Nieuwstraat 2", "3512 PH Utrecht"]  # a Dutch client: no country
    assert (buyer["street"], buyer["postcode"], buyer["city"]) == ("Oudegracht 1", "3511 AA", "Utrecht")
    assert (buyer["country"], buyer["country_name"]) == ("NL", "Nederland")
    assert buyer["address"] == ["Oudegracht 1", "3511 AA Utrecht", "Nederland"]


@pytest.mark.parametrize(("language", "country"), [("en", "Netherlands"), ("nl", "Nederland")])
def test_an_invoice_to_a_client_abroad_states_the_suppliers_country(alice, language, country):
    invoice = make_invoice(alice, reverse_charge=True, language=language, **BELGIAN_CLIENT)

    assert invoice.seller["address"][-1] == country
    assert invoice.buyer["country"] == "BE"
    text = pdf_to_text(bytes(invoice.pdf))
    assert f"3512 PH Utrecht\n{country}\n" in text


def test_an_invoice_to_a_dutch_client_leaves_the_suppliers_country_off(normal_invoice):
    seller_block = pdf_to_text(bytes(normal_invoice.pdf)).split("Studio Alice\n", 1)[1].split("\n\n")[0]

    assert seller_block.splitlines()[:3] == ["Lange Nieuwstraat 2", "3512 PH Utrecht", "KvK-nummer: 87654321"]


def test_reverse_charge_is_category_ae_with_the_reason_and_the_buyers_vat_id(reverse_charge_invoice):
    root = etree.fromstring(cii.cii_xml(reverse_charge_invoice))

    assert root.xpath(
        "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode/text()", namespaces=RAM
    ) == ["AE"]
    reason = root.xpath("//ram:ApplicableTradeTax/ram:ExemptionReason/text()", namespaces=RAM)
    assert "btw verlegd" in reason[0]
    assert root.xpath("//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID/text()", namespaces=RAM) == [
        "BE0403170701"
    ]


def test_kor_is_category_e_with_the_exemption_under_article_25(kor_invoice):
    root = etree.fromstring(cii.cii_xml(kor_invoice))

    assert root.xpath(
        "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode/text()", namespaces=RAM
    ) == ["E"]
    assert "art. 25 Wet OB" in root.xpath("//ram:ApplicableTradeTax/ram:ExemptionReason/text()", namespaces=RAM)[0]
    assert root.xpath("//ram:TaxTotalAmount/text()", namespaces=RAM) == ["0.00"]


def test_mixed_rates_give_one_vat_line_per_rate(normal_invoice):
    root = etree.fromstring(cii.cii_xml(normal_invoice))
    taxes = root.xpath("//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", namespaces=RAM)

    found = [
        (t.findtext("ram:CategoryCode", namespaces=RAM), t.findtext("ram:RateApplicablePercent", namespaces=RAM))
        for t in taxes
    ]
    assert found == [("S", "21"), ("S", "9")]
    assert root.xpath("//ram:PaymentReference/text()", namespaces=RAM) == [
        normal_invoice.payment_reference or normal_invoice.number
    ]
    assert root.xpath("//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode/text()", namespaces=RAM) == ["58"]


def test_a_credit_note_is_type_381_and_names_the_credited_invoice(credit_note):
    root = etree.fromstring(cii.cii_xml(credit_note))

    assert root.xpath("//ram:TypeCode/text()", namespaces=RAM)[0] == "381"
    assert root.xpath("//ram:InvoiceReferencedDocument/ram:IssuerAssignedID/text()", namespaces=RAM) == [
        credit_note.credits.number
    ]
    assert root.xpath("//ram:DuePayableAmount/text()", namespaces=RAM) == [f"{-credit_note.total:.2f}"]


def test_an_invoice_the_standard_cannot_describe_is_still_sent_as_a_plain_pdf(alice, tmp_path):
    invoice = make_invoice(alice, **{**BELGIAN_CLIENT, "country": "Atlantis"})

    path = tmp_path / "invoice.pdf"
    path.write_bytes(bytes(invoice.pdf))
    listing = subprocess.run(
        [validation.require_pdfdetach(), "-list", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert "factur-x.xml" not in listing
    assert invoice.buyer["country"] == ""
    assert invoice.buyer["address"][-1] == "Atlantis"


def test_the_pdf_with_its_e_invoice_keeps_a_title_in_the_invoices_language(normal_invoice, tmp_path):
    info = pdf_tool("pdfinfo", bytes(normal_invoice.pdf), tmp_path)

    assert f"Title:           Factuur {normal_invoice.number}\n" in info
    assert "Author:          Studio Alice\n" in info


def test_the_sent_pdf_is_still_pdf_a_3b_and_declares_factur_x_en16931(normal_invoice, tmp_path):
    metadata = pdf_tool("pdfinfo", bytes(normal_invoice.pdf), tmp_path, "-meta")

    assert "<pdfaid:part>3</pdfaid:part>" in metadata
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in metadata
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in metadata
    assert "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>" in metadata
