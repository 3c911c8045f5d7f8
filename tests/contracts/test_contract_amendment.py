"""An accepted contract changes only by a new version the client accepts.

A renegotiated first deadline is the usual reason: the contract's own clause says the date
moves only in writing. The contract page offers the new version; the accepted one stays
binding (and downloadable, with its evidence) until the client accepts the next.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client as BrowserClient

from contracts import deposits, services
from contracts.models import Contract, ContractAcceptance, ContractVersion, Invoice
from projects.models import Project
from tests.conftest import verify_second_factor
from tests.contracts import test_contract_flow as flow
from tests.contracts.test_contract_flow import accept, link_in_latest_mail, open_as_client, send, url

pytestmark = pytest.mark.django_db
NEW_DEADLINE = date(2027, 4, 16)

# The contract flow's fixtures: a template, a proposal, and the contract sent to Jan.
template = flow.template
project = flow.project
sent = flow.sent


@pytest.fixture
def accepted(alice, sent):
    contracted, browser, page_url = sent
    assert accept(browser, page_url).status_code == 302
    contracted.refresh_from_db()
    assert contracted.status == Project.Status.CONTRACTED
    return contracted


def renegotiate(contracted, actor) -> None:
    contracted.renegotiate_first_deadline(
        NEW_DEADLINE, reason="Photos arrive late", client_agreement="Agreed by phone with Jan", actor=actor
    )


def page(client, contracted) -> str:
    response = client.get(url(contracted), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_a_renegotiated_deadline_asks_for_a_new_version(alice, alice_client, accepted):
    assert "The first deadline was renegotiated" not in page(alice_client, accepted)
    renegotiate(accepted, alice)
    html = page(alice_client, accepted)
    assert "The first deadline was renegotiated" in html
    assert "moved from 5 March 2027 to 16 April 2027" in html
    assert "version 1 that the client accepted still says 5 March 2027" in html
    assert "Prepare version 2 with the new date" in html


def test_the_new_version_carries_the_new_date_and_the_old_one_binds_until_accepted(alice, alice_client, accepted):
    renegotiate(accepted, alice)
    response = alice_client.post(url(accepted, "change/"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    contract = Contract.objects.get(project=accepted)
    assert contract.status == Contract.Status.DRAFT
    html = page(alice_client, accepted)
    assert "Version 1, accepted on" in html and "binds until the client accepts the version you send next" in html
    assert "Edit clause 1" in html  # the clauses are editable again
    assert services.binding_version(contract).number == 1

    assert send(alice_client, accepted).status_code == 302
    second = ContractVersion.objects.get(contract=contract, number=2)
    assert "16 April 2027" in str(second.snapshot)
    first = ContractVersion.objects.get(contract=contract, number=1)
    assert "5 March 2027" in str(first.snapshot) and first.verify()
    assert services.binding_version(contract) == first  # sent, not yet accepted

    browser, page_url = open_as_client(link_in_latest_mail())
    assert accept(browser, page_url).status_code == 302
    contract.refresh_from_db()
    assert contract.status == Contract.Status.ACCEPTED
    assert services.binding_version(contract) == second
    assert ContractAcceptance.objects.filter(version__contract=contract).count() == 2  # version 1's evidence stays
    accepted.refresh_from_db()
    assert accepted.status == Project.Status.CONTRACTED
    assert "The first deadline was renegotiated" not in page(alice_client, accepted)  # in writing now


def test_an_unchanged_contract_is_not_sent_again_for_acceptance(alice_client, accepted):
    assert alice_client.post(url(accepted, "change/")).status_code == 302
    response = send(alice_client, accepted)
    assert response.status_code == 422
    assert "Nothing changed since version 1, which the client accepted." in response.content.decode()
    assert ContractVersion.objects.filter(contract__project=accepted).count() == 1


def test_a_deposit_is_not_drafted_twice_by_the_second_acceptance(alice, alice_client, accepted):
    Project.objects.filter(pk=accepted.pk).update(deposit_amount="500.00")
    accepted.refresh_from_db()
    deposits.draft_deposit(accepted)  # as the first acceptance does for a project that asks one
    assert Invoice.objects.filter(project=accepted, purpose=Invoice.Purpose.DEPOSIT).count() == 1
    renegotiate(accepted, alice)
    assert alice_client.post(url(accepted, "change/")).status_code == 302
    assert send(alice_client, accepted).status_code == 302
    browser, page_url = open_as_client(link_in_latest_mail())
    assert accept(browser, page_url).status_code == 302
    assert Contract.objects.get(project=accepted).status == Contract.Status.ACCEPTED
    assert Invoice.objects.filter(project=accepted, purpose=Invoice.Purpose.DEPOSIT).count() == 1


def test_proposing_a_change_twice_is_harmless(alice_client, accepted):
    assert alice_client.post(url(accepted, "change/")).status_code == 302
    response = alice_client.post(url(accepted, "change/"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "The contract is already open for changes." in response.content.decode()
    assert Contract.objects.get(project=accepted).status == Contract.Status.DRAFT


def test_without_a_renegotiation_a_change_can_still_be_proposed(alice_client, accepted):
    html = page(alice_client, accepted)
    assert "Propose a change to the contract" in html
    assert "Prepare version" not in html


def test_a_closed_project_keeps_its_contract(alice, alice_client, accepted):
    Project.objects.filter(pk=accepted.pk).update(status=Project.Status.COMPLETED)
    response = alice_client.post(url(accepted, "change/"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert "This project is closed; its contract no longer changes." in response.content.decode()
    assert Contract.objects.get(project=accepted).status == Contract.Status.ACCEPTED


def test_propose_change_is_post_only_and_404_for_someone_else(alice_client, bob, accepted):
    assert alice_client.get(url(accepted, "change/")).status_code == 405
    other = BrowserClient()
    other.force_login(bob)
    verify_second_factor(other, bob)
    assert other.post(url(accepted, "change/")).status_code == 404
    assert Contract.objects.get(project=accepted).status == Contract.Status.ACCEPTED
