"""The project list and the project page: timeline, phases and their actions, risks, history.

The project page is an overview (``/projects/<pk>/``: status, next deadline, timeline, the next
action, money in one line) with sections of their own URL (``phases/``, ``money/`` (time and money), ``risks/``,
``history/``, and ``print/`` with everything in one document); see ``SECTIONS``. Each section
computes only what it shows.

Every view is scoped to the logged-in freelancer and 404s on anything else. Actions are
plain POST forms that redirect to the section that shows their result; with htmx they
re-render that section's main part (``<section template>#project-main``) in place, because one
action can change several parts of it (accepting phase 1 fixes phase 2's date, moves the
timeline). A refused move or invalid input re-renders the section with the typed text kept,
status 422; a refusal of the payment gate shows inside the refused form, beside its override.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from freelance.documents.store import get as get_document
from freelance.lib import pagecache
from freelance.lib.formats import hours_column as hours
from freelance.lib.formats import long_date
from freelance.lib.money import format_money
from freelance.lib.pagecache import cached_page
from freelance.lib.rules import RuleViolation
from freelance.lib.views import owned_or_404
from projects import acceptance, gate
from projects.forms.projects import (
    AcceptForm,
    ChangesForm,
    DeliverForm,
    RenegotiateForm,
    ResumeForm,
    RiskForm,
    SendRequestForm,
    StartForm,
    StopForm,
)
from projects.models import (
    Acceptance,
    AcceptanceRequest,
    Phase,
    PhaseEvent,
    Project,
    Risk,
    ScheduledPhase,
    ScopeItem,
    deadline_rule_text,
)
from projects.pages import sections_context
from projects.timeline import build_timeline
from projects.views.bucket import bucket_summary

PAGE_SIZE = 50
HISTORY_SIZE = 50

PROJECT_BADGES = {
    Project.Status.PROPOSAL: "badge-neutral",
    Project.Status.CONTRACTED: "badge-info",
    Project.Status.ACTIVE: "badge-ok",
    Project.Status.COMPLETED: "badge-done",
    Project.Status.STOPPED: "badge-bad",
}
PHASE_BADGES = {
    Phase.Status.PLANNED: "badge-neutral",
    Phase.Status.IN_PROGRESS: "badge-info",
    Phase.Status.DELIVERED: "badge-warn",
    Phase.Status.CHANGES_REQUESTED: "badge-bad",
    Phase.Status.ACCEPTED: "badge-ok",
}
RISK_BADGES = {
    Risk.Status.OPEN: "badge-warn",
    Risk.Status.MITIGATED: "badge-info",
    Risk.Status.OCCURRED: "badge-bad",
    Risk.Status.CLOSED: "badge-neutral",
}
WORKING_PROJECT = (Project.Status.CONTRACTED, Project.Status.ACTIVE)


# -- formatting helpers --------------------------------------------------------------------


money = format_money


def _date_from_iso(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


# -- the project list ------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectRow:
    project: Project
    badge: str
    next_due: ScheduledPhase | None
    accepted: int
    total: int


def project_row(project: Project, today: date) -> ProjectRow:
    entries = project.schedule(today)
    accepted = sum(1 for entry in entries if entry.accepted_on)
    next_due = None
    if project.status in Project.OPEN_STATUSES:
        next_due = next((entry for entry in entries if entry.accepted_on is None and entry.date), None)
    return ProjectRow(project, PROJECT_BADGES[project.status], next_due, accepted, len(entries))


@require_GET
@login_required
@cached_page
def project_list(request: HttpRequest) -> HttpResponse:
    own = Project.objects.filter(owner=request.user)
    status = request.GET.get("status", "")
    if status not in Project.Status.values:
        status = ""
    counts = dict(own.order_by().values_list("status").annotate(n=Count("pk")))
    tabs = [{"value": "", "label": _("All"), "count": sum(counts.values())}]
    tabs += [{"value": s.value, "label": s.label, "count": counts.get(s.value, 0)} for s in Project.Status]
    projects = own.select_related("client").prefetch_related("phases").order_by("-created_at", "-pk")
    if status:
        projects = projects.filter(status=status)
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    context = {
        "page": page,
        "rows": [project_row(project, today) for project in page.object_list],
        "tabs": tabs,
        "status": status,
    }
    return render(request, "projects/project_list.html", context)


# -- the project page ---------------------------------------------------------------------------


@dataclass
class ScopeLine:
    item: ScopeItem
    estimate: str


@dataclass
class PhaseCard:
    phase: Phase
    scheduled: ScheduledPhase
    badge: str
    price: str
    scope: list[ScopeLine]
    total_hours: str
    forms: dict[str, forms.Form] = field(default_factory=dict)
    requests: list = field(default_factory=list)
    acceptances: list = field(default_factory=list)
    waiting_for: Phase | None = None
    needs_contract: bool = False

    @property
    def due_label(self) -> str:
        return long_date(self.scheduled.date)


@dataclass
class HistoryRow:
    event: PhaseEvent
    who: str
    phase: str
    change: str
    agreement: str
    text: str = ""  # the event's details in the reader's language
    wish_title: str = ""  # a wish event: the wish, linked to the bucket instead of a phase
    wish_url: str = ""


@dataclass
class RiskRow:
    risk: Risk
    badge: str
    whose: str
    edit_form: RiskForm | None = None


def project_queryset(request: HttpRequest, section: str = "print"):
    """The user's projects with what `section` shows prefetched, and nothing else."""
    projects = Project.objects.filter(owner=request.user).select_related("client", "contract")
    if section in ("overview", "phases", "print"):
        phases = Phase.objects.order_by("position").prefetch_related(
            Prefetch("scope_items", queryset=ScopeItem.objects.order_by("position", "pk")),
            Prefetch(
                "acceptance_requests",
                queryset=AcceptanceRequest.objects.select_related("link", "acceptance").order_by("-created_at", "-pk"),
            ),
        )
        projects = projects.prefetch_related(Prefetch("phases", queryset=phases), "client__contacts")
    elif section == "money":
        projects = projects.prefetch_related(Prefetch("phases", queryset=Phase.objects.order_by("position")))
    if section in ("risks", "print"):
        projects = projects.prefetch_related("risks")
    return projects


