"""A detail that is empty leaves out its words, not just its value.

Found: a client without a KvK number read "KvK-nummer , hierna: de opdrachtgever" in the
contract. The parties in the default agreements clause and the contractor in the general
terms now carry their address, KvK number and representative inside inline conditions
(`{{ if client.kvk_number }}, KvK-nummer {{ client.kvk_number }}{{ end }}`), so an empty
one takes its words with it, for the client and the freelancer alike, in Dutch and English,
on the contract page and in the PDF.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import translation

from contracts.models import BusinessProfile, ContractTemplate
from contracts.placeholders import errors_in, plain
from contracts.seed import load_contract_templates
from projects.models import Client, Project
from tests.factories import BusinessProfileFactory, ContactFactory, project_with_phases
from tests.helpers import pdf_to_text

# What an empty detail used to leave behind, per language.
LEFTOVERS = {
    "nl": ["KvK-nummer ,", "KvK-nummer ;", ", ,", "onder nummer .", "vertegenwoordigd door ;", "{{", "}}"],
    "en": ["(KvK) number ,", ", ,", "under number .", "represented by ;", "{{", "}}"],
}
PARTIES = {
    "nl": (
        "Bakkerij Blanco, hierna: de opdrachtgever;",
        "Studio Alice, hierna: de opdrachtnemer, vertegenwoordigd door",
        "overeenkomst van Studio Alice (de opdrachtnemer).",
    ),
    "en": (
        "Bakkerij Blanco, the client;",
        "Studio Alice, the contractor, represented by",
        "agreement of Studio Alice (the contractor).",
    ),
}
FILLED = {
    "nl": (
        "Bakkerij Vol, Oudegracht 1, 3511 AA Utrecht, KvK-nummer 12345678, hierna: de opdrachtgever, "
        "vertegenwoordigd door Jan Jansen;",
        "Studio Alice, Lange Nieuwstraat 2, 3512 PH Utrecht, KvK-nummer 87654321, hierna: de opdrachtnemer",
        "ingeschreven bij de KvK onder nummer 87654321.",
    ),
    "en": (
        "Bakkerij Vol, Oudegracht 1, 3511 AA Utrecht, Chamber of Commerce (KvK) number 12345678, the client, "
        "represented by Jan Jansen;",
        "Studio Alice, Lange Nieuwstraat 2, 3512 PH Utrecht, Chamber of Commerce (KvK) number 87654321, the contractor",
        "registered with the Dutch Chamber of Commerce (KvK) under number 87654321.",
    ),
}


def flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def create_contract(client, project: Project, language: str) -> None:
    template = ContractTemplate.default_for(project.owner, language)
    url = reverse("contracts:contract", args=[project.pk])
    assert client.post(url, {"template": template.pk}, HTTP_ACCEPT_LANGUAGE="en").status_code == 302


def rendered_clauses(client, project: Project) -> str:
    """Every clause as the contract page renders it (not the raw text in the edit forms)."""
    html = client.get(reverse("contracts:contract", args=[project.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    parts = re.findall(r'<div class="clause-rendered">(.*?)<details class="clause-edit"', html, re.S)
    assert parts, "no rendered clauses on the page"
    return flat(unescape(re.sub(r"<[^>]+>", " ", " ".join(parts))))


def the_pdf(client, project: Project) -> str:
    response = client.get(reverse("contracts:preview_pdf", args=[project.pk]))
    assert response["Content-Type"] == "application/pdf"
    return flat(pdf_to_text(response.content))


def blank_project(owner, language: str) -> Project:
    """A consumer without address or KvK number, no decision maker, and a freelancer without address or KvK."""
    load_contract_templates()
    BusinessProfileFactory(owner=owner)
    BusinessProfile.objects.filter(owner=owner).update(
        street_address="", postcode="", city="", kvk_number="", vat_id=""
    )
    return project_with_phases(
        owner,
        1,
        client__name="Bakkerij Blanco",
        client__kind=Client.Kind.CONSUMER,
        client__language=language,
        client__street_address="",
        client__postcode="",
        client__city="",
        client__country="",
        client__kvk_number="",
        client__vat_id="",
    )


@pytest.mark.parametrize("language", ["nl", "en"])
def test_empty_details_leave_out_their_words_on_the_page_and_in_the_pdf(alice_client, alice, language):
    project = blank_project(alice, language)
    create_contract(alice_client, project, language)
    page, pdf = rendered_clauses(alice_client, project), the_pdf(alice_client, project)
    for seen in (page, pdf):
        for leftover in LEFTOVERS[language]:
            assert leftover not in seen, leftover
        assert "KvK-nummer" not in seen and "(KvK) number" not in seen
    client_party, freelancer_party, terms = PARTIES[language]
    for seen in (page, pdf):
        assert client_party in seen and freelancer_party in seen
    assert terms in pdf  # the general terms are in the PDF


@pytest.mark.parametrize("language", ["nl", "en"])
def test_filled_details_are_all_there(alice_client, alice, language):
    load_contract_templates()
    BusinessProfileFactory(owner=alice)
    project = project_with_phases(alice, 1, client__name="Bakkerij Vol", client__country="", client__language=language)
    ContactFactory(client=project.client, name="Jan Jansen", email="jan@bakkerij.example", is_decision_maker=True)
    create_contract(alice_client, project, language)
    page, pdf = rendered_clauses(alice_client, project), the_pdf(alice_client, project)
    client_party, freelancer_party, terms = FILLED[language]
    for seen in (page, pdf):
        assert client_party in seen and freelancer_party in seen
    assert terms in pdf


def test_an_inline_condition_keeps_or_drops_its_words_and_escapes_values():
    body = "- {{ client.name }}{{ if client.vat_id }}, VAT {{ client.vat_id }}{{ end }}, the client."
    assert plain(body, {"client.name": "A"}, {}) == "- A, the client."
    assert plain(body, {"client.name": "A", "client.vat_id": "   "}, {}) == "- A, the client."
    assert plain(body, {"client.name": "A", "client.vat_id": "NL1"}, {}) == "- A, VAT NL1, the client."


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("A {{ if client.vat_id }}, VAT {{ client.vat_id }}", "close it with {{ end }}"),
        ("A {{ end }} B", "{{ end }} without an {{ if"),
        ("A {{ if client.secret }}x{{ end }}", "unknown condition {{ if client.secret }}"),
        ("A {{ if client.vat_id }}x\ny{{ end }}", "close it with {{ end }}"),
        ("A {{ if client.vat_id }}{% load x %}{{ end }}", "template tags"),
    ],
)
def test_a_broken_inline_condition_is_explained(body, problem):
    with translation.override("en"):
        problems = errors_in(body)
    assert any(problem in p for p in problems), problems
