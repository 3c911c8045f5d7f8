"""One-off invoices: "New invoice" for one of the freelancer's own clients, without a project,
walked through draft → lines → send → PDF → payment, and past its due date through the
reminders, the payment gate and the export."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from contracts import reminders
from contracts.dutch_law import ensure_known_interest_rates
from contracts.models import Invoice, StatutoryInterestRate
from freelance.outbox.models import OutgoingEmail
from freelance.reminders.models import Reminder
from projects.models import Project
from tests.factories import BusinessProfileFactory, ClientFactory, ContactFactory
from tests.helpers import pdf_to_text

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {"HTTP_HX_REQUEST": "true", **EN}
SCRIPT = "<script>alert(1)</script>"
NEW = reverse("contracts:invoice_new")


def at(day: date, hour: int = 10):
    return time_machine.travel(timezone.make_aware(datetime(day.year, day.month, day.day, hour)), tick=False)


@pytest.fixture(autouse=True)
def _today():
    with at(date(2026, 11, 26)):
        yield


def url(name: str, *args) -> str:
    return reverse(f"contracts:{name}", args=args)


def body(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def billable_client(owner, **fields):
    BusinessProfileFactory(owner=owner)
    fields = {"name": "Drukkerij Jansen B.V.", "language": "en", "payment_term_days": 14, **fields}
    client = ClientFactory(owner=owner, **fields)
    ContactFactory(client=client, name="Bea Budget", email="bea@drukkerij.example", is_budget_holder=True)
    return client


def line_data(**overrides) -> dict:
    return {
        "description": "Workshop on accessible forms",
        "quantity": "1",
        "unit": "day",
        "unit_price": "950.00",
        "vat_percent": "21",
        **overrides,
    }


# -- making the draft ------------------------------------------------------------------------------


def test_the_invoice_list_offers_a_new_invoice(alice_client):
    page = body(alice_client.get(url("invoice_list"), **EN))
    assert f'href="{NEW}"' in page and "New invoice" in page


def test_the_form_lists_only_the_freelancers_own_clients(alice, bob, alice_client):
    billable_client(alice, name="Alice's client")
    ClientFactory(owner=bob, name="Bob's secret client")
    page = body(alice_client.get(NEW, **EN))
    assert "Alice&#x27;s client" in page
    assert "Bob" not in page


def test_a_new_invoice_is_an_empty_draft_in_the_clients_language_and_term(alice, alice_client):
    client = billable_client(alice, language="en", payment_term_days=14)
    response = alice_client.post(NEW, {"client": client.pk}, **EN)
    invoice = Invoice.objects.get(owner=alice)
    assert response.status_code == 302
    assert response["Location"] == url("invoice_detail", invoice.pk) + "#add-line"
    assert (invoice.status, invoice.kind, invoice.purpose) == ("draft", "invoice", "work")
    assert (invoice.project, invoice.client, invoice.language, invoice.payment_term_days) == (None, client, "en", 14)
    assert not invoice.lines.exists()


def test_a_double_submit_makes_one_draft_and_a_filled_draft_makes_room_for_a_new_one(alice, alice_client):
    client = billable_client(alice)
    first = alice_client.post(NEW, {"client": client.pk}, **EN)
    second = alice_client.post(NEW, {"client": client.pk}, **HTMX)
    (draft,) = Invoice.objects.filter(owner=alice)
    assert first["Location"].startswith(url("invoice_detail", draft.pk))
    assert second["HX-Redirect"].startswith(url("invoice_detail", draft.pk))
    alice_client.post(url("invoice_line_add", draft.pk), line_data(), **EN)
    alice_client.post(NEW, {"client": client.pk}, **EN)
    assert Invoice.objects.filter(owner=alice).count() == 2


@pytest.mark.parametrize("value", ["", "abc", SCRIPT, "-1", "9" * 30, "1.5"])
def test_a_bad_client_is_a_form_error_never_a_500(alice, alice_client, value):
    billable_client(alice)
    response = alice_client.post(NEW, {"client": value}, **EN)
    assert response.status_code == 422
    assert response.context["form"].errors["client"]
    assert SCRIPT not in body(response)
    assert not Invoice.objects.exists()


def test_another_freelancers_client_is_refused(alice, bob, alice_client):
    billable_client(alice)
    bobs = ClientFactory(owner=bob, name="Bob's client")
    response = alice_client.post(NEW, {"client": bobs.pk}, **EN)
    assert response.status_code == 422
    assert "Choose one of your own clients." in response.context["form"].errors["client"]
    assert "Bob&#x27;s client" not in body(response)
    assert not Invoice.objects.exists()


def test_without_clients_the_page_says_to_add_one_first(alice_client):
    page = body(alice_client.get(NEW, **EN))
    assert "you have no clients yet" in page
    assert alice_client.get(NEW + "?client=" + "9" * 40, **EN).status_code == 200


def test_the_page_needs_a_login(client):
    assert client.get(NEW).status_code == 302
    assert client.post(NEW, {"client": "1"}).status_code == 302
    assert not Invoice.objects.exists()


# -- the whole way, without a project --------------------------------------------------------------


def test_a_one_off_invoice_goes_from_draft_to_paid(alice, alice_client, mailbox):
    client = billable_client(alice)
    alice_client.post(NEW, {"client": client.pk}, **EN)
    invoice = Invoice.objects.get(owner=alice)

    page = body(alice_client.get(url("invoice_detail", invoice.pk), **EN))
    assert "Draft invoice" in page and "Project:" not in page and "Deduct deposit" not in page
    added = alice_client.post(url("invoice_line_add", invoice.pk), line_data(description=f"Workshop {SCRIPT}"), **EN)
    assert added.status_code == 302
    page = body(alice_client.get(url("invoice_detail", invoice.pk), **EN))
    assert SCRIPT not in page and "Workshop &lt;script&gt;" in page
    preview = alice_client.get(url("invoice_preview_pdf", invoice.pk))
    assert preview.status_code == 200 and preview["Content-Type"] == "application/pdf"

    sent = alice_client.post(url("invoice_send", invoice.pk), **EN)
    assert sent.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number, invoice.total) == ("sent", "2026-0001", Decimal("1149.50"))
    assert invoice.due_date == date(2026, 12, 10)  # the client's 14 days
    assert invoice.delivery_date == date(2026, 11, 26)
    mail = OutgoingEmail.objects.get(kind="invoice")
    assert mail.to == ["bea@drukkerij.example"] and "2026-0001" in mail.subject

    pdf = alice_client.get(url("invoice_pdf", invoice.pk))
    assert pdf.status_code == 200
    text = pdf_to_text(b"".join(pdf.streaming_content) if pdf.streaming else pdf.content)
    assert "2026-0001" in text and "Workshop <script>alert(1)</script>" in text and "Drukkerij Jansen" in text

    rows = alice_client.get(url("invoice_list"), **EN).context["rows"]
    assert [(row.title, row.invoice.project) for row in rows] == [("2026-0001", None)]

    paid = alice_client.post(
        url("invoice_payment_add", invoice.pk), {"amount": "1149.50", "paid_on": "2026-11-26", "reference": ""}, **EN
    )
    assert paid.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_on) == ("paid", date(2026, 11, 26))


def test_an_overdue_one_off_invoice_gets_reminders_closes_the_gate_and_is_exported(alice, alice_client):
    ensure_known_interest_rates(StatutoryInterestRate)
    client = billable_client(alice)
    alice_client.post(NEW, {"client": client.pk}, **EN)
    invoice = Invoice.objects.get(owner=alice)
    alice_client.post(url("invoice_line_add", invoice.pk), line_data(), **EN)
    alice_client.post(url("invoice_send", invoice.pk), **EN)
    invoice.refresh_from_db()

    with at(date(2026, 12, 11)):  # the day after the due date
        result = reminders.sweep_payment_reminders()
        assert result.sent == 1
        assert Reminder.objects.get(object_id=invoice.pk).stage == 1
        alice_client.force_login(alice)  # a session lasts 12 hours
        page = body(alice_client.get(url("invoice_detail", invoice.pk), **EN))
        assert "Friendly reminder" in page
        gate = alice_client.post(
            reverse("projects:project_new"),
            {"client": client.pk, "name": "More work", "first_deadline": "2027-03-05", "phase1_title": "One"},
            **EN,
        )
        assert gate.status_code == 422 and "2026-0001" in body(gate)
        assert not Project.objects.exists()

    archive = zipfile.ZipFile(io.BytesIO(b"".join(alice_client.get("/accounts/records/download/").streaming_content)))
    rows = [json.loads(line) for line in archive.read("data/contracts.invoice.jsonl").splitlines()]
    assert [(row["pk"], row["fields"]["project"], row["fields"]["number"]) for row in rows] == [
        (invoice.pk, None, "2026-0001")
    ]


def test_another_freelancer_cannot_open_or_change_a_one_off_invoice(alice, bob, client):
    own = billable_client(alice)
    client.force_login(alice)
    client.post(NEW, {"client": own.pk}, **EN)
    invoice = Invoice.objects.get(owner=alice)
    client.force_login(bob)
    assert client.get(url("invoice_detail", invoice.pk)).status_code == 404
    assert client.post(url("invoice_line_add", invoice.pk), line_data()).status_code == 404
    assert client.post(NEW, {"client": own.pk}).status_code == 422
    assert Invoice.objects.count() == 1 and not Invoice.objects.get().lines.exists()
