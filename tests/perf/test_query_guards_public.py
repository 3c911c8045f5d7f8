"""Query guards for the pages a client opens without an account: the same number of queries for a
small project (one phase, one scope item) as for a large one (fifteen of each).

Each page is built (``pages_built``), not served from the page store; the browser opened the link
first, as a client does. See test_query_guards.py for the freelancer's pages.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client as BrowserClient
from django.urls import reverse

from contracts import invoices
from contracts.models import Invoice, InvoiceLine
from projects import acceptance as flow
from projects.models import ChangeRequest
from tests.contracts.test_public_contract_summary import a_project, send
from tests.factories import ContactFactory, ScopeItemFactory, billable_project, project_with_phases
from tests.perf.test_query_guards import two_sizes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pages_built", "_no_pdfs", "frozen")]

AMS = ZoneInfo("Europe/Amsterdam")
MORE = 14  # one, then fifteen


def opened(browser: BrowserClient, token: str) -> str:
    """Open the emailed link in ``browser``, as the client does; the link's page address."""
    response = browser.get(f"/l/{token}/")
    assert response.status_code == 302
    return response["Location"]


def token_of(link_pk: int) -> str:
    """The token of a link issued in this test, read back from the mail that carried it."""
    from freelance.links.models import ClientLink
    from freelance.outbox.models import OutgoingEmail

    link = ClientLink.objects.get(pk=link_pk)
    for mail in OutgoingEmail.objects.order_by("-pk"):
        if link.recipient_email in mail.to and "/l/" in mail.body_text:
            return mail.body_text.split("/l/", 1)[1].split("/", 1)[0]
    raise AssertionError("no mail with the link")


# -- the phase acceptance page ------------------------------------------------------------------


def acceptance_link(owner, size: int, n: int) -> str:
    """A delivered first phase with ``size`` scope items and ``size`` later phases, sent to a contact."""
    project = project_with_phases(owner, 1 + size, first_deadline=date(2027, 3, 5))
    first = project.phases.get(position=1)
    ScopeItemFactory.create_batch(size, phase=first, title=f"Scope {n}")
    contact = ContactFactory(client=project.client, name=f"Jan {n}", email=f"jan{n}@bakkerij.example")
    project.mark_contracted(owner)
    first.start(owner)
    first.deliver(owner)
    deliverables = [f"https://staging{n}-{i}.example.nl" for i in range(size)]
    [request] = flow.send_acceptance_requests(
        first, actor=owner, contacts=[contact], note="Live", deliverables=deliverables
    )
    return token_of(request.link_id)


def test_the_acceptance_page(alice):
    browser = BrowserClient()
    small = opened(browser, acceptance_link(alice, 1, 0))
    large = opened(browser, acceptance_link(alice, 1 + MORE, 1))
    two_sizes(browser, small, large, shows=f"https://staging1-{MORE}.example.nl")


# -- the contract acceptance page ----------------------------------------------------------------


def contract_link(owner, phases: int) -> str:
    """The shipped contract for a project of ``phases`` phases, sent to the client (one per freelancer:
    a_project names the client)."""
    freelancer = BrowserClient()
    freelancer.force_login(owner)
    project = a_project(owner, phases=phases)
    for phase in project.phases.all():
        ScopeItemFactory.create_batch(phases - 1, phase=phase)
    send(freelancer, project)
    from freelance.links.models import ClientLink

    return token_of(ClientLink.objects.filter(purpose=ClientLink.Purpose.CONTRACT_ACCEPTANCE).latest("pk").pk)


def test_the_contract_acceptance_page(alice, bob):
    browser = BrowserClient()
    small = opened(browser, contract_link(alice, 1))
    large = opened(browser, contract_link(bob, 1 + MORE))
    two_sizes(browser, small, large, shows=f"Phase {1 + MORE}")


# -- the public invoice page (/v/<id>/, printed on every invoice) ----------------------------------


def sent_invoice(owner, lines: int) -> Invoice:
    _project, phase = billable_project(owner)
    draft = invoices.draft_for_phase(phase)
    for position in range(2, lines + 1):
        InvoiceLine.objects.create(
            invoice=draft, position=position, description=f"Extra {position}", quantity=Decimal("1"),
            unit_price=Decimal("10.00"), vat_percent=Decimal("21"),
        )  # fmt: skip
    return invoices.issue(draft, actor=owner, send=False)


def test_the_public_invoice_page(alice):
    small, large = sent_invoice(alice, 1), sent_invoice(alice, 1 + MORE)
    two_sizes(
        BrowserClient(),
        reverse("contracts:invoice_verify", args=[small.public_id]),
        reverse("contracts:invoice_verify", args=[large.public_id]),
        shows=large.number,
    )


# -- the client's project page ---------------------------------------------------------------------


def project_page_link(owner, size: int, n: int) -> str:
    from freelance.links.models import ClientLink

    project = project_with_phases(owner, 1 + size, name=f"Webshop {n}")  # two scope items a phase
    for w in range(size):
        ChangeRequest.objects.create(project=project, title=f"Wish {n}-{w}")
    _link, token = ClientLink.issue(
        owner=owner,
        purpose=ClientLink.Purpose.PROJECT_PAGE,
        target=project,
        recipient_email=f"jan{n}@example.nl",
        recipient_name="Jan",
        language="en",
    )
    return token


def test_the_clients_project_page(alice):
    browser = BrowserClient()
    small = opened(browser, project_page_link(alice, 1, 0))
    large = opened(browser, project_page_link(alice, 1 + MORE, 1))
    two_sizes(browser, small, large, shows=f"Wish 1-{MORE}")
