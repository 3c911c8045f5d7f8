"""Clients and their contacts: list with live search, create/edit, detail page with inline contacts.

Every htmx call has a plain form or link behind it: without JavaScript the same URLs render full
pages and redirect back to the client page.
"""

from __future__ import annotations

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, ProtectedError, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Lower
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from freelance.lib.pagecache import cached_page
from freelance.lib.views import owned_or_404
from projects.forms.clients import ClientForm, ContactForm
from projects.models import Client, Contact, Project

CLIENTS_PER_PAGE = 50
INVALID = HTTPStatus.UNPROCESSABLE_ENTITY  # 422: the form is shown again with its errors


# -- helpers ---------------------------------------------------------------------------


def get_client(request: HttpRequest, pk: int) -> Client:
    return owned_or_404(Client, request, pk=pk)


def get_contact(request: HttpRequest, pk: int) -> Contact:
    return owned_or_404(Contact.objects.select_related("client"), request, "client__owner", pk=pk)


def wants_partial(request: HttpRequest) -> bool:
    # A history restore after a cache miss wants the whole page, even though it comes from htmx.
    return bool(request.htmx) and not request.htmx.history_restore_request


def vary_on_htmx(response: HttpResponse) -> HttpResponse:
    patch_vary_headers(response, ("HX-Request",))
    return response


def client_url(client: Client, anchor: str = "") -> str:
    url = reverse("projects:client_detail", args=[client.pk])
    return f"{url}#{anchor}" if anchor else url


def longest_searched_value() -> int:
    """No name, city or email is longer than this, so a longer query matches nothing."""
    fields = [Client._meta.get_field("name"), Client._meta.get_field("city")]
    fields += [Contact._meta.get_field("name"), Contact._meta.get_field("email")]
    return max(f.max_length for f in fields)


def search_clients(owner, query: str) -> QuerySet[Client]:
    clients = Client.objects.filter(owner=owner)
    if len(query) > longest_searched_value():
        # Nothing contains a longer string, and SQLite refuses a LIKE pattern of 50,000 bytes (a 500).
        clients = clients.none()
    elif query:
        matching_contacts = Contact.objects.filter(client=OuterRef("pk")).filter(
            Q(name__icontains=query) | Q(email__icontains=query)
        )
        clients = clients.filter(Q(name__icontains=query) | Q(city__icontains=query) | Exists(matching_contacts))
    # A subquery rather than a join and GROUP BY: counted for the page's rows only, and the
    # paginator's count leaves it out (a count of the freelancer's clients, no join).
    open_projects = (
        Project.objects.filter(client=OuterRef("pk"), status__in=Project.OPEN_STATUSES)
        .order_by()
        .values("client")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        clients.annotate(open_projects=Coalesce(Subquery(open_projects), 0))
        .prefetch_related(
            Prefetch("contacts", queryset=Contact.objects.filter(is_decision_maker=True), to_attr="decision_makers")
        )
        .order_by(Lower("name"), "pk")
    )


def contact_form(contact: Contact, data=None) -> ContactForm:
    """A form whose ids are unique on the client page, where several contact forms can be open."""
    auto_id = f"contact-{contact.pk}-%s" if contact.pk else "new-contact-%s"
    return ContactForm(data, instance=contact, auto_id=auto_id)


def contacts_context(client: Client, add_form: ContactForm | None = None) -> dict:
    return {
        "client": client,
        "contacts": list(client.contacts.all()),
        "add_form": add_form or contact_form(Contact(client=client)),
        "today": timezone.localdate(),
    }


# -- clients ---------------------------------------------------------------------------


