"""A realistic sample contract, for previews in the admin and for the benchmark.

Everything here writes rows. `preview_template_pdf` and `preview_text_pdf` do it inside
a transaction that is always rolled back, so a preview leaves nothing behind: the
freelancer sees their templates filled with a typical three-phase project, two risks,
rates and three surcharge rules, without a demo client in their data.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from contracts.models import (
    BusinessProfile,
    ClauseTemplate,
    Contract,
    ContractClause,
    ContractTemplate,
    GeneralTerms,
    HourlyRate,
    SurchargeRule,
)
from contracts.rendering import preview_pdf
from freelance.lib.workdays import next_working_day
from projects.models import Client, Contact, Phase, Project, Risk

SAMPLE = {
    "nl": {
        "client": "Bakkerij Van Dam B.V.",
        "project": "Nieuwe webwinkel",
        "goal": "Vaste klanten bestellen hun brood en taarten online, zodat de winkel 's ochtends minder druk is.",
        "phases": [
            ("Ontwerp en structuur", Decimal("2400.00"), 0),
            ("Bouw van de webwinkel", Decimal("5600.00"), 4),
            ("Content, test en livegang", Decimal("1800.00"), 2),
        ],
        "risks": [
            (
                "De fotograaf van de opdrachtgever levert de productfoto's niet op tijd.",
                "third_party",
                "de fotograaf van de opdrachtgever",
                "Na 5 werkdagen gebruiken we stockfoto's met licentie, op kosten van de opdrachtgever.",
            ),
            (
                "De betaalprovider keurt het account van de opdrachtgever niet tijdig goed.",
                "client",
                "",
                "De opdrachtgever vraagt het account aan in week 1; de webwinkel gaat zo nodig eerst live met "
                "betalen bij afhalen.",
            ),
        ],
        "rate_reason": "Meer ervaring met webwinkels",
        "surcharges": [
            ("Kerstavond", "named_day", "2.00"),
            ("Weekend", "weekend", "1.50"),
            ("Avond", "evening", "1.25"),
        ],
        "business": "Webwerk Jansen",
    },
    "en": {
        "client": "Van Dam Bakery Ltd",
        "project": "New online shop",
        "goal": "Regular customers order their bread and cakes online, so the shop is less busy in the morning.",
        "phases": [
            ("Design and structure", Decimal("2400.00"), 0),
            ("Building the online shop", Decimal("5600.00"), 4),
            ("Content, testing and launch", Decimal("1800.00"), 2),
        ],
        "risks": [
            (
                "The client's photographer does not deliver the product photos on time.",
                "third_party",
                "the client's photographer",
                "After 5 working days we use licensed stock photos, at the client's cost.",
            ),
            (
                "The payment provider does not approve the client's account in time.",
                "client",
                "",
                "The client applies for the account in week 1; if needed the shop first goes live with payment on "
                "collection.",
            ),
        ],
        "rate_reason": "More experience with online shops",
        "surcharges": [
            ("Christmas Eve", "named_day", "2.00"),
            ("Weekend", "weekend", "1.50"),
            ("Evening", "evening", "1.25"),
        ],
        "business": "Jansen Web Works",
    },
}


def create_sample_project(owner, language: str = "nl", *, today: date | None = None) -> Project:
    """A client with a decision maker, a three-phase project and two risks; the owner's rates if missing."""
    sample = SAMPLE.get(language, SAMPLE["nl"])
    today = today or timezone.localdate()
    name = sample["client"]
    taken = {n.lower() for n in Client.objects.filter(owner=owner).values_list("name", flat=True)}
    suffix = 2
    while name.lower() in taken:
        name, suffix = f"{sample['client']} ({suffix})", suffix + 1
    client = Client.objects.create(
        owner=owner,
        name=name,
        street_address="Oudegracht 112",
        postcode="3511 AX",
        city="Utrecht",
        kvk_number="30123456",
        vat_id="NL001234567B29",
        language=language,
        payment_term_days=30,
    )
    Contact.objects.create(
        client=client, name="Marieke van Dam", email="marieke@bakkerijvandam.example", is_decision_maker=True
    )
    project = Project.objects.create(
        owner=owner,
        client=client,
        name=sample["project"],
        goal=sample["goal"],
        first_deadline=next_working_day(today + timedelta(weeks=6)),
        hourly_rate=Decimal("95.00"),
    )
    for position, (title, price, weeks) in enumerate(sample["phases"], start=1):
        Phase.objects.create(
            project=project, position=position, title=title, fixed_price=price, offset_amount=weeks or 2
        )
    for description, party, third_party, mitigation in sample["risks"]:
        Risk.objects.create(
            project=project, description=description, party=party, third_party=third_party, mitigation=mitigation
        )
    if not BusinessProfile.objects.filter(owner=owner).exists():
        BusinessProfile.objects.create(
            owner=owner,
            business_name=sample["business"],
            street_address="Lange Nieuwstraat 8",
            postcode="3512 PH",
            city="Utrecht",
            kvk_number="87654321",
            vat_id="NL004567890B88",
            iban="NL91ABNA0417164300",
        )
    if not HourlyRate.objects.filter(owner=owner).exists():
        HourlyRate.objects.create(owner=owner, valid_from=date(today.year, 1, 1), amount=Decimal("85.00"))
        HourlyRate.objects.create(owner=owner, valid_from=today, amount=Decimal("95.00"), reason=sample["rate_reason"])
    if not SurchargeRule.objects.filter(owner=owner).exists():
        for rule_name, applies_to, multiplier in sample["surcharges"]:
            SurchargeRule.objects.create(
                owner=owner,
                name=rule_name,
                applies_to=applies_to,
                multiplier=Decimal(multiplier),
                month=12 if applies_to == "named_day" else None,
                day=24 if applies_to == "named_day" else None,
            )
    return project


def contract_from_template(project: Project, template: ContractTemplate) -> Contract:
    """A draft contract with the template's current clauses copied in, ready to edit per client."""
    owner = project.owner_id
    contract = Contract.objects.create(
        project=project, template=template, language=template.language, general_terms=template.general_terms(owner)
    )
    copy_clauses(contract, template.clauses(owner))
    return contract


def copy_clauses(contract: Contract, clauses: list[ClauseTemplate]) -> None:
    ContractClause.objects.bulk_create(
        ContractClause(contract=contract, position=position, category=c.category, title=c.title, body=c.body, source=c)
        for position, c in enumerate(clauses, start=1)
    )


def preview_template_pdf(template: ContractTemplate, user) -> bytes:
    """The template as a PDF, filled with sample data that is rolled back afterwards."""
    with transaction.atomic():
        contract = contract_from_template(create_sample_project(user, template.language), template)
        pdf = preview_pdf(contract)
        transaction.set_rollback(True)
    return pdf


def preview_text_pdf(text: ClauseTemplate | GeneralTerms, user) -> bytes:
    """One clause or one set of general terms as a PDF, filled with rolled-back sample data."""
    with transaction.atomic():
        project = create_sample_project(user, text.language)
        if isinstance(text, GeneralTerms):
            contract = Contract.objects.create(project=project, language=text.language, general_terms=text)
        else:
            contract = Contract.objects.create(project=project, language=text.language)
            copy_clauses(contract, [text])
        pdf = preview_pdf(contract)
        transaction.set_rollback(True)
    return pdf
