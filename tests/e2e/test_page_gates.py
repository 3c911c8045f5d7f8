"""Every page passes the quality gates: zero errors from the W3C HTML validator (vnu) and no
serious or critical axe-core violations.

The freelancer has the demo's data (a project in every state, a bucket, invoices, hours, a sent
contract); the client opens a contract, a phase to accept and a wish to decide from the links in
the mails, and checks an invoice. The validator reads the HTML the server sent (not the browser's
repaired DOM); axe checks the page as shown, after its scripts ran.

Visiting the pages once and validating them in one Java run keeps the gate fast (Java starts once),
so the first case collects every page and the others read its results: one case per page, so a
failure names its page, and a page that is being rebuilt elsewhere can be marked on its own.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Browser, expect

from contracts import services
from contracts.models import Invoice
from contracts.seed import load_contract_templates
from freelance.demo import create_demo_projects
from freelance.outbox.models import OutgoingEmail
from projects import bucket
from projects.models import ChangeRequest, Project
from tests.conftest import PASSWORD
from tests.e2e.gates import axe_serious, html_errors, html_errors_many, vnu_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://\S+/l/[A-Za-z0-9_\-]+/")


@pytest.fixture(autouse=True)
def _mails_stay_queued(monkeypatch):
    """The client links come from the queued mails: a Celery worker left running by an earlier
    test in the session would send them, and a sent mail keeps no usable link."""
    monkeypatch.setattr("freelance.outbox.queue.send_on_commit", lambda pk: None)


FREELANCER_PAGES = [
    "dashboard",
    "project list",
    "project detail",
    "project phases",
    "project money",
    "project risks",
    "project history",
    "project print",
    "client list",
    "client detail",
    "time week",
    "invoice list",
    "invoice detail",
    "plan editor",
    "bucket",
    "contract",
    "search results",
    "settings: business",
    "settings: rates",
    "settings: surcharges",
    "settings: calendar",
    "settings: language",
    "sent mail",
    "mail detail",
    "status",
    "client edit",
    "contact detail",
    "new project",
    "new invoice",
    "books",
    "books: VAT return",
    "books: VAT box",
    "books: ICP listing",
    "books: bank statements",
    "books: payments to match",
    "books: export",
    "recurring list",
    "recurring new",
    "recurring detail",
]
CLIENT_PAGES = [
    "client: contract acceptance",
    "client: phase acceptance",
    "client: wish decision",
    "client: invoice verify",
]


@dataclass
class Visit:
    url: str
    html: str = ""
    axe: list[dict] = field(default_factory=list)
    html_errors: list[str] = field(default_factory=list)


RESULTS: dict[str, Visit] = {}
FAILED: list[str] = []
TIMINGS: dict[str, float] = {}


def link_in_mail(kind: str) -> str:
    mail = OutgoingEmail.objects.filter(kind=kind).order_by("-pk").first()
    assert mail is not None, f"no {kind} mail"
    return LINK.search(mail.body_text).group(0)


def demo_freelancer():
    """A freelancer with the demo's records, a contract sent for acceptance and a wish sent to decide."""
    user = get_user_model().objects.create_user(
        "sanne", "sanne@example.nl", PASSWORD, first_name="Sanne", last_name="de Vries", is_staff=True
    )
    load_contract_templates()  # the shipped templates: a transactional test before this one flushed them
    create_demo_projects(user)
    proposal = Project.objects.get(owner=user, status=Project.Status.PROPOSAL)
    services.send_contract(services.create_contract(proposal, actor=user), actor=user)
    wish = ChangeRequest.objects.filter(project__owner=user, status=ChangeRequest.Status.WAITING).first()
    bucket.beep(wish, actor=user)
    return user, proposal


def recurring_agreement(user, client):
    """A monthly hosting agreement, with its first period drafted by the sweep."""
    from contracts.models import RecurringAgreement, RecurringEvent, RecurringLine
    from contracts.recurring import sweep_recurring_invoices

    started = timezone.localdate().replace(day=1)
    agreement = RecurringAgreement.objects.create(
        owner=user, client=client, description="Hosting en onderhoud", start_date=started, drafts_from=started
    )
    RecurringLine.objects.create(agreement=agreement, description="Hosting", unit_price=Decimal("45.00"))
    agreement.log(RecurringEvent.Kind.CREATED, user)
    sweep_recurring_invoices()
    return agreement


def freelancer_urls(user, proposal) -> dict[str, str]:
    active = Project.objects.get(owner=user, name="Vrijwilligersportaal")
    invoice = Invoice.objects.filter(project__owner=user).exclude(status=Invoice.Status.DRAFT).last()
    return {
        "dashboard": "/",
        "project list": "/projects/",
        "project detail": f"/projects/{active.pk}/",
        "project phases": f"/projects/{active.pk}/phases/",
        "project money": f"/projects/{active.pk}/money/",
        "project risks": f"/projects/{active.pk}/risks/",
        "project history": f"/projects/{active.pk}/history/",
        "project print": f"/projects/{active.pk}/print/",
        "client list": "/clients/",
        "client detail": f"/clients/{active.client_id}/",
        "time week": "/time/",
        "invoice list": "/invoices/",
        "invoice detail": f"/invoices/{invoice.pk}/",
        "plan editor": f"/projects/{proposal.pk}/plan/",
        "bucket": f"/projects/{active.pk}/bucket/",
        "contract": f"/projects/{proposal.pk}/contract/",
        "search results": "/search/?q=bakkerij",
        "settings: business": "/settings/business/",
        "settings: rates": "/settings/rates/",
        "settings: surcharges": "/settings/surcharges/",
        "settings: calendar": "/settings/calendar/",
        "settings: language": "/settings/language/",
        "sent mail": "/mail/",
        "mail detail": f"/mail/{OutgoingEmail.objects.filter(owner=user).order_by('pk').first().pk}/",
        "status": "/status/",
        "client edit": f"/clients/{active.client_id}/edit/",
        "contact detail": f"/contacts/{active.client.contacts.order_by('pk').first().pk}/",
        "new project": "/projects/new/",
        "new invoice": "/invoices/new/",
        "books": "/books/",
        "books: VAT return": "/books/vat/",
        "books: VAT box": "/books/vat/invoices/?box=1a",
        "books: ICP listing": "/books/icp/",
        "books: bank statements": "/books/bank/",
        "books: payments to match": "/books/bank/unmatched/",
        "books: export": "/books/export/",
        "recurring list": "/recurring/",
        "recurring new": "/recurring/new/",
        "recurring detail": f"/recurring/{recurring_agreement(user, active.client).pk}/",
    }


