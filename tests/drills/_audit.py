"""Shared by the tenancy audit and the hostile-input drill.

- ``build_world``: freelancer alice with a full set of data (the demo's projects in every
  state, plus a client-accepted phase, a contract accepted by the client, a stored document,
  own templates, 2FA devices and a login record), and freelancer bob with a small set of his own.
- ``url_patterns``: every pattern the resolver knows, the admin's included, with its route.
- ``OWNER_PATHS``: for every model, how its rows lead to their freelancer (or that the model
  is install-wide), so the audit finds *all* of alice's rows and a new model cannot slip by.
- ``markers``: strings only alice's data contains; none may reach bob.
- ``snapshot``: a hash of every row, to show that bob's requests changed nothing.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import models
from django.test import Client as BrowserClient
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

LINK = re.compile(r"https?://[^\s\"<>]+/l/([A-Za-z0-9_\-]+)/")

# -- every model: who owns its rows ---------------------------------------------------------
# A lookup from the model to its freelancer (a user). A model that is nobody's is listed
# in INSTALL_WIDE with the reason. test_every_model_is_owned_or_install_wide fails on a new
# model that is in neither, so the audit cannot silently miss a freelancer's rows.

OWNER_PATHS: dict[str, str] = {
    "auth.user": "pk",
    "accounts.sessionepoch": "user",
    "otp_totp.totpdevice": "user",
    "otp_static.staticdevice": "user",
    "otp_static.statictoken": "device__user",
    "axes.accessattempt": "username",  # by user name, not a foreign key
    "axes.accesslog": "username",
    "axes.accessfailurelog": "username",
    "axes.accessattemptexpiration": "access_attempt__username",
    "accounts.invitation": "account",  # the account the invitation made
    "projects.client": "owner",
    "projects.contact": "client__owner",
    "projects.project": "owner",
    "projects.phase": "project__owner",
    "projects.scopeitem": "phase__project__owner",
    "projects.risk": "project__owner",
    "projects.phaseevent": "project__owner",
    "projects.acceptancerequest": "phase__project__owner",
    "projects.acceptance": "phase__project__owner",
    "projects.changerequest": "project__owner",
    "projects.changedecision": "change_request__project__owner",
    "contracts.generalterms": "owner",  # null: the install's default (see INSTALL_DEFAULTS)
    "contracts.clausetemplate": "owner",
    "contracts.contracttemplate": "owner",
    "contracts.businessprofile": "owner",
    "contracts.hourlyrate": "owner",
    "contracts.surchargerule": "owner",
    "contracts.contract": "project__owner",
    "contracts.contractclause": "contract__project__owner",
    "contracts.contractversion": "contract__project__owner",
    "contracts.contractacceptance": "version__contract__project__owner",
    "contracts.invoicecounter": "owner",
    "contracts.timeentry": "owner",
    "contracts.invoice": "owner",
    "contracts.invoiceline": "invoice__owner",
    "contracts.payment": "invoice__owner",
    "contracts.invoiceevent": "invoice__owner",
    "contracts.gateoverride": "owner",
    "contracts.recurringagreement": "owner",
    "contracts.recurringline": "agreement__owner",
    "contracts.recurringevent": "agreement__owner",
    "banking.bankimport": "owner",
    "banking.banktransaction": "owner",
    "documents.storeddocument": "owner",
    "links.clientlink": "owner",
    "links.linkvisit": "link__owner",
    "evidence.evidenceentry": "owner",
    "outbox.outgoingemail": "owner",
    "outbox.outgoingattachment": "email__owner",
    "reminders.reminder": "owner",
    "dashboard.calendarfeed": "user",
    "preferences.userpreferences": "user",
}

INSTALL_WIDE: dict[str, str] = {
    "admin.logentry": "the admin's action log; checked through each object's history page",
    "auth.permission": "Django's permission table, the same for everyone",
    "auth.group": "permission groups, set up by the operator",
    "contenttypes.contenttype": "Django's model registry",
    "sessions.session": "sessions; bob's own change on every request",
    "dashboard.heartbeat": "the worker's heartbeat, one row for the install",
    "contracts.statutoryinterestrate": "the legal interest rates, the same for every freelancer",
    "contracts.korthreshold": "the KOR's legal turnover limit, the same for every freelancer",
}

# Templates with no owner are the install's defaults, shared by design.
INSTALL_DEFAULTS = {"contracts.generalterms", "contracts.clausetemplate", "contracts.contracttemplate"}


def label(model) -> str:
    return model._meta.label_lower


def has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except Exception:
        return False
    return True


def manager(model):
    return getattr(model, "all_objects", model._default_manager)


def rows_of(model, user) -> models.QuerySet:
    """Every row of ``model`` that belongs to ``user`` (empty for install-wide models)."""
    path = OWNER_PATHS.get(label(model))
    if path is None:
        return manager(model).none()
    if label(model) in INSTALL_DEFAULTS and not has_field(model, "owner"):
        return manager(model).none()  # before templates had owners: all of them were defaults
    if path.endswith("username"):
        return manager(model).filter(**{path: user.get_username()})
    if path == "pk":
        return manager(model).filter(pk=user.pk)
    return manager(model).filter(**{path: user})


def pks_of(model, user) -> list:
    return list(rows_of(model, user).order_by("pk").values_list("pk", flat=True))


# -- the resolver ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    route: str  # the full route, e.g. "projects/<int:pk>/plan/phases/<int:phase_pk>/"
    name: str  # "namespace:name", or "" for an unnamed pattern
    pattern: URLPattern

    @property
    def params(self) -> list[tuple[str, str]]:
        """(converter, name) for each <...> in the route, in order."""
        return [(conv or "str", name) for conv, name in PARAM.findall(self.route)]

    @property
    def is_regex(self) -> bool:
        return "(?P<" in self.route or self.route.startswith("^") or "^" in self.route

    def fill(self, **values) -> str:
        def replace(match):
            return str(values[match.group(2)])

        return "/" + PARAM.sub(replace, self.route)


PARAM = re.compile(r"<(?:([^>:]+):)?([^>]+)>")


def url_patterns() -> list[Route]:
    """Every pattern the root resolver knows, includes and the admin's patterns expanded."""

    def walk(patterns, prefix: str, namespace: str | None):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            else:
                name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or "")
                yield Route(prefix + str(p.pattern), name, p)

    return list(walk(get_resolver().url_patterns, "", None))