def phase_card(project: Project, entry: ScheduledPhase, bound: dict) -> PhaseCard:
    phase = entry.phase
    items = list(phase.scope_items.all())
    total = sum((item.estimate_hours for item in items), Decimal("0"))
    card = PhaseCard(
        phase=phase,
        scheduled=entry,
        badge=PHASE_BADGES[phase.status],
        price=money(phase.fixed_price) if phase.pricing == Phase.Pricing.FIXED else "",
        scope=[ScopeLine(item, hours(item.estimate_hours)) for item in items],
        total_hours=hours(total),
        requests=list(phase.acceptance_requests.all()),
    )
    card.acceptances = [r.acceptance for r in card.requests if hasattr(r, "acceptance")]
    if project.status not in WORKING_PROJECT:
        card.needs_contract = project.status == Project.Status.PROPOSAL and phase.status == Phase.Status.PLANNED
        return card

    def form(key: str, form_class):
        return bound.get((key, phase.pk)) or form_class(phase=phase)

    if phase.status == Phase.Status.PLANNED:
        if entry.blocked_by is not None:
            card.waiting_for = entry.blocked_by
        else:
            card.forms["start"] = form("start", StartForm)
    elif phase.status == Phase.Status.IN_PROGRESS:
        card.forms["deliver"] = form("deliver", DeliverForm)
    elif phase.status == Phase.Status.DELIVERED:
        card.forms["send"] = form("send", SendRequestForm)
        card.forms["accept"] = form("accept", AcceptForm)
        card.forms["changes"] = form("changes", ChangesForm)
    elif phase.status == Phase.Status.CHANGES_REQUESTED:
        card.forms["resume"] = form("resume", ResumeForm)
    return card


