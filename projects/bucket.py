"""The bucket (bakje) and the beep (piepsysteem).

Every later wish goes into the project's bucket. If it raises cost, the client hears at
once and chooses: stop, pay, or swap it for planned scope of about the same size. The
hard deadline never moves for it: paid work lands in a later or a new phase.

The wish's own moves (assess, classify, decide, finish, drop: guard, conditional UPDATE,
event) are methods on `ChangeRequest`; this module is the workflow around them that spans
models: the beep's links and mails, the client's evidence, and swapping planned scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from freelance.lib.evidence import Meta, SnapshotChanged, canonical, snapshot_hash
from freelance.lib.formats import freelancer_name
from freelance.lib.rules import RuleViolation
from freelance.links.models import ClientLink
from freelance.outbox.notify import notify_client_then_freelancer
from freelance.outbox.queue import queue_email, queue_emails
from projects.models import ChangeDecision, ChangeRequest, Contact, Phase, Project, ScopeItem, history_message

CR = ChangeRequest
HUNDRED = Decimal("100")


def log(change_request: ChangeRequest, actor, what: str, *, actor_label: str = "", **data) -> None:
    change_request.log(actor, what, actor_label=actor_label, **data)


# -- the freelancer's steps -----------------------------------------------------------


def add_wish(project: Project, *, title: str, actor=None, actor_label: str = "", **fields) -> ChangeRequest:
    if project.status in (Project.Status.COMPLETED, Project.Status.STOPPED):
        raise RuleViolation(_("This project is closed; its bucket takes no new wishes."))
    with transaction.atomic():
        wish = CR.objects.create(project=project, title=title, **fields)
        log(wish, actor, history_message("Wish added to the bucket"), actor_label=actor_label, source=wish.source)
    return wish


def assess(change_request: ChangeRequest, *, estimate_hours: Decimal, actor) -> None:
    change_request.assess(actor, estimate_hours=estimate_hours)


def classify(
    change_request: ChangeRequest, *, classification: str, actor, target_phase: Phase | None = None
) -> list[ClientLink]:
    """Fits the scope or own misjudgement: decided at once. Extra cost: the beep goes out."""
    with transaction.atomic():
        change_request.classify(actor, classification=classification, target_phase=target_phase)
        if change_request.status != CR.Status.WAITING:
            return []
        if not any(c.email for c in change_request.project.client.contacts.all()):
            return []  # no one to email: the freelancer records the decision when it comes
        return beep(change_request, actor=actor)


def beep(
    change_request: ChangeRequest, *, actor, contacts: list[Contact] | None = None, nudge: bool = False
) -> list[ClientLink]:
    """Email the decision maker(s) a link to decide; older links for this wish stop working.

    `nudge`: the same mail as a reminder, sent by the sweep when the client has not decided."""
    if change_request.status != CR.Status.WAITING:
        raise RuleViolation(_("Only a wish waiting for the client's decision can be sent."))
    project = change_request.project
    contacts = contacts or project.client.deciders()
    if not contacts:
        raise RuleViolation(_("No contact of this client has an email address: record their decision by phone."))
    links = []
    with transaction.atomic():
        ClientLink.for_target(change_request).filter(ClientLink.usable()).update(
            revoked_at=timezone.now(), revoked_reason="a newer link was sent"
        )
        for contact in contacts:
            link, token = ClientLink.issue(**_beep_link_spec(change_request, contact))
            queue_email(**_beep_mail(change_request, contact, link, token, placement(change_request), nudge=nudge))
            links.append(link)
    return links


def beep_many(wishes: list[ChangeRequest], *, actor, nudge: bool = False) -> dict[int, list[ClientLink]]:
    """``beep`` each wish to its decision maker(s), with the same queries for one wish as for five hundred.

    A wish ``beep`` would refuse (not waiting, no contact with an email address) is left out,
    untouched: the sweep skips it quietly. Returns the new links per wish id. One query reads
    the clients' contacts, at most two the wishes' placements, one UPDATE revokes the older
    links, one INSERT makes the new ones, and the mails are queued together (``queue_emails``).
    Each wish should come with its project's owner and client and its target phase
    (``select_related``), or reading them costs a query each."""
    waiting = [wish for wish in wishes if wish.status == CR.Status.WAITING]
    prefetch_related_objects([wish.project.client for wish in waiting], "contacts")
    asked = [(wish, wish.project.client.deciders()) for wish in waiting]
    asked = [(wish, contacts) for wish, contacts in asked if contacts]
    if not asked:
        return {}
    where = placements([wish for wish, _contacts in asked])
    pairs = [(wish, contact) for wish, contacts in asked for contact in contacts]
    links: dict[int, list[ClientLink]] = {wish.pk: [] for wish, _contacts in asked}
    with transaction.atomic():
        ClientLink.for_targets([wish for wish, _contacts in asked]).filter(ClientLink.usable()).update(
            revoked_at=timezone.now(), revoked_reason="a newer link was sent"
        )
        issued = ClientLink.issue_many([_beep_link_spec(wish, contact) for wish, contact in pairs])
        queue_emails(
            [
                _beep_mail(wish, contact, link, token, where[wish.pk], nudge=nudge)
                for (wish, contact), (link, token) in zip(pairs, issued, strict=True)
            ]
        )
        for (wish, _contact), (link, _token) in zip(pairs, issued, strict=True):
            links[wish.pk].append(link)
    return links


def _beep_link_spec(change_request: ChangeRequest, contact: Contact) -> dict:
    return contact.link_fields(change_request.project, ClientLink.Purpose.CHANGE_DECISION, change_request)


def _beep_mail(
    change_request: ChangeRequest, contact: Contact, link: ClientLink, token: str, where: Placement, *, nudge: bool
) -> dict:
    """``queue_email`` keyword arguments: the beep (or its nudge) with the contact's link."""
    project = change_request.project
    return {
        "owner": project.owner,
        "to": [contact.email],
        "reply_to": [project.owner.email] if project.owner.email else [],
        "template": "change_request_beep",
        "context": {
            "wish": change_request,
            "project": project,
            "contact": contact,
            "freelancer": freelancer_name(project.owner),
            "url": ClientLink.url_for(token),
            "expires_at": link.expires_at,
            "placement": where,
            "nudge": nudge,
        },
        "language": project.client.language,
        "kind": "change_request_nudge" if nudge else "change_request_beep",
    }


