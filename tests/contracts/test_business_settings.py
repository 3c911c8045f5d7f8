"""The business settings page: the freelancer's own details, VAT, floor rate, reminder timings."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from contracts.models import BusinessProfile
from tests.factories import BusinessProfileFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
URL = reverse("contracts:business_settings")
SCRIPT = "<script>alert(1)</script>"


def settings_data(**overrides) -> dict:
    data = {
        "business_name": "Studio Alice",
        "kvk_number": "8765 4321",
        "vat_id": "nl 0012.34567.b29",
        "iban": "nl91 abna 0417 1643 00",
        "street_address": "Lange Nieuwstraat 2",
        "postcode": "3512 PH",
        "city": "Utrecht",
        "floor_rate": "65.00",
        "friendly_reminder_days": "3",
        "firm_reminder_days": "14",
        "final_reminder_days": "30",
        "consumer_letter_days": "2",
        "consumer_receipt_margin_days": "3",
        "acceptance_nudge_days": "3,7",
        "decision_nudge_days": "2, 5",
        "waiting_too_long_days": "5",
        "talk_nudge_weeks": "8",
        "daily_digest": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def body(response) -> str:
    return response.content.decode()


def test_it_needs_a_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.post(URL, settings_data()).status_code == 302
    assert not BusinessProfile.objects.exists()


def test_the_first_visit_shows_the_defaults_and_saves_nothing(alice_client, alice):
    response = alice_client.get(URL, **EN)
    assert response.status_code == 200
    page = body(response)
    assert 'name="business_name" value="Alice"' in page
    assert 'name="firm_reminder_days" value="14"' in page
    assert "Fill in your business details once" in page
    for legend in ("Your business", "VAT", "Payment reminders to businesses", "Payment reminders to consumers"):
        assert f"<legend>{legend}</legend>" in page
    assert "small-business scheme" in page
    assert not BusinessProfile.objects.exists()


def test_saving_creates_the_profile_with_identifiers_normalised(alice_client, alice):
    response = alice_client.post(URL, settings_data(), **EN)
    assert response.status_code == 302 and response["Location"] == URL
    profile = BusinessProfile.objects.get(owner=alice)
    assert (profile.kvk_number, profile.vat_id, profile.iban) == ("87654321", "NL001234567B29", "NL91ABNA0417164300")
    assert (profile.friendly_reminder_days, profile.firm_reminder_days, profile.final_reminder_days) == (3, 14, 30)
    assert profile.floor_rate == Decimal("65.00")
    assert profile.daily_digest and not profile.small_business_scheme
    assert BusinessProfile.days(profile.decision_nudge_days) == [2, 5]


def test_editing_changes_my_profile_only(alice_client, alice, bob):
    BusinessProfileFactory(owner=alice)
    BusinessProfileFactory(owner=bob, business_name="Bob's Bureau")
    data = settings_data(business_name="Studio Alice & Co", small_business_scheme="on", vat_id="", daily_digest=None)
    assert alice_client.post(URL, data).status_code == 302
    alice_profile = BusinessProfile.objects.get(owner=alice)
    assert (alice_profile.business_name, alice_profile.small_business_scheme, alice_profile.daily_digest) == (
        "Studio Alice & Co",
        True,
        False,
    )
    assert BusinessProfile.objects.get(owner=bob).business_name == "Bob's Bureau"
    assert BusinessProfile.objects.count() == 2


def test_reminders_out_of_order_are_refused_with_what_was_typed_kept(alice_client, alice):
    BusinessProfileFactory(owner=alice)
    data = settings_data(friendly_reminder_days="20", firm_reminder_days="10", business_name="Typed Name")
    response = alice_client.post(URL, data, **EN)
    assert response.status_code == 422
    assert "The reminders must come in order: friendly, then firm, then final." in body(response)
    assert 'value="Typed Name"' in body(response) and 'name="friendly_reminder_days" value="20"' in body(response)
    profile = BusinessProfile.objects.get(owner=alice)
    assert (profile.business_name, profile.friendly_reminder_days) == ("Studio Alice", 1)


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("kvk_number", "1234", "A KvK number has exactly 8 digits"),
        ("vat_id", "NL12", "Enter a VAT id such as NL123456789B01"),
        ("iban", "NL91ABNA0417164301", "This IBAN has a typo"),
        ("iban", "not an iban", "Enter an IBAN such as"),
        ("business_name", "", "This field is required"),
        ("business_name", "x" * 100_000, "at most 200 characters"),
        ("floor_rate", "-5", "greater than or equal to 0"),
        ("floor_rate", "lots", "Enter a number"),
        ("friendly_reminder_days", "0", "greater than or equal to 1"),
        ("final_reminder_days", "999", "less than or equal to 180"),
        ("acceptance_nudge_days", "3,abc", "Give whole days between 1 and 365"),
        ("talk_nudge_weeks", "", "This field is required"),
    ],
)
def test_bad_values_are_refused_next_to_their_field(alice_client, alice, field, value, error):
    response = alice_client.post(URL, settings_data(**{field: value}), **EN)
    assert response.status_code == 422
    assert error in body(response)
    assert 'aria-invalid="true"' in body(response)
    assert not BusinessProfile.objects.exists()


def test_html_in_the_business_name_is_escaped(alice_client, alice):
    alice_client.post(URL, settings_data(business_name=SCRIPT))
    page = body(alice_client.get(URL, **EN))
    assert SCRIPT not in page and "&lt;script&gt;" in page


def test_after_saving_it_goes_back_to_where_i_came_from_but_only_on_this_site(alice_client, alice):
    response = alice_client.post(URL + "?next=/invoices/7/", settings_data())
    assert response["Location"] == "/invoices/7/"
    response = alice_client.post(URL, {**settings_data(), "next": "https://evil.example/"})
    assert response["Location"] == URL


def test_the_user_menu_links_to_it(alice_client, alice):
    assert f'href="{URL}"' in body(alice_client.get(reverse("dashboard"), **EN))
