"""A project's contract: built from a template, edited, sent as frozen versions, accepted by the client.

Everything goes through the test client (the freelancer's pages and the client's link),
then reads the database back.
"""

from __future__ import annotations

import copy
import re
from datetime import date, timedelta

import pytest
from django.test import Client as BrowserClient
from django.utils import timezone

from contracts import services
from contracts.models import (
    Category,
    ClauseTemplate,
    Contract,
    ContractAcceptance,
    ContractClause,
    ContractTemplate,
    ContractVersion,
    GeneralTerms,
)
from contracts.rendering import freeze
from freelance.lib.rules import RuleViolation
from freelance.links.models import ClientLink
from freelance.outbox.models import OutgoingEmail
from projects.models import PhaseEvent, Project
from tests.factories import ContactFactory, project_with_phases
from tests.helpers import pdf_to_text

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https?://[^\s\"<>]+/l/[A-Za-z0-9_\-]+/")
FIRST_DEADLINE = date(2027, 3, 5)


# -- fixtures and helpers -------------------------------------------------------------------------


@pytest.fixture
def template(db) -> ContractTemplate:
    """An English default template of our own (the shipped defaults, if any, step aside)."""
    ContractTemplate.objects.filter(language="en", is_default=True).update(is_default=False)
    bodies = [
        (
            "t-parties",
            "Parties",
            Category.AGREEMENTS,
            "{{ client.name }} hires {{ freelancer.name }} for {{ project.name }}.",
        ),
        (
            "t-deadline",
            "The first deadline",
            Category.PHASES,
            "Phase 1 is due on {{ project.first_deadline }}. That date is fixed.\n\n{{ phases }}",
        ),
        ("t-beep", "The beep system", Category.BEEP, "When you ask for more, I beep.\n\n- stop\n- pay more\n- swap"),
    ]
    for key, title, category, body in bodies:
        ClauseTemplate.objects.create(key=key, language="en", title=title, category=category, body=body)
    ClauseTemplate.objects.create(
        key="t-risks", language="en", title="Risks", category=Category.RISKS, body="{{ risks }}"
    )
    GeneralTerms.objects.create(key="t-terms", language="en", title="General terms", body="Dutch law applies.")
    return ContractTemplate.objects.create(
        name="Test contract",
        language="en",
        clause_keys=["t-parties", "t-deadline", "t-beep"],
        general_terms_key="t-terms",
        is_default=True,
    )


def proposal(owner) -> Project:
    project = project_with_phases(owner, 3, first_deadline=FIRST_DEADLINE, name="Lunch webshop")
    project.client.language = "en"
    project.client.save()
    ContactFactory(client=project.client, name="Jan Jansen", email="jan@bakkerij.example")
    ContactFactory(
        client=project.client, name="Tom", email="tom@bakkerij.example", is_decision_maker=False, is_it_contact=True
    )
    return project


@pytest.fixture
def project(alice, template) -> Project:
    return proposal(alice)


def url(project: Project, rest: str = "") -> str:
    return f"/projects/{project.pk}/contract/{rest}"


def create(client, project: Project, template: ContractTemplate):
    return client.post(url(project), {"template": template.pk}, HTTP_ACCEPT_LANGUAGE="en")


def clauses(project: Project) -> list[ContractClause]:
    return list(ContractClause.objects.filter(contract__project=project).order_by("position"))


def edit(client, clause: ContractClause, *, title=None, body=None, category=None, **extra):
    prefix = f"clause-{clause.pk}"
    data = {
        f"{prefix}-title": clause.title if title is None else title,
        f"{prefix}-category": clause.category if category is None else category,
        f"{prefix}-body": clause.body if body is None else body,
    }
    project_pk = clause.contract.project_id
    return client.post(
        f"/projects/{project_pk}/contract/clauses/{clause.pk}/", data, HTTP_ACCEPT_LANGUAGE="en", **extra
    )


def send(client, project: Project, *contacts):
    recipients = [c.pk for c in contacts] or [project.client.contacts.get(name="Jan Jansen").pk]
    return client.post(url(project, "send/"), {"send-recipients": recipients}, HTTP_ACCEPT_LANGUAGE="en")


