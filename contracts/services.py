"""A project's contract from template to acceptance: a workflow across several models.

create_contract copies a template's clauses into the contract, where the freelancer edits
them for this client. send_contract freezes a numbered version (its snapshot and SHA-256
never change), emails the decision maker a personal link with the PDF, and revokes the
links to older versions. accept_contract records the client's yes with its evidence and
makes a proposal a contracted project, which fixes the hard first deadline: after that it
moves only by renegotiation (Project.LOCKED_STATUSES).

An accepted contract changes only by a new version the client accepts (its own clause 2
says so for the first deadline). propose_change reopens it for editing; the accepted version
stays binding (binding_version) until the client accepts the next one. A renegotiated first
deadline after the binding acceptance is the usual reason, and the contract page says so
(renegotiations_since).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts import deposits, placeholders
from contracts.models import (
    ClauseTemplate,
    Contract,
    ContractAcceptance,
    ContractClause,
    ContractTemplate,
    ContractVersion,
)
from contracts.rendering import freeze, version_filename, version_reference
from freelance.lib.evidence import Meta, SnapshotChanged
from freelance.lib.formats import freelancer_name
from freelance.lib.rules import RuleViolation
from freelance.links.models import ClientLink, LinkUnavailable
from freelance.outbox.notify import notify_client_then_freelancer
from freelance.outbox.queue import DocumentRef, queue_email
from projects.models import Contact, PhaseEvent, Project

PURPOSE = ClientLink.Purpose.CONTRACT_ACCEPTANCE


class VersionSuperseded(Exception):
    """A newer version of the contract was sent: this one can no longer be accepted."""


# -- creating and editing -------------------------------------------------------------------


def default_template(owner, language: str) -> ContractTemplate | None:
    """The freelancer's own default contract template for the language, else the install's."""
    return ContractTemplate.default_for(owner, language)


def create_contract(project: Project, *, actor, template: ContractTemplate | None = None) -> Contract:
    """The project's contract, with a copy of every clause of the template (or the default one)."""
    if Contract.objects.filter(project=project).exists():
        raise RuleViolation(_("This project already has a contract."))
    if project.status in (Project.Status.COMPLETED, Project.Status.STOPPED):
        raise RuleViolation(_("This project is closed; it gets no new contract."))
    template = template or default_template(project.owner_id, project.client.language)
    if template is None:
        raise RuleViolation(_("There is no default contract template in the client's language yet."))
    if template.owner_id not in (None, project.owner_id):
        raise RuleViolation(_("That contract template is not yours."))
    try:
        with transaction.atomic():
            contract = Contract.objects.create(
                project=project,
                template=template,
                language=template.language,
                general_terms=template.general_terms(project.owner_id),
            )
            ContractClause.objects.bulk_create(
                ContractClause(
                    contract=contract,
                    position=position,
                    category=source.category,
                    title=source.title,
                    body=source.body,
                    source=source,
                )
                for position, source in enumerate(template.clauses(project.owner_id), start=1)
            )
    except IntegrityError:  # another request created it a moment ago (OneToOne)
        raise RuleViolation(_("This project already has a contract.")) from None
    return contract


def _lock_editable(contract: Contract) -> Contract:
    """Lock the contract row; refuse if it was accepted. Call inside a transaction."""
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    if not locked.is_editable:
        raise RuleViolation(_("An accepted contract is read-only."))
    return locked


def add_clause(
    contract: Contract, *, title: str, body: str = "", category: str = "", source: ClauseTemplate | None = None
) -> ContractClause:
    with transaction.atomic():
        _lock_editable(contract)
        last = contract.clauses.aggregate(m=models.Max("position"))["m"] or 0
        if source is not None:
            title, body, category = title or source.title, body or source.body, category or source.category
        return ContractClause.objects.create(
            contract=contract, position=last + 1, title=title, body=body, category=category, source=source
        )


def move_clause(clause: ContractClause, step: int) -> bool:
    """Swap the clause with its neighbour above (-1) or below (+1); False at either end."""
    with transaction.atomic():
        contract = _lock_editable(clause.contract)
        current = ContractClause.objects.get(pk=clause.pk)
        siblings = contract.clauses.order_by("position")
        neighbour = (
            siblings.filter(position__lt=current.position).last()
            if step < 0
            else siblings.filter(position__gt=current.position).first()
        )
        if neighbour is None:
            return False
        # Three steps, so the unique (contract, position) constraint never sees a clash.
        parked = (contract.clauses.aggregate(m=models.Max("position"))["m"] or 0) + 1
        ContractClause.objects.filter(pk=current.pk).update(position=parked)
        ContractClause.objects.filter(pk=neighbour.pk).update(position=current.position)
        ContractClause.objects.filter(pk=current.pk).update(position=neighbour.position)
        clause.position = neighbour.position
        return True


