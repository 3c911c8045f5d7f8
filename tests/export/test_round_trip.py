"""A freelancer's export, imported into an empty install, passes verify and shows the same pages.

The demo freelancer's records are downloaded through the account page's link (the stream
consumed as a browser would), the database is emptied down to what a new install has after
`migrate` (the default contract texts and interest rates, with new primary keys), the ZIP is
imported, and every page the freelancer uses reads the same as before.
"""

from __future__ import annotations

import html
import importlib
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from contracts.models import Invoice
from contracts.seed import load_contract_templates
from freelance.demo import DEMO_USERNAME, ensure_demo_data
from freelance.documents.models import StoredDocument
from freelance.evidence.chain import verify_chain
from freelance.evidence.models import EvidenceEntry
from freelance.outbox.models import RESTORED_NOT_SENT, OutgoingEmail
from projects.models import Client, Project
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def fresh_install() -> None:
    """Empty every table, then seed what `migrate` seeds: as a new install looks."""
    call_command("flush", interactive=False, verbosity=0)
    interest = importlib.import_module("contracts.migrations.0003_invoice_numbers_and_interest")
    interest.seed_rates(django_apps, None)
    load_contract_templates()


def page_urls(user) -> list[str]:
    urls = [
        reverse("dashboard"),
        reverse("projects:project_list"),
        reverse("projects:client_list"),
        reverse("projects:time_week"),
        reverse("contracts:invoice_list"),
        reverse("outbox:list"),
    ]
    for project in Project.objects.filter(owner=user).order_by("pk"):
        urls += [reverse("projects:project_detail", args=[project.pk]), reverse("projects:bucket", args=[project.pk])]
        urls.append(reverse("contracts:contract", args=[project.pk]))
    for client in Client.objects.filter(owner=user).order_by("pk"):
        urls.append(reverse("projects:client_detail", args=[client.pk]))
    for invoice in Invoice.objects.filter(owner=user).order_by("pk"):
        urls.append(reverse("contracts:invoice_detail", args=[invoice.pk]))
    for email in OutgoingEmail.objects.filter(owner=user).order_by("pk"):
        urls.append(reverse("outbox:detail", args=[email.pk]))
    return urls


def visible_text(response) -> str:
    """The words in <main>, as a person reads them."""
    assert response.status_code == 200, response
    body = response.content.decode()
    main = re.search(r"<main\b.*?</main>", body, re.S).group(0)
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())


def read_pages(client, urls: list[str]) -> dict[str, str]:
    return {url: visible_text(client.get(url)) for url in urls}


def log_in(client, username: str) -> None:
    user = get_user_model().objects.get(username=username)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    client.force_login(user)


def as_restored(text: str) -> str:
    """A mail page with the differences an import makes on purpose (importer.NOT_SENT_NOTE): a mail
    that was waiting comes back failed, with a note and a Send again button, and its links dead."""
    text = re.sub(r"\b(In de wachtrij|Queued|Mislukt|Failed)\b", "<status>", text)
    text = re.sub(r"\b(Opnieuw versturen|Send again) ", "", text)
    for language in ("nl", "en"):  # the note is stored in English and shown translated
        with translation.override(language):
            note = translation.gettext(RESTORED_NOT_SENT)
        start, end = re.escape(note[:30]), re.escape(note[-20:])
        text = re.sub(rf"(Laatste fout|Last error) {start}.*?{end} ", "", text)  # the detail
        text = re.sub(rf"{start}.*?…", "—", text)  # the list's column, cut short
    return re.sub(r"/l/[A-Za-z0-9_\-]{20,}/", "/[link-removed-after-sending]/", text)


def without_trouble(text: str) -> str:
    """The dashboard without its background-jobs card (from its heading to the next card's)."""
    for language in ("nl", "en"):
        with translation.override(language):
            heading = translation.gettext("Background jobs need attention")
            money = translation.gettext("Money")
        text = re.sub(rf"⚠ {re.escape(heading)} .*? (?={re.escape(money)} )", "", text)
    return text


