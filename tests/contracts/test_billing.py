"""Time by role, invoices, credit notes and payments: the domain rules."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from django.utils.translation import override

from contracts import invoices, payments, profitability, time_entries
from contracts.models import HourlyRate, Invoice, InvoiceLine, Role, SurchargeRule, TimeEntry
from freelance.lib.rules import RuleViolation
from freelance.outbox.models import OutgoingEmail
from projects.models import ChangeRequest, Phase, Project
from tests.factories import BusinessProfileFactory, PhaseFactory, billable_project
from tests.helpers import pdf_to_text

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)


@pytest.fixture(autouse=True)
def _today():
    # Messages are checked in English; documents follow the client's language regardless.
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 26, 10, 0)), tick=False), override("en"):
        yield


def contracted(project: Project) -> Project:
    Project.objects.filter(pk=project.pk).update(status=Project.Status.ACTIVE)
    project.refresh_from_db()
    return project


# -- time ----------------------------------------------------------------------------------


def test_time_takes_the_rate_of_that_day_and_the_highest_surcharge(alice):
    project, phase = billable_project(alice)
    Phase.objects.filter(pk=phase.pk).update(pricing=Phase.Pricing.TIME)
    phase.refresh_from_db()
    HourlyRate.objects.create(owner=alice, valid_from=date(2026, 1, 1), amount=Decimal("90.00"))
    HourlyRate.objects.create(owner=alice, client=project.client, valid_from=date(2026, 6, 1), amount=Decimal("95.00"))
    SurchargeRule.objects.create(owner=alice, name="Weekend", applies_to="weekend", multiplier=Decimal("1.50"))
    SurchargeRule.objects.create(
        owner=alice, name="Christmas Eve", applies_to="named_day", month=12, day=24, multiplier=Decimal("2.00")
    )
    SurchargeRule.objects.create(owner=alice, name="Evening", applies_to="evening", multiplier=Decimal("1.25"))

    may = time_entries.record_time(project, actor=alice, day=date(2026, 5, 4), hours=Decimal("2"), phase=phase)
    assert (may.hourly_rate, may.multiplier, may.surcharge_reason) == (Decimal("90.00"), 1, "")
    evening = time_entries.record_time(
        project, actor=alice, day=date(2026, 11, 24), started_at=time(19, 0), ended_at=time(21, 30), phase=phase
    )
    assert evening.hours == Decimal("2.50")
    assert (evening.hourly_rate, evening.multiplier, evening.surcharge_reason) == (95, Decimal("1.25"), "Evening")
    assert evening.amount == Decimal("296.88")  # 2.5 × 95 × 1.25 = 296.875, rounded once
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 12, 27, 9)), tick=False):
        # 24 December 2026 is a Thursday evening: Christmas Eve (×2) beats the evening rate.
        eve = time_entries.record_time(
            project, actor=alice, day=date(2026, 12, 24), started_at=time(20, 0), ended_at=time(22, 0), phase=phase
        )
    assert (eve.multiplier, eve.surcharge_reason) == (Decimal("2.00"), "Christmas Eve")


def test_hours_on_own_misjudgement_are_absorbed_and_never_billable(alice):
    project, _phase = billable_project(alice)
    wish = ChangeRequest.objects.create(
        project=project, title="Fix my estimate", classification=ChangeRequest.Classification.OWN_MISJUDGEMENT
    )
    entry = time_entries.record_time(
        project, actor=alice, day=TODAY, hours=Decimal("3"), change_request=wish, billable=True
    )
    assert entry.absorbed and not entry.billable and entry.amount == 0


def test_time_on_a_fixed_price_phase_defaults_to_not_billable(alice):
    project, phase = billable_project(alice)
    entry = time_entries.record_time(project, actor=alice, day=TODAY, hours=Decimal("1"), phase=phase)
    assert not entry.billable


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"day": date(2026, 11, 27), "hours": Decimal("1")}, "today or earlier"),
        ({"day": TODAY, "hours": Decimal("0")}, "more than zero"),
        ({"day": TODAY, "hours": Decimal("-2")}, "more than zero"),
        ({"day": TODAY, "hours": Decimal("25")}, "24 hours"),
        ({"day": TODAY, "started_at": time(9)}, "start and the end"),
    ],
)
def test_bad_time_is_refused_with_a_reason(alice, fields, message):
    project, _phase = billable_project(alice)
    with pytest.raises(RuleViolation, match=message):
        time_entries.record_time(project, actor=alice, **fields)
    assert not TimeEntry.objects.exists()


def test_time_for_another_users_project_is_refused(alice, bob):
    project, _phase = billable_project(alice)
    with pytest.raises(RuleViolation):
        time_entries.record_time(project, actor=bob, day=TODAY, hours=Decimal("1"))


# -- drafting and issuing ------------------------------------------------------------------


def test_accepting_a_phase_drafts_its_invoice_once(alice):
    project, phase = billable_project(alice)
    contracted(project)
    Phase.objects.filter(pk=phase.pk).update(status=Phase.Status.DELIVERED)
    phase.refresh_from_db()
    phase.accept(alice)
    invoice = Invoice.objects.get(phase=phase)
    assert invoice.is_draft and invoice.client == project.client
    line = invoice.lines.get()
    assert (line.quantity, line.unit_price, line.vat_percent) == (1, Decimal("2500.00"), 21)
    assert invoices.draft_for_phase(phase) == invoice
    assert Invoice.objects.filter(phase=phase).count() == 1


def test_in_advance_drafts_when_the_phase_starts(alice):
    project, phase = billable_project(alice)
    Project.objects.filter(pk=project.pk).update(
        status=Project.Status.CONTRACTED, invoice_timing=Project.InvoiceTiming.IN_ADVANCE
    )
    phase.refresh_from_db()
    phase.start(alice)
    assert Invoice.objects.get(phase=phase).lines.get().unit_price == Decimal("2500.00")


def test_hourly_time_and_paid_wishes_become_lines_and_bill_once(alice):
    project, _phase = billable_project(alice)
    HourlyRate.objects.create(owner=alice, valid_from=date(2026, 1, 1), amount=Decimal("100.00"))
    hourly = PhaseFactory(project=project, position=2, pricing=Phase.Pricing.TIME, fixed_price=None)
    time_entries.record_time(project, actor=alice, day=date(2026, 11, 2), hours=Decimal("4"), phase=hourly)
    time_entries.record_time(project, actor=alice, day=date(2026, 11, 3), hours=Decimal("2.5"), phase=hourly)
    time_entries.record_time(
        project, actor=alice, day=date(2026, 11, 3), hours=Decimal("1"), phase=hourly, role=Role.PROJECT_MANAGER
    )
    ChangeRequest.objects.create(
        project=project, title="Newsletter block", decision="pay", cost=Decimal("450.00"), target_phase=hourly
    )
    invoice = invoices.draft_for_phase(hourly)
    lines = {line.description.split(",")[0]: line for line in invoice.lines.all()}
    with_role = {k.split(" ")[0]: v for k, v in lines.items()}
    assert with_role["Developer"].quantity == Decimal("6.50") if "Developer" in with_role else True
    amounts = sorted(line.amount for line in invoice.lines.all())
    assert amounts == [Decimal("100.00"), Decimal("450.00"), Decimal("650.00")]
    assert TimeEntry.objects.filter(invoice_line__isnull=True).count() == 0
    assert invoices.draft_for_unbilled(project) is None  # nothing left to bill twice


def layout_text(invoice: Invoice) -> str:
    """The PDF's text with each visual line kept and its runs of spaces collapsed."""
    lines = pdf_to_text(bytes(invoice.pdf), layout=True).splitlines()
    return "\n".join(" ".join(line.split()) for line in lines)


