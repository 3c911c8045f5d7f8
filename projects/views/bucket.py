"""The freelancer's bucket (bakje) of a project: later wishes, the beep, and the client's choice.

Every step calls the domain API in projects/bucket.py; this module only reads input,
shows what the bucket holds and explains refusals. Actions are plain POST forms that
redirect back with a message; with htmx they re-render the page's main section
(`bucket.html#bucket-main`), because one step changes the totals and the wish at once.
Invalid input or a refused step re-renders the page with the typed values, status 422.

The page runs a fixed number of queries, however many wishes the bucket holds: the
project, its phases, its contacts, the wishes (with contact, target phase and decision),
the swappable scope and the open beep links; and, for a project without its own hourly
rate, the rate history's rate (projects.rates).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cached_property

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from freelance.lib.evidence import Meta
from freelance.lib.formats import freelancer_name
from freelance.lib.formats import hours_short as hours
from freelance.lib.money import format_money, round_money
from freelance.lib.rules import RuleViolation
from freelance.links.models import ClientLink
from projects import bucket
from projects.forms.bucket import (
    AssessForm,
    BucketTermsForm,
    ClassifyForm,
    DecideForm,
    DropForm,
    WishForm,
    hours_text,
    short_title,
)
from projects.models import ChangeDecision, ChangeRequest, Phase, Project, ScopeItem
from projects.rates import EffectiveRate, effective_rate

CR = ChangeRequest
TEMPLATE = "projects/bucket.html"
MAIN = "projects/bucket.html#bucket-main"
ZERO = Decimal("0")
HUNDRED = Decimal("100")

STATUS_BADGES = {
    CR.Status.NEW: "badge-neutral",
    CR.Status.ASSESSED: "badge-info",
    CR.Status.WAITING: "badge-warn",
    CR.Status.DECIDED: "badge-ok",
    CR.Status.DONE: "badge-done",
    CR.Status.DROPPED: "badge-bad",
}

# Which step a wish in which status can take. The domain guards the same (and races);
# checking here first gives a stale page or a double click the plain reason.
STEPS = {
    "assess": (CR.Status.NEW, CR.Status.ASSESSED),
    "classify": (CR.Status.NEW, CR.Status.ASSESSED),
    "beep": (CR.Status.WAITING,),
    "decide": (CR.Status.WAITING,),
    "done": (CR.Status.DECIDED,),
    "drop": CR.PENDING_STATUSES,
}


# -- the totals: every wish in exactly one category ------------------------------------------

PENDING, PAID, SWAPPED, DROPPED, ABSORBED, FITS = "pending", "paid", "swapped", "dropped", "absorbed", "fits"
CATEGORIES = [
    (PENDING, gettext_lazy("Pending"), gettext_lazy("new, assessed or waiting for the client")),
    (PAID, gettext_lazy("Paid extra"), gettext_lazy("the client pays for the extra work")),
    (SWAPPED, gettext_lazy("Swapped"), gettext_lazy("exchanged for planned work of about the same size")),
    (DROPPED, gettext_lazy("Dropped"), gettext_lazy("the client chose to stop, or the wish was dropped")),
    (ABSORBED, gettext_lazy("Absorbed"), gettext_lazy("own misjudgement: your hours, not billed")),
    (FITS, gettext_lazy("Fits the scope"), gettext_lazy("part of the agreed work")),
]


def category_of(status: str, decision: str, classification: str) -> str:
    if status == CR.Status.DROPPED or decision == CR.Decision.STOP:
        return DROPPED
    if decision == CR.Decision.PAY:
        return PAID
    if decision == CR.Decision.SWAP:
        return SWAPPED
    if status in CR.PENDING_STATUSES:
        return PENDING
    if classification == CR.Classification.OWN_MISJUDGEMENT:
        return ABSORBED
    return FITS


@dataclass
class Tally:
    key: str
    label: str
    hint: str
    count: int = 0
    hours: Decimal = ZERO
    cost: Decimal | None = None  # None while no wish in this category has a price

    def add(self, count: int, estimate: Decimal | None, cost: Decimal | None) -> None:
        self.count += count
        self.hours += estimate or ZERO
        if cost is not None:
            self.cost = (self.cost or ZERO) + cost

    @property
    def hours_label(self) -> str:
        return hours(self.hours)

    @property
    def cost_label(self) -> str:
        return format_money(self.cost) if self.cost is not None else ""


@dataclass
class BucketSummary:
    tallies: list[Tally]
    total: int
    rate_of: Callable[[], EffectiveRate]

    @property
    def by_key(self) -> dict[str, Tally]:
        return {tally.key: tally for tally in self.tallies}

    @cached_property
    def rate(self) -> EffectiveRate:
        """The project's hourly rate and where it comes from; asked only when shown (it may be a query)."""
        return self.rate_of()

    @property
    def absorbed_value(self) -> str:
        """What the absorbed hours would have cost at the project's rate: profit you gave up."""
        absorbed = self.by_key[ABSORBED]
        if not absorbed.hours or not self.rate.amount:
            return ""
        return format_money(round_money(absorbed.hours * self.rate.amount))


