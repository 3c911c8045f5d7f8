"""Creating a project, and the phase plan editor.

Every action works twice: with htmx it swaps the part of the page it changed (plus
out-of-band swaps for the dates, the totals and the messages); without JavaScript it is
a plain POST that redirects back to the editor with a message. Invalid input re-renders
the form with the typed values and status 422. Rules the method enforces come from the
models as RuleViolation and are shown as messages, never as a 500.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import retarget

from freelance.lib.formats import trimmed as hours
from freelance.lib.money import format_money, round_money
from freelance.lib.rules import RuleViolation
from freelance.lib.views import owned_or_404
from projects import gate
from projects.forms.plan import (
    AddPhaseForm,
    DepositForm,
    FirstDeadlineForm,
    InitialPhasesForm,
    NewProjectForm,
    PhaseForm,
    ScopeItemForm,
    typed_first_deadline,
    typed_offset,
)
from projects.models import DateKind, Phase, Project, ScheduledPhase, ScopeItem, schedule

TEMPLATE = "projects/plan_editor.html"

# -- what the editor shows ----------------------------------------------------------------


@dataclass
class DateRow:
    """One phase's date as the plan shows it: the date, its kind, and a note when unknown."""

    phase: Phase
    date: date | None
    kind: str | None
    note: str = ""

    @property
    def kind_label(self) -> str:
        return DateKind(self.kind).label if self.kind else ""


@dataclass
class ScopeRow:
    item: ScopeItem
    number: int
    form: ScopeItemForm | None  # None when the phase is read-only

    @property
    def hours(self) -> Decimal:
        return hours(self.item.estimate_hours)


def freeze_deadline_rule(form) -> None:
    """After the contract, the offsets are part of it: shown, not editable (renegotiate instead)."""
    for name in ("offset_amount", "offset_unit"):
        if name in form.fields:
            form.fields[name].disabled = True
            form.fields[name].help_text = Project.PLAN_FROZEN


@dataclass
class PhaseRow:
    phase: Phase
    when: DateRow
    form: PhaseForm | None  # None when the phase is read-only
    scope_rows: list[ScopeRow] = field(default_factory=list)
    add_scope_form: ScopeItemForm | None = None
    total_hours: Decimal = Decimal("0")
    can_move_up: bool = False
    can_move_down: bool = False
    can_remove: bool = False

    @property
    def previous_number(self) -> int:
        return self.phase.position - 1


def _phases_prefetch() -> Prefetch:
    scope = Prefetch("scope_items", queryset=ScopeItem.objects.order_by("position", "pk"))
    return Prefetch("phases", queryset=Phase.objects.order_by("position").prefetch_related(scope))


def _project(request: HttpRequest, pk: int) -> Project:
    """The freelancer's own project, with its phases and scope items in three queries."""
    queryset = Project.objects.select_related("client").prefetch_related(_phases_prefetch())
    return owned_or_404(queryset, request, pk=pk)


def _phase(request: HttpRequest, pk: int, phase_pk: int) -> Phase:
    return get_object_or_404(
        Phase.objects.select_related("project"), pk=phase_pk, project__pk=pk, project__owner=request.user
    )


def _scope_item(request: HttpRequest, pk: int, item_pk: int) -> ScopeItem:
    return get_object_or_404(
        ScopeItem.objects.select_related("phase__project"),
        pk=item_pk,
        phase__project__pk=pk,
        phase__project__owner=request.user,
    )


def _schedule(project: Project, phases: list[Phase]) -> list[ScheduledPhase | None]:
    """schedule(), or no dates at all if a date would fall past the year 9999."""
    try:
        return list(schedule(project, phases))
    except OverflowError:
        return [None] * len(phases)


def _date_rows(project: Project, phases: list[Phase]) -> list[DateRow]:
    return [
        DateRow(phase, s.date, s.kind) if s else DateRow(phase, None, None, _("This date is out of range."))
        for phase, s in zip(phases, _schedule(project, phases), strict=True)
    ]


