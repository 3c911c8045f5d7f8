"""Hours: the quick entry and the latest hours on the project page, the week page, and the money panel.

The services live in contracts.time_entries (record_time fixes the rate and the surcharge of that
moment, delete_time refuses hours that are on an invoice); this module reads input, shows
what was logged and explains refusals. Every query is scoped to the logged-in freelancer.

On the project page the time section (`projects/_time_section.html`) re-renders on its own
with htmx, and the profitability panel comes along out of band, because new hours change it.
Without JavaScript every form is a plain POST that redirects back. Invalid input re-renders
with the typed values, status 422. Both pages run a fixed number of queries, however many
hours are logged.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from contracts import profitability, time_entries
from contracts.forms.time import TimeEntryForm, phase_label, wish_label
from contracts.models import Role, TimeEntry
from freelance.lib.formats import hours_short as hours
from freelance.lib.formats import multiplier
from freelance.lib.money import format_money
from freelance.lib.rules import RuleViolation
from freelance.lib.views import owned_or_404
from projects.models import ChangeRequest, Phase, Project
from projects.views.projects import render_page

RECENT = 10  # entries shown on the project page
SECTION = "projects/_time_section.html"
PANEL = "projects/_profitability.html"
WEEK = "projects/time_week.html"
WEEK_MAIN = "projects/time_week.html#week-main"
BUSINESS_SETTINGS_PATH = "/settings/business/"
ZERO = Decimal("0")
FIRST_WEEK, LAST_WEEK = date(1, 1, 8), date.max - timedelta(days=13)


# -- one entry as the pages show it -------------------------------------------------------------


@dataclass
class TimeRow:
    entry: TimeEntry
    hours: str
    span: str  # "09:00–11:30", or "" for hours without times
    role: str
    phase: str
    wish: str
    billing: str  # billable / not billed / own misjudgement, not billed
    badge: str
    surcharge: str  # "×2.00 Christmas Eve", or ""
    invoiced: bool  # on an invoice: it can no longer be deleted


def surcharge_label(entry: TimeEntry) -> str:
    if entry.multiplier == 1:
        return ""
    return f"{multiplier(entry.multiplier)} {entry.surcharge_reason}".strip()


def time_row(entry: TimeEntry) -> TimeRow:
    """`entry.phase` and `entry.change_request` must be joined (select_related) by the caller."""
    if entry.absorbed:
        billing_label, badge = _("own misjudgement, not billed"), "badge-bad"
    elif entry.billable:
        billing_label, badge = _("billable"), "badge-ok"
    else:
        billing_label, badge = _("not billed"), "badge-neutral"
    span = ""
    if entry.started_at is not None and entry.ended_at is not None:
        span = f"{entry.started_at:%H:%M}–{entry.ended_at:%H:%M}"
    return TimeRow(
        entry=entry,
        hours=hours(entry.hours),
        span=span,
        role=entry.get_role_display(),
        phase=phase_label(entry.phase) if entry.phase else "",
        wish=wish_label(entry.change_request) if entry.change_request else "",
        billing=billing_label,
        badge=badge,
        surcharge=surcharge_label(entry),
        invoiced=entry.invoice_line_id is not None,
    )


# -- the time section of the project page ----------------------------------------------------------


def project_wishes(project: Project) -> list[ChangeRequest]:
    return list(ChangeRequest.objects.filter(project=project).exclude(status=ChangeRequest.Status.DROPPED))


def time_form(project: Project, data=None) -> TimeEntryForm:
    """The quick entry of one project; `project.phases` is prefetched, the wishes take one query."""
    return TimeEntryForm(data, project=project, phases=list(project.phases.all()), wishes=project_wishes(project))


def time_section(project: Project, *, form: TimeEntryForm | None = None) -> dict:
    """The context of `_time_section.html`: two queries (the latest entries and the wishes)."""
    entries = (
        TimeEntry.objects.filter(project=project)
        .select_related("phase", "change_request")
        .order_by("-date", "-pk")[:RECENT]
    )
    return {
        "time_rows": [time_row(entry) for entry in entries],
        "time_form": form or time_form(project),
        "time_recent": RECENT,
        "week_url": reverse("projects:time_week"),
    }


def business_settings_url() -> str:
    try:
        return reverse("contracts:business_settings")
    except NoReverseMatch:
        return BUSINESS_SETTINGS_PATH


def signed_money(amount: Decimal) -> str:
    """-€500.00 rather than €-500.00."""
    return f"-{format_money(-amount)}" if amount < 0 else format_money(amount)


@dataclass
class RoleHours:
    label: str
    billable: str
    absorbed: str
    other: str
    total: str


@dataclass
class ProfitabilityPanel:
    invoiced: str
    paid: str
    outstanding: str
    roles: list[RoleHours]
    billable: str
    absorbed: str
    other: str
    total: str
    has_hours: bool
    effective_rate: str
    floor_rate: str
    margin: str
    below_floor: bool
    settings_url: str = ""  # where to set a floor rate, when there is none


def profitability_panel(project: Project) -> ProfitabilityPanel:
    """Money in against hours spent, formatted for the page; four queries, whatever the data."""
    result = profitability.profitability(project)
    roles = [
        RoleHours(
            label=Role(role).label,
            billable=hours(split["billable"]),
            absorbed=hours(split["absorbed"]),
            other=hours(split["other"]),
            total=hours(split["billable"] + split["absorbed"] + split["other"]),
        )
        for role, split in result.hours_by_role.items()
    ]
    return ProfitabilityPanel(
        invoiced=format_money(result.invoiced),
        paid=format_money(result.paid),
        outstanding=format_money(result.outstanding),
        roles=roles,
        billable=hours(result.billable_hours),
        absorbed=hours(result.absorbed_hours),
        other=hours(result.other_hours),
        total=hours(result.total_hours),
        has_hours=result.total_hours > 0,
        effective_rate=format_money(result.effective_rate) if result.effective_rate is not None else "",
        floor_rate=format_money(result.floor_rate) if result.floor_rate is not None else "",
        margin=signed_money(result.margin) if result.margin is not None else "",
        below_floor=result.below_floor,
        settings_url=business_settings_url() if result.floor_rate is None else "",
    )


def _section_project(request: HttpRequest, pk: int) -> Project:
    phases = Prefetch("phases", queryset=Phase.objects.order_by("position"))
    return owned_or_404(Project.objects.prefetch_related(phases), request, pk=pk)


def _section_response(request: HttpRequest, project: Project, *, form=None, status: int = 200) -> HttpResponse:
    """The time section, and the profitability panel out of band (htmx only)."""
    context = {"project": project, "time_standalone": True, **time_section(project, form=form)}
    html = render_to_string(SECTION, context, request=request)
    panel = {"project": project, "profit": profitability_panel(project), "oob": True}
    html += render_to_string(PANEL, panel, request=request)
    return HttpResponse(html, status=status)


def _project_page(request: HttpRequest, pk: int, *, form=None, status: int = 422) -> HttpResponse:

    return render_page(request, pk, bound={"time": form} if form is not None else None, status=status)


@require_POST
@login_required
def time_add(request: HttpRequest, pk: int) -> HttpResponse:
    project = _section_project(request, pk)
    form = time_form(project, request.POST)
    if form.is_valid():
        try:
            entry = time_entries.record_time(project, actor=request.user, **form.record_kwargs())
        except RuleViolation as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, logged_message(entry))
            if request.htmx:
                return _section_response(request, project)
            return redirect(reverse("projects:project_money", args=[pk]) + "#time")
    messages.error(request, _("The hours were not logged: check the form."))
    if request.htmx:
        return _section_response(request, project, form=form, status=422)
    return _project_page(request, pk, form=form)


def logged_message(entry: TimeEntry) -> str:
    message = _("Logged %(hours)s as %(role)s on %(date)s.") % {
        "hours": hours(entry.hours),
        "role": entry.get_role_display().lower(),
        "date": formats.date_format(entry.date, "j F Y"),
    }
    if entry.absorbed:
        message += " " + _("They are your own misjudgement: not billed.")
    elif entry.multiplier != 1:
        message += " " + _("Surcharge: %(surcharge)s.") % {"surcharge": surcharge_label(entry)}
    return message


@require_POST
@login_required
def time_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(TimeEntry, pk=pk, owner=request.user, project__owner=request.user)
    week = parse_week(request.POST.get("week", "")) if "week" in request.POST else None
    status = 200
    try:
        time_entries.delete_time(entry)
    except RuleViolation as refused:
        messages.error(request, str(refused))
        status = 422
    else:
        messages.success(request, _("The entry of %(hours)s is removed.") % {"hours": hours(entry.hours)})
    if week is not None:
        if request.htmx or status == 422:
            return _week_page(request, week, status=status)
        return redirect(week_url(week))
    if request.htmx:
        return _section_response(request, _section_project(request, entry.project_id), status=status)
    if status == 422:
        return _project_page(request, entry.project_id, status=422)
    return redirect(reverse("projects:project_money", args=[entry.project_id]) + "#time")


# -- the week page ---------------------------------------------------------------------------------


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def parse_week(value: str) -> date:
    """The Monday of an ISO week such as 2026-W48; this week for anything else."""
    year, _sep, number = value.strip().upper().partition("-W")
    try:
        monday = date.fromisocalendar(int(year), int(number), 1)
    except ValueError:
        return monday_of(timezone.localdate())
    if not FIRST_WEEK <= monday <= LAST_WEEK:  # the previous and next week's links must exist too
        return monday_of(timezone.localdate())
    return monday


def iso_week(monday: date) -> str:
    year, number, _weekday = monday.isocalendar()
    return f"{year}-W{number:02d}"


def week_url(monday: date) -> str:
    return f"{reverse('projects:time_week')}?week={iso_week(monday)}"


@dataclass
class DayGroup:
    day: date
    rows: list[TimeRow]
    total: str
    is_today: bool


@dataclass
class Total:
    label: str
    hours: str
    url: str = ""


def _week_form_choices(request: HttpRequest) -> dict:
    """The open projects with their phases and wishes: three queries."""
    projects = list(Project.objects.filter(owner=request.user, status__in=Project.OPEN_STATUSES).order_by("name", "pk"))
    pks = [p.pk for p in projects]
    phases = list(Phase.objects.filter(project__in=pks).order_by("project_id", "position"))
    wishes = list(
        ChangeRequest.objects.filter(project__in=pks)
        .exclude(status=ChangeRequest.Status.DROPPED)
        .order_by("project_id", "-received_on", "-pk")
    )
    return {"projects": projects, "phases": phases, "wishes": wishes}


def week_form(request: HttpRequest, monday: date, data=None) -> TimeEntryForm:
    today = timezone.localdate()
    sunday = monday + timedelta(days=6)
    initial_date = today if monday <= today <= sunday else min(monday, today)
    return TimeEntryForm(data, initial_date=initial_date, auto_id="id_week_%s", **_week_form_choices(request))


def week_context(request: HttpRequest, monday: date, *, form: TimeEntryForm | None = None) -> dict:
    sunday = monday + timedelta(days=6)
    today = timezone.localdate()
    entries = list(
        TimeEntry.objects.filter(owner=request.user, project__owner=request.user, date__range=(monday, sunday))
        .select_related("project", "phase", "change_request")
        .order_by("date", "started_at", "pk")
    )
    by_day: dict[date, list[TimeEntry]] = defaultdict(list)
    by_role: dict[str, Decimal] = defaultdict(Decimal)
    by_project: dict[int, Decimal] = defaultdict(Decimal)
    projects: dict[int, Project] = {}
    for entry in entries:
        by_day[entry.date].append(entry)
        by_role[entry.role] += entry.hours
        by_project[entry.project_id] += entry.hours
        projects[entry.project_id] = entry.project
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        day_entries = by_day.get(day, [])
        days.append(
            DayGroup(
                day=day,
                rows=[time_row(entry) for entry in day_entries],
                total=hours(sum((e.hours for e in day_entries), ZERO)),
                is_today=day == today,
            )
        )
    role_totals = [Total(label, hours(by_role[value])) for value, label in Role.choices if by_role.get(value)]
    project_totals = [
        Total(projects[pk].name, hours(amount), reverse("projects:project_detail", args=[pk]))
        for pk, amount in sorted(by_project.items(), key=lambda item: (projects[item[0]].name, item[0]))
    ]
    previous, following = monday - timedelta(days=7), monday + timedelta(days=7)
    return {
        "monday": monday,
        "sunday": sunday,
        "week": iso_week(monday),
        "days": days,
        "role_totals": role_totals,
        "project_totals": project_totals,
        "week_total": hours(sum((e.hours for e in entries), ZERO)),
        "has_entries": bool(entries),
        "previous_url": week_url(previous),
        "next_url": week_url(following),
        "this_week_url": week_url(monday_of(today)),
        "is_this_week": monday == monday_of(today),
        "previous_label": iso_week(previous),
        "next_label": iso_week(following),
        "form": form or week_form(request, monday),
    }


def _week_page(request: HttpRequest, monday: date, *, form=None, status: int = 200) -> HttpResponse:
    template = WEEK_MAIN if request.htmx else WEEK
    return render(request, template, week_context(request, monday, form=form), status=status)


@require_GET
@login_required
@vary_on_headers("HX-Request")
def time_week(request: HttpRequest) -> HttpResponse:
    return _week_page(request, parse_week(request.GET.get("week", "")))


@require_POST
@login_required
def time_week_add(request: HttpRequest) -> HttpResponse:
    monday = parse_week(request.POST.get("week", ""))
    form = week_form(request, monday, request.POST)
    if form.is_valid():
        project = form.cleaned_data["project"]
        try:
            entry = time_entries.record_time(project, actor=request.user, **form.record_kwargs())
        except RuleViolation as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, logged_message(entry))
            monday = monday_of(entry.date)  # show the week the hours went into
            if request.htmx:
                return _week_page(request, monday)
            return redirect(week_url(monday))
    messages.error(request, _("The hours were not logged: check the form."))
    return _week_page(request, monday, form=form, status=422)
