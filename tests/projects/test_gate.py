"""The payment gate in the UI: “I would, but I can't” start or deliver a phase, or start a project,
for a client with an overdue invoice, unless the freelancer gives a reason (which is logged).

Everything goes through the test client, then reads the database back.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from contracts import invoices, payments
from contracts.models import GateOverride, Invoice
from projects.models import Client, Phase, PhaseEvent, Project
from tests.factories import BusinessProfileFactory, ClientFactory, PhaseFactory, ProjectFactory, billable_project

pytestmark = pytest.mark.django_db

AMS = ZoneInfo("Europe/Amsterdam")
TODAY = date(2026, 11, 26)
REASON = "The client paid yesterday; the bank shows it tomorrow."


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 11, 26, 10, 0, tzinfo=AMS), tick=False) as traveller:
        yield traveller


# -- helpers -------------------------------------------------------------------------------


def sent_invoice(client: Client) -> Invoice:
    """An invoice sent today for earlier work for `client`: due in the client's payment term."""
    BusinessProfileFactory(owner=client.owner)
    earlier = ProjectFactory(owner=client.owner, client=client, name="Earlier work")
    phase = PhaseFactory(project=earlier, position=1, fixed_price=Decimal("1000.00"))
    return invoices.issue(invoices.draft_for_phase(phase), actor=client.owner, send=False)


def overdue_invoice(client: Client) -> Invoice:
    invoice = sent_invoice(client)
    Invoice.objects.filter(pk=invoice.pk).update(due_date=TODAY - timedelta(days=1))
    invoice.refresh_from_db()
    assert invoice.is_overdue(TODAY)
    return invoice


def contracted_project(owner) -> tuple[Project, Phase]:
    project, phase = billable_project(owner)
    project.mark_contracted(owner)
    phase.refresh_from_db()
    return project, phase


def post(client, name: str, pk: int, data: dict | None = None, **extra):
    return client.post(reverse(f"projects:{name}", args=[pk]), data or {}, HTTP_ACCEPT_LANGUAGE="en", **extra)


def new_project_data(client: Client, **fields) -> dict:
    return {
        "client": client.pk,
        "name": "Webshop, the sequel",
        "goal": "More orders.",
        "first_deadline": "2027-03-01",
        "phase1_title": "Design",
        "phase2_title": "",
        "phase3_title": "",
        **fields,
    }


def snapshot() -> tuple:
    return (
        list(Project.objects.order_by("pk").values()),
        list(Phase.objects.order_by("pk").values()),
        PhaseEvent.objects.count(),
        GateOverride.objects.count(),
        Invoice.objects.count(),
    )


# -- starting a phase ----------------------------------------------------------------------


def test_starting_a_phase_for_a_client_with_an_overdue_invoice_is_refused_politely(alice_client, alice):
    project, phase = contracted_project(alice)
    invoice = overdue_invoice(project.client)
    before = snapshot()
    response = post(alice_client, "phase_start", phase.pk)
    assert response.status_code == 422
    body = response.content.decode()
    assert f"I would, but I can&#x27;t start this phase: invoice {invoice.number} is past its due date." in body
    assert "As a matter of policy, new work starts once overdue invoices are paid." in body
    # The form comes back with the field for a reason.
    assert re.search(rf'<textarea name="override_reason"[^>]* id="id_phase{phase.pk}_start_override_reason"', body)
    assert (
        f'<label for="id_phase{phase.pk}_start_override_reason">Reason to go ahead despite the overdue invoice</label>'
        in body
    )
    assert snapshot() == before
    phase.refresh_from_db()
    assert phase.status == Phase.Status.PLANNED


def test_a_phase_starts_with_a_reason_and_the_override_is_logged(alice_client, alice):
    project, phase = contracted_project(alice)
    invoice = overdue_invoice(project.client)
    response = post(alice_client, "phase_start", phase.pk, {"override_reason": f"  {REASON}  "})
    assert response.status_code == 302
    phase.refresh_from_db()
    project.refresh_from_db()
    assert phase.status == Phase.Status.IN_PROGRESS
    assert project.status == Project.Status.ACTIVE
    override = GateOverride.objects.get()
    assert override.action == GateOverride.Action.START_PHASE
    assert (override.owner, override.client, override.reason) == (alice, project.client, REASON)
    assert override.invoices == [invoice.number]
    assert phase.title in override.subject
    followed = alice_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Phase 1 has started. Your reason to go ahead despite the overdue invoice is logged." in followed


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_a_blank_reason_is_still_refused(alice_client, alice, reason):
    project, phase = contracted_project(alice)
    overdue_invoice(project.client)
    before = snapshot()
    response = post(alice_client, "phase_start", phase.pk, {"override_reason": reason})
    assert response.status_code == 422
    assert "I would, but I can&#x27;t start this phase" in response.content.decode()
    assert snapshot() == before