def _editor_context(project: Project, bound: dict | None = None) -> dict:
    """Everything the editor renders. `bound` holds forms with the freelancer's typed values,
    keyed "deadline", "add_phase", ("phase", pk), ("scope", pk) or ("new_scope", phase pk)."""
    bound = bound or {}
    preview_url = _preview_url(project.pk)
    phases = project.ordered_phases()
    rows: list[PhaseRow] = []
    for index, (phase, when) in enumerate(zip(phases, _date_rows(project, phases), strict=True)):
        items = list(phase.scope_items.all())
        row = PhaseRow(
            phase=phase,
            when=when,
            form=None,
            total_hours=hours(sum((item.estimate_hours for item in items), Decimal("0"))),
        )
        if not phase.is_read_only:
            row.form = bound.get(("phase", phase.pk)) or PhaseForm(instance=phase, preview_url=preview_url)
            if project.is_locked:
                freeze_deadline_rule(row.form)
            row.add_scope_form = bound.get(("new_scope", phase.pk)) or ScopeItemForm(phase=phase)
        for number, item in enumerate(items, start=1):
            form = None
            if not phase.is_read_only:
                form = bound.get(("scope", item.pk)) or ScopeItemForm(instance=item, phase=phase, number=number)
            row.scope_rows.append(ScopeRow(item, number, form))
        if phase.status == Phase.Status.PLANNED and not project.is_locked:
            previous = phases[index - 1] if index > 0 else None
            following = phases[index + 1] if index + 1 < len(phases) else None
            row.can_move_up = previous is not None and previous.status == Phase.Status.PLANNED
            row.can_move_down = following is not None and following.status == Phase.Status.PLANNED
            row.can_remove = True
        rows.append(row)
    fixed_prices = [p.fixed_price for p in phases if p.pricing == Phase.Pricing.FIXED and p.fixed_price is not None]
    deadline_form = None  # a contracted deadline moves only by renegotiation, on the project page
    deposit_form = None  # so does the deposit: it is part of the contract
    if not project.is_locked:
        deadline_form = bound.get("deadline") or FirstDeadlineForm(project=project, preview_url=preview_url)
        deposit_form = bound.get("deposit") or DepositForm(project=project)
    total_fixed_price = sum(fixed_prices, Decimal("0")) if fixed_prices else None
    return {
        "project": project,
        "rows": rows,
        "date_rows": [row.when for row in rows],
        "total_hours": hours(sum((row.total_hours for row in rows), Decimal("0"))),
        "total_fixed_price": total_fixed_price,
        "deadline_form": deadline_form,
        "deposit_form": deposit_form,
        "deposit": _deposit_summary(project, total_fixed_price),
        "add_phase_form": bound.get("add_phase") or AddPhaseForm(),
        "can_add_phase": project.status not in (Project.Status.COMPLETED, Project.Status.STOPPED),
    }


def _deposit_summary(project: Project, total_fixed_price: Decimal | None) -> str:
    """The deposit the project asks, in words: "30% of the fixed prices: €1,500.00 excl. VAT"."""
    if project.deposit_amount:
        return _("%(amount)s excl. VAT") % {"amount": format_money(project.deposit_amount)}
    if project.deposit_percent:
        share = round_money((total_fixed_price or Decimal("0")) * project.deposit_percent / Decimal("100"))
        return _("%(percent)s%% of the fixed prices: %(amount)s excl. VAT") % {
            "percent": hours(project.deposit_percent),
            "amount": format_money(share),
        }
    return ""


def _preview_url(project_pk: int) -> str:
    return reverse("projects:project_plan_preview", args=[project_pk])


def _plan_url(project_pk: int, anchor: str = "") -> str:
    return reverse("projects:project_plan", args=[project_pk]) + (f"#{anchor}" if anchor else "")


def _respond(
    request: HttpRequest,
    pk: int,
    *,
    parts: list[tuple[str, dict]],
    anchor: str = "",
    bound: dict | None = None,
    status: int = 200,
    target: str = "",
) -> HttpResponse:
    """Answer an editor action.

    Without htmx: a redirect back to the editor, or on invalid input (status 422) the whole
    editor with the typed values. With htmx: the named partials, then the messages out of band.
    """
    project = _project(request, pk)
    if not request.htmx:
        if status == 422:
            return render(request, TEMPLATE, _editor_context(project, bound), status=status)
        return redirect(_plan_url(pk, anchor))
    context = _editor_context(project, bound)
    html = []
    for name, extra in parts:
        if "phase_pk" in extra:  # a partial of one phase renders that phase's row
            row = next((r for r in context["rows"] if r.phase.pk == extra["phase_pk"]), None)
            if row is None:
                continue
            extra = {**extra, "row": row}
        html.append(render_to_string(f"{TEMPLATE}#{name}", {**context, **extra}, request=request))
    html.append(render_to_string(f"{TEMPLATE}#messages", context, request=request))
    response = HttpResponse("".join(html), status=status)
    return retarget(response, target) if target else response


