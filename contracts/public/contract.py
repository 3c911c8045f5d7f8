"""The client's side of a contract: read it, download the PDF, accept it. No account needed.

The page behind /c/<id>/ is registered for ClientLink.Purpose.CONTRACT_ACCEPTANCE and
shows exactly the frozen version the link points to. /c/<id>/pdf/ serves that version's
PDF to the browser that opened the link (the same session check as links.views.link_page).
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from contracts import services
from contracts.forms.contract import ContractAcceptForm
from contracts.models import ContractAcceptance, ContractVersion
from contracts.rendering import version_reference
from freelance.documents.store import get as get_document
from freelance.lib.http import client_ip, user_agent
from freelance.lib.rules import RuleViolation
from freelance.links.models import ClientLink, LinkUnavailable
from freelance.links.registry import register
from freelance.links.views import SESSION_KEY, activate_language, client_facing, mark_done, unavailable

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
