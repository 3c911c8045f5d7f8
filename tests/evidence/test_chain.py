"""The evidence chain: every decision chained per freelancer; a row changed in the database is found."""

from __future__ import annotations

import hashlib
import importlib
import json

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import translation

from contracts.models import ContractAcceptance
from freelance.evidence import chain
from freelance.evidence.chain import GENESIS, verify_chain
from freelance.evidence.models import EvidenceEntry
from freelance.lib.evidence import canonical, snapshot_hash
from freelance.lib.rules import RuleViolation
from projects.models import Acceptance, ChangeDecision, Contact
from tests.evidence import records
from tests.evidence.records import as_attacker
from tests.factories import ContactFactory, project_with_phases

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    """The findings are translated (Dutch is the default); these tests read them in English."""
    with translation.override("en"):
        yield


def entry(row) -> EvidenceEntry:
    return EvidenceEntry.objects.get(model=type(row)._meta.label_lower, object_id=row.pk)


def test_each_kind_of_evidence_is_chained_in_order_per_freelancer(alice, bob):
    first, second, third = records.one_of_each(alice)
    theirs = records.acceptance(bob)

    entries = list(EvidenceEntry.objects.filter(owner=alice).order_by("seq"))
    assert [(e.seq, e.model, e.object_id) for e in entries] == [
        (1, "projects.acceptance", first.pk),
        (2, "projects.changedecision", second.pk),
        (3, "contracts.contractacceptance", third.pk),
    ]
    assert entries[0].previous_hash == GENESIS
    assert [e.previous_hash for e in entries[1:]] == [e.chain_hash for e in entries[:-1]]
    assert entry(theirs).seq == 1  # bob's chain is his own
    assert {e.issuer_name for e in entries} == {"Alice"}
    assert [row.evidence_owner_id() for row in (first, second, third, theirs)] == [alice.pk] * 3 + [bob.pk]

    result = verify_chain(alice.pk)
    assert (result.ok, result.checked, result.first_broken, result.head) == (True, 3, None, entries[-1].chain_hash)
    assert verify_chain(bob.pk).checked == 1