def summarise(rows: Iterable[tuple], rate_of: Callable[[], EffectiveRate]) -> BucketSummary:
    """rows: (status, decision, classification, count, hours, cost), one per wish or per group."""
    tallies = {key: Tally(key, str(label), str(hint)) for key, label, hint in CATEGORIES}
    total = 0
    for status, decision, classification, count, estimate, cost in rows:
        tallies[category_of(status, decision, classification)].add(count, estimate, cost)
        total += count
    return BucketSummary(list(tallies.values()), total, rate_of)


def bucket_summary(project: Project) -> BucketSummary:
    """The totals for the project page, in one grouped query."""
    rows = (
        ChangeRequest.objects.filter(project=project)
        .order_by()
        .values_list("status", "decision", "classification")
        .annotate(n=Count("pk"), hours=Sum("estimate_hours"), cost=Sum("cost"))
    )
    return summarise(rows, lambda: effective_rate(project))


# -- one wish as the page shows it ----------------------------------------------------------------


@dataclass
class WishRow:
    wish: ChangeRequest
    badge: str
    estimate: str
    cost: str
    short_title: str
    waited: str = ""
    goes_into: str = ""
    balance: str = ""
    links: list[ClientLink] = field(default_factory=list)
    evidence: ChangeDecision | None = None
    evidence_who: str = ""
    swapped: list[dict] = field(default_factory=list)
    forms: dict = field(default_factory=dict)
    can_beep: bool = False
    can_mark_done: bool = False


def waited_for(since: datetime, now: datetime) -> str:
    delta = now - since
    if delta.days >= 1:
        return ngettext("waiting %(count)s day", "waiting %(count)s days", delta.days) % {"count": delta.days}
    spent = delta.seconds // 3600
    if spent >= 1:
        return ngettext("waiting %(count)s hour", "waiting %(count)s hours", spent) % {"count": spent}
    return _("waiting less than an hour")


def balance_rule(wish: ChangeRequest, tolerance_percent: int) -> str:
    """The swap rule of bucket.check_swap, in words, with this wish's numbers."""
    estimate = wish.estimate_hours or ZERO
    tolerance = estimate * Decimal(tolerance_percent) / HUNDRED
    return _(
        "A swap must balance: the wish takes about %(hours)s hours, so the client gives up planned work "
        "of between %(low)s and %(high)s hours in total (tolerance %(percent)s%%)."
    ) % {
        "hours": hours_text(estimate),
        "low": hours_text(estimate - tolerance),
        "high": hours_text(estimate + tolerance),
        "percent": tolerance_percent,
    }


