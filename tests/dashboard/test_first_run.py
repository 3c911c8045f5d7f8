"""The new freelancer's first-run checklist: five steps in the app, each ticked off by the data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from contracts.models import BusinessProfile, HourlyRate, SurchargeRule
from freelance.dashboard import first_run
from tests.factories import BusinessProfileFactory, ClientFactory, ContactFactory, ProjectFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def done(user) -> dict[str, bool]:
    run = first_run.checklist(user)
    return {step.key: step.done for step in run.steps} if run else {}


def complete(user) -> None:
    """Everything the five steps ask for."""
    BusinessProfileFactory(owner=user, floor_rate=Decimal("65.00"))
    HourlyRate.objects.create(owner=user, valid_from=date(2026, 1, 1), amount=Decimal("90.00"), reason="Start")
    SurchargeRule.objects.create(owner=user, name="Weekend", applies_to="weekend", multiplier=Decimal("1.50"))
    client = ClientFactory(owner=user)
    ContactFactory(client=client, is_decision_maker=True)
    ProjectFactory(owner=user, client=client)


def render(user) -> str:
    with translation.override("en"):
        return render_to_string("dashboard/_first_run.html", {"first_run": first_run.checklist(user)})


def test_a_new_freelancer_has_five_open_steps_in_order(alice):
    run = first_run.checklist(alice)
    assert [s.key for s in run.steps] == ["business", "rates", "surcharges", "client", "project"]
    assert run.done_count == 0 and run.total == 5
    assert run.next_step.key == "business"
    urls = [s.url for s in run.steps]
    assert urls == [
        reverse("contracts:business_settings"),
        reverse("contracts:rates"),
        reverse("contracts:surcharges"),
        reverse("projects:client_create"),
        reverse("projects:project_new"),
    ]
    assert not any(url.startswith("/admin") for url in urls)


def test_each_step_ticks_itself_off(alice):
    BusinessProfileFactory(owner=alice)
    assert done(alice) == {"business": True, "rates": False, "surcharges": False, "client": False, "project": False}
    HourlyRate.objects.create(owner=alice, valid_from=date(2026, 1, 1), amount=Decimal("90.00"), reason="r")
    assert not done(alice)["rates"]  # the floor rate too
    BusinessProfile.objects.filter(owner=alice).update(floor_rate=Decimal("60"))
    assert done(alice)["rates"]
    SurchargeRule.objects.create(owner=alice, name="Weekend", applies_to="weekend", multiplier=Decimal("1.50"))
    assert done(alice)["surcharges"]
    client = ClientFactory(owner=alice)
    ContactFactory(client=client, is_decision_maker=False)
    assert not done(alice)["client"]  # a client, but no decision maker yet
    ContactFactory(client=client, is_decision_maker=True)
    assert done(alice)["client"]
    assert first_run.checklist(alice).progress == "4 of 5 done"
    ProjectFactory(owner=alice, client=client)
    assert first_run.checklist(alice) is None  # all done: the list goes away


@pytest.mark.parametrize("blank", ["business_name", "street_address", "postcode", "city", "kvk_number", "iban"])
def test_business_details_count_only_when_an_invoice_could_go_out(alice, blank):
    BusinessProfileFactory(owner=alice, **{blank: ""})
    assert not done(alice)["business"]


def test_a_vat_id_is_not_needed_under_the_kor(alice):
    BusinessProfileFactory(owner=alice, vat_id="")
    assert not done(alice)["business"]
    BusinessProfile.objects.filter(owner=alice).update(small_business_scheme=True)
    assert done(alice)["business"]


def test_a_floor_rate_alone_does_not_make_the_business_details_done(alice_client, alice):
    alice_client.post(reverse("contracts:floor_rate"), {"floor-floor_rate": "60"})
    assert BusinessProfile.objects.filter(owner=alice).exists()
    assert not done(alice)["business"]


def test_a_client_rate_is_not_the_own_rate(alice):
    BusinessProfileFactory(owner=alice, floor_rate=Decimal("60"))
    HourlyRate.objects.create(owner=alice, client=ClientFactory(owner=alice), valid_from=date(2026, 1, 1), amount=80)
    assert not done(alice)["rates"]


def test_a_client_without_a_decision_maker_links_to_that_clients_page(alice):
    client = ClientFactory(owner=alice)
    step = first_run.checklist(alice).steps[3]
    assert step.url == reverse("projects:client_detail", args=[client.pk]) + "#contacts"


def test_another_freelancers_data_ticks_nothing_off(alice, bob):
    complete(bob)
    assert done(alice) == {"business": False, "rates": False, "surcharges": False, "client": False, "project": False}
    assert first_run.checklist(bob) is None


def test_the_checklist_is_one_query_however_much_data(alice, django_assert_num_queries):
    with django_assert_num_queries(1):
        first_run.checklist(alice)
    complete(alice)
    for _ in range(5):
        client = ClientFactory(owner=alice)
        ContactFactory.create_batch(3, client=client)
        ProjectFactory.create_batch(2, owner=alice, client=client)
    with django_assert_num_queries(1):
        assert first_run.checklist(alice) is None


def test_an_anonymous_user_gets_no_checklist(django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    with django_assert_num_queries(0):
        assert first_run.checklist(AnonymousUser()) is None


# -- the partial -----------------------------------------------------------------------------


def test_the_partial_is_an_ordered_list_with_progress_and_links(alice):
    BusinessProfileFactory(owner=alice)
    SurchargeRule.objects.create(owner=alice, name="Weekend", applies_to="weekend", multiplier=Decimal("1.50"))
    html = render(alice)
    assert "<ol" in html and html.count("<li") == 5
    assert "2 of 5 done" in html
    assert '<progress value="2" max="5"' in html
    for name in ("contracts:business_settings", "contracts:rates", "contracts:surcharges", "projects:project_new"):
        assert f'href="{reverse(name)}"' in html
    assert "/admin" not in html


def test_done_is_said_in_words_not_only_by_colour(alice):
    BusinessProfileFactory(owner=alice)
    html = render(alice)
    assert html.count("(done)") == 1 and html.count("(to do)") == 4
    business = html[html.index(reverse("contracts:business_settings")) :]
    assert business.index("(done)") < business.index("(to do)")
    assert html.count('aria-current="step"') == 1  # the next step: the rates
    rates_link = f'<a href="{reverse("contracts:rates")}" aria-current="step">'
    assert rates_link in html


def test_the_partial_renders_nothing_when_all_is_done(alice):
    complete(alice)
    assert render(alice).strip() == ""


def test_the_steps_pages_open_for_a_new_freelancer(alice_client, alice):
    for step in first_run.checklist(alice).steps:
        assert alice_client.get(step.url, **EN).status_code == 200, step.url


def test_going_through_the_pages_ticks_the_steps_off(alice_client, alice):
    """Through the user's door: the rate and surcharge pages tick their steps."""
    today = timezone.localdate().isoformat()
    data = {"rate-amount": "90.00", "rate-reason": "Experience", "rate-valid_from": today}
    assert alice_client.post(reverse("contracts:rates"), data).status_code == 302
    assert alice_client.post(reverse("contracts:floor_rate"), {"floor-floor_rate": "60"}).status_code == 302
    assert alice_client.post(reverse("contracts:surcharges_standard")).status_code == 302
    steps = done(alice)
    assert steps["rates"] and steps["surcharges"]


def test_the_dashboard_shows_the_checklist(alice_client, alice):
    html = alice_client.get(reverse("dashboard"), **EN).content.decode()
    assert 'id="first-run"' in html and "0 of 5 done" in html
    complete(alice)
    assert 'id="first-run"' not in alice_client.get(reverse("dashboard"), **EN).content.decode()
