"""The default payment clause by type of client: a business or a consumer.

Found: a consumer's contract carried the business clause ("in default without further
notice", the commercial interest of art. 6:119a BW, collection costs of at least € 40)
and never mentioned the 14-day letter. A consumer owes the statutory interest of
art. 6:119 BW, and collection costs only after the free 14-day letter (art. 6:96 lid 6
BW), its term counted from the day after receipt. The clause now holds both paragraphs,
each under a condition, and the contract shows the one that fits the client: on the
contract page and in its PDF, in Dutch and in English. Existing installs get the new
clause through migration 0010, which leaves edited and own texts alone.
"""

from __future__ import annotations

import ast
import importlib
import re
from html import unescape
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse

from contracts import defaults
from contracts.migrations import _0002_default_templates_data as frozen
from contracts.models import ClauseTemplate, ContractTemplate
from contracts.seed import load_contract_templates
from projects.models import Client, Project
from tests.factories import BusinessProfileFactory, ContactFactory, project_with_phases
from tests.helpers import pdf_to_text

upgrade = importlib.import_module("contracts.migrations.0010_payment_clause_by_client_type")
# 0011 gave the payment clause a deposit paragraph: 0010's text is what 0011 upgrades from.
later = importlib.import_module("contracts.migrations.0011_deposit_and_empty_details")
PAYMENT_0010 = {row["language"]: row["old_body"] for row in later.TEXTS if row["key"] == "payment"}

PAYMENT_TITLE = {"nl": "Betaling", "en": "Payment"}

# What each wording must say, and what the other one must never say (as the client reads it).
CONSUMER = {
    "nl": ["(artikel 6:119 Burgerlijk Wetboek)", "14-dagenbrief", "artikel 6:96 lid 6", "dag na ontvangst"],
    "en": [
        "(article 6:119 of the Dutch Civil Code)",
        "14-day letter",
        "article 6:96(6)",
        "day after the client receives",
    ],
}
BUSINESS = {
    "nl": ["zonder verdere ingebrekestelling", "handelsrente", "6:119a"],
    "en": ["without further notice", "commercial interest", "6:119a"],
}
BOTH = {  # the scale of the Besluit, with its minimum, applies to either
    "nl": ["Besluit vergoeding voor buitengerechtelijke incassokosten", "minimum van € 40"],
    "en": ["Besluit vergoeding voor buitengerechtelijke incassokosten", "minimum of € 40"],
}


def flat(text: str) -> str:
    return " ".join(text.split())


def a_project(owner, kind: str, language: str) -> Project:
    load_contract_templates()  # the defaults, in case a transactional test flushed them
    BusinessProfileFactory(owner=owner)
    project = project_with_phases(owner, 2, client__kind=kind, client__language=language)
    ContactFactory(client=project.client, name="Jan Jansen", email="jan@bakkerij.example")
    return project


def create_contract(client, project: Project, language: str) -> None:
    template = ContractTemplate.default_for(project.owner, language)
    url = reverse("contracts:contract", args=[project.pk])
    assert client.post(url, {"template": template.pk}, HTTP_ACCEPT_LANGUAGE="en").status_code == 302


