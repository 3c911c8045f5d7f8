"""A delivered phase, accepted (or sent back) by the client through an emailed link."""

from __future__ import annotations

import re
import threading
from datetime import date

import pytest
from django.db import connection
from django.test import Client as BrowserClient

from freelance.lib.rules import RuleViolation
from freelance.links.models import ClientLink
from freelance.outbox.models import OutgoingEmail
from projects import acceptance as flow
from projects.models import Acceptance, AcceptanceRequest, Phase, PhaseEvent
from tests.conftest import verify_second_factor
from tests.factories import ContactFactory, project_with_phases
from tests.helpers import pdf_to_text

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https?://[^\s\"<>]+/l/[A-Za-z0-9_\-]+/")


def delivered_project(owner, *, language="en"):
    project = project_with_phases(owner, 3, first_deadline=date(2027, 3, 5))
    project.client.language = language
    project.client.save()
    decision_maker = ContactFactory(client=project.client, name="Jan Jansen", email="jan@bakkerij.example")
    ContactFactory(
        client=project.client, name="Tom", email="tom@bakkerij.example", is_decision_maker=False, is_it_contact=True
    )
    project.mark_contracted(owner)
    first = project.phases.get(position=1)
    first.start(owner)
    return project, first, decision_maker


def deliver_through_the_ui(alice_client, phase, contacts, note="Staging is live", links="https://staging.example.nl"):
    return alice_client.post(
        f"/phases/{phase.pk}/deliver/",
        {"note": note, "deliverables": links, "recipients": [c.pk for c in contacts]},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def link_in_latest_mail(to: str) -> str:
    mail = next(m for m in OutgoingEmail.objects.filter(kind="phase_acceptance_request").order_by("-pk") if to in m.to)
    return LINK.search(mail.body_text).group(0)


def open_as_client(url: str) -> tuple[BrowserClient, str]:
    browser = BrowserClient()
    path = url.split("://", 1)[1].split("/", 1)[1]
    response = browser.get("/" + path)
    assert response.status_code == 302
    return browser, response["Location"]


def shown_hash(page) -> str:
    return re.search(r'name="accept-snapshot_hash" value="([0-9a-f]{64})"', page.content.decode()).group(1)


@pytest.fixture
def sent(alice, alice_client):
    project, first, jan = delivered_project(alice)
    response = deliver_through_the_ui(alice_client, first, [jan])
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == Phase.Status.DELIVERED
    browser, page_url = open_as_client(link_in_latest_mail("jan@bakkerij.example"))
    return project, first, jan, browser, page_url


def test_delivering_emails_the_decision_maker_a_link_in_their_language(alice, alice_client):
    _project, first, jan = delivered_project(alice, language="nl")
    deliver_through_the_ui(alice_client, first, [jan])
    mail = OutgoingEmail.objects.get(kind="phase_acceptance_request")
    assert mail.to == ["jan@bakkerij.example"]
    assert mail.language == "nl"
    assert mail.subject.startswith("Fase 1 van ")
    request = AcceptanceRequest.objects.get(phase=first)
    assert request.deliverables == ["https://staging.example.nl"]
    assert request.link.token_hash not in mail.body_text


def expected_next_due(project, position: int = 2):
    from django.template.defaultfilters import date as date_filter
    from django.utils import timezone, translation

    due = project.phases.get(position=position).due_after(timezone.localdate())
    with translation.override("en"):
        return due, date_filter(due, "l j F Y")


def test_the_page_shows_the_delivery_and_the_consequence(sent):
    project, _first, _jan, browser, page_url = sent
    page = browser.get(page_url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "Phase 1 is ready" in body
    assert "Staging is live" in body
    assert "https://staging.example.nl" in body
    _due, shown = expected_next_due(project)
    assert f"If you accept today, phase 2 (Phase 2) is due on {shown}." in body
    # Same-origin, not no-referrer: a no-referrer page POSTs with "Origin: null", which CSRF refuses.
    assert page["Referrer-Policy"] == "same-origin"


def test_a_hundred_gets_and_heads_change_nothing(sent):
    _project, first, _jan, browser, page_url = sent
    link = ClientLink.objects.get(acceptance_request__phase=first)
    before = (first.status, link.used_at, PhaseEvent.objects.count())
    for _ in range(50):
        browser.get(page_url)
        browser.head(page_url)
    first.refresh_from_db()
    link.refresh_from_db()
    assert (first.status, link.used_at, PhaseEvent.objects.count()) == before
    assert not Acceptance.objects.exists()


def test_accepting_fixes_the_next_deadline_and_records_the_evidence(sent, alice_client):
    project, first, jan, browser, page_url = sent
    due, shown = expected_next_due(project)
    digest = shown_hash(browser.get(page_url))
    response = browser.post(
        page_url,
        {
            "decision": "accept",
            "accept-typed_name": "Jan Jansen",
            "accept-confirm": "on",
            "accept-snapshot_hash": digest,
        },
        HTTP_USER_AGENT="Mozilla/5.0 (Phone)",
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 302
    done = browser.get(page_url).content.decode()
    assert "phase 1 is accepted" in done
    assert shown in done

    first.refresh_from_db()
    assert first.status == Phase.Status.ACCEPTED
    assert project.phases.get(position=2).due_date == due
    evidence = Acceptance.objects.get()
    assert (evidence.decision, evidence.typed_name, evidence.contact_email) == ("accepted", "Jan Jansen", jan.email)
    assert evidence.decision_ip == "203.0.113.7"
    assert evidence.decision_user_agent == "Mozilla/5.0 (Phone)"
    assert evidence.snapshot_sha256 == digest
    assert evidence.verify()
    assert evidence.snapshot["delivery_note"] == "Staging is live"
    assert PhaseEvent.objects.filter(phase=first, actor__isnull=True, actor_label__contains="Jan Jansen").exists()

    kinds = sorted(OutgoingEmail.objects.values_list("kind", flat=True))
    assert kinds == ["phase_acceptance_request", "phase_decision_client", "phase_decision_freelancer"]
    confirmation = OutgoingEmail.objects.get(kind="phase_decision_client")
    assert shown in confirmation.body_text
    pdf = confirmation.attachments.get().content
    text = pdf_to_text(bytes(pdf))
    assert "Jan Jansen" in text
    assert digest in text.replace("\n", "")
    assert "203.0.113.7" in text

    page = alice_client.get(f"/projects/{project.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Accepted by the client" in page
    assert digest in page
    certificate = alice_client.get(f"/acceptances/{evidence.pk}/certificate.pdf")
    assert certificate["Content-Type"] == "application/pdf"
    assert "Jan Jansen" in pdf_to_text(certificate.content)


def test_the_evidence_is_immutable(sent):
    _project, _first, _jan, browser, page_url = sent
    browser.post(
        page_url,
        {
            "decision": "accept",
            "accept-typed_name": "Jan",
            "accept-confirm": "on",
            "accept-snapshot_hash": shown_hash(browser.get(page_url)),
        },
    )
    evidence = Acceptance.objects.get()
    evidence.typed_name = "Someone else"
    with pytest.raises(RuleViolation):
        evidence.save()
    with pytest.raises(RuleViolation):
        evidence.delete()


def test_asking_for_changes_needs_a_comment_and_puts_the_phase_back_in_progress(sent, alice_client):
    project, first, _jan, browser, page_url = sent
    digest = shown_hash(browser.get(page_url))
    empty = browser.post(page_url, {"decision": "changes", "changes-comment": "  ", "changes-snapshot_hash": digest})
    assert empty.status_code == 422
    assert "Please describe the changes you need" in empty.content.decode() or "required" in empty.content.decode()

    response = browser.post(
        page_url,
        {"decision": "changes", "changes-comment": "Logo bigger <b>please</b>", "changes-snapshot_hash": digest},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == Phase.Status.IN_PROGRESS
    evidence = Acceptance.objects.get()
    assert evidence.decision == Acceptance.Decision.CHANGES_REQUESTED
    page = alice_client.get(f"/projects/{project.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Logo bigger &lt;b&gt;please&lt;/b&gt;" in page
    assert project.phases.get(position=2).due_date is None


def test_accepting_needs_a_name_and_the_tick_and_keeps_what_was_typed(sent):
    _project, first, _jan, browser, page_url = sent
    digest = shown_hash(browser.get(page_url))
    response = browser.post(
        page_url, {"decision": "accept", "accept-typed_name": "Jan Jansen", "accept-snapshot_hash": digest}
    )
    assert response.status_code == 422
    assert 'value="Jan Jansen"' in response.content.decode()
    first.refresh_from_db()
    assert first.status == Phase.Status.DELIVERED


def test_a_tampered_snapshot_hash_records_nothing_and_keeps_the_name(sent):
    _project, _first, _jan, browser, page_url = sent
    browser.get(page_url)
    response = browser.post(
        page_url,
        {"decision": "accept", "accept-typed_name": "Jan", "accept-confirm": "on", "accept-snapshot_hash": "0" * 64},
    )
    assert response.status_code == 409
    assert 'value="Jan"' in response.content.decode()
    assert not Acceptance.objects.exists()


def test_a_double_submit_records_one_decision(sent):
    _project, first, _jan, browser, page_url = sent
    digest = shown_hash(browser.get(page_url))
    data = {"decision": "accept", "accept-typed_name": "Jan", "accept-confirm": "on", "accept-snapshot_hash": digest}
    assert browser.post(page_url, data).status_code == 302
    again = browser.post(page_url, data)
    assert again.status_code == 200  # the outcome page, not a second decision
    assert "phase 1 is accepted" in again.content.decode()
    assert Acceptance.objects.count() == 1
    assert PhaseEvent.objects.filter(phase=first, data__new="accepted").count() == 1


def test_another_browser_with_a_used_link_gets_410(sent):
    _project, _first, _jan, browser, page_url = sent
    url = link_in_latest_mail("jan@bakkerij.example")
    browser.post(
        page_url,
        {
            "decision": "accept",
            "accept-typed_name": "Jan",
            "accept-confirm": "on",
            "accept-snapshot_hash": shown_hash(browser.get(page_url)),
        },
    )
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    assert BrowserClient().get(path).status_code == 410


def test_a_newer_request_revokes_the_older_link(alice, alice_client, sent):
    _project, first, jan, browser, page_url = sent
    alice_client.post(f"/phases/{first.pk}/send/", {"note": "", "deliverables": "", "recipients": [jan.pk]})
    assert browser.get(page_url).status_code == 410
    assert ClientLink.objects.filter(acceptance_request__phase=first).filter(ClientLink.usable()).count() == 1


def test_resend_and_revoke(alice, alice_client, sent):
    _project, first, _jan, browser, page_url = sent
    request = AcceptanceRequest.objects.get(phase=first)
    assert alice_client.post(f"/acceptance-requests/{request.pk}/resend/").status_code == 302
    assert browser.get(page_url).status_code == 410
    fresh = AcceptanceRequest.objects.filter(phase=first).latest("pk")
    assert fresh.link.is_valid
    assert alice_client.post(f"/acceptance-requests/{fresh.pk}/revoke/").status_code == 302
    fresh.link.refresh_from_db()
    assert fresh.link.state == "revoked"


def test_a_phase_that_moves_on_revokes_its_links(alice, sent):
    _project, first, _jan, browser, page_url = sent
    first.request_changes(alice, comment="Recorded by phone")
    assert browser.get(page_url).status_code == 410


def test_two_contacts_deciding_at_once_record_one_decision(alice, alice_client):
    project, first, jan = delivered_project(alice)
    tom = project.client.contacts.get(name="Tom")
    deliver_through_the_ui(alice_client, first, [jan, tom])
    jan_browser, jan_url = open_as_client(link_in_latest_mail(jan.email))
    tom_browser, tom_url = open_as_client(link_in_latest_mail(tom.email))
    jan_hash, tom_hash = shown_hash(jan_browser.get(jan_url)), shown_hash(tom_browser.get(tom_url))
    assert (
        jan_browser.post(
            jan_url,
            {
                "decision": "accept",
                "accept-typed_name": "Jan",
                "accept-confirm": "on",
                "accept-snapshot_hash": jan_hash,
            },
        ).status_code
        == 302
    )
    late = tom_browser.post(
        tom_url, {"decision": "changes", "changes-comment": "No!", "changes-snapshot_hash": tom_hash}
    )
    assert late.status_code == 410
    assert Acceptance.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_posts_record_exactly_one_decision(alice):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race is only real on PostgreSQL (run there on CI)")
    alice_client = BrowserClient()
    alice_client.force_login(alice)
    _project, first, jan = delivered_project(alice)
    deliver_through_the_ui(alice_client, first, [jan])
    browser, page_url = open_as_client(link_in_latest_mail(jan.email))
    digest = shown_hash(browser.get(page_url))
    data = {"decision": "accept", "accept-typed_name": "Jan", "accept-confirm": "on", "accept-snapshot_hash": digest}
    barrier = threading.Barrier(2)
    statuses = []

    def click():
        tab = BrowserClient()
        tab.cookies = browser.cookies
        barrier.wait()
        statuses.append(tab.post(page_url, data).status_code)
        connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302, 410]
    assert Acceptance.objects.count() == 1
    assert PhaseEvent.objects.filter(phase=first, data__new="accepted").count() == 1


def test_the_freelancer_actions_are_404_for_someone_elses_requests(alice, bob, alice_client):
    bob_client = BrowserClient()
    bob_client.force_login(bob)
    _project, first, jan = delivered_project(bob)
    deliver_through_the_ui(bob_client, first, [jan])
    request = AcceptanceRequest.objects.get()
    assert alice_client.post(f"/acceptance-requests/{request.pk}/resend/").status_code == 404
    assert alice_client.post(f"/acceptance-requests/{request.pk}/revoke/").status_code == 404
    assert alice_client.post(f"/phases/{first.pk}/send/", {"recipients": [jan.pk]}).status_code == 404
    browser, page_url = open_as_client(link_in_latest_mail(jan.email))
    browser.post(
        page_url,
        {
            "decision": "accept",
            "accept-typed_name": "Jan",
            "accept-confirm": "on",
            "accept-snapshot_hash": shown_hash(browser.get(page_url)),
        },
    )
    assert alice_client.get(f"/acceptances/{Acceptance.objects.get().pk}/certificate.pdf").status_code == 404
    request.link.refresh_from_db()
    assert request.link.state == "used"


def test_recipients_of_another_client_are_refused(alice, alice_client):
    _project, first, _jan = delivered_project(alice)
    stranger = ContactFactory(client__owner=alice, email="x@other.example")
    response = deliver_through_the_ui(alice_client, first, [stranger])
    assert response.status_code == 422
    first.refresh_from_db()
    assert first.status == Phase.Status.IN_PROGRESS
    assert not AcceptanceRequest.objects.exists()


def test_script_in_the_typed_name_is_escaped_everywhere(sent, alice_client):
    project, _first, _jan, browser, page_url = sent
    hostile = '<script>alert("x")</script>'
    browser.post(
        page_url,
        {
            "decision": "accept",
            "accept-typed_name": hostile,
            "accept-confirm": "on",
            "accept-snapshot_hash": shown_hash(browser.get(page_url)),
        },
    )
    assert Acceptance.objects.get().typed_name == hostile
    page = alice_client.get(f"/projects/{project.pk}/").content.decode()
    assert hostile not in page
    assert "&lt;script&gt;" in page


def test_send_needs_a_delivered_phase(alice):
    _project, first, jan = delivered_project(alice)
    with pytest.raises(RuleViolation):
        flow.send_acceptance_requests(first, actor=alice, contacts=[jan])


def test_the_admin_shows_evidence_read_only(sent, django_user_model, client):
    _project, _first, _jan, browser, page_url = sent
    browser.post(
        page_url,
        {
            "decision": "accept",
            "accept-typed_name": "Jan",
            "accept-confirm": "on",
            "accept-snapshot_hash": shown_hash(browser.get(page_url)),
        },
    )
    root = django_user_model.objects.create_superuser("root", "root@example.nl", "x")
    client.force_login(root)
    verify_second_factor(client, root)  # the operator reaches the admin only so
    evidence = Acceptance.objects.get()
    assert client.get("/admin/projects/acceptance/").status_code == 200
    page = client.get(f"/admin/projects/acceptance/{evidence.pk}/change/")
    assert page.status_code == 200
    assert 'name="typed_name"' not in page.content.decode()  # shown, not editable
    assert client.post(f"/admin/projects/acceptance/{evidence.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Acceptance.objects.filter(pk=evidence.pk).exists()
    assert client.get("/admin/links/clientlink/").status_code == 200


def test_the_project_page_labels_each_links_state(sent, alice_client):
    project, *_rest = sent
    page = alice_client.get(f"/projects/{project.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="badge badge-info">valid</span>' in page
