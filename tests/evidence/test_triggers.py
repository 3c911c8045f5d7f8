"""On PostgreSQL the database itself refuses UPDATE and DELETE on every evidence table."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from contracts.models import ContractAcceptance
from freelance.evidence.chain import verify_chain
from freelance.evidence.models import EvidenceEntry
from freelance.links.models import ClientLink, LinkVisit
from projects.models import Acceptance, ChangeDecision
from tests.evidence import records
from tests.factories import project_with_phases

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers exist on PostgreSQL only")


def visit(owner) -> LinkVisit:
    link = ClientLink.objects.get(pk=records.acceptance(owner).request.link_id)
    return LinkVisit.log(link, method="GET", ip="203.0.113.7", user_agent="Firefox")


TABLES = {
    "projects_acceptance": records.acceptance,
    "projects_changedecision": records.change_decision,
    "contracts_contractacceptance": records.contract_acceptance,
    "evidence_evidenceentry": lambda owner: (
        EvidenceEntry.objects.filter(owner=owner).first()
        or EvidenceEntry.objects.get(object_id=records.acceptance(owner).pk)
    ),
    "links_linkvisit": visit,
}


@on_postgresql
@pytest.mark.django_db
@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("statement", ["UPDATE {table} SET id = id WHERE id = %s", "DELETE FROM {table} WHERE id = %s"])
def test_a_plain_update_or_delete_on_an_evidence_table_is_refused(alice, table, statement):
    row = TABLES[table](alice)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement.format(table=table), [row.pk])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE id = %s", [row.pk])  # noqa: S608
        assert cursor.fetchone() == (1,)


@on_postgresql
@pytest.mark.django_db
def test_queryset_updates_and_deletes_are_refused_too_and_inserts_are_not(alice):
    rows = records.one_of_each(alice)
    changes = {
        Acceptance: {"decided_at": timezone.now()},
        ChangeDecision: {"note": "Never mind"},
        ContractAcceptance: {"typed_name": "Mallory"},
        EvidenceEntry: {"issuer_name": "Mallory"},
    }
    for model, change in changes.items():
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.update(**change)
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.all()._raw_delete(connection.alias)
    assert verify_chain(alice.pk).checked == len(rows) == 3


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_decisions_for_one_freelancer_queue_up_instead_of_forking_the_chain(alice):
    """Eight threads, each its own connection, record at once; the owner's row lock orders them."""
    # The projects exist first, so the threads only write evidence.
    prepared = [project_with_phases(alice, 1).phases.get() for _ in range(8)]
    barrier = threading.Barrier(len(prepared))
    errors = []

    def decide(phase) -> None:
        try:
            barrier.wait(timeout=10)
            records.acceptance_of(phase)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(phase,)) for phase in prepared]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(EvidenceEntry.objects.filter(owner=alice).values_list("seq", flat=True)) == list(range(1, 9))
    result = verify_chain(alice.pk)
    assert (result.ok, result.checked) == (True, 8)
