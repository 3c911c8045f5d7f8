"""The invoice as UBL 2.1: an Invoice, or a CreditNote for a credit note.

Two customisations of EN 16931 share this syntax: Peppol BIS Billing 3.0 (the default: what
the Peppol network carries, with the Dutch rules NL-R-* built in) and SI-UBL 2.0, the Dutch
NLCIUS. They differ here only in the CustomizationID and in what they require of the parties.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from lxml import etree

from contracts.einvoice import EInvoiceUnavailable
from contracts.einvoice.document import (
    CURRENCY,
    KVK_SCHEME,
    Document,
    Party,
    amount,
    decimal,
    document_for,
    endpoint,
)
from contracts.models import Invoice, InvoiceLine
from freelance.lib import countries

PEPPOL = "peppol"
NLCIUS = "nlcius"
CUSTOMIZATION = {
    PEPPOL: "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
    NLCIUS: "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0",
}
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
ROOT_NS = {
    "Invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "CreditNote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}


def _cbc(parent, name: str, text: str, **attributes) -> etree._Element:
    element = etree.SubElement(parent, f"{{{CBC}}}{name}", **attributes)
    element.text = text
    return element


def _cac(parent, name: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{CAC}}}{name}")


def _party(parent, name: str, party: Party) -> None:
    element = _cac(_cac(parent, name), "Party")
    address_of = endpoint(party)
    if address_of:
        _cbc(element, "EndpointID", address_of[1], schemeID=address_of[0])
    _cbc(_cac(element, "PartyName"), "Name", party.name)
    address = _cac(element, "PostalAddress")
    if party.street:
        _cbc(address, "StreetName", party.street)  # BT-35 / BT-50
    if party.city:
        _cbc(address, "CityName", party.city)  # BT-37 / BT-52
    if party.postcode:
        _cbc(address, "PostalZone", party.postcode)  # BT-38 / BT-53
    _cbc(_cac(address, "Country"), "IdentificationCode", party.country)  # BT-40 / BT-55
    if party.vat_id:  # BT-31 / BT-48
        scheme = _cac(element, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", party.vat_id)
        _cbc(_cac(scheme, "TaxScheme"), "ID", "VAT")
    legal = _cac(element, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", party.name)  # BT-27 / BT-44
    if party.kvk_number:  # BT-30 / BT-47
        _cbc(legal, "CompanyID", party.kvk_number, schemeID=KVK_SCHEME)


def _tax_category(parent, name: str, category: str, percent, reason: str = "") -> None:
    element = _cac(parent, name)
    _cbc(element, "ID", category)
    _cbc(element, "Percent", decimal(percent))
    if reason:
        _cbc(element, "TaxExemptionReason", reason)
    _cbc(_cac(element, "TaxScheme"), "ID", "VAT")


def build(document: Document, profile: str = PEPPOL) -> etree._Element:
    kind = "CreditNote" if document.is_credit_note else "Invoice"
    root = etree.Element(f"{{{ROOT_NS[kind]}}}{kind}", nsmap={None: ROOT_NS[kind], "cac": CAC, "cbc": CBC})
    _cbc(root, "CustomizationID", CUSTOMIZATION[profile])  # BT-24
    _cbc(root, "ProfileID", PROFILE)  # BT-23
    _cbc(root, "ID", document.number)  # BT-1
    _cbc(root, "IssueDate", document.issue_date.isoformat())  # BT-2
    if document.due_date and not document.is_credit_note:
        _cbc(root, "DueDate", document.due_date.isoformat())  # BT-9 (a UBL 2.1 credit note: below)
    _cbc(root, f"{kind}TypeCode", document.type_code)  # BT-3
    if document.note:
        _cbc(root, "Note", document.note)  # BT-22
    _cbc(root, "DocumentCurrencyCode", CURRENCY)  # BT-5
    _cbc(root, "BuyerReference", document.buyer_reference)  # BT-10
    if document.preceding_invoice:  # BT-25
        _cbc(_cac(_cac(root, "BillingReference"), "InvoiceDocumentReference"), "ID", document.preceding_invoice)
    _party(root, "AccountingSupplierParty", document.seller)
    _party(root, "AccountingCustomerParty", document.buyer)
    if document.delivery_date:  # BT-72
        _cbc(_cac(root, "Delivery"), "ActualDeliveryDate", document.delivery_date.isoformat())
    means = _cac(root, "PaymentMeans")
    _cbc(means, "PaymentMeansCode", document.payment_means)  # BT-81: SEPA credit transfer
    if document.due_date and document.is_credit_note:
        _cbc(means, "PaymentDueDate", document.due_date.isoformat())
    _cbc(means, "PaymentID", document.payment_reference)  # BT-83
    _cbc(_cac(means, "PayeeFinancialAccount"), "ID", document.seller.iban)  # BT-84

    tax_total = _cac(root, "TaxTotal")
    _cbc(tax_total, "TaxAmount", amount(document.tax_total), currencyID=CURRENCY)  # BT-110
    for vat in document.breakdown:  # BG-23
        subtotal = _cac(tax_total, "TaxSubtotal")
        _cbc(subtotal, "TaxableAmount", amount(vat.taxable), currencyID=CURRENCY)  # BT-116
        _cbc(subtotal, "TaxAmount", amount(vat.tax), currencyID=CURRENCY)  # BT-117
        _tax_category(subtotal, "TaxCategory", vat.category, vat.percent, vat.exemption_reason)

    totals = _cac(root, "LegalMonetaryTotal")
    _cbc(totals, "LineExtensionAmount", amount(document.line_total), currencyID=CURRENCY)  # BT-106
    _cbc(totals, "TaxExclusiveAmount", amount(document.line_total), currencyID=CURRENCY)  # BT-109
    _cbc(totals, "TaxInclusiveAmount", amount(document.tax_inclusive), currencyID=CURRENCY)  # BT-112
    _cbc(totals, "PayableAmount", amount(document.tax_inclusive), currencyID=CURRENCY)  # BT-115

    for line in document.lines:
        element = _cac(root, f"{kind}Line")
        _cbc(element, "ID", line.id)  # BT-126
        quantity = "CreditedQuantity" if document.is_credit_note else "InvoicedQuantity"
        _cbc(element, quantity, decimal(line.quantity), unitCode=line.unit_code)  # BT-129, BT-130
        _cbc(element, "LineExtensionAmount", amount(line.net_amount), currencyID=CURRENCY)  # BT-131
        item = _cac(element, "Item")
        _cbc(item, "Name", line.name)  # BT-153
        _tax_category(item, "ClassifiedTaxCategory", line.category, line.percent)  # BT-151, BT-152
        _cbc(_cac(element, "Price"), "PriceAmount", decimal(line.price), currencyID=CURRENCY)  # BT-146
    return root


def _check(document: Document, profile: str) -> None:
    problems = []
    for party, missing in (
        (document.seller, _("your KvK number or VAT id, as your electronic address")),
        (document.buyer, _("the client's KvK number or VAT id, as their electronic address")),
    ):
        if endpoint(party) is None:
            problems.append(missing)
    if profile == NLCIUS and document.buyer.country == countries.NL and not document.buyer.kvk_number:
        problems.append(_("the client's KvK number (SI-UBL requires it of a Dutch client)"))
    if problems:
        raise EInvoiceUnavailable(_("The e-invoice needs: %(missing)s.") % {"missing": "; ".join(problems)})


def ubl_xml(invoice: Invoice, profile: str = PEPPOL, *, lines: list[InvoiceLine] | None = None) -> bytes:
    """The sent invoice as a UBL 2.1 document in the given customisation (UTF-8); ``lines`` as
    ``document_for`` takes them."""
    document = document_for(invoice, lines)
    _check(document, profile)
    return etree.tostring(build(document, profile), xml_declaration=True, encoding="UTF-8", pretty_print=True)