def link_in_latest_mail(to: str = "jan@bakkerij.example") -> str:
    mail = next((m for m in OutgoingEmail.objects.filter(kind="contract_request").order_by("-pk") if to in m.to), None)
    assert mail is not None, f"no contract mail to {to}"
    return LINK.search(mail.body_text).group(0)


def open_as_client(link_url: str) -> tuple[BrowserClient, str]:
    browser = BrowserClient(HTTP_ACCEPT_LANGUAGE="en")
    response = browser.get("/" + link_url.split("://", 1)[1].split("/", 1)[1])
    assert response.status_code == 302
    return browser, response["Location"]


def shown_hash(page) -> str:
    return re.search(r'name="snapshot_hash" value="([0-9a-f]{64})"', page.content.decode()).group(1)


def accept(browser: BrowserClient, page_url: str, *, name="Jan Jansen", digest=None, **extra):
    digest = digest or shown_hash(browser.get(page_url))
    data = {"typed_name": name, "confirm": "on", "snapshot_hash": digest}
    return browser.post(page_url, data, **extra)


@pytest.fixture
def sent(alice_client, project, template):
    """The contract created, sent to Jan, and Jan's browser holding the link."""
    assert create(alice_client, project, template).status_code == 302
    assert send(alice_client, project).status_code == 302
    browser, page_url = open_as_client(link_in_latest_mail())
    return project, browser, page_url


# -- creating from a template -------------------------------------------------------------------


