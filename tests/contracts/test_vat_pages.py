"""The books pages (contracts/views/books.py) through the user's door: the VAT return's figures
with their links to the invoices behind them, the ICP listing, each freelancer's own only,
a fixed number of queries, and hostile query strings answered with a message, not a 500."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contracts.models import BusinessProfile
from tests.contracts.test_vat_return import AMERICAN, BELGIAN, DUTCH, client_of, send
from tests.factories import BusinessProfileFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
BOOKS = reverse("contracts:books")
VAT = reverse("contracts:vat_return")
BOX = reverse("contracts:vat_box")
ICP = reverse("contracts:icp")
Q3 = {"year": "2026", "period": "q3"}
D = Decimal


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 26, 10, 0)), tick=False):
        yield


@pytest.fixture
def alices_quarter(alice):
    """Alice's third quarter: 21% and 9% work, a Belgian client under reverse charge, an
    American client, and a credit note in the fourth quarter."""
    BusinessProfileFactory(owner=alice)
    dutch, belgian = client_of(alice, DUTCH), client_of(alice, BELGIAN)
    made = {
        "mixed": send(alice, dutch, date(2026, 7, 14), [("10", "95.00", "21"), ("1", "40.00", "9")]),
        "belgian": send(alice, belgian, date(2026, 8, 20), [("4", "120.00", "21")], reverse_charge=True),
        "american": send(alice, client_of(alice, AMERICAN), date(2026, 9, 1), [("1", "80.00", "0")]),
    }
    made["credit"] = send(alice, dutch, date(2026, 10, 5), [("-1", "95.00", "21")], credits=made["mixed"])
    return made


def page(client, url, params=None):
    response = client.get(url, params or {}, **EN)
    return response, response.content.decode()


def test_the_books_index_links_both_pages(alice_client):
    response, text = page(alice_client, BOOKS)
    assert response.status_code == 200
    assert f'href="{VAT}?year=2026&amp;period=q4"' in text
    assert f'href="{ICP}?year=2026&amp;period=q4"' in text


def test_the_vat_return_shows_each_box_in_whole_euros_with_links(alice_client, alices_quarter):
    response, text = page(alice_client, VAT, Q3)
    assert response.status_code == 200
    rows = {row.figure.box: row for row in response.context["rows"]}
    assert (rows["1a"].turnover, rows["1a"].vat) == ("950", "199")  # VAT 199.50, rounded down
    assert (rows["1b"].turnover, rows["1b"].vat) == ("40", "3")  # VAT 3.60
    assert rows["1e"].turnover == "80"
    assert rows["3b"].turnover == "480"
    assert response.context["vat_due"] == "202"
    assert '<strong class="return-figure">199</strong>' in text
    assert "5b" in text and "Not in Mijlpaal" in text
    for box in ("1a", "1b", "1e", "3b"):
        assert f"{BOX}?year=2026&amp;period=q3&amp;box={box}" in text
    # The credit note is dated in Q4: it lowers Q4, not Q3.
    q4 = alice_client.get(VAT, {"year": "2026", "period": "q4"}, **EN).context["rows"]
    assert (q4[0].turnover, q4[0].vat) == ("-95", "-20")  # VAT -19.95, rounded down: one euro more back


def test_the_figures_download_as_csv(alice_client, alices_quarter):
    response = alice_client.get(VAT, {**Q3, "format": "csv"}, **EN)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="btw-2026-q3.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Box", "Description", "Turnover", "VAT"]
    by_box = {row[0]: row for row in rows[1:]}
    assert by_box["1a"][2:7] == ["950", "199", "950.00", "199.50", "1"]
    assert by_box["3b"][2:4] == ["480", ""]
    assert by_box["5a"][3] == "202"


def test_a_figures_link_lists_exactly_the_invoices_behind_it(alice_client, alices_quarter):
    mixed, belgian, american = (alices_quarter[k] for k in ("mixed", "belgian", "american"))
    _response, text = page(alice_client, BOX, {**Q3, "box": "1a"})
    assert mixed.number in text and belgian.number not in text and american.number not in text
    assert reverse("contracts:invoice_detail", args=[mixed.pk]) in text
    assert "€950.00" in text and "€199.50" in text
    _response, text = page(alice_client, BOX, {**Q3, "box": "3b"})
    assert belgian.number in text and mixed.number not in text
    _response, text = page(alice_client, BOX, {"year": "2026", "period": "q4", "box": "1a"})
    assert alices_quarter["credit"].number in text and "credit note" in text
    response, text = page(alice_client, BOX, Q3)  # no box: every invoice of the period
    assert all(invoice.number in text for invoice in (mixed, belgian, american))
    assert response.context["total_base"] == D("1550.00")


def test_the_icp_listing_is_ready_to_type_and_names_clients_without_a_vat_id(alice_client, alice, alices_quarter):
    french = client_of(alice, {"name": "Boulangerie Lyon SARL", "country": "Frankrijk", "vat_id": ""})
    send(alice, french, date(2026, 9, 3), [("1", "60.50", "21")], reverse_charge=True)
    response, text = page(alice_client, ICP, Q3)
    assert response.status_code == 200
    row = text[text.index('<strong class="return-figure">BE</strong>') :]
    row = row[: row.index("</tr>")]
    assert '<strong class="return-figure">0123456749</strong>' in row
    assert '<strong class="return-figure">480</strong>' in row
    assert "Clients without a VAT id" in text and "Boulangerie Lyon SARL" in text
    assert response.context["listing"].total_return == 540
    # And the VAT return's 3b is that total.
    assert alice_client.get(VAT, Q3, **EN).context["rows"][3].turnover == "540"


def test_an_empty_or_future_period_is_fine_and_empty(alice_client, alices_quarter):
    for params in ({"year": "2031", "period": "q2"}, {"year": "2026", "period": "m1"}):
        response, text = page(alice_client, VAT, params)
        assert response.status_code == 200
        assert all(row.turnover == "0" for row in response.context["rows"])
        response, text = page(alice_client, BOX, {**params, "box": "1a"})
        assert response.status_code == 200 and "No sent invoices" in text
        response, text = page(alice_client, ICP, params)
        assert response.status_code == 200 and "nothing to list" in text


def test_the_kor_warning_shows_from_80_percent(alice_client, alice):
    BusinessProfileFactory(owner=alice)
    BusinessProfile.objects.filter(owner=alice).update(small_business_scheme=True)
    dutch = client_of(alice, DUTCH)
    send(alice, dutch, date(2026, 2, 1), [("1", "15999.00", "21")], kor=True)
    _response, text = page(alice_client, VAT, Q3)
    assert "Small-business scheme (KOR)" in text and "Over 80% of the limit" not in text
    send(alice, dutch, date(2026, 8, 1), [("1", "1.00", "21")], kor=True)
    _response, text = page(alice_client, VAT, Q3)
    assert "Over 80% of the limit" in text and "€4,000.00 to go" in text
    send(alice, dutch, date(2026, 8, 2), [("1", "4000.01", "21")], kor=True)
    _response, text = page(alice_client, VAT, Q3)
    assert "Over the limit" in text


# -- each freelancer's own ---------------------------------------------------------------------


@pytest.mark.parametrize("url, params", [(VAT, Q3), (BOX, Q3), (BOX, {**Q3, "box": "3b"}), (ICP, Q3), (BOOKS, {})])
def test_bob_sees_none_of_alices_figures(client, bob, alices_quarter, url, params):
    client.force_login(bob)
    response, text = page(client, url, params)
    assert response.status_code == 200
    for invoice in alices_quarter.values():
        assert invoice.number not in text
    for name in (DUTCH["name"], BELGIAN["name"], BELGIAN["vat_id"][2:], "950", "€1,510.00"):
        assert name not in text
    if url == VAT:
        as_csv = client.get(url, {**params, "format": "csv"}).content.decode()
        assert "950" not in as_csv and ",1\r\n" not in as_csv
        assert all(row.turnover == "0" and row.figure.documents == 0 for row in response.context["rows"])


def test_the_pages_need_a_login(client):
    for url in (BOOKS, VAT, BOX, ICP):
        response = client.get(url, Q3)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_pages_answer_only_get(alice_client):
    for url in (BOOKS, VAT, BOX, ICP):
        assert alice_client.post(url, Q3).status_code == 405


# -- hostile query strings ---------------------------------------------------------------------

HOSTILE = [
    {"year": "<script>alert(1)</script>", "period": "q3"},
    {"year": "9" * 5000, "period": "q3"},
    {"year": "-2026", "period": "q3"},
    {"year": "1999", "period": "q3"},
    {"year": "2101", "period": "q3"},
    {"year": "2026.5", "period": "q3"},
    {"year": "", "period": "q3"},
    {"year": "2026", "period": "q5"},
    {"year": "2026", "period": "m13"},
    {"year": "2026", "period": "<img src=x onerror=alert(1)>"},
    {"year": "2026", "period": "q" * 10000},
    {"year": "2026", "period": "q3", "box": "1z"},
    {"year": "2026", "period": "q3", "box": "<b>1a</b>"},
]


@pytest.mark.parametrize("params", HOSTILE, ids=range(len(HOSTILE)))
def test_a_bad_period_or_box_is_a_message_not_a_500(alice_client, alices_quarter, params):
    for url in (VAT, BOX, ICP):
        if "box" in params and url != BOX:
            continue
        response, text = page(alice_client, url, params)
        assert response.status_code == 422, (url, params)
        assert "Choose a period the books can show." in text
        assert "<script>alert(1)" not in text and "<img src=x" not in text and "<b>1a</b>" not in text
        assert alices_quarter["mixed"].number not in text


def test_the_form_keeps_what_was_typed_and_says_what_is_wrong(alice_client):
    _response, text = page(alice_client, VAT, {"year": "twenty", "period": "q3"})
    assert "Enter a year, for example 2026." in text
    assert 'value="twenty"' in text
    _response, text = page(alice_client, VAT, {"year": "2026", "period": "q9"})
    assert "Choose a quarter, a month or the whole year." in text
    _response, text = page(alice_client, BOX, {"year": "2026", "period": "q3", "box": "9z"})
    assert "There is no such box on the VAT return." in text


def test_repeated_parameters_take_the_last(alice_client, alices_quarter):
    response = alice_client.get(f"{VAT}?year=2025&year=2026&period=q1&period=q3", **EN)
    assert response.status_code == 200
    assert response.context["period"].slug == "q3" and response.context["period"].year == 2026


# -- a fixed number of queries -------------------------------------------------------------------


def queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params, **EN).status_code == 200
    return len(captured)


def make_quarter(owner, count: int) -> None:
    dutch, belgian = client_of(owner, DUTCH), client_of(owner, BELGIAN)
    for n in range(count):
        day = date(2026, 7 + n % 3, 1 + n % 28)
        if n % 3 == 2:
            send(owner, belgian, day, [("1", "100.00", "21")], reverse_charge=True)
        else:
            invoice = send(owner, dutch, day, [("1", "100.00", "21"), ("2", "12.34", "9")])
            if n % 5 == 0:
                send(owner, dutch, day, [("-1", "100.00", "21")], credits=invoice)


@pytest.mark.parametrize("url, params", [(VAT, Q3), (BOX, {**Q3, "box": "1a"}), (BOX, Q3), (ICP, Q3)])
def test_the_pages_run_the_same_queries_for_3_and_60_invoices(alice_client, alice, bob, url, params):
    BusinessProfileFactory(owner=alice)
    make_quarter(alice, 3)
    few = queries(alice_client, url, params)
    make_quarter(alice, 57)
    many = queries(alice_client, url, params)
    assert few == many, (few, many)
    assert many <= 7
    print(f"{url} {params}: {many} queries for 3 and for 60 invoices")