def history_row(event: PhaseEvent) -> HistoryRow:
    if event.actor is not None:
        who = event.actor.get_full_name() or event.actor.get_username()
    else:
        who = event.who_label or _("the system")
    wish_title = wish_url = ""
    if event.kind == PhaseEvent.Kind.WISH:
        phase = ""
        wish_title = str(event.data.get("title", ""))
        wish_url = reverse("projects:bucket", args=[event.project_id])
        if event.data.get("wish"):
            wish_url = f"{wish_url}#wish-{event.data['wish']}"
    elif event.phase is not None:
        phase = str(event.phase)
    elif event.data.get("title"):
        phase = f"{event.data.get('position', '?')}. {event.data['title']}"
    else:
        phase = ""
    old, new = event.data.get("old"), event.data.get("new")
    change = ""
    kind = event.kind
    if kind == PhaseEvent.Kind.TRANSITION:
        labels = dict(Phase.Status.choices)
        change = f"{labels.get(old, old)} → {labels.get(new, new)}"
    elif kind == PhaseEvent.Kind.PROJECT_STATUS:
        labels = dict(Project.Status.choices)
        change = f"{labels.get(old, old)} → {labels.get(new, new)}"
    elif kind in (PhaseEvent.Kind.DEADLINE_SET, PhaseEvent.Kind.RENEGOTIATED, PhaseEvent.Kind.DUE_DATE_FIXED):
        old_date, new_date = _date_from_iso(old), _date_from_iso(new)
        change = f"{long_date(old_date) or '—'} → {long_date(new_date) or '—'}" if old_date else long_date(new_date)
        if kind == PhaseEvent.Kind.DUE_DATE_FIXED and event.data.get("rule"):
            change = f"{change} ({deadline_rule_text(event.data['rule'])})"
    elif kind == PhaseEvent.Kind.PHASE_MOVED:
        change = _("position %(old)s → %(new)s") % {"old": old, "new": new}
    return HistoryRow(
        event,
        who,
        phase,
        change,
        str(event.data.get("client_agreement", "")),
        text=event.text,
        wish_title=wish_title,
        wish_url=wish_url,
    )


@dataclass
class NextDeadline:
    entry: ScheduledPhase
    days: int

    @property
    def label(self) -> str:
        """How far off it is, in words: "in 5 days", "today", "3 days overdue"."""
        if self.days > 0:
            return ngettext("%(count)s day left", "%(count)s days left", self.days) % {"count": self.days}
        if self.days == 0:
            return _("due today")
        late = -self.days
        return ngettext("%(count)s day overdue", "%(count)s days overdue", late) % {"count": late}


@dataclass
class MoneyLine:
    """Invoiced against paid, both including VAT, so paid never looks like more than was invoiced."""

    invoiced: str
    invoiced_excl: str
    paid: str
    open: str
    any: bool


def money_line(project: Project) -> MoneyLine:
    """Two queries. Read through the reverse relations that contracts' invoices add to a project
    (no import of contracts): sent invoices (credit notes included) against the payments on them."""
    sent = project.invoices.exclude(status="draft")
    totals = sent.aggregate(incl=Sum("total"), excl=Sum("total_excl"))
    paid = project.invoices.aggregate(paid=Sum("payments__amount"))["paid"] or Decimal("0")
    incl = Decimal(totals["incl"] or 0).quantize(Decimal("0.01"))  # SQLite sums decimals as floats
    excl = Decimal(totals["excl"] or 0).quantize(Decimal("0.01"))
    paid = Decimal(paid).quantize(Decimal("0.01"))
    return MoneyLine(money(incl), money(excl), money(paid), money(incl - paid), bool(incl or paid))


