"""Invoices: drafted at delivery (or when a phase starts), issued with the next number of a gapless series, corrected only by a credit note."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, time, timedelta
from decimal import Decimal

import facturx
from django.db import transaction
from django.db.models import DecimalField, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from contracts import deposits, dutch_law, paying
from contracts.einvoice import EInvoiceUnavailable, cii
from contracts.models import (
    BusinessProfile,
    Invoice,
    InvoiceLine,
    Role,
    TimeEntry,
)
from contracts.payments import outstanding
from contracts.time_entries import unbilled_time
from freelance.documents import registry as documents
from freelance.documents.store import get as get_document
from freelance.lib import countries
from freelance.lib.formats import freelancer_name, money_in, number_in
from freelance.lib.money import round_money
from freelance.lib.pdf import PDF_A3B, render_pdf
from freelance.lib.rules import RuleViolation
from freelance.outbox.queue import DocumentRef, queue_email
from projects.models import ChangeRequest, Client, Contact, Phase, Project

ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(max_digits=12, decimal_places=2)
DEFAULT_VAT = Decimal("21")
# Time without a start time counts as day work: only day-based surcharges can apply.
DAY_WORK_STARTS = time(9, 0)

logger = logging.getLogger(__name__)


# -- drafting invoices -------------------------------------------------------------------


def _new_draft(project: Project, *, phase: Phase | None = None) -> Invoice:
    client = project.client
    profile = BusinessProfile.for_owner(project.owner)
    return Invoice.objects.create(
        owner=project.owner,
        client=client,
        project=project,
        phase=phase,
        payment_term_days=client.payment_term_days,
        language=client.language,
        small_business_scheme=profile.small_business_scheme,
    )


def _time_lines(invoice: Invoice, entries: list[TimeEntry], start: int) -> int:
    """One line per role, rate and surcharge; each entry is tied to its line so it bills once."""
    groups: dict[tuple, list[TimeEntry]] = defaultdict(list)
    for entry in entries:
        groups[(entry.role, entry.hourly_rate, entry.multiplier, entry.surcharge_reason)].append(entry)
    position = start
    with override(invoice.language):
        for (role, rate, multiplier, reason), group in sorted(groups.items(), key=lambda g: (g[0][0], -g[0][2])):
            hours = sum((e.hours for e in group), ZERO)
            first, last = min(e.date for e in group), max(e.date for e in group)
            if first == last:
                description = _("%(role)s, %(day)s") % {"role": Role(role).label, "day": first.strftime("%d-%m-%Y")}
            else:
                description = _("%(role)s, %(first)s to %(last)s") % {
                    "role": Role(role).label,
                    "first": first.strftime("%d-%m-%Y"),
                    "last": last.strftime("%d-%m-%Y"),
                }
            if multiplier != 1:
                # Stored text: the multiplier as the invoice's language writes it (×2, ×1,5).
                description += " " + _("(%(reason)s, ×%(multiplier)s)") % {
                    "reason": reason,
                    "multiplier": number_in(multiplier, invoice.language),
                }
            position += 1
            line = InvoiceLine.objects.create(
                invoice=invoice,
                position=position,
                description=description,
                quantity=hours,
                unit=_("hours"),
                unit_price=round_money(rate * multiplier),
                vat_percent=DEFAULT_VAT,
            )
            TimeEntry.objects.filter(pk__in=[e.pk for e in group]).update(invoice_line=line)
    return position


# Wishes the client chose to pay for, at a fixed cost, not invoiced yet: the one definition.
UNBILLED_WISHES = Q(decision=ChangeRequest.Decision.PAY, cost__isnull=False, invoice_lines__isnull=True)


def paid_wishes(project: Project, phase: Phase | None):
    """The project's unbilled paid wishes (optionally those in one phase)."""
    wishes = ChangeRequest.objects.filter(UNBILLED_WISHES, project=project)
    if phase is not None:
        wishes = wishes.filter(Q(target_phase=phase) | Q(scope_items__phase=phase)).distinct()
    return list(wishes.order_by("pk"))


