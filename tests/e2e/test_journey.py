"""The whole journey of a new freelancer, in Chromium, through real parts, on both databases.

Invited by the operator, Sanne makes her account from the mailed link and works through the
first-run checklist. She adds a client with a decision maker, plans a project of three phases
and sends the contract; the client accepts it from the real mail. Phase 1 is delivered, the
client asks for changes, it is delivered again and accepted. A wish goes into the bucket, the
beep goes out and the client swaps it for a scope item. The invoice goes out; weeks later it
is overdue, and the reminder sweep, run by the real worker, sends the friendly reminder. Phase 2
won't start while the invoice is overdue; once the payment is recorded from the dashboard,
it starts, and the dashboard is clean.

Time: the real worker runs with the real clock, so the journey starts in the past (time-machine
in this process: the test, the live server and the ORM) and comes back to today for the sweep.

Elements are found only by role and label, as a person would find them. Every page the journey
lands on is checked at the end: zero errors from the W3C HTML validator (on the HTML the server
sent) and no serious or critical axe-core violation (on the page as shown). Screenshots go to
var/screenshots/journey/, or to the folder in JOURNEY_SCREENSHOTS: the README's pictures come
from `JOURNEY_SCREENSHOTS=docs/screenshots/journey uv run pytest tests/e2e/test_journey.py`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from contracts.dutch_law import ensure_known_interest_rates
from contracts.models import Invoice, StatutoryInterestRate
from contracts.seed import load_contract_templates
from freelance.accounts.invitations import invite
from freelance.reminders.models import Reminder
from projects.models import ChangeRequest, Phase, Project
from tests.e2e.gates import axe_serious, html_errors_many, vnu_command
from tests.helpers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
SCREENSHOTS = BASE_DIR / os.environ.get("JOURNEY_SCREENSHOTS", "var/screenshots/journey")
LINK = re.compile(r"https?://\S+/l/[A-Za-z0-9_\-]+/")
INVITE_LINK = re.compile(r"https?://\S+/accounts/invitation/[A-Za-z0-9_\-]+/")
PASSWORD = "a long journey starts here"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# The journey starts this many days before today; the invoice it sends is then long overdue.
DAYS_AGO = 45


# The innermost elements that stick out on the right: what to fix when a page is too wide.
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > document.documentElement.clientWidth + 1))
  .slice(0, 5).map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} (${Math.round(e.getBoundingClientRect().right)} px)`)"""


@dataclass
class Gates:
    """Every page the journey lands on: the HTML the server sent and axe's findings on the page as shown."""

    pages: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (url, html)
    axe: dict[str, list[dict]] = field(default_factory=dict)
    too_wide: dict[str, tuple[int, list[str]]] = field(default_factory=dict)

    def check(self, page: Page, name: str) -> None:
        page.wait_for_load_state("load")
        response = page.request.get(page.url)  # GET never changes state, so asking again is harmless
        assert response.ok, f"{name}: {page.url} answered {response.status}"
        self.pages[name] = (page.url, response.text())
        self.axe[name] = axe_serious(page)
        self.fits_a_phone(page, name)

    def fits_a_phone(self, page: Page, name: str) -> None:
        """No sideways scrolling at a 390 px viewport (a desktop page is narrowed to it for the measure)."""
        viewport = page.viewport_size
        if viewport != PHONE:
            page.set_viewport_size(PHONE)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            self.too_wide[name] = (width, page.evaluate(WIDEST))
        if viewport != PHONE:
            page.set_viewport_size(viewport)

    def problems(self) -> list[str]:
        found = []
        for name, errors in html_errors_many({name: html for name, (_, html) in self.pages.items()}).items():
            found += [f"{name} ({self.pages[name][0]}): vnu {error}" for error in errors]
        for name, violations in self.axe.items():
            found += [f"{name}: axe {violation}" for violation in violations]
        found += [
            f"{name}: {width} px wide on a {PHONE['width']} px phone, because of {culprits}"
            for name, (width, culprits) in self.too_wide.items()
        ]
        return found


def shoot(page: Page, name: str, *, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=full_page)


READ: set[str] = set()  # Message-IDs of the mails the journey has read: each step waits for a new one


def the_mail(mailbox, to: str, pattern: str):
    """The next unread mail to `to` whose subject matches `pattern`, waiting for the worker to send it."""

    def found():
        return [
            m
            for m in list(mailbox)
            if to in m["X-Envelope-To"] and re.search(pattern, m["Subject"]) and m["Message-ID"] not in READ
        ]

    assert wait_until(found, timeout=60), (
        f"no new mail to {to} matching {pattern!r}; got {[m['Subject'] for m in mailbox]}"
    )
    mail = found()[0]
    READ.add(mail["Message-ID"])
    return mail