def test_the_page_offers_the_default_template_in_the_clients_language(alice_client, project, template):
    ContractTemplate.objects.create(name="Dutch one", language="nl", clause_keys=[])
    page = alice_client.get(url(project), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Create the contract" in body
    assert re.search(rf'<option value="{template.pk}" selected>', body)


def test_creating_copies_every_clause_of_the_template_in_order(alice_client, alice, project, template):
    response = create(alice_client, project, template)
    assert response.status_code == 302
    contract = Contract.objects.get(project=project)
    assert (contract.language, contract.status, contract.template) == ("en", "draft", template)
    assert contract.general_terms.key == "t-terms"
    copied = clauses(project)
    assert [(c.position, c.title, c.category) for c in copied] == [
        (1, "Parties", "agreements"),
        (2, "The first deadline", "phases"),
        (3, "The beep system", "beep"),
    ]
    assert [c.source.key for c in copied] == ["t-parties", "t-deadline", "t-beep"]
    assert copied[0].body == ClauseTemplate.objects.get(key="t-parties").body

    page = alice_client.get(url(project), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"{project.client.name} hires Alice for Lunch webshop." in page  # rendered with live data
    assert "5 March 2027" in page

    # A second contract for the same project is refused, through the page and the service.
    assert create(alice_client, project, template).status_code == 422
    with pytest.raises(RuleViolation):
        services.create_contract(project, actor=alice)
    assert Contract.objects.filter(project=project).count() == 1


def test_without_a_template_choice_the_default_in_the_clients_language_is_used(alice, project, template):
    contract = services.create_contract(project, actor=alice)
    assert contract.template == template
    assert contract.clauses.count() == 3


# -- editing clauses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Fine.\nKey: {{ settings.SECRET_KEY }}", "Line 2: unknown placeholder {{ settings.SECRET_KEY }}"),
        ("One\nTwo\n{% load static %}", "Line 3: template tags"),
        ("{{ client.name.__class__ }}", "Line 1: unknown placeholder"),
    ],
)
def test_an_injection_attempt_is_refused_with_the_line_number_and_nothing_is_saved(
    alice_client, project, template, body, expected
):
    create(alice_client, project, template)
    clause = clauses(project)[0]
    before = clause.body
    response = edit(alice_client, clause, body=body)
    assert response.status_code == 422
    html = response.content.decode()
    assert expected in html
    assert "Clause 1 was not saved" in html
    typed = body.replace("'", "&#x27;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    assert typed in html  # the typed text is kept in the form
    clause.refresh_from_db()
    assert clause.body == before


def test_html_in_a_clause_is_shown_as_text(alice_client, project, template):
    create(alice_client, project, template)
    clause = clauses(project)[0]
    assert edit(alice_client, clause, body="<script>alert(1)</script> for {{ client.name }}").status_code == 302
    page = alice_client.get(url(project), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; for" in page


def test_the_live_preview_renders_the_typed_text_and_names_the_problem(alice_client, project, template):
    create(alice_client, project, template)
    clause = clauses(project)[0]
    prefix = f"clause-{clause.pk}"
    preview = url(project, f"clauses/preview/?prefix={prefix}")
    ok = alice_client.post(preview, {f"{prefix}-body": "Hello {{ client.name }} & co"}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200
    assert f"<p>Hello {project.client.name} &amp; co</p>" in ok.content.decode()
    bad = alice_client.post(preview, {f"{prefix}-body": "A\n{{ nope }}"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Line 2: unknown placeholder {{ nope }}" in bad.content.decode()
    clause.refresh_from_db()
    assert "nope" not in clause.body


def test_adding_moving_and_removing_clauses(alice_client, project, template):
    create(alice_client, project, template)
    risks = ClauseTemplate.objects.get(key="t-risks")
    assert alice_client.post(url(project, "clauses/add/"), {"add-source": risks.pk}).status_code == 302
    blank = alice_client.post(url(project, "clauses/add/"), {"add-title": "Hosting", "add-category": "cooperation"})
    assert blank.status_code == 302
    refused = alice_client.post(url(project, "clauses/add/"), {"add-title": "  "}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 422
    assert "Give the blank clause a title" in refused.content.decode()
    assert [c.title for c in clauses(project)] == [
        "Parties",
        "The first deadline",
        "The beep system",
        "Risks",
        "Hosting",
    ]
    assert clauses(project)[3].source == risks

    hosting = clauses(project)[4]
    assert alice_client.post(url(project, f"clauses/{hosting.pk}/move/"), {"direction": "up"}).status_code == 302
    parties = clauses(project)[0]
    assert alice_client.post(url(project, f"clauses/{parties.pk}/move/"), {"direction": "up"}).status_code == 302
    assert [c.title for c in clauses(project)] == [
        "Parties",
        "The first deadline",
        "The beep system",
        "Hosting",
        "Risks",
    ]

    beep = clauses(project)[2]
    assert alice_client.post(url(project, f"clauses/{beep.pk}/remove/")).status_code == 302
    assert [(c.position, c.title) for c in clauses(project)] == [
        (1, "Parties"),
        (2, "The first deadline"),
        (3, "Hosting"),
        (4, "Risks"),
    ]


def test_an_htmx_edit_re_renders_the_main_section(alice_client, project, template):
    create(alice_client, project, template)
    clause = clauses(project)[1]
    response = edit(alice_client, clause, title="The hard deadline", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="contract-main"')
    assert "2. The hard deadline" in html
    assert "Clause 2 is saved." in html


# -- sending, versions, diffs ---------------------------------------------------------------------


def test_sending_freezes_version_1_and_emails_the_decision_maker_a_link_with_the_pdf(alice_client, project, template):
    create(alice_client, project, template)
    response = send(alice_client, project)
    assert response.status_code == 302
    contract = Contract.objects.get(project=project)
    assert contract.status == Contract.Status.SENT
    version = ContractVersion.objects.get(contract=contract)
    assert version.number == 1
    assert re.fullmatch(r"[0-9a-f]{64}", version.snapshot_sha256)
    assert version.verify()
    assert [c["title"] for c in version.snapshot["clauses"]] == ["Parties", "The first deadline", "The beep system"]

    mail = OutgoingEmail.objects.get(kind="contract_request")
    assert mail.to == ["jan@bakkerij.example"]
    assert mail.language == "en"
    assert "Lunch webshop" in mail.subject
    assert LINK.search(mail.body_text)
    assert version.snapshot_sha256 in mail.body_text
    pdf = mail.attachments.get()
    assert pdf.content_type == "application/pdf"
    assert "Lunch webshop" in pdf_to_text(bytes(pdf.content))
    link = ClientLink.objects.get(purpose=ClientLink.Purpose.CONTRACT_ACCEPTANCE)
    assert (link.target, link.recipient_email, link.language) == (version, "jan@bakkerij.example", "en")
    assert link.token_hash not in mail.body_text

    page = alice_client.get(url(project), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert version.snapshot_sha256 in page
    assert alice_client.get(url(project, "versions/1.pdf"))["Content-Type"] == "application/pdf"
    assert alice_client.get(url(project, "preview.pdf"))["Content-Type"] == "application/pdf"


def test_sending_needs_a_contact_with_email_and_a_planned_project(alice, alice_client, template):
    project = project_with_phases(alice, 0, first_deadline=None)
    project.client.language = "en"
    project.client.save()
    jan = ContactFactory(client=project.client, name="Jan", email="jan@example.nl")
    create(alice_client, project, template)
    response = send(alice_client, project, jan)
    assert response.status_code == 422
    assert "Set the hard first deadline" in response.content.decode()
    stranger = ContactFactory(client__owner=alice, email="x@other.example")
    with pytest.raises(RuleViolation):
        services.send_contract(Contract.objects.get(project=project), actor=alice, contacts=[stranger])
    assert not ContractVersion.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_editing_after_sending_makes_version_2_and_version_1_never_changes(alice_client, sent):
    project, browser, v1_page = sent
    v1 = ContractVersion.objects.get(number=1)
    v1_snapshot, v1_hash = copy.deepcopy(v1.snapshot), v1.snapshot_sha256
    v1_link = ClientLink.objects.get(object_id=v1.pk)

    beep = clauses(project)[2]
    assert edit(alice_client, beep, body="When you ask for more, I beep: stop, pay or swap.").status_code == 302
    page = alice_client.get(url(project), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You changed the contract since version 1 was sent" in page
    assert browser.get(v1_page).status_code == 200  # still valid until the next send

    assert send(alice_client, project).status_code == 302
    v2 = ContractVersion.objects.get(number=2)
    assert v2.snapshot["clauses"][2]["text"] == "When you ask for more, I beep: stop, pay or swap."

    v1.refresh_from_db()
    assert v1.snapshot == v1_snapshot
    assert v1.snapshot_sha256 == v1_hash != v2.snapshot_sha256
    assert v1.verify() and v2.verify()
    tampered = ContractVersion.objects.get(pk=v1.pk)
    tampered.snapshot["clauses"][0]["text"] = "Tampered"
    assert not tampered.verify()
    with pytest.raises(RuleViolation):
        tampered.save()
    with pytest.raises(RuleViolation):
        tampered.delete()

    v1_link.refresh_from_db()
    assert v1_link.state == ClientLink.State.REVOKED
    assert browser.get(v1_page).status_code == 410
    assert ClientLink.objects.filter(object_id=v2.pk).filter(ClientLink.usable()).count() == 1
    versions = alice_client.get(url(project), HTTP_ACCEPT_LANGUAGE="en").content.decode().split('id="versions"')[1]
    assert versions.index(v2.snapshot_sha256) < versions.index(v1.snapshot_sha256)  # newest first
    assert ">revoked</span>" in versions and ">valid</span>" in versions

    changes = services.diff_versions(v1, v2)
    assert [(c.kind, c.title) for c in changes] == [("changed", "The beep system")]
    assert "-When you ask for more, I beep." in [line.text for line in changes[0].lines]
    assert "+When you ask for more, I beep: stop, pay or swap." in [line.text for line in changes[0].lines]

    diff = alice_client.get(url(project, "diff/"), {"old": 1, "new": 2}, HTTP_ACCEPT_LANGUAGE="en")
    assert diff.status_code == 200
    html = diff.content.decode()
    assert "From version 1 to version 2" in html
    assert "3. The beep system" in html
    assert '<span class="diff-add">+When you ask for more, I beep: stop, pay or swap.</span>' in html
    assert "Parties" not in html.split("From version 1 to version 2", 1)[1]


def test_sending_an_unchanged_contract_again_resends_the_same_version(alice_client, sent):
    project, browser, page_url = sent
    assert send(alice_client, project).status_code == 302
    assert ContractVersion.objects.count() == 1
    assert browser.get(page_url).status_code == 410  # the old link is replaced by the new email's
    assert OutgoingEmail.objects.filter(kind="contract_request").count() == 2


def test_diff_finds_added_removed_and_renamed_clauses(alice, project, template):
    contract = services.create_contract(project, actor=alice)
    v1 = freeze(contract, actor=alice)
    _parties, deadline, beep = contract.clauses.order_by("position")
    services.remove_clause(beep)
    services.add_clause(contract, title="Hosting", body="Hosting is paid by the client.")
    ContractClause.objects.filter(pk=deadline.pk).update(title="The hard deadline")
    v2 = freeze(contract, actor=alice)
    changes = services.diff_versions(v1, v2)
    kinds = sorted((c.kind, c.title) for c in changes)
    assert kinds == [("added", "Hosting"), ("changed", "The hard deadline"), ("removed", "The beep system")]
    renamed = next(c for c in changes if c.kind == "changed")
    assert renamed.renamed and renamed.old_title == "The first deadline"
    assert services.diff_versions(v1, v1) == []


# -- the client accepts -------------------------------------------------------------------------


def test_the_client_page_shows_the_frozen_version_and_changes_nothing_on_get(sent):
    project, browser, page_url = sent
    version = ContractVersion.objects.get()
    for _ in range(5):
        page = browser.get(page_url)
        browser.head(page_url)
    html = page.content.decode()
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"
    assert "Agreement for Lunch webshop" in html
    assert f"{project.client.name} hires Alice for Lunch webshop." in html
    assert "<ul><li>stop</li><li>pay more</li><li>swap</li></ul>" in html
    assert "Dutch law applies." in html
    assert shown_hash(page) == version.snapshot_sha256
    link = ClientLink.objects.get(object_id=version.pk)
    assert link.used_at is None
    assert not ContractAcceptance.objects.exists()


def test_accepting_records_the_evidence_and_contracts_the_project(alice, alice_client, sent):
    project, browser, page_url = sent
    version = ContractVersion.objects.get()
    response = accept(browser, page_url, HTTP_USER_AGENT="Mozilla/5.0 (Phone)", REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302
    done = browser.get(page_url)
    assert done.status_code == 200
    assert "Thank you: the agreement is accepted" in done.content.decode()

    evidence = ContractAcceptance.objects.get()
    assert evidence.version == version
    assert (evidence.typed_name, evidence.contact_name, evidence.contact_email) == (
        "Jan Jansen",
        "Jan Jansen",
        "jan@bakkerij.example",
    )
    assert evidence.decision_ip == "203.0.113.7"
    assert evidence.decision_user_agent == "Mozilla/5.0 (Phone)"
    assert evidence.viewed_at is not None and evidence.viewed_at <= evidence.decided_at
    assert evidence.link.state == ClientLink.State.USED
    assert Contract.objects.get(project=project).status == Contract.Status.ACCEPTED

    project.refresh_from_db()
    assert project.status == Project.Status.CONTRACTED
    assert PhaseEvent.objects.filter(project=project, kind="project_status", data__new="contracted").exists()
    with pytest.raises(RuleViolation):
        project.set_first_deadline(date(2027, 4, 1), alice)
    project.refresh_from_db()
    assert project.first_deadline == FIRST_DEADLINE
    plan = alice_client.get(f"/projects/{project.pk}/plan/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Changes only by renegotiation" in plan

    kinds = sorted(OutgoingEmail.objects.values_list("kind", flat=True))
    assert kinds == ["contract_accepted_client", "contract_accepted_freelancer", "contract_request"]
    confirmation = OutgoingEmail.objects.get(kind="contract_accepted_client")
    assert confirmation.to == ["jan@bakkerij.example"]
    assert version.snapshot_sha256 in confirmation.body_text
    text = pdf_to_text(bytes(confirmation.attachments.get().content))
    assert "Jan Jansen" in text
    assert "203.0.113.7" in text
    assert version.snapshot_sha256 in text.replace("\n", "")
    assert OutgoingEmail.objects.get(kind="contract_accepted_freelancer").to == ["alice@example.nl"]

    # The freelancer sees the evidence; the contract is read-only now.
    page = alice_client.get(url(project), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Version 1 accepted by the client" in page
    assert "203.0.113.7" in page
    assert "Save clause" not in page
    clause = clauses(project)[0]
    refused = edit(alice_client, clause, title="Changed afterwards")
    assert refused.status_code == 422
    assert "An accepted contract is read-only." in refused.content.decode()
    clause.refresh_from_db()
    assert clause.title == "Parties"
    for path in ("clauses/add/", f"clauses/{clause.pk}/remove/", "send/"):
        assert alice_client.post(url(project, path), {"add-title": "x"}).status_code == 422, path
    assert len(clauses(project)) == 3
    project_page = alice_client.get(f"/projects/{project.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Contracted" in project_page
    assert "Open the contract" in project_page


def test_accepting_needs_a_name_and_the_tick_and_keeps_what_was_typed(sent):
    _project, browser, page_url = sent
    digest = shown_hash(browser.get(page_url))
    response = browser.post(page_url, {"typed_name": "Jan Jansen", "snapshot_hash": digest})
    assert response.status_code == 422
    assert 'value="Jan Jansen"' in response.content.decode()
    assert not ContractAcceptance.objects.exists()


def test_a_double_submit_records_one_acceptance(sent):
    project, browser, page_url = sent
    digest = shown_hash(browser.get(page_url))
    assert accept(browser, page_url, digest=digest).status_code == 302
    again = accept(browser, page_url, digest=digest)
    assert again.status_code == 200  # the outcome page, not a second acceptance
    assert "the agreement is accepted" in again.content.decode()
    assert ContractAcceptance.objects.count() == 1
    assert PhaseEvent.objects.filter(project=project, data__new="contracted").count() == 1
    assert OutgoingEmail.objects.filter(kind="contract_accepted_client").count() == 1


def test_a_tampered_hash_is_409_records_nothing_and_keeps_the_name(sent):
    project, browser, page_url = sent
    response = accept(browser, page_url, name="Jan Tampered", digest="0" * 64)
    assert response.status_code == 409
    html = response.content.decode()
    assert 'value="Jan Tampered"' in html
    assert "does not match this version" in html
    assert not ContractAcceptance.objects.exists()
    assert ClientLink.objects.get(purpose="contract_acceptance").is_valid  # the client can try again
    project.refresh_from_db()
    assert project.status == Project.Status.PROPOSAL


def test_an_expired_link_is_410(sent):
    _project, browser, page_url = sent
    now = timezone.now()
    ClientLink.objects.update(created_at=now - timedelta(days=20), expires_at=now - timedelta(days=1))
    assert browser.get(page_url).status_code == 410
    assert accept(browser, page_url, digest=ContractVersion.objects.get().snapshot_sha256).status_code == 410
    assert not ContractAcceptance.objects.exists()


def test_a_revoked_link_is_410_in_a_new_browser_too(alice_client, sent):
    project, _browser, _page_url = sent
    first_link = link_in_latest_mail()
    clause = clauses(project)[0]
    edit(alice_client, clause, body="Changed for version 2.")
    send(alice_client, project)
    path = "/" + first_link.split("://", 1)[1].split("/", 1)[1]
    assert BrowserClient().get(path).status_code == 410


def test_a_version_superseded_while_the_page_was_open_cannot_be_accepted(alice, sent):
    project, browser, page_url = sent
    v1 = ContractVersion.objects.get()
    digest = shown_hash(browser.get(page_url))
    # Version 2 frozen without revoking the old link: the race between sending and accepting.
    ContractClause.objects.filter(contract__project=project, position=1).update(body="Newer text.")
    freeze(Contract.objects.get(project=project), actor=alice)
    response = accept(browser, page_url, digest=digest)
    assert response.status_code == 409
    assert "A newer version of this agreement was sent" in response.content.decode()
    assert not ContractAcceptance.objects.exists()
    assert ClientLink.objects.get(object_id=v1.pk).state == ClientLink.State.REVOKED
    project.refresh_from_db()
    assert project.status == Project.Status.PROPOSAL


def test_a_second_contact_cannot_accept_after_the_first(alice_client, project, template):
    create(alice_client, project, template)
    jan, tom = project.client.contacts.get(name="Jan Jansen"), project.client.contacts.get(name="Tom")
    send(alice_client, project, jan, tom)
    jan_browser, jan_page = open_as_client(link_in_latest_mail("jan@bakkerij.example"))
    tom_browser, tom_page = open_as_client(link_in_latest_mail("tom@bakkerij.example"))
    tom_hash = shown_hash(tom_browser.get(tom_page))
    assert accept(jan_browser, jan_page).status_code == 302
    late = accept(tom_browser, tom_page, name="Tom", digest=tom_hash)
    assert late.status_code == 409
    assert ContractAcceptance.objects.count() == 1


def test_the_client_pdf_needs_the_session_that_opened_the_link(sent):
    _project, browser, page_url = sent
    pdf_path = page_url.rstrip("/") + "/pdf/"
    assert BrowserClient().get(pdf_path).status_code == 404
    response = browser.get(pdf_path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Referrer-Policy"] == "same-origin"
    assert "Lunch webshop" in pdf_to_text(response.content)
    assert browser.post(pdf_path).status_code == 405

    accept(browser, page_url, REMOTE_ADDR="203.0.113.9")
    after = browser.get(pdf_path)  # still there after accepting, now with the evidence
    assert after.status_code == 200
    assert "203.0.113.9" in pdf_to_text(after.content)
    assert BrowserClient().get(pdf_path).status_code == 404


# -- isolation --------------------------------------------------------------------------------


def test_every_freelancer_route_is_404_for_someone_elses_contract(alice_client, alice, bob, template):
    bob_project = proposal(bob)
    contract = services.create_contract(bob_project, actor=bob)
    version = services.send_contract(contract, actor=bob)
    clause = contract.clauses.first()
    base = f"/projects/{bob_project.pk}/contract/"
    gets = [base, base + "preview.pdf", base + f"versions/{version.number}.pdf", base + "diff/?old=1&new=1"]
    posts = [
        (base, {"template": template.pk}),
        (base + "clauses/add/", {"add-title": "Mine now"}),
        (base + "clauses/preview/", {"body": "x"}),
        (base + f"clauses/{clause.pk}/", {f"clause-{clause.pk}-title": "Mine", f"clause-{clause.pk}-body": "x"}),
        (base + f"clauses/{clause.pk}/move/", {"direction": "down"}),
        (base + f"clauses/{clause.pk}/remove/", {}),
        (base + "send/", {"send-recipients": [c.pk for c in bob_project.client.contacts.all()]}),
    ]
    for path in gets:
        assert alice_client.get(path).status_code == 404, path
    for path, data in posts:
        assert alice_client.post(path, data).status_code == 404, path
    # Alice's own project id with Bob's clause is 404 too.
    own = proposal(alice)
    services.create_contract(own, actor=alice)
    assert alice_client.post(f"/projects/{own.pk}/contract/clauses/{clause.pk}/remove/").status_code == 404
    assert contract.clauses.count() == 3
    assert ContractVersion.objects.filter(contract=contract).count() == 1
    assert OutgoingEmail.objects.filter(kind="contract_request").count() == 1


def test_the_freelancer_pages_need_login(client, project):
    response = client.get(url(project))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_hostile_text_reaches_the_client_page_and_the_pdf_only_as_text(alice_client, project, template):
    """The client page renders stored clause HTML with |safe: it must only ever hold escaped text."""
    project.client.name = '<img src=x onerror="alert(1)">Bakkerij'
    project.client.save()
    assert create(alice_client, project, template).status_code == 302
    clause = Contract.objects.get(project=project).clauses.order_by("position").first()
    assert edit(alice_client, clause, body="<script>alert(2)</script>\n\nFor {{ client.name }}.").status_code == 302
    assert send(alice_client, project).status_code == 302
    browser, page_url = open_as_client(link_in_latest_mail())
    page = browser.get(page_url).content.decode()
    assert "<script>alert(2)</script>" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;Bakkerij" in page
    version = Contract.objects.get(project=project).versions.get()
    # The snapshot keeps the text as typed; only its escaped HTML is ever rendered.
    assert "<script>alert(2)</script>" in version.snapshot["clauses"][0]["text"]
    assert all("<script>" not in c["html"] and "<img" not in c["html"] for c in version.snapshot["clauses"])
