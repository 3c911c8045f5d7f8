"""The default contract, as the client reads it: built from the shipped templates, frozen, rendered.

A typical project (three phases, two risks, rates and three surcharge rules) gets a
contract with the default template's clauses copied in; the frozen version is rendered
to PDF/A-3b and read back with poppler, in Dutch and in English. The render is shared by
the tests of one language (module scope, in a transaction that is rolled back).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone, translation

from contracts import defaults
from contracts.models import (
    BusinessProfile,
    Category,
    Contract,
    ContractAcceptance,
    ContractClause,
    ContractTemplate,
    ContractVersion,
    HourlyRate,
    SurchargeRule,
)
from contracts.placeholders import errors_in
from contracts.rendering import freeze, version_pdf
from contracts.seed import load_contract_templates
from freelance.lib.money import format_money
from freelance.links.models import ClientLink
from projects.models import Phase, Risk
from tests.factories import ContactFactory, PhaseFactory, ProjectFactory, RiskFactory, UserFactory
from tests.helpers import pdf_to_text, pdf_tool

FIRST_DEADLINE = date(2027, 3, 1)
RISKS = [
    (
        "The client's photographer does not deliver the product photos.",
        "After 5 working days we use licensed stock photos, at the client's cost.",
    ),
    (
        "The payment provider approves the merchant account late.",
        "The shop launches with payment on pick-up until the account is approved.",
    ),
]
SURCHARGES = [("Christmas Eve", "named_day", "2.00"), ("Weekend", "weekend", "1.50"), ("Evening", "evening", "1.25")]

# What the language's own clauses must say, in the words of the default texts.
WORDING = {
    "nl": {
        "no_stacking": "dan telt alleen de hoogste toeslag",
        "beep": ["Het piepsysteem en het bakje", "Stoppen:", "Meer betalen:", "Ruilen:", "zijn eigen kosten"],
        "payment": "binnen 21 dagen na de factuurdatum",
        "invoice_at": "factureert de opdrachtnemer bij de oplevering en acceptatie",
        "gate": "Ik zou wel willen, maar ik kan niet",
        "hiring_in": "vijf (5) werkdagen na die melding",
        "steps": ["Stap 1, praten", "Stap 2, de beslisser", "Stap 3, mediation", "Stap 4, de rechter"],
        "damage": ["Materiële schade", "Immateriële schade", "€ 25.000"],
        "page": "Pagina {page} van {pages}",
        "terms": "Algemene voorwaarden",
        "not_accepted": "Nog niet geaccepteerd",
    },
    "en": {
        "no_stacking": "only the highest one counts. Surcharges do not stack",
        "beep": ["The beep system and the bucket", "Stop:", "Pay more:", "Swap:", "own cost"],
        "payment": "within 21 days of the invoice date",
        "invoice_at": "the contractor invoices at delivery and acceptance",
        "gate": "I would, but I can't",
        "hiring_in": "five (5) working days after that notice",
        "steps": ["Step 1, talk", "Step 2, the decision maker", "Step 3, mediation", "Step 4, court"],
        "damage": ["Material damage", "Immaterial damage", "€ 25,000"],
        "page": "Page {page} of {pages}",
        "terms": "General terms and conditions",
        "not_accepted": "Not accepted yet",
    },
}


@dataclass
class Rendered:
    language: str
    pdf: bytes
    text: str  # whitespace collapsed
    pages: list[str]  # pdftotext -layout, one string per page
    expected: dict = field(default_factory=dict)


def flat(text: str) -> str:
    return " ".join(text.split())


def build_contract(language: str) -> Contract:
    """A typical project and its contract, with the default template's clauses copied in."""
    owner = UserFactory(username=f"sanne-{language}", first_name="Sanne", last_name="Jansen")
    project = ProjectFactory(
        owner=owner,
        name="Nieuwe webwinkel" if language == "nl" else "New online shop",
        client__name="Bakkerij Van Dam B.V.",
        client__payment_term_days=21,
        client__language=language,
        first_deadline=FIRST_DEADLINE,
        hourly_rate=None,  # the rate comes from the rate history below (a project's own rate would replace it)
    )
    ContactFactory(client=project.client, name="Marieke van Dam", is_decision_maker=True)
    PhaseFactory(project=project, position=1, title="Design and structure", fixed_price=Decimal("2400.00"))
    PhaseFactory(
        project=project, position=2, title="Building the shop", fixed_price=Decimal("5600.00"), offset_amount=3
    )
    PhaseFactory(
        project=project,
        position=3,
        title="Content and launch",
        fixed_price=Decimal("1800.00"),
        offset_amount=10,
        offset_unit=Phase.OffsetUnit.WORKING_DAYS,
    )
    for description, mitigation in RISKS:
        RiskFactory(project=project, description=description, party=Risk.Party.CLIENT, mitigation=mitigation)
    BusinessProfile.objects.create(
        owner=owner,
        business_name="Webwerk Jansen",
        street_address="Lange Nieuwstraat 8",
        postcode="3512 PH",
        city="Utrecht",
        kvk_number="87654321",
        vat_id="NL004567890B88",
        iban="NL91ABNA0417164300",
    )
    HourlyRate.objects.create(owner=owner, valid_from=date(2026, 1, 1), amount=Decimal("85.00"))
    HourlyRate.objects.create(
        owner=owner, valid_from=date(2026, 7, 1), amount=Decimal("95.00"), reason="More experience"
    )
    for name, applies_to, multiplier in SURCHARGES:
        SurchargeRule.objects.create(
            owner=owner,
            name=name,
            applies_to=applies_to,
            multiplier=Decimal(multiplier),
            month=12 if applies_to == "named_day" else None,
            day=24 if applies_to == "named_day" else None,
        )

    template = ContractTemplate.objects.get(language=language, is_default=True)
    contract = Contract.objects.create(
        project=project, template=template, language=language, general_terms=template.general_terms()
    )
    for position, clause in enumerate(template.clauses(), start=1):
        ContractClause.objects.create(
            contract=contract,
            position=position,
            category=clause.category,
            title=clause.title,
            body=clause.body,
            source=clause,
        )
    return contract


