"""The client's decision on a wish that costs extra (the beep), behind /c/<id>/, no account.

Stop, pay or swap, recorded with its evidence. The rules live in projects/bucket.py; this
page shows what it computes and passes on what the client chose. Its RuleViolation
messages are written for the client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from freelance.lib.evidence import Meta, SnapshotChanged
from freelance.lib.formats import hours_long as hours_text
from freelance.lib.http import client_ip, user_agent
from freelance.lib.money import format_money
from freelance.lib.rules import RuleViolation
from freelance.links.models import ClientLink, LinkUnavailable
from freelance.links.registry import register
from freelance.links.views import mark_done, unavailable
from projects import bucket
from projects.forms.public import ITEMS_FIELD, DecisionForm
from projects.models import ChangeDecision, ChangeRequest, Project, ScopeItem

CR = ChangeRequest
HUNDRED = Decimal("100")


def _decimal(value) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return Decimal("0")


# -- the decision on a wish -------------------------------------------------------------


@dataclass(frozen=True)
class SwapRule:
    wish: str
    low: str
    high: str
    possible: bool


@dataclass
class SwapGroup:
    position: int
    title: str
    items: list[dict] = field(default_factory=list)


def swap_rule(snapshot: dict) -> SwapRule:
    """The hours the client should give up, in the same terms bucket.check_swap applies."""
    wish = _decimal(snapshot["estimate_hours"])
    tolerance = wish * Decimal(snapshot["swap_tolerance_percent"]) / HUNDRED
    low, high = wish - tolerance, wish + tolerance
    available = sum((_decimal(item["hours"]) for item in snapshot["swappable"]), Decimal("0"))
    return SwapRule(
        wish=hours_text(wish),
        low=hours_text(low),
        high=hours_text(high),
        possible=bool(snapshot["swappable"]) and available >= low,
    )


def swap_groups(project: Project, snapshot: dict, chosen: set[str]) -> list[SwapGroup]:
    """The swappable work of the snapshot, grouped by phase, with the client's ticks kept."""
    titles = dict(project.phases.values_list("position", "title"))
    groups: dict[int, SwapGroup] = {}
    for item in snapshot["swappable"]:
        group = groups.setdefault(item["phase"], SwapGroup(item["phase"], titles.get(item["phase"], "")))
        group.items.append(
            {
                "id": item["id"],
                "title": item["title"],
                "hours": hours_text(_decimal(item["hours"])),
                "checked": str(item["id"]) in chosen,
            }
        )
    return list(groups.values())


def _wish(link: ClientLink) -> ChangeRequest | None:
    wish = link.target
    if not isinstance(wish, ChangeRequest) or wish.project.owner_id != link.owner_id:
        return None
    return wish


@register(ClientLink.Purpose.CHANGE_DECISION)
class ChangeDecisionPage:
    template = "projects/public_decision.html"

    def page(self, request: HttpRequest, link: ClientLink, visit: dict) -> HttpResponse:
        changed_notice = _(
            "The wish or the plan changed since you opened this page. Please check it again; your choice is kept."
        )
        wish = _wish(link)
        if wish is None:
            return unavailable(request, "unknown")
        snapshot = bucket.build_snapshot(wish)
        digest = bucket.snapshot_hash(snapshot)
        rule = swap_rule(snapshot)
        cost = format_money(_decimal(snapshot["cost"]))
        form_options = {"cost": cost, "can_swap": rule.possible}
        form = DecisionForm(initial={"snapshot_hash": digest}, **form_options)
        chosen: set[str] = set()
        status, message = 200, ""
        if request.method == "POST":
            form = DecisionForm(request.POST, **form_options)
            chosen = set(request.POST.getlist(ITEMS_FIELD))
            if form.is_valid():
                decision = form.cleaned_data["decision"]
                try:
                    bucket.decide(
                        wish,
                        decision=decision,
                        item_ids=request.POST.getlist(ITEMS_FIELD) if decision == CR.Decision.SWAP else [],
                        link=link,
                        visit=visit,
                        meta=Meta(at=timezone.now(), ip=client_ip(request), user_agent=user_agent(request)),
                        shown_hash=form.cleaned_data["snapshot_hash"],
                    )
                except LinkUnavailable as exc:
                    return unavailable(request, exc.state, link)
                except SnapshotChanged:
                    status, message = 409, changed_notice
                    form = DecisionForm(initial={"decision": decision, "snapshot_hash": digest}, **form_options)
                except RuleViolation as refused:
                    status, message = 422, str(refused)
                else:
                    mark_done(request, link)
                    return redirect(link.get_absolute_url())
            elif "snapshot_hash" in form.errors:  # missing or mangled: show what would be recorded now
                status, message = 409, changed_notice
                kept = request.POST.get("decision") if request.POST.get("decision") in CR.Decision.values else None
                form = DecisionForm(initial={"decision": kept, "snapshot_hash": digest}, **form_options)
            else:
                status = 422
        where = snapshot["goes_into"]
        context = {
            "link": link,
            "freelancer": link.owner,
            "snapshot": snapshot,
            "estimate": hours_text(_decimal(snapshot["estimate_hours"])),
            "cost": cost,
            "rate": format_money(_decimal(snapshot["hourly_rate"])),
            "hard_deadline": parse_date(snapshot["hard_deadline"] or ""),
            "goes_into": where,
            "after_phase": where["position"] - 1,
            "rule": rule,
            "groups": swap_groups(wish.project, snapshot, chosen),
            "items_field": ITEMS_FIELD,
            "form": form,
            "message": message,
        }
        return render(request, self.template, context, status=status)

    def done(self, request: HttpRequest, link: ClientLink) -> HttpResponse:
        evidence = ChangeDecision.objects.select_related("change_request__project__client").filter(link=link).first()
        if evidence is None:
            return unavailable(request, link.state, link)
        wish = evidence.change_request
        built = ScopeItem.all_objects.filter(change_request=wish).select_related("phase").first()
        context = {
            "link": link,
            "freelancer": link.owner,
            "evidence": evidence,
            "wish": wish,
            "cost": format_money(wish.cost),
            "phase": built.phase if built else None,
            "swapped": [
                {"title": item["title"], "hours": hours_text(_decimal(item["hours"]))}
                for item in evidence.swapped_items
            ],
            "hard_deadline": wish.project.first_deadline,
        }
        return render(request, "projects/public_decision_done.html", context)
