"""End to end with real parts: the freelancer delivers in Chromium, the email goes through a
real worker to aiosmtpd, and the client follows the link from that email in another browser."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from django.template.defaultfilters import date as date_filter
from django.utils import timezone, translation
from playwright.sync_api import Browser, Page, expect

from projects.models import Acceptance, Phase
from tests.conftest import PASSWORD
from tests.e2e.gates import axe_violations
from tests.factories import ContactFactory, project_with_phases
from tests.helpers import pdf_to_text, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
LINK = re.compile(r"https?://\S+/l/[A-Za-z0-9_\-]+/")


@pytest.fixture(autouse=True)
def _links_point_at_the_live_server(settings, live_server):
    settings.SITE_URL = live_server.url


@pytest.fixture
def project(alice):
    project = project_with_phases(alice, 3, first_deadline=date(2027, 3, 5), name="Lunch webshop")
    project.client.language = "en"
    project.client.save()
    ContactFactory(client=project.client, name="Jan Jansen", email="jan@bakkerij.example")
    project.mark_contracted(alice)
    project.phases.get(position=1).start(alice)
    return project


def deliver(page: Page, live_server, project) -> None:
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    card = page.get_by_role("article", name=re.compile("Phase 1"))
    card.get_by_label("Delivery note for phase 1 (optional)").fill("The design is on staging.")
    card.get_by_label("Links to the deliverables (optional)").fill("https://staging.example.nl/design")
    expect(card.get_by_label("Jan Jansen <jan@bakkerij.example>")).to_be_checked()
    card.get_by_role("button", name="Mark phase 1 delivered").click()
    expect(page.get_by_role("status").filter(has_text="acceptance link went to Jan Jansen")).to_be_visible()


def the_mail(mailbox, to: str, subject_part: str):
    found = wait_until(
        lambda: [m for m in list(mailbox) if to in m["X-Envelope-To"] and subject_part in m["Subject"]], timeout=30
    )
    assert found, f"no mail to {to} about {subject_part!r}; got {[m['Subject'] for m in mailbox]}"
    return found[-1]


def open_link_as_client(browser: Browser, mail) -> Page:
    text = mail.get_body(preferencelist=("plain",)).get_content()
    url = LINK.search(text).group(0)
    client_page = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}).new_page()
    client_page.goto(url)
    assert "/l/" not in client_page.url, "the token left the address bar"
    return client_page


def test_the_client_accepts_from_the_email_and_the_freelancer_sees_the_evidence(
    page: Page, browser: Browser, live_server, celery_worker, mailbox, alice, project
):
    deliver(page, live_server, project)
    request_mail = the_mail(mailbox, "jan@bakkerij.example", "is ready")
    client = open_link_as_client(browser, request_mail)

    expect(client.get_by_role("heading", level=1)).to_contain_text("Phase 1 is ready")
    expect(client.get_by_text("The design is on staging.")).to_be_visible()
    phase_2 = project.phases.get(position=2)
    due = phase_2.due_after(timezone.localdate())
    with translation.override("en"):
        shown_due = date_filter(due, "l j F Y")
    expect(client.get_by_text(f"If you accept today, phase 2 (Phase 2) is due on {shown_due}.")).to_be_visible()
    violations = axe_violations(client)
    assert violations == [], violations  # no WCAG 2 A/AA violation at all, labels and contrast included
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    client.screenshot(path=SCREENSHOTS / "client-acceptance-phone.png", full_page=True)

    client.get_by_label("Your full name").fill("Jan Jansen")
    client.get_by_label("I accept this phase as delivered.").check()
    client.get_by_role("button", name="Accept phase 1").click()
    expect(client.get_by_role("heading", level=1)).to_have_text("Thank you: phase 1 is accepted")
    expect(client.get_by_text(f"Phase 2 (Phase 2) is now due on {shown_due}.")).to_be_visible()
    client.screenshot(path=SCREENSHOTS / "client-accepted-phone.png", full_page=True)

    page.reload()
    dates = page.get_by_role("table", name="Phase dates")
    expect(dates.get_by_role("row").nth(2)).to_contain_text("fixed")
    expect(page.get_by_role("heading", name="Accepted by the client")).to_be_visible()
    evidence = Acceptance.objects.get()
    expect(page.get_by_text(evidence.snapshot_sha256)).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "project-after-acceptance.png", full_page=True)

    confirmation = the_mail(mailbox, "jan@bakkerij.example", "Confirmation")
    pdf = next(part for part in confirmation.iter_attachments() if part.get_content_type() == "application/pdf")
    text = pdf_to_text(pdf.get_content())
    assert "Jan Jansen" in text
    assert evidence.snapshot_sha256 in text.replace("\n", "")
    with translation.override("en"):
        assert date_filter(timezone.localtime(evidence.decided_at), "j F Y, H:i:s") in text
    the_mail(mailbox, "alice@example.nl", "heeft fase 1 geaccepteerd")  # the freelancer reads Dutch, the default

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the certificate (PDF)").click()
    assert evidence.snapshot_sha256 in pdf_to_text(Path(download.value.path()).read_bytes()).replace("\n", "")
    assert json.loads(json.dumps(evidence.snapshot)) == evidence.snapshot


def test_the_client_asks_for_changes_from_the_email(
    page: Page, browser: Browser, live_server, celery_worker, mailbox, alice, project
):
    deliver(page, live_server, project)
    client = open_link_as_client(browser, the_mail(mailbox, "jan@bakkerij.example", "is ready"))
    client.get_by_role("button", name="Send my change request").click()
    expect(client.get_by_text("This field is required.").or_(client.get_by_text("Please describe"))).to_be_visible()
    client.get_by_label("Which changes do you need?").fill("The logo must be bigger.")
    client.get_by_role("button", name="Send my change request").click()
    expect(client.get_by_role("heading", level=1)).to_have_text("Thank you: your change request was sent")

    page.reload()
    card = page.get_by_role("article", name=re.compile("Phase 1"))
    expect(card.get_by_text("In progress")).to_be_visible()
    expect(card.get_by_text("The logo must be bigger.")).to_be_visible()
    assert project.phases.get(position=1).status == Phase.Status.IN_PROGRESS
    the_mail(mailbox, "alice@example.nl", "vraagt om wijzigingen in fase 1")
