"""factory-boy factories. Every object hangs off an owner; pass `owner=` to keep tests isolated."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from projects.models import Client, Contact, Phase, Project, Risk, ScopeItem


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.nl")
    password = factory.django.Password("correct horse battery staple")


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Bakkerij {n} B.V.")
    street_address = "Oudegracht 1"
    postcode = "3511 AA"
    city = "Utrecht"
    kvk_number = "12345678"
    vat_id = "NL123456789B13"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.LazyAttribute(lambda c: f"{c.name.lower().replace(' ', '.')}@example.nl")
    is_decision_maker = True


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    owner = factory.SubFactory(UserFactory)
    client = factory.SubFactory(ClientFactory, owner=factory.SelfAttribute("..owner"))
    name = factory.Sequence(lambda n: f"Webshop {n}")
    goal = "More orders from returning customers."
    first_deadline = date(2027, 3, 1)


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    project = factory.SubFactory(ProjectFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Phase {n}")
    fixed_price = Decimal("2500.00")
    offset_amount = 2


class ScopeItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScopeItem

    phase = factory.SubFactory(PhaseFactory)
    title = factory.Sequence(lambda n: f"Scope item {n}")
    estimate_hours = Decimal("8.00")


class RiskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Risk

    project = factory.SubFactory(ProjectFactory)
    description = "The client's photographer does not deliver the product photos."
    party = Risk.Party.THIRD_PARTY
    third_party = "the client's photographer"
    mitigation = "After 5 working days we use licensed stock photos, at the client's cost."


def project_with_phases(owner, count: int = 3, **project_fields) -> Project:
    """A project with `count` phases at positions 1..count, each with two scope items."""
    project = ProjectFactory(owner=owner, **project_fields)
    for position in range(1, count + 1):
        phase = PhaseFactory(project=project, position=position, title=f"Phase {position}")
        ScopeItemFactory.create_batch(2, phase=phase)
    return project


class BusinessProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "contracts.BusinessProfile"
        django_get_or_create = ["owner"]

    owner = factory.SubFactory(UserFactory)
    business_name = "Studio Alice"
    street_address = "Lange Nieuwstraat 2"
    postcode = "3512 PH"
    city = "Utrecht"
    kvk_number = "87654321"
    vat_id = "NL001234567B29"
    iban = "NL91ABNA0417164300"


def billable_project(owner, *, kind="business", price=Decimal("2500.00"), **client_fields):
    """A contracted project with one fixed-price phase, a client with a budget holder, and a profile."""
    BusinessProfileFactory(owner=owner)
    client = ClientFactory(owner=owner, kind=kind, **client_fields)
    ContactFactory(client=client, name="Bea Budget", email="bea@client.example", is_budget_holder=True)
    project = ProjectFactory(owner=owner, client=client)
    phase = PhaseFactory(project=project, position=1, fixed_price=price)
    return project, phase