def payment_on_the_page(client, project: Project, language: str) -> str:
    """The payment clause as the contract page renders it (not the raw text in its edit form)."""
    html = client.get(reverse("contracts:contract", args=[project.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    heading = re.search(rf"<h3 id=\"clause-\d+-heading\">\d+\. {PAYMENT_TITLE[language]}</h3>", html)
    assert heading, "no payment clause on the page"
    start = html.index('<div class="clause-rendered">', heading.end())
    end = html.index('<details class="clause-edit"', start)
    return flat(unescape(re.sub(r"<[^>]+>", " ", html[start:end])))


def the_pdf(client, project: Project) -> str:
    response = client.get(reverse("contracts:preview_pdf", args=[project.pk]))
    assert response["Content-Type"] == "application/pdf"
    return flat(pdf_to_text(response.content))


def says(words: str, text: str) -> bool:
    """Hyphens aside: pdftotext drops the one where a line breaks ("14-" / "dagenbrief")."""
    return words.replace("-", "") in text.replace("-", "")


def says_consumer_wording(text: str, language: str) -> None:
    for words in CONSUMER[language]:
        assert says(words, text), words
    assert re.search(r"6:119(?!a)", text)
    for words in BUSINESS[language]:
        assert not says(words, text), words


def says_business_wording(text: str, language: str) -> None:
    for words in BUSINESS[language]:
        assert says(words, text), words
    for words in CONSUMER[language]:
        assert not says(words, text), words


# -- the contract as the freelancer and the client see it -------------------------------------------------


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("kind", [Client.Kind.CONSUMER, Client.Kind.BUSINESS])
def test_the_payment_clause_fits_the_client_on_the_contract_page_and_in_the_pdf(alice_client, alice, kind, language):
    project = a_project(alice, kind, language)
    create_contract(alice_client, project, language)
    page = payment_on_the_page(alice_client, project, language)
    pdf = the_pdf(alice_client, project)
    for seen in (page, pdf):
        if kind == Client.Kind.CONSUMER:
            says_consumer_wording(seen, language)
        else:
            says_business_wording(seen, language)
        for words in BOTH[language]:
            assert words in seen, words
        assert "{{" not in seen and "client.consumer" not in seen and "client.business" not in seen


def test_a_client_corrected_to_consumer_gets_the_consumer_wording_in_the_drafted_contract(alice_client, alice):
    project = a_project(alice, Client.Kind.BUSINESS, "en")
    create_contract(alice_client, project, "en")
    says_business_wording(payment_on_the_page(alice_client, project, "en"), "en")
    Client.objects.filter(pk=project.client_id).update(kind=Client.Kind.CONSUMER)
    says_consumer_wording(payment_on_the_page(alice_client, project, "en"), "en")


def test_another_freelancers_contract_page_is_404(client, alice, bob):
    project = a_project(alice, Client.Kind.CONSUMER, "en")
    client.force_login(alice)
    create_contract(client, project, "en")
    client.force_login(bob)
    assert client.get(reverse("contracts:contract", args=[project.pk])).status_code == 404
    assert client.get(reverse("contracts:preview_pdf", args=[project.pk])).status_code == 404


# -- writing conditions in a clause --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("Pay on time.\n\n{{ if client.vip }}\nNo interest.", "Line 3: unknown condition {{ if client.vip }}."),
        ("Pay on time.\n{{ if client.consumer }}\nNo interest.", "Line 2: put {{ if client.consumer }} on a line"),
        ("Pay on time. {{ if client.consumer }} No interest.", "Line 1: put {{ if client.consumer }} on a line"),
        ("Pay on time.\n\n{{ if client.consumer }}\n\nNo interest.", "Line 3: {{ if client.consumer }} has no text"),
        ("Pay on time.\n\n{{ if client.consumer }}", "Line 3: {{ if client.consumer }} has no text"),
    ],
)
def test_a_misplaced_or_unknown_condition_is_explained_in_the_clause_preview(alice_client, alice, body, problem):
    project = a_project(alice, Client.Kind.CONSUMER, "en")
    create_contract(alice_client, project, "en")
    response = alice_client.post(
        reverse("contracts:clause_preview", args=[project.pk]), {"body": body}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert problem in unescape(response.content.decode())


def test_the_clause_preview_shows_only_the_paragraph_for_this_client(alice_client, alice):
    project = a_project(alice, Client.Kind.CONSUMER, "en")
    create_contract(alice_client, project, "en")
    body = (
        "Pay within {{ payment_term }} days.\n\n{{ if client.business }}\nBusiness rules.\n\n"
        "{{ if client.consumer }}\n- The 14-day letter first.\n- Then costs.\n\nThe end."
    )
    response = alice_client.post(reverse("contracts:clause_preview", args=[project.pk]), {"body": body})
    html = response.content.decode()
    assert "<li>The 14-day letter first.</li><li>Then costs.</li>" in html
    assert "Business rules" not in html and "if client" not in html
    assert "<p>The end.</p>" in html


# -- existing installs: migration 0010 ---------------------------------------------------------------------


def historical_apps():
    return MigrationLoader(connection).project_state(("contracts", "0010_payment_clause_by_client_type")).apps


def install_with_the_0002_payment_clause() -> None:
    """The default payment clauses as migration 0002 loaded them, and nothing newer."""
    load_contract_templates()  # the other defaults, in case a transactional test flushed them
    ClauseTemplate.objects.filter(key="payment").delete()
    for row in frozen.CLAUSE_TEMPLATES:
        if row["key"] == "payment":
            ClauseTemplate.objects.create(**{k: row[k] for k in ("key", "language", "category", "title", "body")})


def payment_versions(owner=None) -> list[tuple[str, int, str]]:
    return list(
        ClauseTemplate.objects.filter(key="payment", owner=owner)
        .order_by("language", "version")
        .values_list("language", "version", "body")
    )


@pytest.mark.django_db
def test_the_migration_gives_the_default_payment_clause_a_new_version_with_both_wordings(alice):
    install_with_the_0002_payment_clause()
    old = {language: body for language, _version, body in payment_versions()}
    own = ClauseTemplate.objects.create(
        owner=alice, key="payment", language="nl", category="payment", title="Betaling", body=old["nl"]
    )
    upgrade.add_payment_clause_by_client_type(historical_apps(), None)
    upgrade.add_payment_clause_by_client_type(historical_apps(), None)  # twice: nothing more
    assert payment_versions() == [
        ("en", 1, old["en"]),
        ("en", 2, PAYMENT_0010["en"]),
        ("nl", 1, old["nl"]),
        ("nl", 2, PAYMENT_0010["nl"]),
    ]
    # A freelancer's own copy is theirs: it stays as it was.
    assert payment_versions(alice) == [("nl", 1, old["nl"])]
    assert ClauseTemplate.objects.get(pk=own.pk).body == old["nl"]
    # A freelancer without their own copy builds contracts from the new default.
    template = ContractTemplate.objects.get(owner__isnull=True, language="en", is_default=True)
    (payment,) = [c for c in template.clauses(None) if c.key == "payment"]
    assert (payment.version, payment.body) == (2, PAYMENT_0010["en"])


@pytest.mark.django_db
def test_the_migration_leaves_a_default_the_operator_edited_alone():
    install_with_the_0002_payment_clause()
    ClauseTemplate.objects.create(
        key="payment", language="en", version=2, category="payment", title="Payment", body="Pay within 14 days."
    )
    upgrade.add_payment_clause_by_client_type(historical_apps(), None)
    en = [(version, body) for language, version, body in payment_versions() if language == "en"]
    assert en[-1] == (2, "Pay within 14 days.")
    assert len(en) == 2
    nl = [version for language, version, _body in payment_versions() if language == "nl"]
    assert nl == [1, 2]


@pytest.mark.django_db
def test_the_migrated_database_holds_todays_default_payment_clause():
    """After `migrate` (the test database), the current default is the text of contracts.defaults."""
    if not ClauseTemplate.objects.exists():
        pytest.skip("a reused test database was flushed by a transactional test; run with --create-db")
    for language in ("nl", "en"):
        current = ClauseTemplate.for_user(None).get(key="payment", language=language)
        assert current.body == defaults.CLAUSES["payment"][language]["body"]


def test_the_migration_carries_its_own_texts_and_imports_nothing_live():
    """Like 0002: what it does on an install must not change when contracts.defaults changes later."""
    tree = ast.parse(Path(upgrade.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    assert imported == {"django.db"}
    for row in upgrade.PAYMENT:
        assert row["body"] == PAYMENT_0010[row["language"]]
        assert row["old_body"] == next(
            r["body"] for r in frozen.CLAUSE_TEMPLATES if (r["key"], r["language"]) == ("payment", row["language"])
        )
