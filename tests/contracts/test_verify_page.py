"""Is this invoice genuine? /v/<public id>/: five facts of a sent invoice, to anyone with the
address, and nothing else; drafts and unknown ids are 404, and guessing ids is limited."""

from __future__ import annotations

import contextlib
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisDown

from contracts import invoices
from contracts.models import Invoice, InvoiceEvent
from projects.models import Client
from tests.factories import billable_project

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 26, 10, 0)), tick=False):
        yield


def _forget_failed_lookups() -> None:
    with contextlib.suppress(RedisDown):
        redis = cache._cache.get_client(write=True)
        for key in redis.scan_iter(match=cache.make_key("links:fail") + "*"):
            redis.delete(key)


@pytest.fixture(autouse=True)
def _no_inherited_rate_limit():
    """The unknown-id counter is the client links' one, in Redis: no test inherits a count."""
    _forget_failed_lookups()
    yield
    _forget_failed_lookups()


def sent_invoice(owner) -> Invoice:
    project, phase = billable_project(
        owner,
        name="Bakkerij Geheim B.V.",
        street_address="Verborgenstraat 99",
        postcode="9999 ZZ",
        city="Zwolle",
    )
    Client.objects.filter(pk=project.client_id).update(kvk_number="11223344")
    project.name = "Project Kroonjuweel"
    project.save(update_fields=["name"])
    draft = invoices.draft_for_phase(phase)
    draft.lines.update(description="Secret redesign of the shop")
    Invoice.objects.filter(pk=draft.pk).update(note="Purchase order PO-SECRET-77", language="en")
    return invoices.issue(Invoice.objects.get(pk=draft.pk), actor=owner)


def verify_url(public_id: str) -> str:
    return reverse("contracts:invoice_verify", args=[public_id])


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_anyone_with_the_address_sees_the_five_facts_without_logging_in(alice):
    invoice = sent_invoice(alice)
    response = Browser().get(verify_url(invoice.public_id), **EN)
    assert response.status_code == 200
    text = text_of(response)
    assert "Is this invoice genuine?" in text
    assert "Studio Alice" in text
    assert "2026-0001" in text
    assert "26 November 2026" in text
    assert "€3,025.00" in text
    assert "NL91 ABNA 0417 1643 00" in text
    assert "If the IBAN on your invoice differs from the one above, do not pay" in text


def test_it_shows_nothing_else(alice):
    invoice = sent_invoice(alice)
    page = Browser().get(verify_url(invoice.public_id), **EN).content.decode()
    for secret in (
        "Bakkerij Geheim",  # the client
        "Verborgenstraat",  # the client's address
        "Zwolle",
        "11223344",  # the client's KvK number
        "NL123456789B13",  # the client's VAT id
        "Secret redesign",  # a line
        "PO-SECRET-77",  # the note
        "Kroonjuweel",  # the project
        "Lange Nieuwstraat",  # the seller's address
        "3512 PH",
        "87654321",  # the seller's KvK number
        "NL001234567B29",  # the seller's VAT id
        "alice@example.nl",  # the seller's email
        "bea@client.example",  # the client's contact
        "Bea Budget",
        "2.500",  # the amount excluding VAT
        "2,500",
        "525",  # the VAT
    ):
        assert secret not in page, secret


def test_the_page_is_in_the_invoices_language_unless_the_visitor_chose_another(alice, settings):
    invoice = sent_invoice(alice)  # an English invoice; the site's default is Dutch
    assert settings.LANGUAGE_CODE == "nl" and invoice.language == "en"
    browser = Browser()
    page = browser.get(verify_url(invoice.public_id)).content.decode()
    assert '<html lang="en">' in page  # (the switch's buttons carry lang="nl" and lang="en" anyway)
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    assert '<html lang="nl">' in browser.get(verify_url(invoice.public_id)).content.decode()


def test_a_credit_note_is_genuine_too_and_asks_no_payment(alice):
    invoice = sent_invoice(alice)
    note = invoices.issue(invoices.credit_note_for(invoice, actor=alice), actor=alice)
    response = Browser().get(verify_url(note.public_id), **EN)
    assert response.status_code == 200
    text = text_of(response)
    assert "Credit note number" in text and "2026-0002" in text and "3,025.00" in text
    assert "asks for no payment" in text and "NL91" not in text


def test_a_draft_has_no_page(alice):
    _project, phase = billable_project(alice)
    draft = invoices.draft_for_phase(phase)
    Invoice.objects.filter(pk=draft.pk).update(public_id="A" * 22)  # even if it somehow had an id
    response = Browser().get(verify_url("A" * 22), **EN)
    assert response.status_code == 404
    assert "Studio Alice" not in response.content.decode()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda real: real[:-1] + ("A" if real[-1] != "A" else "B"),  # one character changed
        lambda real: real[:-1],  # one character short
        lambda real: real + "x",
        lambda real: real.lower() if real.lower() != real else real.upper(),
        lambda real: real[:10],
        lambda real: "%2e%2e",
        lambda real: "x" * 500,
        lambda real: real + "%00",
        lambda real: "' OR 1=1 --",
    ],
)
def test_unknown_and_tampered_ids_are_404(alice, tamper):
    invoice = sent_invoice(alice)
    response = Browser().get(f"/v/{tamper(invoice.public_id)}/", **EN)
    assert response.status_code == 404
    page = response.content.decode()
    assert "Studio Alice" not in page and "NL91" not in page
    assert "We know no invoice at this address" in page


def test_guessing_ids_is_limited_and_the_real_address_still_answers(alice, settings):
    invoice = sent_invoice(alice)
    guesser = Browser(REMOTE_ADDR="203.0.113.50")
    statuses = [
        guesser.get(verify_url(f"guess{n:04d}{'q' * 20}"), **EN).status_code
        for n in range(settings.CLIENT_LINK_FAILURES_PER_IP + 3)
    ]
    assert statuses.count(404) == settings.CLIENT_LINK_FAILURES_PER_IP
    assert statuses[-3:] == [429, 429, 429]
    assert guesser.get(verify_url(invoice.public_id), **EN).status_code == 200  # a real id is never refused


def test_it_is_read_only_and_not_for_search_engines_or_referrers(alice):
    invoice = sent_invoice(alice)
    browser = Browser()
    events = InvoiceEvent.objects.count()
    response = browser.get(verify_url(invoice.public_id), **EN)
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()
    assert response["Referrer-Policy"] == "same-origin"  # see contracts/public/verify.py for why not no-referrer
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert browser.head(verify_url(invoice.public_id)).status_code == 200
    for method in ("post", "put", "delete", "patch"):
        assert getattr(browser, method)(verify_url(invoice.public_id)).status_code == 405
    assert InvoiceEvent.objects.count() == events
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.SENT


def test_the_id_has_at_least_128_bits(alice):
    invoice = sent_invoice(alice)
    _project, phase = billable_project(alice)
    other = invoices.issue(invoices.draft_for_phase(phase), actor=alice)
    for public_id in (invoice.public_id, other.public_id):
        assert re.fullmatch(r"[A-Za-z0-9_-]{22,}", public_id)  # 22 url-safe characters: 132 bits, 128 random
    assert invoice.public_id != other.public_id
    assert invoice.total == other.total == Decimal("3025.00")