def risk_rows(project: Project, editing: tuple | None = None) -> list[RiskRow]:
    risks = sorted(project.risks.all(), key=lambda r: (-r.score, -r.created_at.timestamp(), -r.pk))
    rows = []
    for risk in risks:
        whose = risk.get_party_display()
        if risk.party == Risk.Party.THIRD_PARTY and risk.third_party:
            whose = f"{whose}: {risk.third_party}"
        edit_form = editing[1] if editing and editing[0] == risk.pk else None
        rows.append(RiskRow(risk, RISK_BADGES[risk.status], whose, edit_form))
    return rows


def history_rows(project: Project) -> list[HistoryRow]:
    events = project.events.select_related("actor", "phase").order_by("-at", "-pk")[:HISTORY_SIZE]
    return [history_row(event) for event in events]


def current_cards(cards: list[PhaseCard]) -> list[PhaseCard]:
    """The overview's phases: the first one not accepted (the next action is there), and the
    acceptance just before it, so its evidence and certificate stay at hand."""
    index = next((i for i, card in enumerate(cards) if card.phase.status != Phase.Status.ACCEPTED), len(cards))
    return cards[max(index - 1, 0) : index + 1]


# The project page's sections: each has its own URL, template and context; the overview is the page.
SECTIONS = {
    "overview": ("projects:project_detail", "projects/project_detail.html"),
    "phases": ("projects:project_phases", "projects/project_phases.html"),
    "money": ("projects:project_money", "projects/project_money.html"),
    "risks": ("projects:project_risks", "projects/project_risks.html"),
    "history": ("projects:project_history", "projects/project_history.html"),
    "print": ("projects:project_print", "projects/project_print.html"),
}


def section_url(project_pk: int, section: str) -> str:
    return reverse(SECTIONS[section][0], args=[project_pk])


def page_context(request: HttpRequest, project: Project, bound: dict | None = None, section: str = "overview") -> dict:
    """What one section of the project page shows, computed for that section only."""
    bound = bound or {}
    today = timezone.localdate()
    context: dict = {
        "project": project,
        "project_badge": PROJECT_BADGES[project.status],
        "today": today,
        "section": section,
        "detail_url": reverse("projects:project_detail", args=[project.pk]),
        "section_url": section_url(project.pk, section),
    }
    printing = section == "print"
    if section in ("overview", "phases", "print"):
        entries = project.schedule(today)
        cards = [phase_card(project, entry, bound) for entry in entries]
        context.update(schedule=entries, cards=cards)
    if section in ("overview", "print"):
        first = entries[0] if entries else None
        upcoming = None
        if project.status in Project.OPEN_STATUSES:
            upcoming = next((e for e in entries if e.accepted_on is None and e.date), None)
        context.update(
            timeline=build_timeline(entries, today=today),
            next_deadline=NextDeadline(upcoming, (upcoming.date - today).days) if upcoming else None,
            current_cards=current_cards(cards),
            money_line=money_line(project),
            can_contract=project.status == Project.Status.PROPOSAL,
            can_stop=project.status in Project.OPEN_STATUSES,
            can_renegotiate=project.status in WORKING_PROJECT and (first is None or first.accepted_on is None),
            stop_form=bound.get("stop") or StopForm(),
            renegotiate_form=bound.get("renegotiate") or RenegotiateForm(project=project),
            contract=getattr(project, "contract", None),  # joined: no extra query
        )
    if section in ("money", "print"):
        context.update(sections_context(request, project, bound))  # hours, profitability, gate log (contracts)
    if section in ("risks", "print"):
        context.update(risk_rows=risk_rows(project, bound.get("risk_edit")), risk_form=bound.get("risk") or RiskForm())
    if section in ("history", "print"):
        context["history"] = history_rows(project)
    if section == "overview":
        bucket = bucket_summary(project)
        context.update(bucket=bucket, rate=bucket.rate, hourly_rate=money(bucket.rate.amount))
    context["printing"] = printing
    return context


def _section_of(bound: dict | None) -> str:
    """Where a failed form shows: hours on the time and money section (contracts/views/time.py), risks on theirs."""
    bound = bound or {}
    if "time" in bound:
        return "money"
    if "risk" in bound or "risk_edit" in bound:
        return "risks"
    return "overview"


