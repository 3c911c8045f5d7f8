"""The client's contract page opens with a summary and a link to the accept form.

Found: on a phone the contract is about 22,800 px long before the Accept button, with no
way to jump there. Now the page starts with "Go to accept" (an anchor: it works without
JavaScript) and a short summary: the parties, the project, the hard first deadline, the
number of phases, the fixed prices in total, the hourly rate when a phase is paid by the
hour, the deposit and the payment term. Near the form, "Back to the summary".

The summary shows only what the version being accepted says: parties and project come from
the frozen snapshot, and a date, count or amount from live data only where a clause of that
version states it exactly as it would now. When the freelancer changes the plan after
sending, the summary leaves that detail out rather than show a figure the client is not
accepting. Also: the client's page and mails say "check code" instead of "SHA-256" and
"fingerprint", and still show the code itself.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client as BrowserClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts.models import ContractTemplate, ContractVersion
from contracts.seed import load_contract_templates
from freelance.outbox.models import OutgoingEmail
from projects.models import Client, Phase, Project
from tests.factories import BusinessProfileFactory, ContactFactory, PhaseFactory, project_with_phases

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https?://[^\s\"<>]+/l/[A-Za-z0-9_\-]+/")
SUMMARY = re.compile(r'<section class="card public-card contract-summary" id="summary".*?</section>', re.S)
FACT = re.compile(r"<dt>(.*?)</dt><dd[^>]*>(.*?)</dd>", re.S)


# -- helpers -----------------------------------------------------------------------------------


def a_project(owner, language: str = "en", phases: int = 2, **fields) -> Project:
    """Fixed-price phases of €2,500.00, the hard first deadline on 5 March 2027, the shipped contract."""
    load_contract_templates()
    BusinessProfileFactory(owner=owner)
    project = project_with_phases(
        owner,
        phases,
        name="Lunch webshop",
        first_deadline=date(2027, 3, 5),
        hourly_rate=Decimal("80.00"),
        client__name="Bakkerij Jansen B.V.",
        client__language=language,
        **fields,
    )
    ContactFactory(client=project.client, name="Jan Jansen", email="jan@bakkerij.example")
    return project


def send(freelancer, project: Project) -> None:
    """Through the freelancer's pages: create the contract from the default template, send it."""
    template = ContractTemplate.default_for(project.owner, project.client.language)
    contract_url = reverse("contracts:contract", args=[project.pk])
    assert freelancer.post(contract_url, {"template": template.pk}, HTTP_ACCEPT_LANGUAGE="en").status_code == 302
    jan = project.client.contacts.get(name="Jan Jansen")
    response = freelancer.post(f"{contract_url}send/", {"send-recipients": [jan.pk]}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302


def the_mail(kind: str) -> OutgoingEmail:
    mail = OutgoingEmail.objects.filter(kind=kind).order_by("-pk").first()
    assert mail is not None, f"no {kind} mail"
    return mail


def open_as_client(language: str = "en") -> tuple[BrowserClient, str]:
    url = LINK.search(the_mail("contract_request").body_text).group(0)
    browser = BrowserClient(HTTP_ACCEPT_LANGUAGE=language)
    response = browser.get("/" + url.split("://", 1)[1].split("/", 1)[1])
    assert response.status_code == 302
    return browser, response["Location"]


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).replace("\u00a0", " ").split())


def summary_of(html: str) -> dict[str, str]:
    section = SUMMARY.search(html)
    assert section, "no summary on the page"
    return {text(term): text(value) for term, value in FACT.findall(section.group(0))}


def sent_page(freelancer, project: Project, language: str = "en") -> tuple[BrowserClient, str, str]:
    send(freelancer, project)
    browser, page_url = open_as_client(language)
    response = browser.get(page_url)
    assert response.status_code == 200
    return browser, page_url, response.content.decode()


# -- the summary ---------------------------------------------------------------------------------


def test_the_summary_states_the_parties_the_plan_the_prices_and_the_terms(alice_client, alice):
    project = a_project(alice, deposit_percent=Decimal("30"))
    _browser, _url, html = sent_page(alice_client, project)
    assert summary_of(html) == {
        "Parties": "Bakkerij Jansen B.V. (the client) and Studio Alice (the contractor)",
        "Project": "Lunch webshop",
        "First deadline (hard)": "5 March 2027",
        "Phases": "2",
        "Fixed prices": "€5,000.00 excl. VAT in total",
        "Deposit on acceptance": "30% of the fixed prices, €1,500.00 excl. VAT",
        "Payment term": "30 days after the invoice date",
    }
    # Each of these is what the contract itself says, further down the page.
    contract = text(html[html.index('class="card public-card contract-text"') :])
    for words in ("5 March 2027", "30% of the fixed prices, €1,500.00 excl. VAT", "within 30 days"):
        assert words in contract