# -- response checks ---------------------------------------------------------------------------


def body_text(response) -> str:
    content = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    try:
        return content.decode("utf-8", errors="replace")
    except Exception:
        return ""


def found_markers(text: str, markers: list[str]) -> list[str]:
    """The markers in ``text``, raw or HTML-escaped or as JSON escapes them."""
    if not text:
        return []
    unescaped = html.unescape(text)
    return [m for m in markers if m in text or m in unescaped]


# -- the world ------------------------------------------------------------------------------

ALICE_IBAN = "NL91ABNA0417164300"
BOB_IBAN = "NL20INGB0001234567"
ALICE_CLAUSE = "Zwanenveer-clausule: alleen Alice spreekt dit af"
ALICE_TERMS = "Kraanvogel-voorwaarden van Alice"
ALICE_TEMPLATE = "Reigerdons contractsjabloon van Alice"
ALICE_MAIL_NOTE = "Het ontwerp staat op de testomgeving"
BOB_CLAUSE = "Bobs eigen clausule"
ALICE_RECURRING = "Ooievaarhosting van Alice"


@dataclass
class World:
    alice: object
    bob: object
    markers: list[str] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)  # purpose -> a live token of alice's
    bob_objects: dict[str, list] = field(default_factory=dict)  # model label -> bob's pks
    alice_objects: dict[str, list] = field(default_factory=dict)  # model label -> alice's pks
    notes: list[str] = field(default_factory=list)


def make_freelancer(user, *, every_permission: bool = False) -> None:
    """Make ``user`` a freelancer the way the product does (accounts.invitations.make_freelancer:
    staff, so the admin opens for their own templates, and no model permissions).

    ``every_permission`` also grants every permission on the app's own models: the stricter
    audit, where scoping may not rest on withheld permissions (an operator who ticks "can view
    client" for a freelancer must not open every freelancer's clients to them).
    """
    from freelance.accounts.invitations import make_freelancer as product_make_freelancer

    class Saved:
        def save(self, commit=True):
            return user

    product_make_freelancer(Saved())
    if every_permission:
        own_apps = ["projects", "contracts", "links", "outbox", "documents", "reminders", "dashboard", "evidence"]
        user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=own_apps))


