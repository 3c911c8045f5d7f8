"""The freelancer's contract page: create from a template, edit the clauses, send, compare, see the evidence.

Every view is scoped to the logged-in freelancer's own projects and 404s on anything else.
Actions are plain POST forms that redirect back; with htmx they re-render the page's main
section (`contracts/contract.html#contract-main`) in place. Invalid input re-renders the
page with the typed text kept and status 422. An accepted contract is read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from contracts import placeholders, services
from contracts.forms.contract import AddClauseForm, ClauseForm, CreateContractForm, DiffForm, SendForm
from contracts.models import Contract, ContractClause, ContractTemplate, ContractVersion
from contracts.rendering import build_snapshot, preview_pdf, values_and_tables, version_reference
from freelance.documents.store import get as get_document
from freelance.lib.evidence import snapshot_hash
from freelance.lib.rules import RuleViolation
from freelance.lib.views import owned_or_404
from freelance.links.models import ClientLink
from projects.models import Project

PAGE = "contracts/contract.html"
MAIN = "contracts/contract.html#contract-main"

STATUS_BADGES = {
    Contract.Status.DRAFT: "badge-neutral",
    Contract.Status.SENT: "badge-info",
    Contract.Status.ACCEPTED: "badge-ok",
}


# -- access ---------------------------------------------------------------------------------------


def _project(request: HttpRequest, pk: int) -> Project:
    return owned_or_404(Project.objects.select_related("client", "owner"), request, pk=pk)


def _contract(request: HttpRequest, pk: int) -> Contract:
    return get_object_or_404(
        Contract.objects.select_related("project__client", "project__owner"),
        project__pk=pk,
        project__owner=request.user,
    )


def _clause(request: HttpRequest, pk: int, clause_pk: int) -> ContractClause:
    return get_object_or_404(
        ContractClause.objects.select_related("contract__project__client"),
        pk=clause_pk,
        contract__project__pk=pk,
        contract__project__owner=request.user,
    )


def _version(request: HttpRequest, pk: int, number: int) -> ContractVersion:
    return get_object_or_404(
        ContractVersion.objects.select_related("contract__project"),
        number=number,
        contract__project__pk=pk,
        contract__project__owner=request.user,
    )


# -- what the page shows ----------------------------------------------------------------------------


@dataclass
class ClauseRow:
    clause: ContractClause
    number: int
    html: SafeString | str
    form: ClauseForm | None
    problems: list[str] = field(default_factory=list)
    can_move_up: bool = False
    can_move_down: bool = False


@dataclass
class VersionRow:
    version: ContractVersion
    verified: bool
    links: list[ClientLink]
    acceptance: object | None


def _render_body(body: str, values, tables) -> tuple[SafeString | str, list[str]]:
    """The clause as HTML from the escaping renderer (safe: every piece is escaped there), or its problems."""
    try:
        return placeholders.render(body, values, tables), []
    except ValidationError as invalid:
        return "", list(invalid.messages)


def _clause_rows(contract: Contract, bound: dict) -> list[ClauseRow]:
    clauses = list(contract.clauses.order_by("position"))
    preview_url = reverse("contracts:clause_preview", args=[contract.project_id])
    with translation.override(contract.language):
        values, tables = values_and_tables(contract)
        rendered = [_render_body(clause.body, values, tables) for clause in clauses]
    rows = []
    for index, (clause, (html, problems)) in enumerate(zip(clauses, rendered, strict=True)):
        number = index + 1
        form = None
        if contract.is_editable:
            form = bound.get(("clause", clause.pk)) or ClauseForm(
                instance=clause, number=number, prefix=f"clause-{clause.pk}", preview_url=preview_url
            )
        rows.append(
            ClauseRow(
                clause=clause,
                number=number,
                html=html,
                form=form,
                problems=problems,
                can_move_up=contract.is_editable and index > 0,
                can_move_down=contract.is_editable and index < len(clauses) - 1,
            )
        )
    return rows


def _version_rows(contract: Contract) -> list[VersionRow]:
    versions = list(contract.versions.select_related("acceptance").order_by("-number"))
    links: dict[int, list[ClientLink]] = {}
    for link in services.links_to_versions(contract).order_by("-created_at", "-pk"):
        links.setdefault(link.object_id, []).append(link)
    return [VersionRow(v, v.verify(), links.get(v.pk, []), getattr(v, "acceptance", None)) for v in versions]


def page_context(request: HttpRequest, project: Project, bound: dict | None = None) -> dict:
    bound = bound or {}
    contract = Contract.objects.filter(project=project).select_related("project__client", "general_terms").first()
    context: dict = {"project": project, "contract": contract}
    if contract is None:
        context["create_form"] = bound.get("create") or CreateContractForm(project=project)
        context["has_templates"] = ContractTemplate.for_user(project.owner_id).exists()
        return context
    contract.project = project
    versions = _version_rows(contract)
    numbers = sorted(row.version.number for row in versions)
    # The newest accepted version binds; while a change is being made it stays binding.
    binding = next((row for row in versions if row.acceptance is not None), None)
    accepted = binding if contract.status == Contract.Status.ACCEPTED else None
    unsent = False
    if contract.is_editable and versions:
        try:
            unsent = snapshot_hash(build_snapshot(contract)) != versions[0].version.snapshot_sha256
        except ValidationError:  # a clause with a problem (shown at the clause) differs from what was sent
            unsent = True
    renegotiations = []
    if accepted is not None:
        renegotiations = [
            {
                "at": event.at,
                "old": _date_or_none(event.data.get("old")),
                "new": _date_or_none(event.data.get("new")),
            }
            for event in services.renegotiations_since(contract, accepted.version)
        ]
    context.update(
        {
            "badge": STATUS_BADGES[contract.status],
            "rows": _clause_rows(contract, bound) if contract.is_editable else [],
            "accepted": accepted,
            "binding": binding,
            "renegotiations": renegotiations,
            "next_number": (numbers[-1] + 1) if numbers else 1,
            "versions": versions,
            "has_unsent_changes": unsent,
            "add_form": (bound.get("add") or AddClauseForm(contract=contract)) if contract.is_editable else None,
            "send_form": (bound.get("send") or SendForm(project=project)) if contract.is_editable else None,
            "diff_form": DiffForm(numbers=numbers) if len(numbers) >= 2 else None,
        }
    )
    return context


def _date_or_none(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def render_page(request: HttpRequest, pk: int, *, bound: dict | None = None, status: int = 200) -> HttpResponse:
    project = _project(request, pk)
    template = MAIN if request.htmx else PAGE
    return render(request, template, page_context(request, project, bound), status=status)


def done(request: HttpRequest, pk: int, anchor: str = "") -> HttpResponse:
    if request.htmx:
        return render_page(request, pk)
    return redirect(reverse("contracts:contract", args=[pk]) + (f"#{anchor}" if anchor else ""))


# -- the page, and creating the contract ------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@vary_on_headers("HX-Request")
def contract_page(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return render_page(request, pk)
    project = _project(request, pk)
    form = CreateContractForm(request.POST, project=project)
    if not form.is_valid():
        return render_page(request, pk, bound={"create": form}, status=422)
    try:
        contract = services.create_contract(project, actor=request.user, template=form.cleaned_data["template"])
    except RuleViolation as refused:
        messages.error(request, str(refused))
        return render_page(request, pk, bound={"create": form}, status=422)
    messages.success(
        request,
        _("The contract is created with %(count)s clauses. Edit them for this client, then send it.")
        % {"count": contract.clauses.count()},
    )
    return done(request, pk)


# -- clauses -------------------------------------------------------------------------------------


def _refused(request: HttpRequest, pk: int, refused: RuleViolation) -> HttpResponse:
    messages.error(request, str(refused))
    return render_page(request, pk, status=422)


@require_POST
@login_required
def clause_add(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    form = AddClauseForm(request.POST, contract=contract)
    if not form.is_valid():
        messages.error(request, _("No clause was added: check the form."))
        return render_page(request, pk, bound={"add": form}, status=422)
    data = form.cleaned_data
    try:
        clause = services.add_clause(
            contract,
            title=data["title"].strip(),
            category=data["category"],
            source=data["source"],
        )
    except RuleViolation as refused:
        return _refused(request, pk, refused)
    messages.success(request, _("Clause “%(title)s” is added at the end.") % {"title": clause.title})
    return done(request, pk, f"clause-{clause.pk}")


@require_POST
@login_required
def clause_save(request: HttpRequest, pk: int, clause_pk: int) -> HttpResponse:
    clause = _clause(request, pk, clause_pk)
    number = clause.contract.clauses.filter(position__lt=clause.position).count() + 1
    form = ClauseForm(
        request.POST,
        instance=clause,
        number=number,
        prefix=f"clause-{clause.pk}",
        preview_url=reverse("contracts:clause_preview", args=[pk]),
    )
    if not form.is_valid():
        messages.error(request, _("Clause %(number)s was not saved: check its text.") % {"number": number})
        return render_page(request, pk, bound={("clause", clause.pk): form}, status=422)
    try:
        if not Contract.objects.get(pk=clause.contract_id).is_editable:
            raise RuleViolation(_("An accepted contract is read-only."))
        form.save()
    except RuleViolation as refused:
        return _refused(request, pk, refused)
    messages.success(request, _("Clause %(number)s is saved.") % {"number": number})
    return done(request, pk, f"clause-{clause.pk}")


@require_POST
@login_required
def clause_move(request: HttpRequest, pk: int, clause_pk: int) -> HttpResponse:
    clause = _clause(request, pk, clause_pk)
    step = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if step is None:
        messages.error(request, _("Choose whether to move the clause up or down."))
        return render_page(request, pk, status=422)
    try:
        moved = services.move_clause(clause, step)
    except RuleViolation as refused:
        return _refused(request, pk, refused)
    if moved:
        messages.success(request, _("“%(title)s” is moved.") % {"title": clause.title})
    else:
        messages.warning(request, _("“%(title)s” is already at that end.") % {"title": clause.title})
    return done(request, pk, f"clause-{clause.pk}")


@require_POST
@login_required
def clause_remove(request: HttpRequest, pk: int, clause_pk: int) -> HttpResponse:
    clause = _clause(request, pk, clause_pk)
    try:
        services.remove_clause(clause)
    except RuleViolation as refused:
        return _refused(request, pk, refused)
    messages.success(request, _("Clause “%(title)s” is removed.") % {"title": clause.title})
    return done(request, pk, "clauses")


@require_POST
@login_required
def clause_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The typed clause text rendered with this project's data. Writes nothing."""
    contract = _contract(request, pk)
    prefix = request.GET.get("prefix", "")
    body = request.POST.get(f"{prefix}-body" if prefix else "body", "")
    with translation.override(contract.language):
        values, tables = values_and_tables(contract)
        html, problems = _render_body(body, values, tables)
    return render(request, f"{PAGE}#clause-preview", {"html": html, "problems": problems})


