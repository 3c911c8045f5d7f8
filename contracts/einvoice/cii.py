"""The invoice as UN/CEFACT Cross Industry Invoice D16B, Factur-X profile EN 16931.

This is the XML embedded in the sent PDF/A-3 (``factur-x.xml``). Element order follows the
D16B schema; the business terms (BT-…) of EN 16931 are named where they are written.
"""

from __future__ import annotations

from lxml import etree

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
from contracts.models import Invoice

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}

# Factur-X 1.0 / ZUGFeRD 2 profile EN 16931 ("Comfort") is the plain EN 16931 guideline.
GUIDELINE_EN16931 = "urn:cen.eu:en16931:2017"


def _el(parent: etree._Element, ns: str, name: str, text: str | None = None, **attributes) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ns}}}{name}", **attributes)
    if text is not None:
        element.text = text
    return element


def _ram(parent, name, text=None, **attributes):
    return _el(parent, RAM, name, text, **attributes)


def _date(parent, name: str, value) -> None:
    _el(_ram(parent, name), UDT, "DateTimeString", value.strftime("%Y%m%d"), format="102")


def _party(parent, name: str, party: Party) -> None:
    element = _ram(parent, name)
    _ram(element, "Name", party.name)  # BT-27 / BT-44
    if party.kvk_number:  # BT-30 / BT-47
        _ram(_ram(element, "SpecifiedLegalOrganization"), "ID", party.kvk_number, schemeID=KVK_SCHEME)
    address = _ram(element, "PostalTradeAddress")
    if party.postcode:
        _ram(address, "PostcodeCode", party.postcode)
    if party.street:
        _ram(address, "LineOne", party.street)
    if party.city:
        _ram(address, "CityName", party.city)
    _ram(address, "CountryID", party.country)  # BT-40 / BT-55
    address_of = endpoint(party)
    if address_of:  # BT-34 / BT-49: the electronic address
        _ram(_ram(element, "URIUniversalCommunication"), "URIID", address_of[1], schemeID=address_of[0])
    if party.vat_id:  # BT-31 / BT-48
        _ram(_ram(element, "SpecifiedTaxRegistration"), "ID", party.vat_id, schemeID="VA")


def build(document: Document) -> etree._Element:
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = _el(root, RSM, "ExchangedDocumentContext")
    _ram(_ram(context, "GuidelineSpecifiedDocumentContextParameter"), "ID", GUIDELINE_EN16931)

    exchanged = _el(root, RSM, "ExchangedDocument")
    _ram(exchanged, "ID", document.number)  # BT-1
    _ram(exchanged, "TypeCode", document.type_code)  # BT-3
    _date(exchanged, "IssueDateTime", document.issue_date)  # BT-2
    if document.note:
        _ram(_ram(exchanged, "IncludedNote"), "Content", document.note)  # BT-22

    transaction = _el(root, RSM, "SupplyChainTradeTransaction")
    for line in document.lines:
        item = _ram(transaction, "IncludedSupplyChainTradeLineItem")
        _ram(_ram(item, "AssociatedDocumentLineDocument"), "LineID", line.id)  # BT-126
        _ram(_ram(item, "SpecifiedTradeProduct"), "Name", line.name)  # BT-153
        agreement = _ram(item, "SpecifiedLineTradeAgreement")
        _ram(_ram(agreement, "NetPriceProductTradePrice"), "ChargeAmount", decimal(line.price))  # BT-146
        delivery = _ram(item, "SpecifiedLineTradeDelivery")
        _ram(delivery, "BilledQuantity", decimal(line.quantity), unitCode=line.unit_code)  # BT-129, BT-130
        settlement = _ram(item, "SpecifiedLineTradeSettlement")
        tax = _ram(settlement, "ApplicableTradeTax")
        _ram(tax, "TypeCode", "VAT")
        _ram(tax, "CategoryCode", line.category)  # BT-151
        _ram(tax, "RateApplicablePercent", decimal(line.percent))  # BT-152
        summation = _ram(settlement, "SpecifiedTradeSettlementLineMonetarySummation")
        _ram(summation, "LineTotalAmount", amount(line.net_amount))  # BT-131

    agreement = _ram(transaction, "ApplicableHeaderTradeAgreement")
    _ram(agreement, "BuyerReference", document.buyer_reference)  # BT-10
    _party(agreement, "SellerTradeParty", document.seller)
    _party(agreement, "BuyerTradeParty", document.buyer)

    delivery = _ram(transaction, "ApplicableHeaderTradeDelivery")
    if document.delivery_date:  # BT-72
        event = _ram(delivery, "ActualDeliverySupplyChainEvent")
        _date(event, "OccurrenceDateTime", document.delivery_date)

    settlement = _ram(transaction, "ApplicableHeaderTradeSettlement")
    _ram(settlement, "PaymentReference", document.payment_reference)  # BT-83
    _ram(settlement, "InvoiceCurrencyCode", CURRENCY)  # BT-5
    means = _ram(settlement, "SpecifiedTradeSettlementPaymentMeans")
    _ram(means, "TypeCode", document.payment_means)  # BT-81: SEPA credit transfer
    _ram(_ram(means, "PayeePartyCreditorFinancialAccount"), "IBANID", document.seller.iban)  # BT-84
    for vat in document.breakdown:  # BG-23
        tax = _ram(settlement, "ApplicableTradeTax")
        _ram(tax, "CalculatedAmount", amount(vat.tax))  # BT-117
        _ram(tax, "TypeCode", "VAT")
        if vat.exemption_reason:
            _ram(tax, "ExemptionReason", vat.exemption_reason)  # BT-120
        _ram(tax, "BasisAmount", amount(vat.taxable))  # BT-116
        _ram(tax, "CategoryCode", vat.category)  # BT-118
        _ram(tax, "RateApplicablePercent", decimal(vat.percent))  # BT-119
    if document.due_date:
        _date(_ram(settlement, "SpecifiedTradePaymentTerms"), "DueDateDateTime", document.due_date)  # BT-9
    totals = _ram(settlement, "SpecifiedTradeSettlementHeaderMonetarySummation")
    _ram(totals, "LineTotalAmount", amount(document.line_total))  # BT-106
    _ram(totals, "TaxBasisTotalAmount", amount(document.line_total))  # BT-109
    _ram(totals, "TaxTotalAmount", amount(document.tax_total), currencyID=CURRENCY)  # BT-110
    _ram(totals, "GrandTotalAmount", amount(document.tax_inclusive))  # BT-112
    _ram(totals, "DuePayableAmount", amount(document.tax_inclusive))  # BT-115
    if document.preceding_invoice:  # BT-25
        _ram(_ram(settlement, "InvoiceReferencedDocument"), "IssuerAssignedID", document.preceding_invoice)
    return root


def cii_xml(invoice: Invoice) -> bytes:
    """The sent invoice as Factur-X EN 16931 XML (UTF-8)."""
    return etree.tostring(build(document_for(invoice)), xml_declaration=True, encoding="UTF-8", pretty_print=True)