SCHEDULE_OOB = ("schedule", {"oob": True, "date_oob": True})
SCHEDULE_OOB_NO_DATES = ("schedule", {"oob": True})
TOTALS_OOB = ("totals", {"oob": True})


# -- creating a project -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def project_new(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = NewProjectForm(request.POST, owner=request.user)
        phases_form = InitialPhasesForm(request.POST)
        forms_valid = form.is_valid()
        forms_valid = phases_form.is_valid() and forms_valid  # validate both, so every error shows at once
        if forms_valid:
            try:
                with transaction.atomic():  # a refusal after the gate takes a logged override back with it
                    gate.check(
                        form.cleaned_data["client"],
                        gate.Action.NEW_PROJECT,
                        actor=request.user,
                        subject=form.cleaned_data["name"],
                        override_reason=form.cleaned_data["override_reason"],
                    )
                    project = form.save()
                    project.set_first_deadline(form.cleaned_data["first_deadline"], request.user)
                    for fields in phases_form.phases():
                        project.add_phase(request.user, **fields)
            except gate.GateClosed as closed:
                form.gate_closed = True
                form.add_error(None, str(closed))
            except RuleViolation as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Project created. Now plan its phases and their scope."))
                if warning := form.deadline_warning:
                    messages.warning(request, warning)
                return redirect(_plan_url(project.pk))
        status = 422
    else:
        form = NewProjectForm(owner=request.user)
        phases_form = InitialPhasesForm()
        clients = form.fields["client"].queryset
        wanted = request.GET.get("client", "")
        if wanted.isdigit() and clients.filter(pk=wanted).exists():
            form.initial["client"] = int(wanted)
        elif len(client_pks := list(clients.values_list("pk", flat=True)[:2])) == 1:
            form.initial["client"] = client_pks[0]
    has_clients = form.fields["client"].queryset.exists()
    context = {"form": form, "phases_form": phases_form, "has_clients": has_clients}
    return render(request, "projects/project_new.html", context, status=status)


# -- the editor -------------------------------------------------------------------------