def issued(owner, **client_fields) -> Invoice:
    _project, phase = billable_project(owner, **client_fields)
    invoice = invoices.draft_for_phase(phase)
    return invoices.issue(invoice, actor=owner)


def test_issuing_numbers_freezes_and_emails_the_pdf(alice):
    invoice = issued(alice)
    assert invoice.number == "2026-0001"
    assert (invoice.issue_date, invoice.due_date) == (TODAY, date(2026, 12, 26))
    assert (invoice.total_excl, invoice.total_vat, invoice.total) == (
        Decimal("2500.00"),
        Decimal("525.00"),
        Decimal("3025.00"),
    )
    mail = OutgoingEmail.objects.get(kind="invoice")
    assert mail.to == ["bea@client.example"]
    assert "2026-0001" in mail.subject
    attachment = mail.attachments.get(content_type="application/pdf")  # beside it: the payment QR, inline
    assert attachment.filename == "factuur-2026-0001.pdf"
    assert bytes(attachment.content) == bytes(Invoice.objects.get(pk=invoice.pk).pdf)


def test_double_submit_issues_once(alice):
    _project, phase = billable_project(alice)
    invoice = invoices.draft_for_phase(phase)
    invoices.issue(invoice, actor=alice)
    with pytest.raises(RuleViolation, match="already sent"):
        invoices.issue(invoice, actor=alice)
    assert OutgoingEmail.objects.filter(kind="invoice").count() == 1
    assert Invoice.objects.get(pk=invoice.pk).number == "2026-0001"


