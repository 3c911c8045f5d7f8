from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.http import HttpRequest

from freelance.demo import DEMO_PASSWORD, DEMO_USERNAME

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _debug_on(settings):
    settings.DEBUG = True  # the demo exists only in development (issue 11); pytest runs with DEBUG off


def test_the_demo_command_creates_a_login_once(client):
    call_command("demo")
    call_command("demo")
    User = get_user_model()
    assert User.objects.filter(username=DEMO_USERNAME).count() == 1
    assert client.login(request=HttpRequest(), username=DEMO_USERNAME, password=DEMO_PASSWORD)  # axes wants a request


def test_running_it_again_does_not_reset_a_changed_password():
    call_command("demo")
    user = get_user_model().objects.get(username=DEMO_USERNAME)
    user.set_password("my own secret phrase")
    user.save()
    call_command("demo")
    user.refresh_from_db()
    assert user.check_password("my own secret phrase")


def test_the_demo_has_a_project_in_every_state():
    from projects.models import Phase, Project

    call_command("demo")
    user = get_user_model().objects.get(username=DEMO_USERNAME)
    assert set(user.projects.values_list("status", flat=True)) == set(Project.Status.values)
    phase_states = set(Phase.objects.filter(project__owner=user).values_list("status", flat=True))
    assert phase_states == set(Phase.Status.values)
    counts = (user.clients.count(), user.projects.count(), Phase.objects.filter(project__owner=user).count())
    call_command("demo")
    assert (user.clients.count(), user.projects.count(), Phase.objects.filter(project__owner=user).count()) == counts