@login_required
@require_GET
def project_plan(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    return render(request, TEMPLATE, _editor_context(project))


@login_required
@require_POST
def project_plan_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The dates the plan would have with the typed deadline and offsets. Writes nothing."""
    project = _project(request, pk)
    phases = project.ordered_phases()
    first_deadline, deadline_note = typed_first_deadline(request.POST, project)
    # Unsaved copies: schedule() reads only these fields, and nothing here is ever saved.
    project_copy = Project(status=project.status, first_deadline=first_deadline)
    copies: list[Phase] = []
    unusable_from: int | None = None
    for index, phase in enumerate(phases):
        typed = typed_offset(request.POST, phase)
        if typed is None:
            unusable_from = index if unusable_from is None else unusable_from
            typed = (phase.offset_amount, phase.offset_unit)
        copies.append(
            Phase(
                position=phase.position,
                title=phase.title,
                status=phase.status,
                offset_amount=typed[0],
                offset_unit=typed[1],
                due_date=phase.due_date,
                accepted_at=phase.accepted_at,
            )
        )
    date_rows = []
    for index, (phase, scheduled) in enumerate(zip(phases, _schedule(project_copy, copies), strict=True)):
        if scheduled is None:
            date_rows.append(DateRow(phase, None, None, _("This date is out of range.")))
        elif unusable_from is not None and index >= unusable_from and scheduled.kind == DateKind.PROJECTED:
            note = _("Enter an offset of 1 or more to see this date.")
            date_rows.append(DateRow(phase, None, None, note))
        else:
            date_rows.append(DateRow(phase, scheduled.date, scheduled.kind))
    context = {
        "project": project,
        "date_rows": date_rows,
        "deadline_note": deadline_note,
        "date_oob": True,
        "preview": True,
    }
    return render(request, f"{TEMPLATE}#schedule", context)


@login_required
@require_POST
def project_plan_deadline(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    parts = [("deadline", {}), SCHEDULE_OOB]
    if project.is_locked:
        messages.error(request, _("The project is contracted: the first deadline changes only by renegotiation."))
        return _respond(request, pk, parts=parts, anchor="plan-deadline")
    form = FirstDeadlineForm(request.POST, project=project, preview_url=_preview_url(pk))
    if not form.is_valid():
        return _respond(request, pk, parts=parts, bound={"deadline": form}, status=422)
    new = form.cleaned_data["first_deadline"]
    try:
        project.set_first_deadline(new, request.user)
    except RuleViolation as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The hard first deadline is %(date)s.") % {"date": date_format(new, "DATE_FORMAT")})
        if warning := form.deadline_warning:
            messages.warning(request, warning)
    return _respond(request, pk, parts=parts, anchor="plan-deadline")


@login_required
@require_POST
def project_plan_deposit(request: HttpRequest, pk: int) -> HttpResponse:
    """Set or clear the deposit while the project is not contracted; after that it is part of the contract."""
    project = _project(request, pk)
    parts = [("deposit", {})]
    if project.is_locked:
        messages.error(request, _("The project is contracted: the deposit changes only by renegotiation."))
        return _respond(request, pk, parts=parts, anchor="plan-deposit")
    form = DepositForm(request.POST, project=project)
    if not form.is_valid():
        return _respond(request, pk, parts=parts, bound={"deposit": form}, status=422)
    percent, amount = form.cleaned_data["deposit_percent"], form.cleaned_data["deposit_amount"]
    # Claimed with a conditional update: a contract accepted a moment ago wins, and is not changed.
    changed = (
        Project.objects.filter(pk=project.pk, owner=request.user)
        .exclude(status__in=Project.LOCKED_STATUSES)
        .update(deposit_percent=percent, deposit_amount=amount)
    )
    if not changed:
        messages.error(request, _("The project is contracted: the deposit changes only by renegotiation."))
    elif percent is None and amount is None:
        messages.success(request, _("The project asks no deposit."))
    else:
        messages.success(request, _("Deposit saved."))
    return _respond(request, pk, parts=parts, anchor="plan-deposit")


@login_required
@require_POST
def project_plan_phase_add(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    form = AddPhaseForm(request.POST)
    if not form.is_valid():
        return _respond(
            request,
            pk,
            parts=[("add-phase", {})],
            bound={"add_phase": form},
            status=422,
            target="#plan-add-phase",
        )
    try:
        phase = project.add_phase(request.user, **form.cleaned_data)
    except RuleViolation as exc:
        messages.error(request, str(exc))
        anchor = "plan-add-phase"
    else:
        messages.success(
            request,
            _("Phase %(number)s, “%(title)s”, was added.") % {"number": phase.position, "title": phase.title},
        )
        anchor = f"phase-{phase.pk}"
    return _respond(request, pk, parts=[("phases", {}), SCHEDULE_OOB_NO_DATES, TOTALS_OOB], anchor=anchor)


@login_required
@require_POST
def project_plan_phase_save(request: HttpRequest, pk: int, phase_pk: int) -> HttpResponse:
    phase = _phase(request, pk, phase_pk)
    parts = [("phase", {"phase_pk": phase.pk}), SCHEDULE_OOB, TOTALS_OOB]
    if phase.is_read_only:
        messages.error(request, _("An accepted phase is read-only."))
        return _respond(request, pk, parts=parts, anchor=f"phase-{phase.pk}")
    form = PhaseForm(request.POST, instance=phase, preview_url=_preview_url(pk))
    if phase.project.is_locked:
        freeze_deadline_rule(form)
    if not form.is_valid():
        return _respond(request, pk, parts=parts, bound={("phase", phase.pk): form}, status=422)
    try:
        form.save()
    except RuleViolation as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Phase %(number)s saved.") % {"number": phase.position})
    return _respond(request, pk, parts=parts, anchor=f"phase-{phase.pk}")


@login_required
@require_POST
def project_plan_phase_move(request: HttpRequest, pk: int, phase_pk: int) -> HttpResponse:
    phase = _phase(request, pk, phase_pk)
    project = phase.project
    direction = request.POST.get("direction")
    step = {"up": -1, "down": 1}.get(direction or "")
    last = project.phases.count()
    if step is None:
        messages.error(request, _("Choose whether to move the phase up or down."))
    elif not 1 <= phase.position + step <= last:
        if step < 0:
            messages.error(request, _("Phase %(number)s is already the first phase.") % {"number": phase.position})
        else:
            messages.error(request, _("Phase %(number)s is already the last phase.") % {"number": phase.position})
    else:
        try:
            project.move_phase(phase, phase.position + step, request.user)
        except RuleViolation as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("“%(title)s” is now phase %(number)s.") % {"title": phase.title, "number": phase.position},
            )
    parts = [("phases", {}), SCHEDULE_OOB_NO_DATES, TOTALS_OOB]
    return _respond(request, pk, parts=parts, anchor=f"phase-{phase.pk}")


@login_required
@require_POST
def project_plan_phase_remove(request: HttpRequest, pk: int, phase_pk: int) -> HttpResponse:
    phase = _phase(request, pk, phase_pk)
    number, title = phase.position, phase.title
    try:
        phase.project.remove_phase(phase, request.user)
    except RuleViolation as exc:
        messages.error(request, str(exc))
        anchor = f"phase-{phase.pk}"
    else:
        messages.success(request, _("Phase %(number)s, “%(title)s”, was removed.") % {"number": number, "title": title})
        anchor = "plan-phases"
    parts = [("phases", {}), SCHEDULE_OOB_NO_DATES, TOTALS_OOB]
    return _respond(request, pk, parts=parts, anchor=anchor)


@login_required
@require_POST
def project_plan_scope_add(request: HttpRequest, pk: int, phase_pk: int) -> HttpResponse:
    phase = _phase(request, pk, phase_pk)
    parts = [("scope", {"phase_pk": phase.pk}), TOTALS_OOB]
    anchor = f"phase-{phase.pk}-scope"
    if phase.is_read_only:
        messages.error(request, _("An accepted phase is read-only."))
        return _respond(request, pk, parts=parts, anchor=anchor)
    form = ScopeItemForm(request.POST, phase=phase)
    if not form.is_valid():
        return _respond(request, pk, parts=parts, bound={("new_scope", phase.pk): form}, status=422)
    item = form.instance
    last = phase.scope_items.order_by("-position").values_list("position", flat=True).first()
    item.position = (last or 0) + 1
    try:
        item.save()
    except RuleViolation as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Scope item added to phase %(number)s.") % {"number": phase.position})
    return _respond(request, pk, parts=parts, anchor=anchor)


@login_required
@require_POST
def project_plan_scope_save(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _scope_item(request, pk, item_pk)
    phase = item.phase
    parts = [("scope", {"phase_pk": phase.pk}), TOTALS_OOB]
    anchor = f"phase-{phase.pk}-scope"
    if phase.is_read_only:
        messages.error(request, _("An accepted phase is read-only."))
        return _respond(request, pk, parts=parts, anchor=anchor)
    number = list(phase.scope_items.order_by("position", "pk").values_list("pk", flat=True)).index(item.pk) + 1
    form = ScopeItemForm(request.POST, instance=item, phase=phase, number=number)
    if not form.is_valid():
        return _respond(request, pk, parts=parts, bound={("scope", item.pk): form}, status=422)
    try:
        form.save()
    except RuleViolation as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Scope item %(number)s of phase %(phase)s saved.") % {"number": number, "phase": phase.position},
        )
    return _respond(request, pk, parts=parts, anchor=anchor)


@login_required
@require_POST
def project_plan_scope_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _scope_item(request, pk, item_pk)
    phase = item.phase
    try:
        item.delete()
    except RuleViolation as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Scope item removed from phase %(number)s.") % {"number": phase.position})
    parts = [("scope", {"phase_pk": phase.pk}), TOTALS_OOB]
    return _respond(request, pk, parts=parts, anchor=f"phase-{phase.pk}-scope")
