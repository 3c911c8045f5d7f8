"""Search from the top bar: clients, contacts, projects, wishes and invoices, the user's own only."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import Invoice
from projects.models import ChangeRequest
from tests.factories import ClientFactory, ContactFactory, ProjectFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {"HTTP_HX_REQUEST": "true", **EN}
SEARCH = "/search/"
KINDS = ("clients", "contacts", "projects", "wishes", "invoices")


def search(client, q, **params):
    return client.get(SEARCH, {"q": q, **params}, **EN)


def live(client, q):
    return client.get(SEARCH, {"q": q}, **HTMX)


def text(response) -> str:
    return response.content.decode()


def invoice(owner, client, number="", **fields):
    status = Invoice.Status.SENT if number else Invoice.Status.DRAFT
    return Invoice.objects.create(owner=owner, client=client, number=number, status=status, **fields)


def wish(project, title="Extra filter", **fields):
    return ChangeRequest.objects.create(project=project, title=title, **fields)


# -- each kind is found ------------------------------------------------------------------------


def test_it_finds_a_client_by_name_and_by_kvk_number(alice_client, alice):
    client = ClientFactory(owner=alice, name="Fietsenmaker Zwaan", kvk_number="24681357")
    for q in ("zwaan", "FIETSENMAKER", "2468"):
        response = search(alice_client, q)
        assert response.status_code == 200
        assert f'href="/clients/{client.pk}/"' in text(response), q
    assert "KvK <mark>2468</mark>1357" in text(search(alice_client, "2468"))


def test_it_finds_a_contact_by_name_and_email_and_links_to_the_client_page(alice_client, alice):
    client = ClientFactory(owner=alice, name="Hotel Zeezicht")
    contact = ContactFactory(client=client, name="Linda de Vries", email="linda@zeezicht.example")
    for q in ("linda de", "@zeezicht.ex"):
        body = text(search(alice_client, q))
        assert f'href="/clients/{client.pk}/#contact-{contact.pk}"' in body, q
    assert "Hotel Zeezicht" in text(search(alice_client, "linda"))


def test_it_finds_a_project_by_name(alice_client, alice):
    project = ProjectFactory(owner=alice, name="Vrijwilligersportaal")
    body = text(search(alice_client, "portaal"))
    assert f'href="/projects/{project.pk}/"' in body
    assert "Vrijwilligers<mark>portaal</mark>" in body


def test_it_finds_a_wish_by_title_and_by_description_and_links_to_the_bucket(alice_client, alice):
    project = ProjectFactory(owner=alice)
    found = wish(project, title="Export naar Excel", description="De boekhouder wil een CSV met btw-kolommen.")
    for q in ("excel", "btw-kolom"):
        body = text(search(alice_client, q))
        assert f'href="/projects/{project.pk}/bucket/#wish-{found.pk}"' in body, q
    assert "<mark>btw-kolom</mark>men" in text(search(alice_client, "btw-kolom"))


@pytest.mark.parametrize("q", ["2026-0012", "2026-00", "0012", "12", "2026-0012 "])
def test_it_finds_an_invoice_by_its_number_whole_or_its_start_or_its_last_digits(alice_client, alice, q):
    client = ClientFactory(owner=alice, name="Bakkerij Brood")
    wanted = invoice(alice, client, "2026-0012")
    other = invoice(alice, client, "2026-0120")
    body = text(search(alice_client, q, type="invoices"))
    assert f'href="/invoices/{wanted.pk}/"' in body
    if q.strip() in ("0012", "12", "2026-0012"):
        assert f'href="/invoices/{other.pk}/"' not in body


def test_it_finds_invoices_by_client_name_drafts_included(alice_client, alice):
    client = ClientFactory(owner=alice, name="Tandarts Tand")
    draft = invoice(alice, client)
    sent = invoice(alice, client, "2026-0001")
    body = text(search(alice_client, "tandarts"))
    assert f'href="/invoices/{draft.pk}/"' in body
    assert f'href="/invoices/{sent.pk}/"' in body
    assert "Draft invoice" in body


def test_a_name_finds_invoices_through_the_matching_clients_not_by_reading_every_number(alice):
    from freelance.search import query

    sql = str(query.invoices(alice, "tandarts").query)
    assert '"number"' not in sql.split("WHERE", 1)[1]  # numbers are YYYY-NNNN: a name never matches one
    assert '"number"' in str(query.invoices(alice, "2026-0").query).split("WHERE", 1)[1]


# -- only the user's own -----------------------------------------------------------------------


def test_another_freelancers_matching_objects_never_appear(alice_client, alice, bob):
    mine = ClientFactory(owner=alice, name="Kraanvogel Alice")
    theirs = ClientFactory(owner=bob, name="Kraanvogel Bob", kvk_number="99887766")
    contact = ContactFactory(client=theirs, name="Kraanvogel Contact", email="kraanvogel@bob.example")
    project = ProjectFactory(owner=bob, client=theirs, name="Kraanvogel project")
    bobs_wish = wish(project, title="Kraanvogel wens", description="kraanvogel")
    bobs_invoice = invoice(bob, theirs, "2026-0007")
    bobs_urls = [
        f"/clients/{theirs.pk}/",
        f"#contact-{contact.pk}",
        f"/projects/{project.pk}/",
        f"#wish-{bobs_wish.pk}",
        f"/invoices/{bobs_invoice.pk}/",
    ]
    responses = [search(alice_client, "kraanvogel"), live(alice_client, "kraanvogel")]
    responses += [search(alice_client, "kraanvogel", type=kind) for kind in KINDS]
    responses += [search(alice_client, q) for q in ("2026-0007", "0007", "9988", "bob.example", "Bob")]
    for response in responses:
        body = text(response)
        assert response.status_code == 200
        assert not [url for url in bobs_urls if url in body], response.request
        assert "Kraanvogel Bob" not in body and "99887766" not in body and "bob.example</" not in body
    assert f"/clients/{mine.pk}/" in text(responses[0])  # not a vacuous pass: alice's own is found


def test_it_needs_a_login(client):
    response = client.get(SEARCH, {"q": "x"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# -- hostile and odd input ---------------------------------------------------------------------


def test_markup_in_names_and_in_the_query_is_escaped_and_only_the_match_is_marked(alice_client, alice):
    client = ClientFactory(owner=alice, name="<script>alert(1)</script> B.V.")
    ProjectFactory(owner=alice, client=client, name="<b>vet</b> <script>x</script>")
    for response in (search(alice_client, "<script>"), live(alice_client, "<script>")):
        body = text(response)
        assert "<script>" not in body.split("</head>")[-1]
        assert "<mark>&lt;script&gt;</mark>alert(1)&lt;/script&gt; B.V." in body
        assert "&lt;b&gt;vet&lt;/b&gt; <mark>&lt;script&gt;</mark>x&lt;/script&gt;" in body
    # A query that is markup itself, and one that looks like the highlight's own tag.
    for q in ('"><img src=x onerror=alert(1)>', "<mark>", "mark"):
        body = text(search(alice_client, q))
        assert "<img src=x" not in body and "onerror=alert(1)>" not in body
        assert "&lt;mark&gt;" in body or q == "mark" or "Nothing found" in body


@pytest.mark.parametrize("q", ["%", "_", "\\", "50%", "a_b", "c\\d"])
def test_percent_underscore_and_backslash_match_literally(alice_client, alice, q):
    literal = ClientFactory(owner=alice, name=f"Klant {q} letterlijk")
    other = ClientFactory(owner=alice, name="Klant 50 procent aab cd")
    body = text(search(alice_client, q, type="clients"))
    assert f"/clients/{literal.pk}/" in body
    assert f"/clients/{other.pk}/" not in body


def test_an_empty_query_shows_what_can_be_searched(alice_client, alice):
    ClientFactory(owner=alice, name="Zichtbaar B.V.")
    for q in ("", "   ", "\x00"):
        response = search(alice_client, q)
        assert response.status_code == 200
        body = text(response)
        assert "What are you looking for?" in body
        assert "Zichtbaar" not in body
    # The dropdown closes: nothing to show, nothing to announce.
    response = live(alice_client, "  ")
    assert response.status_code == 200
    assert text(response).strip() == ""


def test_a_nul_byte_is_dropped_rather_than_sent_to_the_database(alice_client, alice):
    client = ClientFactory(owner=alice, name="Nulpunt")
    response = search(alice_client, "Nul\x00punt")
    assert response.status_code == 200
    assert f"/clients/{client.pk}/" in text(response)


def test_a_very_long_query_is_cut_and_said_so_not_a_500(alice_client, alice):
    client = ClientFactory(owner=alice, name="a" * 150)
    response = search(alice_client, "a" * 10_000)
    assert response.status_code == 200
    body = text(response)
    assert "only its first 200 characters were searched" in body
    assert 'value="' + "a" * 200 + '"' in body  # the form shows what was searched
    assert f"/clients/{client.pk}/" not in body  # 200 a's are not in a 150-letter name
    assert live(alice_client, "%_\\\\" * 3000).status_code == 200
    assert search(alice_client, "2026-" * 2000, type="invoices").status_code == 200


def test_an_unknown_type_or_page_shows_all_groups_or_the_last_page(alice_client, alice):
    project = ProjectFactory(owner=alice, name="Paginaproject")
    assert f"/projects/{project.pk}/" in text(search(alice_client, "pagina", type="<script>"))
    for page in ("999", "abc", "-1"):
        response = search(alice_client, "pagina", type="projects", page=page)
        assert response.status_code == 200
        assert f"/projects/{project.pk}/" in text(response)


# -- the dropdown and the page -----------------------------------------------------------------


def test_htmx_gets_the_dropdown_alone_and_a_plain_request_the_whole_page(alice_client, alice):
    ProjectFactory(owner=alice, name="Dakterras")
    dropdown = live(alice_client, "dakterras")
    assert dropdown.status_code == 200
    assert "<html" not in text(dropdown)
    assert 'class="topsearch-panel"' in text(dropdown)
    assert "All results on the search page" in text(dropdown)
    assert "HX-Request" in dropdown["Vary"]
    page = search(alice_client, "dakterras")
    assert "<html" in text(page) and "<h1>Search</h1>" in text(page)
    assert "HX-Request" in page["Vary"]


def test_every_page_has_the_search_form_in_the_top_bar(alice_client):
    body = text(alice_client.get("/", **EN))
    assert '<form role="search" action="/search/"' in body
    assert '<label for="top-search-q"' in body and 'id="top-search-q" name="q"' in body
    assert 'hx-trigger="input changed delay:250ms, search"' in body
    assert 'aria-live="polite"' in body


def project_links(body: str) -> int:
    return len(re.findall(r'href="/projects/\d+/"', body))


def test_a_group_shows_ten_and_how_many_more_and_pages_through_the_rest(alice_client, alice):
    client = ClientFactory(owner=alice, name="Reeks klant")
    projects = [ProjectFactory(owner=alice, client=client, name=f"Reeks {n:02d}") for n in range(30)]
    body = text(search(alice_client, "reeks"))
    assert project_links(body) == 10
    assert "and 20 more" in body
    assert "type=projects" in body
    first = text(search(alice_client, "reeks", type="projects"))
    second = text(search(alice_client, "reeks", type="projects", page=2))
    assert project_links(first) == 25 and project_links(second) == 5
    assert "30 results" in first
    assert f"/projects/{projects[29].pk}/" in second and f"/projects/{projects[29].pk}/" not in first
    dropdown = text(live(alice_client, "reeks"))
    assert project_links(dropdown) == 5 and "and 25 more" in dropdown


# -- queries -----------------------------------------------------------------------------------


def make_matches(owner, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        client = ClientFactory(owner=owner, name=f"Vink klant {n}")
        ContactFactory(client=client, name=f"Vink contact {n}")
        project = ProjectFactory(owner=owner, client=client, name=f"Vink project {n}")
        wish(project, title=f"Vink wens {n}")
        invoice(owner, client, f"2026-{n + 1:04d}")


def queries_for(client, **request) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SEARCH, request.pop("params"), **request)
        assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"params": {"q": "vink"}, **EN},
        {"params": {"q": "vink"}, **HTMX},
        {"params": {"q": "vink", "type": "invoices"}, **EN},
        {"params": {"q": "vink", "type": "wishes", "page": "2"}, **EN},
    ],
    ids=["page", "dropdown", "one-group", "one-group-page-2"],
)
def test_the_number_of_queries_does_not_grow_with_the_matches(alice_client, alice, request_kwargs):
    make_matches(alice, 1)
    one = queries_for(alice_client, **dict(request_kwargs, params=dict(request_kwargs["params"])))
    make_matches(alice, 49, start=1)
    fifty = queries_for(alice_client, **dict(request_kwargs, params=dict(request_kwargs["params"])))
    assert one == fifty


def test_a_search_reads_each_group_with_one_query(alice_client, alice):
    make_matches(alice, 50)
    alice_client.get("/", **EN)  # the session and the user are read once per request either way
    with CaptureQueriesContext(connection) as queries:
        alice_client.get(SEARCH, {"q": "vink"}, **HTMX)
    searched = [q["sql"] for q in queries.captured_queries if "LIKE" in q["sql"].upper()]
    assert len(searched) == 5
    assert all("OVER" in sql.upper() for sql in searched)  # the total comes with the rows