def _links_in_mail(owner, kind: str) -> list[str]:
    from freelance.outbox.models import OutgoingEmail

    tokens = []
    for mail in OutgoingEmail.objects.filter(owner=owner, kind=kind).order_by("pk"):
        tokens += LINK.findall(mail.body_text)
    return tokens


def _own_templates(user, *, clause: str, terms: str, template: str, key: str) -> None:
    """A freelancer's own clause, general terms and contract template (once templates have owners)."""
    from contracts.models import Category, ClauseTemplate, ContractTemplate, GeneralTerms

    owner = {"owner": user} if has_field(ClauseTemplate, "owner") else {}
    if not owner:
        return
    ClauseTemplate.objects.create(
        key=f"{key}-clause", language="nl", title=clause, category=Category.AGREEMENTS, body=clause, **owner
    )
    GeneralTerms.objects.create(key=f"{key}-terms", language="nl", title=terms, body=terms, **owner)
    if has_field(ContractTemplate, "owner"):
        ContractTemplate.objects.create(
            name=template,
            language="nl",
            clause_keys=[f"{key}-clause"],
            general_terms_key=f"{key}-terms",
            **owner,
        )


def build_alice(alice) -> dict[str, str]:
    """The demo's data for alice, and what the demo lacks; returns live link tokens by purpose."""
    from contracts import services
    from contracts.models import ContractClause, GateOverride
    from contracts.seed import load_contract_templates
    from freelance.demo import create_demo_projects
    from freelance.documents import store
    from freelance.links.models import ClientLink
    from projects.acceptance import certificate_reference
    from projects.client_page import issue_project_page_link
    from projects.models import Acceptance, Client, Contact, Phase, Project

    load_contract_templates()  # what migrate seeds: a transactional test run earlier may have flushed it
    create_demo_projects(alice)
    tokens: dict[str, str] = {}

    # The client accepts the delivered phase through the emailed link: Acceptance evidence.
    token = _links_in_mail(alice, "phase_acceptance_request")[0]
    browser = BrowserClient()
    page = browser.get(f"/l/{token}/")["Location"]
    digest = re.search(r'name="accept-snapshot_hash" value="([0-9a-f]{64})"', body_text(browser.get(page))).group(1)
    response = browser.post(
        page,
        {
            "decision": "accept",
            "accept-typed_name": "Peter Smit",
            "accept-confirm": "on",
            "accept-snapshot_hash": digest,
        },
    )
    assert response.status_code == 302, response.status_code
    acceptance = Acceptance.objects.get(phase__project__owner=alice)
    # A stored document: the certificate, rendered once and kept.
    store.get(certificate_reference(acceptance))

    # A contract, sent and accepted by the client.
    _own_templates(alice, clause=ALICE_CLAUSE, terms=ALICE_TERMS, template=ALICE_TEMPLATE, key="alice")
    fietsen = Project.objects.get(owner=alice, name="Nieuwe website met werkplaatsagenda")
    contract = services.create_contract(fietsen, actor=alice)
    ContractClause.objects.create(
        contract=contract, position=99, category="agreements", title="Zwanenveer", body=ALICE_CLAUSE
    )
    services.send_contract(contract, actor=alice)
    token = _links_in_mail(alice, "contract_request")[-1]
    browser = BrowserClient()
    page = browser.get(f"/l/{token}/")["Location"]
    digest = re.search(r'name="snapshot_hash" value="([0-9a-f]{64})"', body_text(browser.get(page))).group(1)
    response = browser.post(page, {"typed_name": "Kees van Dijk", "confirm": "on", "snapshot_hash": digest})
    assert response.status_code == 302, response.status_code

    # A second contract, sent and not yet accepted: a live contract link.
    lunch = Project.objects.get(owner=alice, name="Webshop voor lunchbestellingen")
    services.send_contract(services.create_contract(lunch, actor=alice), actor=alice)
    tokens[ClientLink.Purpose.CONTRACT_ACCEPTANCE] = _links_in_mail(alice, "contract_request")[-1]

    # A live acceptance link: the active project's phase 2 delivered and sent.
    from projects.acceptance import default_recipients, send_acceptance_requests

    active = Project.objects.get(owner=alice, name="Vrijwilligersportaal")
    phase = active.phases.get(status=Phase.Status.IN_PROGRESS)
    phase.deliver(alice, note="Klaar voor uw controle.")
    send_acceptance_requests(
        phase, actor=alice, contacts=default_recipients(phase), note=ALICE_MAIL_NOTE, deliverables=[]
    )
    tokens[ClientLink.Purpose.PHASE_ACCEPTANCE] = _links_in_mail(alice, "phase_acceptance_request")[-1]

    # A live decision link (the beep): the demo beeped two wishes; the newest undecided one.
    beeps = _links_in_mail(alice, "change_request_beep")
    live = [t for t in beeps if (link := ClientLink.find(t)) is not None and link.is_valid]
    if live:
        tokens[ClientLink.Purpose.CHANGE_DECISION] = live[-1]

    # A live project page link.
    _link, tokens[ClientLink.Purpose.PROJECT_PAGE] = issue_project_page_link(active, actor=alice)

    # The payment gate overridden once, 2FA devices and a failed login on record.
    hotel = Client.objects.get(owner=alice, name="Hotel Zeezicht")
    GateOverride.objects.create(
        owner=alice, client=hotel, action=GateOverride.Action.values[0], reason="Kraanvogel: afgesproken met Linda"
    )
    # A recurring agreement (hosting per month), with its first period drafted by the sweep.
    from contracts.models import RecurringAgreement, RecurringEvent, RecurringLine
    from contracts.recurring import sweep_recurring_invoices

    started = timezone.localdate().replace(day=1)
    hosting = RecurringAgreement.objects.create(
        owner=alice, client=hotel, description=ALICE_RECURRING, start_date=started, drafts_from=started
    )
    RecurringLine.objects.create(agreement=hosting, description=ALICE_RECURRING, unit_price=Decimal("45.00"))
    hosting.log(RecurringEvent.Kind.CREATED, alice)
    sweep_recurring_invoices()
    # A bank statement import: matched and unmatched lines of hers.
    from contracts.banking.imports import import_statement
    from tests.banking.helpers import statement_file

    import_statement(alice, data=statement_file("camt053-alice-2026-11.xml"), file_name="alice-november.xml")
    _devices_and_logins(alice)
    # The invitation alice's account was made from.
    from freelance.accounts.models import Invitation

    Invitation.objects.create(
        email=alice.email,
        token_hash=hashlib.sha256(b"alice's invitation").hexdigest(),
        expires_at=timezone.now() + timedelta(days=7),
        accepted_at=timezone.now(),
        account=alice,
    )
    assert Contact.objects.filter(client__owner=alice).exists()
    return tokens


