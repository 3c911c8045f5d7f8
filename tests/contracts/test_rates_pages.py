"""The rates page: the own rate history, a new rate with its reason, and the floor rate, in the app."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from contracts.models import BusinessProfile, HourlyRate
from tests.factories import BusinessProfileFactory, ClientFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HX = {"HTTP_HX_REQUEST": "true", **EN}
URL = reverse("contracts:rates")
FLOOR_URL = reverse("contracts:floor_rate")
REMOVE_URL = reverse("contracts:rate_remove")
SCRIPT = "<script>alert(1)</script>"
TODAY = date(2026, 11, 27)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-11-27 10:00 +01:00", tick=False):
        yield


def new_rate(**overrides) -> dict:
    data = {"rate-amount": "95.00", "rate-reason": "More experience with online shops", "rate-valid_from": "2026-12-01"}
    data.update(overrides)
    return data


def body(response) -> str:
    return response.content.decode()


def test_it_needs_a_login(client):
    for url in (URL, FLOOR_URL, REMOVE_URL):
        response = client.post(url, new_rate())
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get(URL).status_code == 302
    assert not HourlyRate.objects.exists()


def test_the_history_lists_my_own_rates_newest_first_with_their_reasons(alice_client, alice, bob):
    HourlyRate.objects.create(owner=alice, valid_from=date(2025, 1, 1), amount=Decimal("80.00"), reason="Start")
    HourlyRate.objects.create(owner=alice, valid_from=date(2026, 1, 1), amount=Decimal("90.00"), reason="Experience")
    HourlyRate.objects.create(owner=alice, valid_from=date(2027, 1, 1), amount=Decimal("99.00"), reason="Next year")
    HourlyRate.objects.create(owner=bob, valid_from=date(2026, 1, 1), amount=Decimal("77.00"), reason="Bobs reden")
    client_rate = ClientFactory(owner=alice, name="Agreed Client")
    HourlyRate.objects.create(owner=alice, client=client_rate, valid_from=date(2026, 2, 1), amount=Decimal("70.00"))
    page = body(alice_client.get(URL, **EN))
    assert page.index("€99.00") < page.index("€90.00") < page.index("€80.00")
    assert "Next year" in page and "Experience" in page
    assert "starts later" in page and "current" in page and "earlier" in page
    assert "Bobs reden" not in page and "€77.00" not in page
    assert "€70.00" not in page  # a client's agreed rate is not the own history
    assert page.count("<h1>") == 1


def test_a_new_rate_is_added_from_the_day_given(alice_client, alice):
    response = alice_client.post(URL, new_rate(), **EN)
    assert response.status_code == 302 and response["Location"] == URL
    rate = HourlyRate.objects.get(owner=alice)
    assert (rate.amount, rate.reason, rate.valid_from, rate.client) == (
        Decimal("95.00"),
        "More experience with online shops",
        date(2026, 12, 1),
        None,
    )
    assert isinstance(rate.amount, Decimal)


def test_the_form_starts_today(alice_client):
    page = body(alice_client.get(URL, **EN))
    assert 'name="rate-valid_from" value="2026-11-27"' in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rate-amount", "0", "greater than or equal to 0.01"),
        ("rate-amount", "-10", "greater than or equal to 0.01"),
        ("rate-amount", "95000", "less than or equal to 2000"),
        ("rate-amount", "lots", "Enter a number"),
        ("rate-amount", "9" * 200, "less than or equal to 2000"),
        ("rate-amount", "95.123", "2 decimal places"),
        ("rate-reason", "", "This field is required"),
        ("rate-reason", "   ", "This field is required"),
        ("rate-reason", "x" * 301, "at most 300 characters"),
        ("rate-valid_from", "2026-11-26", "not in the past"),
        ("rate-valid_from", "2029-01-01", "within two years"),
        ("rate-valid_from", "31-31-2026", "Enter a valid date"),
    ],
)
def test_bad_input_is_refused_and_keeps_what_was_typed(alice_client, alice, field, value, message):
    data = new_rate(**{field: value, "rate-reason": new_rate()["rate-reason"] if field != "rate-reason" else value})
    response = alice_client.post(URL, data, **EN)
    assert response.status_code == 422
    page = body(response)
    assert message in page
    assert 'role="alert"' in page
    if field != "rate-amount":
        assert 'name="rate-amount" value="95.00"' in page
    assert not HourlyRate.objects.exists()


def test_html_in_the_reason_is_stored_as_text_and_shown_escaped(alice_client, alice):
    alice_client.post(URL, new_rate(**{"rate-reason": SCRIPT}))
    assert HourlyRate.objects.get(owner=alice).reason == SCRIPT
    page = body(alice_client.get(URL, **EN))
    assert SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("hostile", ["\x00", SCRIPT + "x" * 100_000, '"><img src=x onerror=alert(1)>', "1e309"])
def test_hostile_text_is_refused_without_a_500_and_comes_back_as_typed(alice_client, hostile):
    response = alice_client.post(URL, new_rate(**{"rate-amount": hostile, "rate-reason": hostile}), **EN)
    assert response.status_code == 422
    page = body(response)
    assert "<script>" not in page and "<img src=x" not in page
    if hostile != "\x00":
        assert escape(hostile) in page
    assert not HourlyRate.objects.exists()


def test_html_typed_into_a_refused_form_comes_back_escaped(alice_client):
    response = alice_client.post(URL, new_rate(**{"rate-amount": SCRIPT, "rate-reason": SCRIPT}), **EN)
    assert response.status_code == 422
    assert SCRIPT not in body(response)


def test_a_second_rate_on_the_same_day_is_refused_not_a_500(alice_client, alice):
    assert alice_client.post(URL, new_rate()).status_code == 302
    response = alice_client.post(URL, new_rate(**{"rate-amount": "99.00"}), **EN)  # a double click, or a second try
    assert response.status_code == 422
    assert "already have a rate from that day" in body(response)
    assert HourlyRate.objects.get(owner=alice).amount == Decimal("95.00")


def test_a_client_rate_on_the_same_day_does_not_block_the_own_rate(alice_client, alice):
    client = ClientFactory(owner=alice)
    HourlyRate.objects.create(owner=alice, client=client, valid_from=date(2026, 12, 1), amount=Decimal("70.00"))
    assert alice_client.post(URL, new_rate()).status_code == 302
    assert HourlyRate.objects.filter(owner=alice, client__isnull=True).count() == 1


def test_another_freelancers_rate_on_that_day_does_not_block_mine(alice_client, alice, bob):
    HourlyRate.objects.create(owner=bob, valid_from=date(2026, 12, 1), amount=Decimal("70.00"))
    assert alice_client.post(URL, new_rate()).status_code == 302


def test_htmx_gets_the_main_section_and_422_keeps_the_values(alice_client, alice):
    response = alice_client.post(URL, new_rate(), **HX)
    assert response.status_code == 200
    page = body(response)
    assert page.lstrip().startswith('<div id="rates-main">') and "<html" not in page
    assert "€95.00" in page
    response = alice_client.post(URL, new_rate(**{"rate-amount": "-1", "rate-reason": "Typed"}), **HX)
    assert response.status_code == 422
    assert 'name="rate-reason" value="Typed"' in body(response)


def test_a_rate_that_has_not_started_can_be_removed(alice_client, alice):
    rate = HourlyRate.objects.create(owner=alice, valid_from=date(2026, 12, 1), amount=Decimal("95.00"), reason="r")
    assert "Remove" in body(alice_client.get(URL, **EN))
    response = alice_client.post(REMOVE_URL, {"rate": rate.pk})
    assert response.status_code == 302
    assert not HourlyRate.objects.exists()


def test_a_rate_that_has_started_stays_in_the_history(alice_client, alice):
    rate = HourlyRate.objects.create(owner=alice, valid_from=TODAY, amount=Decimal("95.00"), reason="r")
    response = alice_client.post(REMOVE_URL, {"rate": rate.pk}, **EN)
    assert response.status_code == 302
    assert HourlyRate.objects.filter(pk=rate.pk).exists()
    assert "stays in your history" in body(alice_client.get(URL, **EN))


@pytest.mark.parametrize("tampered", ["", "abc", "1 OR 1=1", "-1", "99999999", "9" * 40])
def test_a_tampered_rate_id_is_a_404(alice_client, alice, tampered):
    HourlyRate.objects.create(owner=alice, valid_from=date(2026, 12, 1), amount=Decimal("95.00"), reason="r")
    assert alice_client.post(REMOVE_URL, {"rate": tampered}).status_code == 404
    assert HourlyRate.objects.count() == 1


def test_another_freelancers_rate_is_a_404(alice_client, bob):
    rate = HourlyRate.objects.create(owner=bob, valid_from=date(2026, 12, 1), amount=Decimal("95.00"), reason="r")
    assert alice_client.post(REMOVE_URL, {"rate": rate.pk}).status_code == 404
    assert HourlyRate.objects.filter(pk=rate.pk).exists()


def test_a_client_agreed_rate_cannot_be_removed_here(alice_client, alice):
    client = ClientFactory(owner=alice)
    rate = HourlyRate.objects.create(owner=alice, client=client, valid_from=date(2026, 12, 1), amount=Decimal("70"))
    assert alice_client.post(REMOVE_URL, {"rate": rate.pk}).status_code == 404


def test_remove_and_add_need_a_post(alice_client):
    assert alice_client.get(REMOVE_URL).status_code == 405
    assert alice_client.get(FLOOR_URL).status_code == 405


# -- the floor rate -----------------------------------------------------------------------------


def test_the_floor_rate_is_the_business_profiles(alice_client, alice):
    BusinessProfileFactory(owner=alice, floor_rate=Decimal("65.00"))
    assert "€65.00" in body(alice_client.get(URL, **EN))
    response = alice_client.post(FLOOR_URL, {"floor-floor_rate": "70.50"})
    assert response.status_code == 302 and response["Location"] == URL
    profile = BusinessProfile.objects.get(owner=alice)
    assert profile.floor_rate == Decimal("70.50")
    assert profile.business_name == "Studio Alice"  # nothing else of the profile changed


def test_setting_the_floor_rate_without_a_profile_makes_one_with_the_defaults(alice_client, alice):
    assert "Not set yet" in body(alice_client.get(URL, **EN))
    assert alice_client.post(FLOOR_URL, {"floor-floor_rate": "60"}).status_code == 302
    profile = BusinessProfile.objects.get(owner=alice)
    assert (profile.floor_rate, profile.business_name, profile.firm_reminder_days) == (Decimal("60.00"), "Alice", 14)


def test_an_empty_floor_rate_clears_it(alice_client, alice):
    BusinessProfileFactory(owner=alice, floor_rate=Decimal("65.00"))
    assert alice_client.post(FLOOR_URL, {"floor-floor_rate": ""}).status_code == 302
    assert BusinessProfile.objects.get(owner=alice).floor_rate is None


@pytest.mark.parametrize("value", ["-5", "lots", SCRIPT, "1e9", "20000"])
def test_a_bad_floor_rate_is_refused_and_kept(alice_client, alice, value):
    BusinessProfileFactory(owner=alice, floor_rate=Decimal("65.00"))
    response = alice_client.post(FLOOR_URL, {"floor-floor_rate": value}, **EN)
    assert response.status_code == 422
    assert SCRIPT not in body(response)
    assert 'role="alert"' in body(response)
    assert BusinessProfile.objects.get(owner=alice).floor_rate == Decimal("65.00")


def test_my_floor_rate_leaves_bobs_alone(alice_client, alice, bob):
    BusinessProfileFactory(owner=bob, business_name="Bob Bouwt", floor_rate=Decimal("50.00"))
    alice_client.post(FLOOR_URL, {"floor-floor_rate": "70"})
    assert BusinessProfile.objects.get(owner=bob).floor_rate == Decimal("50.00")


# -- queries ------------------------------------------------------------------------------------


def queries_for(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL, **EN).status_code == 200
    return len(captured)


def test_the_page_runs_the_same_queries_for_one_rate_or_many(alice_client, alice):
    BusinessProfileFactory(owner=alice, floor_rate=Decimal("65.00"))
    HourlyRate.objects.create(owner=alice, valid_from=date(2020, 1, 1), amount=Decimal("60.00"), reason="r")
    one = queries_for(alice_client)
    for n in range(1, 30):
        HourlyRate.objects.create(
            owner=alice, valid_from=date(2020, 1, 1) + timedelta(days=n), amount=Decimal("60.00") + n, reason=f"r{n}"
        )
    assert queries_for(alice_client) == one
    assert one <= 5  # user, rates, profile (and the middleware's own; the session comes from Redis)


def test_an_htmx_save_says_so_in_the_swapped_section_and_not_again_later(alice_client, alice):
    """The section htmx swaps in carries the confirmation; it is not left over for the next page."""
    response = alice_client.post(URL, new_rate(), **HX)
    assert response.status_code == 200
    page = body(response)
    assert 'role="status"' in page and "is saved" in page
    assert "is saved" not in body(alice_client.get(URL, **EN))
    page = body(alice_client.post(FLOOR_URL, {"floor-floor_rate": "70"}, **HX))
    assert "Your floor rate is saved" in page
