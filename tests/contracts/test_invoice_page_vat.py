"""The invoice page, like the PDF, names no VAT rate on invoices that charge no VAT (issue 12)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from contracts import invoices
from contracts.models import BusinessProfile, Invoice
from tests.factories import billable_project

pytestmark = pytest.mark.django_db


def _page(client, invoice: Invoice, language: str = "en") -> str:
    response = client.get(reverse("contracts:invoice_detail", args=[invoice.pk]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def _draft(owner, **flags) -> Invoice:
    _project, phase = billable_project(owner)
    invoice = invoices.draft_for_phase(phase)
    Invoice.objects.filter(pk=invoice.pk).update(**flags)
    return Invoice.objects.get(pk=invoice.pk)


@pytest.mark.parametrize(
    ("flags", "word"),
    [({"reverse_charge": True}, "reverse-charged"), ({"small_business_scheme": True}, "exempt")],
)
def test_no_rate_and_no_zero_vat_line_without_vat(alice_client, alice, flags, word):
    text = _page(alice_client, _draft(alice, **flags))
    assert f'<td class="num">{word}</td>' in text
    assert "21%" not in text.split('id="invoice-total"')[0].split("invoice-totals")[-1]
    assert "VAT 21%" not in text and "Total VAT" not in text


def test_a_normal_invoice_still_shows_its_rates(alice_client, alice):
    text = _page(alice_client, _draft(alice))
    assert '<td class="num">21%</td>' in text
    assert "VAT 21%" in text and "Total VAT" in text


def test_the_dutch_page_says_verlegd(alice_client, alice):
    BusinessProfile.objects.filter(owner=alice).update(small_business_scheme=False)
    text = _page(alice_client, _draft(alice, reverse_charge=True), "nl")
    assert '<td class="num">verlegd</td>' in text
    assert "Btw 21%" not in text
