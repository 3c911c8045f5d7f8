"""Bank statements in, through the upload page: CAMT.053 and MT940 files made for the tests from
the published message structures (tests/banking/files), matched to alice's open invoices.

Alice has three sent invoices (2026-11-02): 2026-0001 for 1,210.00 (RF3120260001), 2026-0002
for 2,420.00 (RF0420260002) and 2026-0003 for 605.00 (RF7420260003). Today is 2026-11-26.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from contracts.banking.models import BankImport, BankTransaction
from contracts.models import BusinessProfile, Invoice, InvoiceEvent, Payment
from tests.banking.helpers import BOB_IBAN, sent_invoices, statement_file

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
        sent = sent_invoices(alice, [Decimal("1000.00"), Decimal("2000.00"), Decimal("500.00")])
    assert [i.number for i in sent] == ["2026-0001", "2026-0002", "2026-0003"]
    assert [i.total for i in sent] == [Decimal("1210.00"), Decimal("2420.00"), Decimal("605.00")]
    return sent


def upload(client, name: str, data: bytes | None = None):
    content = statement_file(name) if data is None else data
    return client.post(reverse("banking:upload"), {"file": SimpleUploadedFile(name, content)})


def nothing_recorded() -> None:
    assert not BankImport.objects.exists()
    assert not BankTransaction.objects.exists()
    assert not Payment.objects.exists()
    assert not InvoiceEvent.objects.filter(kind=InvoiceEvent.Kind.PAYMENT_RECORDED).exists()


def statuses(owner) -> dict[str, str]:
    return dict(BankTransaction.objects.filter(owner=owner).values_list("reference", "status"))


def refresh(invoices):
    for invoice in invoices:
        invoice.refresh_from_db()
    return [i.status for i in invoices]


# -- matching ----------------------------------------------------------------------------------


def test_a_camt053_file_records_the_exact_and_the_partial_payment_and_leaves_the_rest(alice_client, alice, invoices):
    response = upload(alice_client, "camt053-alice-2026-11.xml")
    bank_import = BankImport.objects.get(owner=alice)
    assert response.status_code == 302
    assert response["Location"] == reverse("banking:import_detail", args=[bank_import.pk])
    assert statuses(alice) == {
        "ABN-20261110-000000001": S.MATCHED,  # RF3120260001, 1,210.00: all of 2026-0001
        "ABN-20261112-000000002": S.PARTLY_MATCHED,  # "factuur 2026-0002", 1,000.00 of 2,420.00
        "ABN-20261115-000000003": S.UNMATCHED,  # names no invoice
        "ABN-20261118-000000004": S.OUTGOING,  # money out that names 2026-0003: never matched
        "ABN-20261125-000000005": S.UNMATCHED,  # 700.00 on 2026-0003, where 605.00 is open
    }
    assert refresh(invoices) == [Invoice.Status.PAID, Invoice.Status.PARTLY_PAID, Invoice.Status.SENT]
    assert invoices[0].paid_on.isoformat() == "2026-11-10"
    paid = {p.invoice.number: (p.amount, p.paid_on.isoformat()) for p in Payment.objects.select_related("invoice")}
    assert paid == {"2026-0001": (Decimal("1210.00"), "2026-11-10"), "2026-0002": (Decimal("1000.00"), "2026-11-12")}
    # Through the payment workflow: each payment has its event in the invoice's history.
    assert InvoiceEvent.objects.filter(kind=InvoiceEvent.Kind.PAYMENT_RECORDED).count() == 2
    line = BankTransaction.objects.get(reference="ABN-20261110-000000001")
    assert line.payment.invoice == invoices[0] and line.invoice == invoices[0]
    assert (bank_import.format, bank_import.account_iban, bank_import.line_count) == ("camt.053", alice_iban(), 5)
    assert (bank_import.matched_count, bank_import.partly_count, bank_import.unmatched_count) == (1, 1, 2)
    assert str(bank_import.period_start) == "2026-11-01" and str(bank_import.period_end) == "2026-11-25"
    assert len(bank_import.sha256) == 64

    page = alice_client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "Hotel Zeezicht B.V." in text and "2026-0001" in text and "Bakkerij Kruimel" in text


def alice_iban() -> str:
    return "NL91ABNA0417164300"


def test_an_mt940_file_is_matched_the_same_way(alice_client, alice, invoices):
    response = upload(alice_client, "mt940-alice-2026-11.sta")
    assert response.status_code == 302
    assert statuses(alice) == {
        "26111000000101": S.MATCHED,  # /REMI/USTD//Factuur 2026-0001/, 1,210.00
        "26111200000102": S.PARTLY_MATCHED,  # /REMI/STRD/CUR/RF0420260002/, 500.00
        "26111800000103": S.OUTGOING,
        "26112000000104": S.UNMATCHED,
    }
    assert refresh(invoices) == [Invoice.Status.PAID, Invoice.Status.PARTLY_PAID, Invoice.Status.SENT]
    assert invoices[1].outstanding() == Decimal("1920.00")
    line = BankTransaction.objects.get(reference="26111200000102")
    assert (line.counterparty_name, line.counterparty_iban) == ("Fietsenmakerij De Spaak", "NL18INGB0006461234")
    assert BankImport.objects.get().format == "mt940"


def test_an_rf_reference_written_in_groups_in_the_description_is_found(alice, invoices):
    from contracts.banking import imports
    from tests.banking.helpers import camt053

    data = camt053(
        alice_iban(),
        [
            {
                "ref": "G-1",
                "credit": True,
                "day": timezone.localdate(),
                "amount": Decimal("605.00"),
                "text": "rf74 2026 0003",
            }
        ],
        start=timezone.localdate(),
        end=timezone.localdate(),
    )
    imports.import_statement(alice, data=data, file_name="g.xml")
    assert statuses(alice) == {"G-1": S.MATCHED}
    assert refresh(invoices)[2] == Invoice.Status.PAID


def test_a_line_naming_two_open_invoices_is_left_for_matching_by_hand(alice, invoices):
    from contracts.banking import imports
    from tests.banking.helpers import camt053

    today = timezone.localdate()
    entry = {"ref": "TWO", "credit": True, "day": today, "amount": Decimal("605.00"), "text": "2026-0002 en 2026-0003"}
    imports.import_statement(alice, data=camt053(alice_iban(), [entry], start=today, end=today), file_name="two.xml")
    line = BankTransaction.objects.get()
    assert line.status == S.UNMATCHED and line.payment is None
    assert not Payment.objects.exists()


# -- the same file twice, refused files ------------------------------------------------------------


def test_the_same_file_twice_records_nothing_new(alice_client, alice, invoices):
    assert upload(alice_client, "camt053-alice-2026-11.xml").status_code == 302
    before = (BankImport.objects.count(), BankTransaction.objects.count(), Payment.objects.count())
    response = upload(alice_client, "camt053-alice-2026-11.xml")
    assert response.status_code == 422
    assert "were imported before: nothing new was recorded" in response.content.decode()
    assert (BankImport.objects.count(), BankTransaction.objects.count(), Payment.objects.count()) == before == (1, 5, 2)
    assert refresh(invoices) == [Invoice.Status.PAID, Invoice.Status.PARTLY_PAID, Invoice.Status.SENT]


def test_a_later_statement_that_overlaps_records_only_its_new_lines(alice, invoices):
    from contracts.banking import imports
    from tests.banking.helpers import camt053

    today = timezone.localdate()
    first = {"ref": "OV-1", "credit": True, "day": today, "amount": Decimal("1210.00"), "rf": "RF3120260001"}
    second = {"ref": "OV-2", "credit": True, "day": today, "amount": Decimal("605.00"), "text": "Factuur 2026-0003"}
    imports.import_statement(alice, data=camt053(alice_iban(), [first], start=today, end=today), file_name="a.xml")
    later = imports.import_statement(
        alice, data=camt053(alice_iban(), [first, second], start=today, end=today), file_name="b.xml"
    )
    assert (later.line_count, later.new_count, later.duplicate_count, later.matched_count) == (2, 1, 1, 1)
    assert Payment.objects.count() == 2
    assert refresh(invoices) == [Invoice.Status.PAID, Invoice.Status.SENT, Invoice.Status.PAID]


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("camt053-cut-off.xml", "the XML is broken"),
        ("camt053-balance-off.xml", "do not add up to its closing balance"),
    ],
)
def test_a_malformed_file_is_refused_and_nothing_is_recorded(alice_client, invoices, name, says):
    response = upload(alice_client, name)
    assert response.status_code == 422
    text = response.content.decode()
    assert says in text and "Nothing was imported" in text
    nothing_recorded()


@pytest.mark.parametrize(
    "data",
    [b"", b"Datum,Bedrag\n2026-11-10,12.00\n", b"<html><body>not a statement</body></html>", b"\x00\xff" * 500],
    ids=["empty", "csv", "html", "binary"],
)
def test_files_that_are_no_statement_are_refused_without_a_500(alice_client, invoices, data):
    response = upload(alice_client, "statement.xml", data)
    assert response.status_code == 422
    nothing_recorded()


def test_a_failure_half_way_rolls_back_the_payments_already_recorded(alice_client, invoices, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(BankTransaction.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        upload(alice_client, "camt053-alice-2026-11.xml")
    nothing_recorded()
    assert refresh(invoices) == [Invoice.Status.SENT] * 3


def test_a_file_of_another_account_is_refused(alice_client, invoices):
    response = upload(alice_client, "camt053-other-account.xml")
    assert response.status_code == 422
    text = response.content.decode()
    assert BOB_IBAN in text and "NL91 ABNA 0417 1643 00" in text and "Nothing was imported" in text
    nothing_recorded()


def test_without_an_iban_in_the_business_settings_nothing_is_imported(alice_client, invoices):
    BusinessProfile.objects.update(iban="")
    response = upload(alice_client, "camt053-alice-2026-11.xml")
    assert response.status_code == 422
    assert "Enter your IBAN in your business settings first" in response.content.decode()
    nothing_recorded()


@pytest.mark.parametrize("name", ["camt053-billion-laughs.xml", "camt053-external-entity.xml"])
def test_xml_entity_attacks_are_refused(alice_client, invoices, name):
    response = upload(alice_client, name)
    assert response.status_code == 422
    text = response.content.decode()
    assert "a DTD or entities" in text
    assert "lollol" not in text and "root:" not in text
    nothing_recorded()


def test_a_file_over_the_size_limit_is_refused(alice_client, invoices, monkeypatch):
    from contracts.banking import forms

    monkeypatch.setattr(forms, "MAX_FILE_BYTES", 1000)
    response = upload(alice_client, "camt053-alice-2026-11.xml")
    assert response.status_code == 422
    assert "is larger than" in response.content.decode()
    nothing_recorded()


def test_a_stored_line_keeps_what_the_bank_booked(alice, invoices):
    from contracts.banking import imports
    from freelance.lib.rules import RuleViolation

    imports.import_statement(alice, data=statement_file("camt053-alice-2026-11.xml"), file_name="n.xml")
    line = BankTransaction.objects.get(reference="ABN-20261115-000000003")
    line.amount = Decimal("1.00")
    with pytest.raises(RuleViolation):
        line.save()
