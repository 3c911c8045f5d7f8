"""The contract states the deposit the client will be invoiced on acceptance.

Found: a client accepted a contract and then got a deposit invoice the contract never
mentioned. The default payment clause now says, under `{{ if project.deposit }}`, that
on acceptance the contractor invoices a deposit of (say) "30% of the fixed prices,
€1,500.00 excl. VAT", deducted from the final invoice; with no deposit the paragraph is
left out. Checked on the contract page and in its PDF, in Dutch and in English. Existing
installs get the paragraph through migration 0011, which leaves edited and own texts alone.
"""

from __future__ import annotations

import ast
import importlib
import re
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse

from contracts import defaults, deposits
from contracts.models import ClauseTemplate, ContractTemplate, GeneralTerms
from contracts.seed import load_contract_templates
from projects.models import Project
from tests.factories import BusinessProfileFactory, ContactFactory, project_with_phases
from tests.helpers import pdf_to_text

upgrade = importlib.import_module("contracts.migrations.0011_deposit_and_empty_details")
before_upgrade = importlib.import_module("contracts.migrations.0010_payment_clause_by_client_type")

PAYMENT_TITLE = {"nl": "Betaling", "en": "Payment"}
# Two fixed phases of €2,500.00: 30% is €1,500.00.
SAYS = {
    ("nl", "percent"): [
        "Bij de acceptatie van deze overeenkomst factureert de opdrachtnemer een aanbetaling van "
        "30% van de vaste prijzen, € 1.500,00 excl. btw.",
        "verrekend met de eindfactuur",
    ],
    ("en", "percent"): [
        "On acceptance of this agreement the contractor invoices a deposit of "
        "30% of the fixed prices, €1,500.00 excl. VAT.",
        "deducted from the final invoice",
    ],
    ("nl", "amount"): ["factureert de opdrachtnemer een aanbetaling van € 1.250,50 excl. btw."],
    ("en", "amount"): ["the contractor invoices a deposit of €1,250.50 excl. VAT."],
}
NEVER = {"nl": ["aanbetaling", "project.deposit"], "en": ["deposit", "project.deposit"]}


def flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def a_project(owner, language: str, **deposit) -> Project:
    load_contract_templates()  # the defaults, in case a transactional test flushed them
    BusinessProfileFactory(owner=owner)
    project = project_with_phases(owner, 2, client__language=language, **deposit)
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


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize(
    ("kind", "deposit"),
    [("percent", {"deposit_percent": Decimal("30")}), ("amount", {"deposit_amount": Decimal("1250.50")})],
)
def test_the_contract_states_the_deposit_on_the_page_and_in_the_pdf(alice_client, alice, language, kind, deposit):
    project = a_project(alice, language, **deposit)
    create_contract(alice_client, project, language)
    page = payment_on_the_page(alice_client, project, language)
    pdf = the_pdf(alice_client, project)
    for seen in (page, pdf):
        for words in SAYS[(language, kind)]:
            assert words in seen, (words, seen[:400])
        assert "{{" not in seen and "project.deposit" not in seen


@pytest.mark.parametrize("language", ["nl", "en"])
def test_without_a_deposit_the_contract_says_nothing_about_one(alice_client, alice, language):
    project = a_project(alice, language)
    create_contract(alice_client, project, language)
    page = payment_on_the_page(alice_client, project, language)
    pdf = the_pdf(alice_client, project)
    for seen in (page, pdf.lower()):
        for words in NEVER[language]:
            assert words not in seen, words


def test_a_percentage_of_no_fixed_prices_asks_nothing_so_the_contract_says_nothing(alice_client, alice):
    project = a_project(alice, "en", deposit_percent=Decimal("30"))
    project.phases.update(fixed_price=None)
    create_contract(alice_client, project, "en")
    assert "deposit" not in payment_on_the_page(alice_client, project, "en")
    assert deposits.draft_deposit(project) is None  # what the contract says is what gets invoiced


def test_the_contract_states_what_the_deposit_invoice_will_be(alice, alice_client):
    project = a_project(alice, "en", deposit_percent=Decimal("12.5"))
    create_contract(alice_client, project, "en")
    assert "a deposit of 12.5% of the fixed prices, €625.00 excl. VAT." in payment_on_the_page(
        alice_client, project, "en"
    )
    invoice = deposits.draft_deposit(project)
    assert invoice.lines.get().unit_price == Decimal("625.00")