def draft_for_phase(phase: Phase) -> Invoice | None:
    """The phase's draft invoice: its fixed price, or its unbilled hours, plus paid wishes in it.

    Runs once per phase (a unique constraint backs this); returns the existing invoice
    when there is one, and None when there is nothing to invoice.
    """
    project = phase.project
    existing = Invoice.objects.filter(phase=phase, kind=Invoice.Kind.INVOICE).first()
    if existing is not None:
        return existing
    entries = unbilled_time(project, phase) if phase.pricing == Phase.Pricing.TIME else []
    wishes = paid_wishes(project, phase)
    has_price = phase.pricing == Phase.Pricing.FIXED and phase.fixed_price
    if not (has_price or entries or wishes):
        return None
    with transaction.atomic():
        invoice = _new_draft(project, phase=phase)
        position = 0
        with override(invoice.language):
            if has_price:
                position += 1
                InvoiceLine.objects.create(
                    invoice=invoice,
                    position=position,
                    description=_("Phase %(number)s: %(title)s") % {"number": phase.position, "title": phase.title},
                    quantity=Decimal("1"),
                    unit=_("phase"),
                    unit_price=phase.fixed_price,
                    vat_percent=DEFAULT_VAT,
                )
            position = _time_lines(invoice, entries, position)
            _wish_lines(invoice, wishes, position)
        deposits.deduct_from_final(invoice)  # the last phase's invoice deducts the deposit
    return invoice


def _wish_lines(invoice: Invoice, wishes: list[ChangeRequest], position: int) -> int:
    with override(invoice.language):
        for wish in wishes:
            position += 1
            InvoiceLine.objects.create(
                invoice=invoice,
                position=position,
                description=_("Extra work: %(title)s") % {"title": wish.title},
                quantity=Decimal("1"),
                unit=_("wish"),
                unit_price=wish.cost,
                vat_percent=DEFAULT_VAT,
                change_request=wish,
            )
    return position


def draft_for_unbilled(project: Project) -> Invoice | None:
    """A draft for all billable hours and paid wishes not invoiced yet (time and materials)."""
    with transaction.atomic():
        # Locked, so two clicks at once cannot put the same hours on two drafts.
        Project.objects.select_for_update().filter(pk=project.pk).first()
        entries = unbilled_time(project)
        wishes = paid_wishes(project, None)
        if not (entries or wishes):
            return None
        invoice = _new_draft(project)
        position = _time_lines(invoice, entries, 0)
        _wish_lines(invoice, wishes, position)
        deposits.deduct_from_final(invoice)  # with no phase left to invoice, this one deducts the deposit
    return invoice


def on_phase_accepted(phase: Phase) -> Invoice | None:
    if phase.project.invoice_timing == Project.InvoiceTiming.AT_DELIVERY:
        return draft_for_phase(phase)
    return None


def on_phase_started(phase: Phase) -> Invoice | None:
    if phase.project.invoice_timing == Project.InvoiceTiming.IN_ADVANCE and phase.pricing == Phase.Pricing.FIXED:
        return draft_for_phase(phase)
    return None


# -- issuing -----------------------------------------------------------------------------


def compute_totals(invoice: Invoice) -> dutch_law.Totals:
    return dutch_law.totals(
        dutch_law.lines_of(invoice),
        reverse_charge=invoice.reverse_charge,
        small_business_scheme=invoice.small_business_scheme,
    )