def read_back(language: str, pdf: bytes) -> tuple[str, list[str]]:
    return flat(pdf_to_text(pdf)), pdf_to_text(pdf, layout=True).split("\f")


@pytest.fixture(scope="module", params=["nl", "en"])
def rendered(request, django_db_setup, django_db_blocker) -> Rendered:
    language = request.param
    with django_db_blocker.unblock(), transaction.atomic():
        load_contract_templates()  # missing after a flush by a transactional test
        contract = build_contract(language)
        version = freeze(contract, actor=contract.project.owner)
        pdf = version_pdf(version)
        with translation.override(language):
            expected = {
                "client": contract.project.client.name,
                "phases": [(p.title, str(p.deadline_rule)) for p in contract.project.ordered_phases()],
                "rates": [flat(format_money(Decimal(amount))) for amount in ("85.00", "95.00")],
            }
        transaction.set_rollback(True)
    text, pages = read_back(language, pdf)
    return Rendered(language, pdf, text, [p for p in pages if p.strip()], expected)


# -- what the contract says ----------------------------------------------------------------------


def test_it_names_the_parties_and_the_client(rendered):
    assert rendered.expected["client"] in rendered.text
    assert "Webwerk Jansen" in rendered.text
    assert "KvK" in rendered.text and "87654321" in rendered.text
    assert "NL91ABNA0417164300" in rendered.text  # the letterhead and the payment clause


def test_every_phase_is_listed_with_its_deadline_rule(rendered):
    for title, rule in rendered.expected["phases"]:
        assert title in rendered.text
        assert rule in rendered.text, rule
    first_deadline = "1 maart 2027" if rendered.language == "nl" else "1 March 2027"
    assert first_deadline in rendered.text


def test_each_risk_is_listed_with_its_mitigation(rendered):
    for description, mitigation in RISKS:
        assert flat(description) in rendered.text
        assert flat(mitigation) in rendered.text


def test_rates_and_surcharges_are_shown_and_surcharges_do_not_stack(rendered):
    for amount in rendered.expected["rates"]:
        assert amount in rendered.text
    for name, _applies_to, _multiplier in SURCHARGES:
        assert name in rendered.text
    # The multipliers as numbers in the contract's language (2.00, 1.50, 1.25 above)
    shown = re.findall(r"×[\d.,]+", rendered.text)
    assert sorted(shown) == sorted({"nl": ["×2", "×1,5", "×1,25"], "en": ["×2", "×1.5", "×1.25"]}[rendered.language])
    assert WORDING[rendered.language]["no_stacking"] in rendered.text


def test_the_beep_clause_offers_stop_pay_or_swap_and_keeps_misjudgements_with_the_contractor(rendered):
    for words in WORDING[rendered.language]["beep"]:
        assert words in rendered.text


def test_payment_term_invoicing_at_delivery_and_no_new_work_while_an_invoice_is_overdue(rendered):
    wording = WORDING[rendered.language]
    assert wording["payment"] in rendered.text
    assert wording["invoice_at"] in rendered.text
    assert wording["gate"] in rendered.text


def test_definitions_say_how_long_before_hiring_in_and_disagreement_has_four_steps(rendered):
    wording = WORDING[rendered.language]
    assert wording["hiring_in"] in rendered.text
    for step in wording["steps"]:
        assert step in rendered.text
    for words in wording["damage"]:
        assert words.replace("\u00a0", " ") in rendered.text.replace("\u00a0", " ")


def test_the_general_terms_come_after_the_clauses_and_the_acceptance_block_last(rendered):
    wording = WORDING[rendered.language]
    terms = rendered.text.rindex(wording["terms"])
    assert rendered.text.index(wording["steps"][3]) < terms < rendered.text.rindex(wording["not_accepted"])


# -- how it is laid out -----------------------------------------------------------------------


