"""The freelancer's bucket page: wishes, the beep, decisions recorded by phone, and the totals.

Everything goes through the test client, then reads the database back.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from freelance.lib.evidence import Meta
from freelance.links.models import ClientLink
from freelance.outbox.models import OutgoingEmail
from projects import bucket
from projects.models import ChangeDecision, ChangeRequest, Phase, PhaseEvent, Project, ScopeItem
from tests.factories import ContactFactory, ProjectFactory, ScopeItemFactory, project_with_phases

pytestmark = pytest.mark.django_db

CR = ChangeRequest
AMS = ZoneInfo("Europe/Amsterdam")
TODAY = date(2027, 1, 11)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2027, 1, 11, 10, 0, tzinfo=AMS), tick=False) as traveller:
        yield traveller


# -- helpers ---------------------------------------------------------------------------------


def a_project(owner, *, rate: str | None = "90.00", phases: int = 3, **fields) -> Project:
    """Phases with two scope items of 8 hours each, and Jan, a decision maker with an email address."""
    project = project_with_phases(owner, phases, hourly_rate=Decimal(rate) if rate else None, **fields)
    ContactFactory(client=project.client, name="Jan Jansen", email="jan@bakkerij.example")
    return project


def wish_in(project: Project, title: str = "Newsletter signup", *, hours: str | None = None, **fields) -> CR:
    wish = bucket.add_wish(project, title=title, actor=project.owner, **fields)
    if hours is not None:
        bucket.assess(wish, estimate_hours=Decimal(hours), actor=project.owner)
    return wish


def waiting_wish(project: Project, title: str = "Newsletter signup", hours: str = "8", target=None) -> CR:
    wish = wish_in(project, title, hours=hours)
    bucket.classify(wish, classification=CR.Classification.EXTRA_COST, actor=project.owner, target_phase=target)
    return wish


def phases_of(project: Project) -> list[Phase]:
    return list(project.phases.order_by("position"))


def items_of(phase: Phase) -> list[ScopeItem]:
    return list(ScopeItem.all_objects.filter(phase=phase).order_by("position", "pk"))


def accept_first_phase(project: Project) -> Phase:
    project.mark_contracted(project.owner)
    first = phases_of(project)[0]
    first.start(project.owner)
    first.deliver(project.owner)
    first.accept(project.owner, accepted_at=datetime(2027, 1, 11, 9, 0, tzinfo=AMS), reason="By phone.")
    return first


def page(client, project: Project, **extra):
    return client.get(reverse("projects:bucket", args=[project.pk]), HTTP_ACCEPT_LANGUAGE="en", **extra)


def post(client, name: str, pk: int, data: dict | None = None, **extra):
    return client.post(reverse(f"projects:{name}", args=[pk]), data or {}, HTTP_ACCEPT_LANGUAGE="en", **extra)


def text(response) -> str:
    """The page as a person reads it: tags out, entities decoded, spaces collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(unescape(body).split())


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def card(response, wish: CR) -> str:
    html = response.content.decode()
    start = html.index(f'id="wish-{wish.pk}"')
    return html[start : html.index("</article>", start)]


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._stack: list[dict] = []
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._stack.append({"caption": "", "rows": []})
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr" and self._stack:
            self._stack[-1]["rows"].append([])
        elif tag in ("td", "th") and self._stack:
            self._cell = []
        elif tag == "span" and self._cell is not None:
            self._cell.append(" | ")

    def handle_endtag(self, tag):
        if tag == "table" and self._stack:
            self.tables.append(self._stack.pop())
        elif tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None and self._stack:
            self._stack[-1]["rows"][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._in_caption and self._stack:
            self._stack[-1]["caption"] += data.strip()
        elif self._cell is not None:
            self._cell.append(data)


def totals(response) -> dict[str, list[str]]:
    """The totals table: {category: [wishes, hours, cost]}."""
    reader = _Tables()
    reader.feed(response.content.decode())
    (table,) = [t for t in reader.tables if "in the bucket" in t["caption"]]
    return {row[0].split(" | ")[0]: row[1:] for row in table["rows"][1:]}


class _Inputs(HTMLParser):
    """Every form control (with its id and value) and every label's `for`."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict] = []
        self.label_for: set[str] = set()
        self.h1 = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "submit"):
            self.controls.append({"tag": tag, **attrs})
        elif tag == "label" and attrs.get("for"):
            self.label_for.add(attrs["for"])
        elif tag == "h1":
            self.h1 += 1


def controls(response) -> _Inputs:
    reader = _Inputs()
    reader.feed(response.content.decode())
    return reader


def value_of(response, control_id: str) -> str | None:
    for control in controls(response).controls:
        if control.get("id") == control_id:
            return control.get("value")
    raise AssertionError(f"no control {control_id}")


def error_messages(response) -> list[str]:
    return [
        " ".join(unescape(m).split())
        for m in re.findall(r'<li class="message message-error">(.*?)</li>', response.content.decode(), re.S)
    ]


def decide_by_phone(client, wish: CR, decision: str, *, items=(), note="Jan decided by phone on Monday.", **extra):
    return post(client, "wish_decide", wish.pk, {"decision": decision, "items": list(items), "note": note}, **extra)


# -- the page ------------------------------------------------------------------------------------


def test_the_bucket_needs_login(client, alice):
    project = a_project(alice)
    response = page(client, project)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_an_empty_bucket_explains_itself_and_offers_the_add_form(alice_client, alice):
    project = a_project(alice)
    response = page(alice_client, project)
    assert response.status_code == 200
    body = text(response)
    assert f"Bucket of {project.name}" in body
    assert "The bucket is empty." in body
    assert "Add the wish to the bucket" in body
    assert totals(response)["Pending"] == ["0", "0 h", "—"]


def test_the_page_has_one_h1_and_a_label_for_every_input(alice_client, alice):
    project = a_project(alice)
    wish_in(project, "Fresh wish")
    wish_in(project, "Assessed wish", hours="4")
    waiting_wish(project, "Waiting wish")
    done_wish = wish_in(project, "Decided wish", hours="2")
    bucket.classify(done_wish, classification=CR.Classification.FITS_SCOPE, actor=alice)
    response = page(alice_client, project)
    reader = controls(response)
    assert reader.h1 == 1
    unlabelled = [c for c in reader.controls if c.get("id") not in reader.label_for]
    assert unlabelled == []
    assert len(reader.controls) > 20  # the add form, terms, and every wish's step forms
    body = response.content.decode()
    assert "Estimate in hours for “Fresh wish”" in body
    assert "Classify “Assessed wish”</button>" in body
    assert "Send the beep for “Waiting wish” again</button>" in body
    assert "Record the decision on “Waiting wish”</button>" in body
    assert "Mark “Decided wish” done</button>" in body
    assert "Drop “Fresh wish”</button>" in body


def test_wishes_are_listed_newest_first_with_their_facts(alice_client, alice):
    project = a_project(alice)
    jan = project.client.contacts.get()
    wish_in(project, "Old wish", received_on=date(2027, 1, 2), source=CR.Source.CALL, contact=jan)
    waiting_wish(project, "New wish", hours="3.5")
    response = page(alice_client, project)
    body = text(response)
    assert body.index("New wish") < body.index("Old wish")
    old = text_of(card(response, CR.objects.get(title="Old wish")))
    assert "Phone call" in old
    assert "2 January 2027" in old
    assert "Jan Jansen" in old
    assert "not estimated yet" in old
    assert f'href="{reverse("projects:contact_detail", args=[jan.pk])}"' in card(
        response, CR.objects.get(title="Old wish")
    )
    new = text_of(card(response, CR.objects.get(title="New wish")))
    assert "3.5 h" in new
    assert "€315.00" in new  # 3.5 h at €90
    assert "Extra cost" in new
    assert "Waiting for the client" in new
    assert "a new phase after the last one (phase 4)" in new
    assert "jan@bakkerij.example" in new


def test_a_waiting_wish_shows_how_long_it_has_waited(alice_client, alice, frozen):
    project = a_project(alice)
    wish = waiting_wish(project)
    assert "waiting less than an hour" in text_of(card(page(alice_client, project), wish))
    frozen.shift(timedelta(days=3, hours=2))
    alice_client.force_login(alice)
    assert "waiting 3 days" in text_of(card(page(alice_client, project), wish))


# -- adding a wish ------------------------------------------------------------------------------


def wish_data(project: Project, **overrides) -> dict:
    data = {
        "title": "Newsletter signup",
        "description": "A form in the footer.",
        "source": "meeting",
        "received_on": "2027-01-08",
        "contact": str(project.client.contacts.get().pk),
    }
    return {**data, **overrides}


def test_adding_a_wish(alice_client, alice):
    project = a_project(alice)
    response = post(alice_client, "bucket_add", project.pk, wish_data(project))
    wish = CR.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("projects:bucket", args=[project.pk]) + f"#wish-{wish.pk}"
    assert (wish.project, wish.title, wish.description) == (project, "Newsletter signup", "A form in the footer.")
    assert (wish.source, wish.received_on, wish.contact.name) == ("meeting", date(2027, 1, 8), "Jan Jansen")
    assert wish.status == CR.Status.NEW
    assert PhaseEvent.objects.filter(project=project, kind=PhaseEvent.Kind.WISH, actor=alice).count() == 1
    follow = page(alice_client, project)
    assert "“Newsletter signup” is in the bucket." in text(follow)
    assert totals(follow)["Pending"] == ["1", "0 h", "—"]


def test_with_htmx_adding_returns_only_the_main_section(alice_client, alice):
    project = a_project(alice)
    response = post(alice_client, "bucket_add", project.pk, wish_data(project), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="bucket-main"')
    assert "<html" not in body
    assert "“Newsletter signup” is in the bucket." in text(response)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "x" * 10_000, "Ensure this value has at most 200 characters (it has 10000)."),
        ("title", "", "Name the wish, e.g. “Newsletter signup”."),
        ("received_on", "2027-01-12", "A wish cannot have come in in the future."),
        ("received_on", "yesterday", "Enter a date such as 2027-03-05."),
        ("source", "carrier pigeon", "Select a valid choice."),
    ],
)
def test_a_bad_wish_is_refused_and_the_typed_values_are_kept(alice_client, alice, field, value, message):
    project = a_project(alice)
    response = post(alice_client, "bucket_add", project.pk, wish_data(project, **{field: value}))
    assert response.status_code == 422
    assert message in text(response)
    assert "The wish was not added: check the form." in error_messages(response)
    assert not CR.objects.exists()
    if field != "title":
        assert value_of(response, "id_wish_new_title") == "Newsletter signup"
    if field == "received_on":
        assert value_of(response, "id_wish_new_received_on") == value
    assert "A form in the footer." in response.content.decode()


def test_a_contact_of_another_client_cannot_ask_for_the_wish(alice_client, alice):
    project = a_project(alice)
    other = ContactFactory(client=ProjectFactory(owner=alice).client, name="Someone Else")
    bobs = ContactFactory(name="Bob's contact")
    for contact in (other, bobs):
        response = post(alice_client, "bucket_add", project.pk, wish_data(project, contact=str(contact.pk)))
        assert response.status_code == 422
        assert "Choose one of this client's contacts." in text(response)
        assert value_of(response, "id_wish_new_title") == "Newsletter signup"
    assert not CR.objects.exists()


def test_a_closed_project_takes_no_new_wishes(alice_client, alice):
    project = a_project(alice)
    project.stop(alice, reason="The client went bankrupt.")
    response = post(alice_client, "bucket_add", project.pk, wish_data(project))
    assert response.status_code == 422
    assert "This project is closed; its bucket takes no new wishes." in text(response)
    assert not CR.objects.exists()


def test_script_in_every_text_field_is_stored_as_typed_and_shown_escaped(alice_client, alice):
    project = a_project(alice)
    script = "<script>alert(1)</script>"
    post(alice_client, "bucket_add", project.pk, wish_data(project, title=f"A {script}", description=f"D {script}"))
    wish = CR.objects.get()
    assert (wish.title, wish.description) == (f"A {script}", f"D {script}")
    post(alice_client, "wish_assess", wish.pk, {"estimate_hours": "8"})
    post(alice_client, "wish_classify", wish.pk, {"classification": "extra_cost", "target_phase": ""})
    post(alice_client, "wish_decide", wish.pk, {"decision": "stop", "note": f"N {script}"})
    second = wish_in(project, "Second", hours="1")
    post(alice_client, "wish_drop", second.pk, {"reason": f"R {script}"})
    wish.refresh_from_db()
    assert wish.client_decision.note == f"N {script}"
    assert PhaseEvent.objects.filter(reason__contains=f"R {script}").exists()
    for response in (page(alice_client, project), post(alice_client, "wish_drop", wish.pk, {"reason": script})):
        body = response.content.decode()
        assert "<script>alert" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    # A refused form with a script title keeps it, escaped, in the label and the value.
    third = wish_in(project, script)
    response = post(alice_client, "wish_assess", third.pk, {"estimate_hours": "abc"})
    assert response.status_code == 422
    assert "<script>alert" not in response.content.decode()


# -- assess and classify ------------------------------------------------------------------------


def test_assessing_sets_the_estimate(alice_client, alice):
    project = a_project(alice)
    wish = wish_in(project)
    response = post(alice_client, "wish_assess", wish.pk, {"estimate_hours": "6.5"})
    assert response.status_code == 302
    wish.refresh_from_db()
    assert (wish.status, wish.estimate_hours) == (CR.Status.ASSESSED, Decimal("6.50"))
    follow = page(alice_client, project)
    assert "The estimate for “Newsletter signup” is 6.5 h. Classify it next." in text(follow)
    assert value_of(follow, f"id_wish{wish.pk}_assess_estimate_hours") == "6.5"
    assert totals(follow)["Pending"] == ["1", "6.5 h", "—"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-1", "An estimate cannot be negative."),
        ("abc", "Enter the estimate as a number of hours, such as 4 or 2.5."),
        ("10000", "An estimate is at most 9999 hours; split the wish."),
        ("1.125", "Ensure that there are no more than 2 decimal places."),
        ("", "Enter the estimate in hours, such as 4 or 2.5."),
    ],
)
def test_a_bad_estimate_is_refused_and_the_typed_value_kept(alice_client, alice, typed, message):
    project = a_project(alice)
    wish = wish_in(project, hours="3")
    response = post(alice_client, "wish_assess", wish.pk, {"estimate_hours": typed})
    assert response.status_code == 422
    assert message in text(response)
    assert "“Newsletter signup” did not change: check the form." in error_messages(response)
    assert value_of(response, f"id_wish{wish.pk}_assess_estimate_hours") == (typed or None)
    wish.refresh_from_db()
    assert wish.estimate_hours == Decimal("3.00")


@pytest.mark.parametrize(
    ("classification", "label", "tally"),
    [("fits_scope", "“Newsletter signup” fits the agreed scope.", "Fits the scope"),
     ("own_misjudgement", "“Newsletter signup” is your own misjudgement: its 5 h are on you.", "Absorbed")],
)  # fmt: skip
def test_classifying_as_fits_or_own_misjudgement_decides_at_once(alice_client, alice, classification, label, tally):
    project = a_project(alice)
    wish = wish_in(project, hours="5")
    response = post(alice_client, "wish_classify", wish.pk, {"classification": classification})
    assert response.status_code == 302
    wish.refresh_from_db()
    assert (wish.status, wish.classification, wish.cost) == (CR.Status.DECIDED, classification, None)
    assert not OutgoingEmail.objects.exists()
    follow = page(alice_client, project)
    assert label in text(follow)
    assert totals(follow)[tally] == ["1", "5 h", "—"]


def test_absorbed_hours_show_what_they_would_have_cost(alice_client, alice):
    project = a_project(alice)
    wish = wish_in(project, hours="4")
    bucket.classify(wish, classification=CR.Classification.OWN_MISJUDGEMENT, actor=alice)
    body = text(page(alice_client, project))
    assert "Absorbed: 4 h of your own misjudgement, worth €360.00 at your hourly rate" in body


def test_classifying_as_extra_cost_sends_the_beep_to_the_decision_maker(alice_client, alice):
    project = a_project(alice)
    ContactFactory(client=project.client, name="Piet IT", email="piet@bakkerij.example", is_decision_maker=False)
    wish = wish_in(project, hours="8")
    response = post(alice_client, "wish_classify", wish.pk, {"classification": "extra_cost", "target_phase": ""})
    assert response.status_code == 302
    wish.refresh_from_db()
    assert (wish.status, wish.classification) == (CR.Status.WAITING, CR.Classification.EXTRA_COST)
    assert (wish.hourly_rate, wish.cost, wish.target_phase) == (Decimal("90.00"), Decimal("720.00"), None)
    assert wish.waiting_since is not None
    mail = OutgoingEmail.objects.get(kind="change_request_beep")
    assert mail.to == ["jan@bakkerij.example"]
    follow = page(alice_client, project)
    body = text(follow)
    assert (
        "The client is asked to decide on “Newsletter signup” (€720.00); the beep went to Jan Jansen <jan@bakkerij.example>."
        in body
    )
    assert totals(follow)["Pending"] == ["1", "8 h", "€720.00"]


def test_extra_cost_can_go_into_a_phase_that_is_not_accepted(alice_client, alice):
    project = a_project(alice)
    third = phases_of(project)[2]
    wish = wish_in(project, hours="2")
    post(alice_client, "wish_classify", wish.pk, {"classification": "extra_cost", "target_phase": str(third.pk)})
    wish.refresh_from_db()
    assert wish.target_phase == third
    assert f"Phase 3: {third.title}" in text_of(card(page(alice_client, project), wish))


def test_an_accepted_phase_or_another_projects_phase_is_not_offered_for_extra_work(alice_client, alice, bob):
    project = a_project(alice)
    first = accept_first_phase(project)
    bobs_phase = phases_of(a_project(bob))[0]
    wish = wish_in(project, hours="2")
    assert f'<option value="{first.pk}"' not in card(page(alice_client, project), wish)
    for phase in (first, bobs_phase):
        response = post(
            alice_client, "wish_classify", wish.pk, {"classification": "extra_cost", "target_phase": phase.pk}
        )
        assert response.status_code == 422
        assert "Paid extra work goes into a phase that is not accepted yet, or into a new phase." in text(response)
    wish.refresh_from_db()
    assert wish.status == CR.Status.ASSESSED


def test_extra_cost_without_an_hourly_rate_is_refused_and_the_rate_form_is_open(alice_client, alice):
    project = a_project(alice, rate=None)
    wish = wish_in(project, hours="8")
    response = post(alice_client, "wish_classify", wish.pk, {"classification": "extra_cost", "target_phase": ""})
    assert response.status_code == 422
    assert error_messages(response) == ["Set the project's hourly rate first, so the client sees the price."]
    html = response.content.decode()
    assert re.search(r'value="extra_cost"[^>]*checked', html)
    assert re.search(r'<details class="action-details" open>\s*<summary>Change the hourly rate', html)
    wish.refresh_from_db()
    assert wish.status == CR.Status.ASSESSED
    assert not OutgoingEmail.objects.exists()


def test_classifying_needs_a_choice(alice_client, alice):
    project = a_project(alice)
    wish = wish_in(project, hours="8")
    response = post(alice_client, "wish_classify", wish.pk, {"classification": "maybe"})
    assert response.status_code == 422
    assert "Select a valid choice." in text(response)
    response = post(alice_client, "wish_classify", wish.pk, {})
    assert "Choose how this wish is classified." in text(response)
    wish.refresh_from_db()
    assert wish.status == CR.Status.ASSESSED


def test_an_unestimated_wish_offers_no_classification(alice_client, alice):
    project = a_project(alice)
    wish = wish_in(project)
    assert "classify" not in card(page(alice_client, project), wish)


# -- the terms for extra work ------------------------------------------------------------------


def test_setting_the_hourly_rate_and_tolerance(alice_client, alice):
    project = a_project(alice, rate=None)
    response = post(alice_client, "bucket_terms", project.pk, {"hourly_rate": "92.50", "swap_tolerance_percent": "15"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.hourly_rate, project.swap_tolerance_percent) == (Decimal("92.50"), 15)
    body = text(page(alice_client, project))
    assert "Hourly rate: €92.50 excl. VAT." in body
    assert "Swap tolerance: 15%." in body


@pytest.mark.parametrize(
    ("rate", "tolerance", "message"),
    [
        ("-5", "10", "An hourly rate cannot be negative."),
        ("abc", "10", "Enter the rate as an amount, such as 85 or 92.50."),
        ("90", "101", "Enter a percentage from 0 to 100."),
        ("90", "-1", "Enter a percentage from 0 to 100."),
        ("90", "ten", "Enter a whole percentage from 0 to 100."),
    ],
)
def test_bad_terms_are_refused_and_the_typed_values_kept(alice_client, alice, rate, tolerance, message):
    project = a_project(alice, rate="80")
    response = post(
        alice_client, "bucket_terms", project.pk, {"hourly_rate": rate, "swap_tolerance_percent": tolerance}
    )
    assert response.status_code == 422
    assert message in text(response)
    assert value_of(response, "id_terms_hourly_rate") == rate
    assert value_of(response, "id_terms_swap_tolerance_percent") == tolerance
    project.refresh_from_db()
    assert (project.hourly_rate, project.swap_tolerance_percent) == (Decimal("80.00"), 10)


# -- the beep ---------------------------------------------------------------------------------------


def test_resending_the_beep_sends_a_new_link_and_revokes_the_old(alice_client, alice):
    project = a_project(alice)
    wish = waiting_wish(project)
    first_link = ClientLink.for_target(wish).get()
    response = post(alice_client, "wish_beep", wish.pk)
    assert response.status_code == 302
    assert OutgoingEmail.objects.filter(kind="change_request_beep", to=["jan@bakkerij.example"]).count() == 2
    first_link.refresh_from_db()
    assert first_link.revoked_at is not None
    assert ClientLink.for_target(wish).filter(ClientLink.usable()).count() == 1
    assert "The beep for “Newsletter signup” went again to Jan Jansen <jan@bakkerij.example>" in text(
        page(alice_client, project)
    )


def test_without_an_email_address_the_beep_cannot_go_out(alice_client, alice):
    project = a_project(alice)
    project.client.contacts.update(email="")
    wish = waiting_wish(project)
    assert "No contact has an email address" not in error_messages(page(alice_client, project))
    response = post(alice_client, "wish_beep", wish.pk)
    assert response.status_code == 422
    assert error_messages(response) == [
        "No contact of this client has an email address: record their decision by phone."
    ]
    assert not OutgoingEmail.objects.exists()


def test_only_a_waiting_wish_can_be_beeped(alice_client, alice):
    project = a_project(alice)
    wish = wish_in(project, hours="3")
    assert "Send the beep" not in card(page(alice_client, project), wish)
    response = post(alice_client, "wish_beep", wish.pk)
    assert response.status_code == 422
    assert error_messages(response) == ["This wish is assessed; that step is not possible now."]
    assert not OutgoingEmail.objects.exists()


# -- decisions recorded by phone ---------------------------------------------------------------------


def test_the_client_chose_stop_by_phone(alice_client, alice):
    project = a_project(alice)
    wish = waiting_wish(project)
    response = decide_by_phone(alice_client, wish, "stop")
    assert response.status_code == 302
    wish.refresh_from_db()
    assert (wish.status, wish.decision) == (CR.Status.DROPPED, CR.Decision.STOP)
    evidence = ChangeDecision.objects.get(change_request=wish)
    assert (evidence.recorded_by, evidence.note, evidence.link) == (alice, "Jan decided by phone on Monday.", None)
    assert evidence.decision_ip is None
    assert not ClientLink.for_target(wish).filter(ClientLink.usable()).exists()
    follow = page(alice_client, project)
    assert "Recorded: the client chose to stop; “Newsletter signup” is dropped." in text(follow)
    shown = text_of(card(follow, wish))
    assert "The client's decision: Stop: drop the wish" in shown
    assert "recorded by Alice" in shown
    assert "Jan decided by phone on Monday." in shown
    assert "11 January 2027, 10:00:00" in shown
    assert evidence.snapshot_sha256 in shown
    assert totals(follow)["Dropped"] == ["1", "8 h", "€720.00"]
    assert totals(follow)["Pending"] == ["0", "0 h", "—"]


def test_the_client_chose_to_pay_and_the_work_lands_in_a_new_phase(alice_client, alice):
    project = a_project(alice)
    wish = waiting_wish(project)
    response = decide_by_phone(alice_client, wish, "pay")
    assert response.status_code == 302
    wish.refresh_from_db()
    assert (wish.status, wish.decision) == (CR.Status.DECIDED, CR.Decision.PAY)
    phases = phases_of(project)
    assert len(phases) == 4
    assert phases[3].title == "Extra work: Newsletter signup"
    (item,) = items_of(phases[3])
    assert (item.change_request, item.billable_extra, item.estimate_hours) == (wish, True, Decimal("8.00"))
    follow = page(alice_client, project)
    assert (
        "Recorded: the client pays for “Newsletter signup”; it is planned in Phase 4: Extra work: Newsletter signup."
        in text(follow)
    )
    assert totals(follow)["Paid extra"] == ["1", "8 h", "€720.00"]


def test_the_client_chose_to_pay_into_the_chosen_phase(alice_client, alice):
    project = a_project(alice)
    second = phases_of(project)[1]
    wish = waiting_wish(project, target=second)
    assert decide_by_phone(alice_client, wish, "pay").status_code == 302
    assert len(phases_of(project)) == 3
    added = items_of(second)[-1]
    assert (added.change_request, added.billable_extra) == (wish, True)


def test_the_client_chose_to_swap_and_the_wish_takes_the_place_of_planned_work(alice_client, alice):
    project = a_project(alice)
    second = phases_of(project)[1]
    given_up = items_of(second)[0]
    wish = waiting_wish(project, hours="8", target=second)
    response = decide_by_phone(alice_client, wish, "swap", items=[given_up.pk])
    assert response.status_code == 302
    wish.refresh_from_db()
    given_up.refresh_from_db()
    assert (wish.status, wish.decision) == (CR.Status.DECIDED, CR.Decision.SWAP)
    assert given_up.swapped_out_by == wish
    assert given_up not in ScopeItem.objects.all()  # out of the plan, but kept
    added = ScopeItem.objects.get(change_request=wish)
    assert (added.phase, added.billable_extra) == (second, False)
    evidence = wish.client_decision
    assert evidence.swapped_items == [{"id": given_up.pk, "title": given_up.title, "hours": "8.00"}]
    follow = page(alice_client, project)
    assert f"Recorded: “Newsletter signup” takes the place of “{given_up.title}”." in text(follow)
    shown = text_of(card(follow, wish))
    assert f"Swapped for {given_up.title} (8 h)" in shown
    assert totals(follow)["Swapped"] == ["1", "8 h", "€720.00"]


def test_the_swap_form_explains_the_balance_and_lists_the_swappable_work(alice_client, alice):
    project = a_project(alice)
    project.swap_tolerance_percent = 25
    project.save()
    wish = waiting_wish(project, hours="8")
    shown = text_of(card(page(alice_client, project), wish))
    assert "between 6 and 10 hours in total (tolerance 25%)" in shown
    item = items_of(phases_of(project)[0])[0]
    assert f"Phase 1: {item.title} (8 h)" in shown


@pytest.mark.parametrize("kind", ["accepted phase", "other project", "unknown id", "not a number"])
def test_a_swap_of_work_that_cannot_be_swapped_is_refused(alice_client, alice, bob, kind):
    project = a_project(alice)
    first = accept_first_phase(project)
    wish = waiting_wish(project, hours="8")
    item_id = {
        "accepted phase": lambda: items_of(first)[0].pk,
        "other project": lambda: items_of(phases_of(a_project(bob))[1])[0].pk,
        "unknown id": lambda: 999_999,
        "not a number": lambda: "abc",
    }[kind]()
    before = list(ScopeItem.all_objects.values())
    response = decide_by_phone(alice_client, wish, "swap", items=[item_id], note="Jan, by phone.")
    assert response.status_code == 422
    assert "Only planned work of phases that are not accepted yet can be swapped. Please choose again." in text(
        response
    )
    assert "Jan, by phone." in response.content.decode()
    wish.refresh_from_db()
    assert wish.status == CR.Status.WAITING
    assert not ChangeDecision.objects.exists()
    assert list(ScopeItem.all_objects.values()) == before


def test_a_swap_that_does_not_balance_names_the_hours(alice_client, alice):
    project = a_project(alice)
    second = phases_of(project)[1]
    wish = waiting_wish(project, hours="8")
    both = [item.pk for item in items_of(second)]
    response = decide_by_phone(alice_client, wish, "swap", items=both, note="Jan, by phone.")
    assert response.status_code == 422
    assert error_messages(response) == [
        "The swap does not balance: the wish takes about 8 hours, the work you chose to give up 16 hours. "
        "Choose work between 7.2 and 8.8 hours in total."
    ]
    html = card(response, wish)
    assert all(re.search(rf'value="{pk}"[^>]*checked', html) for pk in both)
    assert "Jan, by phone." in html
    wish.refresh_from_db()
    assert wish.status == CR.Status.WAITING
    assert not ScopeItem.all_objects.filter(swapped_out_by__isnull=False).exists()


def test_a_swap_needs_work_to_give_up(alice_client, alice):
    project = a_project(alice)
    wish = waiting_wish(project)
    response = decide_by_phone(alice_client, wish, "swap")
    assert response.status_code == 422
    assert error_messages(response) == ["Choose the planned work you would give up in exchange."]


def test_a_phone_decision_needs_a_note(alice_client, alice):
    project = a_project(alice)
    wish = waiting_wish(project)
    for note in ("", "   "):
        response = decide_by_phone(alice_client, wish, "pay", note=note)
        assert response.status_code == 422
        assert "Note how the client decided, e.g. 'by phone on Tuesday'." in text(response)
        assert re.search(r'value="pay"[^>]*checked', card(response, wish))
    response = decide_by_phone(alice_client, wish, "maybe")
    assert response.status_code == 422
    wish.refresh_from_db()
    assert wish.status == CR.Status.WAITING
    assert len(phases_of(project)) == 3
    assert not ChangeDecision.objects.exists()


@pytest.mark.parametrize("decision", ["stop", "pay", "swap"])
def test_a_double_post_of_a_phone_decision_records_one_decision(alice_client, alice, decision):
    project = a_project(alice)
    wish = waiting_wish(project)
    items = [items_of(phases_of(project)[1])[0].pk] if decision == "swap" else []
    assert decide_by_phone(alice_client, wish, decision, items=items).status_code == 302
    again = decide_by_phone(alice_client, wish, decision, items=items, HTTP_HX_REQUEST="true")
    assert again.status_code == 422
    status = "dropped" if decision == "stop" else "decided"
    assert error_messages(again) == [f"This wish is {status}; that step is not possible now."]
    assert ChangeDecision.objects.count() == 1
    assert ScopeItem.all_objects.filter(change_request=wish).count() == (0 if decision == "stop" else 1)
    assert len(phases_of(project)) == (4 if decision == "pay" else 3)


def test_a_decision_given_through_the_link_shows_the_contact_as_evidence(alice_client, alice):
    project = a_project(alice)
    wish = waiting_wish(project)
    link = ClientLink.for_target(wish).get()
    bucket.decide(
        wish,
        decision="pay",
        link=link,
        meta=Meta(at=datetime(2027, 1, 11, 10, 0, tzinfo=AMS), ip="192.0.2.7", user_agent="Firefox"),
    )
    shown = text_of(card(page(alice_client, project), wish))
    assert "Jan Jansen <jan@bakkerij.example>, via the email link" in shown
    assert "192.0.2.7" in shown


# -- done and drop ---------------------------------------------------------------------------------------


def test_marking_a_decided_wish_done(alice_client, alice):
    project = a_project(alice)
    wish = wish_in(project, hours="2")
    bucket.classify(wish, classification=CR.Classification.FITS_SCOPE, actor=alice)
    response = post(alice_client, "wish_done", wish.pk, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "“Newsletter signup” is done." in text(response)
    wish.refresh_from_db()
    assert wish.status == CR.Status.DONE
    again = post(alice_client, "wish_done", wish.pk)
    assert again.status_code == 422
    assert error_messages(again) == ["This wish is done; that step is not possible now."]


def test_dropping_a_pending_wish_needs_a_reason(alice_client, alice):
    project = a_project(alice)
    wish = waiting_wish(project)
    response = post(alice_client, "wish_drop", wish.pk, {"reason": ""})
    assert response.status_code == 422
    assert "Say why the wish is dropped." in text(response)
    wish.refresh_from_db()
    assert wish.status == CR.Status.WAITING
    response = post(alice_client, "wish_drop", wish.pk, {"reason": "The client found a plugin."})
    assert response.status_code == 302
    wish.refresh_from_db()
    assert wish.status == CR.Status.DROPPED
    assert not ClientLink.for_target(wish).filter(ClientLink.usable()).exists()
    assert PhaseEvent.objects.filter(reason="Wish dropped: The client found a plugin.").exists()
    follow = page(alice_client, project)
    assert totals(follow)["Dropped"] == ["1", "8 h", "€720.00"]
    assert "Drop “Newsletter signup”" not in card(follow, wish)


# -- the totals ------------------------------------------------------------------------------------------


def mixed_bucket(project: Project, count: int) -> None:
    """`count` wishes cycling through every state the bucket knows, made through the domain API."""
    owner = project.owner
    for n in range(count):
        kind = n % 9
        title = f"Wish {n}"
        if kind == 0:
            wish_in(project, title)
        elif kind == 1:
            wish_in(project, title, hours="1")
        elif kind == 2:
            waiting_wish(project, title, hours="2")
        elif kind == 3:
            wish = wish_in(project, title, hours="3")
            bucket.classify(wish, classification=CR.Classification.FITS_SCOPE, actor=owner)
        elif kind == 4:
            wish = wish_in(project, title, hours="4")
            bucket.classify(wish, classification=CR.Classification.OWN_MISJUDGEMENT, actor=owner)
            bucket.mark_done(wish, actor=owner)
        elif kind in (5, 6, 7):
            wish = waiting_wish(project, title, hours="1", target=phases_of(project)[-1])
            decision = {5: "stop", 6: "pay", 7: "swap"}[kind]
            items = []
            if decision == "swap":
                phase = phases_of(project)[-1]
                items = [ScopeItemFactory(phase=phase, estimate_hours=Decimal("1")).pk]
            bucket.decide(
                wish,
                decision=decision,
                item_ids=items,
                recorded_by=owner,
                note="By phone.",
                meta=Meta(at=datetime(2027, 1, 11, 10, 0, tzinfo=AMS), ip="", user_agent=""),
            )
        else:
            wish = wish_in(project, title, contact=project.client.contacts.first())
            bucket.drop(wish, actor=owner, reason="Not needed.")


def test_the_totals_count_every_wish_once(alice_client, alice):
    project = a_project(alice)
    mixed_bucket(project, 9)
    response = page(alice_client, project)
    assert totals(response) == {
        "Pending": ["3", "3 h", "€180.00"],
        "Paid extra": ["1", "1 h", "€90.00"],
        "Swapped": ["1", "1 h", "€90.00"],
        "Dropped": ["2", "1 h", "€90.00"],
        "Absorbed": ["1", "4 h", "—"],
        "Fits the scope": ["1", "3 h", "—"],
    }
    assert "9 wishes in the bucket" in text(response)


def test_money_is_written_the_dutch_way_in_dutch(alice_client, alice):
    project = a_project(alice, rate="1000")
    waiting_wish(project, hours="2.5")
    body = text(alice_client.get(reverse("projects:bucket", args=[project.pk]), HTTP_ACCEPT_LANGUAGE="nl"))
    assert "€\u00a02.500,00" in body or "€ 2.500,00" in body


# -- the project page card -----------------------------------------------------------------------------


def test_the_project_page_shows_the_bucket_totals_and_links_to_the_bucket(alice_client, alice):
    project = a_project(alice)
    mixed_bucket(project, 9)
    response = alice_client.get(reverse("projects:project_detail", args=[project.pk]), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    start = html.index('id="bucket"')
    section = text_of(html[start : html.index("</section>", start)])
    assert "3 Pending 3 h · €180.00" in section
    assert "1 Paid extra 1 h · €90.00" in section
    assert "1 Absorbed 4 h" in section
    assert "Hourly rate for extra work: €90.00 excl. VAT · swap tolerance 10%" in section
    assert f'href="{reverse("projects:bucket", args=[project.pk])}"' in html[start:]


# -- isolation -------------------------------------------------------------------------------------------------

ROUTES = [
    ("get", "bucket", "project", {}),
    ("post", "bucket_add", "project", {"title": "Mine now", "source": "email", "received_on": "2027-01-11"}),
    ("post", "bucket_terms", "project", {"hourly_rate": "1", "swap_tolerance_percent": "50"}),
    ("post", "wish_assess", "assessed", {"estimate_hours": "1"}),
    ("post", "wish_classify", "assessed", {"classification": "fits_scope"}),
    ("post", "wish_beep", "waiting", {}),
    ("post", "wish_decide", "waiting", {"decision": "stop", "note": "By phone."}),
    ("post", "wish_done", "decided", {}),
    ("post", "wish_drop", "waiting", {"reason": "Because."}),
]


def snapshot() -> tuple:
    return (
        list(Project.objects.values()),
        list(CR.objects.values()),
        list(ScopeItem.all_objects.values()),
        list(Phase.objects.values()),
        ChangeDecision.objects.count(),
        PhaseEvent.objects.count(),
        OutgoingEmail.objects.count(),
        list(ClientLink.objects.values("pk", "revoked_at", "used_at")),
    )


@pytest.mark.parametrize(("method", "name", "target", "data"), ROUTES, ids=[f"{m}-{n}" for m, n, _, _ in ROUTES])
def test_every_route_404s_on_someone_elses_bucket_and_changes_nothing(alice_client, bob, method, name, target, data):
    project = a_project(bob)
    assessed = wish_in(project, "Assessed", hours="1")
    waiting = waiting_wish(project, "Waiting")
    decided = wish_in(project, "Decided", hours="1")
    bucket.classify(decided, classification=CR.Classification.FITS_SCOPE, actor=bob)
    pk = {"project": project.pk, "assessed": assessed.pk, "waiting": waiting.pk, "decided": decided.pk}[target]
    before = snapshot()
    url = reverse(f"projects:{name}", args=[pk])
    assert getattr(alice_client, method)(url, data).status_code == 404
    assert getattr(alice_client, method)(url, data, HTTP_HX_REQUEST="true").status_code == 404
    if method == "post":
        assert alice_client.get(url).status_code == 405
    assert snapshot() == before


def test_steps_only_accept_post(alice_client, alice):
    project = a_project(alice)
    wish = waiting_wish(project)
    for name in ("wish_assess", "wish_classify", "wish_beep", "wish_decide", "wish_done", "wish_drop"):
        assert alice_client.get(reverse(f"projects:{name}", args=[wish.pk])).status_code == 405
    for name in ("bucket_add", "bucket_terms"):
        assert alice_client.get(reverse(f"projects:{name}", args=[project.pk])).status_code == 405
    wish.refresh_from_db()
    assert wish.status == CR.Status.WAITING


# -- performance -----------------------------------------------------------------------------------------------


def test_the_bucket_page_runs_the_same_queries_for_1_and_50_wishes(alice_client, alice):
    small = a_project(alice)
    waiting_wish(small, "Only wish")
    large = a_project(alice)
    mixed_bucket(large, 50)
    assert CR.objects.filter(project=large).values("status").distinct().count() == 6
    page(alice_client, small)  # warm up the session and content types
    with CaptureQueriesContext(connection) as one:
        assert page(alice_client, small).status_code == 200
    with CaptureQueriesContext(connection) as fifty:
        response = page(alice_client, large)
        assert response.status_code == 200
    assert len(one) == len(fifty), [q["sql"] for q in fifty.captured_queries]
    # user, project, phases, contacts, wishes, swappable scope, open beep links (the session: Redis)
    assert len(fifty) <= 7, [q["sql"] for q in fifty.captured_queries]
    assert response.content.decode().count('class="card wish-card') == 50
