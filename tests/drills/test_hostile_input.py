"""Hostile input on every form and public endpoint: never a 500, always escaped, nothing typed lost.

The forms are found, not listed: every page of alice's that the resolver knows (filled with
her ids) and every client page behind her live links is rendered, and each <form> on it is
parsed (inputs, selects, textareas, the submit button's name). New fields are covered
without touching this file.

For each form, hypothesis draws a value for every field from a mix of hostile strings:
script and attribute breakouts, SQL fragments, NUL bytes, 100,000 characters, right-to-left
overrides, emoji joined by ZWJ, impossible dates and numbers (1e309, -0, NaN, Arabic digits).
Each submission is checked:

- no exception and no 5xx (the test client re-raises a view's exception, so a 500 names
  its cause);
- the raw payloads ``<script>alert(1)</script>`` and ``<img src=x onerror=alert(1)>`` never
  appear in an HTML answer, nor on the page a redirect leads to;
- on a refusal (the form shown again, 200 or 4xx) every field the user typed into (not
  hidden fields, passwords, selects or boxes) is in the re-rendered form with exactly what
  was typed, the 100,000 characters and the NUL byte included. A NUL byte is refused by
  Django's forms ("Null characters are not allowed"); the form shows the value as typed,
  so the user sees what to correct (a browser draws the NUL as U+FFFD).

A refusal that answers with a redirect and a message cannot keep what was typed; those are
reported by the "lost" check only when the form is shown again, so they are not covered here.

Every form also gets four explicit examples, whatever hypothesis draws: a script followed by
100,000 characters, an attribute breakout, a NUL byte, and 1e309, in every field a person types
into. Reproducible: derandomize=True, so CI draws the same examples every run. Each submission
runs in a transaction that is rolled back, so every example meets the form's page as found.
"""

from __future__ import annotations

import logging
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.db import transaction
from django.test import Client as BrowserClient
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.drills import _audit

pytestmark = [pytest.mark.drill]

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
RAW_PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]
LONG = "x" * 100_000

HOSTILE = [
    SCRIPT,
    IMG,
    "'; DROP TABLE projects_project; --",
    "1 OR 1=1",
    "a\x00b",
    "\x00",
    LONG,
    SCRIPT + "é" * 50_000,
    "\u202egnp.exe\u202c",
    "مرحبا \u202b\u05e9\u05dc\u05d5\u05dd\u202c",
    "👩‍👩‍👧‍👦🏳️‍🌈🇳🇱",
    "2026-02-30",
    "0000-00-00",
    "99999-01-01",
    "2026-13-01T25:61",
    "1e309",
    "-1e309",
    "-0",
    "NaN",
    "Infinity",
    "١٢٣",
    "99999999999999999999999999",
    "-1",
    "0,001",
    "",
    "   ",
    "%s%n{0}{{ 7*7 }}",
    "../../etc/passwd",
]

EXAMPLES = 2  # drawn per form, after the four explicit ones; every form runs, so the total stays near a minute


def hostile_value():
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE[:6]), st.text(max_size=12)),
    )


# -- forms, as a browser sees them -------------------------------------------------------------

TYPED = {"text", "email", "url", "tel", "search", "number", "date", "datetime-local", "time", "month", "week", ""}
NOT_SENT = {"submit", "button", "reset", "image", "file"}


@dataclass
class Field:
    name: str
    kind: str  # an input type, "textarea" or "select"
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    page: str
    action: str
    method: str
    fields: list[Field] = field(default_factory=list)
    button: tuple[str, str] | None = None  # the first named submit button

    @property
    def typed(self) -> list[Field]:
        return [f for f in self.fields if f.kind in TYPED or f.kind == "textarea"]

    def signature(self) -> tuple:
        """The same form for another object (``clause-12-title``, ``clause-13-title``) is one kind."""
        names = tuple(sorted(re.sub(r"\d+", "#", f.name) for f in self.fields))
        return (self.method, route_of(self.action), names, self.button)


