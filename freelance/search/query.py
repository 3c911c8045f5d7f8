"""What the top bar's search finds: one owner-scoped queryset per group, and the highlighted hits.

Every group is read with one query, its total counted in that same query by a window function,
so a search costs one query per group however many rows match. Matching is case-insensitive
(``icontains``; Django escapes ``%``, ``_`` and the backslash, so they match literally).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Window
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from contracts.models import Invoice
from projects.models import ChangeRequest, Client, Contact, Project

# No name, email or title is longer (the longest CharField searched is 254 characters);
# a longer query is cut here rather than sent to the database as a huge LIKE pattern.
MAX_QUERY_LENGTH = 200

GROUP_TITLES = {
    "clients": _("Clients"),
    "contacts": _("Contacts"),
    "projects": _("Projects"),
    "wishes": _("Wishes"),
    "invoices": _("Invoices"),
}
GROUPS = tuple(GROUP_TITLES)
NUMBER_DIGITS = 4  # invoice numbers are YYYY-NNNN (contracts.dutch_law.next_invoice_number)
NUMBER_CHARACTERS = frozenset("0123456789-")


def clean_query(raw: str) -> tuple[str, bool]:
    """The query as searched, and whether it was cut to MAX_QUERY_LENGTH characters."""
    query = " ".join(raw.replace("\x00", "").split())  # PostgreSQL refuses a NUL byte
    if len(query) <= MAX_QUERY_LENGTH:
        return query, False
    return query[:MAX_QUERY_LENGTH].strip(), True


# -- the groups ---------------------------------------------------------------------------------


def clients(owner, query: str) -> QuerySet[Client]:
    matches = Q(name__icontains=query) | Q(kvk_number__startswith=query) | Q(city__icontains=query)
    return Client.objects.filter(matches, owner=owner).order_by(Lower("name"), "pk")


def contacts(owner, query: str) -> QuerySet[Contact]:
    matches = Q(name__icontains=query) | Q(email__icontains=query)
    return Contact.objects.filter(matches, client__owner=owner).select_related("client").order_by(Lower("name"), "pk")


def projects(owner, query: str) -> QuerySet[Project]:
    return (
        Project.objects.filter(name__icontains=query, owner=owner)
        .select_related("client")
        .order_by(Lower("name"), "pk")
    )


def wishes(owner, query: str) -> QuerySet[ChangeRequest]:
    matches = Q(title__icontains=query) | Q(description__icontains=query)
    return (
        ChangeRequest.objects.filter(matches, project__owner=owner)
        .select_related("project")
        .order_by("-received_on", "-pk")
    )


def invoice_number_matches(query: str) -> Q:
    """By number: the whole number or its start ("2026-0012", "2026-00"), or its counter ("0012", "12")."""
    matches = Q(number__istartswith=query) | Q(number__icontains=f"-{query}")
    if query.isdigit() and len(query) < NUMBER_DIGITS:
        matches |= Q(number__endswith=f"-{query.zfill(NUMBER_DIGITS)}")
    return matches


def invoices(owner, query: str) -> QuerySet[Invoice]:
    by_client = Q(client__in=Client.objects.filter(owner=owner, name__icontains=query))
    # Invoice numbers are YYYY-NNNN (contracts.dutch_law.next_invoice_number): digits and a
    # dash. A query with any other character (a name) can only match by client, so the
    # database finds the freelancer's matching clients and then their invoices by index,
    # instead of reading every invoice of the freelancer's years.
    matches = invoice_number_matches(query) | by_client if NUMBER_CHARACTERS.issuperset(query) else by_client
    # client__owner: an invoice's client is its owner's, and saying so lets the database join
    # the freelancer's clients (by index) instead of hashing every client of the install.
    return (
        Invoice.objects.filter(matches, owner=owner, client__owner=owner)
        .select_related("client")
        .only("number", "status", "client__name")  # what a hit shows: not the stored PDF
        .order_by("-created_at", "-pk")
    )


QUERIES = {"clients": clients, "contacts": contacts, "projects": projects, "wishes": wishes, "invoices": invoices}


# -- hits ------------------------------------------------------------------------------------------


def highlight(text: str, query: str) -> SafeString:
    """``text`` escaped, with each case-insensitive occurrence of ``query`` in <mark>.

    The text is split on the query first and every piece escaped on its own, so neither the
    text nor the query can add markup.
    """
    text = str(text)
    if not query:
        return escape(text)
    pieces = re.split(f"({re.escape(query)})", text, flags=re.IGNORECASE)
    marked = (f"<mark>{escape(piece)}</mark>" if n % 2 else escape(piece) for n, piece in enumerate(pieces) if piece)
    return mark_safe("".join(marked))  # noqa: S308 - every piece is escaped above


@dataclass(frozen=True)
class Hit:
    url: str
    title: SafeString
    detail: SafeString


def excerpt(text: str, query: str, width: int = 60) -> str:
    """Some words around the first match in a long text (a wish's description)."""
    at = text.lower().find(query.lower())
    if at < 0 or len(text) <= 2 * width:
        return text[: 2 * width] + ("…" if len(text) > 2 * width else "")
    start, end = max(0, at - width), at + len(query) + width
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def joined(parts) -> SafeString:
    """The non-empty parts, each already escaped (escape() or highlight()), joined by a dot."""
    return mark_safe(" · ".join(part for part in parts if part))  # noqa: S308 - every part is escaped


def hit(kind: str, obj, query: str) -> Hit:
    if kind == "clients":
        kvk = _("KvK %(number)s") % {"number": obj.kvk_number} if obj.kvk_number else ""
        details = [highlight(kvk, query) if kvk else "", highlight(obj.city, query)]
        return Hit(
            reverse("projects:client_detail", args=[obj.pk]),
            highlight(obj.name, query),
            joined(details),
        )
    if kind == "contacts":
        url = reverse("projects:client_detail", args=[obj.client_id]) + f"#contact-{obj.pk}"
        details = [highlight(obj.email, query), escape(obj.client.name)]
        return Hit(url, highlight(obj.name, query), joined(details))
    if kind == "projects":
        return Hit(
            reverse("projects:project_detail", args=[obj.pk]), highlight(obj.name, query), escape(obj.client.name)
        )
    if kind == "wishes":
        url = reverse("projects:bucket", args=[obj.project_id]) + f"#wish-{obj.pk}"
        details = [escape(obj.project.name), escape(obj.get_status_display())]
        if obj.description and query.lower() in obj.description.lower():
            details.append(highlight(excerpt(obj.description, query), query))
        return Hit(url, highlight(obj.title, query), joined(details))
    if kind == "invoices":
        details = [highlight(obj.client.name, query), escape(obj.get_status_display())]
        return Hit(
            reverse("contracts:invoice_detail", args=[obj.pk]),
            highlight(str(obj), query),
            joined(details),
        )
    raise ValueError(kind)


# -- reading the groups -------------------------------------------------------------------------


@dataclass
class Group:
    kind: str
    title: str
    hits: list[Hit]
    total: int
    query: str

    @property
    def more(self) -> int:
        return self.total - len(self.hits)

    @property
    def url(self) -> str:
        """The search page showing this group alone, page by page."""
        return reverse("search") + "?" + urlencode({"q": self.query, "type": self.kind})


def first_of_group(kind: str, owner, query: str, limit: int) -> Group:
    """The first ``limit`` hits of one group and how many there are in all, in one query."""
    rows = list(QUERIES[kind](owner, query).annotate(search_total=Window(Count("pk")))[:limit])
    total = rows[0].search_total if rows else 0
    return Group(kind, str(GROUP_TITLES[kind]), [hit(kind, row, query) for row in rows], total, query)


def first_of_each_group(owner, query: str, limit: int) -> list[Group]:
    return [first_of_group(kind, owner, query, limit) for kind in GROUPS]
