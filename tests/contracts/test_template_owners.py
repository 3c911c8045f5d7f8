"""Whose templates: a freelancer's own, the install's defaults, and nobody else's.

The operator (superuser) keeps the install's default texts. A freelancer (staff, not
superuser) reads and uses the defaults, and edits only their own copies; another
freelancer's templates are a 404 to them, in the admin and when building a contract.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from contracts import services
from contracts.models import ClauseTemplate, ContractTemplate, GeneralTerms
from contracts.seed import load_contract_templates
from freelance.lib.rules import RuleViolation
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def defaults():
    load_contract_templates()
    return ContractTemplate.objects.get(owner=None, language="nl", is_default=True)


def freelancer(django_user_model, name: str):
    return django_user_model.objects.create_user(name, f"{name}@example.nl", "pw", is_staff=True)


def browser(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def url(obj, view: str = "change") -> str:
    return reverse(f"admin:contracts_{obj._meta.model_name}_{view}", args=[obj.pk])


def changelist(model) -> str:
    return reverse(f"admin:contracts_{model._meta.model_name}_changelist")


def a_default_clause() -> ClauseTemplate:
    return ClauseTemplate.current().filter(owner=None, language="nl").order_by("key").first()


def test_a_freelancer_reads_a_default_but_cannot_change_it(client, django_user_model, defaults):
    c = browser(client, freelancer(django_user_model, "carla"))
    clause = a_default_clause()

    page = c.get(url(clause))
    assert page.status_code == 200
    assert "Copy to edit" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()  # read-only: no save button

    before = ClauseTemplate.objects.count()
    response = c.post(url(clause), {"title": "Mine now", "body": "x", "change_note": "hijack"})
    assert response.status_code == 403
    assert ClauseTemplate.objects.count() == before


def test_copy_to_edit_makes_an_own_version_that_new_contracts_use(client, django_user_model, defaults):
    carla = freelancer(django_user_model, "carla")
    c = browser(client, carla)
    clause = defaults.clauses()[0]

    response = c.post(url(clause, "copy"))

    copy = ClauseTemplate.objects.get(owner=carla, key=clause.key, language="nl")
    assert response.status_code == 302
    assert response["Location"] == url(copy)
    assert (copy.version, copy.body, copy.created_by) == (1, clause.body, carla)
    # A second click finds the copy instead of making another.
    assert c.post(url(clause, "copy"))["Location"] == url(copy)
    assert ClauseTemplate.objects.filter(owner=carla).count() == 1

    edited = c.post(
        url(copy),
        {"title": copy.title, "category": copy.category, "body": "Carla's own wording.", "change_note": "Mine"},
    )
    assert edited.status_code == 302
    assert ClauseTemplate.versions_of(owner_id=carla.pk, key=clause.key, language="nl").first().version == 2

    # Carla's next contract uses her text; another freelancer's still uses the default.
    dirk = freelancer(django_user_model, "dirk")
    own = services.create_contract(ProjectFactory(owner=carla, client__language="nl"), actor=carla)
    other = services.create_contract(ProjectFactory(owner=dirk, client__language="nl"), actor=dirk)
    assert own.clauses.get(position=1).body == "Carla's own wording."
    assert other.clauses.get(position=1).body == clause.body
    # The default itself is untouched.
    clause.refresh_from_db()
    assert ClauseTemplate.versions_of(owner_id=None, key=clause.key, language="nl").first().pk == clause.pk


def test_a_freelancers_own_templates_are_invisible_to_another(client, django_user_model, defaults):
    carla, dirk = freelancer(django_user_model, "carla"), freelancer(django_user_model, "dirk")
    secret = ClauseTemplate.objects.create(
        owner=carla, key="carla-secret", language="nl", category="agreements", title="Carla geheim", body="Geheim."
    )
    terms = GeneralTerms.objects.create(owner=carla, key="carla-terms", language="nl", title="Carla AV", body="AV.")
    template = ContractTemplate.objects.create(
        owner=carla, name="Carla sjabloon", language="nl", clause_keys=["carla-secret"]
    )
    c = browser(client, dirk)

    for obj in (secret, terms, template):
        for view in ("change", "preview", "history", "delete"):
            response = c.get(url(obj, view))
            # The admin answers an object outside the queryset with a redirect to the index and a
            # "doesn't exist" message, a 404 (our own views), or 403 where no text may be deleted.
            assert response.status_code in (302, 403, 404), (obj, view, response.status_code)
            if response.status_code == 302:
                assert response["Location"] == reverse("admin:index")
            assert "Carla" not in response.content.decode()
        assert c.post(url(obj, "copy")).status_code in (302, 404)
    for model in (ClauseTemplate, GeneralTerms, ContractTemplate):
        page = c.get(changelist(model) + "?versions=all").content.decode()
        assert "Carla" not in page and "carla-" not in page
    assert ClauseTemplate.objects.filter(owner=dirk).count() == 0

    # Nor can dirk build a contract from it, through the form or the service.
    project = ProjectFactory(owner=dirk, client__language="nl")
    with pytest.raises(RuleViolation):
        services.create_contract(project, actor=dirk, template=template)


def test_the_operator_keeps_the_defaults_and_never_sees_freelancers_templates(
    admin_client, django_user_model, defaults
):
    carla = freelancer(django_user_model, "carla")
    ClauseTemplate.objects.create(
        owner=carla, key="carla-secret", language="nl", category="agreements", title="Carla geheim", body="Geheim."
    )
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = admin_client.get(changelist(ClauseTemplate)).content.decode()
    assert "carla-secret" not in page
    clause = a_default_clause()
    response = admin_client.post(
        url(clause),
        {"title": clause.title, "category": clause.category, "body": clause.body + "\n\nExtra.", "change_note": "Op"},
    )
    assert response.status_code == 302
    newest = ClauseTemplate.versions_of(owner_id=None, key=clause.key, language="nl").first()
    assert (newest.version, newest.owner) == (clause.version + 1, None)


def test_a_freelancer_adds_an_own_template_and_makes_it_their_default(client, django_user_model, defaults):
    carla = freelancer(django_user_model, "carla")
    c = browser(client, carla)
    keys = [clause.key for clause in defaults.clauses()[:2]]

    response = c.post(
        reverse("admin:contracts_contracttemplate_add"),
        {
            "name": "Mijn sjabloon",
            "language": "nl",
            "is_default": "on",
            "general_terms_key": defaults.general_terms_key,
            "clause_keys": str(keys).replace("'", '"'),
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    own = ContractTemplate.objects.get(name="Mijn sjabloon")
    assert (own.owner, own.is_default) == (carla, True)
    assert ContractTemplate.default_for(carla, "nl") == own
    dirk = freelancer(django_user_model, "dirk")
    assert ContractTemplate.default_for(dirk, "nl") == defaults
    contract = services.create_contract(ProjectFactory(owner=carla, client__language="nl"), actor=carla)
    assert contract.template == own
    assert list(contract.clauses.values_list("source__key", flat=True)) == keys


def test_the_contract_page_offers_only_own_templates_and_defaults(client, django_user_model, defaults):
    carla, dirk = freelancer(django_user_model, "carla"), freelancer(django_user_model, "dirk")
    ContractTemplate.objects.create(owner=carla, name="Carla sjabloon", language="nl", clause_keys=[])
    project = ProjectFactory(owner=dirk, client__language="nl")
    c = browser(client, dirk)

    page = c.get(reverse("contracts:contract", args=[project.pk])).content.decode()

    assert defaults.name in page
    assert "Carla sjabloon" not in page


def test_other_admin_pages_are_hidden_from_freelancers(client, django_user_model, defaults, alice):
    c = browser(client, freelancer(django_user_model, "carla"))
    index = c.get(reverse("admin:index")).content.decode()
    assert "Clause templates" in index
    for hidden in ("Users", "Clients", "Business profiles", "Outgoing", "Client links", "Invoices"):
        assert hidden not in index, hidden
    for name in ("auth_user_changelist", "projects_client_changelist", "contracts_businessprofile_changelist"):
        assert c.get(reverse(f"admin:{name}")).status_code == 403
    assert c.get(reverse("admin:auth_user_password_change", args=[alice.pk])).status_code == 403


def test_a_permission_given_to_a_freelancer_by_mistake_opens_nothing(client, django_user_model, alice):
    """Scoping does not rest on withheld permissions: with every one, the operator's pages stay shut."""
    from django.contrib.auth.models import Group, Permission

    from projects.models import Client

    Client.objects.create(owner=alice, name="Alice's secret client")
    carla = freelancer(django_user_model, "carla")
    carla.user_permissions.set(Permission.objects.all())
    group = Group.objects.create(name="everything")
    group.permissions.set(Permission.objects.all())
    carla.groups.add(group)
    c = browser(client, carla)

    index = c.get(reverse("admin:index")).content.decode()
    assert "Clients" not in index and "Users" not in index
    for name in ("projects_client_changelist", "auth_user_changelist", "outbox_outgoingemail_changelist"):
        assert c.get(reverse(f"admin:{name}")).status_code == 403
    autocomplete = c.get(
        reverse("admin:autocomplete"),
        {"app_label": "contracts", "model_name": "hourlyrate", "field_name": "client", "term": "secret"},
    )
    assert autocomplete.status_code == 403
    assert "secret client" not in autocomplete.content.decode()


def test_without_any_template_the_contract_is_refused_with_a_message(django_user_model):
    ContractTemplate.objects.all().delete()
    carla = freelancer(django_user_model, "carla")
    with pytest.raises(RuleViolation, match="no default contract template"):
        services.create_contract(ProjectFactory(owner=carla, client__language="nl"), actor=carla)