@require_GET
@login_required
@cached_page
def client_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").replace("\x00", "").strip()  # a NUL byte is refused by PostgreSQL
    page = Paginator(search_clients(request.user, query), CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
    kinds = {value: str(label) for value, label in Client.Kind.choices}  # translated once, not per row
    for client in page:
        client.needs_a_talk = any(contact.needs_a_talk for contact in client.decision_makers)
        client.kind_label = kinds.get(client.kind, client.kind)
        client.url = reverse("projects:client_detail", args=[client.pk])
    context = {"page": page, "query": query}
    if wants_partial(request):
        return vary_on_htmx(render(request, "projects/client_list.html#results", context))
    return vary_on_htmx(render(request, "projects/client_list.html", context))


def save_client_form(request: HttpRequest, form: ClientForm, title_name: str = "") -> HttpResponse:
    if form.is_valid():
        try:
            with transaction.atomic():
                client = form.save()
        except IntegrityError:
            if not form.add_duplicate_name_error_after_race():
                raise
        else:
            messages.success(request, _("Saved %(name)s.") % {"name": client.name})
            if client.payment_term_warning:
                messages.warning(request, client.payment_term_warning)
            return redirect(client_url(client))
    context = {"form": form, "title_name": title_name}
    return render(request, "projects/client_form.html", context, status=INVALID)


@require_http_methods(["GET", "POST"])
@login_required
def client_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return save_client_form(request, ClientForm(request.POST, owner=request.user))
    return render(request, "projects/client_form.html", {"form": ClientForm(owner=request.user)})


@require_http_methods(["GET", "POST"])
@login_required
def client_update(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_client(request, pk)
    title_name = client.name  # validation writes the typed values onto the instance
    if request.method == "POST":
        return save_client_form(request, ClientForm(request.POST, instance=client, owner=request.user), title_name)
    context = {"form": ClientForm(instance=client, owner=request.user), "title_name": title_name}
    return render(request, "projects/client_form.html", context)


def render_client_detail(request: HttpRequest, client: Client, add_form=None, status: int = 200) -> HttpResponse:
    context = {
        **contacts_context(client, add_form),
        "projects": list(Project.objects.filter(client=client, owner=request.user).order_by("-created_at")),
    }
    return render(request, "projects/client_detail.html", context, status=status)


@require_GET
@login_required
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_client_detail(request, get_client(request, pk))


# -- contacts --------------------------------------------------------------------------


@require_POST
@login_required
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_client(request, pk)
    form = contact_form(Contact(client=client), request.POST)
    if form.is_valid():
        contact = form.save()
        if wants_partial(request):
            return render(request, "projects/client_detail.html#contacts", contacts_context(client))
        messages.success(request, _("Added %(name)s.") % {"name": contact.name})
        return redirect(client_url(client, f"contact-{contact.pk}"))
    if wants_partial(request):
        return render(request, "projects/client_detail.html#contacts", contacts_context(client, form), status=INVALID)
    return render_client_detail(request, client, add_form=form, status=INVALID)


@require_GET
@login_required
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The contact's row on the client page: what "Cancel" on an inline edit form swaps back in."""
    contact = get_contact(request, pk)
    if wants_partial(request):
        context = {"contact": contact, "client": contact.client, "today": timezone.localdate()}
        return vary_on_htmx(render(request, "projects/client_detail.html#contact-row", context))
    return vary_on_htmx(redirect(client_url(contact.client, f"contact-{contact.pk}")))


@require_http_methods(["GET", "POST"])
@login_required
def contact_update(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_contact(request, pk)
    client = contact.client
    contact_name = contact.name  # validation writes the typed values onto the instance
    form = contact_form(contact, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        contact = form.save()
        if wants_partial(request):
            context = {"contact": contact, "client": client, "today": timezone.localdate()}
            return render(request, "projects/client_detail.html#contact-row", context)
        messages.success(request, _("Saved %(name)s.") % {"name": contact.name})
        return redirect(client_url(client, f"contact-{contact.pk}"))
    status = INVALID if form.is_bound else HTTPStatus.OK
    if wants_partial(request) and not form.is_bound:
        form.fields["name"].widget.attrs["autofocus"] = True  # htmx focuses it after the swap
    context = {"form": form, "contact": contact, "contact_name": contact_name, "client": client}
    if wants_partial(request):
        return vary_on_htmx(render(request, "projects/contact_form.html#edit-row", context, status=status))
    return vary_on_htmx(render(request, "projects/contact_form.html", context, status=status))


@require_POST
@login_required
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_contact(request, pk)
    client = contact.client
    try:
        with transaction.atomic():
            contact.delete()
    except ProtectedError:
        messages.error(
            request,
            _("%(name)s decided on a phase; that decision is kept as evidence, so %(name)s stays on the list.")
            % {"name": contact.name},
        )
        if wants_partial(request):  # reload the page, so the message shows
            return HttpResponseClientRedirect(client_url(client, "contacts"))
        return redirect(client_url(client, "contacts"))
    if wants_partial(request):
        return render(request, "projects/client_detail.html#contacts", contacts_context(client))
    messages.success(request, _("Deleted %(name)s.") % {"name": contact.name})
    return redirect(client_url(client, "contacts"))


@require_POST
@login_required
def contact_talked(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Talked today": the decision-maker nudge goes away for another few weeks."""
    contact = get_contact(request, pk)
    contact.last_spoken_on = timezone.localdate()
    contact.save(update_fields=["last_spoken_on"])
    if wants_partial(request):
        context = {"contact": contact, "client": contact.client, "today": contact.last_spoken_on}
        return render(request, "projects/client_detail.html#contact-row", context)
    messages.success(request, _("Noted: you talked to %(name)s today.") % {"name": contact.name})
    return redirect(client_url(contact.client, f"contact-{contact.pk}"))
