"""The invoice's words and numbers, read back from the real PDF, in the invoice's own language.

Every invoice here is drafted from logged hours and issued through ``contracts.invoices``; the
PDF is read back with ``pdftotext``. The Dutch invoice must read Dutch (``5,50 uur``, ``×1,5``),
the English one English (``5.50 hours``, ``×1.5``), whatever language the freelancer works in.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import override

from contracts import invoices, time_entries
from contracts.models import HourlyRate, Invoice, InvoiceLine, SurchargeRule
from freelance.lib.formats import number_in
from projects.models import Phase
from tests.factories import PhaseFactory, billable_project
from tests.helpers import pdf_to_text

pytestmark = pytest.mark.django_db

# 5 January 2026: the hours of the last weeks of December 2025 are invoiced.
NOW = timezone.make_aware(timezone.datetime(2026, 1, 5, 10, 0))


@pytest.fixture(autouse=True)
def _now():
    # The freelancer works in English; the documents follow the client's language regardless.
    with time_machine.travel(NOW, tick=False), override("en"):
        yield


def time_invoice(owner, language: str, *, reverse_charge: bool = False, small_business_scheme: bool = False):
    """A draft for hours at €90: Christmas Eve (one day, ×2), a Saturday (×1.5), and two plain days."""
    project, _fixed = billable_project(owner, language=language, vat_id="BE0123456749")
    if small_business_scheme:
        owner.business.small_business_scheme = True
        owner.business.save()
    HourlyRate.objects.create(owner=owner, valid_from=date(2025, 1, 1), amount=Decimal("90.00"))
    eve = {"nl": "Kerstavond", "en": "Christmas Eve"}[language]
    SurchargeRule.objects.create(
        owner=owner, name=eve, applies_to="named_day", month=12, day=24, multiplier=Decimal("2.00")
    )
    SurchargeRule.objects.create(owner=owner, name="Weekend", applies_to="weekend", multiplier=Decimal("1.50"))
    phase = PhaseFactory(project=project, position=2, pricing=Phase.Pricing.TIME, fixed_price=None)
    for day, hours in [
        (date(2025, 12, 24), "5"),  # Wednesday, Christmas Eve: €180 an hour
        (date(2025, 12, 20), "1.25"),  # Saturday: €135 an hour
        (date(2025, 12, 22), "3"),
        (date(2025, 12, 23), "2.5"),
    ]:
        time_entries.record_time(project, actor=owner, day=day, hours=Decimal(hours), phase=phase)
    invoice = invoices.draft_for_phase(phase)
    Invoice.objects.filter(pk=invoice.pk).update(reverse_charge=reverse_charge)
    return Invoice.objects.get(pk=invoice.pk)


def issued(owner, language: str, **kwargs) -> Invoice:
    return invoices.issue(time_invoice(owner, language, **kwargs), actor=owner)


def credited(owner, language: str) -> Invoice:
    note = invoices.credit_note_for(issued(owner, language), actor=owner)
    return invoices.issue(note, actor=owner)


def flat(invoice: Invoice) -> str:
    """The PDF's words in reading order, whitespace collapsed (descriptions wrap in their cell)."""
    return " ".join(pdf_to_text(bytes(invoice.pdf)).split())


def layout(invoice: Invoice) -> list[str]:
    """The PDF's visual lines, runs of spaces collapsed: a table row is one line."""
    return [" ".join(line.split()) for line in pdf_to_text(bytes(invoice.pdf), layout=True).splitlines()]


def row(lines: list[str], start: str) -> str:
    found = [line for line in lines if line.startswith(start)]
    assert len(found) == 1, f"one line starting {start!r} expected in {lines!r}"
    return found[0]


# -- the parties ---------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "seller", "buyer"), [("nl", "VAN", "AAN"), ("en", "FROM", "TO")])
def test_the_parties_are_headed_from_and_to_in_the_invoices_language(alice, language, seller, buyer):
    # Needs the translation of "From"/"To" in context "invoice party" (nl: "Van"/"Aan");
    # the heading is set in capitals by CSS, which pdftotext reads back.
    lines = layout(issued(alice, language))
    assert row(lines, f"{seller} ").split() == [seller, buyer]
    assert "VANAF" not in " ".join(lines)


# -- lines: days and multipliers -----------------------------------------------------------


LINES = {
    "nl": [
        "Ontwikkelaar, 24-12-2025 (Kerstavond, ×2)",
        "Ontwikkelaar, 20-12-2025 (Weekend, ×1,5)",
        "Ontwikkelaar, 22-12-2025 tot en met 23-12-2025",
    ],
    "en": [
        "Developer, 24-12-2025 (Christmas Eve, ×2)",
        "Developer, 20-12-2025 (Weekend, ×1.5)",
        "Developer, 22-12-2025 to 23-12-2025",
    ],
}