def test_a_changed_deposit_shows_in_the_drafted_contract_at_once(alice_client, alice):
    project = a_project(alice, "en")
    create_contract(alice_client, project, "en")
    assert "deposit" not in payment_on_the_page(alice_client, project, "en")
    Project.objects.filter(pk=project.pk).update(deposit_amount=Decimal("800"))
    assert "a deposit of €800.00 excl. VAT." in payment_on_the_page(alice_client, project, "en")


def test_the_deposit_condition_is_explained_when_misplaced(alice_client, alice):
    project = a_project(alice, "en", deposit_amount=Decimal("100"))
    create_contract(alice_client, project, "en")
    preview = reverse("contracts:clause_preview", args=[project.pk])
    response = alice_client.post(preview, {"body": "Pay.\n{{ if project.deposit }}\nA deposit."})
    assert "Line 2: put {{ if project.deposit }} on a line" in unescape(response.content.decode())
    response = alice_client.post(
        preview, {"body": "Pay.\n\n{{ if project.deposit }}\nA deposit of {{ project.deposit }}."}
    )
    assert "<p>A deposit of €100.00 excl. VAT.</p>" in response.content.decode()


# -- existing installs: migration 0011 ---------------------------------------------------------------------


def historical_apps():
    return MigrationLoader(connection).project_state(("contracts", "0011_deposit_and_empty_details")).apps


def install_with_the_0010_texts() -> None:
    """The default texts as migrations 0002 and 0010 left them, and nothing newer."""
    load_contract_templates()
    for row in upgrade.TEXTS:
        model = ClauseTemplate if row["model"] == "ClauseTemplate" else GeneralTerms
        model.objects.filter(owner__isnull=True, key=row["key"], language=row["language"]).delete()
        fields = {"category": row["key"]} if model is ClauseTemplate else {}
        model.objects.create(key=row["key"], language=row["language"], title="T", body=row["old_body"], **fields)


@pytest.mark.django_db
def test_the_migration_adds_the_new_defaults_once_and_leaves_own_and_edited_texts_alone(alice):
    install_with_the_0010_texts()
    own = ClauseTemplate.objects.create(
        owner=alice, key="payment", language="nl", category="payment", title="Betaling", body="Eigen tekst."
    )
    ClauseTemplate.objects.create(
        key="agreements", language="en", version=2, category="agreements", title="T", body="Mine."
    )
    upgrade.state_deposit_and_leave_out_empty_details(historical_apps(), None)
    upgrade.state_deposit_and_leave_out_empty_details(historical_apps(), None)  # twice: nothing more
    payment = ClauseTemplate.for_user(None).get(key="payment", language="en")
    assert (payment.version, payment.body) == (2, defaults.CLAUSES["payment"]["en"]["body"])
    terms = GeneralTerms.objects.filter(owner__isnull=True, language="nl").order_by("-version").first()
    assert terms.body == defaults.GENERAL_TERMS[defaults.GENERAL_TERMS_KEY]["nl"]["body"]
    assert ClauseTemplate.for_user(None).get(key="agreements", language="en").body == "Mine."
    assert ClauseTemplate.for_user(None).get(key="agreements", language="nl").version == 2
    assert ClauseTemplate.objects.get(pk=own.pk).body == "Eigen tekst."
    assert ClauseTemplate.objects.filter(owner__isnull=True, key="payment").count() == 4


def test_the_migration_carries_its_own_texts_and_imports_nothing_live():
    tree = ast.parse(Path(upgrade.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    assert imported == {"django.db"}
    for row in upgrade.TEXTS:
        if row["model"] == "GeneralTerms":
            assert row["body"] == defaults.GENERAL_TERMS[row["key"]][row["language"]]["body"]
        else:
            assert row["body"] == defaults.CLAUSES[row["key"]][row["language"]]["body"]
        if row["key"] == "payment":  # it follows 0010's text
            assert row["old_body"] == next(
                r["body"] for r in before_upgrade.PAYMENT if r["language"] == row["language"]
            )