def render_page(
    request: HttpRequest, project_pk: int, *, bound: dict | None = None, status: int = 200, section: str | None = None
):
    """One section of the page, or with htmx only its main part; fetched fresh after a change."""
    section = section or _section_of(bound)
    project = get_object_or_404(project_queryset(request, section), pk=project_pk)
    template = SECTIONS[section][1]
    if request.htmx and section != "print":
        template += "#project-main"
    return render(request, template, page_context(request, project, bound, section), status=status)


def done(request: HttpRequest, project_pk: int, section: str, anchor: str = "") -> HttpResponse:
    """After a successful change: redirect to the section that shows it (no JS), or re-render it (htmx)."""
    if request.htmx:
        return render_page(request, project_pk, section=section)
    return redirect(section_url(project_pk, section) + (f"#{anchor}" if anchor else ""))


def posted_section(request: HttpRequest, allowed: tuple[str, ...] = ("overview", "phases")) -> str:
    """The section a form was posted from (a hidden field), if it is one that shows the result."""
    section = request.POST.get("section", "")
    return section if section in allowed else allowed[0]


def _section_view(section: str):
    @require_GET
    @login_required
    @vary_on_headers("HX-Request")
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        return pagecache.serve(request, lambda: render_page(request, pk, section=section), name=f"project-{section}")

    view.__name__ = view.__qualname__ = f"project_{section}"
    view.__doc__ = f"The project page's {section} section."
    return view


project_detail = _section_view("overview")
project_phases = _section_view("phases")
project_money = _section_view("money")
project_risks = _section_view("risks")
project_history = _section_view("history")
project_print = _section_view("print")


# -- phase actions ---------------------------------------------------------------------------------


def _accepted_at(day: date | None) -> datetime:
    if day is None or day == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.combine(day, time(12)))


# Actions that are new work for the client: the payment gate may refuse them ("I would, but I can't").
GATED_ACTIONS = {"start": gate.Action.START_PHASE, "deliver": gate.Action.DELIVER_PHASE}

PHASE_ACTIONS = {
    "start": StartForm,
    "deliver": DeliverForm,
    "send": SendRequestForm,
    "accept": AcceptForm,
    "changes": ChangesForm,
    "resume": ResumeForm,
}


def _perform(action: str, phase: Phase, user, data: dict) -> str:
    number = {"number": phase.position}
    if action == "start":
        phase.start(user)
        return _("Phase %(number)s has started.") % number
    if action == "deliver":
        with transaction.atomic():
            phase.deliver(user, note=data["note"])
            if data["recipients"]:
                sent = acceptance.send_acceptance_requests(
                    phase,
                    actor=user,
                    contacts=list(data["recipients"]),
                    note=data["note"],
                    deliverables=data["deliverables"],
                )
                return _("Phase %(number)s is delivered and the acceptance link went to %(names)s.") % {
                    **number,
                    "names": ", ".join(r.link.recipient_name for r in sent),
                }
        return _("Phase %(number)s is delivered. Ask the client to accept it.") % number
    if action == "send":
        sent = acceptance.send_acceptance_requests(
            phase, actor=user, contacts=list(data["recipients"]), note=data["note"], deliverables=data["deliverables"]
        )
        return _("The acceptance link for phase %(number)s went to %(names)s.") % {
            **number,
            "names": ", ".join(r.link.recipient_name for r in sent),
        }
    if action == "accept":
        following = phase.accept(user, accepted_at=_accepted_at(data["accepted_on"]), reason=data["note"])
        if following is not None and following.due_date:
            return _("Phase %(number)s is accepted. Phase %(next)s is now due on %(date)s.") % {
                **number,
                "next": following.position,
                "date": long_date(following.due_date),
            }
        return _("Phase %(number)s is accepted.") % number
    if action == "changes":
        phase.request_changes(user, comment=data["comment"])
        return _("Changes requested for phase %(number)s are recorded.") % number
    phase.resume(user)
    return _("Work on phase %(number)s has resumed.") % number


