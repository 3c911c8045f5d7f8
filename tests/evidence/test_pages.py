"""The freelancer's chain page (/evidence/) and the public certificate check (/verify/)."""

from __future__ import annotations

import pytest
from django.test import Client as BrowserClient

from freelance.evidence.models import EvidenceEntry
from tests.evidence import records
from tests.evidence.records import as_attacker

pytestmark = pytest.mark.django_db


def chain_hash(row) -> str:
    return EvidenceEntry.objects.get(model=type(row)._meta.label_lower, object_id=row.pk).chain_hash


def test_the_chain_page_says_intact_with_the_count_and_head(alice, alice_client):
    rows = records.one_of_each(alice)
    response = alice_client.get("/evidence/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Chain intact" in page
    assert "3 entries checked" in page
    assert chain_hash(rows[-1]) in page


def test_the_chain_page_names_the_first_broken_row(alice, alice_client):
    rows = [records.acceptance(alice), records.change_decision(alice)]
    as_attacker(("UPDATE projects_changedecision SET note = %s WHERE id = %s", ["Client said pay", rows[1].pk]))
    page = alice_client.get("/evidence/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Chain broken" in page
    assert f"projects.changedecision #{rows[1].pk} (seq 2)" in page


def test_the_chain_page_is_the_freelancers_own(alice, bob, client):
    records.acceptance(alice)
    assert client.get("/evidence/").status_code == 302  # to the login
    client.force_login(bob)
    page = client.get("/evidence/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "0 entries checked" in page


def test_verify_says_issued_when_and_for_whom_and_nothing_else(alice):
    alice.last_name = "de Vries"
    alice.save()
    row = records.acceptance(alice)
    stranger = BrowserClient()
    response = stranger.get("/verify/", {"hash": chain_hash(row)}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["X-Robots-Tag"].startswith("noindex")
    page = response.content.decode()
    assert "Issued by this install on" in page
    assert "for Alice de Vries." in page
    for private in (row.contact_name, row.contact_email, row.comment, row.phase.title, row.phase.project.name):
        assert private not in page


def test_verify_takes_a_hash_copied_with_line_breaks_and_capitals(alice):
    digest = chain_hash(records.contract_acceptance(alice))
    pasted = f"  {digest[:32].upper()}\n{digest[32:]} "
    page = BrowserClient().get("/verify/", {"hash": pasted}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Issued by this install on" in page


def test_an_unknown_hash_is_not_issued_here_and_a_partial_one_is_not_looked_up(alice):
    digest = chain_hash(records.acceptance(alice))
    stranger = BrowserClient()
    unknown = stranger.get("/verify/", {"hash": "0" * 64}, HTTP_ACCEPT_LANGUAGE="en")
    assert unknown.status_code == 200
    assert "Not issued here" in unknown.content.decode()

    for partial in (digest[:63], digest[:8], digest + "0", "not a hash", "%"):
        response = stranger.get("/verify/", {"hash": partial}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 422
        page = response.content.decode()
        assert "Enter the whole hash" in page
        assert "Issued by" not in page and "Not issued here" not in page

    empty = stranger.get("/verify/", HTTP_ACCEPT_LANGUAGE="en")
    assert empty.status_code == 200
    assert "Not issued here" not in empty.content.decode()


def test_verify_warns_when_the_certificates_record_was_changed_after_issue(alice):
    row = records.acceptance(alice)
    as_attacker(("UPDATE projects_acceptance SET comment = %s WHERE id = %s", ["All fine", row.pk]))
    page = BrowserClient().get("/verify/", {"hash": chain_hash(row)}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "no longer matches" in page


def test_verify_changes_nothing(alice):
    row = records.acceptance(alice)
    before = list(EvidenceEntry.objects.values())
    response = BrowserClient().post("/verify/", {"hash": chain_hash(row)})
    assert response.status_code == 405
    for _ in range(3):
        BrowserClient().get("/verify/", {"hash": chain_hash(row)})
    assert list(EvidenceEntry.objects.values()) == before
