"""The client's pages for the bucket: the decision on a wish (stop / pay / swap) through the
link in the beep email, and the standing project page where the client drops new wishes."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client as BrowserClient
from django.utils import timezone

from freelance.links.models import ClientLink
from freelance.outbox.models import OutgoingEmail
from projects import bucket
from projects.models import ChangeDecision, ChangeRequest, PhaseEvent, ScopeItem
from tests.factories import ContactFactory, ProjectFactory, ScopeItemFactory, project_with_phases

pytestmark = pytest.mark.django_db
CR = ChangeRequest
LINK = re.compile(r"https?://[^\s\"<>]+/l/[A-Za-z0-9_\-]+/")
HASH = re.compile(r'name="snapshot_hash" value="([0-9a-f]{64})"')


# -- helpers ---------------------------------------------------------------------------------


def a_project(owner, *, name="Lunch webshop"):
    """Three phases with two scope items of 8 hours each, a rate, and a decision maker with email."""
    project = project_with_phases(owner, 3, first_deadline=date(2027, 3, 5), hourly_rate=Decimal("80.00"), name=name)
    project.client.language = "en"
    project.client.save()
    if not project.client.contacts.exists():
        ContactFactory(client=project.client, name="Jan Jansen", email="jan@bakkerij.example")
    return project


def beeped(project, owner, *, hours="8", target=None, title="Newsletter signup", description="On the home page."):
    wish = bucket.add_wish(project, title=title, description=description, actor=owner)
    bucket.assess(wish, estimate_hours=Decimal(hours), actor=owner)
    bucket.classify(wish, classification=CR.Classification.EXTRA_COST, actor=owner, target_phase=target)
    wish.refresh_from_db()
    return wish


def link_in_mail(kind: str, to: str = "jan@bakkerij.example") -> str:
    mail = next(m for m in OutgoingEmail.objects.filter(kind=kind).order_by("-pk") if to in m.to)
    return LINK.search(mail.body_text).group(0)


def open_as_client(url: str) -> tuple[BrowserClient, str]:
    browser = BrowserClient()
    response = browser.get("/" + url.split("://", 1)[1].split("/", 1)[1])
    assert response.status_code == 302
    return browser, response["Location"]


def shown_hash(page) -> str:
    return HASH.search(page.content.decode()).group(1)


def plan_of(project) -> list[tuple]:
    """Everything of the plan that a decision could change."""
    return sorted(
        ScopeItem.all_objects.filter(phase__project=project).values_list(
            "pk", "phase_id", "title", "estimate_hours", "swapped_out_by", "billable_extra"
        )
    ) + sorted(project.phases.values_list("pk", "position", "title", "status"))


def hours_in_plan(project) -> Decimal:
    return sum((item.estimate_hours for item in ScopeItem.objects.filter(phase__project=project)), Decimal("0"))


@pytest.fixture
def project(alice):
    return a_project(alice)


@pytest.fixture
def decision(alice, project):
    """A wish of 8 hours beeped to Jan, going into phase 2; Jan has opened the link."""
    wish = beeped(project, alice, target=project.phases.get(position=2))
    browser, page_url = open_as_client(link_in_mail("change_request_beep"))
    return wish, browser, page_url


def decide(browser, page_url, choice: str, items=(), **extra):
    digest = shown_hash(browser.get(page_url))
    return browser.post(page_url, {"decision": choice, "items": list(items), "snapshot_hash": digest}, **extra)


# -- the decision page ---------------------------------------------------------------------------


def test_the_page_shows_the_wish_the_price_and_what_it_means_for_the_plan(decision, project):
    wish, browser, page_url = decision
    page = browser.get(page_url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "Your wish: Newsletter signup" in body
    assert "On the home page." in body
    assert "8 hours" in body
    assert "€640.00 excl. VAT (€80.00 per hour)" in body
    assert "The hard deadline (5 March 2027) does not move." in body
    assert "Paid extra work goes into phase 2 “Phase 2”." in body
    # One form, three choices, the swap rule in plain words, and the work grouped by phase with hours.
    assert body.count('<form method="post" class="card') == 1
    for choice in ("stop", "pay", "swap"):
        assert f'name="decision" value="{choice}"' in body
    assert "Choose planned work of about 8 hours: between 7.2 hours and 8.8 hours in total." in body
    for position in (1, 2, 3):
        assert f"Phase {position}: Phase {position}" in body
    item = ScopeItem.objects.filter(phase__project=project).first()
    assert f'name="items" value="{item.pk}"' in body
    assert f'{item.title} <span class="muted">(8 hours)</span>' in body
    assert shown_hash(page) == bucket.snapshot_hash(bucket.build_snapshot(wish))
    assert page["Referrer-Policy"] == "same-origin"


def test_without_a_target_phase_paid_work_goes_into_a_new_phase_after_the_last(alice, project):
    beeped(project, alice)
    browser, page_url = open_as_client(link_in_mail("change_request_beep"))
    assert "Paid extra work goes into a new phase after phase 3." in browser.get(page_url).content.decode()


def test_stop_drops_the_wish_and_changes_nothing_in_the_plan(decision, project):
    wish, browser, page_url = decision
    before = plan_of(project)
    response = decide(browser, page_url, "stop")
    assert response.status_code == 302
    assert response["Location"] == page_url
    done = browser.get(page_url).content.decode()
    assert "Thank you: your decision is recorded" in done
    assert "You chose not to go ahead with “Newsletter signup”. Nothing changes in the plan or the price." in done

    wish.refresh_from_db()
    assert (wish.status, wish.decision) == (CR.Status.DROPPED, CR.Decision.STOP)
    assert plan_of(project) == before
    assert ChangeDecision.objects.get().decision == CR.Decision.STOP


def test_pay_adds_billable_work_to_the_target_phase(decision, project):
    wish, browser, page_url = decision
    phase_2 = project.phases.get(position=2)
    hours_before = hours_in_plan(project)
    assert decide(browser, page_url, "pay").status_code == 302
    done = browser.get(page_url).content.decode()
    assert "built as paid extra work, for €640.00 excl. VAT." in done
    assert "It goes into phase 2 “Phase 2”." in done

    wish.refresh_from_db()
    assert (wish.status, wish.decision) == (CR.Status.DECIDED, CR.Decision.PAY)
    extra = ScopeItem.objects.get(change_request=wish)
    assert (extra.phase, extra.billable_extra, extra.estimate_hours) == (phase_2, True, Decimal("8.00"))
    assert hours_in_plan(project) == hours_before + Decimal("8")
    assert project.phases.count() == 3


def test_pay_without_a_target_adds_a_new_phase_and_the_hard_deadline_stays(alice, project):
    wish = beeped(project, alice, hours="5")
    browser, page_url = open_as_client(link_in_mail("change_request_beep"))
    assert decide(browser, page_url, "pay").status_code == 302
    new = project.phases.get(position=4)
    assert new.title == "Extra work: Newsletter signup"
    assert ScopeItem.objects.get(change_request=wish).phase == new
    project.refresh_from_db()
    assert project.first_deadline == date(2027, 3, 5)
    assert "It goes into phase 4 “Extra work: Newsletter signup”." in browser.get(page_url).content.decode()


def test_swap_takes_the_chosen_work_out_of_the_plan_and_puts_the_wish_in(decision, project):
    wish, browser, page_url = decision
    given_up = ScopeItem.objects.filter(phase__position=3, phase__project=project).first()
    hours_before = hours_in_plan(project)
    assert decide(browser, page_url, "swap", [given_up.pk]).status_code == 302
    done = browser.get(page_url).content.decode()
    assert "built instead of this planned work" in done
    assert f'{given_up.title} <span class="muted">(8 hours)</span>' in done

    wish.refresh_from_db()
    assert (wish.status, wish.decision) == (CR.Status.DECIDED, CR.Decision.SWAP)
    assert ScopeItem.all_objects.get(pk=given_up.pk).swapped_out_by == wish
    assert not ScopeItem.objects.filter(pk=given_up.pk).exists()
    swapped_in = ScopeItem.objects.get(change_request=wish)
    assert (swapped_in.phase.position, swapped_in.billable_extra) == (2, False)
    assert hours_in_plan(project) == hours_before  # the totals balance
    assert ChangeDecision.objects.get().swapped_items == [{"id": given_up.pk, "title": given_up.title, "hours": "8.00"}]


def test_a_swap_that_does_not_balance_is_refused_with_the_hours_and_keeps_the_ticks(decision, project):
    wish, browser, page_url = decision
    two = list(ScopeItem.objects.filter(phase__project=project, phase__position=3))
    before = plan_of(project)
    response = decide(browser, page_url, "swap", [i.pk for i in two])
    body = response.content.decode()
    assert response.status_code == 422
    assert "The swap does not balance: the wish takes about 8 hours, the work you chose to give up 16 hours." in body
    assert "between 7.2 and 8.8 hours" in body
    for item in two:
        assert f'value="{item.pk}" id="swap-item-{item.pk}" checked' in body
    assert 'value="swap" id="id_decision_2" checked' in body or re.search(r'value="swap"[^>]*checked', body)
    wish.refresh_from_db()
    assert wish.status == CR.Status.WAITING
    assert plan_of(project) == before
    assert not ChangeDecision.objects.exists()
    assert ClientLink.for_target(wish).get().is_valid


def test_a_swap_without_any_work_chosen_is_refused(decision):
    wish, browser, page_url = decision
    response = decide(browser, page_url, "swap")
    assert response.status_code == 422
    assert "Choose the planned work you would give up in exchange." in response.content.decode()
    wish.refresh_from_db()
    assert wish.status == CR.Status.WAITING


def test_swapping_accepted_foreign_or_tampered_work_is_refused_clearly(alice, bob):
    project = a_project(alice)
    project.mark_contracted(alice)
    first = project.phases.get(position=1)
    first.start(alice)
    first.deliver(alice)
    first.accept(alice)
    wish = beeped(project, alice)
    browser, page_url = open_as_client(link_in_mail("change_request_beep"))
    accepted_item = ScopeItem.objects.filter(phase=first).first()
    foreign_item = ScopeItemFactory(phase__project=ProjectFactory(owner=bob))
    before = plan_of(project)
    page = browser.get(page_url).content.decode()
    assert f'value="{accepted_item.pk}"' not in page  # accepted work is not offered at all

    for items, message in [
        ([accepted_item.pk], "Only planned work of phases that are not accepted yet can be swapped."),
        ([foreign_item.pk], "Only planned work of phases that are not accepted yet can be swapped."),
        (["1 OR 1=1"], "That choice of work is not valid. Please choose again."),
    ]:
        response = decide(browser, page_url, "swap", items)
        assert response.status_code == 422, items
        assert message in response.content.decode()
    wish.refresh_from_db()
    assert wish.status == CR.Status.WAITING
    assert plan_of(project) == before
    assert ScopeItem.all_objects.get(pk=foreign_item.pk).swapped_out_by is None
    assert not ChangeDecision.objects.exists()


def test_no_choice_is_refused_politely(decision):
    _wish, browser, page_url = decision
    digest = shown_hash(browser.get(page_url))
    for data in ({"snapshot_hash": digest}, {"decision": "maybe", "snapshot_hash": digest}):
        response = browser.post(page_url, data)
        assert response.status_code == 422
        assert "Please choose: stop, pay or swap." in response.content.decode()
    assert not ChangeDecision.objects.exists()


def test_a_changed_wish_is_shown_again_with_the_choice_kept(decision):
    wish, browser, page_url = decision
    digest = shown_hash(browser.get(page_url))
    ChangeRequest.objects.filter(pk=wish.pk).update(description="Also on the contact page.")
    response = browser.post(page_url, {"decision": "pay", "snapshot_hash": digest})
    body = response.content.decode()
    assert response.status_code == 409
    assert "changed since you opened this page" in body
    assert "Also on the contact page." in body
    assert re.search(r'value="pay"[^>]*checked', body)
    assert shown_hash(response) != digest
    assert not ChangeDecision.objects.exists()
    assert browser.post(page_url, {"decision": "pay", "snapshot_hash": shown_hash(response)}).status_code == 302


def test_a_missing_or_mangled_hash_records_nothing_and_shows_the_page_again(decision):
    _wish, browser, page_url = decision
    fresh = shown_hash(browser.get(page_url))
    for data in ({"decision": "pay"}, {"decision": "pay", "snapshot_hash": "x" * 65}):
        response = browser.post(page_url, data)
        assert response.status_code == 409
        assert "changed since you opened this page" in response.content.decode()
        assert re.search(r'value="pay"[^>]*checked', response.content.decode())
        assert shown_hash(response) == fresh
    assert not ChangeDecision.objects.exists()


def test_a_double_submit_records_one_decision(decision, project):
    wish, browser, page_url = decision
    digest = shown_hash(browser.get(page_url))
    data = {"decision": "pay", "snapshot_hash": digest}
    assert browser.post(page_url, data).status_code == 302
    again = browser.post(page_url, data)
    assert again.status_code == 200  # the outcome, not a second decision
    assert "Thank you: your decision is recorded" in again.content.decode()
    assert ChangeDecision.objects.count() == 1
    assert ScopeItem.objects.filter(change_request=wish).count() == 1
    assert OutgoingEmail.objects.filter(kind="change_decision_client").count() == 1


def test_another_browser_with_the_used_link_gets_410(decision):
    _wish, browser, page_url = decision
    assert decide(browser, page_url, "stop").status_code == 302
    response = BrowserClient().get("/" + link_in_mail("change_request_beep").split("/", 3)[3])
    assert response.status_code == 410


def test_the_evidence_records_who_when_where_and_what_was_shown(decision):
    wish, browser, page_url = decision
    response = decide(browser, page_url, "pay", HTTP_USER_AGENT="Mozilla/5.0 (Phone)", REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302
    evidence = ChangeDecision.objects.get()
    assert evidence.link == ClientLink.for_target(wish).get()
    assert (evidence.contact_name, evidence.contact_email) == ("Jan Jansen", "jan@bakkerij.example")
    assert evidence.decision_ip == "203.0.113.7"
    assert evidence.decision_user_agent == "Mozilla/5.0 (Phone)"
    assert evidence.view_ip == "127.0.0.1"
    assert evidence.viewed_at is not None and evidence.viewed_at <= evidence.decided_at
    assert evidence.recorded_by is None
    assert bucket.snapshot_hash(evidence.snapshot) == evidence.snapshot_sha256
    assert evidence.snapshot["title"] == "Newsletter signup"
    assert evidence.snapshot["cost"] == "640.00"
    done = browser.get(page_url).content.decode()
    assert evidence.snapshot_sha256 in done
    confirmation = OutgoingEmail.objects.get(kind="change_decision_client")
    assert confirmation.to == ["jan@bakkerij.example"]
    assert evidence.snapshot_sha256 in confirmation.body_text
    assert PhaseEvent.objects.filter(actor__isnull=True, actor_label__contains="Jan Jansen", data__decision="pay")


def test_fifty_gets_and_heads_change_nothing(decision, project):
    wish, browser, page_url = decision
    link = ClientLink.for_target(wish).get()
    before = (plan_of(project), wish.status, link.used_at, PhaseEvent.objects.count(), OutgoingEmail.objects.count())
    for _ in range(50):
        assert browser.get(page_url).status_code == 200
        assert browser.head(page_url).status_code == 200
    wish.refresh_from_db()
    link.refresh_from_db()
    after = (plan_of(project), wish.status, link.used_at, PhaseEvent.objects.count(), OutgoingEmail.objects.count())
    assert after == before
    assert not ChangeDecision.objects.exists()


def test_the_page_speaks_the_clients_language(alice):
    project = a_project(alice)
    project.client.language = "nl"
    project.client.save()
    beeped(project, alice)
    browser, page_url = open_as_client(link_in_mail("change_request_beep"))
    page = browser.get(page_url).content.decode()
    assert '<html lang="nl">' in page
    assert "€\xa0640,00" in page


# -- the freelancer issues the project page link ------------------------------------------------


def issue(alice_client, project, **data):
    return alice_client.post(f"/projects/{project.pk}/client-page/link/", data, HTTP_ACCEPT_LANGUAGE="en")


def test_issuing_a_project_page_link_emails_the_decision_maker_and_shows_the_url_once(alice_client, project):
    response = issue(alice_client, project)
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{project.pk}/#client-page"
    page = alice_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    url = link_in_mail("client_project_page")
    assert url in page
    assert "shown only this once" in page
    assert url not in alice_client.get(f"/projects/{project.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    link = ClientLink.objects.get(purpose=ClientLink.Purpose.PROJECT_PAGE)
    assert (link.target, link.single_use, link.recipient_email) == (project, False, "jan@bakkerij.example")
    assert link.expires_at - link.created_at == timedelta(days=365)
    mail = OutgoingEmail.objects.get(kind="client_project_page")
    assert mail.to == ["jan@bakkerij.example"]
    assert mail.body_html and url in mail.body_html


def test_a_new_link_replaces_the_old_one_and_can_go_to_a_chosen_contact(alice_client, project):
    issue(alice_client, project)
    first = ClientLink.objects.get(purpose=ClientLink.Purpose.PROJECT_PAGE)
    tom = ContactFactory(client=project.client, name="Tom", email="tom@bakkerij.example", is_decision_maker=False)
    issue(alice_client, project, contact=tom.pk)
    first.refresh_from_db()
    assert first.state == ClientLink.State.REVOKED
    newest = ClientLink.objects.filter(purpose=ClientLink.Purpose.PROJECT_PAGE).order_by("-pk").first()
    assert (newest.recipient_email, newest.is_valid) == ("tom@bakkerij.example", True)


def test_a_contact_of_another_client_cannot_be_chosen(alice, alice_client, project):
    stranger = ContactFactory(client=a_project(alice, name="Other").client, email="x@elsewhere.example")
    issue(alice_client, project, contact=stranger.pk)
    assert not ClientLink.objects.filter(purpose=ClientLink.Purpose.PROJECT_PAGE).exists()


def test_the_freelancer_can_withdraw_the_link(alice_client, project):
    issue(alice_client, project)
    browser, page_url = open_as_client(link_in_mail("client_project_page"))
    assert browser.get(page_url).status_code == 200
    response = alice_client.post(f"/projects/{project.pk}/client-page/revoke/")
    assert response.status_code == 302
    assert browser.get(page_url).status_code == 410
    assert "no longer valid" in browser.get(page_url).content.decode()
    assert browser.post(page_url, {"wish-title": "Late wish"}).status_code == 410
    assert not ChangeRequest.objects.exists()


def test_the_link_views_are_the_owners_only(bob, client, project):
    client.force_login(bob)
    assert client.post(f"/projects/{project.pk}/client-page/link/").status_code == 404
    assert client.post(f"/projects/{project.pk}/client-page/revoke/").status_code == 404
    assert not ClientLink.objects.exists()
    client.logout()
    assert client.post(f"/projects/{project.pk}/client-page/link/").status_code == 302  # to the login page
    assert not ClientLink.objects.exists()


# -- the client's project page -------------------------------------------------------------------


@pytest.fixture
def project_page(alice, alice_client, project):
    issue(alice_client, project)
    browser, page_url = open_as_client(link_in_mail("client_project_page"))
    return browser, page_url


def test_the_project_page_shows_the_plan_and_the_wishes_of_this_project_only(alice, project, project_page):
    browser, page_url = project_page
    other = a_project(alice, name="Bakery intranet")
    assert other.client != project.client
    other.client = project.client
    other.save()
    bucket.add_wish(other, title="Intranet wish", actor=alice)
    beeped(project, alice, title="Newsletter signup")
    fits = bucket.add_wish(project, title="Footer fix", actor=alice)
    bucket.assess(fits, estimate_hours=Decimal("30"), actor=alice)
    bucket.classify(fits, classification=CR.Classification.OWN_MISJUDGEMENT, actor=alice)

    project.mark_contracted(alice)
    first = project.phases.get(position=1)
    first.start(alice)
    first.deliver(alice)
    first.accept(alice)

    page = browser.get(page_url)
    body = page.content.decode()
    assert page.status_code == 200
    assert '<h1 id="page-heading">Lunch webshop</h1>' in body
    assert "Phase 1: Phase 1" in body and "Phase 3: Phase 3" in body
    assert "Friday 5 March 2027" in body and "(hard deadline)" in body
    assert "(fixed)" in body and "(expected)" in body
    assert f"Accepted</dt><dd>{timezone.localdate():%-d %B %Y}" in body
    assert "Newsletter signup" in body
    assert "Waiting for your decision: €640.00 excl. VAT." in body
    assert "Footer fix" in body and "Will be built within the agreed work" in body
    assert "misjudgement" not in body.lower()
    assert "Bakery intranet" not in body and "Intranet wish" not in body


def test_the_client_drops_a_wish_in_the_bucket(alice, project, project_page):
    browser, page_url = project_page
    response = browser.post(page_url, {"wish-title": "  A gift card  ", "wish-description": "For Mother's Day.\n"})
    assert response.status_code == 302
    assert response["Location"] == page_url
    page = browser.get(page_url).content.decode()
    assert "Thank you: “A gift card” is in the bucket." in page
    assert "Received: being looked at" in page
    assert "Thank you" not in browser.get(page_url).content.decode()  # shown once (PRG)

    wish = ChangeRequest.objects.get()
    assert (wish.project, wish.title, wish.description) == (project, "A gift card", "For Mother's Day.")
    assert (wish.source, wish.status, wish.contact.email) == (
        CR.Source.CLIENT_PAGE,
        CR.Status.NEW,
        "jan@bakkerij.example",
    )
    event = PhaseEvent.objects.get(kind=PhaseEvent.Kind.WISH)
    assert (event.actor, event.actor_label) == (None, "Jan Jansen (client page)")
    link = ClientLink.objects.get(purpose=ClientLink.Purpose.PROJECT_PAGE)
    assert (link.used_at, link.is_valid) == (None, True)
    # A double click adds it once.
    browser.post(page_url, {"wish-title": "A gift card", "wish-description": "For Mother's Day."})
    assert ChangeRequest.objects.count() == 1


def test_a_script_in_a_wish_is_stored_as_typed_and_shown_as_text(project_page):
    browser, page_url = project_page
    browser.post(page_url, {"wish-title": "<script>alert(1)</script>", "wish-description": "<b>bold</b>"})
    assert ChangeRequest.objects.get().title == "<script>alert(1)</script>"
    page = browser.get(page_url).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"wish-title": "   "}, "Please describe your wish in a few words."),
        ({"wish-title": "x" * 201}, "Ensure this value has at most 200 characters"),
        ({"wish-title": "Fine", "wish-description": "y" * 5001}, "Ensure this value has at most 5000 characters"),
    ],
)
def test_a_wish_needs_a_short_title(project_page, data, message):
    browser, page_url = project_page
    response = browser.post(page_url, data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not ChangeRequest.objects.exists()


def test_the_project_page_changes_nothing_else(alice, project, project_page):
    browser, page_url = project_page
    wish = beeped(project, alice)
    before = (plan_of(project), wish.status, PhaseEvent.objects.count(), OutgoingEmail.objects.count())
    for _ in range(20):
        browser.get(page_url)
        browser.head(page_url)
    browser.post(page_url, {"decision": "pay", "items": [1]})  # not an action this page has
    wish.refresh_from_db()
    assert (plan_of(project), wish.status, PhaseEvent.objects.count(), OutgoingEmail.objects.count()) == before
    assert ChangeRequest.objects.count() == 1


def test_an_expired_project_page_link_gets_410(project_page):
    browser, page_url = project_page
    url = link_in_mail("client_project_page")
    with time_machine.travel(timezone.now() + timedelta(days=366)):
        response = BrowserClient().get("/" + url.split("/", 3)[3])  # from the email, a year later
        assert response.status_code == 410
        assert "This link has expired" in response.content.decode()
    # A browser that opened it while it worked: refused too, for showing and for a new wish.
    ClientLink.objects.filter(purpose=ClientLink.Purpose.PROJECT_PAGE).update(
        created_at=timezone.now() - timedelta(days=366), expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert browser.get(page_url).status_code == 410
    assert browser.post(page_url, {"wish-title": "Late"}).status_code == 410
    assert not ChangeRequest.objects.exists()


def test_a_closed_project_takes_no_new_wishes(alice, project, project_page):
    browser, page_url = project_page
    project.stop(alice, reason="The client cancelled.")
    assert "takes no new wishes" in browser.get(page_url).content.decode()
    response = browser.post(page_url, {"wish-title": "One more thing"})
    assert response.status_code == 422
    assert "This project is closed; its bucket takes no new wishes." in response.content.decode()
    assert not ChangeRequest.objects.exists()