# -- what the client is shown -----------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    phase: Phase | None  # None: a new phase after the last one
    position: int
    title: str


def placement(change_request: ChangeRequest) -> Placement:
    phase = change_request.target_phase
    if phase is not None:
        return Placement(phase, phase.position, phase.title)
    last = change_request.project.phases.aggregate(m=Max("position"))["m"] or 0
    return Placement(None, last + 1, _("Extra work"))


def placements(wishes: list[ChangeRequest]) -> dict[int, Placement]:
    """``placement`` for many wishes, by id: at most two queries (target phases not loaded yet,
    the last position of the projects the wishes without a target would extend)."""
    unloaded = [w.target_phase_id for w in wishes if w.target_phase_id and not CR.target_phase.is_cached(w)]
    phases = Phase.objects.in_bulk(unloaded) if unloaded else {}
    extending = {w.project_id for w in wishes if w.target_phase_id is None}
    last = (
        dict(
            Phase.objects.filter(project_id__in=extending)
            .order_by()
            .values("project_id")
            .annotate(m=Max("position"))
            .values_list("project_id", "m")
        )
        if extending
        else {}
    )
    found = {}
    for wish in wishes:
        if wish.target_phase_id is None:
            found[wish.pk] = Placement(None, (last.get(wish.project_id) or 0) + 1, _("Extra work"))
            continue
        phase = phases.get(wish.target_phase_id) or wish.target_phase
        found[wish.pk] = Placement(phase, phase.position, phase.title)
    return found


def swappable_items(project: Project) -> list[ScopeItem]:
    """Planned scope the client may give up: in the plan, in phases not accepted yet."""
    return list(
        ScopeItem.objects.filter(phase__project=project)
        .exclude(phase__status=Phase.Status.ACCEPTED)
        .select_related("phase")
        .order_by("phase__position", "position", "pk")
    )