def remove_clause(clause: ContractClause) -> None:
    with transaction.atomic():
        contract = _lock_editable(clause.contract)
        position = ContractClause.objects.filter(pk=clause.pk).values_list("position", flat=True).first()
        if position is None:
            return
        ContractClause.objects.filter(pk=clause.pk).delete()
        # Close the gap in two steps, so no row ever collides with another's position.
        later = contract.clauses.filter(position__gt=position)
        later.update(position=models.F("position") + 10_000)
        contract.clauses.filter(position__gt=10_000).update(position=models.F("position") - 10_001)


# -- sending ------------------------------------------------------------------------------------


def default_recipients(project: Project) -> list[Contact]:
    return project.client.deciders()


def links_to_versions(contract: Contract):
    version_type = ContentType.objects.get_for_model(ContractVersion)
    return ClientLink.objects.filter(
        purpose=PURPOSE, content_type=version_type, object_id__in=contract.versions.values("pk")
    )


def send_contract(contract: Contract, *, actor, contacts: list[Contact] | None = None) -> ContractVersion:
    """Freeze the next version and email each contact a personal link to accept it, with the PDF.

    Links to earlier versions stop working. Sending an unchanged contract again sends the
    same version with fresh links.
    """
    project = contract.project
    if not contract.is_editable:
        raise RuleViolation(_("This contract is already accepted."))
    if project.status in (Project.Status.COMPLETED, Project.Status.STOPPED):
        raise RuleViolation(_("This project is closed; its contract is not sent any more."))
    if project.status == Project.Status.PROPOSAL and (project.first_deadline is None or not project.phases.exists()):
        raise RuleViolation(
            _(
                "Set the hard first deadline and plan at least one phase first: "
                "accepting the contract makes the project contracted."
            )
        )
    bodies = list(contract.clauses.order_by("position").values_list("body", flat=True))
    if not bodies:
        raise RuleViolation(_("Add at least one clause before sending the contract."))
    for number, body in enumerate(bodies, start=1):
        if problems := placeholders.errors_in(body):
            raise RuleViolation(
                _("Clause %(number)s cannot be sent: %(problems)s") % {"number": number, "problems": " ".join(problems)}
            )
    if contacts is None:
        contacts = default_recipients(project)
    contacts = [c for c in contacts if c.email and c.client_id == project.client_id]
    if not contacts:
        raise RuleViolation(_("Choose at least one contact with an email address."))
    with transaction.atomic():
        _lock_editable(contract)
        version = freeze(contract, actor=actor)
        if ContractAcceptance.objects.filter(version=version).exists():
            raise RuleViolation(
                _("Nothing changed since version %(number)s, which the client accepted. Change the contract first.")
                % {"number": version.number}
            )
        links_to_versions(contract).filter(ClientLink.usable()).update(
            revoked_at=timezone.now(), revoked_reason=_("a newer version of the contract was sent")[:200]
        )
        # By reference: the version's PDF is rendered after commit, not while the contract is locked.
        attachment = (
            version_filename(version),
            DocumentRef(version_reference(version, accepted=False)),
            "application/pdf",
        )
        for contact in contacts:
            _issue(version, contact, attachment)
        Contract.objects.filter(pk=contract.pk).update(status=Contract.Status.SENT)
        contract.status = Contract.Status.SENT
    return version


def _issue(version: ContractVersion, contact: Contact, attachment: tuple[str, bytes, str]) -> ClientLink:
    project = version.contract.project
    language = project.client.language
    link, token = ClientLink.issue(
        owner=project.owner,
        purpose=PURPOSE,
        target=version,
        recipient_email=contact.email,
        recipient_name=contact.name,
        language=language,
    )
    context = {
        "version": version,
        "project": project,
        "contact": contact,
        "freelancer": freelancer_name(project.owner),
        "url": ClientLink.url_for(token),
        "expires_at": link.expires_at,
    }
    queue_email(
        owner=project.owner,
        to=[contact.email],
        reply_to=[project.owner.email] if project.owner.email else [],
        template="contract_request",
        context=context,
        language=language,
        kind="contract_request",
        attachments=[attachment],
    )
    return link