def client_urls(user) -> dict[str, str]:
    invoice = Invoice.objects.filter(project__owner=user, public_id__isnull=False).first()
    return {
        "client: contract acceptance": link_in_mail("contract_request"),
        "client: phase acceptance": link_in_mail("phase_acceptance_request"),
        "client: wish decision": link_in_mail("change_request_beep"),
        "client: invoice verify": f"/v/{invoice.public_id}/",
    }


def visit(page, base: str, name: str, url: str) -> Visit:
    response = page.goto(url if url.startswith("http") else base + url)
    assert response is not None and response.ok, f"{name}: {url} answered {response and response.status}"
    page.wait_for_load_state("load")
    return Visit(url=page.url, html=response.text(), axe=axe_serious(page))


@pytest.fixture
def gate_results(browser: Browser, live_server, settings) -> dict[str, Visit]:
    if RESULTS:
        return RESULTS
    if FAILED:
        pytest.fail(f"visiting the pages failed in an earlier case: {FAILED[0]}", pytrace=False)
    try:
        return visit_every_page(browser, live_server, settings)
    except Exception as error:  # not a skip or a fail: those say the same in every case
        FAILED.append(f"{type(error).__name__}: {error}"[:2000])
        raise


def visit_every_page(browser: Browser, live_server, settings) -> dict[str, Visit]:
    vnu_command()  # skip (laptop) or fail (CI) before the work when the validator is missing
    settings.SITE_URL = live_server.url  # links in the mails point at the live server
    started = time.monotonic()
    user, proposal = demo_freelancer()
    TIMINGS["data"] = time.monotonic() - started

    started = time.monotonic()
    freelancer = browser.new_context(locale="en-GB", timezone_id="Europe/Amsterdam").new_page()
    freelancer.goto(live_server.url + "/accounts/login/")
    freelancer.get_by_label("Username").fill("sanne")
    freelancer.get_by_label("Password").fill(PASSWORD)
    freelancer.get_by_role("button", name="Log in").click()
    expect(freelancer.get_by_role("heading", level=1)).to_be_visible()
    visits = {
        name: visit(freelancer, live_server.url, name, url) for name, url in freelancer_urls(user, proposal).items()
    }
    freelancer.context.close()
    client = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}).new_page()
    visits |= {name: visit(client, live_server.url, name, url) for name, url in client_urls(user).items()}
    client.context.close()
    TIMINGS["browse"] = time.monotonic() - started

    started = time.monotonic()
    for name, errors in html_errors_many({name: v.html for name, v in visits.items()}).items():
        visits[name].html_errors = errors
    TIMINGS["vnu"] = time.monotonic() - started
    TIMINGS["pages"] = len(visits)
    print(f"\npage gates: {TIMINGS}")  # the cost of the gate, shown with -s
    RESULTS.update(visits)
    return RESULTS


@pytest.mark.parametrize("name", FREELANCER_PAGES + CLIENT_PAGES)
def test_the_page_is_valid_html_without_serious_accessibility_violations(gate_results, name):
    result = gate_results[name]
    problems = [f"vnu {e}" for e in result.html_errors] + [f"axe {v}" for v in result.axe]
    assert not problems, f"{name} ({result.url}):\n" + "\n".join(problems)


def test_the_gates_see_a_broken_page(page):
    """The gates are not blind: an unclosed element, a duplicate id and an unlabelled input fail them."""
    broken = (
        '<!DOCTYPE html><html lang="en"><head><title>Broken</title></head><body><main>'
        '<h1 id="x">Broken</h1><p id="x"><div>block in a paragraph</p></div>'
        '<input type="text" hx-get="/search/" hx-target="#x" fetch="/search/"><img src="data:,"></main></body></html>'
    )
    valid = '<!DOCTYPE html><html lang="en"><head><title>Fine</title></head><body><p hx-get="/">Fine</p></body></html>'
    errors = html_errors_many({"broken": broken, "valid": valid})
    assert errors["valid"] == []
    assert any("Duplicate ID" in e for e in errors["broken"]), errors
    assert any("“p” element in scope" in e for e in errors["broken"]), errors
    assert any("Attribute “fetch” not allowed" in e for e in errors["broken"]), errors  # only htmx's are let through
    assert not any("hx-" in e.split("[")[0] for e in errors["broken"]), errors
    assert all(e.startswith("line 1: ") for e in errors["broken"]), errors
    assert html_errors(valid) == []
    page.set_content(broken)
    assert {v["id"] for v in axe_serious(page)} >= {"label", "image-alt"}