@pytest.fixture
def demo(settings, monkeypatch):
    settings.DEBUG = True  # the demo login exists only in development (and skips two-factor there)
    # The demo's mails stay as they were queued: a Celery worker left running by an earlier test
    # in the session would otherwise send them while the pages are read, before and after.
    monkeypatch.setattr("freelance.outbox.queue.send_on_commit", lambda pk: None)
    fresh_install()  # a reused test database may have been emptied by another transactional test
    ensure_demo_data()
    return get_user_model().objects.get(username=DEMO_USERNAME)


def test_the_demo_freelancers_export_imports_into_an_empty_install_and_shows_the_same_pages(client, demo, tmp_path):
    client.force_login(demo)
    assert EvidenceEntry.objects.filter(owner=demo).exists(), "the demo has evidence to carry over"
    assert verify_chain(demo.pk).ok
    urls = page_urls(demo)
    before = read_pages(client, urls)
    assert "Webshop voor lunchbestellingen" in before[reverse("projects:project_list")]
    invoice_numbers = list(Invoice.objects.filter(owner=demo).exclude(number="").values_list("number", flat=True))
    assert invoice_numbers and all(n in before[reverse("contracts:invoice_list")] for n in invoice_numbers)
    documents = StoredDocument.objects.filter(owner=demo).count() + Invoice.objects.filter(pdf__isnull=False).count()
    assert documents, "the demo has PDFs to carry over"

    account = client.get(reverse("password_change")).content.decode()
    download_url = reverse("export:download")
    assert f'href="{download_url}"' in account
    response = client.get(download_url)
    assert response.streaming
    zip_bytes = b"".join(response.streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(zip_bytes))
    assert len([n for n in archive.namelist() if n.startswith("documents/")]) == documents
    path = tmp_path / "export.zip"
    path.write_bytes(zip_bytes)

    fresh_install()
    assert not get_user_model().objects.exists() and not Project.objects.exists()

    out = io.StringIO()
    call_command("import_records", str(path), stdout=out)
    assert "evidence chain verified" in out.getvalue()
    imported = get_user_model().objects.get(username=DEMO_USERNAME)
    assert not imported.has_usable_password()
    assert (imported.is_staff, imported.is_superuser) == (True, False)  # a freelancer, as invited ones are
    result = verify_chain(imported.pk)
    assert result.ok and result.checked == EvidenceEntry.objects.filter(owner=imported).count() > 0

    log_in(client, DEMO_USERNAME)
    after = read_pages(client, urls)
    for url in urls:
        if url.startswith(reverse("outbox:list")):
            assert as_restored(after[url]) == as_restored(before[url]), url
        elif url == reverse("dashboard"):
            # The mails that were waiting come back failed: the dashboard says so, and nothing else differs.
            with translation.override("nl"):  # the demo freelancer reads Dutch
                assert translation.gettext("Background jobs need attention") in after[url]
            assert without_trouble(after[url]) == without_trouble(before[url]), url
        else:
            assert after[url] == before[url], url

    # And the PDFs are the same bytes.
    for invoice in Invoice.objects.filter(owner=imported, pdf__isnull=False):
        member = f"documents/invoice-{invoice.pk}-{invoice.number}.pdf"
        assert bytes(invoice.pdf) == archive.read(member)


def test_the_commands_export_and_import_the_same_records(demo, tmp_path):
    path = tmp_path / "demo.zip"
    out = io.StringIO()
    call_command("export_records", DEMO_USERNAME, "-o", str(path), stdout=out)
    manifest = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    counts = {entry["model"]: entry["count"] for entry in manifest["models"]}
    assert counts["projects.Project"] == Project.objects.filter(owner=demo).count() > 0
    assert manifest["evidence"]["ok"] is True

    fresh_install()
    call_command("import_records", str(path), stdout=io.StringIO())
    imported = get_user_model().objects.get(username=DEMO_USERNAME)
    assert Project.objects.filter(owner=imported).count() == counts["projects.Project"]

    # A second import of the same ZIP is refused, and changes nothing.
    with pytest.raises(CommandError, match="exists here already"):
        call_command("import_records", str(path), stdout=io.StringIO())
    assert Project.objects.filter(owner=imported).count() == counts["projects.Project"]
    assert Path(path).exists()