# -- changing an accepted contract -------------------------------------------------------------


def binding_version(contract: Contract) -> ContractVersion | None:
    """The newest version the client accepted: what binds both parties now."""
    return contract.versions.filter(acceptance__isnull=False).select_related("acceptance").order_by("-number").first()


def renegotiations_since(contract: Contract, version: ContractVersion) -> list[PhaseEvent]:
    """First-deadline renegotiations recorded after the client accepted ``version``, oldest first."""
    return list(
        PhaseEvent.objects.filter(
            project_id=contract.project_id,
            kind=PhaseEvent.Kind.RENEGOTIATED,
            at__gt=version.acceptance.decided_at,
        ).order_by("at", "pk")
    )


def propose_change(contract: Contract) -> bool:
    """Open an accepted contract for a new version; False if it was not accepted (a double click).

    Nothing the client agreed to changes: the accepted version, its evidence and its PDF stay
    as they are, and stay binding until the client accepts the version sent next.
    """
    project = contract.project
    if project.status in (Project.Status.COMPLETED, Project.Status.STOPPED):
        raise RuleViolation(_("This project is closed; its contract no longer changes."))
    reopened = Contract.objects.filter(pk=contract.pk, status=Contract.Status.ACCEPTED).update(
        status=Contract.Status.DRAFT
    )
    if reopened:
        contract.status = Contract.Status.DRAFT
    return bool(reopened)


# -- the client accepts -------------------------------------------------------------------------


def accept_contract(
    version: ContractVersion, *, link: ClientLink, visit: dict, meta: Meta, typed_name: str, shown_hash: str
) -> ContractAcceptance:
    """Record the client's acceptance of this version with its evidence; contract the project.

    Raises LinkUnavailable if the link was used, revoked or expired meanwhile (a double
    submit, or another contact was quicker), SnapshotChanged if what the page showed is not
    this version, VersionSuperseded if a newer version was sent (the link is then revoked),
    RuleViolation if the contract was accepted through another link or the project cannot
    become contracted.
    """
    try:
        with transaction.atomic():
            link.claim()
            contract = Contract.objects.select_for_update().select_related("project").get(pk=version.contract_id)
            newest = contract.versions.order_by("-number").values_list("pk", flat=True).first()
            if newest != version.pk:
                raise VersionSuperseded
            if shown_hash != version.snapshot_sha256 or not version.verify():
                raise SnapshotChanged
            if (
                contract.status == Contract.Status.ACCEPTED
                or ContractAcceptance.objects.filter(version=version).exists()
            ):
                raise RuleViolation(_("This contract is already accepted."))
            acceptance = ContractAcceptance.record(
                visit=visit,
                meta=meta,
                version=version,
                link=link,
                typed_name=typed_name,
                contact_name=link.recipient_name,
                contact_email=link.recipient_email,
            )
            Contract.objects.filter(pk=contract.pk).update(status=Contract.Status.ACCEPTED)
            contract.status = Contract.Status.ACCEPTED
            version.contract = contract
            project = contract.project
            if project.status == Project.Status.PROPOSAL:
                project.mark_contracted(
                    None,
                    reason=_("Contract version %(number)s accepted by %(name)s (client, via email link)")
                    % {"number": version.number, "name": typed_name},
                )
            deposits.draft_deposit(project)  # the advance the project asks, drafted once for review
            notify(acceptance)
    except VersionSuperseded:
        link.used_at = None  # the claim was rolled back with the rest
        link.revoke(_("a newer version of the contract was sent"))
        raise
    return acceptance


def notify(acceptance: ContractAcceptance) -> None:
    """The client gets a confirmation with the PDF (now with the evidence); the freelancer hears at once."""
    version = acceptance.version
    project = version.contract.project
    notify_client_then_freelancer(
        "contract_accepted",
        owner=project.owner,
        client_email=acceptance.contact_email,
        client_language=project.client.language,
        context={
            "acceptance": acceptance,
            "version": version,
            "project": project,
            "freelancer": freelancer_name(project.owner),
        },
        attachments=[
            (version_filename(version), DocumentRef(version_reference(version, accepted=True)), "application/pdf")
        ],
    )


# -- comparing versions -------------------------------------------------------------------------


@dataclass
class DiffLine:
    kind: str  # "add", "remove", "context" or "hunk"
    text: str