@pytest.mark.parametrize("language", ["nl", "en"])
def test_time_lines_name_a_single_day_once_and_write_the_multiplier_as_the_language_does(alice, language):
    invoice = issued(alice, language)
    assert [line.description for line in invoice.lines.order_by("position")] == LINES[language]
    text = flat(invoice)
    for description in LINES[language]:
        assert description in text
    assert "×2.00" not in text and "×1.50" not in text and "×2,00" not in text
    assert not re.search(r"24-12-2025 (to|tot en met) 24-12-2025", text)


@pytest.mark.parametrize(
    ("language", "rows"),
    [
        (
            "nl",
            [
                "(Kerstavond, ×2) 5 uur € 180,00 21% € 900,00",
                "(Weekend, ×1,5) 1,25 uur € 135,00 21% € 168,75",
                "Ontwikkelaar, 22-12-2025 tot en met 23-12-2025 5,50 uur € 90,00 21% € 495,00",
            ],
        ),
        (
            "en",
            [
                "(Christmas Eve, ×2) 5 hours €180.00 21% €900.00",
                "(Weekend, ×1.5) 1.25 hours €135.00 21% €168.75",
                "Developer, 22-12-2025 to 23-12-2025 5.50 hours €90.00 21% €495.00",
            ],
        ),
    ],
)
def test_quantities_and_prices_use_the_invoices_decimal_comma_or_point(alice, language, rows):
    text = " ".join(layout(issued(alice, language)))
    for expected in rows:
        assert expected in text, f"{expected!r} not in {text!r}"


@pytest.mark.parametrize(("language", "quantity"), [("nl", "1.250,50 uur"), ("en", "1,250.50 hours")])
def test_a_large_quantity_is_grouped_the_way_the_language_groups_it(alice, language, quantity):
    invoice = time_invoice(alice, language)
    unit = {"nl": "uur", "en": "hours"}[language]
    InvoiceLine.objects.create(
        invoice=invoice,
        position=9,
        description="Support",
        quantity=Decimal("1250.50"),
        unit=unit,
        unit_price=Decimal("1.00"),
        vat_percent=Decimal("21"),
    )
    assert quantity in " ".join(layout(invoices.issue(invoice, actor=alice)))


# -- VAT: normal, reverse charge, small-business scheme -----------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "nl",
            [
                "Bedrag excl. btw tegen 21% € 1.563,75",
                "Btw 21% € 328,39",
                "Totaal btw € 328,39",
                "Te betalen € 1.892,14",
            ],
        ),
        ("en", ["Amount excl. VAT at 21% €1,563.75", "VAT 21% €328.39", "Total VAT €328.39", "Total to pay €1,892.14"]),
    ],
)
def test_a_normal_invoice_states_the_rate_per_line_and_the_vat_per_rate(alice, language, expected):
    invoice = issued(alice, language)
    assert invoice.total == Decimal("1892.14")
    lines = layout(invoice)
    for text in expected:
        assert text in lines, f"{text!r} not in {lines!r}"
    specification = [line for line in lines if re.search(r" (uur|hours) ", line)]
    assert len(specification) == 3 and all(" 21% " in line for line in specification)


@pytest.mark.parametrize(
    ("language", "scheme", "word", "notice"),
    [
        ("nl", "reverse_charge", "verlegd", "Btw verlegd. Btw-id van de afnemer: BE0123456749."),
        (
            "en",
            "reverse_charge",
            "reverse-charged",
            "VAT reverse-charged (btw verlegd). Customer's VAT id: BE0123456749.",
        ),
        ("nl", "small_business_scheme", "vrijgesteld", "kleineondernemersregeling (KOR, art. 25 Wet OB)"),
        (
            "en",
            "small_business_scheme",
            "exempt",
            "Exempt from VAT under the small-business scheme (KOR, art. 25 Wet OB).",
        ),
    ],
)
def test_an_invoice_without_vat_shows_no_rate_and_no_zero_vat(alice, language, scheme, word, notice):
    # The Dutch words need the translations of "reverse-charged" / "exempt" in context "VAT column".
    invoice = issued(alice, language, **{scheme: True})
    assert (invoice.total_excl, invoice.total_vat, invoice.total) == (
        Decimal("1563.75"),
        Decimal("0.00"),
        Decimal("1563.75"),
    )
    lines = layout(invoice)
    text = " ".join(lines)
    assert "%" not in text, "no VAT rate on an invoice that charges no VAT"
    assert not re.search(r"€\s?-?0[.,]00", text), "no VAT amount of zero"
    specification = [line for line in lines if re.search(r" (uur|hours) ", line)]
    assert len(specification) == 3 and all(f" {word} €" in line for line in specification), specification
    total_excl, vat, to_pay = {
        "nl": ("Totaal excl. btw € 1.563,75", f"Btw {word}", "Te betalen € 1.563,75"),
        "en": ("Total excl. VAT €1,563.75", f"VAT {word}", "Total to pay €1,563.75"),
    }[language]
    assert [total_excl, vat, to_pay] == [line for line in lines if line in (total_excl, vat, to_pay)]
    assert notice in " ".join(text.split())