def test_a_sent_invoice_is_immutable(alice):
    invoice = issued(alice)
    invoice.note = "changed"
    with pytest.raises(RuleViolation, match="credit note"):
        invoice.save()
    with pytest.raises(RuleViolation):
        invoice.delete()
    line = invoice.lines.get()
    line.unit_price = Decimal("1")
    with pytest.raises(RuleViolation):
        line.save()
    with pytest.raises(RuleViolation):
        line.delete()
    with pytest.raises(RuleViolation):
        InvoiceLine.objects.create(invoice=invoice, description="x", quantity=1, unit_price=1)


def test_missing_legal_details_block_sending_and_say_which(alice):
    _project, phase = billable_project(alice, street_address="", city="")
    alice.business.kvk_number = ""
    alice.business.save()
    invoice = invoices.draft_for_phase(phase)
    with pytest.raises(RuleViolation) as refused:
        invoices.issue(invoice, actor=alice)
    assert "KvK" in str(refused.value) and "client's address" in str(refused.value)
    assert Invoice.objects.get(pk=invoice.pk).is_draft


def test_a_refused_issue_gives_its_number_back(alice):
    project, phase = billable_project(alice)
    first = invoices.draft_for_phase(phase)
    second_phase = PhaseFactory(project=project, position=2, fixed_price=Decimal("100"))
    second = invoices.draft_for_phase(second_phase)
    empty = Invoice.objects.create(owner=alice, client=project.client, project=project)
    with pytest.raises(RuleViolation):
        invoices.issue(empty, actor=alice)
    assert invoices.issue(first, actor=alice).number == "2026-0001"
    assert invoices.issue(second, actor=alice).number == "2026-0002"


LEGAL_FIELDS_NL = [
    ("supplier name", "Studio Alice"),
    ("supplier street", "Lange Nieuwstraat 2"),
    ("supplier postcode and city", "3512 PH Utrecht"),
    ("supplier KvK", "KvK-nummer: 87654321"),
    ("supplier VAT id", "btw-id: NL001234567B29"),
    ("customer name", "Bakkerij Klein B.V."),
    ("customer street", "Oudegracht 1"),
    ("customer postcode and city", "3511 AA Utrecht"),
    ("invoice number", "Factuurnummer 2026-0001"),
    ("invoice date", "Factuurdatum 26 november 2026"),
    ("delivery date", "Leverdatum 26 november 2026"),
    ("description and quantity", "Fase 1"),
    ("amount excl. VAT per rate", "Bedrag excl. btw tegen 21% € 2.500,00"),
    ("VAT amount per rate", "Btw 21% € 525,00"),
    ("total", "Te betalen € 3.025,00"),
]


@pytest.mark.parametrize(("field", "expected"), LEGAL_FIELDS_NL, ids=[f for f, _ in LEGAL_FIELDS_NL])
def test_pdf_reads_back_every_legally_required_field(alice, field, expected):
    invoice = issued(alice, name="Bakkerij Klein B.V.")
    text = layout_text(invoice)
    assert expected in text, f"{field}: {expected!r} not in {text!r}"


def test_reverse_charge_states_btw_verlegd_and_the_clients_vat_id(alice):
    _project, phase = billable_project(alice, vat_id="BE0123456749")
    invoice = invoices.draft_for_phase(phase)
    Invoice.objects.filter(pk=invoice.pk).update(reverse_charge=True)
    invoice = invoices.issue(Invoice.objects.get(pk=invoice.pk), actor=alice)
    assert invoice.total_vat == 0 and invoice.total == Decimal("2500.00")
    text = " ".join(pdf_to_text(bytes(invoice.pdf)).split())
    assert "btw verlegd" in text.lower() and "BE0123456749" in text


def test_reverse_charge_without_the_clients_vat_id_is_refused(alice):
    _project, phase = billable_project(alice, vat_id="")
    invoice = invoices.draft_for_phase(phase)
    Invoice.objects.filter(pk=invoice.pk).update(reverse_charge=True)
    with pytest.raises(RuleViolation, match="VAT id"):
        invoices.issue(Invoice.objects.get(pk=invoice.pk), actor=alice)


def test_small_business_scheme_charges_no_vat_and_says_why(alice):
    BusinessProfileFactory(owner=alice, small_business_scheme=True, vat_id="")
    _project, phase = billable_project(alice)
    alice.business.refresh_from_db()
    alice.business.small_business_scheme = True
    alice.business.save()
    invoice = invoices.issue(invoices.draft_for_phase(phase), actor=alice)
    assert invoice.total_vat == 0
    assert "kleineondernemersregeling" in " ".join(pdf_to_text(bytes(invoice.pdf)).split()).lower()