def _devices_and_logins(user) -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=user, name=f"{user.username}'s phone", confirmed=True)
    device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    device.token_set.create(token="kraanvogel1")
    now = timezone.now()
    AccessAttempt.objects.create(
        username=user.username,
        ip_address="203.0.113.5",
        user_agent="alice-laptop",
        get_data="",
        post_data="",
        http_accept="*/*",
        path_info="/accounts/login/",
        failures_since_start=1,
        attempt_time=now,
    )
    AccessLog.objects.create(
        username=user.username, ip_address="203.0.113.5", user_agent="alice-laptop", attempt_time=now
    )
    AccessFailureLog.objects.create(
        username=user.username,
        ip_address="203.0.113.5",
        user_agent="alice-laptop",
        http_accept="*/*",
        path_info="/accounts/login/",
        attempt_time=now,
    )


def build_bob(bob) -> None:
    """A smaller set of bob's own: the parent objects for cross-owner URLs, and pages to read."""
    from contracts import invoices, services, time_entries
    from contracts.models import BusinessProfile, InvoiceLine
    from freelance.outbox.models import OutgoingAttachment, OutgoingEmail
    from projects.models import Client, Contact, Project, Risk, ScopeItem

    BusinessProfile.objects.create(
        owner=bob,
        business_name="Bob Bouwt Websites",
        street_address="Markt 1",
        postcode="3500 AA",
        city="Utrecht",
        kvk_number="11223344",
        iban=BOB_IBAN,
    )
    client = Client.objects.create(owner=bob, name="Garage Bob", city="Houten", language="nl")
    Contact.objects.create(client=client, name="Gerda Garage", email="gerda@garage.example", is_decision_maker=True)
    project = Project.objects.create(owner=bob, client=client, name="Bobs garagesite", goal="Meer afspraken.")
    project.set_first_deadline(timezone.localdate() + timedelta(weeks=5), bob)
    for title in ("Bobs ontwerp", "Bobs bouw"):
        phase = project.add_phase(bob, title=title, offset_amount=2, fixed_price=Decimal("1000.00"))
        ScopeItem.objects.create(phase=phase, position=1, title=f"{title}: werk", estimate_hours=Decimal("4"))
    Risk.objects.create(project=project, description="Bobs risico", party=Risk.Party.CLIENT, mitigation="Bellen.")
    from projects import bucket

    bucket.add_wish(project, title="Bobs wens", actor=bob)
    _own_templates(bob, clause=BOB_CLAUSE, terms="Bobs voorwaarden", template="Bobs sjabloon", key="bob")
    services.create_contract(project, actor=bob)
    time_entries.record_time(project, actor=bob, day=date.today(), hours=Decimal("2"), note="Bobs uren")
    invoice = invoices._new_draft(project)
    InvoiceLine.objects.create(
        invoice=invoice, position=1, description="Bobs regel", quantity=Decimal("1"), unit_price=Decimal("10.00")
    )
    mail = OutgoingEmail.objects.create(
        owner=bob, kind="note", to=["gerda@garage.example"], language="nl", subject="Bobs mail", body_text="Bobs mail"
    )
    OutgoingAttachment.objects.create(email=mail, filename="bob.txt", data=b"Bobs bijlage", content_type="text/plain")


