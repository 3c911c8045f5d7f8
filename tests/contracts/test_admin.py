"""The contract manager's admin: versioned texts, refused injections, the PDF preview, the default texts."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from contracts import defaults
from contracts.models import ClauseTemplate, ContractTemplate, GeneralTerms
from contracts.placeholders import BLOCK, INLINE
from contracts.seed import load_contract_templates
from projects.models import Client, Project
from tests.helpers import pdf_to_text

pytestmark = pytest.mark.django_db

BODY = "{{ client.name }} and {{ freelancer.business_name }} agree.\n\n{{ phases }}"


@pytest.fixture
def staff(admin_client):
    """A superuser's browser, reading the admin in English."""
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return admin_client


@pytest.fixture
def clause(admin_user) -> ClauseTemplate:
    return ClauseTemplate.objects.create(
        key="test-parties", language="en", category="agreements", title="Parties", body=BODY, change_note="First"
    )


def change(obj) -> str:
    return reverse(f"admin:contracts_{obj._meta.model_name}_change", args=[obj.pk])


def form_data(**fields) -> dict:
    return {"title": "Parties", "category": "agreements", "body": BODY, "change_note": "Clearer wording", **fields}


# -- editing saves a new version ------------------------------------------------------------------


def test_editing_a_clause_saves_version_2_and_leaves_version_1_untouched(staff, clause, admin_user):
    new_body = "{{ client.name }} hires {{ freelancer.business_name }}.\n\n{{ phases }}"

    response = staff.post(change(clause), form_data(body=new_body))

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    versions = list(ClauseTemplate.objects.filter(key="test-parties", language="en").order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    first, second = versions
    assert first.pk == clause.pk
    assert (first.body, first.change_note, first.created_by) == (BODY, "First", None)
    assert (second.body, second.change_note, second.created_by) == (new_body, "Clearer wording", admin_user)
    assert list(ClauseTemplate.current().filter(key="test-parties")) == [second]


def test_saving_without_a_change_makes_no_new_version(staff, clause):
    response = staff.post(change(clause), form_data(change_note="nothing really"))

    assert response.status_code == 200
    assert "Nothing in the text changed" in response.content.decode()
    assert ClauseTemplate.objects.filter(key="test-parties").count() == 1


def test_general_terms_are_versioned_the_same_way(staff, admin_user):
    terms = GeneralTerms.objects.create(key="test-terms", language="nl", title="Voorwaarden", body="Artikel 1.")

    response = staff.post(change(terms), {"title": "Voorwaarden", "body": "Artikel 1, nieuw.", "change_note": "x"})

    assert response.status_code == 302
    assert GeneralTerms.objects.get(pk=terms.pk).body == "Artikel 1."
    assert GeneralTerms.objects.get(key="test-terms", version=2).created_by == admin_user


def test_an_earlier_version_is_shown_read_only_with_the_history(staff, clause):
    staff.post(change(clause), form_data(body="New text."))

    page = staff.get(change(clause))
    assert page.status_code == 200
    assert "This is an earlier version" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert [v.version for v in page.context["versions"]] == [2, 1]

    refused = staff.post(change(clause), form_data(body="Sneaky edit of history."))
    assert refused.status_code == 403
    assert ClauseTemplate.objects.get(pk=clause.pk).body == BODY
    assert ClauseTemplate.objects.filter(key="test-parties").count() == 2


def test_the_list_shows_current_versions_unless_asked_for_all(staff, clause):
    staff.post(change(clause), form_data(body="New text."))
    url = reverse("admin:contracts_clausetemplate_changelist")

    current = staff.get(url, {"q": "test-parties"}).context["cl"].result_list
    every = staff.get(url, {"q": "test-parties", "versions": "all"}).context["cl"].result_list

    assert [c.version for c in current] == [2]
    assert sorted(c.version for c in every) == [1, 2]


def test_the_editor_lists_every_placeholder_with_its_description(staff, clause):
    page = staff.get(change(clause)).content.decode()

    for name, description in [*INLINE.items(), *BLOCK.items()]:
        assert f"{{{{ {name} }}}}" in page
        assert str(description).replace("'", "&#x27;") in page
    assert "Preview as PDF" in page


# -- refused injections -----------------------------------------------------------------------


INJECTIONS = [
    ("Fine.\n{% load static %}", 2, "template tags"),
    ("First paragraph.\n\n{% include 'secret.html' %}", 3, "template tags"),
    ("Key: {{ settings.SECRET_KEY }}", 1, "unknown placeholder"),
    ("A\nB\n{{ client.delete }}", 3, "unknown placeholder"),
    ("{{ ''.__class__ }}", 1, "unknown placeholder"),
]


@pytest.mark.parametrize(("body", "line", "what"), INJECTIONS)
def test_an_injection_in_an_edit_is_refused_with_its_line_number_and_nothing_is_saved(staff, clause, body, line, what):
    response = staff.post(change(clause), form_data(body=body))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["body"]
    assert any(e.startswith(f"Line {line}:") and what in e for e in errors), errors
    assert f"Line {line}:" in response.content.decode()
    assert list(ClauseTemplate.objects.filter(key="test-parties").values_list("version", "body")) == [(1, BODY)]


@pytest.mark.parametrize(("body", "line", "what"), INJECTIONS)
def test_an_injection_in_a_new_text_is_refused_with_its_line_number(staff, body, line, what):
    before = (ClauseTemplate.objects.count(), GeneralTerms.objects.count())

    clause = staff.post(
        reverse("admin:contracts_clausetemplate_add"), {"key": "evil", "language": "en", **form_data(body=body)}
    )
    terms = staff.post(
        reverse("admin:contracts_generalterms_add"),
        {"key": "evil", "language": "en", "title": "Terms", "body": body, "change_note": ""},
    )

    for response in (clause, terms):
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors["body"]
        assert any(e.startswith(f"Line {line}:") and what in e for e in errors), errors
    assert (ClauseTemplate.objects.count(), GeneralTerms.objects.count()) == before


def test_a_new_text_starts_at_version_1_by_the_current_user(staff, admin_user):
    response = staff.post(
        reverse("admin:contracts_clausetemplate_add"), {"key": "fresh", "language": "nl", **form_data(change_note="")}
    )

    assert response.status_code == 302
    created = ClauseTemplate.objects.get(key="fresh")
    assert (created.version, created.created_by) == (1, admin_user)


# -- contract templates -------------------------------------------------------------------------


def test_a_contract_template_with_an_unknown_clause_key_is_refused(staff, clause):
    response = staff.post(
        reverse("admin:contracts_contracttemplate_add"),
        {"name": "Mine", "language": "en", "general_terms_key": "", "clause_keys": '["test-parties", "nope"]'},
    )

    assert response.status_code == 200
    assert "No clause template with these keys: nope" in response.content.decode()
    assert not ContractTemplate.objects.filter(name="Mine").exists()


def test_a_contract_template_keeps_its_clause_keys_in_order(staff, clause):
    ClauseTemplate.objects.create(key="test-pay", language="en", category="payment", title="Pay", body="Pay.")

    response = staff.post(
        reverse("admin:contracts_contracttemplate_add"),
        {"name": "Mine", "language": "en", "general_terms_key": "", "clause_keys": '["test-pay", "test-parties"]'},
    )

    assert response.status_code == 302
    template = ContractTemplate.objects.get(name="Mine")
    assert [c.key for c in template.clauses()] == ["test-pay", "test-parties"]


# -- the PDF preview ----------------------------------------------------------------------------


def test_staff_preview_a_contract_template_as_pdf_and_nothing_is_left_behind(staff):
    load_contract_templates()
    template = ContractTemplate.objects.get(language="nl", is_default=True)
    before = (Project.objects.count(), Client.objects.count())

    response = staff.get(reverse("admin:contracts_contracttemplate_preview", args=[template.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(pdf_to_text(response.content).split())
    assert "Bakkerij Van Dam B.V." in text
    assert "Voorbeeld: nog niet verstuurd." in text
    assert "Risicobeheersplan" in text
    assert (Project.objects.count(), Client.objects.count()) == before


def test_staff_preview_a_single_clause_as_pdf(staff, clause):
    response = staff.get(reverse("admin:contracts_clausetemplate_preview", args=[clause.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "Van Dam Bakery Ltd and" in " ".join(pdf_to_text(response.content).split())


def test_the_preview_is_not_for_users_outside_the_admin(client, alice, django_user_model):
    load_contract_templates()
    url = reverse("admin:contracts_contracttemplate_preview", args=[ContractTemplate.objects.first().pk])

    client.force_login(alice)  # logged in, not staff
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))

    # A freelancer (staff, not superuser) previews the install's defaults they may use; who may
    # see which template is in tests/contracts/test_template_owners.py.
    freelancer = django_user_model.objects.create_user("clerk", "clerk@example.nl", "pw", is_staff=True)
    client.force_login(freelancer)
    assert client.get(url).status_code == 200


# -- loading the default texts ------------------------------------------------------------------


def counts() -> tuple[int, int, int]:
    return ClauseTemplate.objects.count(), GeneralTerms.objects.count(), ContractTemplate.objects.count()


def test_the_command_loads_the_defaults_once(capsys):
    ClauseTemplate.objects.all().delete()
    GeneralTerms.objects.all().delete()
    ContractTemplate.objects.all().delete()

    call_command("load_contract_templates")
    loaded = counts()
    call_command("load_contract_templates")

    assert loaded == (2 * len(defaults.CLAUSES), 2 * len(defaults.GENERAL_TERMS), 2)
    assert counts() == loaded
    assert "Created 0 clause templates, 0 general terms and 0 contract templates." in capsys.readouterr().out
    for language in ("nl", "en"):
        template = ContractTemplate.objects.get(language=language, is_default=True)
        assert [c.key for c in template.clauses()] == defaults.CLAUSE_ORDER
        assert template.general_terms().key == defaults.GENERAL_TERMS_KEY


def test_the_data_migration_runs_the_same_loader_and_keeps_edited_texts(staff):
    migration = importlib.import_module("contracts.migrations.0002_default_templates")
    load_contract_templates()
    # The current default: a migrated database holds 0002's version and 0010's.
    payment = ClauseTemplate.current().get(owner__isnull=True, key="payment", language="nl")
    staff.post(
        change(payment),
        form_data(title=payment.title, category="payment", body="Betaal binnen {{ payment_term }} dagen."),
    )
    before = counts()

    migration.load_defaults(django_apps, None)
    call_command("load_contract_templates")

    assert counts() == before
    current = ClauseTemplate.current().get(key="payment", language="nl")
    assert (current.version, current.body) == (payment.version + 1, "Betaal binnen {{ payment_term }} dagen.")


def test_a_missing_language_is_added_without_touching_the_other(staff):
    load_contract_templates()
    ClauseTemplate.objects.filter(key="risks", language="en").delete()
    ContractTemplate.objects.filter(language="nl").update(is_default=False)
    nl_risks = ClauseTemplate.objects.get(key="risks", language="nl")

    loaded = load_contract_templates()

    assert (loaded.clauses, loaded.general_terms, loaded.contract_templates) == (1, 0, 0)
    assert ClauseTemplate.objects.get(key="risks", language="nl") == nl_risks
    assert not ContractTemplate.objects.filter(language="nl", is_default=True).exists()  # the freelancer's choice stays


def test_the_operator_reads_a_contract_with_its_clauses(staff, admin_user):
    """A contract's page in the admin shows its clauses read-only (it was a FieldError: `source`)."""
    from contracts import services
    from tests.factories import ProjectFactory

    load_contract_templates()
    project = ProjectFactory(owner=admin_user, client__language="en")
    contract = services.create_contract(project, actor=admin_user)

    response = staff.get(reverse("admin:contracts_contract_change", args=[contract.pk]))

    assert response.status_code == 200
    assert contract.clauses.first().title in response.content.decode()
