"""The freelancer's invoices through the UI: the list, a draft's lines and details, sending,
PDFs, payments, credit notes, drafting from unbilled work, and pausing a client's reminders."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contracts import invoices, payments, time_entries
from contracts.models import BusinessProfile, HourlyRate, Invoice, InvoiceLine, Payment, TimeEntry
from freelance.outbox.models import OutgoingEmail
from freelance.reminders.models import Reminder
from projects.models import Client
from tests.factories import ClientFactory, ProjectFactory, billable_project

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {"HTTP_HX_REQUEST": "true", **EN}
SCRIPT = "<script>alert(1)</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
HUGE = "x" * 100_000


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 26, 10, 0)), tick=False):
        yield


def body(response) -> str:
    return response.content.decode()


def count_queries(client, address) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200
    return len(queries)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def draft(owner, **client_fields) -> Invoice:
    _project, phase = billable_project(owner, **client_fields)
    return invoices.draft_for_phase(phase)


def sent(owner, *, on: date = TODAY, **client_fields) -> Invoice:
    return invoices.issue(draft(owner, **client_fields), actor=owner, today=on)


def url(name: str, *args) -> str:
    return reverse(f"contracts:{name}", args=args)


def line_data(**overrides) -> dict:
    data = {
        "description": "Extra landing page",
        "quantity": "3",
        "unit": "hours",
        "unit_price": "95.00",
        "vat_percent": "21",
    }
    data.update(overrides)
    return data


def payment_data(**overrides) -> dict:
    data = {"amount": "1000.00", "paid_on": "2026-11-26", "reference": "ING 123"}
    data.update(overrides)
    return data


def reminder(invoice: Invoice, stage: int, email=None) -> Reminder:
    return Reminder.objects.create(
        owner=invoice.owner,
        kind=Reminder.Kind.PAYMENT,
        object_id=invoice.pk,
        stage=stage,
        due_on=TODAY,
        claim=uuid.uuid4(),
        email=email,
    )


# -- access ----------------------------------------------------------------------------------


@pytest.fixture
def alices_things(alice):
    """A draft with a line, and a sent invoice with a payment: every kind of object a URL names."""
    open_draft = draft(alice)
    invoice = sent(alice)
    payment = payments.record_payment(invoice, amount=Decimal("100"), paid_on=TODAY, actor=alice)
    return {
        "draft": open_draft,
        "line": open_draft.lines.get(),
        "sent": invoice,
        "payment": payment,
        "project": open_draft.project,
        "client": open_draft.client,
    }


def object_urls(t: dict) -> list[tuple[str, str]]:
    d, s = t["draft"], t["sent"]
    return [
        ("get", url("invoice_detail", d.pk)),
        ("get", url("invoice_detail", s.pk)),
        ("get", url("invoice_pdf", s.pk)),
        ("get", url("invoice_preview_pdf", d.pk)),
        ("get", url("invoice_line_edit", d.pk, t["line"].pk)),
        ("post", url("invoice_line_edit", d.pk, t["line"].pk)),
        ("post", url("invoice_line_add", d.pk)),
        ("post", url("invoice_line_delete", d.pk, t["line"].pk)),
        ("post", url("invoice_update", d.pk)),
        ("post", url("invoice_send", d.pk)),
        ("get", url("invoice_delete", d.pk)),
        ("post", url("invoice_delete", d.pk)),
        ("post", url("invoice_payment_add", s.pk)),
        ("get", url("invoice_payment_delete", s.pk, t["payment"].pk)),
        ("post", url("invoice_payment_delete", s.pk, t["payment"].pk)),
        ("post", url("invoice_credit_note", s.pk)),
        ("post", url("invoice_draft_unbilled", t["project"].pk)),
        ("post", url("client_reminders_pause", t["client"].pk)),
        ("post", url("client_reminders_resume", t["client"].pk)),
    ]


def test_every_page_and_action_needs_a_login(client, alices_things):
    for method, address in [*object_urls(alices_things), ("get", url("invoice_list"))]:
        response = getattr(client, method)(address)
        assert response.status_code == 302, address
        assert response["Location"].startswith(reverse("login")), address


def test_bob_gets_404_on_every_one_of_alices_objects(client, bob, alices_things):
    client.force_login(bob)
    data = {**line_data(), **payment_data(), "reason": "Payment plan", "payment_term_days": "14"}
    for method, address in object_urls(alices_things):
        response = getattr(client, method)(address, data) if method == "post" else client.get(address)
        assert response.status_code == 404, f"{method} {address}"
    # Nothing of Alice's changed.
    t = alices_things
    assert Invoice.objects.get(pk=t["draft"].pk).is_draft
    assert t["draft"].lines.get().description == t["line"].description
    assert Payment.objects.filter(pk=t["payment"].pk).exists()
    assert not Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).exists()
    assert Client.objects.get(pk=t["client"].pk).reminders_paused_reason == ""


def test_bob_does_not_see_alices_invoices_in_his_list(client, bob, alices_things):
    client.force_login(bob)
    page = body(client.get(url("invoice_list"), **EN))
    assert "No invoices yet" in page
    assert alices_things["sent"].number not in page


def test_a_tampered_line_or_payment_pk_of_another_invoice_is_404(alice_client, alice, alices_things):
    other_draft = draft(alice)
    line = alices_things["line"]
    assert alice_client.post(url("invoice_line_edit", other_draft.pk, line.pk), line_data()).status_code == 404
    assert alice_client.post(url("invoice_line_delete", other_draft.pk, line.pk)).status_code == 404
    other_sent = sent(alice)
    payment = alices_things["payment"]
    assert alice_client.post(url("invoice_payment_delete", other_sent.pk, payment.pk)).status_code == 404
    assert alice_client.get(url("invoice_detail", 999_999)).status_code == 404
    assert InvoiceLine.objects.get(pk=line.pk).description == line.description
    assert Payment.objects.filter(pk=payment.pk).exists()


# -- the list --------------------------------------------------------------------------------


def test_the_list_shows_amounts_status_and_totals(alice_client, alice):
    overdue = sent(alice, on=TODAY - timedelta(days=40), name="Late Payer B.V.")  # due 10 days ago
    payments.record_payment(overdue, amount=Decimal("25.00"), paid_on=TODAY, actor=alice)
    current = sent(alice, name="Prompt B.V.")
    paid = sent(alice, name="Paid B.V.")
    payments.record_payment(paid, amount=paid.total, paid_on=TODAY, actor=alice)
    open_draft = draft(alice, name="Drafty B.V.")
    page = body(alice_client.get(url("invoice_list"), **EN))

    row = page[page.index("Late Payer B.V.") : page.index("</tr>", page.index("Late Payer B.V."))]
    assert "Overdue, 10 days" in row
    assert "€3,000.00" in row  # outstanding: 3,025.00 - 25.00
    assert "€3,025.00" in row  # total
    assert "Paid" in page[page.index("Paid B.V.") : page.index("</tr>", page.index("Paid B.V."))]
    assert "not sent" in page[page.index("Drafty B.V.") :]
    # Open: 3,000 + 3,025; overdue: 3,000.
    assert "€6,025.00" in page
    assert "2 invoices not paid yet" in page
    assert "1 invoice past its due date" in page
    for invoice in (overdue, current, paid):
        assert f">{invoice.number}</a>" in page
    assert url("invoice_detail", open_draft.pk) in page


def test_newest_first_drafts_on_top(alice_client, alice):
    older = sent(alice, on=TODAY - timedelta(days=5), name="Older B.V.")
    newer = sent(alice, name="Newer B.V.")
    draft(alice, name="Drafty B.V.")
    page = body(alice_client.get(url("invoice_list"), **EN))
    assert page.index("Drafty B.V.") < page.index(newer.client.name) < page.index(older.client.name)


@pytest.mark.parametrize(
    ("status", "shown", "hidden"),
    [
        ("draft", ["Drafty"], ["Late", "Prompt", "Settled"]),
        ("open", ["Late", "Prompt"], ["Drafty", "Settled"]),
        ("overdue", ["Late"], ["Drafty", "Prompt", "Settled"]),
        ("paid", ["Settled"], ["Drafty", "Late", "Prompt"]),
        ("", ["Drafty", "Late", "Prompt", "Settled"], []),
        ("nonsense", ["Drafty", "Late", "Prompt", "Settled"], []),
    ],
)
def test_the_list_filters_by_status(alice_client, alice, status, shown, hidden):
    draft(alice, name="Drafty")
    sent(alice, on=TODAY - timedelta(days=31), name="Late")
    sent(alice, name="Prompt")
    settled = sent(alice, name="Settled")
    payments.record_payment(settled, amount=settled.total, paid_on=TODAY, actor=alice)
    response = alice_client.get(url("invoice_list"), {"status": status}, **EN)
    assert response.status_code == 200
    names = [row.invoice.client.name for row in response.context["rows"]]
    assert sorted(names) == sorted(shown)
    assert not set(hidden) & set(names)


def test_credit_notes_are_listed_and_reduce_the_outstanding_amount(alice_client, alice):
    invoice = sent(alice, name="Credited B.V.")
    note = invoices.credit_note_for(invoice, actor=alice)
    note.lines.update(quantity=Decimal("-0.2"))  # credit 500.00 excl., 605.00 incl.
    invoices.issue(note, actor=alice)
    response = alice_client.get(url("invoice_list"), **EN)
    rows = {row.invoice.pk: row for row in response.context["rows"]}
    assert rows[invoice.pk].outstanding == Decimal("2420.00")
    assert rows[note.pk].title.startswith("Credit note")
    assert payments.outstanding(invoice) == rows[invoice.pk].outstanding
    assert response.context["open_total"] == Decimal("2420.00")


def test_the_list_shows_the_highest_reminder_stage_in_the_clients_words(alice_client, alice):
    business = sent(alice, on=TODAY - timedelta(days=60), name="Zakelijk B.V.")
    reminder(business, 1)
    reminder(business, 2)
    consumer = sent(alice, on=TODAY - timedelta(days=60), name="Particulier", kind="consumer")
    reminder(consumer, 1)
    quiet = sent(alice, name="Quiet B.V.")
    response = alice_client.get(url("invoice_list"), **EN)
    labels = {row.invoice.pk: row.stage_label for row in response.context["rows"]}
    assert labels == {business.pk: "Firm reminder", consumer.pk: "14-day letter", quiet.pk: ""}
    assert "Sent: Firm reminder" in body(response)


def test_bobs_reminders_never_label_alices_invoice(alice_client, alice, bob):
    invoice = sent(alice)
    Reminder.objects.create(owner=bob, kind="payment", object_id=invoice.pk, stage=3, due_on=TODAY, claim=uuid.uuid4())
    response = alice_client.get(url("invoice_list"), **EN)
    assert response.context["rows"][0].stage_label == ""


def make_invoices(owner, count: int) -> None:
    """Invoices in every state, written directly: sent ones with payments, credit notes and reminders."""
    project, _phase = billable_project(owner)
    for n in range(count):
        kind = n % 4
        invoice = Invoice.objects.create(
            owner=owner,
            client=project.client,
            project=project,
            status=Invoice.Status.DRAFT if kind == 0 else Invoice.Status.SENT,
            number="" if kind == 0 else f"2026-{n + 1:04d}",
            issue_date=None if kind == 0 else TODAY - timedelta(days=n),
            due_date=None if kind == 0 else TODAY - timedelta(days=n - 10),
            total=Decimal("1210.00"),
        )
        if kind >= 2:
            Payment.objects.create(invoice=invoice, amount=Decimal("10.00"), paid_on=TODAY)
            reminder(invoice, 1)
        if kind == 3:
            Invoice.objects.create(
                owner=owner,
                client=project.client,
                kind=Invoice.Kind.CREDIT_NOTE,
                credits=invoice,
                status=Invoice.Status.SENT,
                number=f"2026-9{n:03d}",
                issue_date=TODAY,
                total=Decimal("-100.00"),
            )


# The user (the session comes from Redis), the summary (tab counts and totals), the page count,
# the page, its reminders, and the projects ready to invoice.
LIST_QUERIES = 6


def test_the_list_takes_the_same_number_of_queries_for_1_or_30_invoices(client, alice, bob, django_assert_num_queries):
    make_invoices(alice, 1)
    make_invoices(bob, 30)
    for user, rows in ((alice, 1), (bob, 37)):  # Bob: 30 invoices and 7 credit notes
        client.force_login(user)
        with django_assert_num_queries(LIST_QUERIES):
            response = client.get(url("invoice_list"))
        assert len(response.context["rows"]) == rows
    with django_assert_num_queries(LIST_QUERIES):
        client.get(url("invoice_list"), {"status": "overdue"})


# -- a draft ----------------------------------------------------------------------------------


def test_a_draft_shows_its_lines_totals_per_rate_and_who_gets_it(alice_client, alice):
    invoice = draft(alice)
    InvoiceLine.objects.create(
        invoice=invoice, position=2, description="Printed manual", quantity=2, unit_price=Decimal("50"), vat_percent=9
    )
    response = alice_client.get(url("invoice_detail", invoice.pk), **EN)
    page = body(response)
    assert response.status_code == 200
    assert "Draft invoice" in page
    assert "Amount excl. VAT at 21%" in page and "Amount excl. VAT at 9%" in page
    assert "€525.00" in page  # VAT 21% on 2,500
    assert "€9.00" in page  # VAT 9% on 100
    assert "€3,134.00" in page  # 2,600 + 534
    assert "bea@client.example" in page
    assert "Studio Alice" in page and invoice.client.name in page
    assert "Before you can send it" not in page


def test_missing_legal_details_are_listed_with_links_to_fix_them(alice_client, alice):
    invoice = draft(alice)
    BusinessProfile.objects.filter(owner=alice).update(kvk_number="")
    Client.objects.filter(pk=invoice.client_id).update(street_address="")
    page = body(alice_client.get(url("invoice_detail", invoice.pk), **EN))
    assert "Before you can send it" in page
    assert "your KvK number (business profile)" in page
    assert "the client&#x27;s address" in page
    assert reverse("contracts:business_settings") + "?next=" + url("invoice_detail", invoice.pk) in page
    assert reverse("projects:client_update", args=[invoice.client_id]) in page


def test_adding_a_line_with_htmx_rerenders_the_main_section(alice_client, alice):
    invoice = draft(alice)
    response = alice_client.post(url("invoice_line_add", invoice.pk), line_data(), **HTMX)
    assert response.status_code == 200
    assert "<html" not in body(response) and 'id="invoice-main"' in body(response)
    line = invoice.lines.get(description="Extra landing page")
    assert (line.quantity, line.unit, line.unit_price, line.vat_percent, line.position) == (3, "hours", 95, 21, 2)
    assert "€3,369.85" in body(response)  # (2,500 + 285) × 1.21
    assert "Added the line" in body(response)


def test_adding_a_line_without_javascript_redirects_back(alice_client, alice):
    invoice = draft(alice)
    response = alice_client.post(url("invoice_line_add", invoice.pk), line_data(vat_percent="0"), **EN)
    assert response.status_code == 302
    assert response["Location"] == url("invoice_detail", invoice.pk) + "#lines"
    assert invoice.lines.get(description="Extra landing page").vat_percent == 0


def test_editing_a_line_shows_its_form_then_saves(alice_client, alice):
    invoice = draft(alice)
    line = invoice.lines.get()
    page = body(alice_client.get(url("invoice_line_edit", invoice.pk, line.pk), **HTMX))
    assert f'id="line-{line.pk}-description"' in page
    assert '<option value="21" selected>' in page  # the stored 21.0 is selected
    response = alice_client.post(
        url("invoice_line_edit", invoice.pk, line.pk),
        line_data(description="Phase 1, revised", quantity="1", unit_price="2000", vat_percent="9"),
        **HTMX,
    )
    assert response.status_code == 200
    line.refresh_from_db()
    assert (line.description, line.unit_price, line.vat_percent) == ("Phase 1, revised", 2000, 9)


def test_removing_a_line(alice_client, alice):
    invoice = draft(alice)
    line = invoice.lines.get()
    response = alice_client.post(url("invoice_line_delete", invoice.pk, line.pk), **HTMX)
    assert response.status_code == 200
    assert not invoice.lines.exists()
    assert "No lines yet" in body(response)


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("description", HUGE, "Ensure this value has at most 500 characters"),
        ("description", "", "This field is required"),
        ("quantity", "lots", "Enter a number"),
        ("unit_price", "99999999999", "Ensure that there are no more than"),
        ("unit_price", "1e400", "Ensure that there are no more than"),
        ("unit_price", "NaN", "Enter a number"),
        ("quantity", "-Infinity", "Enter a number"),
        ("vat_percent", "15", "Select a valid choice"),
        ("unit", "u" * 21, "at most 20 characters"),
    ],
)
def test_a_bad_line_is_refused_with_what_was_typed_kept(alice_client, alice, field, value, error):
    invoice = draft(alice)
    response = alice_client.post(url("invoice_line_add", invoice.pk), line_data(**{field: value}), **EN)
    assert response.status_code == 422
    assert error in body(response)
    assert invoice.lines.count() == 1
    if field != "description":
        assert 'value="Extra landing page"' in body(response)


def test_a_bad_edit_keeps_the_line_in_edit_mode(alice_client, alice):
    invoice = draft(alice)
    line = invoice.lines.get()
    response = alice_client.post(
        url("invoice_line_edit", invoice.pk, line.pk), line_data(quantity="three", description="Typed"), **HTMX
    )
    assert response.status_code == 422
    assert 'value="three"' in body(response) and 'value="Typed"' in body(response)
    line.refresh_from_db()
    assert line.description != "Typed"


def test_html_in_a_description_and_note_is_escaped(alice_client, alice):
    invoice = draft(alice)
    alice_client.post(url("invoice_line_add", invoice.pk), line_data(description=SCRIPT), **EN)
    alice_client.post(
        url("invoice_update", invoice.pk), {"payment_term_days": "30", "note": f"PO {SCRIPT}\nline 2"}, **EN
    )
    page = body(alice_client.get(url("invoice_detail", invoice.pk), **EN))
    assert SCRIPT not in page
    assert page.count(ESCAPED_SCRIPT) >= 2
    assert f"PO {ESCAPED_SCRIPT}<br>line 2" in page


def test_saving_the_drafts_details(alice_client, alice):
    invoice = draft(alice)
    data = {"payment_term_days": "14", "delivery_date": "2026-11-20", "reverse_charge": "on", "note": "PO 42"}
    response = alice_client.post(url("invoice_update", invoice.pk), data, **HTMX)
    assert response.status_code == 200
    invoice.refresh_from_db()
    assert (invoice.payment_term_days, invoice.delivery_date, invoice.reverse_charge, invoice.note) == (
        14,
        date(2026, 11, 20),
        True,
        "PO 42",
    )
    assert "VAT reverse-charged" in body(response)
    assert "€2,500.00</strong>" in body(response)  # no VAT charged


@pytest.mark.parametrize(
    ("field", "value"),
    [("note", HUGE), ("payment_term_days", "0"), ("payment_term_days", "400"), ("delivery_date", "26-13-2026")],
)
def test_bad_draft_details_are_refused_with_what_was_typed_kept(alice_client, alice, field, value):
    invoice = draft(alice)
    data = {"payment_term_days": "21", "note": "Keep me", "delivery_date": "", field: value}
    response = alice_client.post(url("invoice_update", invoice.pk), data, **EN)
    assert response.status_code == 422
    assert 'aria-invalid="true"' in body(response)
    if field != "note":
        assert "Keep me" in body(response)
    invoice.refresh_from_db()
    assert (invoice.payment_term_days, invoice.note) == (30, "")


def test_preview_pdf_renders_the_draft_inline(alice_client, alice):
    invoice = draft(alice)
    response = alice_client.get(url("invoice_preview_pdf", invoice.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="factuur-concept.pdf"'
    assert response.content.startswith(b"%PDF")
    invoice.refresh_from_db()
    assert invoice.is_draft and invoice.seller == {} and invoice.pdf is None  # only rendered, never stored


# -- sending ----------------------------------------------------------------------------------


def test_sending_numbers_freezes_and_emails(alice_client, alice):
    invoice = draft(alice)
    response = alice_client.post(url("invoice_send", invoice.pk), **EN, follow=True)
    assert response.status_code == 200
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number) == (Invoice.Status.SENT, "2026-0001")
    assert messages_of(response) == ["Invoice 2026-0001 is sent to bea@client.example."]
    email = OutgoingEmail.objects.get(kind="invoice")
    assert invoice.email == email
    assert reverse("outbox:detail", args=[email.pk]) in body(response)


def test_a_double_submit_of_send_sends_once(alice_client, alice):
    invoice = draft(alice)
    first = alice_client.post(url("invoice_send", invoice.pk), **HTMX)
    second = alice_client.post(url("invoice_send", invoice.pk), **HTMX)
    assert first.status_code == second.status_code == 200
    assert OutgoingEmail.objects.filter(kind="invoice").count() == 1
    assert Invoice.objects.get(pk=invoice.pk).number == "2026-0001"
    assert "Invoice 2026-0001 was already sent." in body(second)


def test_sending_with_missing_details_says_what_and_sends_nothing(alice_client, alice):
    invoice = draft(alice)
    BusinessProfile.objects.filter(owner=alice).update(vat_id="", iban="")
    response = alice_client.post(url("invoice_send", invoice.pk), **EN)
    assert response.status_code == 422
    assert "Fill in before sending: your VAT id (business profile)." in messages_of(response)
    assert reverse("contracts:business_settings") in body(response)
    invoice.refresh_from_db()
    assert invoice.is_draft and invoice.number == ""
    assert not OutgoingEmail.objects.exists()


def test_sending_an_empty_draft_is_refused(alice_client, alice):
    invoice = draft(alice)
    invoice.lines.all().delete()
    response = alice_client.post(url("invoice_send", invoice.pk), **HTMX)
    assert response.status_code == 422
    assert "An invoice needs at least one line." in body(response)
    assert Invoice.objects.get(pk=invoice.pk).is_draft


def test_sending_to_a_client_without_email_warns(alice_client, alice):
    invoice = draft(alice)
    invoice.client.contacts.update(email="")
    response = alice_client.post(url("invoice_send", invoice.pk), **EN, follow=True)
    assert "not emailed" in messages_of(response)[0]
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.SENT


def test_deleting_a_draft_asks_first_then_frees_its_hours(alice_client, alice):
    project, _phase = billable_project(alice)
    HourlyRate.objects.create(owner=alice, valid_from=date(2026, 1, 1), amount=Decimal("90"))
    entry = time_entries.record_time(project, actor=alice, day=TODAY, hours=Decimal("2"))
    invoice = invoices.draft_for_unbilled(project)
    assert TimeEntry.objects.get(pk=entry.pk).invoice_line is not None
    confirm = alice_client.get(url("invoice_delete", invoice.pk), **EN)
    assert confirm.status_code == 200 and "Delete this draft?" in body(confirm)
    response = alice_client.post(url("invoice_delete", invoice.pk), **EN)
    assert response.status_code == 302 and response["Location"] == url("invoice_list")
    assert not Invoice.objects.filter(pk=invoice.pk).exists()
    assert TimeEntry.objects.get(pk=entry.pk).invoice_line is None


def test_deleting_with_htmx_redirects_the_browser(alice_client, alice):
    invoice = draft(alice)
    response = alice_client.post(url("invoice_delete", invoice.pk), **HTMX)
    assert response.status_code == 200 and response["HX-Redirect"] == url("invoice_list")
    assert not Invoice.objects.filter(pk=invoice.pk).exists()


# -- a sent invoice is frozen ------------------------------------------------------------------


def test_a_sent_invoices_lines_and_details_cannot_be_changed(alice_client, alice):
    invoice = sent(alice)
    line = invoice.lines.get()
    before = (line.description, line.quantity, line.unit_price)
    attempts = [
        (url("invoice_line_edit", invoice.pk, line.pk), line_data(description="Sneaky")),
        (url("invoice_line_add", invoice.pk), line_data()),
        (url("invoice_line_delete", invoice.pk, line.pk), {}),
        (url("invoice_update", invoice.pk), {"payment_term_days": "90", "note": "Sneaky"}),
    ]
    for address, data in attempts:
        response = alice_client.post(address, data, **EN)
        assert response.status_code == 422, address
        assert "A sent invoice cannot be changed. Correct it with a credit note." in messages_of(response)
    line.refresh_from_db()
    assert (line.description, line.quantity, line.unit_price) == before
    assert invoice.lines.count() == 1
    invoice.refresh_from_db()
    assert (invoice.payment_term_days, invoice.note) == (30, "")
    assert alice_client.post(url("invoice_delete", invoice.pk), **EN).status_code == 422
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_a_sent_invoice_offers_no_edit_controls(alice_client, alice):
    invoice = sent(alice)
    page = body(alice_client.get(url("invoice_detail", invoice.pk), **EN))
    assert url("invoice_line_add", invoice.pk) not in page
    assert url("invoice_send", invoice.pk) not in page
    assert url("invoice_pdf", invoice.pk) in page
    assert "Sent on 26 November 2026" in page


def test_download_serves_the_stored_pdf(alice_client, alice):
    invoice = sent(alice)
    response = alice_client.get(url("invoice_pdf", invoice.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="factuur-2026-0001.pdf"'
    assert response.content == bytes(Invoice.objects.get(pk=invoice.pk).pdf)
    assert alice_client.get(url("invoice_pdf", draft(alice).pk)).status_code == 404
    # The preview of a sent invoice is the stored PDF.
    assert alice_client.get(url("invoice_preview_pdf", invoice.pk))["Location"] == url("invoice_pdf", invoice.pk)


def test_a_repeat_download_comes_from_the_page_store_with_its_name_and_never_for_someone_else(
    alice_client, alice, bob, client
):
    invoice = sent(alice)
    first = alice_client.get(url("invoice_pdf", invoice.pk))  # no form in it: stored for any browser of hers
    with CaptureQueriesContext(connection) as queries:
        again = alice_client.get(url("invoice_pdf", invoice.pk))
    assert again.get("X-Page-Cache") == "hit" and len(queries) == 1  # the user (the session comes from Redis)
    assert again.content == first.content == bytes(Invoice.objects.get(pk=invoice.pk).pdf)
    assert again["Content-Disposition"] == 'attachment; filename="factuur-2026-0001.pdf"'
    assert again["Content-Type"] == "application/pdf" and again["Cache-Control"] == "private, no-store"
    client.force_login(bob)
    for _ in range(3):
        assert client.get(url("invoice_pdf", invoice.pk)).status_code == 404


# -- payments -----------------------------------------------------------------------------------


def test_the_payment_form_defaults_to_the_outstanding_amount_and_today(alice_client, alice):
    invoice = sent(alice)
    payments.record_payment(invoice, amount=Decimal("25"), paid_on=TODAY, actor=alice)
    page = body(alice_client.get(url("invoice_detail", invoice.pk), **EN))
    assert 'name="amount" value="3000.00"' in page
    assert 'name="paid_on" value="2026-11-26"' in page


def test_recording_payments_until_paid(alice_client, alice):
    invoice = sent(alice)
    response = alice_client.post(url("invoice_payment_add", invoice.pk), payment_data(), **HTMX)
    assert response.status_code == 200
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PARTLY_PAID
    assert "Recorded a payment of €1,000.00." in body(response)
    assert "ING 123" in body(response)
    response = alice_client.post(
        url("invoice_payment_add", invoice.pk), payment_data(amount="2025.00", reference=""), **HTMX
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_on) == (Invoice.Status.PAID, TODAY)
    assert "is paid in full" in body(response)
    assert 'name="amount"' not in body(response)  # nothing left to record


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"amount": "-50"}, "Ensure this value is greater than or equal to 0.01"),
        ({"amount": "0"}, "Ensure this value is greater than or equal to 0.01"),
        ({"amount": "veel"}, "Enter a number"),
        ({"amount": "12.345"}, "no more than 2 decimal places"),
        ({"amount": "9" * 40}, "Ensure that there are no more than"),
        ({"paid_on": "2026-11-27"}, "A payment cannot be received in the future."),
        ({"paid_on": "2999-01-01"}, "A payment cannot be received in the future."),
        ({"paid_on": "yesterday"}, "Enter a valid date"),
        ({"reference": HUGE}, "at most 200 characters"),
        ({"amount": "5000"}, "That is more than is still open (€3,025.00)."),
        ({"paid_on": "2026-11-01"}, "A payment cannot be received before the invoice date."),
    ],
)
def test_a_bad_payment_is_refused_with_what_was_typed_kept(alice_client, alice, data, error):
    invoice = sent(alice)
    typed = payment_data(**data)
    response = alice_client.post(url("invoice_payment_add", invoice.pk), typed, **EN)
    assert response.status_code == 422
    assert error in body(response)
    for name in ("amount", "paid_on"):
        assert f'name="{name}" value="{typed[name]}"' in body(response)
    assert not Payment.objects.exists()
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.SENT


def test_a_payment_on_a_draft_is_refused(alice_client, alice):
    invoice = draft(alice)
    response = alice_client.post(url("invoice_payment_add", invoice.pk), payment_data(), **EN)
    assert response.status_code == 422
    assert "Payments are recorded on sent invoices." in messages_of(response)
    assert not Payment.objects.exists()


def test_deleting_a_payment_asks_first_and_reopens_the_invoice(alice_client, alice):
    invoice = sent(alice)
    payment = payments.record_payment(invoice, amount=invoice.total, paid_on=TODAY, actor=alice)
    confirm = alice_client.get(url("invoice_payment_delete", invoice.pk, payment.pk), **EN)
    assert confirm.status_code == 200 and "Delete the payment of €3,025.00" in body(confirm)
    assert Payment.objects.filter(pk=payment.pk).exists()
    response = alice_client.post(url("invoice_payment_delete", invoice.pk, payment.pk), **EN)
    assert response.status_code == 302
    assert not Payment.objects.filter(pk=payment.pk).exists()
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.SENT


# -- credit notes --------------------------------------------------------------------------------


def test_making_a_credit_note_opens_the_new_draft_and_a_second_click_the_same_one(alice_client, alice):
    invoice = sent(alice)
    response = alice_client.post(url("invoice_credit_note", invoice.pk), **EN)
    note = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    assert response.status_code == 302 and response["Location"] == url("invoice_detail", note.pk)
    assert note.is_draft and note.credits == invoice
    again = alice_client.post(url("invoice_credit_note", invoice.pk), **EN)
    assert again["Location"] == url("invoice_detail", note.pk)
    assert Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).count() == 1
    page = body(alice_client.get(url("invoice_detail", note.pk), **EN))
    # The lines are written in the invoice's language (Dutch), whatever the freelancer's UI language.
    assert "Draft credit note" in page and "Creditering: " in page
    assert "Send credit note" in page
    assert url("invoice_detail", invoice.pk) in page


def test_a_draft_or_paid_invoice_cannot_be_credited(alice_client, alice):
    response = alice_client.post(url("invoice_credit_note", draft(alice).pk), **EN)
    assert response.status_code == 422
    assert "Only a sent invoice can be credited." in messages_of(response)
    paid = sent(alice)
    payments.record_payment(paid, amount=paid.total, paid_on=TODAY, actor=alice)
    response = alice_client.post(url("invoice_credit_note", paid.pk), **EN)
    assert "Nothing is open on this invoice any more." in messages_of(response)
    assert not Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).exists()


# -- reminders on the invoice page -----------------------------------------------------------------


def test_the_invoice_page_lists_reminders_sent_with_a_link_to_the_mail(alice_client, alice):
    invoice = sent(alice, on=TODAY - timedelta(days=50))
    mail = OutgoingEmail.objects.create(
        owner=alice, to=["bea@client.example"], language="nl", subject="Herinnering", body_text="..."
    )
    reminder(invoice, 1, email=mail)
    page = body(alice_client.get(url("invoice_detail", invoice.pk), **EN))
    assert "Overdue, 20 days" in page
    assert "Friendly reminder" in page
    assert reverse("outbox:detail", args=[mail.pk]) in page


# -- query counts on the invoice page ----------------------------------------------------------------


def test_the_draft_page_takes_the_same_queries_for_1_or_20_lines(alice_client, alice):
    small, big = draft(alice), draft(alice)
    InvoiceLine.objects.bulk_create(
        InvoiceLine(invoice=big, position=n + 2, description=f"Line {n}", quantity=1, unit_price=10, vat_percent=9)
        for n in range(19)
    )
    assert big.lines.count() == 20
    assert count_queries(alice_client, url("invoice_detail", small.pk)) == count_queries(
        alice_client, url("invoice_detail", big.pk)
    )


def test_the_sent_page_takes_the_same_queries_for_1_or_20_payments(alice_client, alice):
    small, big = sent(alice), sent(alice)
    payments.record_payment(small, amount=Decimal("10"), paid_on=TODAY, actor=alice)
    for _n in range(20):
        payments.record_payment(big, amount=Decimal("10"), paid_on=TODAY, actor=alice)
    reminder(small, 1)
    for stage in (1, 2, 3):
        reminder(big, stage)
    assert count_queries(alice_client, url("invoice_detail", small.pk)) == count_queries(
        alice_client, url("invoice_detail", big.pk)
    )


# -- drafting from a project's unbilled work --------------------------------------------------------


def test_drafting_for_unbilled_time_opens_the_new_draft(alice_client, alice):
    project, _phase = billable_project(alice)
    HourlyRate.objects.create(owner=alice, valid_from=date(2026, 1, 1), amount=Decimal("90"))
    time_entries.record_time(project, actor=alice, day=TODAY, hours=Decimal("3"))
    response = alice_client.post(url("invoice_draft_unbilled", project.pk), **EN)
    invoice = Invoice.objects.get(project=project)
    assert response.status_code == 302 and response["Location"] == url("invoice_detail", invoice.pk)
    assert invoice.lines.get().quantity == 3
    # A second click finds nothing left to bill.
    again = alice_client.post(url("invoice_draft_unbilled", project.pk), **EN, follow=True)
    assert Invoice.objects.filter(project=project).count() == 1
    assert any("Nothing to invoice for" in message for message in messages_of(again))


def test_drafting_with_nothing_to_bill_says_so_and_goes_back(alice_client, alice):
    project = ProjectFactory(owner=alice)
    response = alice_client.post(url("invoice_draft_unbilled", project.pk), {"next": "/invoices/"}, **EN)
    assert response["Location"] == "/invoices/"
    response = alice_client.post(url("invoice_draft_unbilled", project.pk), {"next": "https://evil.example/"}, **EN)
    assert response["Location"] == reverse("projects:project_detail", args=[project.pk])
    assert not Invoice.objects.exists()


def test_the_list_offers_projects_that_are_ready_to_invoice(alice_client, alice):
    project, _phase = billable_project(alice)
    ProjectFactory(owner=alice, name="Nothing to bill")
    HourlyRate.objects.create(owner=alice, valid_from=date(2026, 1, 1), amount=Decimal("90"))
    time_entries.record_time(project, actor=alice, day=TODAY, hours=Decimal("1"))
    response = alice_client.get(url("invoice_list"), **EN)
    assert [p.pk for p in response.context["ready"]] == [project.pk]
    assert url("invoice_draft_unbilled", project.pk) in body(response)


def test_the_list_shows_the_first_ten_projects_ready_to_invoice_and_says_there_are_more(alice_client, alice):
    HourlyRate.objects.create(owner=alice, valid_from=date(2026, 1, 1), amount=Decimal("90"))
    client = ClientFactory(owner=alice)
    for number in range(12):
        project = ProjectFactory(owner=alice, client=client, name=f"Project {number:02d}")
        time_entries.record_time(project, actor=alice, day=TODAY, hours=Decimal("1"))
    response = alice_client.get(url("invoice_list"), **EN)
    assert [p.name for p in response.context["ready"]] == [f"Project {n:02d}" for n in range(10)]
    assert "More projects have something to invoice; these are the first 10 by name." in body(response)


# -- pausing a client's payment reminders -----------------------------------------------------------


def test_pausing_and_resuming_a_clients_reminders(alice_client, alice):
    client = ClientFactory(owner=alice)
    response = alice_client.post(url("client_reminders_pause", client.pk), {"reason": "  Payment plan  "}, **EN)
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:client_detail", args=[client.pk]) + "#payment-reminders"
    client.refresh_from_db()
    assert client.reminders_paused_reason == "Payment plan"
    assert client.reminders_paused_at == timezone.now()
    response = alice_client.post(url("client_reminders_resume", client.pk), **HTMX)
    assert response.status_code == 200
    assert 'id="payment-reminders"' in body(response) and "<html" not in body(response)
    assert "go out again" in body(response)
    assert 'name="reason"' in body(response) and 'for="reminders-reason"' in body(response)
    client.refresh_from_db()
    assert (client.reminders_paused_reason, client.reminders_paused_at) == ("", None)


@pytest.mark.parametrize("reason", ["", "   ", HUGE])
def test_pausing_needs_a_reason(alice_client, alice, reason):
    client = ClientFactory(owner=alice)
    response = alice_client.post(url("client_reminders_pause", client.pk), {"reason": reason}, **HTMX)
    assert response.status_code == 422
    assert "Payment reminders are not paused yet: give a reason." in body(response)
    assert 'aria-invalid="true"' in body(response)
    client.refresh_from_db()
    assert client.reminders_paused_reason == "" and client.reminders_paused_at is None
    # Without JavaScript: a page of its own with the form and its error.
    page = alice_client.post(url("client_reminders_pause", client.pk), {"reason": reason}, **EN)
    assert page.status_code == 422 and "<h1>Payment reminders to" in body(page)


def test_the_reminders_include_shows_the_reason_escaped(alice_client, alice):
    client = ClientFactory(owner=alice)
    alice_client.post(url("client_reminders_pause", client.pk), {"reason": SCRIPT})
    response = alice_client.post(url("client_reminders_pause", client.pk), {"reason": SCRIPT}, **HTMX)
    assert ESCAPED_SCRIPT in body(response) and SCRIPT not in body(response)
    assert "Resume payment reminders" in body(response)


def test_an_overdue_invoice_of_a_paused_client_says_so(alice_client, alice):
    invoice = sent(alice, on=TODAY - timedelta(days=40))
    Client.objects.filter(pk=invoice.client_id).update(
        reminders_paused_reason="Payment plan", reminders_paused_at=timezone.now()
    )
    assert "Payment reminders to this client are paused: Payment plan" in body(
        alice_client.get(url("invoice_detail", invoice.pk), **EN)
    )
    assert "Reminders paused" in body(alice_client.get(url("invoice_list"), **EN))
