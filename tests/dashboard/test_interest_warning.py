"""The statutory interest table going stale: a warning on the freelancer's dashboard and in the operator's admin
when a half-year (1 January, 1 July, Amsterdam date) has begun without its rate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from contracts.dutch_law import ensure_known_interest_rates
from contracts.models import StatutoryInterestRate

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
CHANGELIST = "admin:contracts_statutoryinterestrate_changelist"


@pytest.fixture(autouse=True)
def _table():
    # Known rates: commercial up to 1 Jan 2026, consumer up to 1 Jan 2025.
    ensure_known_interest_rates(StatutoryInterestRate)


def on(day: str):
    return time_machine.travel(f"{day} 10:00:00+01:00", tick=False)


def warning(response) -> str:
    page = response.content.decode()
    start = page.find('id="interest-rates-stale"')
    return page[start : page.find("</div>", start)] if start >= 0 else ""


def test_the_dashboard_warns_when_no_rate_covers_the_current_half_year(alice_client):
    with on("2026-07-01"):
        text = warning(alice_client.get(reverse("dashboard"), **EN))
    assert "Commercial transactions" in text and "Consumer transactions" in text
    assert "last known rate" in text and "operator" in text


def test_the_dashboard_names_only_the_stale_kind(alice_client):
    with on("2026-03-01"):  # commercial has 1 Jan 2026; consumer stops at 1 Jan 2025
        text = warning(alice_client.get(reverse("dashboard"), **EN))
    assert "Consumer transactions" in text and "Commercial transactions" not in text


def test_no_warning_while_the_table_is_current(alice_client):
    with on("2025-03-01"):
        assert warning(alice_client.get(reverse("dashboard"), **EN)) == ""


def test_entering_the_new_rates_ends_the_warning(alice_client):
    for kind in StatutoryInterestRate.Kind.values:
        StatutoryInterestRate.objects.create(kind=kind, valid_from=date(2026, 7, 1), percent=Decimal("10.00"))
    with on("2026-11-27"):
        assert warning(alice_client.get(reverse("dashboard"), **EN)) == ""


def test_the_admin_warns_the_operator_and_shows_the_sources(admin_client):
    StatutoryInterestRate.objects.filter(kind="commercial", valid_from=date(2026, 1, 1)).update(
        source="Rijksoverheid, wettelijke handelsrente 2026"
    )
    with on("2026-07-01"):
        response = admin_client.get(reverse(CHANGELIST), **EN)
    assert response.status_code == 200
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert len(warnings) == 1
    assert "Commercial transactions" in warnings[0] and "Consumer transactions" in warnings[0]
    assert "Rijksoverheid, wettelijke handelsrente 2026" in response.content.decode()


def test_the_admin_is_quiet_while_the_table_is_current(admin_client):
    with on("2025-03-01"):
        response = admin_client.get(reverse(CHANGELIST), **EN)
    assert response.status_code == 200
    assert not [m for m in response.context["messages"] if m.level_tag == "warning"]
