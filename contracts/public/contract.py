"""The client's side of a contract: read it, download the PDF, accept it. No account needed.

The page behind /c/<id>/ is registered for ClientLink.Purpose.CONTRACT_ACCEPTANCE and
shows exactly the frozen version the link points to. /c/<id>/pdf/ serves that version's
PDF to the browser that opened the link (the same session check as links.views.link_page).

On a phone the contract is long, so the page opens with a short summary and a link to the
accept form. The summary says only what this version says: the parties and the project come
from the snapshot; a date, a count or an amount comes from live data only where a clause of
the version states it exactly as the live data would render it now (see ``summary_of``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.http import require_safe

from contracts import placeholders, services
from contracts.forms.contract import ContractAcceptForm
from contracts.models import ContractAcceptance, ContractVersion
from contracts.rendering import values_and_tables, version_reference
from freelance.documents.store import get as get_document
from freelance.lib.formats import money_in
from freelance.lib.http import client_ip, user_agent
from freelance.lib.rules import RuleViolation
from freelance.links.models import ClientLink, LinkUnavailable
from freelance.links.registry import register
from freelance.links.views import SESSION_KEY, activate_language, client_facing, mark_done, unavailable
from projects.models import Phase

PAGE = "contracts/public_contract.html"


def version_of(link: ClientLink) -> ContractVersion | None:
    if link.content_type_id != ContentType.objects.get_for_model(ContractVersion).pk:
        return None
    return (
        ContractVersion.objects.select_related("contract__project__client", "acceptance")
        .filter(pk=link.object_id)
        .first()
    )


def pdf_url(link: ClientLink) -> str:
    return reverse("contracts:client_pdf", args=[link.public_id])


@dataclass(frozen=True)
class Summary:
    """The contract in short. Texts are in the contract's language, as the contract words them;
    an empty text or None: this version does not state it (or states something else now)."""

    client: str
    freelancer: str
    project: str
    language: str
    first_deadline: str = ""
    phase_count: int | None = None
    fixed_total: str = ""  # the fixed prices added up, excl. VAT; "" when no phase has one
    hourly_rate: str = ""  # only when a phase is priced on time
    deposit: str = ""
    payment_term_days: int | None = None


def _stated_names(version: ContractVersion, values: dict[str, str], tables) -> set[str]:
    """The placeholders this version states as live data fills them now.

    A placeholder counts when a clause (or the general terms) that uses it renders now, with
    live data, to exactly the HTML the version holds: then what the summary shows from live
    data is word for word what the client accepts. Anything else is left out of the summary.
    """
    snapshot = version.snapshot
    stored = {clause["html"] for clause in snapshot.get("clauses", [])}
    if snapshot.get("general_terms"):
        stored.add(snapshot["general_terms"]["html"])
    contract = version.contract
    bodies = list(contract.clauses.values_list("body", flat=True))
    if snapshot.get("general_terms") and contract.general_terms_id:
        bodies.append(contract.general_terms.body)
    names: set[str] = set()
    for body in bodies:
        try:
            html = str(placeholders.render(body, values, tables))
        except ValidationError:
            continue  # a clause that cannot render now states nothing
        if html in stored:
            names.update(match.group(1) for match in placeholders.PLACEHOLDER.finditer(body))
    return names


def summary_of(version: ContractVersion) -> Summary:
    """The contract in short, for the top of the client's page: only what this version states."""
    snapshot = version.snapshot
    language = snapshot.get("language", "nl")
    with translation.override(language):  # as build_snapshot rendered it
        values, tables = values_and_tables(version.contract)
        stated = _stated_names(version, values, tables)
    phases = list(Phase.objects.filter(project_id=version.contract.project_id).values_list("pricing", "fixed_price"))
    plan = "phases" in stated  # the phase table: every phase with its date and its price
    fixed = [price for pricing, price in phases if pricing == Phase.Pricing.FIXED and price is not None]
    on_time = any(pricing == Phase.Pricing.TIME for pricing, _price in phases)
    term = values["payment_term"]
    return Summary(
        client=snapshot.get("client", ""),
        freelancer=snapshot.get("freelancer", ""),
        project=snapshot.get("project", ""),
        language=language,
        first_deadline=values["project.first_deadline"] if stated & {"project.first_deadline", "phases"} else "",
        phase_count=len(phases) if phases and stated & {"project.phase_count", "phases"} else None,
        fixed_total=money_in(sum(fixed, Decimal("0.00")), language) if plan and fixed else "",
        hourly_rate=values["hourly_rate"] if plan and on_time and "hourly_rate" in stated else "",
        deposit=values["project.deposit"] if "project.deposit" in stated else "",
        payment_term_days=int(term) if "payment_term" in stated and term.isdigit() else None,
    )