def phase_name(phase: Phase) -> str:
    return _("Phase %(number)s: %(title)s") % {"number": phase.position, "title": phase.title}


def decision_of(wish: ChangeRequest) -> ChangeDecision | None:
    """The evidence, from the select_related cache: no query."""
    try:
        return wish.client_decision
    except ChangeDecision.DoesNotExist:
        return None


def wish_row(wish: ChangeRequest, page: dict, bound: dict) -> WishRow:
    project: Project = page["project"]
    row = WishRow(
        wish=wish,
        badge=STATUS_BADGES[wish.status],
        estimate=hours(wish.estimate_hours) if wish.estimate_hours is not None else "",
        cost=format_money(wish.cost),
        short_title=short_title(wish),
    )
    status = wish.status
    if status == CR.Status.WAITING:
        if wish.waiting_since:
            row.waited = waited_for(wish.waiting_since, page["now"])
        if wish.target_phase is not None:
            row.goes_into = phase_name(wish.target_phase)
        else:
            row.goes_into = _("a new phase after the last one (phase %(number)s)") % {"number": page["next_position"]}
        row.balance = balance_rule(wish, project.swap_tolerance_percent)
        row.links = page["links"].get(wish.pk, [])
    evidence = decision_of(wish)
    if evidence is not None:
        row.evidence = evidence
        if evidence.recorded_by_id:
            row.evidence_who = _("recorded by %(name)s") % {"name": freelancer_name(evidence.recorded_by)}
        else:
            row.evidence_who = _("%(name)s <%(email)s>, via the email link") % {
                "name": evidence.contact_name,
                "email": evidence.contact_email,
            }
        row.swapped = [
            {"title": item.get("title", ""), "hours": hours(Decimal(item.get("hours") or "0"))}
            for item in evidence.swapped_items
        ]

    def form(action: str, build):
        return bound.get((action, wish.pk)) or build()

    if status in STEPS["assess"]:
        row.forms["assess"] = form("assess", lambda: AssessForm(wish=wish))
        if wish.estimate_hours is not None:
            row.forms["classify"] = form("classify", lambda: ClassifyForm(wish=wish, phases=page["phases"]))
    if status == CR.Status.WAITING:
        row.can_beep = True
        row.forms["decide"] = form("decide", lambda: DecideForm(wish=wish, swappable=page["swappable"]))
    if status in STEPS["drop"]:
        row.forms["drop"] = form("drop", lambda: DropForm(wish=wish))
    row.can_mark_done = status == CR.Status.DECIDED
    return row


# -- the page ---------------------------------------------------------------------------------------------


def _open_links(project: Project) -> dict[int, list[ClientLink]]:
    """The usable beep links of the project's waiting wishes, in one query."""
    waiting = ChangeRequest.objects.filter(project=project, status=CR.Status.WAITING).values("pk")
    links = (
        ClientLink.objects.filter(
            content_type__app_label=CR._meta.app_label,
            content_type__model=CR._meta.model_name,
            object_id__in=waiting,
        )
        .filter(ClientLink.usable())
        .order_by("created_at", "pk")
    )
    grouped: dict[int, list[ClientLink]] = defaultdict(list)
    for link in links:
        grouped[link.object_id].append(link)
    return grouped