def test_the_row_hash_covers_every_column_and_a_third_party_can_recompute_it(alice):
    row = records.acceptance(alice)
    recorded = entry(row)
    columns = [field.attname for field in Acceptance._meta.concrete_fields]
    assert recorded.fields == columns

    # Without the app's code: the stored columns as JSON, sorted keys, no spaces, UTF-8.
    values = Acceptance.objects.filter(pk=row.pk).values(*columns).get()
    plain = {k: v.isoformat(timespec="microseconds") if hasattr(v, "astimezone") else v for k, v in values.items()}
    document = json.dumps(
        {"model": "projects.acceptance", "row": plain}, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    assert hashlib.sha256(document.encode()).hexdigest() == recorded.row_hash
    linked = {
        "owner": alice.pk,
        "seq": 1,
        "model": "projects.acceptance",
        "object_id": row.pk,
        "fields": columns,
        "row_hash": recorded.row_hash,
        "previous_hash": GENESIS,
        "issuer_name": "Alice",
        "recorded_at": recorded.recorded_at.isoformat(timespec="microseconds"),
    }
    assert hashlib.sha256(canonical(linked)).hexdigest() == recorded.chain_hash


@pytest.mark.parametrize("kind", ["acceptance", "change_decision", "contract_acceptance"])
def test_a_raw_update_of_one_row_is_found_and_named(alice, kind):
    rows = [records.acceptance(alice), getattr(records, kind)(alice), records.change_decision(alice)]
    target = rows[1]
    table = type(target)._meta.db_table
    as_attacker((f"UPDATE {table} SET contact_name = %s WHERE id = %s", ["Someone Else", target.pk]))  # noqa: S608
    target.refresh_from_db()
    assert target.contact_name == "Someone Else"

    result = verify_chain(alice.pk)
    assert not result.ok
    assert result.checked == 1
    label = type(target)._meta.label_lower
    assert result.first_broken == f"{label} #{target.pk} (seq 2): row changed after it was recorded"
    assert result.broken.seq == 2


def test_rewriting_the_snapshot_and_its_own_sha256_still_breaks_the_chain(alice):
    """The attack of issue 11: change what was shown, recompute the plain hash; verify() is fooled."""
    _first, target, _third = records.acceptance(alice), records.acceptance(alice), records.acceptance(alice)
    forged = {**target.snapshot, "delivery_note": "Everything, including the webshop"}
    as_attacker(
        (
            "UPDATE projects_acceptance SET snapshot = %s, snapshot_sha256 = %s WHERE id = %s",
            [json.dumps(forged), snapshot_hash(forged), target.pk],
        )
    )
    target.refresh_from_db()
    assert target.verify()  # the old, plain check passes

    result = verify_chain(alice.pk)
    assert result.first_broken == f"projects.acceptance #{target.pk} (seq 2): row changed after it was recorded"


def test_recomputing_the_ledger_entry_too_is_found_through_the_next_link(alice):
    rows = [records.acceptance(alice) for _ in range(3)]
    target = rows[1]
    as_attacker(("UPDATE projects_acceptance SET comment = %s WHERE id = %s", ["Approved as is", target.pk]))
    recorded = entry(target)
    values = Acceptance.objects.filter(pk=target.pk).values(*recorded.fields).get()
    new_row_hash = chain.row_hash("projects.acceptance", values)

    # Only the row hash recomputed: the entry's own chain hash gives it away.
    as_attacker(("UPDATE evidence_evidenceentry SET row_hash = %s WHERE id = %s", [new_row_hash, recorded.pk]))
    assert verify_chain(alice.pk).first_broken == (
        f"projects.acceptance #{target.pk} (seq 2): ledger entry changed after it was recorded"
    )

    # The chain hash recomputed as well: the next entry no longer links to it.
    fields = {name: getattr(recorded, name) for name in chain._LINKED} | {"row_hash": new_row_hash}
    as_attacker(
        ("UPDATE evidence_evidenceentry SET chain_hash = %s WHERE id = %s", [chain._link_hash_of(fields), recorded.pk])
    )
    result = verify_chain(alice.pk)
    assert not result.ok
    assert result.checked == 1
    assert result.first_broken.startswith(f"projects.acceptance #{target.pk} (seq 2): its ledger entry was rewritten")


def test_a_deleted_row_a_removed_entry_and_an_unchained_row_are_each_found(alice):
    rows = [records.acceptance(alice) for _ in range(3)]
    as_attacker(("DELETE FROM projects_acceptance WHERE id = %s", [rows[2].pk]))
    assert verify_chain(alice.pk).first_broken == (
        f"projects.acceptance #{rows[2].pk} (seq 3): row deleted after it was recorded"
    )

    as_attacker(
        ("DELETE FROM evidence_evidenceentry WHERE model = %s AND object_id = %s", ["projects.acceptance", rows[1].pk])
    )
    broken = verify_chain(alice.pk).broken
    assert (broken.object_id, broken.seq) == (rows[2].pk, 3)
    assert "removed from the chain" in broken.reason


def test_a_row_inserted_behind_the_apps_back_is_not_in_the_chain(alice):
    records.acceptance(alice)
    assert verify_chain(alice.pk).ok
    row = records.change_decision(alice)
    as_attacker(("DELETE FROM evidence_evidenceentry WHERE model = %s", ["projects.changedecision"]))
    result = verify_chain(alice.pk)
    assert result.checked == 1
    assert (
        result.first_broken == f"projects.changedecision #{row.pk}: not in the chain: recorded without its ledger entry"
    )


def test_a_contract_acceptance_also_covers_the_version_it_accepted(alice):
    accepted = records.contract_acceptance(alice)
    version = accepted.version
    forged = {**version.snapshot, "clauses": [{"title": "Scope", "text": "Everything, for free.", "number": 1}]}
    as_attacker(
        (
            "UPDATE contracts_contractversion SET snapshot = %s, snapshot_sha256 = %s WHERE id = %s",
            [json.dumps(forged), snapshot_hash(forged), version.pk],
        )
    )
    assert ContractAcceptance.objects.get(pk=accepted.pk).verify()  # the version's own check is fooled
    assert verify_chain(alice.pk).first_broken == (
        f"contracts.contractacceptance #{accepted.pk} (seq 1): row changed after it was recorded"
    )


def test_a_decision_that_rolls_back_leaves_no_entry_and_no_gap(alice):
    records.acceptance(alice)
    with pytest.raises(RuntimeError), transaction.atomic():
        records.change_decision(alice)
        assert EvidenceEntry.objects.filter(owner=alice).count() == 2  # chained inside the same transaction
        raise RuntimeError("the decision failed after the evidence was written")
    assert not ChangeDecision.objects.exists()
    records.change_decision(alice)
    assert list(EvidenceEntry.objects.filter(owner=alice).values_list("seq", flat=True)) == [1, 2]
    assert verify_chain(alice.pk).ok


def test_an_entry_cannot_be_changed_or_deleted_through_the_model(alice):
    recorded = entry(records.acceptance(alice))
    recorded.issuer_name = "Mallory"
    with pytest.raises(RuleViolation):
        recorded.save()
    with pytest.raises(RuleViolation):
        recorded.delete()


def test_existing_evidence_is_chained_by_the_migration_per_owner_in_order(alice, bob):
    """Rows recorded before the ledger existed: the data migration chains them."""
    rows = [records.acceptance(alice), records.change_decision(bob), records.contract_acceptance(alice)]
    as_attacker(("DELETE FROM evidence_evidenceentry", []))  # as before the migration
    assert not verify_chain(alice.pk).ok

    migration = importlib.import_module("freelance.evidence.migrations.0002_chain_existing")
    migration.chain_existing(apps, None)
    assert verify_chain(alice.pk).ok and verify_chain(alice.pk).checked == 2
    assert verify_chain(bob.pk).ok and verify_chain(bob.pk).checked == 1
    assert [e.object_id for e in EvidenceEntry.objects.filter(owner=alice).order_by("seq")] == [rows[0].pk, rows[2].pk]

    records.acceptance(alice)  # and the app carries on from there
    assert verify_chain(alice.pk).checked == 3


def test_the_command_says_intact_or_names_the_first_broken_row_and_exits_1(alice, bob, capsys):
    records.one_of_each(alice)
    target = records.acceptance(bob)
    call_command("verify_evidence")
    out = capsys.readouterr().out
    assert "alice: intact, 3 entries, head " in out
    assert "bob: intact, 1 entries" in out

    as_attacker(("UPDATE projects_acceptance SET typed_name = %s WHERE id = %s", ["Forged", target.pk]))
    call_command("verify_evidence", "--user", "alice")  # alice's chain is not affected
    with pytest.raises(CommandError) as failure:
        call_command("verify_evidence")
    assert failure.value.returncode == 1
    assert f"projects.acceptance #{target.pk} (seq 1)" in capsys.readouterr().err
    with pytest.raises(CommandError, match="No user"):
        call_command("verify_evidence", "--user", "nobody")


def test_deleting_a_contact_who_decided_leaves_the_evidence_as_recorded(alice, alice_client):
    phase = project_with_phases(alice, 1).phases.get()
    contact = ContactFactory(client=phase.project.client, name="Jan Jansen", email="jan@example.nl")
    records.acceptance_of(phase, contact=contact)

    response = alice_client.post(f"/contacts/{contact.pk}/delete/", follow=True)

    assert response.status_code == 200
    assert "kept as evidence" in response.content.decode() or "bewijs" in response.content.decode()
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert verify_chain(alice.pk).ok
