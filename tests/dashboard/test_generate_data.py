"""manage.py generate_data: the benchmark's data, deterministic, and every page works on it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client as BrowserClient
from django.urls import reverse

from contracts.models import Invoice, TimeEntry
from freelance.dashboard import loadgen
from freelance.evidence.chain import verify_chain
from projects.models import Acceptance, ChangeRequest, Phase, Project

pytestmark = pytest.mark.django_db(transaction=True)
ARGS = ["--scale", "0.02", "--hosted", "3"]


def generate(*extra: str) -> str:
    out = StringIO()
    call_command("generate_data", *ARGS, *extra, stdout=out)
    return out.getvalue()


def login(username: str) -> BrowserClient:
    user = get_user_model().objects.get(username=username)
    assert user.check_password("mijlpaal-bench")
    browser = BrowserClient(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(user)
    return browser


def test_the_same_seed_gives_the_same_data_and_existing_data_is_never_overwritten():
    printed = generate()
    assert "rows in" in printed
    first = loadgen.digest()
    with pytest.raises(CommandError, match="--replace"):
        generate()
    generate("--replace")
    assert loadgen.digest() == first
    generate("--replace", "--seed", "2")
    assert loadgen.digest() != first


def test_the_shape_follows_the_issue_and_the_pages_work():
    generate()
    users = get_user_model().objects
    longtime, small = users.get(username="longtime"), users.get(username="small")
    assert users.filter(username__startswith="hosted").count() == 3
    projects = Project.objects.filter(owner=longtime)
    assert 25 <= projects.count() <= 35  # 1,500 at scale 1
    assert Phase.objects.filter(project__owner=longtime).count() >= 4 * projects.count()
    assert Invoice.objects.filter(owner=longtime).count() > Invoice.objects.filter(owner=small).count() > 0
    assert TimeEntry.objects.filter(owner=longtime).count() > 1000
    assert projects.filter(status=Project.Status.COMPLETED).count() > projects.count() // 2
    # Finished projects leave nothing unbilled: the "ready to invoice" list stays realistic.
    finished = projects.exclude(status__in=["active", "contracted", "proposal"])
    assert not TimeEntry.objects.filter(project__in=finished, billable=True, invoice_line__isnull=True).exists()
    unbilled_wishes = ChangeRequest.objects.filter(project__in=finished, decision="pay", invoice_lines__isnull=True)
    billed_projects = Invoice.objects.filter(project__in=finished).values("project_id")
    assert not unbilled_wishes.filter(project__in=billed_projects).exists()
    acceptance = Acceptance.objects.filter(request__phase__project__owner=longtime).first()
    assert acceptance.snapshot["client"], "the snapshot names the client, as the app's does"
    for user in (longtime, small):
        # Each has a phase the client can still accept (the benchmark's acceptance page).
        waiting = Phase.objects.filter(project__owner=user, project__status="active", status="delivered")
        assert waiting.filter(acceptance_requests__link__used_at__isnull=True).exists(), user
        chain = verify_chain(user.pk)
        assert chain.ok and chain.checked > 0, chain.first_broken

    browser = login("longtime")
    targets = loadgen.sample_targets(longtime)
    for url in (
        reverse("dashboard"),
        reverse("projects:project_list"),
        reverse("projects:client_list"),
        reverse("contracts:invoice_list"),
        targets["active_project_url"],
        reverse("search") + "?q=a",
    ):
        assert browser.get(url).status_code == 200, url
    other = login("hosted0001")
    assert other.get(targets["active_project_url"]).status_code == 404


@pytest.mark.parametrize("seed", ["2", "3", "4", "5"])
def test_whatever_the_seed_each_freelancer_has_a_phase_waiting_for_the_client(seed):
    generate("--seed", seed)
    for username in ("longtime", "small"):
        waiting = Phase.objects.filter(project__owner__username=username, project__status="active", status="delivered")
        assert waiting.filter(acceptance_requests__link__used_at__isnull=True).exists(), username