class FormParser(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: Field | None = None
        self.textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self.form = Form(self.page, a.get("action") or self.page, (a.get("method") or "get").lower())
            self.forms.append(self.form)
        if self.form is None or "disabled" in a:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in NOT_SENT:
                if kind == "submit" and self.form.button is None:
                    self.form.button = (name, a.get("value", ""))
                return
            self.form.fields.append(Field(name, kind, a.get("value", "on" if kind == "checkbox" else ""),
                                          checked="checked" in a))  # fmt: skip
        elif tag == "button" and name and a.get("type", "submit") == "submit" and self.form.button is None:
            self.form.button = (name, a.get("value", ""))
        elif tag == "select" and name:
            self.select = Field(name, "select")
            self.form.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            self.select.options.append(a.get("value", ""))
            if "selected" in a:
                self.select.value = a.get("value", "")
        elif tag == "textarea" and name:
            self.textarea = Field(name, "textarea")
            self.form.fields.append(self.textarea)

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            if self.select is not None and not self.select.value and self.select.options:
                self.select.value = self.select.options[0]
            self.select = None
        elif tag == "textarea":
            if self.textarea is not None and self.textarea.value.startswith("\n"):
                self.textarea.value = self.textarea.value[1:]  # HTML drops the newline after <textarea>
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data


def forms_in(page: str, body: str) -> list[Form]:
    parser = FormParser(page)
    parser.feed(body)
    parser.close()
    return parser.forms


def route_of(url: str) -> str:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return urlsplit(url).path
    return match.route


def rendered_values(body: str) -> dict[str, list[str]]:
    """What each field of every form in ``body`` shows, by name."""
    values: dict[str, list[str]] = defaultdict(list)
    for form in forms_in("", body):
        for f in form.fields:
            values[f.name].append(f.value)
    return values


# -- which forms -----------------------------------------------------------------------------------

# Forms not submitted, and why.
SKIPPED_ACTIONS = {
    "accounts/logout/": "ends the session; takes nothing typed",
    "accounts/logout/everywhere/": "ends every session; takes nothing typed",
    "i18n/setlang/": "Django's language switch; takes a choice, not typed text",
}
CRAWL_ALL_IDS = {"projects.project"}  # a project's pages differ by its state, and show its phases' forms
CRAWL_IDS = 3


def crawl_urls(world: _audit.World) -> list[str]:
    """alice's pages: every non-admin pattern, filled with her ids (a few per model)."""
    from tests.drills.test_tenancy_audit import CHILD_PARAMS, classify, segment_model

    urls = []
    for route in _audit.url_patterns():
        kind = classify(route)
        if route.route.startswith("admin/") or kind in ("allow-listed", None) or route.route in SKIPPED_ACTIONS:
            continue
        if kind == "no-params":
            urls.append(route.fill())
        elif kind in ("app-object", "app-child"):
            parent = segment_model(route)
            pks = world.alice_objects[parent]
            pks = pks if parent in CRAWL_ALL_IDS else pks[:CRAWL_IDS]
            if kind == "app-object":
                urls += [route.fill(pk=pk) for pk in pks]
                continue
            child_name = route.params[1][1]
            child_label, path, key = CHILD_PARAMS[child_name]
            rows = _audit.manager(_audit.apps.get_model(child_label)).filter(pk__in=world.alice_objects[child_label])
            urls += [route.fill(pk=p, **{child_name: c}) for p, c in rows.values_list(path, key)[:CRAWL_IDS]]
    return urls


@dataclass
class Finding:
    route: str
    field: str
    payload: str
    status: int | str
    problem: str


def short(value: str) -> str:
    if len(value) > 40:
        return f"{value[:20]!r}...({len(value)} chars)"
    return repr(value)


class Drill:
    def __init__(self):
        self.findings: list[Finding] = []
        self.requests = 0

    def submit(self, browser: BrowserClient, form: Form, data: dict[str, str | list[str]]):
        self.requests += 1
        try:
            if form.method == "post":
                return browser.post(form.action, data)
            query = urlencode(data, doseq=True)
            return browser.get(f"{urlsplit(form.action).path}?{query}")
        except Exception as error:
            return error

    def check(self, browser: BrowserClient, form: Form, data: dict, typed: dict[str, str]) -> None:
        route = route_of(form.action)
        payload = ", ".join(f"{k}={short(v)}" for k, v in typed.items())[:300]
        response = self.submit(browser, form, data)
        if isinstance(response, Exception):
            self.report(route, "", payload, 500, f"raised {type(response).__name__}: {str(response)[:200]}")
            return
        status = response.status_code
        if status >= 500:
            self.report(route, "", payload, status, "server error")
            return
        body = self.html(response)
        self.unescaped(route, payload, status, body, "")
        if status in (301, 302, 303) and response["Location"].startswith("/"):
            self.requests += 1
            try:
                target = browser.get(response["Location"])
            except Exception as error:
                self.report(route, "", payload, 500, f"page after redirect raised {type(error).__name__}: {error}")
                return
            if target.status_code >= 500:
                self.report(route, "", payload, target.status_code, "page after the redirect: server error")
            self.unescaped(route, payload, status, self.html(target), f" (on {response['Location']})")
            return
        if form.method == "post" and (status == 200 or 400 <= status < 500) and status not in (404, 405, 410, 429):
            shown = rendered_values(body)
            for name, value in typed.items():
                if name not in shown:
                    self.report(route, name, short(value), status, "refused, and the field is not on the page again")
                elif value not in shown[name]:
                    got = " | ".join(short(v) for v in shown[name])
                    self.report(route, name, short(value), status, f"refused, and the field shows {got}")

    def html(self, response) -> str:
        if not response.get("Content-Type", "").startswith("text/html"):
            return ""
        return _audit.body_text(response)

    def unescaped(self, route, payload, status, body: str, where: str) -> None:
        for raw in RAW_PAYLOADS:
            if raw in body:
                self.report(route, "", payload, status, f"echoes {raw} unescaped{where}")

    def report(self, route, name, payload, status, problem) -> None:
        self.findings.append(Finding(route, name, payload, status, problem))

    def fuzz(self, browser: BrowserClient, form: Form) -> None:
        """hypothesis draws a hostile value for every field of the form."""
        fuzzed = [f for f in form.fields if f.kind not in ("checkbox", "radio")]
        strategies = {f.name: hostile_value() if f.kind != "select" else select_value(f) for f in fuzzed}

        def every_typed_field(payload: str) -> dict[str, str]:
            """An explicit example: ``payload`` in every field a person types into, the rest as found."""
            return {f.name: payload if f in form.typed and f.kind != "hidden" else f.value for f in fuzzed}

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(st.fixed_dictionaries(strategies))
        @example(every_typed_field(SCRIPT + LONG))
        @example(every_typed_field(IMG))
        @example(every_typed_field("a\x00b"))
        @example(every_typed_field("1e309"))
        def submit_hostile(values):
            data: dict[str, str | list[str]] = defaultdict(list)
            for f in form.fields:
                if f.kind in ("checkbox", "radio"):
                    if f.checked or f.kind == "checkbox":
                        data[f.name].append(f.value)  # tick every box: the form goes as far as it can
                else:
                    data[f.name].append(values[f.name])
            if form.button:
                data[form.button[0]].append(form.button[1])
            typed = {f.name: values[f.name] for f in form.typed if f.kind not in ("hidden", "password")}
            # Each example starts from the state the form was found in: what one submission
            # changed (a phase delivered, an invoice sent) must not turn the next into a
            # refusal for another reason.
            with transaction.atomic():
                self.check(browser, form, dict(data), typed)
                transaction.set_rollback(True)

        submit_hostile()


def select_value(f: Field):
    return st.one_of(st.sampled_from(f.options or [""]), st.sampled_from(HOSTILE))


def summary(findings: list[Finding]) -> str:
    grouped: dict[tuple, list[Finding]] = defaultdict(list)
    for f in findings:
        grouped[(f.route, f.field, f.problem.split(":")[0][:80])].append(f)
    lines = []
    for (route, name, _), items in sorted(grouped.items()):
        first = items[0]
        where = f" field {name}" if name else ""
        lines.append(
            f"  /{route}{where} [{first.status}] x{len(items)}: {first.problem[:200]}  with {first.payload[:160]}"
        )
    return "\n".join(lines)


# -- fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def quiet_logs():
    """Each refusal and 404 is logged with a traceback; hundreds of them drown the report."""
    loggers = [logging.getLogger(name) for name in ("django.request", "django.security.csrf", "axes")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.fixture
def world(alice, bob, db):
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    world = _audit.build_world(alice, bob)
    # The audit's world gives alice 2FA devices; here she is a freelancer at her desk.
    TOTPDevice.objects.filter(user=world.alice).delete()
    StaticDevice.objects.filter(user=world.alice).delete()
    return world


# -- the tests ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("quiet_logs")
def test_every_form_survives_hostile_input_escapes_it_and_keeps_what_was_typed(world):
    started = time.monotonic()
    alice = BrowserClient(raise_request_exception=True, HTTP_ACCEPT_LANGUAGE="en")
    alice.force_login(world.alice)
    drill = Drill()

    # The freelancer's forms: every page of hers, every form on it (once per kind of form).
    forms: dict[tuple, Form] = {}
    crawled = 0
    for url in crawl_urls(world):
        crawled += 1
        response = alice.get(url)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        for form in forms_in(url, _audit.body_text(response)):
            if route_of(form.action) in SKIPPED_ACTIONS or not form.fields:
                continue
            forms.setdefault(form.signature(), form)

    # The client's forms: each live link opened in a browser of its own.
    client_forms: list[tuple[BrowserClient, Form]] = []
    for token in world.tokens.values():
        browser = BrowserClient(raise_request_exception=True, HTTP_ACCEPT_LANGUAGE="en")
        page = browser.get(f"/l/{token}/")["Location"]
        for form in forms_in(page, _audit.body_text(browser.get(page))):
            if form.fields and route_of(form.action) not in SKIPPED_ACTIONS:
                client_forms.append((browser, form))

    # The public account forms, as a visitor.
    visitor = BrowserClient(raise_request_exception=True, HTTP_ACCEPT_LANGUAGE="en")
    public_forms = []
    for url in ("/accounts/login/", "/accounts/password/reset/"):
        public_forms += [(visitor, f) for f in forms_in(url, _audit.body_text(visitor.get(url))) if f.fields]

    crawl_seconds = time.monotonic() - started
    own = [(alice, form) for form in forms.values()]
    for browser, form in own + client_forms + public_forms:
        drill.fuzz(browser, form)
    elapsed = time.monotonic() - started
    print(
        f"\nHostile input: {crawled} pages read, {len(own)} forms of the freelancer's, {len(client_forms)} "
        f"of the client's, {len(public_forms)} public; {drill.requests} submissions; {elapsed:.1f} s "
        f"(world and crawl {crawl_seconds:.1f} s)."
    )
    if drill.findings:
        print(f"Findings ({len(drill.findings)}):\n{summary(drill.findings)}")
    assert own and client_forms and public_forms, "the crawl found no forms: the drill tests nothing"
    assert not drill.findings, f"{len(drill.findings)} answers mishandle hostile input:\n{summary(drill.findings)}"


HOSTILE_TOKENS = [
    "%00",
    "a%00b",
    "x" * 100_000,
    quote("\u202etoken\u202c"),
    quote("👩‍👩‍👧‍👦"),
    quote("١٢٣"),
    quote("<script>alert(1)</script>", safe=""),
    quote("'; DROP TABLE links_clientlink; --", safe=""),
    "..%2F..%2Fetc%2Fpasswd",
]


@pytest.mark.django_db
@pytest.mark.usefixtures("quiet_logs")
@pytest.mark.parametrize("token", HOSTILE_TOKENS, ids=lambda t: t[:12])
def test_a_hostile_link_token_is_404_never_500(client, token):
    response = client.get(f"/l/{token}/")
    assert response.status_code in (400, 404)
    body = _audit.body_text(response)
    assert not any(raw in body for raw in RAW_PAYLOADS)


@pytest.mark.django_db
@pytest.mark.usefixtures("quiet_logs")
@pytest.mark.parametrize(
    "path",
    [
        "/c/00000000-0000-0000-0000-000000000000/",
        "/c/00000000-0000-0000-0000-000000000000/pdf/",
        "/c/not-a-uuid%00/",
        "/c/" + "9" * 100_000 + "/",
        "/c/%E2%80%AE/",
    ],
    ids=["unknown-page", "unknown-pdf", "nul", "long", "rtl"],
)
def test_a_hostile_client_page_id_is_404_never_500(client, path):
    assert client.get(path).status_code == 404
    assert client.post(path, {"typed_name": SCRIPT, "wish-title": "\x00"}).status_code in (404, 405)
