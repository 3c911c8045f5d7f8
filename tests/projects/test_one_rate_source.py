"""One hourly rate: the project's own if the freelancer set one, else the rate history's.

Found: a rate entered in the rate history reached the contract, but the bucket said "No
hourly rate yet" until the rate was typed again under "Terms for extra work". Now the
bucket, the price of a wish, the contract and the hours all ask `projects.rates`; the
rate history is entered where it is entered today, in the admin, by the operator.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts.models import Contract, ContractTemplate, HourlyRate, TimeEntry
from contracts.seed import load_contract_templates
from projects.models import ChangeRequest, Project
from tests.conftest import verify_second_factor
from tests.factories import ContactFactory, project_with_phases
from tests.helpers import pdf_to_text

AMS = ZoneInfo("Europe/Amsterdam")
TODAY = date(2027, 1, 11)
CR = ChangeRequest


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2027, 1, 11, 10, 0, tzinfo=AMS), tick=False) as traveller:
        yield traveller


@pytest.fixture
def project(alice) -> Project:
    """No rate of its own; an English-speaking client with a decision maker."""
    load_contract_templates()  # the defaults, in case a transactional test flushed them
    project = project_with_phases(alice, 2, client__language="en", hourly_rate=None)
    ContactFactory(client=project.client, name="Jan Jansen", email="jan@bakkerij.example")
    return project


@pytest.fixture
def operator(admin_user) -> Browser:
    """The operator in the admin, in a browser of their own (alice_client is another one)."""
    browser = Browser()
    browser.force_login(admin_user)
    verify_second_factor(browser, admin_user)
    return browser


def enter_rate(operator: Browser, owner, amount: str, valid_from: date, client=None) -> HourlyRate:
    """As the rate history is entered today: the admin's add form."""
    data = {
        "owner": owner.pk,
        "client": client.pk if client else "",
        "valid_from": valid_from.isoformat(),
        "amount": amount,
        "reason": "",
    }
    response = operator.post(reverse("admin:contracts_hourlyrate_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return HourlyRate.objects.get(owner=owner, client=client, valid_from=valid_from)


def text(response) -> str:
    """The page as a person reads it: tags out, entities decoded, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def bucket_page(client, project: Project) -> str:
    response = client.get(reverse("projects:bucket", args=[project.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return text(response)


def post(client, name: str, pk: int, data: dict):
    return client.post(reverse(f"projects:{name}", args=[pk]), data, HTTP_ACCEPT_LANGUAGE="en")


def priced_wish(client, project: Project, hours: str = "8") -> CR:
    """A wish added, estimated and classified as extra cost, through the bucket's forms."""
    data = {"title": "Newsletter signup", "description": "", "source": "email", "received_on": TODAY.isoformat()}
    assert post(client, "bucket_add", project.pk, data | {"contact": ""}).status_code == 302
    wish = CR.objects.get(project=project, title="Newsletter signup")
    assert post(client, "wish_assess", wish.pk, {"estimate_hours": hours}).status_code == 302
    response = post(client, "wish_classify", wish.pk, {"classification": "extra_cost", "target_phase": ""})
    assert response.status_code == 302, text(response)[:2000]
    wish.refresh_from_db()
    return wish


def contract_text(client, project: Project) -> tuple[str, str]:
    """The contract as the freelancer sees it: the contract page, and its PDF read back."""
    template = ContractTemplate.default_for(project.owner, "en")
    url = reverse("contracts:contract", args=[project.pk])
    assert client.post(url, {"template": template.pk}, HTTP_ACCEPT_LANGUAGE="en").status_code == 302
    assert Contract.objects.filter(project=project).exists()
    page = text(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    pdf = client.get(reverse("contracts:preview_pdf", args=[project.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert pdf["Content-Type"] == "application/pdf"
    return page, " ".join(pdf_to_text(pdf.content).split())


def log_hours(client, project: Project) -> TimeEntry:
    data = {"date": TODAY.isoformat(), "role": "developer", "billable": "", "hours": "2"}
    response = client.post(reverse("projects:time_add", args=[project.pk]), data)
    assert response.status_code == 302, text(response)[:3000]
    return TimeEntry.objects.get(project=project)


# -- the rate history alone ------------------------------------------------------------------------------


def test_a_rate_only_in_the_rate_history_reaches_the_bucket_the_wish_the_contract_and_the_hours(
    alice_client, alice, operator, project
):
    enter_rate(operator, alice, "90.00", date(2026, 1, 1))

    bucket = bucket_page(alice_client, project)
    assert "Hourly rate: €90.00 excl. VAT. From your rate history, since 1 January 2026." in bucket
    assert "No hourly rate yet" not in bucket

    wish = priced_wish(alice_client, project)
    assert (wish.status, wish.hourly_rate, wish.cost) == (CR.Status.WAITING, Decimal("90.00"), Decimal("720.00"))

    page, pdf = contract_text(alice_client, project)
    for seen in (page, pdf):
        assert "The hourly rate for this project is €90.00 excluding VAT." in seen
        assert "at the hourly rate of €90.00 excluding VAT" in seen  # the beep clause

    assert log_hours(alice_client, project).hourly_rate == Decimal("90.00")


def test_a_rate_agreed_with_the_client_beats_the_freelancers_own_and_a_future_rate_waits(
    alice_client, alice, operator, project
):
    enter_rate(operator, alice, "90.00", date(2026, 1, 1))
    enter_rate(operator, alice, "95.00", date(2026, 6, 1), client=project.client)
    enter_rate(operator, alice, "120.00", date(2027, 2, 1), client=project.client)  # announced, not yet valid

    assert "Hourly rate: €95.00 excl. VAT. From your rate history, since 1 June 2026." in bucket_page(
        alice_client, project
    )
    assert priced_wish(alice_client, project).cost == Decimal("760.00")
    page, _pdf = contract_text(alice_client, project)
    assert "The hourly rate for this project is €95.00 excluding VAT." in page


# -- the project's own rate ------------------------------------------------------------------------------


def test_the_projects_own_rate_wins_in_the_bucket_the_wish_the_contract_and_the_hours(
    alice_client, alice, operator, project
):
    enter_rate(operator, alice, "90.00", date(2026, 1, 1))
    response = post(alice_client, "bucket_terms", project.pk, {"hourly_rate": "100", "swap_tolerance_percent": "10"})
    assert response.status_code == 302

    bucket = bucket_page(alice_client, project)
    assert "Hourly rate: €100.00 excl. VAT. Set for this project." in bucket
    assert "€90.00" not in bucket

    assert priced_wish(alice_client, project).cost == Decimal("800.00")

    page, pdf = contract_text(alice_client, project)
    for seen in (page, pdf):
        assert "The hourly rate for this project is €100.00 excluding VAT." in seen
        assert "€90.00" not in seen  # the rates table shows this project's rate, not the history

    assert log_hours(alice_client, project).hourly_rate == Decimal("100.00")


def test_emptying_the_projects_rate_follows_the_rate_history_again(alice_client, alice, operator, project):
    enter_rate(operator, alice, "90.00", date(2026, 1, 1))
    Project.objects.filter(pk=project.pk).update(hourly_rate=Decimal("100.00"))
    response = post(alice_client, "bucket_terms", project.pk, {"hourly_rate": "", "swap_tolerance_percent": "10"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.hourly_rate is None
    assert "Hourly rate: €90.00 excl. VAT. From your rate history" in bucket_page(alice_client, project)


def test_without_any_rate_the_bucket_asks_for_one_and_extra_cost_is_refused(alice_client, alice, project):
    bucket = bucket_page(alice_client, project)
    assert "No hourly rate yet" in bucket
    data = {"title": "Newsletter signup", "description": "", "source": "email", "received_on": TODAY.isoformat()}
    post(alice_client, "bucket_add", project.pk, data | {"contact": ""})
    wish = CR.objects.get(project=project)
    post(alice_client, "wish_assess", wish.pk, {"estimate_hours": "8"})
    response = post(alice_client, "wish_classify", wish.pk, {"classification": "extra_cost", "target_phase": ""})
    assert response.status_code == 422
    wish.refresh_from_db()
    assert (wish.status, wish.cost) == (CR.Status.ASSESSED, None)


# -- isolation -------------------------------------------------------------------------------------------


def test_another_freelancers_rate_history_is_never_used(alice_client, alice, bob, operator, project):
    enter_rate(operator, bob, "150.00", date(2026, 1, 1))
    bucket = bucket_page(alice_client, project)
    assert "No hourly rate yet" in bucket
    assert "€150.00" not in bucket
    bob_browser = Browser()
    bob_browser.force_login(bob)
    assert bob_browser.get(reverse("projects:bucket", args=[project.pk])).status_code == 404


# -- queries ---------------------------------------------------------------------------------------------


def test_the_bucket_page_asks_the_rate_history_once_however_many_wishes(alice_client, alice, operator, project):
    enter_rate(operator, alice, "90.00", date(2026, 1, 1))
    other = project_with_phases(alice, 2, hourly_rate=Decimal("100.00"))
    for target in (project, other):
        CR.objects.create(project=target, title="First")
    bucket_page(alice_client, project)  # warm up the session
    with CaptureQueriesContext(connection) as history_one:
        bucket_page(alice_client, project)
    with CaptureQueriesContext(connection) as own_one:
        bucket_page(alice_client, other)
    for n in range(30):
        CR.objects.create(project=project, title=f"Wish {n}", estimate_hours=Decimal("2"))
    with CaptureQueriesContext(connection) as history_many:
        bucket_page(alice_client, project)
    assert len(history_one) == len(history_many), [q["sql"] for q in history_many.captured_queries]
    # The project's own rate needs no query; the rate history is one.
    assert len(history_one) == len(own_one) + 1, [q["sql"] for q in history_one.captured_queries]
