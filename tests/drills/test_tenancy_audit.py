"""Tenancy audit: a second freelancer reaches none of the first's data, by any URL the resolver knows.

Every URL pattern (the app's, the client pages', the accounts', and every one of the admin's)
is filled with each id of alice's objects that its parameters can refer to, and requested by
bob, a logged-in freelancer made the way the product makes one (staff, so the admin opens for
his own templates; no model permissions): a GET, and an empty POST. Each answer must refuse
(403, 404, 405, 410, 429, or a redirect to a page that is itself clean), no answer may contain
any of alice's distinctive strings (names, IBAN, invoice numbers, her own clause and template
texts, a mail's text), and afterwards no row but bob's own has changed. Pages without an id
(lists, the admin's changelists, add forms and autocomplete) and bob's own pages are read too:
they must not list anything of alice's.

TENANCY_AUDIT_EVERY_PERMISSION=1 runs the stricter audit: bob also holds every permission on
the app's models, so the admin must scope by owner, not by withheld permissions.

A pattern the audit cannot fill must be in ALLOW_LIST with the reason; a new pattern that is
in neither fails test_every_url_pattern_is_covered_or_allow_listed.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import time
from collections import defaultdict
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.test import Client as BrowserClient
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.drills import _audit
from tests.drills._audit import Route, found_markers, label

pytestmark = [pytest.mark.drill]

EVERY_PERMISSION = os.environ.get("TENANCY_AUDIT_EVERY_PERMISSION", "") == "1"

# -- how a route's parameters are filled ----------------------------------------------------

# The path segment before <int:pk> names the model the pk refers to.
SEGMENT_MODELS = {
    "clients": "projects.client",
    "contacts": "projects.contact",
    "projects": "projects.project",
    "phases": "projects.phase",
    "risks": "projects.risk",
    "acceptance-requests": "projects.acceptancerequest",
    "acceptances": "projects.acceptance",
    "wishes": "projects.changerequest",
    "time": "contracts.timeentry",
    "invoices": "contracts.invoice",
    "recurring": "contracts.recurringagreement",
    "imports": "banking.bankimport",
    "mail": "outbox.outgoingemail",
}
# A second parameter: its model, the lookup to the first parameter's object, and the field
# the URL carries (the pk, unless said otherwise).
CHILD_PARAMS = {
    "phase_pk": ("projects.phase", "project", "pk"),
    "item_pk": ("projects.scopeitem", "phase__project", "pk"),
    "clause_pk": ("contracts.contractclause", "contract__project", "pk"),
    "line_pk": ("contracts.invoiceline", "invoice", "pk"),
    "payment_pk": ("contracts.payment", "invoice", "pk"),
    "attachment_pk": ("outbox.outgoingattachment", "email", "pk"),
    "number": ("contracts.contractversion", "contract__project", "number"),
}

# Patterns not filled with alice's ids, and why. Each is still requested where it can be.
ALLOW_LIST = {
    "accounts/logout/": "takes no id; requesting it would end bob's session mid-audit",
    "accounts/logout/everywhere/": "takes no id; requesting it would end bob's session mid-audit",
    "admin/logout/": "takes no id; requesting it would end bob's session mid-audit",
    "i18n/setlang/": "takes no id; sets bob's own language cookie",
}
# Admin models whose rows are nobody's (see _audit.INSTALL_WIDE): their object pages are
# filled with the install's rows and only checked for alice's strings.


@dataclass(frozen=True)
class Probe:
    url: str
    expect: str  # "refused": alice's object; "clean": no id of alice's; "own": bob's own object
    post: bool = False
    note: str = ""


def admin_model(route: Route):
    parts = route.route.split("/")
    if len(parts) > 3 and parts[0] == "admin":
        for model in admin.site._registry:
            if (model._meta.app_label, model._meta.model_name) == (parts[1], parts[2]):
                return model
    return None


ADMIN_SAMPLE = 3  # alice's ids per model on each admin page: an admin view scopes all rows or none


def sample(pks: list) -> list:
    """The first, a middle and the last id: every id of a model costs time and finds nothing more."""
    if len(pks) <= ADMIN_SAMPLE:
        return pks
    return [pks[0], pks[len(pks) // 2], pks[-1]]


def classify(route: Route) -> str | None:
    """How the audit fills this route; None when it cannot (a new kind of pattern)."""
    r = route.route
    if r in ALLOW_LIST:
        return "allow-listed"
    if r in ("l/<str:token>/", "accounts/invitation/<str:token>/", "v/<str:public_id>/", "calendar/<slug:token>.ics"):
        return "link-token"
    if r == "accounts/password/reset/<uidb64>/<token>/":
        return "password-reset"
    if r == "admin/r/<path:content_type_id>/<path:object_id>/":
        return "view-on-site"
    if route.name == "admin:app_list":
        return "app-list"
    if r.startswith("admin/") and r.endswith("(?P<url>.*)$"):
        return "admin-catch-all"
    params = route.params
    if route.is_regex:
        return None
    if not params:
        return "no-params"
    if r.startswith("admin/"):
        model = admin_model(route)
        if model is None or len(params) != 1:
            return None
        return "admin-install-wide" if label(model) in _audit.INSTALL_WIDE else "admin-object"
    if [p for _, p in params] == ["public_id"]:
        return "link-page"
    if params[0] == ("int", "pk") and segment_model(route) is not None:
        if len(params) == 1:
            return "app-object"
        if len(params) == 2 and params[1][1] in CHILD_PARAMS:
            return "app-child"
    return None


def autocomplete_urls() -> list[str]:
    """Every foreign key of an admin model to an admin model with search fields: the admin's
    autocomplete answers with the related model's rows (as that model's admin scopes them)."""
    urls = ["/admin/autocomplete/"]
    for model in admin.site._registry:
        for field in model._meta.get_fields():
            remote = getattr(field, "related_model", None)
            if not (field.concrete and (field.many_to_one or field.one_to_one)):
                continue
            if remote in admin.site._registry and admin.site._registry[remote].search_fields:
                query = f"app_label={model._meta.app_label}&model_name={model._meta.model_name}&field_name={field.name}"
                urls.append(f"/admin/autocomplete/?term=&{query}")
    return urls


def segment_model(route: Route) -> str | None:
    before = route.route.split("<int:pk>")[0].rstrip("/").split("/")[-1]
    return SEGMENT_MODELS.get(before)


def probes_for(route: Route, world: _audit.World) -> list[Probe]:
    kind = classify(route)
    alice, bob = world.alice_objects, world.bob_objects
    name = route.params[0][1] if route.params else ""
    if kind in ("allow-listed", None):
        return []
    if kind == "no-params" and route.name == "admin:autocomplete":
        return [Probe(url, "clean") for url in autocomplete_urls()]
    if kind == "no-params":
        return [Probe(route.fill(), "clean")]
    if kind == "link-token":
        # A client link (or an invitation, or an invoice's "is this genuine?" page) is a capability
        # URL: whoever holds the token may open it, so the real tokens are covered by tests/links,
        # tests/accounts and tests/contracts/test_verify_page.py. Guessed tokens must not open anything.
        guesses = [secrets.token_urlsafe(32) for _ in range(3)] + [secrets.token_urlsafe(16), "a" * 43, "0"]
        return [Probe(route.fill(**{name: g}), "refused", post=True) for g in guesses]
    if kind == "password-reset":
        uid = urlsafe_base64_encode(force_bytes(world.alice.pk))
        return [Probe(route.fill(uidb64=uid, token=t), "clean", note="no-reset-form") for t in ("set-password", "x-y")]
    if kind == "view-on-site":
        probes = []
        for model_label, pks in alice.items():
            if pks and model_label not in _audit.INSTALL_WIDE:
                model = apps.get_model(model_label)
                ct = ContentType.objects.get_for_model(model)
                probes.append(Probe(route.fill(content_type_id=ct.pk, object_id=pks[0]), "refused"))
        return probes
    if kind == "app-list":
        labels = {m._meta.app_label for m in admin.site._registry}
        return [Probe(f"/admin/{app_label}/", "clean") for app_label in sorted(labels)]
    if kind == "admin-catch-all":
        probes = [Probe("/admin/no-such-page/", "clean")]
        for model in admin.site._registry:
            for pk in alice.get(label(model), [])[:1]:
                base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{pk}"
                probes.append(Probe(f"{base}/change", "refused"))
        return probes
    if kind in ("admin-object", "admin-install-wide"):
        model = admin_model(route)
        if kind == "admin-install-wide":
            pks = list(_audit.manager(model).order_by("pk").values_list("pk", flat=True)[:2])
            return [Probe(route.fill(**{name: pk}), "clean") for pk in pks]
        pks = sample(alice.get(label(model), []))
        # The bare object URL only redirects to .../change/; the history answers a POST as a GET.
        post = not route.route.endswith(("<path:object_id>/", "/history/"))
        probes = [Probe(route.fill(**{name: pk}), "refused", post=post) for pk in pks]
        probes += [Probe(route.fill(**{name: pk}), "own") for pk in bob.get(label(model), [])[:1]]
        return probes
    if kind == "link-page":
        return [Probe(route.fill(public_id=apps.get_model("links.clientlink").objects.get(pk=pk).public_id),
                      "refused", post=True) for pk in alice["links.clientlink"]]  # fmt: skip
    parent = segment_model(route)
    if kind == "app-object":
        probes = [Probe(route.fill(pk=pk), "refused", post=True) for pk in alice[parent]]
        probes += [Probe(route.fill(pk=pk), "own") for pk in bob[parent][:1]]
        return probes
    # app-child: alice's child under its own parent, and under a parent of bob's.
    child_name = route.params[1][1]
    child_label, parent_path, key = CHILD_PARAMS[child_name]
    model = apps.get_model(child_label)
    probes = []
    alice_rows = _audit.manager(model).filter(pk__in=alice[child_label]).values_list(parent_path, key)
    bob_parents = bob[parent][:1]
    for parent_pk, child_key in alice_rows:
        probes.append(Probe(route.fill(pk=parent_pk, **{child_name: child_key}), "refused", post=True))
    if key == "pk":  # the view checks the parent's owner, but does it look the child up under that parent?
        crossed = sample([child_key for _parent, child_key in alice_rows])
        probes += [
            Probe(route.fill(pk=b, **{child_name: c}), "refused", post=True) for b in bob_parents for c in crossed
        ]
    bob_rows = _audit.manager(model).filter(pk__in=bob[child_label]).values_list(parent_path, key)[:1]
    probes += [Probe(route.fill(pk=p, **{child_name: c}), "own") for p, c in bob_rows]
    return probes


# -- the checks ----------------------------------------------------------------------------------


@dataclass
class Finding:
    route: str
    method: str
    url: str
    status: int | str
    problem: str


REFUSALS = {403, 404, 405, 410, 429}  # 410: a used or expired link; 429: too many guesses
REDIRECTS = {301, 302, 303, 307, 308}


class Auditor:
    def __init__(self, world: _audit.World):
        self.world = world
        self.browser = BrowserClient(raise_request_exception=True)
        self.browser.force_login(world.bob)
        self.findings: list[Finding] = []
        self.requests = 0
        self.followed: dict[str, list[str]] = {}
        self.seconds: dict[str, float] = defaultdict(float)

    def request(self, method: str, url: str):
        self.requests += 1
        try:
            if method == "GET":
                return self.browser.get(url)
            return self.browser.post(url, {})
        except Exception as error:  # a 500: the view raised
            return error
        finally:
            # The admin's "does not exist" messages would pile up in the cookie, then the session.
            self.browser.cookies.pop("messages", None)

    def text_of(self, response) -> str:
        text = _audit.body_text(response)
        if response.get("Content-Type", "").startswith("application/pdf") and shutil.which("pdftotext"):
            from tests.helpers import pdf_to_text

            try:
                text = pdf_to_text(response.content)
            except Exception:
                return ""
        return text

    def leaks(self, response) -> list[str]:
        return found_markers(self.text_of(response), self.world.markers)

    def follow(self, location: str, depth: int = 0) -> list[str]:
        """Problems of the page a redirect leads to: it must be clean, and not a 500."""
        if location in self.followed:
            return self.followed[location]
        response = self.request("GET", location)
        if isinstance(response, Exception):
            problems = [f"redirect target raised {type(response).__name__}: {response}"]
        elif response.status_code in REDIRECTS and depth < 3:
            problems = self.follow(response["Location"], depth + 1)
        else:
            problems = [f"redirect target {location} shows {m!r}" for m in self.leaks(response)]
        self.followed[location] = problems
        return problems

    def check(self, route: Route, probe: Probe, method: str) -> None:
        started = time.monotonic()
        try:
            self._check(route, probe, method)
        finally:
            self.seconds[route.route] += time.monotonic() - started

    def _check(self, route: Route, probe: Probe, method: str) -> None:
        response = self.request(method, probe.url)
        if isinstance(response, Exception):
            self.report(route, method, probe.url, 500, f"raised {type(response).__name__}: {response}"[:300])
            return
        status = response.status_code
        for marker in self.leaks(response):
            self.report(route, method, probe.url, status, f"shows alice's {marker!r}")
        if status >= 500:
            self.report(route, method, probe.url, status, "server error")
        if probe.note == "no-reset-form" and "new_password1" in _audit.body_text(response):
            self.report(route, method, probe.url, status, "offers to set alice's password")
        if status in REDIRECTS:
            for problem in self.follow(response["Location"]):
                self.report(route, method, probe.url, status, problem)
        elif probe.expect == "refused" and status not in REFUSALS:
            self.report(route, method, probe.url, status, f"answers {status} for alice's object")

    def report(self, route: Route, method: str, url: str, status, problem: str) -> None:
        self.findings.append(Finding(route.route, method, url, status, problem))


def summary(findings: list[Finding]) -> str:
    by_route: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_route[f.route].append(f)
    lines = []
    for route, items in sorted(by_route.items()):
        statuses = sorted({str(f.status) for f in items})
        problems = sorted({f.problem if "shows alice's" not in f.problem else "shows alice's data" for f in items})
        example = items[0]
        lines.append(
            f"  /{route}  [{', '.join(statuses)}] x{len(items)}: {'; '.join(problems)[:160]}"
            f"  e.g. {example.method} {example.url}"
        )
    return "\n".join(lines)


# -- the tests -------------------------------------------------------------------------------------


def test_every_url_pattern_is_covered_or_allow_listed():
    uncovered = [r.route for r in _audit.url_patterns() if classify(r) is None]
    assert not uncovered, (
        "New URL patterns the tenancy audit cannot fill: teach classify()/probes_for() their "
        "parameters, or add them to ALLOW_LIST with the reason:\n  " + "\n  ".join(uncovered)
    )
    stale = set(ALLOW_LIST) - {r.route for r in _audit.url_patterns()}
    assert not stale, f"ALLOW_LIST names patterns that no longer exist: {sorted(stale)}"


def test_every_model_is_owned_or_install_wide():
    unknown = [label(m) for m in apps.get_models() if label(m) not in _audit.OWNER_PATHS | _audit.INSTALL_WIDE]
    assert not unknown, (
        f"Models the audit does not know the owner of: {unknown}. Add the lookup to their freelancer to "
        "tests/drills/_audit.py OWNER_PATHS, or to INSTALL_WIDE with the reason."
    )


@pytest.fixture
def quiet_request_log():
    """Django logs every 403 and 404 with a traceback; thousands of them drown the report."""
    loggers = [logging.getLogger(name) for name in ("django.request", "django.security.csrf")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR + 10)  # the 500s are caught and reported by the audit itself
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.mark.django_db
@pytest.mark.usefixtures("quiet_request_log")
def test_a_second_freelancer_reaches_none_of_the_firsts_data_by_any_url(alice, bob):
    started = time.monotonic()
    world = _audit.build_world(alice, bob, every_permission=EVERY_PERMISSION)
    built = time.monotonic() - started

    # The world is complete: every owned model the admin or a URL shows has a row of alice's.
    shown = {label(m) for m in admin.site._registry} | set(SEGMENT_MODELS.values())
    shown |= {child for child, _path, _key in CHILD_PARAMS.values()}
    missing = sorted(m for m in shown & set(_audit.OWNER_PATHS) if not world.alice_objects.get(m))
    if not _audit.has_field(apps.get_model("contracts.clausetemplate"), "owner"):
        world.notes.append("templates have no owner yet: alice's own templates are not in the world")
        missing = [m for m in missing if m not in _audit.INSTALL_DEFAULTS]
    assert not missing, f"the audit's world lacks rows of alice's for {missing}"

    routes = _audit.url_patterns()
    auditor = Auditor(world)
    # Not a vacuous pass: bob does reach his own project and the admin (no login or second-step
    # page in the way), so every refusal below is about whose data it is.
    bob_project = world.bob_objects["projects.project"][0]
    for url in (f"/projects/{bob_project}/", "/admin/"):
        assert auditor.browser.get(url).status_code == 200, f"bob cannot open {url}: the audit would prove nothing"
    if _audit.has_field(apps.get_model("contracts.clausetemplate"), "owner"):
        own_templates = auditor.browser.get("/admin/contracts/clausetemplate/")
        assert own_templates.status_code == 200
        assert _audit.BOB_CLAUSE in _audit.body_text(own_templates), "bob does not see his own templates in the admin"
    before = _audit.snapshot(but_of=world.bob)
    probes = 0
    for route in routes:
        for probe in probes_for(route, world):
            probes += 1
            auditor.check(route, probe, "GET")
            if probe.post:
                auditor.check(route, probe, "POST")
    after = _audit.snapshot(but_of=world.bob)
    elapsed = time.monotonic() - started

    changed = _audit.changes(before, after)
    session = auditor.browser.session
    print(
        f"\nTenancy audit: {len(routes)} patterns ({len(ALLOW_LIST)} allow-listed), {probes} probes, "
        f"{auditor.requests} requests, {elapsed:.1f} s (world built in {built:.1f} s); "
        f"{len(world.markers)} distinctive strings of alice's; bob has "
        f"{'every permission on the app models' if EVERY_PERMISSION else 'no model permissions'}."
    )
    admin_seconds = sum(t for route, t in auditor.seconds.items() if route.startswith("admin/"))
    print(f"  admin {admin_seconds:.1f} s, the rest {sum(auditor.seconds.values()) - admin_seconds:.1f} s")
    slowest = sorted(auditor.seconds.items(), key=lambda item: -item[1])[:5]
    print("  slowest patterns: " + ", ".join(f"/{route} {seconds:.1f} s" for route, seconds in slowest))
    for note in world.notes:
        print("  note:", note)
    if auditor.findings:
        print(f"Leaks and refusals that were not refusals ({len(auditor.findings)}):\n{summary(auditor.findings)}")
    assert str(world.bob.pk) == session.get("_auth_user_id"), "bob was logged out during the audit"
    assert not changed, f"bob's requests changed rows in {changed}"
    assert not auditor.findings, f"{len(auditor.findings)} answers reach alice's data:\n{summary(auditor.findings)}"