def test_a_reason_longer_than_500_characters_is_a_form_error_and_changes_nothing(alice_client, alice):
    project, phase = contracted_project(alice)
    overdue_invoice(project.client)
    before = snapshot()
    response = post(alice_client, "phase_start", phase.pk, {"override_reason": "x" * 501})
    assert response.status_code == 422
    body = response.content.decode()
    assert "Ensure this value has at most 500 characters (it has 501)." in body
    assert "x" * 501 in body  # what was typed comes back
    assert snapshot() == before


def test_with_htmx_a_refusal_returns_the_main_section_with_the_reason_field(alice_client, alice):
    project, phase = contracted_project(alice)
    overdue_invoice(project.client)
    response = post(alice_client, "phase_start", phase.pk, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="project-main"')
    assert "I would, but I can&#x27;t start this phase" in body
    assert f'id="id_phase{phase.pk}_start_override_reason"' in body


def test_the_clock_makes_an_invoice_overdue(alice_client, alice, frozen):
    project, phase = contracted_project(alice)
    invoice = sent_invoice(project.client)
    assert post(alice_client, "phase_start", phase.pk).status_code == 302  # not due yet: no gate
    Phase.objects.filter(pk=phase.pk).update(status=Phase.Status.PLANNED)
    frozen.move_to(datetime.combine(invoice.due_date + timedelta(days=1), datetime.min.time(), tzinfo=AMS))
    alice_client.force_login(alice)  # the session of November has expired
    assert post(alice_client, "phase_start", phase.pk).status_code == 422
    phase.refresh_from_db()
    assert phase.status == Phase.Status.PLANNED


def test_a_double_post_of_start_with_a_reason_starts_once_and_logs_once(alice_client, alice):
    project, phase = contracted_project(alice)
    overdue_invoice(project.client)
    assert post(alice_client, "phase_start", phase.pk, {"override_reason": REASON}).status_code == 302
    again = post(alice_client, "phase_start", phase.pk, {"override_reason": REASON})
    assert again.status_code == 422
    assert "A phase that is in progress cannot become in progress." in again.content.decode()
    assert PhaseEvent.objects.filter(phase=phase, kind=PhaseEvent.Kind.TRANSITION).count() == 1
    assert GateOverride.objects.count() == 1  # the second override went back with the refused start


def test_a_double_post_of_start_without_a_gate_starts_once(alice_client, alice):
    _project, phase = contracted_project(alice)
    assert post(alice_client, "phase_start", phase.pk).status_code == 302
    assert post(alice_client, "phase_start", phase.pk, HTTP_HX_REQUEST="true").status_code == 422
    assert PhaseEvent.objects.filter(phase=phase, kind=PhaseEvent.Kind.TRANSITION).count() == 1


# -- delivering a phase ----------------------------------------------------------------------


def test_delivering_is_refused_and_keeps_what_was_typed(alice_client, alice):
    project, phase = contracted_project(alice)
    phase.start(alice)
    invoice = overdue_invoice(project.client)
    before = snapshot()
    data = {"note": "Staging is <b>ready</b>", "deliverables": "https://staging.example.nl"}
    response = post(alice_client, "phase_deliver", phase.pk, data)
    assert response.status_code == 422
    body = response.content.decode()
    assert f"I would, but I can&#x27;t deliver this phase: invoice {invoice.number}" in body
    assert "Staging is &lt;b&gt;ready&lt;/b&gt;</textarea>" in body
    assert "https://staging.example.nl</textarea>" in body
    assert f'id="id_phase{phase.pk}_deliver_override_reason"' in body
    assert snapshot() == before
    phase.refresh_from_db()
    assert phase.status == Phase.Status.IN_PROGRESS


def test_delivering_with_a_reason_proceeds_and_logs_the_invoices(alice_client, alice):
    project, phase = contracted_project(alice)
    phase.start(alice)
    first, second = overdue_invoice(project.client), overdue_invoice(project.client)
    response = post(alice_client, "phase_deliver", phase.pk, {"note": "Done", "override_reason": REASON})
    assert response.status_code == 302
    phase.refresh_from_db()
    assert phase.status == Phase.Status.DELIVERED
    override = GateOverride.objects.get()
    assert override.action == GateOverride.Action.DELIVER_PHASE
    assert sorted(override.invoices) == sorted([first.number, second.number])


def test_sending_an_acceptance_link_again_is_not_gated(alice_client, alice):
    project, phase = contracted_project(alice)
    phase.start(alice)
    phase.deliver(alice)
    overdue_invoice(project.client)
    contact = project.client.contacts.get()
    response = post(alice_client, "phase_send_request", phase.pk, {"recipients": [contact.pk]})
    assert response.status_code == 302
    assert not GateOverride.objects.exists()


# -- a new project ----------------------------------------------------------------------------


def test_a_new_project_for_a_client_with_an_overdue_invoice_is_refused_and_keeps_the_form(alice_client, alice):
    client = ClientFactory(owner=alice)
    overdue_invoice(client)
    before = snapshot()
    response = alice_client.post(reverse("projects:project_new"), new_project_data(client), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    body = response.content.decode()
    assert "I would, but I can&#x27;t start a new project for this client" in body
    assert 'value="Webshop, the sequel"' in body
    assert 'value="Design"' in body
    assert 'name="override_reason"' in body
    assert snapshot() == before


def test_a_new_project_with_a_reason_is_created_and_the_override_logged(alice_client, alice):
    client = ClientFactory(owner=alice)
    invoice = overdue_invoice(client)
    response = alice_client.post(reverse("projects:project_new"), new_project_data(client, override_reason=REASON))
    assert response.status_code == 302
    project = Project.objects.get(name="Webshop, the sequel")
    assert project.phases.count() == 1
    override = GateOverride.objects.get()
    assert (override.action, override.subject, override.invoices) == (
        GateOverride.Action.NEW_PROJECT,
        "Webshop, the sequel",
        [invoice.number],
    )


def test_a_new_project_with_a_blank_reason_is_still_refused(alice_client, alice):
    client = ClientFactory(owner=alice)
    overdue_invoice(client)
    before = snapshot()
    response = alice_client.post(reverse("projects:project_new"), new_project_data(client, override_reason="  "))
    assert response.status_code == 422
    assert snapshot() == before


def test_a_new_project_that_is_invalid_otherwise_logs_no_override(alice_client, alice):
    client = ClientFactory(owner=alice)
    overdue_invoice(client)
    before = snapshot()
    response = alice_client.post(
        reverse("projects:project_new"), new_project_data(client, phase1_title="", override_reason=REASON)
    )
    assert response.status_code == 422
    assert snapshot() == before


# -- what does not close the gate ----------------------------------------------------------------


def test_a_paid_invoice_does_not_block(alice_client, alice):
    project, phase = contracted_project(alice)
    invoice = overdue_invoice(project.client)
    payments.record_payment(invoice, amount=invoice.total, paid_on=TODAY, actor=alice)
    assert post(alice_client, "phase_start", phase.pk).status_code == 302
    assert not GateOverride.objects.exists()


def test_a_partly_paid_overdue_invoice_still_blocks(alice_client, alice):
    project, phase = contracted_project(alice)
    invoice = overdue_invoice(project.client)
    payments.record_payment(invoice, amount=Decimal("10.00"), paid_on=TODAY, actor=alice)
    assert post(alice_client, "phase_start", phase.pk).status_code == 422


def test_an_invoice_that_is_not_due_yet_does_not_block(alice_client, alice):
    project, phase = contracted_project(alice)
    invoice = sent_invoice(project.client)
    assert invoice.due_date > TODAY
    assert post(alice_client, "phase_start", phase.pk).status_code == 302
    assert not GateOverride.objects.exists()


def test_another_clients_overdue_invoice_does_not_block(alice_client, alice):
    _project, phase = contracted_project(alice)
    overdue_invoice(ClientFactory(owner=alice))
    assert post(alice_client, "phase_start", phase.pk).status_code == 302
    client = ClientFactory(owner=alice)
    assert alice_client.post(reverse("projects:project_new"), new_project_data(client)).status_code == 302
    assert not GateOverride.objects.exists()


# -- isolation and the log ------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["phase_start", "phase_deliver"])
def test_bob_cannot_act_on_alices_phase_even_with_a_reason(client, alice, bob, action):
    project, phase = contracted_project(alice)
    overdue_invoice(project.client)
    before = snapshot()
    client.force_login(bob)
    response = post(client, action, phase.pk, {"override_reason": REASON, "note": "x"})
    assert response.status_code == 404
    assert snapshot() == before


def test_bob_cannot_create_a_project_for_alices_client(client, alice, bob):
    alices = ClientFactory(owner=alice)
    overdue_invoice(alices)
    before = snapshot()
    client.force_login(bob)
    response = client.post(reverse("projects:project_new"), new_project_data(alices, override_reason=REASON))
    assert response.status_code == 422  # “Select a valid choice”: the client is not in bob's list
    assert snapshot() == before


def test_the_time_and_money_section_lists_the_clients_overrides(alice_client, alice, bob):
    project, phase = contracted_project(alice)
    invoice = overdue_invoice(project.client)
    page_url = reverse("projects:project_money", args=[project.pk])
    assert 'id="gate-overrides"' not in alice_client.get(page_url).content.decode()
    post(alice_client, "phase_start", phase.pk, {"override_reason": "<script>alert(1)</script> Paid in cash"})
    other, other_phase = contracted_project(alice)
    overdue_invoice(other.client)
    post(alice_client, "phase_start", other_phase.pk, {"override_reason": "Another client's story"})
    body = alice_client.get(page_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    log = body[body.index('id="gate-overrides"') : body.index("</section>", body.index('id="gate-overrides"'))]
    assert "Work despite overdue invoices" in log
    assert "Alice" in log
    assert "Start a phase" in log
    assert f"overdue: {invoice.number}" in log
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Paid in cash" in log
    assert "<script>alert" not in body
    assert "Another client" not in log
