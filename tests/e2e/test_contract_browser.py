"""End to end with real parts: the freelancer builds and sends the contract in Chromium, the
email goes through a real worker to aiosmtpd, and the client reads and accepts it on a phone."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from contracts.models import Category, ClauseTemplate, ContractAcceptance, ContractTemplate, ContractVersion
from projects.models import Project
from tests.conftest import PASSWORD
from tests.factories import ContactFactory, project_with_phases
from tests.helpers import pdf_to_text, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
LINK = re.compile(r"https?://\S+/l/[A-Za-z0-9_\-]+/")


@pytest.fixture(autouse=True)
def _links_point_at_the_live_server(settings, live_server):
    settings.SITE_URL = live_server.url


@pytest.fixture
def project(alice):
    ContractTemplate.objects.filter(language="en", is_default=True).update(is_default=False)
    clauses = [
        (
            "e2e-parties",
            "Parties",
            Category.AGREEMENTS,
            "{{ client.name }} hires {{ freelancer.name }} for {{ project.name }}.",
        ),
        (
            "e2e-deadline",
            "Phases and the first deadline",
            Category.PHASES,
            "Phase 1 is due on {{ project.first_deadline }}. That date is fixed.\n\n{{ phases }}",
        ),
        (
            "e2e-beep",
            "The beep system",
            Category.BEEP,
            "When you ask for more, I beep. You choose:\n\n- stop\n- pay more\n- swap",
        ),
    ]
    for key, title, category, body in clauses:
        ClauseTemplate.objects.create(key=key, language="en", title=title, category=category, body=body)
    ContractTemplate.objects.create(
        name="Web project", language="en", clause_keys=[c[0] for c in clauses], is_default=True
    )
    project = project_with_phases(alice, 3, first_deadline=date(2027, 3, 5), name="Lunch webshop")
    project.client.language = "en"
    project.client.save()
    ContactFactory(client=project.client, name="Jan Jansen", email="jan@bakkerij.example")
    return project


def the_mail(mailbox, to: str, subject_part: str):
    found = wait_until(
        lambda: [m for m in list(mailbox) if to in m["X-Envelope-To"] and subject_part in m["Subject"]], timeout=30
    )
    assert found, f"no mail to {to} about {subject_part!r}; got {[m['Subject'] for m in mailbox]}"
    return found[-1]


def axe_violations(page: Page) -> list[dict]:
    page.evaluate(AXE.read_text())  # via DevTools: the page's CSP blocks an injected inline <script>
    result = page.evaluate("async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})")
    return [{"id": v["id"], "nodes": len(v["nodes"])} for v in result["violations"]]


def test_the_freelancer_sends_the_contract_and_the_client_accepts_it_on_a_phone(
    page: Page, browser: Browser, live_server, celery_worker, mailbox, alice, project
):
    # The freelancer creates the contract from the default template, edits a clause, and sends it.
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Create the contract").click()
    expect(page.get_by_label("Contract template")).to_have_value(
        str(ContractTemplate.objects.get(is_default=True, language="en").pk)
    )
    page.get_by_role("button", name="Create the contract").click()
    expect(page.get_by_role("status").filter(has_text="The contract is created with 3 clauses")).to_be_visible()

    beep = page.get_by_role("article", name=re.compile("3. The beep system"))
    beep.get_by_text("Edit clause 3").click()
    text = beep.get_by_label("Text of clause 3")
    text.fill("When {{ client.name }} asks for more, I beep. You choose:\n\n- stop\n- pay more\n- swap")
    expect(beep.locator(".clause-preview")).to_contain_text(f"When {project.client.name} asks for more")  # live
    beep.get_by_role("button", name="Save clause 3").click()
    expect(page.get_by_role("status").filter(has_text="Clause 3 is saved.")).to_be_visible()

    send = page.get_by_role("region", name="Send to the client")
    expect(send.get_by_label(re.compile("Jan Jansen <jan@bakkerij.example>"))).to_be_checked()
    send.get_by_role("button", name="Send to the client").click()
    expect(page.get_by_role("status").filter(has_text="Version 1 of the contract went to Jan Jansen")).to_be_visible()
    version = ContractVersion.objects.get()
    expect(page.get_by_text(version.snapshot_sha256)).to_be_visible()

    # The email goes through the real worker; the client opens its link on a phone.
    mail = the_mail(mailbox, "jan@bakkerij.example", "please read and accept")
    assert any(part.get_content_type() == "application/pdf" for part in mail.iter_attachments())
    url = LINK.search(mail.get_body(preferencelist=("plain",)).get_content()).group(0)
    client = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}).new_page()
    client.goto(url)
    assert "/l/" not in client.url, "the token left the address bar"

    expect(client.get_by_role("heading", level=1)).to_have_text("Agreement for Lunch webshop")
    expect(client.get_by_text(f"When {project.client.name} asks for more, I beep.")).to_be_visible()
    expect(client.get_by_role("heading", name="2. Phases and the first deadline")).to_be_visible()
    expect(client.get_by_role("link", name="Download version 1 as a PDF")).to_be_visible()
    violations = axe_violations(client)
    assert violations == [], violations  # no WCAG 2 A/AA violation at all, labels and contrast included
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    client.screenshot(path=SCREENSHOTS / "client-contract-phone.png", full_page=True)

    client.get_by_role("button", name="Accept the agreement").click()  # nothing filled in yet
    expect(client.get_by_text("This field is required.").first).to_be_visible()
    client.get_by_label("Your full name").fill("Jan Jansen")
    client.get_by_label("I have read this agreement and accept it.").check()
    client.get_by_role("button", name="Accept the agreement").click()
    expect(client.get_by_role("heading", level=1)).to_have_text("Thank you: the agreement is accepted")
    expect(client.get_by_text(version.snapshot_sha256)).to_be_visible()
    assert axe_violations(client) == []

    # The freelancer sees a contracted project whose first deadline moves only by renegotiation.
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    expect(page.locator(".project-meta .badge")).to_have_text("Contracted")
    page.get_by_role("link", name="Open the contract").click()
    expect(page.get_by_role("heading", name="Version 1 accepted by the client")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Save clause"))).to_have_count(0)
    page.goto(f"{live_server.url}/projects/{project.pk}/plan/")
    deadline = page.get_by_role("region", name="First deadline")
    expect(deadline.get_by_text("Changes only by renegotiation")).to_be_visible()
    expect(page.get_by_label("Hard first deadline")).to_have_count(0)
    expect(page.get_by_role("button", name="Save the deadline")).to_have_count(0)

    project.refresh_from_db()
    assert project.status == Project.Status.CONTRACTED
    evidence = ContractAcceptance.objects.get()
    assert evidence.typed_name == "Jan Jansen"
    assert evidence.view_user_agent and evidence.decision_user_agent

    confirmation = the_mail(mailbox, "jan@bakkerij.example", "Confirmation")
    pdf = next(part for part in confirmation.iter_attachments() if part.get_content_type() == "application/pdf")
    text = pdf_to_text(pdf.get_content())
    assert "Jan Jansen" in text
    assert version.snapshot_sha256 in text.replace("\n", "")
    the_mail(mailbox, "alice@example.nl", project.client.name)  # the freelancer hears at once
