"""The deposit on the plan editor: editable while the project is a proposal, read-only once contracted.

Found: the deposit could only be set when the project was created. The plan editor now has
a deposit card (htmx, with a plain-POST fallback) that shares its fields and its "not both"
rule with the new-project form; after the contract it shows the deposit and why it no
longer changes, like the first-deadline card.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.forms.plan import DepositForm, NewProjectForm
from projects.models import Project
from tests.factories import project_with_phases

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2026, 11, 2, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False):
        yield


@pytest.fixture
def project(alice):
    """Alice's proposal with two fixed phases of €2,500.00 each: €5,000.00 of fixed prices."""
    return project_with_phases(alice, 2)


def deposit_url(project) -> str:
    return reverse("projects:project_plan_deposit", args=[project.pk])


def plan_url(project) -> str:
    return reverse("projects:project_plan", args=[project.pk])


def post(client, url, data, *, htmx=False):
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE="en", **extra)


def deposit_of(project) -> tuple:
    return Project.objects.filter(pk=project.pk).values_list("deposit_percent", "deposit_amount").get()


def deposit_card(html: str) -> str:
    match = re.search(r'<section class="card plan-deposit" id="plan-deposit".*?</section>', html, re.S)
    assert match, "no deposit card"
    return match.group(0)


def test_a_percentage_saved_without_javascript_redirects_back_and_shows_the_amount(alice_client, project):
    response = post(alice_client, deposit_url(project), {"deposit_percent": "30", "deposit_amount": ""})
    assert response.status_code == 302
    assert response["Location"].startswith(plan_url(project))
    assert deposit_of(project) == (Decimal("30.00"), None)
    page = alice_client.get(plan_url(project), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    card = deposit_card(page)
    assert "30% of the fixed prices: €1,500.00 excl. VAT" in card
    assert 'value="30.00"' in card


def test_an_amount_saved_with_htmx_swaps_the_card_and_says_so(alice_client, project):
    Project.objects.filter(pk=project.pk).update(deposit_percent=Decimal("30"))
    response = post(alice_client, deposit_url(project), {"deposit_percent": "", "deposit_amount": "1250.50"}, htmx=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card plan-deposit" id="plan-deposit"')
    assert "€1,250.50 excl. VAT" in html
    assert 'id="plan-messages" hx-swap-oob="innerHTML"' in html and "Deposit saved." in html
    assert deposit_of(project) == (None, Decimal("1250.50"))


def test_emptying_both_fields_asks_no_deposit(alice_client, project):
    Project.objects.filter(pk=project.pk).update(deposit_amount=Decimal("900"))
    response = post(alice_client, deposit_url(project), {"deposit_percent": "", "deposit_amount": ""}, htmx=True)
    assert response.status_code == 200
    assert "The project asks no deposit." in response.content.decode()
    assert deposit_of(project) == (None, None)


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"deposit_percent": "30", "deposit_amount": "1500"}, "not both"),
        ({"deposit_percent": "0", "deposit_amount": ""}, "more than 0 and at most 100"),
        ({"deposit_percent": "100.01", "deposit_amount": ""}, "more than 0 and at most 100"),
        ({"deposit_percent": "-5", "deposit_amount": ""}, "more than 0 and at most 100"),
        ({"deposit_percent": "12.345", "deposit_amount": ""}, "at most two decimals"),
        ({"deposit_percent": "NaN", "deposit_amount": ""}, "as a percentage"),
        ({"deposit_percent": SCRIPT, "deposit_amount": ""}, "as a percentage"),
        ({"deposit_percent": "", "deposit_amount": "-1"}, "more than zero"),
        ({"deposit_percent": "", "deposit_amount": "1e9"}, "at most"),
        ({"deposit_percent": "", "deposit_amount": "9" * 5000}, "too large"),
        ({"deposit_percent": "", "deposit_amount": "Infinity"}, "as an amount"),
        ({"deposit_percent": "", "deposit_amount": "12.345"}, "euros and cents"),
    ],
)
def test_bad_deposit_input_is_refused_with_422_and_the_typed_values_stay(alice_client, project, data, error, htmx):
    before = deposit_of(project)
    response = post(alice_client, deposit_url(project), data, htmx=htmx)
    assert response.status_code == 422
    html = response.content.decode()
    card = deposit_card(html)
    assert error in card
    assert "<script>alert" not in html
    for value in data.values():
        if value and len(value) < 100 and value != SCRIPT:
            assert f'value="{value}"' in card
    if data["deposit_percent"] == SCRIPT:
        assert "&lt;script&gt;" in card
    assert deposit_of(project) == before