@register(ClientLink.Purpose.CONTRACT_ACCEPTANCE)
class ContractAcceptancePage:
    def page(self, request: HttpRequest, link: ClientLink, visit: dict) -> HttpResponse:
        version = version_of(link)
        if version is None:
            return unavailable(request, "unknown")
        form = ContractAcceptForm(initial={"snapshot_hash": version.snapshot_sha256})
        status, message = 200, ""
        if request.method == "POST":
            form = ContractAcceptForm(request.POST)
            if form.is_valid():
                meta = services.Meta(at=timezone.now(), ip=client_ip(request), user_agent=user_agent(request))
                try:
                    services.accept_contract(
                        version,
                        link=link,
                        visit=visit,
                        meta=meta,
                        typed_name=form.cleaned_data["typed_name"],
                        shown_hash=form.cleaned_data["snapshot_hash"],
                    )
                except LinkUnavailable as exc:
                    return unavailable(request, exc.state, link)
                except services.VersionSuperseded:
                    status, message = 409, "superseded"
                except services.SnapshotChanged:
                    # What the page showed is not this version: show it again, keep the typed name.
                    status, message = 409, "changed"
                    form = ContractAcceptForm(
                        initial={
                            "snapshot_hash": version.snapshot_sha256,
                            "typed_name": form.cleaned_data["typed_name"],
                        }
                    )
                except RuleViolation:
                    status, message = 409, "blocked"
                else:
                    mark_done(request, link)
                    return redirect(link.get_absolute_url())
            else:
                status = 422
        context = {
            "link": link,
            "freelancer": link.owner,
            "version": version,
            "snapshot": version.snapshot,
            "form": form if message != "superseded" else None,
            "message": message,
            "pdf_url": pdf_url(link),
            "summary": summary_of(version),
        }
        return render(request, PAGE, context, status=status)

    def done(self, request: HttpRequest, link: ClientLink) -> HttpResponse:
        acceptance = ContractAcceptance.objects.filter(link=link).select_related("version__contract__project").first()
        if acceptance is None:
            return unavailable(request, link.state, link)
        context = {
            "link": link,
            "freelancer": link.owner,
            "acceptance": acceptance,
            "version": acceptance.version,
            "snapshot": acceptance.version.snapshot,
            "pdf_url": pdf_url(link),
        }
        return render(request, "contracts/public_contract_done.html", context)


@client_facing("same-origin")
@require_safe
def client_pdf(request: HttpRequest, public_id) -> HttpResponse:
    """The PDF of the version behind the link, only for the browser that opened the link."""
    link = (
        ClientLink.objects.select_related("owner")
        .filter(public_id=public_id, purpose=ClientLink.Purpose.CONTRACT_ACCEPTANCE)
        .first()
    )
    activate_language(request, link)
    visit = request.session.get(SESSION_KEY, {}).get(str(public_id)) if link else None
    if link is None or visit is None:
        return unavailable(request, "not_opened" if link else "unknown")
    if not visit.get("done") and not link.is_valid:
        return unavailable(request, link.state, link)
    version = version_of(link)
    if version is None:
        raise Http404
    document = get_document(version_reference(version))  # stored after the first render
    response = HttpResponse(document.content, content_type=document.content_type)
    response["Content-Disposition"] = f'inline; filename="{document.filename}"'
    return response