def test_a_phase_paid_by_the_hour_adds_the_hourly_rate(alice_client, alice):
    project = a_project(alice)
    PhaseFactory(project=project, position=3, title="Support", pricing=Phase.Pricing.TIME, fixed_price=None)
    _browser, _url, html = sent_page(alice_client, project)
    facts = summary_of(html)
    assert facts["Hourly rate"] == "€80.00 excl. VAT, for the work paid by the hour"
    assert facts["Phases"] == "3"
    assert facts["Fixed prices"] == "€5,000.00 excl. VAT in total"  # the hourly phase adds nothing here
    assert "Deposit on acceptance" not in facts  # none asked, none shown


def test_only_fixed_prices_show_no_hourly_rate(alice_client, alice):
    _browser, _url, html = sent_page(alice_client, a_project(alice))
    assert "Hourly rate" not in summary_of(html)


def test_a_term_of_one_day_is_singular(alice_client, alice):
    project = a_project(alice)
    Client.objects.filter(pk=project.client_id).update(payment_term_days=1)
    _browser, _url, html = sent_page(alice_client, project)
    assert summary_of(html)["Payment term"] == "1 day after the invoice date"


def test_the_summary_never_shows_live_data_that_differs_from_the_version_being_accepted(alice_client, alice):
    project = a_project(alice, deposit_amount=Decimal("900.00"))
    browser, page_url, _html = sent_page(alice_client, project)
    # After sending, the freelancer changes the plan and the terms; the client still has version 1.
    Project.objects.filter(pk=project.pk).update(first_deadline=date(2027, 4, 9), deposit_amount=Decimal("1200.00"))
    Phase.objects.filter(project=project, position=2).update(fixed_price=Decimal("4000.00"))
    Client.objects.filter(pk=project.client_id).update(payment_term_days=14)
    html = browser.get(page_url).content.decode()
    facts = summary_of(html)
    assert facts == {
        "Parties": "Bakkerij Jansen B.V. (the client) and Studio Alice (the contractor)",
        "Project": "Lunch webshop",
    }
    page = text(html)
    for new in ("9 April 2027", "€6,500.00", "€1,200.00", "14 days"):
        assert new not in page  # nowhere: what the client accepts is version 1
    assert "5 March 2027" in page and "€900.00 excl. VAT" in page  # version 1's words, in the contract


def test_a_renamed_project_keeps_the_name_the_version_has(alice_client, alice):
    project = a_project(alice)
    browser, page_url, _html = sent_page(alice_client, project)
    Project.objects.filter(pk=project.pk).update(name="Something else")
    Client.objects.filter(pk=project.client_id).update(name="Other client")
    facts = summary_of(browser.get(page_url).content.decode())
    assert facts["Project"] == "Lunch webshop"
    assert facts["Parties"].startswith("Bakkerij Jansen B.V. (the client)")


def test_the_summary_shows_typed_html_as_text(alice_client, alice):
    project = a_project(alice)
    Project.objects.filter(pk=project.pk).update(name="<script>alert(1)</script> & shop")
    _browser, _url, html = sent_page(alice_client, project)
    assert "<script>alert(1)</script>" not in html
    assert summary_of(html)["Project"] == "<script>alert(1)</script> & shop"  # unescaped from &lt;script&gt;


def test_the_summary_in_dutch_has_the_same_facts_in_the_contracts_words(alice_client, alice):
    project = a_project(alice, "nl", deposit_percent=Decimal("30"))
    PhaseFactory(project=project, position=3, title="Support", pricing=Phase.Pricing.TIME, fixed_price=None)
    _browser, _url, html = sent_page(alice_client, project, "nl")
    assert '<html lang="nl">' in html
    facts = summary_of(html)
    assert len(facts) == 8  # parties, project, deadline, phases, fixed prices, rate, deposit, term
    values = list(facts.values())
    # The labels are for the lead to translate; the values are the contract's own Dutch words.
    assert values[1] == "Lunch webshop"
    assert values[2] == "5 maart 2027"
    assert values[3] == "3"
    assert "€ 5.000,00" in values[4]
    assert "€ 80,00" in values[5]
    assert values[6] == "30% van de vaste prijzen, € 1.500,00 excl. btw"
    assert "30" in values[7]
    assert re.search(r'<dd lang="nl">5 maart 2027</dd>', html)


