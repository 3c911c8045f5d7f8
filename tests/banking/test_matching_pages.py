"""The import page and the unmatched lines: matching by hand and ignoring, owner-scoped and
safe to click twice, with a fixed number of queries however many lines there are."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contracts.banking import imports
from contracts.banking.models import BankImport, BankTransaction
from contracts.models import BusinessProfile, Invoice, Payment
from tests.banking.helpers import ALICE_IBAN, BOB_IBAN, camt053, sent_invoices, statement_file
from tests.factories import BusinessProfileFactory

pytestmark = pytest.mark.django_db
S = BankTransaction.Status


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the messages are checked in English


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 26, 10, 0)), tick=False):
        yield


@pytest.fixture
def invoices(alice):
    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 2, 10, 0)), tick=False):
        return sent_invoices(alice, [Decimal("1000.00"), Decimal("2000.00"), Decimal("500.00")])


@pytest.fixture
def imported(alice, invoices) -> BankImport:
    return imports.import_statement(alice, data=statement_file("camt053-alice-2026-11.xml"), file_name="nov.xml")


@pytest.fixture
def bob_client(client, bob):
    BusinessProfileFactory(owner=bob, business_name="Bob Bouwt", iban=BOB_IBAN)
    client.force_login(bob)
    return client


def line(reference: str) -> BankTransaction:
    return BankTransaction.objects.get(reference=reference)


GIFT = "ABN-20261115-000000003"  # 99.99, names no invoice
TOO_MUCH = "ABN-20261125-000000005"  # 700.00 naming 2026-0003 (605.00 open)
OUT = "ABN-20261118-000000004"  # money out


def test_the_unmatched_page_lists_money_in_left_over_with_the_open_invoices(alice_client, imported):
    response = alice_client.get(reverse("banking:unmatched"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "J. Jansen" in text and "Bakkerij Kruimel" in text
    assert "Hosting Noord" not in text  # money out is never offered for matching
    assert "Hotel Zeezicht" not in text  # matched
    assert "2026-0002: " in text and "2026-0003: " in text and "2026-0001: " not in text  # open invoices only


def test_matching_by_hand_records_the_payment_and_a_double_post_records_it_once(alice_client, imported, invoices):
    gift = line(GIFT)
    data = {"line": gift.pk, "invoice": invoices[2].pk}
    first = alice_client.post(reverse("banking:match"), data)
    second = alice_client.post(reverse("banking:match"), data, follow=True)
    assert first.status_code == 302 and second.status_code == 200
    assert "already partly matched" in second.content.decode()
    gift.refresh_from_db()
    assert gift.status == S.PARTLY_MATCHED and gift.invoice == invoices[2] and gift.decided_by is not None
    assert Payment.objects.filter(invoice=invoices[2]).count() == 1
    assert gift.payment.amount == Decimal("99.99") and gift.payment.paid_on.isoformat() == "2026-11-15"
    invoices[2].refresh_from_db()
    assert invoices[2].status == Invoice.Status.PARTLY_PAID


def test_matching_more_than_is_open_is_refused_and_the_line_stays_unmatched(alice_client, imported, invoices):
    response = alice_client.post(
        reverse("banking:match"), {"line": line(TOO_MUCH).pk, "invoice": invoices[2].pk}, follow=True
    )
    assert "more than is still open" in response.content.decode()
    assert line(TOO_MUCH).status == S.UNMATCHED and line(TOO_MUCH).decided_by is None
    assert not Payment.objects.filter(invoice=invoices[2]).exists()


def test_matching_the_exact_amount_marks_the_line_matched_and_the_invoice_paid(alice, alice_client, invoices):
    today = timezone.localdate()
    entry = {"ref": "HAND-1", "credit": True, "day": today, "amount": Decimal("605.00"), "text": "Bakkerij"}
    imports.import_statement(alice, data=camt053(ALICE_IBAN, [entry], start=today, end=today), file_name="h.xml")
    page = alice_client.get(reverse("banking:unmatched")).content.decode()
    # The invoice with the same amount open is chosen for the freelancer.
    assert f'<option value="{invoices[2].pk}" selected>' in page
    alice_client.post(reverse("banking:match"), {"line": line("HAND-1").pk, "invoice": invoices[2].pk})
    assert line("HAND-1").status == S.MATCHED
    invoices[2].refresh_from_db()
    assert invoices[2].status == Invoice.Status.PAID


def test_ignoring_a_line_takes_it_off_the_list_once(alice_client, imported):
    gift = line(GIFT)
    alice_client.post(reverse("banking:ignore"), {"line": gift.pk})
    second = alice_client.post(reverse("banking:ignore"), {"line": gift.pk}, follow=True)
    assert "already ignored" in second.content.decode()
    assert line(GIFT).status == S.IGNORED
    assert "J. Jansen" not in alice_client.get(reverse("banking:unmatched")).content.decode()
    # Ignored, it cannot be matched any more.
    alice_client.post(reverse("banking:match"), {"line": gift.pk, "invoice": Invoice.objects.first().pk})
    assert line(GIFT).status == S.IGNORED and not Payment.objects.filter(amount=Decimal("99.99")).exists()


def test_money_out_and_matched_lines_cannot_be_matched_by_hand(alice_client, imported, invoices):
    response = alice_client.post(
        reverse("banking:match"), {"line": line(OUT).pk, "invoice": invoices[1].pk}, follow=True
    )
    assert "Money out is not matched" in response.content.decode()
    matched = line("ABN-20261110-000000001")
    alice_client.post(reverse("banking:match"), {"line": matched.pk, "invoice": invoices[1].pk})
    assert Payment.objects.filter(invoice=invoices[1]).count() == 1  # only the import's partial payment


@pytest.mark.parametrize(
    "data",
    [{}, {"line": "abc"}, {"line": "-1"}, {"line": "99999999"}, {"line": "1 OR 1=1"}, {"line": "<script>"}],
)
def test_tampered_line_ids_are_404(alice_client, imported, data):
    assert alice_client.post(reverse("banking:match"), {**data, "invoice": "1"}).status_code == 404
    assert alice_client.post(reverse("banking:ignore"), data).status_code == 404


def test_a_missing_or_unpayable_invoice_is_a_message_not_a_500(alice_client, alice, imported, invoices):
    gift = line(GIFT)
    response = alice_client.post(reverse("banking:match"), {"line": gift.pk, "invoice": ""}, follow=True)
    assert "Choose the invoice" in response.content.decode()
    assert alice_client.post(reverse("banking:match"), {"line": gift.pk, "invoice": "x"}).status_code == 404
    paid = invoices[0]  # paid in full by the import
    response = alice_client.post(reverse("banking:match"), {"line": gift.pk, "invoice": paid.pk}, follow=True)
    assert response.status_code == 200
    assert line(GIFT).status == S.UNMATCHED


# -- isolation -----------------------------------------------------------------------------------


def test_bob_cannot_see_or_decide_alices_imports_and_lines(bob_client, imported, invoices):
    assert bob_client.get(reverse("banking:import_detail", args=[imported.pk])).status_code == 404
    gift = line(GIFT)
    assert bob_client.post(reverse("banking:match"), {"line": gift.pk, "invoice": invoices[2].pk}).status_code == 404
    assert bob_client.post(reverse("banking:ignore"), {"line": gift.pk}).status_code == 404
    assert line(GIFT).status == S.UNMATCHED
    for url in (reverse("banking:upload"), reverse("banking:unmatched")):
        text = bob_client.get(url).content.decode()
        assert "nov.xml" not in text and "J. Jansen" not in text and "2026-000" not in text


def test_bob_cannot_match_his_line_to_alices_invoice(bob_client, bob, invoices):
    today = timezone.localdate()
    entry = {"ref": "BOB-1", "credit": True, "day": today, "amount": Decimal("605.00"), "text": "x"}
    imports.import_statement(bob, data=camt053(BOB_IBAN, [entry], start=today, end=today), file_name="bob.xml")
    response = bob_client.post(reverse("banking:match"), {"line": line("BOB-1").pk, "invoice": invoices[2].pk})
    assert response.status_code == 404
    assert not Payment.objects.exists()


def test_a_statement_naming_alices_invoices_never_pays_them_when_bob_imports_it(bob_client, bob, invoices):
    # Bob's account, the same lines: RF3120260001 and "factuur 2026-0002" name alice's invoices.
    response = bob_client.post(
        reverse("banking:upload"),
        {"file": SimpleUploadedFile("bob.xml", statement_file("camt053-other-account.xml"))},
    )
    assert response.status_code == 302
    assert set(BankTransaction.objects.filter(owner=bob).values_list("status", flat=True)) == {S.UNMATCHED, S.OUTGOING}
    assert not Payment.objects.exists()
    for invoice in invoices:
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.SENT
    # The same references in alice's account are hers to import: the unique key is per owner.
    assert BusinessProfile.objects.get(owner=bob).iban == BOB_IBAN


# -- query counts --------------------------------------------------------------------------------


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def more_lines(owner, count: int, start: int) -> BankImport:
    today = timezone.localdate()
    entries = [
        {
            "ref": f"MORE-{start + i}",
            "credit": i % 3 != 0,
            "day": today - timedelta(days=i % 20),
            "amount": Decimal(5 + i),
            "text": f"regel {i}",
        }
        for i in range(count)
    ]
    return imports.import_statement(
        owner, data=camt053(ALICE_IBAN, entries, start=today - timedelta(days=30), end=today), file_name=f"{start}.xml"
    )


def test_the_list_pages_run_a_fixed_number_of_queries(alice_client, alice, imported, invoices):
    urls = [
        reverse("banking:upload"),
        reverse("banking:unmatched"),
        reverse("banking:import_detail", args=[imported.pk]),
    ]
    small = [queries(alice_client, url) for url in urls]
    more_lines(alice, 40, 0)
    more_lines(alice, 40, 100)
    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 2, 11, 0)), tick=False):
        sent_invoices(alice, [Decimal("10.00"), Decimal("20.00")])
    big = more_lines(alice, 60, 200)
    urls[2] = reverse("banking:import_detail", args=[big.pk])
    assert [queries(alice_client, url) for url in urls] == small
