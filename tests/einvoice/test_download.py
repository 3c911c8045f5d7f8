"""The UBL download on a sent invoice's page: the freelancer's own invoices only, never a draft."""

from __future__ import annotations

import pytest
from django.urls import reverse
from lxml import etree

from contracts import invoices
from projects.models import Client
from tests.einvoice.conftest import BELGIAN_CLIENT, make_invoice

pytestmark = pytest.mark.django_db

CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def url(invoice, **query) -> str:
    address = reverse("contracts:invoice_ubl", args=[invoice.pk])
    return address + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_invoice_page_links_to_the_ubl_download(alice_client, normal_invoice):
    page = alice_client.get(reverse("contracts:invoice_detail", args=[normal_invoice.pk]), **EN)

    assert url(normal_invoice) in page.content.decode()


def test_it_downloads_the_sent_invoice_as_peppol_ubl(alice_client, normal_invoice):
    response = alice_client.get(url(normal_invoice))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert response["Content-Disposition"] == f'attachment; filename="invoice-{normal_invoice.number}.xml"'
    root = etree.fromstring(response.content)
    assert root.findtext(f"{CBC}ID") == normal_invoice.number
    assert "peppol.eu:2017:poacc:billing:3.0" in root.findtext(f"{CBC}CustomizationID")


def test_it_downloads_the_si_ubl_variant_on_request(alice_client, normal_invoice):
    root = etree.fromstring(alice_client.get(url(normal_invoice, profile="si-ubl")).content)

    assert root.findtext(f"{CBC}CustomizationID").endswith("urn:fdc:nen.nl:nlcius:v1.0")


def test_a_credit_note_downloads_as_a_ubl_credit_note(alice_client, credit_note):
    root = etree.fromstring(alice_client.get(url(credit_note)).content)

    assert etree.QName(root).localname == "CreditNote"


def test_another_freelancers_invoice_is_not_found(client, bob, normal_invoice):
    client.force_login(bob)

    assert client.get(url(normal_invoice)).status_code == 404


def test_it_asks_to_log_in_first(client, normal_invoice):
    response = client.get(url(normal_invoice))

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_draft_has_no_e_invoice(alice_client, alice):
    from tests.factories import billable_project

    _project, phase = billable_project(alice)
    draft = invoices.draft_for_phase(phase)

    assert alice_client.get(url(draft)).status_code == 404


def test_an_unknown_client_country_is_refused_with_a_message_not_a_500(alice_client, alice):
    invoice = make_invoice(alice, **{**BELGIAN_CLIENT, "country": "Atlantis"})

    response = alice_client.get(url(invoice), follow=True, **EN)

    assert response.redirect_chain[-1][0] == reverse("contracts:invoice_detail", args=[invoice.pk])
    assert "Atlantis" in " ".join(str(m) for m in response.context["messages"])


def test_an_invoice_frozen_before_the_address_was_kept_in_parts_still_downloads(alice_client, alice):
    """Old sent invoices only have the printed address lines; the parts are read from them."""
    invoice = make_invoice(alice, reverse_charge=True, **BELGIAN_CLIENT)
    old_seller = {k: invoice.seller[k] for k in ("name", "address", "kvk_number", "vat_id", "iban")}
    old_seller["address"] = old_seller["address"][:2]  # street, postcode and city; no country then
    old_buyer = {k: invoice.buyer[k] for k in ("name", "address", "kvk_number", "vat_id", "iban")}
    type(invoice).objects.filter(pk=invoice.pk).update(seller=old_seller, buyer=old_buyer)
    Client.objects.filter(pk=invoice.client_id).update(country="")  # what it says now does not matter

    response = alice_client.get(url(invoice))

    assert response.status_code == 200
    root = etree.fromstring(response.content)
    countries = [e.text for e in root.iter(f"{CBC}IdentificationCode")]
    postcodes = [e.text for e in root.iter(f"{CBC}PostalZone")]
    assert countries == ["NL", "BE"]
    assert postcodes == ["3512 PH", "1000"]


def test_a_kor_seller_without_a_vat_id_is_told_the_e_invoice_needs_it(alice_client, alice):
    """BR-E-02: an exempt (KOR) invoice must still carry the seller's VAT identifier."""
    invoice = make_invoice(alice, small_business_scheme=True)
    type(invoice).objects.filter(pk=invoice.pk).update(seller={**invoice.seller, "vat_id": ""})

    response = alice_client.get(url(invoice), follow=True, **EN)

    assert response.redirect_chain[-1][0] == reverse("contracts:invoice_detail", args=[invoice.pk])
    assert "VAT id" in " ".join(str(m) for m in response.context["messages"])