def missing_details(invoice: Invoice) -> list[str]:
    """What the law requires on the invoice that is not filled in yet."""
    profile = BusinessProfile.objects.filter(owner=invoice.owner).first()
    client = invoice.client
    missing = []
    if profile is None or not profile.business_name:
        missing.append(_("your business name (business profile)"))
    if profile is None or not (profile.street_address and profile.postcode and profile.city):
        missing.append(_("your address (business profile)"))
    if profile is None or not profile.kvk_number:
        missing.append(_("your KvK number (business profile)"))
    if (profile is None or not profile.vat_id) and not invoice.small_business_scheme:
        missing.append(_("your VAT id (business profile)"))
    if not (client.street_address and client.city):
        missing.append(_("the client's address"))
    if invoice.reverse_charge and not client.vat_id:
        missing.append(_("the client's VAT id (required for reverse charge)"))
    return missing


def _party(name, street, postcode, city, country="", kvk="", vat_id="", iban="", *, code="", country_name="") -> dict:
    """A frozen party: the address lines the PDF prints, and the same address in parts for e-invoices."""
    return {
        "name": name,
        "address": [line for line in (street, f"{postcode} {city}".strip(), country) if line],
        "street": street,
        "postcode": postcode,
        "city": city,
        "country": code,
        "country_name": country_name,
        "kvk_number": kvk,
        "vat_id": vat_id,
        "iban": iban,
    }


def parties_for(invoice: Invoice, profile: BusinessProfile | None = None) -> tuple[dict, dict]:
    """Seller and buyer as they would be frozen now: stored on sending, shown live on a draft.

    The seller is a Dutch freelancer (the profile has no country); a client abroad also
    gets the seller's country on the address, in the invoice's language.
    """
    profile = profile or BusinessProfile.for_owner(invoice.owner)
    client = invoice.client
    buyer_code = countries.country_code(client.country, default=countries.NL)
    seller_country = countries.country_name(countries.NL, invoice.language)
    seller = _party(
        profile.business_name,
        profile.street_address,
        profile.postcode,
        profile.city,
        seller_country if buyer_code != countries.NL else "",
        kvk=profile.kvk_number,
        vat_id=profile.vat_id,
        iban=profile.iban,
        code=countries.NL,
        country_name=seller_country,
    )
    buyer = _party(
        client.name,
        client.street_address,
        client.postcode,
        client.city,
        client.country,
        kvk=client.kvk_number,
        vat_id=client.vat_id,
        code=buyer_code,
        country_name=countries.country_name(buyer_code, invoice.language) if buyer_code else client.country,
    )
    return seller, buyer


def billing_contacts(client: Client) -> list[Contact]:
    return client.payers()


class InvoiceRefused(RuleViolation):
    pass