def build_snapshot(change_request: ChangeRequest) -> dict:
    where = placement(change_request)
    return {
        "wish": change_request.pk,
        "freelancer": freelancer_name(change_request.project.owner),
        "client": change_request.project.client.name,
        "project": change_request.project.name,
        "title": change_request.title,
        "description": change_request.description,
        "estimate_hours": str(change_request.estimate_hours),
        "hourly_rate": str(change_request.hourly_rate),
        "cost": str(change_request.cost),
        # Language-neutral: a new phase has no title yet, so the hash does not depend on the page language.
        "goes_into": {
            "position": where.position,
            "title": where.phase.title if where.phase else None,
            "new_phase": where.phase is None,
        },
        "hard_deadline": change_request.project.first_deadline.isoformat()
        if change_request.project.first_deadline
        else None,
        "swap_tolerance_percent": change_request.project.swap_tolerance_percent,
        "swappable": [
            {
                "id": item.pk,
                "phase": item.phase.position,
                "phase_title": item.phase.title,
                "title": item.title,
                "hours": str(item.estimate_hours),
            }
            for item in swappable_items(change_request.project)
        ],
    }


# -- the decision -----------------------------------------------------------------------


def swap_bounds(change_request: ChangeRequest) -> tuple[Decimal, Decimal]:
    """The least and the most planned hours the client may give up for this wish."""
    wish = change_request.estimate_hours or Decimal("0")
    tolerance = wish * Decimal(change_request.project.swap_tolerance_percent) / HUNDRED
    return wish - tolerance, wish + tolerance


def check_swap(change_request: ChangeRequest, items: list[ScopeItem]) -> None:
    """The swap must balance: the given-up hours within the tolerance of the wish's estimate."""
    if not items:
        raise RuleViolation(_("Choose the planned work you would give up in exchange."))
    wish = change_request.estimate_hours or Decimal("0")
    given = sum((item.estimate_hours for item in items), Decimal("0"))
    low, high = swap_bounds(change_request)
    if not low <= given <= high:
        raise RuleViolation(
            _(
                "The swap does not balance: the wish takes about %(wish)s hours, the work you chose to give up "
                "%(given)s hours. Choose work between %(low)s and %(high)s hours in total."
            )
            % {
                "wish": f"{wish.normalize():f}",
                "given": f"{given.normalize():f}",
                "low": f"{low.normalize():f}",
                "high": f"{high.normalize():f}",
            }
        )


def resolve_items(change_request: ChangeRequest, item_ids: list) -> list[ScopeItem]:
    """Turn submitted ids into swappable items of this project; anything else is refused, plainly."""
    try:
        wanted = {int(pk) for pk in item_ids}
    except (TypeError, ValueError):
        raise RuleViolation(_("That choice of work is not valid. Please choose again.")) from None
    allowed = {item.pk: item for item in swappable_items(change_request.project)}
    if not wanted <= set(allowed):
        raise RuleViolation(
            _("Only planned work of phases that are not accepted yet can be swapped. Please choose again.")
        )
    return [allowed[pk] for pk in sorted(wanted)]


