"""Invoices made through the app's own workflow (a phase's draft, then ``invoices.issue``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from contracts import invoices
from contracts.models import BusinessProfile, Invoice, InvoiceLine
from tests.factories import billable_project

TODAY = date(2026, 11, 26)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 26, 10, 0)), tick=False):
        yield


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory):
    """Where the Schematron rules published only as .sch are compiled to XSLT, once a session."""
    return tmp_path_factory.mktemp("schematron")


def make_invoice(
    owner,
    *,
    lines=None,
    reverse_charge: bool = False,
    small_business_scheme: bool = False,
    language: str = "nl",
    **client_fields,
) -> Invoice:
    """A sent invoice: drafted for a fixed-price phase, its lines replaced by ``lines``, then issued."""
    _project, phase = billable_project(owner, language=language, **client_fields)
    if small_business_scheme:
        BusinessProfile.objects.filter(owner=owner).update(small_business_scheme=True)
    draft = invoices.draft_for_phase(phase)
    if lines is not None:
        draft.lines.all().delete()
        for position, (description, quantity, unit, price, vat) in enumerate(lines, start=1):
            InvoiceLine.objects.create(
                invoice=draft,
                position=position,
                description=description,
                quantity=Decimal(quantity),
                unit=unit,
                unit_price=Decimal(price),
                vat_percent=Decimal(vat),
            )
    draft.reverse_charge = reverse_charge
    draft.save(update_fields=["reverse_charge"])
    return invoices.issue(draft, actor=owner, today=TODAY)


MIXED_LINES = [
    ("Ontwerp webshop", "12.5", "uur", "95.00", "21"),
    ("Fotoboek drukwerk", "3", "stuks", "19.99", "9"),
    ("Hosting eerste jaar", "1", "", "240.00", "21"),
]

BELGIAN_CLIENT = {
    "name": "Chocolaterie Dupont SRL",
    "street_address": "Rue de la Loi 16",
    "postcode": "1000",
    "city": "Bruxelles",
    "country": "België",
    "kvk_number": "",
    "vat_id": "BE0403170701",
}


@pytest.fixture
def normal_invoice(alice):
    return make_invoice(alice, lines=MIXED_LINES)


@pytest.fixture
def reverse_charge_invoice(alice):
    return make_invoice(alice, reverse_charge=True, language="en", **BELGIAN_CLIENT)


@pytest.fixture
def kor_invoice(alice):
    return make_invoice(alice, small_business_scheme=True)


@pytest.fixture
def credit_note(alice):
    invoice = make_invoice(alice, lines=MIXED_LINES)
    note = invoices.credit_note_for(invoice, actor=alice)
    return invoices.issue(note, actor=alice, today=TODAY)