def link_in(mail, pattern=LINK) -> str:
    return pattern.search(mail.get_body(preferencelist=("plain",)).get_content()).group(0)


def tab(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Project pages").get_by_role("link", name=name, exact=True).click()


def status_says(page: Page, text: str | re.Pattern) -> None:
    expect(page.get_by_role("status").filter(has_text=text).first).to_be_visible()


@pytest.fixture
def operator(django_user_model):
    return django_user_model.objects.create_superuser("operator", "ops@mijlpaal.example", "operator password 1")


@pytest.fixture(autouse=True)
def _links_point_at_the_live_server(settings, live_server):
    settings.SITE_URL = live_server.url


def test_a_new_freelancer_from_invitation_to_a_paid_invoice(
    browser: Browser, live_server, celery_worker, mailbox, operator
):
    vnu_command()  # skip (laptop) or fail (CI) before the work when the validator is missing
    ensure_known_interest_rates(StatutoryInterestRate)
    load_contract_templates()  # as migrate does: an earlier transactional test may have flushed them
    gates = Gates()
    today = timezone.localdate()
    start = timezone.now() - timedelta(days=DAYS_AGO)
    with time_machine.travel(start, tick=True):
        sanne = browser.new_context(locale="en-GB", timezone_id="Europe/Amsterdam", viewport=DESKTOP).new_page()
        client = browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam", viewport=PHONE).new_page()
        try:
            project = the_past(sanne, client, gates, live_server, mailbox, operator, start.date())
        except Exception:
            print(sanne.url, sanne.locator("main").aria_snapshot()[:6000])
            print(client.url, client.locator("body").aria_snapshot()[:3000] if client.url.startswith("http") else "")
            raise
    try:
        today_part(sanne, gates, live_server, mailbox, project, today)
    except Exception:
        print(sanne.url, sanne.locator("main").aria_snapshot()[:6000])
        raise
    print(f"\njourney: {len(gates.pages)} pages checked: {', '.join(gates.pages)}")  # shown with -s
    problems = gates.problems()
    assert not problems, f"{len(problems)} problems on {len(gates.pages)} pages:\n" + "\n".join(problems)
    assert len(gates.pages) >= 25, sorted(gates.pages)


def the_past(sanne: Page, client: Page, gates: Gates, live_server, mailbox, operator, day) -> Project:
    base = live_server.url
    # -- The invitation: the operator invites Sanne; she makes her account from the mail.
    invite("sanne@studio.example", by=operator, language="en")
    sanne.goto(link_in(the_mail(mailbox, "sanne@studio.example", "Mijlpaal"), INVITE_LINK))
    gates.check(sanne, "invitation")
    sanne.get_by_label("Username").fill("sanne")
    sanne.get_by_label("First name").fill("Sanne")
    sanne.get_by_label("Last name").fill("de Vries")
    sanne.get_by_label("Password:", exact=True).fill(PASSWORD)
    sanne.get_by_label("Password confirmation").fill(PASSWORD)
    sanne.get_by_role("button", name=re.compile("account", re.I)).click()
    status_says(sanne, "your account is ready")

    # -- The first-run checklist: five steps, each in the app, each ticking itself off.
    checklist = sanne.get_by_role("region", name="Get started")
    expect(checklist).to_contain_text("0 of 5 done")
    gates.check(sanne, "dashboard: first run")
    shoot(sanne, "01-first-run-en-desktop")

    checklist.get_by_role("link", name=re.compile("business details", re.I)).click()
    sanne.get_by_label("Business name").fill("Studio de Vries")
    sanne.get_by_label("Street and number").fill("Oudegracht 12")
    sanne.get_by_label("Postcode").fill("3511 AB")
    sanne.get_by_label("City").fill("Utrecht")
    sanne.get_by_label("KvK number").fill("12345678")
    sanne.get_by_label("VAT id").fill("NL000099998B57")
    sanne.get_by_label("IBAN").fill("NL91 ABNA 0417 1643 00")
    gates.check(sanne, "settings: business")
    sanne.get_by_role("button", name="Save settings").click()
    status_says(sanne, re.compile("saved", re.I))

    sanne.get_by_role("link", name="Dashboard").click()
    checklist.get_by_role("link", name=re.compile("rate", re.I)).first.click()
    sanne.get_by_label(re.compile("^Hourly rate")).fill("95")
    sanne.get_by_label("Reason the client sees").fill("Twelve years of building webshops")
    gates.check(sanne, "settings: rates")
    sanne.get_by_role("button", name="Add this rate").click()
    status_says(sanne, re.compile("rate", re.I))
    sanne.get_by_role("spinbutton", name="Your floor rate").fill("70")
    sanne.get_by_role("button", name="Save the floor rate").click()
    status_says(sanne, re.compile("floor", re.I))

    sanne.get_by_role("link", name="Dashboard").click()
    checklist.get_by_role("link", name=re.compile("surcharge", re.I)).click()
    gates.check(sanne, "settings: surcharges")
    sanne.get_by_role("button", name="Use the standard surcharges").click()
    expect(sanne.get_by_role("region", name="Your surcharges")).to_contain_text("Christmas Eve")

    sanne.get_by_role("link", name="Dashboard").click()
    expect(checklist).to_contain_text("3 of 5 done")
    checklist.get_by_role("link", name=re.compile("client", re.I)).click()
    gates.check(sanne, "new client")
    sanne.get_by_label(re.compile("^Name")).fill("Bakkerij Jansen B.V.")
    sanne.get_by_label(re.compile("^Street")).fill("Dorpsstraat 1")
    sanne.get_by_label(re.compile("^Postcode")).fill("1234 AB")
    sanne.get_by_label(re.compile("^City")).fill("Amersfoort")
    sanne.get_by_label(re.compile("^KvK")).fill("87654321")
    sanne.get_by_role("button", name="Add client").click()
    expect(sanne.get_by_role("heading", level=1)).to_have_text("Bakkerij Jansen B.V.")
    sanne.get_by_label(re.compile("^Name")).fill("Jan Jansen")
    sanne.get_by_label(re.compile("^Decision maker")).check()
    sanne.get_by_label(re.compile("^Budget holder")).check()
    sanne.get_by_label(re.compile("^Email")).fill("jan@bakkerij.example")
    sanne.get_by_role("button", name="Add contact").click()
    expect(sanne.get_by_role("heading", name="Jan Jansen", level=3)).to_be_visible()
    gates.check(sanne, "client detail")

    # -- A project of three phases: a hard first deadline, then two weeks, then eight weeks after.
    sanne.get_by_role("link", name="Dashboard").click()
    expect(checklist).to_contain_text("4 of 5 done")
    checklist.get_by_role("link", name=re.compile("project", re.I)).click()
    gates.check(sanne, "new project")
    sanne.get_by_label(re.compile(r"^Client")).select_option(label="Bakkerij Jansen B.V.")
    sanne.get_by_label("Project name").fill("Webshop")
    sanne.get_by_label("Goal").fill("More orders from returning customers")
    deadline = day + timedelta(days=21)
    while deadline.weekday() >= 5:
        deadline += timedelta(days=1)
    sanne.get_by_label("Hard first deadline").fill(deadline.isoformat())
    for number, title in ((1, "Design"), (2, "Build"), (3, "Launch")):
        sanne.get_by_label(f"Title of phase {number}").fill(title)
    sanne.get_by_label("Offset of phase 2").fill("8")
    sanne.get_by_label("Offset unit of phase 2").select_option(label="weeks")
    sanne.get_by_role("button", name="Create the project and plan it").click()
    expect(sanne.get_by_role("heading", level=1)).to_have_text("Plan of Webshop")
    gates.check(sanne, "plan editor")
    for phase, price in ((1, "1800"), (2, "2400"), (3, "800")):
        sanne.get_by_label(f"Fixed price of phase {phase} (excl. VAT)").fill(price)
        sanne.get_by_role("button", name=f"Save phase {phase}").click()
        status_says(sanne, f"Phase {phase} saved")
    for phase, number, title, hours in ((1, 1, "Designs for shop and checkout", "16"), (2, 1, "Product pages", "12"),
                                        (2, 2, "Newsletter archive", "6"), (3, 1, "Go live", "4")):  # fmt: skip
        sanne.get_by_label(f"New scope item for phase {phase}").fill(title)
        sanne.get_by_label(f"Estimate in hours for the new scope item of phase {phase}").fill(hours)
        sanne.get_by_role("button", name=f"Add scope item to phase {phase}").click()
        expect(sanne.get_by_role("textbox", name=f"Scope item {number} of phase {phase}")).to_have_value(title)
    project = Project.objects.get(name="Webshop")

    # -- The contract: made from the default template, sent, accepted by the client from the mail.
    tab(sanne, "Contract")
    sanne.get_by_role("button", name="Create the contract").click()
    status_says(sanne, "The contract is created")
    gates.check(sanne, "contract")
    send = sanne.get_by_role("region", name="Send to the client")
    send.get_by_role("button", name="Send to the client").click()
    status_says(sanne, "Version 1 of the contract went to Jan Jansen")

    client.goto(link_in(the_mail(mailbox, "jan@bakkerij.example", "^De overeenkomst voor Webshop")))
    expect(client.get_by_role("heading", level=1)).to_contain_text("Webshop")
    gates.check(client, "client: contract")
    shoot(client, "02-contract-nl-phone", full_page=False)  # the summary and the jump to "accept"
    client.get_by_role("link", name=re.compile("accepteren", re.I)).first.click()
    client.get_by_label(re.compile("naam", re.I)).fill("Jan Jansen")
    client.get_by_role("checkbox").check()
    client.get_by_role("button", name=re.compile("accepteren|Akkoord", re.I)).click()
    expect(client.get_by_role("heading", level=1)).to_contain_text(re.compile("Dank"))
    gates.check(client, "client: contract accepted")

    # -- Phase 1: started, delivered; the client asks for changes; delivered again; accepted.
    sanne.goto(f"{base}/projects/{project.pk}/")
    gates.check(sanne, "project overview")
    tab(sanne, "Phases")
    sanne.get_by_role("button", name="Start phase 1").click()
    sanne.get_by_label(re.compile("^Links to the deliverables")).fill("https://staging.bakkerij.example/ontwerp")
    sanne.get_by_role("button", name="Mark phase 1 delivered").click()
    status_says(sanne, re.compile("delivered", re.I))
    gates.check(sanne, "project phases")

    client.goto(link_in(the_mail(mailbox, "jan@bakkerij.example", "^Fase 1 van Webshop is klaar")))
    gates.check(client, "client: phase acceptance")
    client.get_by_label(re.compile("^Welke wijzigingen")).fill("Het logo mag groter.")
    client.get_by_role("button", name=re.compile("wijzigingsverzoek", re.I)).click()
    expect(client.get_by_role("heading", level=1)).to_be_visible()
    gates.check(client, "client: changes sent")

    sanne.reload()  # the changes the client asked for put phase 1 back in progress
    phase_1 = sanne.get_by_role("article", name="Phase 1: Design")
    expect(phase_1).to_contain_text("Het logo mag groter.")
    sanne.get_by_label(re.compile("^Links to the deliverables")).fill("https://staging.bakkerij.example/ontwerp-2")
    sanne.get_by_role("button", name="Mark phase 1 delivered").click()
    status_says(sanne, re.compile("delivered", re.I))

    client.goto(link_in(the_mail(mailbox, "jan@bakkerij.example", "^Fase 1 van Webshop is klaar")))
    client.get_by_label(re.compile("^Uw volledige naam")).fill("Jan Jansen")
    client.get_by_role("checkbox", name=re.compile("^Ik accepteer deze fase")).check()
    client.get_by_role("button", name="Fase 1 accepteren").click()
    expect(client.get_by_role("heading", level=1)).to_contain_text(re.compile("Dank|geaccepteerd"))
    gates.check(client, "client: phase accepted")
    assert Phase.objects.get(project=project, position=1).status == Phase.Status.ACCEPTED

    # -- A wish: into the bucket, estimated, classified as extra cost: the beep. The client swaps.
    sanne.goto(f"{base}/projects/{project.pk}/bucket/")
    gates.check(sanne, "bucket")
    sanne.get_by_label(re.compile("^Wish$")).fill("Recipes on the product pages")
    sanne.get_by_role("button", name="Add the wish to the bucket").click()
    status_says(sanne, "Recipes")
    sanne.get_by_role("spinbutton", name=re.compile("^Estimate in hours for")).fill("6")
    sanne.get_by_role("button", name=re.compile("Save estimate")).click()
    sanne.get_by_text("Classify", exact=True).click()
    sanne.get_by_role("radio", name="Extra cost").check()
    sanne.get_by_role("button", name=re.compile("^Classify")).click()
    status_says(sanne, re.compile("beep", re.I))

    client.goto(link_in(the_mail(mailbox, "jan@bakkerij.example", "^Graag uw beslissing")))
    gates.check(client, "client: wish decision")
    client.get_by_label(re.compile("^Ruilen")).check()
    client.get_by_label(re.compile("Newsletter archive")).check()
    client.get_by_role("button", name="Mijn beslissing versturen").click()
    expect(client.get_by_role("heading", level=1)).to_be_visible()
    gates.check(client, "client: decision sent")
    wish = ChangeRequest.objects.get(project=project)
    assert wish.decision == ChangeRequest.Decision.SWAP

    # -- The invoice of phase 1, drafted at acceptance, goes out.
    sanne.get_by_role("link", name="Invoices").click()
    gates.check(sanne, "invoice list")
    invoices = sanne.get_by_role("table", name=re.compile("^Invoices and credit notes"))
    invoices.get_by_role("link", name="Draft", exact=True).click()
    gates.check(sanne, "invoice draft")
    sanne.get_by_role("button", name="Send invoice").click()
    expect(sanne.get_by_role("heading", name=re.compile("^Sent on"))).to_be_visible()
    gates.check(sanne, "invoice sent")
    the_mail(mailbox, "jan@bakkerij.example", "^Factuur ")
    return project


def today_part(sanne: Page, gates: Gates, live_server, mailbox, project: Project, today) -> None:
    base = live_server.url
    invoice = Invoice.objects.get(project=project, status=Invoice.Status.SENT)
    assert invoice.due_date < today
    # -- Weeks later: the sweep, run by the real worker at today's date, sends the friendly reminder.
    from contracts.tasks import sweep_payment_reminders

    assert sweep_payment_reminders.delay().get(timeout=120) >= 1
    assert Reminder.objects.filter(kind=Reminder.Kind.PAYMENT, object_id=invoice.pk, stage=1).exists()
    the_mail(mailbox, "jan@bakkerij.example", f"^Herinnering: factuur {invoice.number}")

    # -- The session of weeks ago has expired: Sanne logs in again.
    sanne.goto(f"{base}/")
    sanne.get_by_label("Username").fill("sanne")
    sanne.get_by_label("Password").fill(PASSWORD)
    sanne.get_by_role("button", name="Log in").click()
    expect(sanne.get_by_role("region", name="Get started")).to_have_count(0)
    money = sanne.get_by_role("region", name="Money")
    expect(money.get_by_role("heading", name="Overdue invoices")).to_be_visible()
    expect(money.get_by_role("listitem").filter(has_text=invoice.number)).to_contain_text("Friendly reminder")
    gates.check(sanne, "dashboard: overdue")
    shoot(sanne, "03-overdue-en-desktop")

    # -- The gate: phase 2 won't start while the invoice is overdue; its override is right there.
    sanne.goto(f"{base}/projects/{project.pk}/phases/")
    sanne.get_by_role("button", name="Start phase 2").click()
    expect(sanne.get_by_role("alert").filter(has_text=invoice.number)).to_be_visible()
    gates.check(sanne, "project phases: gate")
    shoot(sanne, "04-gate-en-desktop")
    assert Phase.objects.get(project=project, position=2).status != Phase.Status.IN_PROGRESS

    # -- The client pays; Sanne records it from the dashboard; phase 2 starts.
    sanne.get_by_role("link", name="Dashboard").click()
    money = sanne.get_by_role("region", name="Money")
    money.get_by_text("Record payment", exact=True).click()  # a disclosure: <summary> has no ARIA role
    expect(money.get_by_label("Amount")).to_have_value("2178.00")  # what is open, paid today
    money.get_by_role("button", name=f"Record payment on {invoice.number}").click()
    expect(money.get_by_role("heading", name="Overdue invoices")).to_have_count(0)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    sanne.goto(f"{base}/projects/{project.pk}/phases/")
    sanne.get_by_role("button", name="Start phase 2").click()
    status_says(sanne, re.compile("started", re.I))
    assert Phase.objects.get(project=project, position=2).status == Phase.Status.IN_PROGRESS

    # -- The dashboard is clean: nothing overdue, nothing waiting, no drafts.
    sanne.get_by_role("link", name="Dashboard").click()
    money = sanne.get_by_role("region", name="Money")
    expect(money.get_by_role("heading", name="Overdue invoices")).to_have_count(0)
    expect(money.get_by_role("heading", name=re.compile("Drafts"))).to_have_count(0)
    expect(sanne.get_by_role("region", name="Waiting for the client")).to_contain_text("Nothing waits")
    expect(sanne.get_by_role("region", name="Next deadlines").get_by_role("link", name="2. Build")).to_be_visible()
    gates.check(sanne, "dashboard: clean")
    screenshots(sanne, project, gates, base)


def screenshots(sanne: Page, project: Project, gates: Gates, base: str) -> None:
    """The dashboard and the project page in both languages, on a desktop and on a phone."""
    for language in ("en", "nl"):
        if language == "nl":
            sanne.get_by_role("button", name="NL").click()
        for device, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            sanne.set_viewport_size(viewport)
            for name, url in (("dashboard", "/"), ("project", f"/projects/{project.pk}/")):
                sanne.goto(base + url)
                shoot(sanne, f"{name}-{language}-{device}")
                if device == "phone":
                    gates.fits_a_phone(sanne, f"{name} ({language})")
