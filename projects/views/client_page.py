"""The freelancer issues and withdraws the client's project page link.

The raw token is never stored, so the new URL is shown once, in a message, for the
freelancer to copy; it also goes to the contact by email.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from freelance.lib.rules import RuleViolation
from freelance.lib.views import owned_or_404
from freelance.links.models import ClientLink
from projects.client_page import issue_project_page_link, revoke_project_page_links
from projects.forms.public import ProjectPageLinkForm
from projects.models import Project


def _back(project: Project) -> HttpResponse:
    return redirect(reverse("projects:project_detail", args=[project.pk]) + "#client-page")


@require_POST
@login_required
def client_page_link(request: HttpRequest, pk: int) -> HttpResponse:
    project = owned_or_404(Project.objects.select_related("client"), request, pk=pk)
    form = ProjectPageLinkForm(request.POST, project=project)
    if not form.is_valid():
        messages.error(request, _("No link was issued: choose one of this client's contacts with an email address."))
        return _back(project)
    try:
        link, token = issue_project_page_link(project, actor=request.user, contact=form.cleaned_data["contact"])
    except RuleViolation as refused:
        messages.error(request, str(refused))
        return _back(project)
    values = {"name": link.recipient_name, "email": link.recipient_email, "url": ClientLink.url_for(token)}
    if link.recipient_email:
        messages.success(
            request,
            _(
                "The project page link went to %(name)s <%(email)s>; older links no longer work. "
                "It is shown only this once: %(url)s"
            )
            % values,
        )
    else:
        messages.warning(
            request,
            _(
                "No contact of this client has an email address, so no email went out. "
                "Pass this link on yourself; it is shown only this once: %(url)s"
            )
            % values,
        )
    return _back(project)


@require_POST
@login_required
def client_page_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    project = owned_or_404(Project.objects.select_related("client"), request, pk=pk)
    if revoke_project_page_links(project):
        messages.success(request, _("The client's project page link no longer works."))
    else:
        messages.info(request, _("There was no working project page link."))
    return _back(project)
