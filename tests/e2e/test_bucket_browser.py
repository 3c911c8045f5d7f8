"""End to end with real parts: a wish that costs extra is beeped through a real worker to
aiosmtpd; the client follows the link from that email in Chromium (phone size) and
chooses stop, pay or swap; the plan and the confirmation mail follow."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from projects import bucket
from projects.client_page import issue_project_page_link
from projects.models import ChangeDecision, ChangeRequest, ScopeItem
from tests.factories import ContactFactory, project_with_phases
from tests.helpers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CR = ChangeRequest
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
LINK = re.compile(r"https?://\S+/l/[A-Za-z0-9_\-]+/")


@pytest.fixture(autouse=True)
def _links_point_at_the_live_server(settings, live_server):
    settings.SITE_URL = live_server.url


@pytest.fixture
def project(alice):
    """Three phases of two 8-hour items each; phase 1 is being worked on."""
    project = project_with_phases(
        alice, 3, first_deadline=date(2027, 3, 5), name="Lunch webshop", hourly_rate=Decimal("80.00")
    )
    project.client.language = "en"
    project.client.save()
    ContactFactory(client=project.client, name="Jan Jansen", email="jan@bakkerij.example")
    project.mark_contracted(alice)
    project.phases.get(position=1).start(alice)
    return project


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


def axe_violations(page: Page) -> list[dict]:
    page.evaluate(AXE.read_text())  # via DevTools: the page's CSP blocks an injected inline <script>
    result = page.evaluate("async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})")
    return [{"id": v["id"], "nodes": len(v["nodes"])} for v in result["violations"]]


def hours_in_plan(project) -> Decimal:
    return sum((item.estimate_hours for item in ScopeItem.objects.filter(phase__project=project)), Decimal("0"))


@pytest.mark.parametrize("choice", ["stop", "pay", "swap"])
def test_the_client_decides_on_a_beeped_wish_from_the_email(
    browser: Browser, live_server, celery_worker, mailbox, alice, project, choice
):
    phase_2 = project.phases.get(position=2)
    wish = bucket.add_wish(project, title="Newsletter signup", description="On the home page.", actor=alice)
    bucket.assess(wish, estimate_hours=Decimal("8"), actor=alice)
    bucket.classify(wish, classification=CR.Classification.EXTRA_COST, actor=alice, target_phase=phase_2)
    hours_before = hours_in_plan(project)
    items_before = set(ScopeItem.objects.filter(phase__project=project).values_list("pk", flat=True))

    client = open_link_as_client(browser, the_mail(mailbox, "jan@bakkerij.example", "costs extra"))
    expect(client.get_by_role("heading", level=1)).to_have_text("Your wish: Newsletter signup")
    expect(client.get_by_text("€640.00 excl. VAT (€80.00 per hour)")).to_be_visible()
    expect(client.get_by_text("The hard deadline (5 March 2027) does not move.")).to_be_visible()
    expect(client.get_by_text("Paid extra work goes into phase 2 “Phase 2”.")).to_be_visible()
    expect(client.get_by_text("between 7.2 hours and 8.8 hours in total")).to_be_visible()
    violations = axe_violations(client)
    assert violations == [], violations  # no WCAG 2 A/AA violation at all, labels and contrast included
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    client.screenshot(path=SCREENSHOTS / "client-decision-phone.png", full_page=True)

    phase_3_work = client.get_by_role("group", name="Phase 3: Phase 3").get_by_role("checkbox")
    if choice == "swap":
        # Too much work given up: refused in plain words, the ticks stay, then balanced.
        client.get_by_role("radio", name=re.compile(r"^Swap:")).check()
        phase_3_work.nth(0).check()
        phase_3_work.nth(1).check()
        client.get_by_role("button", name="Send my decision").click()
        expect(client.get_by_role("alert")).to_contain_text("The swap does not balance")
        expect(client.get_by_role("alert")).to_contain_text("16 hours")
        expect(phase_3_work.nth(1)).to_be_checked()
        expect(client.get_by_role("radio", name=re.compile(r"^Swap:"))).to_be_checked()
        assert not ChangeDecision.objects.exists()
        phase_3_work.nth(1).uncheck()
    else:
        label = {"stop": r"^Stop:", "pay": r"^Pay:"}[choice]
        client.get_by_role("radio", name=re.compile(label)).check()
    client.get_by_role("button", name="Send my decision").click()
    expect(client.get_by_role("heading", level=1)).to_have_text("Thank you: your decision is recorded")
    evidence = ChangeDecision.objects.get()
    expect(client.get_by_text(evidence.snapshot_sha256)).to_be_visible()
    client.screenshot(path=SCREENSHOTS / f"client-decided-{choice}-phone.png", full_page=True)

    wish.refresh_from_db()
    in_plan = ScopeItem.objects.filter(phase__project=project)
    if choice == "stop":
        assert wish.status == CR.Status.DROPPED
        assert set(in_plan.values_list("pk", flat=True)) == items_before
        assert hours_in_plan(project) == hours_before
    elif choice == "pay":
        assert wish.status == CR.Status.DECIDED
        extra = in_plan.get(change_request=wish)
        assert (extra.phase, extra.billable_extra) == (phase_2, True)
        assert hours_in_plan(project) == hours_before + Decimal("8")
        expect(client.get_by_text("It goes into phase 2 “Phase 2”.")).to_be_visible()
    else:
        assert wish.status == CR.Status.DECIDED
        given_up = ScopeItem.all_objects.get(swapped_out_by=wish)
        assert given_up.phase.position == 3
        assert not in_plan.filter(pk=given_up.pk).exists()
        assert in_plan.get(change_request=wish).billable_extra is False
        assert hours_in_plan(project) == hours_before  # the totals balance
        expect(client.get_by_role("listitem").filter(has_text=given_up.title)).to_be_visible()
    assert evidence.decision == choice
    assert evidence.decision_user_agent and evidence.decision_ip == "127.0.0.1"

    confirmation = the_mail(mailbox, "jan@bakkerij.example", "Confirmation of your decision")
    assert evidence.snapshot_sha256 in confirmation.get_body(preferencelist=("plain",)).get_content()
    the_mail(mailbox, "alice@example.nl", "Newsletter signup")  # the freelancer hears at once


def test_the_client_drops_a_wish_on_the_project_page(
    browser: Browser, live_server, celery_worker, mailbox, alice, project
):
    issue_project_page_link(project, actor=alice)
    client = open_link_as_client(browser, the_mail(mailbox, "jan@bakkerij.example", "Your project page"))
    expect(client.get_by_role("heading", level=1)).to_have_text("Lunch webshop")
    expect(client.get_by_text("Friday 5 March 2027")).to_be_visible()
    violations = axe_violations(client)
    assert violations == [], violations

    client.get_by_role("button", name="Add my wish").click()
    expect(client.get_by_text("Please describe your wish in a few words.")).to_be_visible()
    client.get_by_role("textbox", name="Your wish").fill("A gift card <script>alert(1)</script>")
    client.get_by_label("Details (optional)").fill("For Mother's Day.")
    client.get_by_role("button", name="Add my wish").click()
    expect(client.get_by_role("status")).to_contain_text("is in the bucket")
    expect(client.get_by_text("A gift card <script>alert(1)</script>", exact=True)).to_be_visible()
    violations = axe_violations(client)
    assert violations == [], violations
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    client.screenshot(path=SCREENSHOTS / "client-project-page-phone.png", full_page=True)
    wish = ChangeRequest.objects.get()
    assert (wish.source, wish.status) == (CR.Source.CLIENT_PAGE, CR.Status.NEW)