def issue(invoice: Invoice, *, actor, today: date | None = None, send: bool = True) -> Invoice:
    """Check, number, freeze and send a draft, in one transaction; then render its PDF.

    The row is locked first; the move draft → sent, with everything frozen, is claimed by
    ``Invoice.issue`` (a conditional UPDATE and the event), so a double submit sends once.
    The mail is queued in the same transaction with the PDF attached by reference, so the
    number series is locked only for the bookkeeping, never for WeasyPrint. Call it outside
    a transaction (the views do): the PDF is rendered after the commit.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().select_related("client", "owner").get(pk=invoice.pk)
        if not invoice.is_draft:
            raise InvoiceRefused(_("Invoice %(number)s was already sent.") % {"number": invoice.number})
        if not invoice.lines.exists():
            raise InvoiceRefused(_("An invoice needs at least one line."))
        missing = missing_details(invoice)
        if missing:
            raise InvoiceRefused(_("Fill in before sending: %(missing)s.") % {"missing": ", ".join(missing)})
        totals = compute_totals(invoice)
        if invoice.is_credit_note:
            if totals.total >= 0:
                raise InvoiceRefused(_("A credit note reduces an invoice: its total must be negative."))
            # Locked before the check, so two credit notes at once cannot credit more than is open.
            credited = Invoice.objects.select_for_update().get(pk=invoice.credits_id)
            if -totals.total > outstanding(credited):
                raise InvoiceRefused(_("A credit note cannot credit more than is still open on the invoice."))
        elif totals.total <= 0:
            raise InvoiceRefused(_("The invoice total must be more than zero; use a credit note to give money back."))
        profile = BusinessProfile.objects.get(owner=invoice.owner)
        seller, buyer = parties_for(invoice, profile)
        number = dutch_law.next_invoice_number(invoice.owner, today.year)
        invoice.issue(
            actor,
            number=number,
            issue_date=today,
            delivery_date=invoice.delivery_date or _delivery_date(invoice) or today,
            due_date=today + timedelta(days=invoice.payment_term_days),
            seller=seller,
            buyer=buyer,
            total_excl=totals.total_excl,
            total_vat=totals.total_vat,
            total=totals.total,
            payment_reference=paying.payment_reference(invoice, number),
        )
        if send:
            email = send_invoice_email(invoice)
            if email is not None:
                Invoice.objects.filter(pk=invoice.pk).update(email=email)
                invoice.email = email
    try:
        invoice.pdf = get_document(invoice_reference(invoice)).content
    except Exception:
        # The invoice is sent and its mail queued; the worker renders the PDF when it sends.
        logger.exception("invoice %s: the PDF will be rendered when its mail is sent", invoice.pk)
    return invoice


INVOICE = "invoice"


def invoice_reference(invoice: Invoice) -> str:
    return documents.reference(INVOICE, invoice.pk)


@documents.register(INVOICE)
def _invoice_source(object_id: str, variant: str) -> documents.Source | None:
    """A sent invoice's PDF is rendered once and kept on the invoice: the PDF as sent."""
    invoice = Invoice.objects.exclude(status=Invoice.Status.DRAFT).filter(pk=object_id).first()
    if invoice is None:
        return None
    return documents.Source(
        owner=invoice.owner,
        filename=filename(invoice),
        inputs={},
        render=lambda: invoice_pdf(invoice),
        stored=invoice.pdf,
        store=lambda content: _store_pdf(invoice, content),
    )


def _store_pdf(invoice: Invoice, content: bytes) -> None:
    """Keep the first rendering: a conditional UPDATE, so a second render never replaces it."""
    Invoice.objects.filter(pk=invoice.pk, pdf__isnull=True).update(pdf=content)


def _delivery_date(invoice: Invoice) -> date | None:
    if invoice.phase_id and invoice.phase.accepted_at:
        return timezone.localdate(invoice.phase.accepted_at)
    if invoice.phase_id and invoice.phase.delivered_at:
        return timezone.localdate(invoice.phase.delivered_at)
    last = TimeEntry.objects.filter(invoice_line__invoice=invoice).order_by("-date").values_list("date", flat=True)
    return last.first()