def test_it_is_a4_with_embedded_fonts_and_pdf_a_3b_metadata(rendered, tmp_path):
    info = pdf_tool("pdfinfo", rendered.pdf, tmp_path)
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info), info
    fonts = pdf_tool("pdffonts", rendered.pdf, tmp_path).splitlines()[2:]
    assert fonts
    for row in fonts:
        assert "Mijlpaal-Sans" in row and row.split()[-5] == "yes", row
    metadata = pdf_tool("pdfinfo", rendered.pdf, tmp_path, "-meta")
    assert re.search(r"pdfaid:part>?=?\"?3", metadata), metadata
    assert re.search(r"pdfaid:conformance>?=?\"?B", metadata), metadata


def test_a_typical_project_fits_in_eight_to_eleven_pages_each_saying_page_x_of_y(rendered):
    pages = len(rendered.pages)
    assert 8 <= pages <= 11, pages
    for number, page in enumerate(rendered.pages, start=1):
        assert WORDING[rendered.language]["page"].format(page=number, pages=pages) in page


def test_the_table_of_contents_gives_the_page_of_every_clause(rendered):
    toc = rendered.pages[0]
    listed = {}
    for line in toc.splitlines():
        if match := re.match(r"\s*(\d+)\.\s+(.+?)\s{2,}(\d+)\s*$", line):
            listed[match.group(2)] = int(match.group(3))
    assert len(listed) == len(defaults.CLAUSE_ORDER), toc
    for title, page in listed.items():
        # The heading itself: the clause number and title alone on their line (the contents add a page).
        heading = re.compile(rf"^\s*\d+\.\s+{re.escape(title)}\s*$", re.MULTILINE)
        found = [number for number, text in enumerate(rendered.pages, start=1) if heading.search(text)]
        assert found[:1] == [page], (title, page, found)


# -- the evidence once accepted -------------------------------------------------------------------


@pytest.mark.django_db
def test_an_accepted_version_carries_the_evidence_in_its_pdf():
    load_contract_templates()
    contract = build_contract("nl")
    version = freeze(contract, actor=contract.project.owner)
    now = timezone.now()
    link = ClientLink.objects.create(
        owner=contract.project.owner,
        purpose=ClientLink.Purpose.CONTRACT_ACCEPTANCE,
        token_hash="a" * 64,
        content_type=ContentType.objects.get_for_model(ContractVersion),
        object_id=version.pk,
        recipient_name="Marieke van Dam",
        recipient_email="marieke@example.nl",
        expires_at=now + timedelta(days=14),
    )
    ContractAcceptance.objects.create(
        version=version,
        link=link,
        typed_name="Marieke van Dam",
        contact_name="Marieke van Dam",
        contact_email="marieke@example.nl",
        viewed_at=now - timedelta(minutes=5),
        view_ip="203.0.113.7",
        view_user_agent="Firefox/140.0",
        decided_at=now,
        decision_ip="203.0.113.8",
        decision_user_agent="Firefox/141.0",
    )
    version = ContractVersion.objects.get(pk=version.pk)

    text = flat(pdf_to_text(version_pdf(version)))

    assert "Geaccepteerd door Marieke van Dam (marieke@example.nl)" in text
    assert "203.0.113.7" in text and "203.0.113.8" in text
    assert "Firefox/141.0" in text
    assert version.snapshot_sha256 in text
    assert "Nog niet geaccepteerd" not in text


# -- the shipped texts themselves ---------------------------------------------------------------


def test_every_default_text_uses_only_known_placeholders():
    texts = [(key, lang, spec[lang]["body"]) for key, spec in defaults.CLAUSES.items() for lang in ("nl", "en")]
    texts += [(key, lang, spec[lang]["body"]) for key, spec in defaults.GENERAL_TERMS.items() for lang in ("nl", "en")]
    for key, language, body in texts:
        assert errors_in(body) == [], (key, language)


def test_there_is_one_clause_per_category_with_the_same_keys_in_both_languages():
    assert sorted(spec["category"] for spec in defaults.CLAUSES.values()) == sorted(Category.values)
    for spec in [*defaults.CLAUSES.values(), *defaults.GENERAL_TERMS.values()]:
        assert {"nl", "en"} <= set(spec)
    for language, template in defaults.CONTRACT_TEMPLATES.items():
        assert sorted(template["clause_keys"]) == sorted(defaults.CLAUSES), language
        assert template["general_terms_key"] in defaults.GENERAL_TERMS


@pytest.mark.parametrize(
    ("key", "placeholders"),
    [
        ("phases", ["{{ phases }}", "{{ project.first_deadline }}"]),
        ("risks", ["{{ risks }}"]),
        ("rates", ["{{ rates }}", "{{ surcharges }}"]),
        ("payment", ["{{ payment_term }}"]),
        ("beep", ["{{ hourly_rate }}", "{{ swap_tolerance }}"]),
    ],
)
def test_live_data_flows_into_the_clauses_through_placeholders(key, placeholders):
    for language in ("nl", "en"):
        for placeholder in placeholders:
            assert placeholder in defaults.CLAUSES[key][language]["body"], (key, language, placeholder)