def test_a_tampered_project_id_of_another_freelancer_is_404_and_changes_nothing(client, alice, bob, project):
    client.force_login(bob)
    response = post(client, deposit_url(project), {"deposit_percent": "50", "deposit_amount": ""})
    assert response.status_code == 404
    assert post(client, reverse("projects:project_plan_deposit", args=[999999]), {}).status_code == 404
    assert deposit_of(project) == (None, None)


def test_a_visitor_who_is_not_logged_in_is_sent_to_the_login_and_only_post_is_allowed(alice_client, project):
    response = Client().post(deposit_url(project), {"deposit_percent": "50"})
    assert response.status_code == 302 and "login" in response["Location"]
    assert alice_client.get(deposit_url(project)).status_code == 405
    assert deposit_of(project) == (None, None)


def test_once_contracted_the_deposit_is_read_only_with_the_reason(alice_client, alice, project):
    Project.objects.filter(pk=project.pk).update(deposit_percent=Decimal("30"))
    project.refresh_from_db()
    project.mark_contracted(alice)
    card = deposit_card(alice_client.get(plan_url(project), HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "<form" not in card and "<input" not in card
    assert "30% of the fixed prices: €1,500.00 excl. VAT" in card
    assert "Changes only by renegotiation" in card and "part of the agreement" in card
    response = post(alice_client, deposit_url(project), {"deposit_percent": "", "deposit_amount": "1"})
    assert response.status_code == 302
    page = alice_client.get(plan_url(project), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "the deposit changes only by renegotiation" in page
    response = post(alice_client, deposit_url(project), {"deposit_percent": "", "deposit_amount": "1"}, htmx=True)
    assert "the deposit changes only by renegotiation" in response.content.decode()
    assert deposit_of(project) == (Decimal("30.00"), None)


def test_a_contract_accepted_while_the_form_was_open_wins(alice_client, alice, project, monkeypatch):
    """The save is a conditional update: the status in the database decides, not the page's copy."""
    project.mark_contracted(alice)
    monkeypatch.setattr(Project, "is_locked", property(lambda self: False))  # the page still thought "proposal"
    response = post(alice_client, deposit_url(project), {"deposit_percent": "40", "deposit_amount": ""}, htmx=True)
    assert "the deposit changes only by renegotiation" in response.content.decode()
    assert deposit_of(project) == (None, None)


def test_the_new_project_form_and_the_deposit_form_share_fields_and_the_not_both_rule(alice):
    for name in ("deposit_percent", "deposit_amount"):
        new, edit = NewProjectForm.base_fields[name], DepositForm.base_fields[name]
        assert (new.label, new.max_value, new.min_value, new.error_messages) == (
            edit.label,
            edit.max_value,
            edit.min_value,
            edit.error_messages,
        )
    form = DepositForm({"deposit_percent": "10", "deposit_amount": "10"}, project=Project(owner=alice))
    assert not form.is_valid() and "not both" in str(form.errors["deposit_amount"])


def test_the_editor_page_costs_the_same_queries_with_or_without_a_deposit(alice_client, project):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert alice_client.get(plan_url(project)).status_code == 200
        return len(queries)

    without = count()
    Project.objects.filter(pk=project.pk).update(deposit_percent=Decimal("30"))
    assert count() == without