@require_POST
@login_required
def phase_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    phase = owned_or_404(Phase.objects.select_related("project__client"), request, "project__owner", pk=pk)
    section = posted_section(request)
    form = PHASE_ACTIONS[action](request.POST, phase=phase)
    bound = {(action, phase.pk): form}
    if not form.is_valid():
        messages.error(request, _("Phase %(number)s did not change: check the form.") % {"number": phase.position})
        return render_page(request, phase.project_id, bound=bound, section=section, status=422)
    try:
        if phase.project.status not in WORKING_PROJECT and action != "start":
            # start() explains the contract itself; the other moves need an open, contracted project too.
            raise RuleViolation(
                _("This project is %(status)s; its phases do not change.")
                % {"status": phase.project.get_status_display().lower()}
            )
        with transaction.atomic():  # a refused move takes a logged override back with it
            override = None
            if action in GATED_ACTIONS:
                override = gate.check(
                    phase.project.client,
                    GATED_ACTIONS[action],
                    actor=request.user,
                    subject=f"{phase.project.name}: {phase}",
                    override_reason=form.cleaned_data["override_reason"],
                )
            message = _perform(action, phase, request.user, form.cleaned_data)
    except gate.GateClosed as closed:
        # The refusal goes into the refused form, next to the reason field that overrides it.
        form.gate_closed = True
        form.refusal = str(closed)
        return render_page(request, phase.project_id, bound=bound, section=section, status=422)
    except RuleViolation as refused:
        messages.error(request, str(refused))
        return render_page(request, phase.project_id, bound=bound, section=section, status=422)
    if override is not None:
        message = f"{message} {_('Your reason to go ahead despite the overdue invoice is logged.')}"
    messages.success(request, message)
    return done(request, phase.project_id, section, f"phase-{phase.pk}")


# -- project actions -----------------------------------------------------------------------------------


@require_POST
@login_required
def project_mark_contracted(request: HttpRequest, pk: int) -> HttpResponse:
    project = owned_or_404(Project, request, pk=pk)
    try:
        project.mark_contracted(request.user)
    except RuleViolation as refused:
        messages.error(request, str(refused))
        return render_page(request, pk, status=422)
    messages.success(request, _("The project is contracted. Work on phase 1 can start."))
    return done(request, pk, "overview", "project-actions")


@require_POST
@login_required
def project_stop(request: HttpRequest, pk: int) -> HttpResponse:
    project = owned_or_404(Project, request, pk=pk)
    form = StopForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The project did not stop: say why it stops."))
        return render_page(request, pk, bound={"stop": form}, status=422)
    try:
        project.stop(request.user, reason=form.cleaned_data["reason"])
    except RuleViolation as refused:
        messages.error(request, str(refused))
        return render_page(request, pk, bound={"stop": form}, status=422)
    messages.success(request, _("The project is stopped. The reason is kept in its history."))
    return done(request, pk, "overview", "project-actions")


@require_POST
@login_required
def project_renegotiate(request: HttpRequest, pk: int) -> HttpResponse:
    project = owned_or_404(Project, request, pk=pk)
    form = RenegotiateForm(request.POST, project=project)
    if not form.is_valid():
        messages.error(request, _("The deadline did not move: check the form."))
        return render_page(request, pk, bound={"renegotiate": form}, status=422)
    data = form.cleaned_data
    try:
        project.renegotiate_first_deadline(
            data["new_deadline"], reason=data["reason"], client_agreement=data["client_agreement"], actor=request.user
        )
    except RuleViolation as refused:
        messages.error(request, str(refused))
        return render_page(request, pk, bound={"renegotiate": form}, status=422)
    messages.success(request, _("The hard first deadline is now %(date)s.") % {"date": long_date(data["new_deadline"])})
    return done(request, pk, "overview", "timeline")


# -- the risk register -------------------------------------------------------------------------------