def page_context(request: HttpRequest, project: Project, bound: dict | None = None) -> dict:
    bound = bound or {}
    phases = list(project.phases.order_by("position"))
    contacts = list(project.client.contacts.all())
    wishes = list(
        ChangeRequest.objects.filter(project=project)
        .select_related("contact", "target_phase", "client_decision", "client_decision__recorded_by")
        .order_by("-received_on", "-pk")
    )
    page = {
        "project": project,
        "now": timezone.now(),
        "phases": phases,
        "next_position": (phases[-1].position if phases else 0) + 1,
        "swappable": bucket.swappable_items(project),
        "links": _open_links(project),
    }
    rate = effective_rate(project)  # its own rate, else the rate history's: what a wish will cost
    summary = summarise(
        ((w.status, w.decision, w.classification, 1, w.estimate_hours, w.cost) for w in wishes), lambda: rate
    )
    is_closed = project.status in (Project.Status.COMPLETED, Project.Status.STOPPED)
    return {
        "project": project,
        "summary": summary,
        "rows": [wish_row(wish, page, bound) for wish in wishes],
        "is_closed": is_closed,
        "add_form": None if is_closed else bound.get("add") or WishForm(contacts=contacts),
        "terms_form": bound.get("terms") or BucketTermsForm(instance=project),
        "rate": rate,
        "hourly_rate": format_money(rate.amount),
        "bucket_url": reverse("projects:bucket", args=[project.pk]),
    }


def _projects(request: HttpRequest):
    return Project.objects.filter(owner=request.user).select_related("client")


def render_page(request: HttpRequest, project_pk: int, *, bound: dict | None = None, status: int = 200):
    """The whole page, or with htmx only its main section; fetched fresh after a change."""
    project = get_object_or_404(_projects(request), pk=project_pk)
    template = MAIN if request.htmx else TEMPLATE
    return render(request, template, page_context(request, project, bound), status=status)


def done(request: HttpRequest, project_pk: int, anchor: str) -> HttpResponse:
    """After a successful step: redirect back (no JS), or re-render the main section (htmx)."""
    if request.htmx:
        return render_page(request, project_pk)
    return redirect(reverse("projects:bucket", args=[project_pk]) + f"#{anchor}")


@require_GET
@login_required
@vary_on_headers("HX-Request")
def bucket_page(request: HttpRequest, pk: int) -> HttpResponse:
    return render_page(request, pk)


# -- project-level actions ---------------------------------------------------------------------------------