def filename(invoice: Invoice) -> str:
    prefix = "creditnota" if invoice.is_credit_note else "factuur"
    if invoice.language == "en":
        prefix = "credit-note" if invoice.is_credit_note else "invoice"
    return f"{prefix}-{invoice.number or 'concept'}.pdf"


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as a PDF/A-3b document, in the invoice's language.

    A sent invoice carries its e-invoice: Factur-X EN 16931 XML, embedded as factur-x.xml.
    An invoice the standard cannot describe (say, a client country it does not know) is
    still sent as a plain PDF; the reason is logged and shown where the e-invoice is offered.
    """
    with override(invoice.language):
        pdf = render_pdf("pdf/invoice.html", pdf_context(invoice), pdf_variant=PDF_A3B)
    if invoice.is_draft:
        return pdf
    try:
        xml = cii.cii_xml(invoice)
    except EInvoiceUnavailable as refused:
        logger.warning("invoice %s: sent without e-invoice XML: %s", invoice.pk, refused)
        return pdf
    with override(invoice.language):
        title = f"{_('Credit note') if invoice.is_credit_note else _('Invoice')} {invoice.number}"
    metadata = {"author": invoice.seller.get("name", ""), "keywords": "Factur-X", "title": title, "subject": title}
    # No XSD check per render (14 ms of a 0.3 s budget): the tests validate the same XML
    # against the official XSD and Schematron rules (tests/einvoice).
    return facturx.generate_from_binary(
        pdf, xml, flavor="factur-x", level="en16931", check_xsd=False, pdf_metadata=metadata, lang=invoice.language
    )


def pdf_context(invoice: Invoice) -> dict:
    lines = list(invoice.lines.all())
    totals = compute_totals(invoice)
    seller, buyer = parties_for(invoice) if invoice.is_draft else (invoice.seller, invoice.buyer)
    rates = [
        {
            "percent": rate,
            "excl": totals.excl_by_rate[rate],
            "vat": totals.vat_by_rate[rate],
        }
        for rate in sorted(totals.excl_by_rate, reverse=True)
    ]
    return {
        "invoice": invoice,
        "lines": lines,
        "rates": rates,
        "total_excl": invoice.total_excl if not invoice.is_draft else totals.total_excl,
        "total_vat": invoice.total_vat if not invoice.is_draft else totals.total_vat,
        "total": invoice.total if not invoice.is_draft else totals.total,
        "seller": seller,
        "buyer": buyer,
        "payment": paying.pdf_payment_context(
            invoice, seller=seller, total=invoice.total if not invoice.is_draft else totals.total
        ),
    }


def send_invoice_email(invoice: Invoice):
    """Queue the invoice with its PDF to the client's budget holder (or decision maker)."""
    contacts = billing_contacts(invoice.client)
    if not contacts:
        return None
    attachments = [(filename(invoice), DocumentRef(invoice_reference(invoice)), "application/pdf")]
    qr = paying.email_qr_attachment(invoice)  # shown inline in the HTML body as cid:<its filename>
    if qr is not None:
        attachments.append(qr)
    return queue_email(
        owner=invoice.owner,
        to=[c.email for c in contacts],
        reply_to=[invoice.owner.email] if invoice.owner.email else [],
        template="invoice",
        context={
            "invoice": invoice,
            "contact": contacts[0],
            "freelancer": freelancer_name(invoice.owner),
            "total": money_in(invoice.total, invoice.language),
            "due_date": invoice.due_date,
            "iban": invoice.seller.get("iban", ""),
            **paying.email_payment_context(invoice),
            "payment_qr_cid": qr[0] if qr is not None else "",
        },
        language=invoice.language,
        kind="invoice",
        attachments=attachments,
    )


# -- credit notes and payments -----------------------------------------------------------


def credit_note_for(invoice: Invoice, *, actor) -> Invoice:
    """A draft credit note that reverses what is still open on the invoice, line by line."""
    if invoice.is_draft or invoice.is_credit_note:
        raise RuleViolation(_("Only a sent invoice can be credited."))
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        # A double click reopens the draft credit note instead of making a second one.
        existing = invoice.credit_notes.filter(status=Invoice.Status.DRAFT).first()
        if existing is not None:
            return existing
        if outstanding(invoice) <= 0:
            raise RuleViolation(_("Nothing is open on this invoice any more."))
        note = Invoice.objects.create(
            owner=invoice.owner,
            client=invoice.client,
            project=invoice.project,
            kind=Invoice.Kind.CREDIT_NOTE,
            credits=invoice,
            payment_term_days=invoice.payment_term_days,
            language=invoice.language,
            reverse_charge=invoice.reverse_charge,
            small_business_scheme=invoice.small_business_scheme,
            delivery_date=invoice.delivery_date,
        )
        with override(invoice.language):
            for line in invoice.lines.all():
                InvoiceLine.objects.create(
                    invoice=note,
                    position=line.position,
                    description=_("Credit: %(line)s") % {"line": line.description},
                    quantity=-line.quantity,
                    unit=line.unit,
                    unit_price=line.unit_price,
                    vat_percent=line.vat_percent,
                )
    return note