@dataclass
class ClauseChange:
    kind: str  # "added", "removed" or "changed"
    title: str
    old_number: int | None = None
    new_number: int | None = None
    old_title: str = ""
    lines: list[DiffLine] = field(default_factory=list)

    @property
    def renamed(self) -> bool:
        return self.kind == "changed" and bool(self.old_title) and self.old_title != self.title


def _lines(old: str, new: str, old_label: str, new_label: str) -> list[DiffLine]:
    kinds = {"+": "add", "-": "remove", "@": "hunk"}
    diff = difflib.unified_diff(
        old.splitlines(), new.splitlines(), fromfile=old_label, tofile=new_label, lineterm="", n=2
    )
    return [
        DiffLine(kinds.get(line[:1], "context"), line)
        for line in diff
        if not line.startswith(("---", "+++"))  # the labels are shown as the change's heading
    ]


def _change(kind: str, old: dict | None, new: dict | None, old_version: int, new_version: int) -> ClauseChange:
    return ClauseChange(
        kind=kind,
        title=(new or old)["title"],
        old_number=old["number"] if old else None,
        new_number=new["number"] if new else None,
        old_title=old["title"] if old else "",
        lines=_lines(
            old["text"] if old else "",
            new["text"] if new else "",
            f"v{old_version}",
            f"v{new_version}",
        ),
    )


SAME_CLAUSE_LIKENESS = 0.5  # texts at least this alike (difflib ratio) are one clause, edited


def _pair_by_likeness(before: list[dict], after: list[dict]) -> list[tuple[dict, dict]]:
    """Pairs of clauses in a replaced stretch that are the same clause edited (similar text), greedily."""
    scored = sorted(
        (
            (difflib.SequenceMatcher(None, a["text"], b["text"], autojunk=False).ratio(), i, j)
            for i, a in enumerate(before)
            for j, b in enumerate(after)
        ),
        reverse=True,
    )
    used_old, used_new, pairs = set(), set(), []
    for ratio, i, j in scored:
        if ratio < SAME_CLAUSE_LIKENESS:
            break
        if i not in used_old and j not in used_new:
            used_old.add(i)
            used_new.add(j)
            pairs.append((i, j))
    return [(before[i], after[j]) for i, j in sorted(pairs, key=lambda pair: pair[1])]


def diff_versions(old: ContractVersion, new: ContractVersion) -> list[ClauseChange]:
    """What changed from one version to another, clause by clause, for display.

    Clauses are matched by title in order (difflib); in a stretch where titles differ, a
    clause whose text is still alike is the same clause edited or renamed ("changed"), the
    rest were removed or added. The text compared is the snapshot's plain text, with the
    placeholders filled, so a changed date or rate shows too.
    """
    before, after = old.snapshot["clauses"], new.snapshot["clauses"]
    matcher = difflib.SequenceMatcher(None, [c["title"] for c in before], [c["title"] for c in after], autojunk=False)
    changes: list[ClauseChange] = []
    numbers = (old.number, new.number)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        olds, news = before[i1:i2], after[j1:j2]
        pairs = list(zip(olds, news, strict=True)) if tag == "equal" else _pair_by_likeness(olds, news)
        for a, b in pairs:
            if a["title"] != b["title"] or a["text"] != b["text"]:
                changes.append(_change("changed", a, b, *numbers))
        paired_old = {id(a) for a, _b in pairs}
        paired_new = {id(b) for _a, b in pairs}
        changes.extend(_change("removed", a, None, *numbers) for a in olds if id(a) not in paired_old)
        changes.extend(_change("added", None, b, *numbers) for b in news if id(b) not in paired_new)
    old_terms, new_terms = old.snapshot.get("general_terms"), new.snapshot.get("general_terms")
    if old_terms != new_terms:
        a = {"number": None, **old_terms} if old_terms else None
        b = {"number": None, **new_terms} if new_terms else None
        kind = "changed" if a and b else ("added" if b else "removed")
        changes.append(_change(kind, a, b, *numbers))
    return changes


__all__ = [
    "ClauseChange",
    "LinkUnavailable",
    "Meta",
    "SnapshotChanged",
    "VersionSuperseded",
    "accept_contract",
    "add_clause",
    "create_contract",
    "default_recipients",
    "default_template",
    "diff_versions",
    "move_clause",
    "remove_clause",
    "send_contract",
]
