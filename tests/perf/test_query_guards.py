"""Query guards: a built page runs the same number of queries with a little data and with a lot.

Each guard builds a page (``pages_built``: no page store) for a freelancer with one of everything
the page lists, counts its queries, adds fourteen more of each and counts again. The counts must be
equal, not "at most": a query that repeats per row (an N+1) makes the second count larger.

Here: the client page and list, the dashboard (every card, and with trouble), search, the evidence
chain, bank imports and unmatched lines, a recurring agreement, the plan editor, the books (VAT
return and boxes, ICP, index, export form), rates, surcharges, the contract page, the forms that
list clients, a sent mail, the settings pages and every changelist of the admin. Guards that live
next to their views (project list and sections, bucket, time week, sent mail list, invoice list and
page, recurring list, calendar; pages served from the store in test_served_pages.py) are not
repeated. Client-link pages are in test_query_guards_public.py.

A failing guard prints the queries the large page ran more often, ids folded: the repeating one
names the N+1.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client as BrowserClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contracts import invoices, payments, recurring, time_entries
from contracts.banking import imports
from contracts.models import ContractTemplate, HourlyRate, Invoice, RecurringAgreement, RecurringLine, SurchargeRule
from contracts.seed import load_contract_templates
from freelance.outbox.models import OutgoingAttachment, OutgoingEmail
from projects import acceptance as flow
from projects.models import Acceptance, ChangeRequest, Project
from tests.banking.helpers import ALICE_IBAN, camt053
from tests.contracts.test_public_contract_summary import send as send_contract
from tests.contracts.test_vat_return import BELGIAN, DUTCH, client_of, send
from tests.factories import (
    BusinessProfileFactory,
    ClientFactory,
    ContactFactory,
    PhaseFactory,
    ProjectFactory,
    RiskFactory,
    ScopeItemFactory,
    billable_project,
    project_with_phases,
)
from tests.projects.test_acceptance import delivered_project

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pages_built", "_no_pdfs", "frozen")]

AMS = ZoneInfo("Europe/Amsterdam")
TODAY = date(2026, 11, 26)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
MORE = 14  # one, then fifteen


def queries(browser, url: str, **extra) -> tuple[list[str], str]:
    """The SQL of one GET of ``url``, which must answer 200, and the page."""
    with CaptureQueriesContext(connection) as captured:
        response = browser.get(url, **EN, **extra)
    assert response.status_code == 200, (url, response.status_code)
    return [query["sql"] for query in captured.captured_queries], response.content.decode()


def grown(one: list[str], many: list[str]) -> str:
    """The queries the large page ran more often than the small one, with how many more times."""

    def shape(sql: str) -> str:  # the same query for another object or list of ids
        return re.sub(r"\(#(, #)*\)", "(#, ...)", re.sub(r"\b\d+\b", "#", sql))

    extra = Counter(map(shape, many)) - Counter(map(shape, one))
    return "\n".join(f"{times} more: {sql}" for sql, times in extra.most_common()) or "\n".join(many)


def same_count(browser, url: str, grow, *, shows, **extra) -> int:
    """Count ``url``'s queries, call ``grow()`` to add many more rows, count again; both equal.
    ``shows``: a text of the last row added (or a function that finds it after ``grow``), to
    prove the large page lists the new rows."""
    browser.get(url, **EN, **extra)  # warm up: content types, the CSRF cookie
    one, _page = queries(browser, url, **extra)
    grow()
    many, page = queries(browser, url, **extra)
    shows = shows() if callable(shows) else shows
    assert shows in page, f"{shows!r} is not on the large page"
    assert len(many) == len(one), grown(one, many)
    print(f"{url}: {len(one)} queries for one and for many")
    return len(one)


def two_sizes(browser, small: str, large: str, *, shows: str, **extra) -> int:
    """The same page for a small and a large object (an import of 1 line and one of 28): equal counts."""
    browser.get(small, **EN, **extra)  # warm up
    one, _page = queries(browser, small, **extra)
    many, page = queries(browser, large, **extra)
    assert shows in page, f"{shows!r} is not on the large page"
    assert len(many) == len(one), grown(one, many)
    print(f"{small} / {large}: {len(one)} queries for either")
    return len(one)


# -- data -------------------------------------------------------------------------------------


def invoiced_project(owner, client=None, *, n: int = 0, pay: bool = True) -> tuple[Project, Invoice]:
    """A contracted, started project of ``client`` with an issued (overdue) invoice, partly paid,
    a risk, a wish and an hour of time."""
    BusinessProfileFactory(owner=owner)
    if client is None:
        project, phase = billable_project(owner, name=f"Client {n}")
    else:
        project = ProjectFactory(owner=owner, client=client, name=f"Project {n}")
        phase = PhaseFactory(project=project, position=1, fixed_price=Decimal("1000.00"))
    project.mark_contracted(owner)
    phase.start(owner)
    invoice = Invoice.objects.filter(phase=phase).first() or invoices.draft_for_phase(phase)
    if invoice.status == Invoice.Status.DRAFT:
        invoice = invoices.issue(invoice, actor=owner, today=TODAY - timedelta(days=60), send=False)
    if pay:
        payments.record_payment(invoice, amount=Decimal("10.00"), paid_on=TODAY, actor=owner, today=TODAY)
    RiskFactory(project=project)
    ChangeRequest.objects.create(project=project, title=f"Vink wens {n}")
    time_entries.record_time(project, actor=owner, day=TODAY, hours=Decimal("1"), phase=phase, note=f"E{n}")
    return project, invoice


def everything(owner, count: int, start: int = 0) -> None:
    """``count`` clients, each with a contact and an invoiced project."""
    for n in range(start, start + count):
        client = ClientFactory(owner=owner, name=f"Vink klant {n}")
        ContactFactory(client=client, name=f"Vink contact {n}", is_budget_holder=True)
        invoiced_project(owner, client, n=n)


# -- clients ----------------------------------------------------------------------------------


def test_client_detail(alice_client, alice):
    client = ClientFactory(owner=alice)
    ContactFactory(client=client, name="Contact 0", is_budget_holder=True)
    invoiced_project(alice, client, n=0)
    url = reverse("projects:client_detail", args=[client.pk])

    def grow():
        for n in range(1, 1 + MORE):
            ContactFactory(client=client, name=f"Contact {n}")
            invoiced_project(alice, client, n=n)

    same_count(alice_client, url, grow, shows="Contact 14")


def test_client_list(alice_client, alice):
    everything(alice, 1)
    same_count(
        alice_client, reverse("projects:client_list"), lambda: everything(alice, MORE, start=1), shows="Vink klant 14"
    )


def test_client_list_search_as_you_type(alice_client, alice):
    """The htmx partial the search box asks for while typing: only the results."""
    everything(alice, 1)
    url = reverse("projects:client_list") + "?q=Vink"
    count = same_count(
        alice_client,
        url,
        lambda: everything(alice, MORE, start=1),
        shows="Vink klant 14",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="client-results",
    )
    assert (
        "<html" not in alice_client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="client-results").content.decode()
    )
    assert count <= 4


# -- dashboard and search ---------------------------------------------------------------------


def test_dashboard_built(alice_client, alice):
    everything(alice, 1)
    same_count(alice_client, reverse("dashboard"), lambda: everything(alice, MORE, start=1), shows="Project 14")


def every_card(owner, count: int, start: int = 0) -> None:
    """``count`` rows for each of the dashboard's cards: overdue invoices, drafts, phases waiting for
    the client, wishes waiting for a decision, high risks, decision makers to talk to, deadlines,
    hours and the charts; the floor rate is set, so the pastimes card is worked out too."""
    BusinessProfileFactory(owner=owner, floor_rate=Decimal("200.00"))
    everything(owner, count, start)
    for n in range(start, start + count):
        project = Project.objects.get(owner=owner, name=f"Project {n}")
        RiskFactory(project=project, likelihood=3, impact=3, description=f"High risk {n}")
        ChangeRequest.objects.create(
            project=project, title=f"Waiting wish {n}", status=ChangeRequest.Status.WAITING,
            classification=ChangeRequest.Classification.EXTRA_COST,
            cost=Decimal("300.00"), waiting_since=timezone.now(),
        )  # fmt: skip
        invoices.draft_for_phase(PhaseFactory(project=project, position=2, fixed_price=Decimal("500.00")))
        _waiting, first, jan = delivered_project(owner)
        first.deliver(owner)
        flow.send_acceptance_requests(first, actor=owner, contacts=[jan], note="Live")


def test_dashboard_every_card_built(alice_client, alice):
    every_card(alice, 1)
    page = queries(alice_client, reverse("dashboard"))[1]
    for card in ("Waiting wish 0", "High risk 0", "Vink contact 0"):
        assert card in page, card
    same_count(alice_client, reverse("dashboard"), lambda: every_card(alice, MORE, start=1), shows="Waiting wish 5")


def failed_mail(owner, count: int) -> None:
    for n in range(count):
        OutgoingEmail.objects.create(
            owner=owner, to=[f"x{n}@client.example"], language="en", subject=f"Failed {n}", body_text=".",
            status=OutgoingEmail.Status.FAILED,
        )  # fmt: skip


@pytest.mark.parametrize("partial", [False, True], ids=["page", "background-status"])
def test_dashboard_with_trouble_built(alice_client, alice, partial):
    """With mail that gave up, the dashboard shows the background card (and polls it with htmx)."""
    every_card(alice, 1)
    failed_mail(alice, 1)
    extra = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "background-status"} if partial else {}

    def grow():
        every_card(alice, MORE, start=1)
        failed_mail(alice, MORE)

    same_count(alice_client, reverse("dashboard"), grow, shows="15 emails could not be sent", **extra)


@pytest.mark.parametrize(
    ("params", "shows"),
    [
        ({"q": "vink"}, "klant 14"),
        ({"q": "vink", "type": "invoices"}, "2026-0015"),
        ({"q": "vink", "type": "wishes"}, "wens 14"),
    ],
    ids=["page", "invoices", "wishes"],
)
def test_search_built(alice_client, alice, params, shows):
    everything(alice, 1)
    url = reverse("search") + "?" + "&".join(f"{k}={v}" for k, v in params.items())
    same_count(alice_client, url, lambda: everything(alice, MORE, start=1), shows=shows)


def test_search_dropdown_built(alice_client, alice):
    everything(alice, 1)
    grow = lambda: everything(alice, MORE, start=1)  # noqa: E731
    same_count(alice_client, reverse("search") + "?q=vink", grow, HTTP_HX_REQUEST="true", shows="2026-0015")


# -- evidence chain ----------------------------------------------------------------------------


def accepted_by_client(owner, count: int) -> None:
    """``count`` phases accepted by the client through their link: one chained evidence row each."""
    for _n in range(count):
        _project, first, jan = delivered_project(owner)
        first.deliver(owner)
        [request] = flow.send_acceptance_requests(first, actor=owner, contacts=[jan], note="Live")
        seen = {"viewed_at": timezone.now().isoformat(), "ip": "192.0.2.1", "user_agent": "test"}
        flow.decide(
            request,
            decision=Acceptance.Decision.ACCEPTED,
            shown_hash=flow.snapshot_hash(flow.build_snapshot(request, today=TODAY)),
            visit=seen,
            meta=flow.Meta(at=timezone.now(), ip="192.0.2.1", user_agent="test"),
            typed_name="Jan Jansen",
        )


def test_evidence_chain(alice_client, alice):
    accepted_by_client(alice, 1)
    same_count(
        alice_client, reverse("evidence:chain"), lambda: accepted_by_client(alice, MORE), shows="15 entries checked"
    )


# -- bank imports ------------------------------------------------------------------------------


def statement(owner, invoices_: list[Invoice], extra: int, name: str):
    """A statement paying each of ``invoices_`` in part by its reference, plus ``extra`` lines naming none."""
    entries = [
        {"ref": f"{name}-{i}", "credit": True, "day": TODAY - timedelta(days=1), "amount": Decimal("5.00"),
         "text": invoice.number, "rf": invoice.payment_reference}
        for i, invoice in enumerate(invoices_)
    ] + [
        {"ref": f"{name}-x{i}", "credit": i % 2 == 0, "day": TODAY - timedelta(days=2), "amount": Decimal(7 + i),
         "text": f"regel {i}"}
        for i in range(extra)
    ]  # fmt: skip
    data = camt053(ALICE_IBAN, entries, start=TODAY - timedelta(days=30), end=TODAY, message_id=name)
    return imports.import_statement(owner, data=data, file_name=f"{name}.xml")


def open_invoices(owner, count: int, start: int) -> list[Invoice]:
    return [invoiced_project(owner, n=n, pay=False)[1] for n in range(start, start + count)]


def test_bank_import_detail(alice_client, alice):
    small = statement(alice, open_invoices(alice, 1, 0), 1, "ONE")
    large = statement(alice, open_invoices(alice, MORE, 1), MORE, "MANY")
    assert large.transactions.count() == 2 * MORE
    two_sizes(
        alice_client,
        reverse("banking:import_detail", args=[small.pk]),
        reverse("banking:import_detail", args=[large.pk]),
        shows="regel 13",
    )


def test_bank_unmatched_built(alice_client, alice):
    statement(alice, open_invoices(alice, 1, 0), 1, "ONE")

    def grow():
        statement(alice, open_invoices(alice, MORE, 1), MORE, "MANY")

    same_count(alice_client, reverse("banking:unmatched"), grow, shows="2026-0015")


# -- recurring agreements ------------------------------------------------------------------------


def agreement(owner, periods: int, lines: int) -> RecurringAgreement:
    """A monthly agreement that has run ``periods`` months, with ``lines`` lines, its drafts made."""
    client = ClientFactory(owner=owner, language="en")
    start = date(2026, 12 - periods, 1) if periods < 12 else date(2026 - (periods // 12), 12 - periods % 12, 1)
    made = RecurringAgreement.objects.create(
        owner=owner, client=client, description="Hosting", period=RecurringAgreement.Period.MONTHLY,
        start_date=start, draft_day=1, drafts_from=start,
    )  # fmt: skip
    for n in range(lines):
        RecurringLine.objects.create(
            agreement=made, description=f"Line {n}", quantity=Decimal("1"), unit="month", unit_price=Decimal("45.00")
        )
    recurring.sweep_recurring_invoices()
    return made


def test_recurring_detail(alice_client, alice):
    BusinessProfileFactory(owner=alice)
    small, large = agreement(alice, 1, 1), agreement(alice, 1 + MORE, 1 + MORE)
    assert large.invoices.count() > small.invoices.count()
    two_sizes(
        alice_client,
        reverse("contracts:recurring_detail", args=[small.pk]),
        reverse("contracts:recurring_detail", args=[large.pk]),
        shows="Line 14",
    )


# -- the plan editor ---------------------------------------------------------------------------


def test_plan_editor(alice_client, alice):
    small = project_with_phases(alice, 1)
    large = project_with_phases(alice, 1 + MORE)
    for phase in large.phases.all():
        ScopeItemFactory.create_batch(MORE, phase=phase)
    two_sizes(
        alice_client,
        reverse("projects:project_plan", args=[small.pk]),
        reverse("projects:project_plan", args=[large.pk]),
        shows="Scope item 14",
    )


# -- the books: VAT return, its boxes, ICP, the index and the export form -------------------------


def quarter(owner, count: int, start: int = 0) -> None:
    """``count`` invoices in Q3 2026: Dutch ones (21% and 9%), some credited, and EU reverse charge."""
    dutch, belgian = client_of(owner, DUTCH), client_of(owner, BELGIAN)
    for n in range(start, start + count):
        day = date(2026, 7 + n % 3, 1 + n % 28)
        if n % 3 == 2:
            send(owner, belgian, day, [("1", "100.00", "21")], reverse_charge=True)
        else:
            invoice = send(owner, dutch, day, [("1", "100.00", "21"), ("2", "12.34", "9")])
            if n % 5 == 0:
                send(owner, dutch, day, [("-1", "100.00", "21")], credits=invoice)


Q3 = "year=2026&period=q3"


@pytest.mark.parametrize(
    ("url", "shows"),
    [
        (reverse("contracts:vat_return") + "?" + Q3, "1a"),
        (reverse("contracts:vat_box") + "?" + Q3 + "&box=1a", "domestic"),
        (reverse("contracts:vat_box") + "?" + Q3, "any"),
        (reverse("contracts:icp") + "?" + Q3, "BE"),
        (reverse("contracts:books"), "VAT"),
        (reverse("contracts:books_export"), "quarter"),
    ],
    ids=["vat-return", "vat-box-1a", "vat-box-all", "icp", "books-index", "books-export-form"],
)
def test_the_books(alice_client, alice, url, shows):
    BusinessProfileFactory(owner=alice)
    quarter(alice, 3)
    latest = {
        "domestic": lambda: Invoice.objects.filter(reverse_charge=False, kind=Invoice.Kind.INVOICE).latest("pk").number,
        "any": lambda: Invoice.objects.latest("pk").number,
    }
    same_count(alice_client, url, lambda: quarter(alice, 3 * MORE, start=3), shows=latest.get(shows, shows))


# -- rates and surcharges -----------------------------------------------------------------------


def rates(owner, count: int, start: int = 0) -> None:
    """``count`` own rates and ``count`` agreed with a client (not on the page: they must not cost a query)."""
    client = ClientFactory(owner=owner)
    for n in range(start, start + count):
        day = date(2020, 1, 1) + timedelta(days=n)
        HourlyRate.objects.create(owner=owner, valid_from=day, amount=Decimal("60.00") + n, reason=f"Reason {n}")
        HourlyRate.objects.create(owner=owner, client=client, valid_from=day, amount=Decimal("90.00"), reason="c")


def test_rates(alice_client, alice):
    BusinessProfileFactory(owner=alice, floor_rate=Decimal("55.00"))
    rates(alice, 1)
    same_count(alice_client, reverse("contracts:rates"), lambda: rates(alice, MORE, start=1), shows=f"Reason {MORE}")


def surcharges(owner, count: int, start: int = 0) -> None:
    A = SurchargeRule.Applies
    for n in range(start, start + count):
        SurchargeRule.objects.create(
            owner=owner, name=f"Day {n}", applies_to=A.NAMED_DAY, multiplier=Decimal("2.00"), month=1, day=n + 1
        )


def test_surcharges(alice_client, alice):
    surcharges(alice, 1)
    grow = lambda: surcharges(alice, MORE, start=1)  # noqa: E731
    same_count(alice_client, reverse("contracts:surcharges"), grow, shows=f"Day {MORE}")


# -- the contract page -----------------------------------------------------------------------------


def contracted_project(owner, phases: int) -> Project:
    """A project of ``phases`` phases (two scope items each) with the shipped contract sent to the client."""
    load_contract_templates()
    BusinessProfileFactory(owner=owner)
    project = project_with_phases(owner, phases, first_deadline=date(2027, 3, 5), hourly_rate=Decimal("80.00"))
    ContactFactory(client=project.client, name="Jan Jansen", email=f"jan{phases}@bakkerij.example")
    freelancer = BrowserClient()
    freelancer.force_login(owner)
    send_contract(freelancer, project)
    return project


def test_contract_page(alice_client, alice):
    small, large = contracted_project(alice, 1), contracted_project(alice, 1 + MORE)
    two_sizes(
        alice_client,
        reverse("contracts:contract", args=[small.pk]),
        reverse("contracts:contract", args=[large.pk]),
        shows=f"Phase {1 + MORE}",
    )


# -- the admin: contract templates ---------------------------------------------------------------


def templates(count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        ContractTemplate.objects.create(
            owner=None, name=f"Template {n}", language="nl", general_terms_key="algemene-voorwaarden",
            clause_keys=["scope", "payment"],
        )  # fmt: skip


def test_admin_contract_templates(admin_client):
    load_contract_templates()
    templates(1)
    url = reverse("admin:contracts_contracttemplate_changelist")
    same_count(admin_client, url, lambda: templates(MORE, start=1), shows=f"Template {MORE}")


# -- forms that list the freelancer's clients or imports ---------------------------------------


@pytest.mark.parametrize(
    "name", ["contracts:invoice_new", "projects:project_new", "contracts:recurring_new", "banking:upload"]
)
def test_forms_that_list_clients_or_imports(alice_client, alice, name):
    def grow():
        everything(alice, MORE, start=1)
        statement(alice, [], MORE, "MANY")

    everything(alice, 1)
    statement(alice, [], 1, "ONE")
    same_count(alice_client, reverse(name), grow, shows="MANY.xml" if name == "banking:upload" else "Vink klant 14")


# -- every changelist of the admin ----------------------------------------------------------------


def a_bit_of_everything(owner, count: int, start: int) -> None:
    """Rows for most of the admin's models: clients, projects, invoices, payments, evidence, mail,
    contracts and their versions, agreements, bank lines, rates and surcharges."""
    every_card(owner, count, start)
    accepted_by_client(owner, count)
    statement(owner, [], count, f"S{start}")
    rates(owner, count, start)
    surcharges(owner, count, start)
    for _n in range(count):
        agreement(owner, 1, 1)


def test_every_admin_changelist(admin_client, alice, bob):
    load_contract_templates()
    contracted_project(bob, 1)
    a_bit_of_everything(alice, 1, 0)
    urls = {
        f"{model._meta.app_label}.{model._meta.model_name}": reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        )
        for model in admin.site._registry
    }
    for url in urls.values():  # warm up
        admin_client.get(url, **EN)
    one = {name: queries(admin_client, url)[0] for name, url in urls.items()}
    a_bit_of_everything(alice, MORE, 1)
    many = {name: queries(admin_client, url)[0] for name, url in urls.items()}
    grew = {name: grown(one[name], many[name]) for name in urls if len(many[name]) != len(one[name])}
    assert not grew, "\n\n".join(f"{name}:\n{sql}" for name, sql in grew.items())
    print({name: len(sql) for name, sql in one.items()})


# -- one mail, and the pages that list nothing of the freelancer's data ------------------------------


def test_a_sent_mail(alice_client, alice):
    def mail(attachments: int) -> OutgoingEmail:
        email = OutgoingEmail.objects.create(
            owner=alice, to=["bea@client.example"], language="en", subject="Invoice", body_text="Attached."
        )
        for n in range(attachments):
            OutgoingAttachment.objects.create(email=email, filename=f"file-{n}.pdf", data=b"%PDF-" * (n + 1))
            OutgoingAttachment.objects.create(email=email, filename=f"stored-{n}.pdf", document=f"invoice:{n}")
        return email

    small, large = mail(1), mail(1 + MORE)
    two_sizes(
        alice_client,
        reverse("outbox:detail", args=[small.pk]),
        reverse("outbox:detail", args=[large.pk]),
        shows=f"stored-{MORE}.pdf",
    )


@pytest.mark.parametrize(
    "name",
    [
        "contracts:business_settings",
        "calendar_settings",
        "language_settings",
        "two_factor",
        "password_change",
    ],
)
def test_settings_pages_do_not_read_the_freelancers_data(alice_client, alice, name):
    everything(alice, 1)
    same_count(alice_client, reverse(name), lambda: everything(alice, MORE, start=1), shows="</html>")