def _own_risk(request: HttpRequest, pk: int) -> Risk:
    return owned_or_404(Risk.objects.select_related("project"), request, "project__owner", pk=pk)


def _risk_form_page(request: HttpRequest, project: Project, form: RiskForm, risk: Risk | None, status: int = 200):
    context = {"project": project, "form": form, "risk": risk}
    return render(request, "projects/risk_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def risk_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = owned_or_404(Project, request, pk=pk)
    if request.method == "GET":
        return _risk_form_page(request, project, RiskForm(), None)
    form = RiskForm(request.POST, instance=Risk(project=project))
    if not form.is_valid():
        messages.error(request, _("The risk was not added: check the form."))
        if request.htmx:
            return render_page(request, pk, bound={"risk": form}, status=422)
        return _risk_form_page(request, project, form, None, status=422)
    form.save()
    messages.success(request, _("The risk is added to the register."))
    return done(request, pk, "risks")


@require_http_methods(["GET", "POST"])
@login_required
def risk_edit(request: HttpRequest, pk: int) -> HttpResponse:
    risk = _own_risk(request, pk)
    project = risk.project
    if request.method == "GET":
        form = RiskForm(instance=risk)
        if request.htmx:
            return render(request, "projects/project_risks.html#risk-edit-row", {"risk": risk, "form": form})
        return _risk_form_page(request, project, form, risk)
    form = RiskForm(request.POST, instance=risk)
    if not form.is_valid():
        messages.error(request, _("The risk did not change: check the form."))
        if request.htmx:
            return render_page(request, project.pk, bound={"risk_edit": (risk.pk, form)}, status=422)
        return _risk_form_page(request, project, form, risk, status=422)
    form.save()
    messages.success(request, _("The risk is updated."))
    return done(request, project.pk, "risks")


@require_http_methods(["GET", "POST"])
@login_required
def risk_delete(request: HttpRequest, pk: int) -> HttpResponse:
    risk = _own_risk(request, pk)
    project = risk.project
    if request.method == "GET":
        return render(request, "projects/risk_confirm_delete.html", {"project": project, "risk": risk})
    risk.delete()
    messages.success(request, _("The risk is removed from the register."))
    return done(request, project.pk, "risks")


# -- acceptance requests and evidence ---------------------------------------------------------------


def _own_request(request: HttpRequest, pk: int) -> AcceptanceRequest:
    return get_object_or_404(
        AcceptanceRequest.objects.select_related("phase__project", "link", "contact"),
        pk=pk,
        phase__project__owner=request.user,
    )


@require_POST
@login_required
def acceptance_request_resend(request: HttpRequest, pk: int) -> HttpResponse:
    acceptance_request = _own_request(request, pk)
    project_pk = acceptance_request.phase.project_id
    try:
        fresh = acceptance.resend(acceptance_request, actor=request.user)
    except RuleViolation as refused:
        messages.error(request, str(refused))
        return render_page(request, project_pk, section=posted_section(request), status=422)
    messages.success(
        request, _("A new link went to %(name)s; the old one no longer works.") % {"name": fresh.link.recipient_name}
    )
    return done(request, project_pk, posted_section(request), f"phase-{acceptance_request.phase_id}")


@require_POST
@login_required
def acceptance_request_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    acceptance_request = _own_request(request, pk)
    if acceptance.revoke(acceptance_request):
        messages.success(
            request, _("The link to %(name)s no longer works.") % {"name": acceptance_request.link.recipient_name}
        )
    else:
        messages.info(request, _("That link was already used, expired or withdrawn."))
    project_pk = acceptance_request.phase.project_id
    return done(request, project_pk, posted_section(request), f"phase-{acceptance_request.phase_id}")


@require_GET
@login_required
def acceptance_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_object_or_404(
        Acceptance.objects.select_related("phase__project__client", "request__link"),
        pk=pk,
        phase__project__owner=request.user,
    )
    document = get_document(acceptance.certificate_reference(evidence))  # stored after the first render
    response = HttpResponse(document.content, content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    return response
