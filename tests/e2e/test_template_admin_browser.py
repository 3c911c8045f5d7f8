"""A freelancer in the admin, in Chromium: only the contract texts, the defaults read-only, and
"Copy to edit" giving them their own version to change."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from contracts.models import ClauseTemplate
from contracts.seed import load_contract_templates
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_freelancer_copies_a_default_clause_and_edits_their_own(page: Page, live_server, django_user_model):
    load_contract_templates()
    django_user_model.objects.create_user("carla", "carla@example.nl", PASSWORD, is_staff=True)
    default = ClauseTemplate.current().filter(owner=None, language="en", key="payment").first() or (
        ClauseTemplate.current().filter(owner=None, language="en").order_by("key").first()
    )

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("carla")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # The admin index offers the contract texts and nothing else.
    expect(page.get_by_role("link", name="Clause templates")).to_be_visible()
    expect(page.get_by_role("link", name="Users")).to_have_count(0)
    expect(page.get_by_role("link", name="Clients")).to_have_count(0)

    page.goto(f"{live_server.url}/admin/contracts/clausetemplate/{default.pk}/change/")
    expect(page.get_by_text("one of the install's default texts")).to_be_visible()
    expect(page.get_by_role("button", name="Save", exact=True)).to_have_count(0)
    page.get_by_role("button", name="Copy to edit").click()

    expect(page.get_by_text("This is your own copy now")).to_be_visible()
    body = page.get_by_label("Text")
    body.fill(body.input_value() + "\n\nCarla adds a sentence of her own.")
    page.get_by_label("What changed").fill("My own payment terms")
    page.screenshot(path="var/test-results/template-copy-to-edit.png", full_page=True)
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_text(re.compile("was added successfully|was changed successfully"))).to_be_visible()
    own = ClauseTemplate.versions_of(
        owner_id=django_user_model.objects.get(username="carla").pk, key=default.key, language="en"
    ).first()
    assert own.version == 2 and own.body.endswith("Carla adds a sentence of her own.")
    assert ClauseTemplate.versions_of(owner_id=None, key=default.key, language="en").first().pk == default.pk