# -- credit notes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "total", "date_label", "never"),
    [
        ("nl", "Totaal creditnota € -1.892,14", "Datum creditnota 5 januari 2026", ["Te betalen", "Graag ontvang"]),
        ("en", "Credit note total €-1,892.14", "Credit note date 5 January 2026", ["to pay", "Please pay"]),
    ],
)
def test_a_credit_note_totals_what_is_credited_and_never_asks_for_payment(alice, language, total, date_label, never):
    # The Dutch words need the translations of "Credit note total" and "Credit note date".
    note = credited(alice, language)
    assert note.total == Decimal("-1892.14")
    lines = layout(note)
    assert total in lines and date_label in lines, lines
    text = " ".join(lines)
    for words in never:
        assert words not in text
    assert "Factuurdatum" not in text and "Invoice date" not in text


# -- no English in a Dutch invoice, no Dutch in an English one -----------------------------

ENGLISH = ["hours", "to", "Developer", "Invoice", "VAT", "Total", "Please", "Page", "Credit", "From", "exempt"]
DUTCH = [
    "uur",
    "tot en met",
    "Ontwikkelaar",
    "Factuur",
    "btw",
    "Totaal",
    "Graag",
    "Pagina",
    "Vanaf",
    "Te betalen",
    "vrijgesteld",
]


@pytest.mark.parametrize("kind", ["invoice", "reverse_charge", "small_business_scheme", "credit_note"])
@pytest.mark.parametrize(("language", "foreign"), [("nl", ENGLISH), ("en", DUTCH)])
def test_no_words_of_the_other_language_leak_into_the_invoice(alice, kind, language, foreign):
    if kind == "credit_note":
        invoice = credited(alice, language)
    elif kind == "invoice":
        invoice = issued(alice, language)
    else:
        invoice = issued(alice, language, **{kind: True})
    # The notice quotes the Dutch legal terms on purpose: "btw verlegd", "KOR, art. 25 Wet OB".
    text = flat(invoice).replace("(btw verlegd)", "")
    leaked = {
        word: found.group() for word in foreign if (found := re.search(rf".{{0,30}}\b{word}\b.{{0,30}}", text, re.I))
    }
    assert not leaked, f"{leaked} in {text!r}"


# -- the number helper, and numbers in other documents -------------------------------------


@pytest.mark.parametrize(
    ("value", "language", "places", "expected"),
    [
        ("2.00", "nl", None, "2"),
        ("1.50", "nl", None, "1,5"),
        ("1.50", "en", None, "1.5"),
        ("1.25", "nl", None, "1,25"),
        ("100", "nl", None, "100"),
        ("1250.5", "nl", None, "1.250,5"),
        ("1250.5", "en", None, "1,250.5"),
        ("5", "nl", 2, "5,00"),
        ("5", "en", 2, "5.00"),
    ],
)
def test_number_in_writes_a_number_as_the_language_does(value, language, places, expected):
    assert number_in(Decimal(value), language, places) == expected


@pytest.mark.parametrize("template", ["change_decision_client-body.txt", "change_decision_freelancer-body.txt"])
@pytest.mark.parametrize(("language", "hours"), [("nl", "(5 u)"), ("en", "(5 h)")])
def test_the_swap_decision_mail_writes_the_swapped_hours_in_its_language(template, language, hours):
    # The evidence keeps the hours as stored text ("5.00"); the mail shows them as its reader writes them.
    evidence = SimpleNamespace(
        pk=None,  # not in the evidence chain
        decision="swap",
        contact_name="Bea",
        snapshot_sha256="ab" * 32,
        decided_at=NOW,
        swapped_items=[{"id": 1, "title": "Search page", "hours": "5.00"}],
        get_decision_display="swap",
    )
    context = {
        "evidence": evidence,
        "wish": {"title": "Newsletter"},
        "project": {"name": "Webshop"},
        "freelancer": "Alice",
    }
    with override(language):
        body = render_to_string(f"emails/{template}", context)
    assert f"- Search page {hours}" in body
    assert "5.00" not in body