# -- PDFs, sending, versions ------------------------------------------------------------------------


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_GET
@login_required
def contract_preview_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    return _pdf(preview_pdf(contract), f"contract-{pk}-preview.pdf")


@require_GET
@login_required
def version_pdf_view(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    version = _version(request, pk, number)
    document = get_document(version_reference(version))  # stored after the first render
    return _pdf(document.content, document.filename)


@require_POST
@login_required
def contract_send(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    form = SendForm(request.POST, project=contract.project)
    if not form.is_valid():
        messages.error(request, _("The contract was not sent: choose who gets it."))
        return render_page(request, pk, bound={"send": form}, status=422)
    recipients = list(form.cleaned_data["recipients"])
    try:
        version = services.send_contract(contract, actor=request.user, contacts=recipients)
    except RuleViolation as refused:
        messages.error(request, str(refused))
        return render_page(request, pk, bound={"send": form}, status=422)
    messages.success(
        request,
        _("Version %(number)s of the contract went to %(names)s.")
        % {"number": version.number, "names": ", ".join(c.name for c in recipients)},
    )
    return done(request, pk, "versions")


@require_POST
@login_required
def contract_propose_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the accepted contract for a new version; the accepted one binds until the next is accepted."""
    contract = _contract(request, pk)
    try:
        reopened = services.propose_change(contract)
    except RuleViolation as refused:
        messages.error(request, str(refused))
        return render_page(request, pk, status=422)
    if reopened:
        messages.success(
            request,
            _(
                "Edit the clauses, then send the new version. Until the client accepts it, the version they "
                "accepted stays binding."
            ),
        )
    else:
        messages.info(request, _("The contract is already open for changes."))
    return done(request, pk, "clauses")


@require_GET
@login_required
def contract_diff(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    versions = {v.number: v for v in contract.versions.all()}
    form = DiffForm(request.GET or None, numbers=sorted(versions))
    changes, old, new, status = None, None, None, 200
    if form.is_bound:
        if form.is_valid():
            old, new = versions[form.cleaned_data["old"]], versions[form.cleaned_data["new"]]
            changes = services.diff_versions(old, new)
        else:
            status = 400
    context = {
        "project": contract.project,
        "contract": contract,
        "form": form,
        "changes": changes,
        "old": old,
        "new": new,
    }
    return render(request, "contracts/diff.html", context, status=status)