def collect_markers(alice) -> list[str]:
    from contracts.models import BusinessProfile, Invoice, TimeEntry
    from projects.models import ChangeRequest, Client, Contact, Project, Risk

    markers = [ALICE_IBAN, ALICE_CLAUSE, ALICE_MAIL_NOTE, ALICE_RECURRING, alice.email]
    markers += list(Client.objects.filter(owner=alice).values_list("name", flat=True))
    markers += list(Project.objects.filter(owner=alice).values_list("name", flat=True))
    for name, email in Contact.objects.filter(client__owner=alice).values_list("name", "email"):
        markers += [name, email]
    markers += list(BusinessProfile.objects.filter(owner=alice).values_list("business_name", flat=True))
    markers += [n for n in Invoice.objects.filter(owner=alice).values_list("number", flat=True) if n]
    markers += list(ChangeRequest.objects.filter(project__owner=alice).values_list("title", flat=True))
    markers += list(TimeEntry.objects.filter(owner=alice).values_list("note", flat=True))
    markers += list(Risk.objects.filter(project__owner=alice).values_list("description", flat=True))
    from contracts.models import ClauseTemplate

    if has_field(ClauseTemplate, "owner"):
        markers += [ALICE_TERMS, ALICE_TEMPLATE]
    return sorted({m for m in markers if m and len(m) >= 6})


def build_world(alice, bob, *, every_permission: bool = False) -> World:
    make_freelancer(alice)
    make_freelancer(bob, every_permission=every_permission)
    bob = get_user_model().objects.get(pk=bob.pk)  # drop the permission cache
    tokens = build_alice(alice)
    build_bob(bob)
    world = World(alice=alice, bob=bob, tokens=tokens, markers=collect_markers(alice))
    for model in apps.get_models():
        world.alice_objects[label(model)] = pks_of(model, alice)
        world.bob_objects[label(model)] = pks_of(model, bob)
    return world


# -- nothing changed --------------------------------------------------------------------------

NOT_HASHED = {"sessions.session", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}


def snapshot(but_of=None) -> dict[str, dict]:
    """Every row of every model, as a hash per row; but the session and login-throttle tables,
    and the rows of ``but_of`` (the visitor's own rows may change: his session, his 2FA set-up)."""
    result = {}
    for model in apps.get_models():
        if label(model) in NOT_HASHED:
            continue
        rows = manager(model).order_by("pk")
        if but_of is not None:
            rows = rows.exclude(pk__in=rows_of(model, but_of).values("pk"))
        rows = rows.values_list()
        result[label(model)] = {row[0]: hashlib.sha256(repr(row).encode()).hexdigest() for row in rows}
    return result


def changes(before: dict[str, dict], after: dict[str, dict]) -> list[str]:
    """What differs between two snapshots: "label pk added/removed/changed"."""
    found = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, {}), after.get(name, {})
        for pk in sorted(set(old) | set(new), key=str):
            if pk not in new:
                found.append(f"{name} {pk} removed")
            elif pk not in old:
                found.append(f"{name} {pk} added")
            elif old[pk] != new[pk]:
                found.append(f"{name} {pk} changed")
    return found