def decide(
    change_request: ChangeRequest,
    *,
    decision: str,
    item_ids: list | None = None,
    link: ClientLink | None = None,
    visit: dict | None = None,
    meta: Meta,
    recorded_by=None,
    note: str = "",
    shown_hash: str | None = None,
) -> ChangeDecision:
    """Apply the client's stop / pay / swap, with its evidence. By link, or recorded by the freelancer."""
    if decision not in CR.Decision.values:
        raise RuleViolation(_("Choose: stop, pay or swap."))
    if change_request.status != CR.Status.WAITING:
        raise RuleViolation(change_request.refusal())
    if recorded_by is None and link is None:
        raise RuleViolation(_("A decision comes from the client's link or is recorded by the freelancer."))
    if recorded_by is not None and not note.strip():
        raise RuleViolation(_("Note how the client decided, e.g. 'by phone on Tuesday'."))
    snapshot = build_snapshot(change_request)
    digest = snapshot_hash(snapshot)
    if shown_hash is not None and shown_hash != digest:
        raise SnapshotChanged
    items = resolve_items(change_request, item_ids or []) if decision == CR.Decision.SWAP else []
    if decision == CR.Decision.SWAP:
        check_swap(change_request, items)
    # Language-neutral: the history shows it in its reader's language (projects.models.history_text).
    label = (
        history_message("%(name)s (client, via email link)", name=link.recipient_name)
        if link is not None
        else history_message("%(name)s, recorded by the freelancer", name=freelancer_name(recorded_by))
    )
    visit = visit or {}
    with transaction.atomic():
        if link is not None:
            link.claim()
        change_request.record_decision(recorded_by, decision=decision, at=meta.at, actor_label=label)
        if decision == CR.Decision.PAY:
            phase = _phase_for_extra_work(change_request, recorded_by)
            _add_item(change_request, phase, billable=True)
        elif decision == CR.Decision.SWAP:
            # The given-up items leave the plan (kept, marked), the wish takes their place.
            taken = ScopeItem.objects.filter(pk__in=[i.pk for i in items], swapped_out_by__isnull=True).exclude(
                phase__status=Phase.Status.ACCEPTED
            )
            if taken.update(swapped_out_by=change_request) != len(items):
                raise RuleViolation(_("Part of that work changed in the meantime. Please choose again."))
            phase = change_request.target_phase or items[0].phase
            phase.refresh_from_db()
            if phase.is_read_only:
                phase = items[0].phase
            _add_item(change_request, phase, billable=False)
        ClientLink.for_target(change_request).filter(ClientLink.usable()).update(
            revoked_at=timezone.now(), revoked_reason="decided"
        )
        evidence = ChangeDecision.record(
            visit=visit,
            meta=meta,
            snapshot=snapshot,
            change_request=change_request,
            decision=decision,
            swapped_items=[{"id": i.pk, "title": i.title, "hours": str(i.estimate_hours)} for i in items],
            link=link,
            contact_name=link.recipient_name if link else "",
            contact_email=link.recipient_email if link else "",
            recorded_by=recorded_by,
            note=note,
        )
        _notify(evidence)
    return evidence


def _phase_for_extra_work(change_request: ChangeRequest, actor) -> Phase:
    phase = change_request.target_phase
    if phase is not None:
        phase.refresh_from_db()
        if not phase.is_read_only:
            return phase
    # No (open) target: a new phase after the last one. The hard first deadline never moves.
    return change_request.project.add_phase(actor, title=_("Extra work: %(title)s") % {"title": change_request.title})


def _add_item(change_request: ChangeRequest, phase: Phase, *, billable: bool) -> ScopeItem:
    position = (ScopeItem.all_objects.filter(phase=phase).aggregate(m=Max("position"))["m"] or 0) + 1
    return ScopeItem.objects.create(
        phase=phase,
        position=position,
        title=change_request.title,
        estimate_hours=change_request.estimate_hours or Decimal("0"),
        change_request=change_request,
        billable_extra=billable,
    )


def _notify(evidence: ChangeDecision) -> None:
    """The client's confirmation; the freelancer hears only of decisions they did not record themselves."""
    wish = evidence.change_request
    project = wish.project
    notify_client_then_freelancer(
        "change_decision",
        owner=project.owner,
        client_email=evidence.contact_email,
        client_language=project.client.language,
        context={"wish": wish, "evidence": evidence, "project": project, "freelancer": freelancer_name(project.owner)},
        tell_freelancer=evidence.recorded_by is None,
    )


def mark_done(change_request: ChangeRequest, *, actor) -> None:
    change_request.finish(actor)


def drop(change_request: ChangeRequest, *, actor, reason: str) -> None:
    """Drop a pending wish; its beep links stop working in the same transaction."""
    with transaction.atomic():
        change_request.drop(actor, reason=reason)
        ClientLink.for_target(change_request).filter(ClientLink.usable()).update(
            revoked_at=timezone.now(), revoked_reason="dropped"
        )


__all__ = [
    "Meta",
    "add_wish",
    "assess",
    "beep",
    "beep_many",
    "build_snapshot",
    "canonical",
    "check_swap",
    "classify",
    "decide",
]