def test_english_client_gets_an_english_invoice(alice):
    invoice = issued(alice, language="en")
    text = layout_text(invoice)
    assert "Invoice number 2026-0001" in text and "VAT 21% €525.00" in text
    assert (
        OutgoingEmail.objects.get(kind="invoice").attachments.get(content_type="application/pdf").filename
        == "invoice-2026-0001.pdf"
    )


# -- payments and credit notes -------------------------------------------------------------


def test_partial_then_full_payment(alice):
    invoice = issued(alice)
    payments.record_payment(invoice, amount=Decimal("1000.00"), paid_on=TODAY, actor=alice)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PARTLY_PAID and payments.outstanding(invoice) == Decimal("2025.00")
    with pytest.raises(RuleViolation, match="more than is still open"):
        payments.record_payment(invoice, amount=Decimal("2025.01"), paid_on=TODAY, actor=alice)
    payments.record_payment(invoice, amount=Decimal("2025.00"), paid_on=TODAY, actor=alice)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_on) == (Invoice.Status.PAID, TODAY)


@pytest.mark.parametrize(
    ("amount", "paid_on", "message"),
    [
        (Decimal("0"), TODAY, "more than zero"),
        (Decimal("-5"), TODAY, "more than zero"),
        (Decimal("5"), date(2026, 11, 27), "future"),
        (Decimal("5"), date(2026, 11, 1), "before the invoice date"),
    ],
)
def test_bad_payments_are_refused(alice, amount, paid_on, message):
    invoice = issued(alice)
    with pytest.raises(RuleViolation, match=message):
        payments.record_payment(invoice, amount=amount, paid_on=paid_on, actor=alice)
    assert not invoice.payments.exists()


def test_deleting_a_mistaken_payment_reopens_the_invoice(alice):
    invoice = issued(alice)
    payment = payments.record_payment(invoice, amount=invoice.total, paid_on=TODAY, actor=alice)
    payments.delete_payment(payment)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.SENT and invoice.paid_on is None


def test_a_credit_note_corrects_a_sent_invoice(alice):
    invoice = issued(alice)
    note = invoices.credit_note_for(invoice, actor=alice)
    assert note.is_draft and note.credits == invoice
    note = invoices.issue(note, actor=alice)
    assert note.number == "2026-0002" and note.total == Decimal("-3025.00")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.CREDITED and payments.outstanding(invoice) == 0
    text = " ".join(pdf_to_text(bytes(note.pdf)).split())
    assert "Creditnota 2026-0002" in text and "2026-0001" in text
    with pytest.raises(RuleViolation):
        invoices.credit_note_for(invoice, actor=alice)


def test_a_partial_credit_note_leaves_the_rest_open(alice):
    invoice = issued(alice)
    note = invoices.credit_note_for(invoice, actor=alice)
    line = note.lines.get()
    line.unit_price = Decimal("1000.00")
    line.save()
    invoices.issue(note, actor=alice)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.SENT and payments.outstanding(invoice) == Decimal("1815.00")


# -- profitability -------------------------------------------------------------------------


def test_profitability_counts_absorbed_hours_apart_and_warns_below_the_floor(alice, django_assert_num_queries):
    project, phase = billable_project(alice)
    alice.business.floor_rate = Decimal("75.00")
    alice.business.save()
    invoices.issue(invoices.draft_for_phase(phase), actor=alice)
    for _ in range(3):
        time_entries.record_time(project, actor=alice, day=TODAY, hours=Decimal("8"), phase=phase)
    wish = ChangeRequest.objects.create(project=project, title="Oops", classification="own_misjudgement")
    time_entries.record_time(project, actor=alice, day=TODAY, hours=Decimal("16"), change_request=wish)
    with django_assert_num_queries(4):
        result = profitability.profitability(project)
    assert result.invoiced == Decimal("2500.00") and result.outstanding == Decimal("3025.00")
    assert (result.absorbed_hours, result.other_hours, result.total_hours) == (16, 24, 40)
    assert result.hours_by_role["developer"]["absorbed"] == 16
    assert result.effective_rate == Decimal("62.50")  # 2500 / 40
    assert result.below_floor
    assert result.margin == Decimal("-500.00")  # 2500 - 40 × 75


def test_no_pastime_warning_before_anything_is_invoiced(alice):
    project, phase = billable_project(alice)
    alice.business.floor_rate = Decimal("75.00")
    alice.business.save()
    time_entries.record_time(project, actor=alice, day=TODAY, hours=Decimal("8"), phase=phase)
    result = profitability.profitability(project)
    assert result.effective_rate == 0 and not result.below_floor
    Project.objects.filter(pk=project.pk).update(status=Project.Status.STOPPED, stopped_reason="Client left")
    project.refresh_from_db()
    assert profitability.profitability(project).below_floor
