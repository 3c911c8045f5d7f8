"""Evidence rows of each kind, recorded the way the app records them (ClientEvidence.record)."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from contracts.models import Contract, ContractAcceptance
from contracts.rendering import freeze
from freelance.lib.evidence import Meta
from freelance.links.models import ClientLink
from projects.models import Acceptance, AcceptanceRequest, ChangeDecision, ChangeRequest
from tests.factories import project_with_phases


def meta() -> Meta:
    return Meta(at=timezone.now(), ip="203.0.113.7", user_agent="Firefox/141.0")


def acceptance(owner, *, comment: str = "More blue, please") -> Acceptance:
    return acceptance_of(project_with_phases(owner, 1).phases.get(), comment=comment)


def acceptance_of(phase, *, comment: str = "More blue, please", contact=None) -> Acceptance:
    link, _token = ClientLink.issue(
        owner=phase.project.owner,
        purpose=ClientLink.Purpose.PHASE_ACCEPTANCE,
        target=phase,
        recipient_email="jan@example.nl",
    )
    request = AcceptanceRequest.objects.create(phase=phase, link=link, contact=contact)
    return Acceptance.record(
        visit={},
        meta=meta(),
        snapshot={"phase": phase.title, "delivery_note": "Staging is live"},
        request=request,
        phase=phase,
        decision=Acceptance.Decision.CHANGES_REQUESTED,
        comment=comment,
        contact=contact,
        contact_name="Jan Jansen",
        contact_email="jan@example.nl",
    )


def change_decision(owner) -> ChangeDecision:
    project = project_with_phases(owner, 1)
    wish = ChangeRequest.objects.create(project=project, title="A second language")
    return ChangeDecision.record(
        visit={},
        meta=meta(),
        snapshot={"wish": wish.title, "choices": ["stop", "pay", "swap"]},
        change_request=wish,
        decision=ChangeRequest.Decision.STOP,
        recorded_by=owner,
        note="By phone with Jan",
        contact_name="Jan Jansen",
        contact_email="jan@example.nl",
    )


def contract_acceptance(owner) -> ContractAcceptance:
    project = project_with_phases(owner, 1)
    version = freeze(Contract.objects.create(project=project, language="en"), actor=owner)
    link, _token = ClientLink.issue(
        owner=owner, purpose=ClientLink.Purpose.CONTRACT_ACCEPTANCE, target=version, recipient_email="jan@example.nl"
    )
    return ContractAcceptance.record(
        visit={},
        meta=meta(),
        version=version,
        link=link,
        typed_name="Jan Jansen",
        contact_name="Jan Jansen",
        contact_email="jan@example.nl",
    )


def one_of_each(owner) -> list:
    return [acceptance(owner), change_decision(owner), contract_acceptance(owner)]


def as_attacker(*sql: tuple[str, list]) -> None:
    """Raw SQL as a database superuser would run it: on PostgreSQL with the row triggers off.

    ``session_replication_role = replica`` skips ordinary triggers; SET LOCAL ends with the
    test's transaction.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        for statement, params in sql:
            cursor.execute(statement, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
