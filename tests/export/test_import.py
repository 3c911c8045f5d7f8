"""An import is all or nothing: a changed ZIP, a taken name or id, or a broken chain leaves no trace."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from contracts.models import ClauseTemplate, Contract, ContractClause, ContractTemplate, GeneralTerms
from contracts.seed import load_contract_templates
from contracts.services import create_contract
from freelance.evidence.chain import verify_chain
from freelance.export.importer import ImportRefused, import_records
from freelance.export.writer import stream_export
from projects.models import ChangeDecision, Client, Project
from tests.export.records import PDF, fresh_install, make_records, rewrite

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def exported(alice, tmp_path):
    """alice's records as a ZIP, and an install that no longer has them."""
    fresh_install()
    user = get_user_model().objects.create_user("alice", "alice@example.nl", "x")
    records = make_records(user)
    data = b"".join(stream_export(user))
    fresh_install()
    return {"zip": data, "path": tmp_path, "records": records}


def write(exported, data: bytes):
    path = exported["path"] / "records.zip"
    path.write_bytes(data)
    return path


def nothing_imported() -> bool:
    return not get_user_model().objects.exists() and not Client.objects.exists() and not Project.objects.exists()


def test_an_untouched_export_imports(exported):
    result = import_records(write(exported, exported["zip"]))
    assert result.username == "alice" and result.chain_checked == 1
    assert Project.objects.get().name == exported["records"]["project"].name
    assert verify_chain(result.user_id).ok


def test_a_changed_member_is_refused_before_anything_is_written(exported):
    changed = rewrite(
        exported["zip"], "data/projects.client.jsonl", lambda b: b.replace(b"Jansen", b"Jansse"), fix_manifest=False
    )
    with pytest.raises(ImportRefused, match="does not match its checksum"):
        import_records(write(exported, changed))
    assert nothing_imported()


def test_an_added_file_is_refused(exported):
    out = io.BytesIO(exported["zip"])
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr("documents/extra.pdf", PDF)
    with pytest.raises(ImportRefused, match="does not list"):
        import_records(write(exported, out.getvalue()))
    assert nothing_imported()


def test_evidence_changed_with_a_matching_checksum_is_caught_by_the_chain_and_rolled_back(exported):
    def lie(data: bytes) -> bytes:
        row = json.loads(data)
        row["fields"]["note"] = "They never agreed to pay."
        return (json.dumps(row) + "\n").encode()

    changed = rewrite(exported["zip"], "data/projects.changedecision.jsonl", lie, fix_manifest=True)
    with pytest.raises(ImportRefused, match="evidence chain does not verify"):
        import_records(write(exported, changed))
    assert nothing_imported()
    assert not ChangeDecision.objects.exists()


def test_a_login_with_the_same_name_is_refused(exported):
    get_user_model().objects.create_user("alice", "other@example.nl", "x")
    with pytest.raises(ImportRefused, match="exists here already"):
        import_records(write(exported, exported["zip"]))
    assert not Client.objects.exists()


def test_a_taken_id_is_refused(exported):
    manifest_pk = exported["records"]["project"].owner_id
    other = get_user_model().objects.create_user("somebody", "somebody@example.nl", "x")
    get_user_model().objects.filter(pk=other.pk).update(id=manifest_pk)
    with pytest.raises(ImportRefused, match="is taken here"):
        import_records(write(exported, exported["zip"]))
    assert not Client.objects.exists() and not get_user_model().objects.filter(username="alice").exists()


def test_rows_that_exist_already_are_refused_and_nothing_is_kept(exported):
    alice_pk = exported["records"]["project"].owner_id
    squatter = get_user_model().objects.create(pk=alice_pk + 100, username="bob")
    Client.objects.create(pk=exported["records"]["project"].client_id, owner=squatter, name="Already here")
    with pytest.raises(ImportRefused, match="exists here already"):
        import_records(write(exported, exported["zip"]))
    assert not get_user_model().objects.filter(username="alice").exists()
    assert list(Client.objects.values_list("name", flat=True)) == ["Already here"]


def test_something_else_than_an_export_is_refused(exported):
    path = write(exported, b"not a zip")
    with pytest.raises(ImportRefused, match="not a readable ZIP"):
        import_records(path)


def test_a_contract_built_from_the_installs_texts_points_to_the_same_texts_on_the_new_install(tmp_path):
    fresh_install()
    user = get_user_model().objects.create_user("carol", "carol@example.nl", "x")
    records = make_records(user)
    contract = create_contract(records["project"], actor=user)
    assert contract.template is not None and contract.template.owner_id is None
    clauses = list(contract.clauses.order_by("position").values_list("source__key", "source__version"))
    assert clauses and all(key for key, _version in clauses)
    terms = (contract.general_terms.key, contract.general_terms.version) if contract.general_terms else None
    data = b"".join(stream_export(user))

    # The new install has the same default texts under other ids: an unrelated text came first.
    call_command("flush", interactive=False, verbosity=0)
    ClauseTemplate.objects.create(key="operator-own", title="Operator", body="Eigen tekst.", category="agreements")
    GeneralTerms.objects.create(key="operator-terms", title="Operator", body="Eigen voorwaarden.")
    ContractTemplate.objects.create(name="Operator", clause_keys=[])
    load_contract_templates()
    path = tmp_path / "carol.zip"
    path.write_bytes(data)
    result = import_records(path)

    restored = Contract.objects.get(project__owner_id=result.user_id)
    assert restored.template.name == contract.template.name and restored.template.owner_id is None
    assert ContractTemplate.objects.filter(name=contract.template.name, owner__isnull=True).count() == 1
    assert (
        list(
            ContractClause.objects.filter(contract=restored)
            .order_by("position")
            .values_list("source__key", "source__version")
        )
        == clauses
    )
    if terms:
        assert (restored.general_terms.key, restored.general_terms.version) == terms
    assert result.shared_added == 0
