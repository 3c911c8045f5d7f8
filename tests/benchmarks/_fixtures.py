"""What the benchmark adds to the generated data before it measures, made in-process with the
app's own code where that code is quick enough, in bulk where 2,000 are needed.

- ``fresh_acceptance_link``: a new acceptance request for a delivered phase of a generated
  freelancer, through ``projects.acceptance.send_acceptance_requests`` (the link is read from
  the queued mail, as the client would);
- ``post_links``: a separate freelancer (``benchaccept``) with N delivered phases, each with a
  fresh acceptance request and link, for the acceptance POSTs (each POST uses one up). They
  live under their own login so the generated freelancers' pages do not change; the login is
  deleted at the start and end of every run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

ACCEPT_USER = "benchaccept"
LINK = re.compile(r"/l/([A-Za-z0-9_\-]+)/")


@dataclass
class PostLink:
    token: str
    public_id: str
    request_pk: int
    typed_name: str


def silence_mail() -> None:
    """Mails are queued as outbox rows; none is handed to a broker from this process."""
    from freelance.outbox import queue

    queue.send_on_commit = lambda pk: None


def fresh_acceptance_link(user) -> str | None:
    """A fresh acceptance link (the raw token) for the user's first delivered phase; None if none."""
    from freelance.outbox.models import OutgoingEmail
    from projects.acceptance import default_recipients, send_acceptance_requests
    from projects.models import Phase

    phase = (
        Phase.objects.filter(project__owner=user, project__status="active", status=Phase.Status.DELIVERED)
        .select_related("project__client")
        .order_by("pk")
        .first()
    )
    if phase is None:
        return None
    contacts = [c for c in default_recipients(phase) if c.email][:1]
    if not contacts:
        return None
    send_acceptance_requests(phase, actor=user, contacts=contacts, note="Benchmark")
    mail = OutgoingEmail.objects.filter(kind="phase_acceptance_request", to=[contacts[0].email]).latest("pk")
    return LINK.search(mail.body_text).group(1)


def _append_only_triggers(cursor) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND t.tgname LIKE '%%append_only%%'"
    )
    return cursor.fetchall()


def _force_delete(queryset, depth: int = 0) -> None:
    """Delete, first deleting whatever protects the rows (the fixture's own rows only)."""
    from collections import defaultdict

    from django.db.models import ProtectedError, RestrictedError

    for _attempt in range(20):
        try:
            queryset.delete()
            return
        except (ProtectedError, RestrictedError) as error:
            if depth > 10:
                raise
            blockers = error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects
            by_model = defaultdict(list)
            for obj in blockers:
                by_model[type(obj)].append(obj.pk)
            for model, pks in by_model.items():
                _force_delete(model._base_manager.filter(pk__in=pks), depth + 1)
    raise RuntimeError("could not delete the benchmark's fixture login")


def delete_accept_user() -> None:
    """Remove the POST fixtures of an earlier run (append-only triggers off in this transaction only)."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    users = get_user_model().objects.filter(username=ACCEPT_USER)
    if not users.exists():
        return
    with transaction.atomic(), connection.cursor() as cursor:
        triggers = _append_only_triggers(cursor) if connection.vendor == "postgresql" else []
        for table, name in triggers:
            cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER "{name}"')
        _force_delete(users)
        for table, name in triggers:
            cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER "{name}"')


def post_links(count: int) -> list[PostLink]:
    """``count`` delivered phases of ``benchaccept``, each with a fresh acceptance request and link."""
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone

    from contracts.models import BusinessProfile
    from freelance.lib.tokens import new_token, token_hash
    from freelance.links.models import ClientLink
    from projects.models import AcceptanceRequest, Client, Contact, Phase, Project

    delete_accept_user()
    now = timezone.now()
    today = timezone.localdate()
    with transaction.atomic():
        owner = get_user_model().objects.create_user(
            ACCEPT_USER, "benchaccept@example.nl", first_name="Bram", last_name="Bench"
        )
        BusinessProfile.objects.create(
            owner=owner, business_name="Studio Bench", street_address="Lange Nieuwstraat 2", postcode="3512 PH",
            city="Utrecht", kvk_number="87654321", vat_id="NL001234567B29", iban="NL91ABNA0417164300",
        )  # fmt: skip
        client = Client.objects.create(
            owner=owner, name="Bakkerij Bench B.V.", street_address="Oudegracht 1", postcode="3511 AA",
            city="Utrecht", kvk_number="12345678", vat_id="NL123456789B13", language="nl",
        )  # fmt: skip
        contact = Contact.objects.create(
            client=client, name="Jan Jansen", email="jan@client.example", is_decision_maker=True, is_budget_holder=True
        )
        projects = Project.objects.bulk_create(
            Project(owner=owner, client=client, name=f"Webshop {n}", status=Project.Status.ACTIVE,
                    first_deadline=today + timedelta(days=60))
            for n in range(count)
        )  # fmt: skip
        phases = []
        for project in projects:
            phases.append(Phase(project=project, position=1, title="Ontwerp", fixed_price=Decimal(2500),
                                status=Phase.Status.DELIVERED, delivered_at=now))  # fmt: skip
            phases.append(Phase(project=project, position=2, title="Bouw", fixed_price=Decimal(4000)))
        delivered = [p for p in Phase.objects.bulk_create(phases) if p.position == 1]
        content_type = ContentType.objects.get_for_model(Phase)
        tokens = [new_token() for _ in delivered]
        links = ClientLink.objects.bulk_create(
            ClientLink(owner=owner, purpose=ClientLink.Purpose.PHASE_ACCEPTANCE, token_hash=token_hash(token),
                       content_type=content_type, object_id=phase.pk, recipient_email=contact.email,
                       recipient_name=contact.name, language="nl", created_at=now,
                       expires_at=now + timedelta(days=14))
            for phase, token in zip(delivered, tokens, strict=True)
        )  # fmt: skip
        requests = AcceptanceRequest.objects.bulk_create(
            AcceptanceRequest(phase=phase, link=link, contact=contact, delivery_note="Klaar voor uw controle.",
                              deliverables=["https://staging.example/"], created_by=owner, created_at=now)
            for phase, link in zip(delivered, links, strict=True)
        )  # fmt: skip
    return [
        PostLink(token=token, public_id=str(link.public_id), request_pk=request.pk, typed_name=contact.name)
        for token, link, request in zip(tokens, links, requests, strict=True)
    ]


def snapshot_hashes(request_pks: list[int]) -> dict[int, str]:
    """What each acceptance page shows today, hashed as the page does (the POST must send it back)."""
    from django.utils import timezone

    from projects import acceptance as flow
    from projects.models import AcceptanceRequest

    today = timezone.localdate()
    requests = (
        AcceptanceRequest.objects.filter(pk__in=request_pks)
        .select_related("phase__project__client", "phase__project__owner", "link")
        .prefetch_related("phase__scope_items")
    )
    return {r.pk: flow.snapshot_hash(flow.build_snapshot(r, today=today)) for r in requests}


def post_outcome(links: list[PostLink]) -> dict[str, int]:
    from freelance.links.models import ClientLink
    from projects.models import Acceptance, Phase

    public_ids = [link.public_id for link in links]
    return {
        "links_used": ClientLink.objects.filter(public_id__in=public_ids, used_at__isnull=False).count(),
        "acceptances": Acceptance.objects.filter(request__link__public_id__in=public_ids).count(),
        "phases_accepted": Phase.objects.filter(
            project__owner__username=ACCEPT_USER, position=1, status=Phase.Status.ACCEPTED
        ).count(),
    }