def test_the_summary_costs_the_same_queries_for_one_phase_as_for_eight(alice_client, alice, bob):
    def queries(owner, phases: int) -> int:
        project = a_project(owner, phases=phases)
        freelancer = BrowserClient()
        freelancer.force_login(owner)
        browser, page_url, _html = sent_page(freelancer, project)
        with CaptureQueriesContext(connection) as run:
            assert browser.get(page_url).status_code == 200
        return len(run.captured_queries)

    assert queries(alice, 1) == queries(bob, 8)


# -- the jump to the form and back ---------------------------------------------------------------


def test_go_to_accept_jumps_to_the_form_and_back_to_the_summary(alice_client, alice):
    _browser, _url, html = sent_page(alice_client, a_project(alice))
    jump = html.index('<a href="#accept">Go to accept</a>')
    assert jump < html.index('id="page-heading"')  # the first thing on the page
    area = html.index('<div id="accept"')
    assert area > html.index('class="card public-card contract-text"')  # after the long contract
    form = html[area:]
    assert form.index('<button type="submit" class="button primary">Accept the agreement</button>') < form.index(
        '<a href="#summary">Back to the summary</a>'
    )
    assert html.index('id="summary"') < html.index('class="card public-card contract-text"')


def test_without_a_form_to_go_to_there_is_no_jump(alice_client, alice):
    project = a_project(alice)
    browser, page_url, _html = sent_page(alice_client, project)
    version = ContractVersion.objects.get()
    ContractVersion.objects.create(
        contract=version.contract, number=2, snapshot=version.snapshot, snapshot_sha256=version.snapshot_sha256
    )
    html = browser.post(page_url, {"typed_name": "Jan", "confirm": "on", "snapshot_hash": "0" * 64}).content.decode()
    assert "A newer version of this agreement was sent to you" in html
    assert "Go to accept" not in html and "Back to the summary" not in html
    assert "In short" in html  # the summary of the version the link points to stays


# -- plain words for the check code ----------------------------------------------------------------


def test_the_client_reads_check_code_not_sha_256_on_the_page_and_in_the_mails(alice_client, alice):
    project = a_project(alice)
    browser, page_url, html = sent_page(alice_client, project)
    version = ContractVersion.objects.get()
    request_mail = the_mail("contract_request")
    digest = re.search(r'name="snapshot_hash" value="([0-9a-f]{64})"', html).group(1)
    done = browser.post(page_url, {"typed_name": "Jan Jansen", "confirm": "on", "snapshot_hash": digest}, follow=True)
    assert done.status_code == 200
    confirmation = the_mail("contract_accepted_client")
    # The contract's own text (the shipped annex) names its "digital fingerprint (SHA-256)": that is
    # the document, not the page's words, so it is left out here.
    page = re.sub(r'<article class="card public-card contract-text".*?</article>', "", html, flags=re.S)
    for seen in (page, done.content.decode(), request_mail.body_text, request_mail.body_html, confirmation.body_text):
        assert "Check code" in seen
        assert version.snapshot_sha256 in seen  # the code itself is still there
        assert not re.search(r"SHA-256|fingerprint", seen, re.I)


CLIENT_TEMPLATES = [
    *sorted((Path(settings.BASE_DIR) / "templates" / "emails").glob("*_client-body.*")),
    *sorted((Path(settings.BASE_DIR) / "templates" / "emails").glob("contract_request-body.*")),
    *sorted((Path(settings.BASE_DIR) / "templates" / "contracts").glob("public_*.html")),
    *sorted((Path(settings.BASE_DIR) / "templates" / "projects").glob("public_*.html")),
]


@pytest.mark.parametrize("path", CLIENT_TEMPLATES, ids=lambda p: p.name)
def test_no_client_template_says_sha_256_or_fingerprint(path):
    """The phase and wish mails and pages too (their flows are tested in tests/projects)."""
    assert not re.search(r"SHA-256|fingerprint", path.read_text(), re.I)
