"""Deposits: asked on the project form, drafted once when the client accepts the contract,
sent by the freelancer like any draft, and deducted once from the final invoice."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from contracts import deposits, invoices
from contracts.models import Invoice, InvoiceLine
from freelance.lib.rules import RuleViolation
from projects.models import ChangeRequest, Phase, Project
from tests.contracts.test_contract_flow import (
    accept,
    create,
    link_in_latest_mail,
    open_as_client,
    proposal,
    send,
    shown_hash,
    template,  # noqa: F401 (a fixture)
)
from tests.factories import BusinessProfileFactory, ClientFactory, ContactFactory, PhaseFactory, ProjectFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {"HTTP_HX_REQUEST": "true", **EN}
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 26, 10, 0)), tick=False):
        yield


def url(name: str, *args) -> str:
    return reverse(f"contracts:{name}", args=args)


def body(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def deposit_project(owner, *, percent=None, amount=None, phases=2, price="2500.00", language="en", name="Webshop"):
    """A contracted project with `phases` fixed-price phases, a budget holder and a business profile."""
    BusinessProfileFactory(owner=owner)
    client = ClientFactory(owner=owner, language=language)
    ContactFactory(client=client, name="Bea Budget", email="bea@client.example", is_budget_holder=True)
    project = ProjectFactory(
        owner=owner,
        client=client,
        name=name,
        status=Project.Status.ACTIVE,
        deposit_percent=None if percent is None else Decimal(percent),
        deposit_amount=None if amount is None else Decimal(amount),
    )
    for position in range(1, phases + 1):
        PhaseFactory(project=project, position=position, title=f"Phase {position}", fixed_price=Decimal(price))
    return project


def sent_deposit(project: Project) -> Invoice:
    return invoices.issue(deposits.draft_deposit(project), actor=project.owner, today=TODAY, send=False)


def phase(project: Project, position: int) -> Phase:
    return project.phases.get(position=position)


def deduction(invoice: Invoice) -> InvoiceLine | None:
    return invoice.lines.filter(deducts_deposit__isnull=False).first()


# -- the project form ------------------------------------------------------------------------------


def new_project(client, owner_client, **fields):
    data = {
        "client": owner_client.pk,
        "name": "Lunch webshop",
        "goal": "",
        "first_deadline": "2027-03-05",
        "phase1_title": "Design",
        "deposit_percent": "",
        "deposit_amount": "",
    }
    data.update(fields)
    return client.post(reverse("projects:project_new"), data, **EN)


def test_the_project_form_saves_a_deposit_percentage_or_amount(alice, alice_client):
    client = ClientFactory(owner=alice)
    assert new_project(alice_client, client, deposit_percent="30").status_code == 302
    assert new_project(alice_client, client, name="Second", deposit_amount="1500.50").status_code == 302
    first, second = Project.objects.filter(owner=alice).order_by("pk")
    assert (first.deposit_percent, first.deposit_amount) == (Decimal("30"), None)
    assert (second.deposit_percent, second.deposit_amount) == (None, Decimal("1500.50"))
    page = body(alice_client.get(reverse("projects:project_new"), **EN))
    assert 'name="deposit_percent"' in page and 'name="deposit_amount"' in page


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"deposit_percent": "30", "deposit_amount": "1000"}, "deposit_amount", "not both"),
        ({"deposit_percent": "-5"}, "deposit_percent", "more than 0 and at most 100"),
        ({"deposit_percent": "0"}, "deposit_percent", "more than 0 and at most 100"),
        ({"deposit_percent": "100.01"}, "deposit_percent", "more than 0 and at most 100"),
        ({"deposit_percent": "250"}, "deposit_percent", "more than 0 and at most 100"),
        ({"deposit_percent": "thirty"}, "deposit_percent", "as a percentage"),
        ({"deposit_amount": "-100"}, "deposit_amount", "more than zero"),
        ({"deposit_amount": "10000000"}, "deposit_amount", "at most"),
        ({"deposit_amount": "9" * 40}, "deposit_amount", "too large"),
        ({"deposit_amount": "1e400"}, "deposit_amount", ""),
        ({"deposit_amount": "12.345"}, "deposit_amount", "euros and cents"),
        ({"deposit_amount": SCRIPT}, "deposit_amount", "as an amount"),
    ],
)
def test_a_bad_deposit_is_refused_next_to_its_field_and_what_was_typed_is_kept(
    alice, alice_client, fields, field, message
):
    client = ClientFactory(owner=alice)
    response = new_project(alice_client, client, **fields)
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    page = body(response)
    for value in fields.values():
        if value != SCRIPT:
            assert f'value="{value}"' in page  # kept, to correct
    assert SCRIPT not in page
    assert not Project.objects.exists()


# -- drafted when the client accepts the contract ----------------------------------------------------


def accepted_with_deposit(alice_client, alice, template, **deposit):  # noqa: F811 (the fixture)
    project = proposal(alice)
    Project.objects.filter(pk=project.pk).update(**deposit)
    BusinessProfileFactory(owner=alice)
    assert create(alice_client, project, template).status_code == 302
    assert send(alice_client, project).status_code == 302
    browser, page_url = open_as_client(link_in_latest_mail())
    digest = shown_hash(browser.get(page_url))
    assert accept(browser, page_url, digest=digest).status_code == 302
    return project, browser, page_url, digest


def test_accepting_the_contract_drafts_one_deposit_invoice_in_the_clients_language(
    alice,
    alice_client,
    template,  # noqa: F811
):
    project, browser, page_url, digest = accepted_with_deposit(
        alice_client, alice, template, deposit_percent=Decimal("30")
    )
    # A double submit of the acceptance changes nothing, and drafts no second deposit.
    again = accept(browser, page_url, digest=digest)
    assert again.status_code in (200, 302, 410)
    (deposit,) = Invoice.objects.filter(project=project)
    assert (deposit.purpose, deposit.status, deposit.language) == ("deposit", "draft", "en")
    (line,) = deposit.lines.all()
    # Three phases of € 2,500: 30% of € 7,500 is € 2,250, with 21% VAT.
    assert (line.quantity, line.unit_price, line.vat_percent) == (1, Decimal("2250.00"), 21)
    assert line.description == "Deposit for project Lunch webshop (30% of €7,500.00)"
    # The freelancer finds it among the invoices, reviews it and sends it like any draft.
    assert deposit.pk in [row.invoice.pk for row in alice_client.get(url("invoice_list"), **EN).context["rows"]]
    response = alice_client.post(url("invoice_send", deposit.pk), **EN)
    assert response.status_code == 302
    deposit.refresh_from_db()
    assert (deposit.status, deposit.total_excl, deposit.total_vat, deposit.total) == (
        "sent",
        Decimal("2250.00"),
        Decimal("472.50"),
        Decimal("2722.50"),
    )


def test_a_contract_without_a_deposit_drafts_no_invoice(alice, alice_client, template):  # noqa: F811
    project, *_rest = accepted_with_deposit(alice_client, alice, template)
    assert Project.objects.get(pk=project.pk).status == Project.Status.CONTRACTED
    assert not Invoice.objects.filter(project=project).exists()


def test_a_fixed_deposit_in_dutch_writes_the_dutch_amount(alice):
    project = deposit_project(alice, amount="1000", language="nl", name="Bakkerij")
    project_pct = deposit_project(alice, percent="12.5", language="nl", name="Slagerij")
    fixed = deposits.draft_deposit(project).lines.get()
    share = deposits.draft_deposit(project_pct).lines.get()
    assert fixed.unit_price == Decimal("1000.00") and "Bakkerij" in fixed.description
    # 12.5% of 2 × € 2.500 = € 625: the percentage and the base as a Dutch reader writes them.
    assert share.unit_price == Decimal("625.00")
    assert "12,5" in share.description and "€\xa05.000,00" in share.description


def test_drafting_twice_or_at_once_makes_one_deposit(alice):
    project = deposit_project(alice, percent="30")
    first = deposits.draft_deposit(project)
    assert deposits.draft_deposit(project) == first
    assert Invoice.objects.filter(project=project, purpose="deposit").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_accepts_at_once_draft_one_deposit(alice):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race is only real on PostgreSQL (run there on CI)")
    project = deposit_project(alice, percent="30")
    barrier = threading.Barrier(8)
    made = []

    def draft():
        try:
            barrier.wait()
            made.append(deposits.draft_deposit(project).pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=draft) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(made) == 8 and len(set(made)) == 1
    assert Invoice.objects.filter(project=project, purpose="deposit").count() == 1


def test_a_deposit_too_large_for_an_invoice_is_left_out_without_refusing_the_acceptance(alice):
    project = deposit_project(alice, amount="50000000")  # past the form's limit, e.g. set in the admin
    assert deposits.draft_deposit(project) is None
    assert not Invoice.objects.exists()


# -- deducted from the final invoice -------------------------------------------------------------


def test_the_last_phases_invoice_deducts_the_sent_deposit_once(alice):
    project = deposit_project(alice, percent="30")  # 30% of € 5,000: € 1,500
    deposit = sent_deposit(project)
    first = invoices.draft_for_phase(phase(project, 1))
    assert deduction(first) is None  # not the final invoice
    final = invoices.draft_for_phase(phase(project, 2))
    line = deduction(final)
    assert line.deducts_deposit == deposit
    assert line.description == f"Minus deposit, invoice {deposit.number}"
    assert (line.quantity, line.unit_price, line.vat_percent) == (1, Decimal("-1500.00"), 21)
    totals = invoices.compute_totals(final)
    assert (totals.total_excl, totals.total) == (Decimal("1000.00"), Decimal("1210.00"))
    # Sent, it is frozen with the deduction; the deposit is used up.
    sent = invoices.issue(final, actor=alice, today=TODAY, send=False)
    assert sent.total == Decimal("1210.00")
    assert deposits.deductible_for(first) is None


def test_the_deduction_is_at_most_the_drafts_total(alice):
    project = deposit_project(alice, amount="4000", phases=1)
    sent_deposit(project)
    final = invoices.draft_for_phase(phase(project, 1))
    assert deduction(final).unit_price == Decimal("-2500.00")  # min(4000, 2500)
    assert invoices.compute_totals(final).total == 0


@pytest.mark.parametrize("state", ["draft", "credited"])
def test_a_draft_or_credited_deposit_is_not_deducted(alice, alice_client, state):
    project = deposit_project(alice, percent="30")
    if state == "draft":
        deposits.draft_deposit(project)
    else:
        deposit = sent_deposit(project)
        invoices.issue(invoices.credit_note_for(deposit, actor=alice), actor=alice, today=TODAY, send=False)
        assert Invoice.objects.get(pk=deposit.pk).status == Invoice.Status.CREDITED
    final = invoices.draft_for_phase(phase(project, 2))
    assert deduction(final) is None
    assert "Deduct deposit" not in body(alice_client.get(url("invoice_detail", final.pk), **EN))


def test_a_partly_credited_deposit_deducts_what_is_left(alice):
    project = deposit_project(alice, amount="1000")
    deposit = sent_deposit(project)
    note = invoices.credit_note_for(deposit, actor=alice)
    note.lines.update(quantity=Decimal("-0.40"))  # take back 40%
    invoices.issue(note, actor=alice, today=TODAY, send=False)
    final = invoices.draft_for_phase(phase(project, 2))
    assert deduction(final).unit_price == Decimal("-600.00")


def test_unbilled_work_deducts_the_deposit_when_no_phase_is_left_to_invoice(alice, alice_client):
    project = deposit_project(alice, amount="300", phases=1)
    now = timezone.now()
    Phase.objects.filter(project=project).update(
        pricing=Phase.Pricing.TIME,
        status=Phase.Status.ACCEPTED,
        started_at=now,
        delivered_at=now,
        accepted_at=now,
    )
    deposit = sent_deposit(project)
    ChangeRequest.objects.create(
        project=project, title="Extra page", decision=ChangeRequest.Decision.PAY, cost=Decimal("800.00")
    )
    response = alice_client.post(url("invoice_draft_unbilled", project.pk), **EN)
    assert response.status_code == 302
    final = Invoice.objects.get(project=project, purpose="work")
    assert deduction(final).deducts_deposit == deposit
    assert invoices.compute_totals(final).total_excl == Decimal("500.00")


def test_unbilled_work_while_phases_are_open_deducts_nothing(alice, alice_client):
    project = deposit_project(alice, amount="300", phases=1)
    Phase.objects.filter(project=project).update(
        pricing=Phase.Pricing.TIME, status=Phase.Status.IN_PROGRESS, started_at=timezone.now()
    )
    sent_deposit(project)
    ChangeRequest.objects.create(
        project=project, title="Extra page", decision=ChangeRequest.Decision.PAY, cost=Decimal("800.00")
    )
    assert alice_client.post(url("invoice_draft_unbilled", project.pk), **EN).status_code == 302
    assert deduction(Invoice.objects.get(project=project, purpose="work")) is None


def test_accepting_the_last_phase_drafts_the_final_invoice_with_the_deduction(alice):
    project = deposit_project(alice, percent="10", phases=1)
    deposit = sent_deposit(project)
    last = phase(project, 1)
    Phase.objects.filter(pk=last.pk).update(status=Phase.Status.DELIVERED)
    last.refresh_from_db()
    last.accept(alice)
    final = Invoice.objects.get(phase=last)
    assert deduction(final).deducts_deposit == deposit
    assert deduction(final).unit_price == Decimal("-250.00")


# -- by hand, and freed again ----------------------------------------------------------------------


def test_the_freelancer_deducts_the_deposit_by_hand_once(alice, alice_client, bob, client):
    project = deposit_project(alice, percent="30", name=f"Web {SCRIPT}")
    deposit = sent_deposit(project)
    first = invoices.draft_for_phase(phase(project, 1))
    page = body(alice_client.get(url("invoice_detail", first.pk), **EN))
    assert f"Deduct deposit {deposit.number}" in page
    assert SCRIPT not in page  # the project name in the deposit line is escaped

    # Another freelancer cannot deduct on alice's draft, nor with alice's deposit.
    client.force_login(bob)
    assert client.post(url("invoice_deduct_deposit", first.pk), {"deposit": deposit.pk}).status_code == 404
    bobs = deposit_project(bob, percent="30")
    bobs_draft = invoices.draft_for_phase(phase(bobs, 1))
    assert client.post(url("invoice_deduct_deposit", bobs_draft.pk), {"deposit": deposit.pk}).status_code == 404
    assert not InvoiceLine.objects.filter(deducts_deposit=deposit).exists()

    client.force_login(alice)
    response = client.post(url("invoice_deduct_deposit", first.pk), {"deposit": deposit.pk}, **EN)
    assert response.status_code == 302
    line = deduction(first)
    assert line.unit_price == Decimal("-1500.00")
    # A double click deducts nothing more; it says why.
    again = client.post(url("invoice_deduct_deposit", first.pk), {"deposit": deposit.pk}, **HTMX)
    assert again.status_code == 422
    assert any("already deducted" in m for m in messages_of(again))
    assert InvoiceLine.objects.filter(deducts_deposit=deposit).count() == 1
    # The final invoice then finds it deducted already.
    final = invoices.draft_for_phase(phase(project, 2))
    assert deduction(final) is None
    assert f"Deduct deposit {deposit.number}" not in body(client.get(url("invoice_detail", final.pk), **EN))


def test_deleting_the_draft_that_deducts_it_frees_the_deposit(alice, alice_client):
    project = deposit_project(alice, percent="30")
    deposit = sent_deposit(project)
    final = invoices.draft_for_phase(phase(project, 2))
    assert deduction(final) is not None
    other = invoices.draft_for_phase(phase(project, 1))
    assert "Deduct deposit" not in body(alice_client.get(url("invoice_detail", other.pk), **EN))
    assert alice_client.post(url("invoice_delete", final.pk), **EN).status_code == 302
    assert not Invoice.objects.filter(pk=final.pk).exists()
    assert Invoice.objects.filter(pk=deposit.pk).exists()
    assert f"Deduct deposit {deposit.number}" in body(alice_client.get(url("invoice_detail", other.pk), **EN))


def test_removing_the_deduction_line_frees_it_too(alice, alice_client):
    project = deposit_project(alice, percent="30")
    deposit = sent_deposit(project)
    final = invoices.draft_for_phase(phase(project, 2))
    line = deduction(final)
    assert alice_client.post(url("invoice_line_delete", final.pk, line.pk), **EN).status_code == 302
    assert deposits.deductible_for(final) == deposit


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("unsent", "Send the deposit invoice first"),
        ("empty", "Add the invoice's lines first"),
        ("other_project", "not a deposit invoice of this project"),
        ("sent_target", "cannot be changed"),
    ],
)
def test_a_deduction_that_cannot_be_made_says_why(alice, alice_client, setup, message):
    project = deposit_project(alice, percent="30")
    target = invoices.draft_for_phase(phase(project, 1))
    deposit = deposits.draft_deposit(project) if setup == "unsent" else sent_deposit(project)
    if setup == "empty":
        target.lines.all().delete()
    elif setup == "other_project":
        target = invoices.draft_for_phase(phase(deposit_project(alice, percent="30"), 1))
    elif setup == "sent_target":
        target = invoices.issue(target, actor=alice, today=TODAY, send=False)
    response = alice_client.post(url("invoice_deduct_deposit", target.pk), {"deposit": deposit.pk}, **EN)
    assert response.status_code == 422
    assert any(message in m for m in messages_of(response)), messages_of(response)
    assert not InvoiceLine.objects.filter(deducts_deposit__isnull=False).exists()


def test_garbage_in_the_deduct_form_is_no_500(alice, alice_client):
    project = deposit_project(alice, percent="30")
    target = invoices.draft_for_phase(phase(project, 1))
    for value in ["", "abc", SCRIPT, "-1", "9" * 30]:
        response = alice_client.post(url("invoice_deduct_deposit", target.pk), {"deposit": value}, **EN)
        assert response.status_code in (404, 422), value
    assert alice_client.get(url("invoice_deduct_deposit", target.pk)).status_code == 405


def test_deduct_refuses_a_non_deposit(alice):
    project = deposit_project(alice, percent="30")
    work = invoices.issue(invoices.draft_for_phase(phase(project, 1)), actor=alice, today=TODAY, send=False)
    final = invoices.draft_for_phase(phase(project, 2))
    with pytest.raises(RuleViolation):
        deposits.deduct(final, work)