@require_POST
@login_required
def wish_add(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(_projects(request), pk=pk)
    form = WishForm(request.POST, contacts=list(project.client.contacts.all()))
    if not form.is_valid():
        messages.error(request, _("The wish was not added: check the form."))
        return render_page(request, pk, bound={"add": form}, status=422)
    data = form.cleaned_data
    try:
        wish = bucket.add_wish(
            project,
            actor=request.user,
            title=data["title"],
            description=data["description"],
            source=data["source"],
            received_on=data["received_on"],
            contact=data["contact"],
        )
    except RuleViolation as refused:
        messages.error(request, str(refused))
        return render_page(request, pk, bound={"add": form}, status=422)
    messages.success(request, _("“%(title)s” is in the bucket. Estimate the hours next.") % {"title": wish.title})
    return done(request, pk, f"wish-{wish.pk}")


@require_POST
@login_required
def bucket_terms(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(_projects(request), pk=pk)
    form = BucketTermsForm(request.POST, instance=project)
    if not form.is_valid():
        messages.error(request, _("The terms for extra work did not change: check the form."))
        return render_page(request, pk, bound={"terms": form}, status=422)
    project = form.save(commit=False)
    project.save(update_fields=["hourly_rate", "swap_tolerance_percent"])
    messages.success(request, _("The hourly rate and the swap tolerance are saved."))
    return done(request, pk, "bucket-terms")


# -- steps on one wish ----------------------------------------------------------------------------------------


def _own_wish(request: HttpRequest, pk: int) -> ChangeRequest:
    return get_object_or_404(
        ChangeRequest.objects.select_related("project__client", "project__owner", "target_phase"),
        pk=pk,
        project__owner=request.user,
    )


def _bind(action: str, wish: ChangeRequest, data) -> AssessForm | ClassifyForm | DecideForm | DropForm | None:
    if action == "assess":
        return AssessForm(data, wish=wish)
    if action == "classify":
        return ClassifyForm(data, wish=wish, phases=list(wish.project.phases.order_by("position")))
    if action == "decide":
        return DecideForm(data, wish=wish, swappable=bucket.swappable_items(wish.project))
    if action == "drop":
        return DropForm(data, wish=wish)
    return None  # beep, done: a button, no input


def _names(links: list[ClientLink]) -> str:
    return ", ".join(f"{link.recipient_name} <{link.recipient_email}>" for link in links)


def _perform(action: str, wish: ChangeRequest, user, data: dict) -> str:
    title = {"title": wish.title}
    if action == "assess":
        bucket.assess(wish, estimate_hours=data["estimate_hours"], actor=user)
        return _("The estimate for “%(title)s” is %(hours)s. Classify it next.") % {
            **title,
            "hours": hours(data["estimate_hours"]),
        }
    if action == "classify":
        links = bucket.classify(
            wish, classification=data["classification"], actor=user, target_phase=data["target_phase"]
        )
        if wish.classification == CR.Classification.EXTRA_COST:
            if links:
                return _("The client is asked to decide on “%(title)s” (%(cost)s); the beep went to %(names)s.") % {
                    **title,
                    "cost": format_money(wish.cost),
                    "names": _names(links),
                }
            return _(
                "“%(title)s” (%(cost)s) waits for the client's decision. No contact has an email address: "
                "record their decision here when they give it."
            ) % {**title, "cost": format_money(wish.cost)}
        if wish.classification == CR.Classification.OWN_MISJUDGEMENT:
            return _("“%(title)s” is your own misjudgement: its %(hours)s are on you.") % {
                **title,
                "hours": hours(wish.estimate_hours or ZERO),
            }
        return _("“%(title)s” fits the agreed scope.") % title
    if action == "beep":
        links = bucket.beep(wish, actor=user)
        return _("The beep for “%(title)s” went again to %(names)s; older links no longer work.") % {
            **title,
            "names": _names(links),
        }
    if action == "decide":
        evidence = bucket.decide(
            wish,
            decision=data["decision"],
            item_ids=data["items"],
            recorded_by=user,
            note=data["note"],
            meta=Meta(at=timezone.now(), ip="", user_agent=""),
        )
        if evidence.decision == CR.Decision.PAY:
            item = ScopeItem.objects.filter(change_request=wish).select_related("phase").first()
            return _("Recorded: the client pays for “%(title)s”; it is planned in %(phase)s.") % {
                **title,
                "phase": phase_name(item.phase) if item else "",
            }
        if evidence.decision == CR.Decision.SWAP:
            return _("Recorded: “%(title)s” takes the place of %(items)s.") % {
                **title,
                "items": ", ".join(f"“{item['title']}”" for item in evidence.swapped_items),
            }
        return _("Recorded: the client chose to stop; “%(title)s” is dropped.") % title
    if action == "done":
        bucket.mark_done(wish, actor=user)
        return _("“%(title)s” is done.") % title
    bucket.drop(wish, actor=user, reason=data["reason"])
    return _("“%(title)s” is dropped. The reason is kept in the history.") % title


@require_POST
@login_required
def wish_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    wish = _own_wish(request, pk)
    project_pk = wish.project_id
    if wish.status not in STEPS[action]:
        messages.error(
            request,
            _("This wish is %(status)s; that step is not possible now.")
            % {"status": wish.get_status_display().lower()},
        )
        return render_page(request, project_pk, status=422)
    form = _bind(action, wish, request.POST)
    bound = {(action, wish.pk): form} if form is not None else {}
    if form is not None and not form.is_valid():
        messages.error(request, _("“%(title)s” did not change: check the form.") % {"title": short_title(wish)})
        return render_page(request, project_pk, bound=bound, status=422)
    try:
        message = _perform(action, wish, request.user, form.cleaned_data if form is not None else {})
    except RuleViolation as refused:
        messages.error(request, str(refused))
        return render_page(request, project_pk, bound=bound, status=422)
    messages.success(request, message)
    return done(request, project_pk, f"wish-{wish.pk}")
