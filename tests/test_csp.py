"""The Content-Security-Policy (issue 11): script and style only from our own origin, on every
page, in production as in development; a sent mail's HTML under a stricter policy of its own.

The browser proves that the pages work under it: tests/e2e/test_csp_browser.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from projects.client_page import issue_project_page_link
from tests.conftest import verify_second_factor
from tests.factories import ContactFactory, project_with_phases
from tests.outbox.conftest import OutgoingEmailFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
HOSTILE_HTML = (
    '<p style="color: #1f4e5f">Hallo</p><script>alert("html")</script>'
    '<img src=x onerror="alert(1)"><form action="https://evil.example/"><button>Go</button></form>'
)


def directives(header: str) -> dict[str, list[str]]:
    """'default-src 'self'; img-src 'self' data:' -> {"default-src": ["'self'"], "img-src": [...]}."""
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name not in parsed, f"{name} twice in {header!r}"
        parsed[name] = sources
    return parsed


def assert_the_app_policy(response) -> None:
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"], "no 'unsafe-inline', no 'unsafe-eval', no nonce, no CDN"
    assert policy["style-src"] == ["'self'"], "no inline <style> and no style attributes"
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["font-src"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert not any("unsafe" in source for sources in policy.values() for source in sources)


def test_the_dashboard_has_the_policy(alice_client):
    response = alice_client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert_the_app_policy(response)


def test_the_login_page_has_the_policy(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert_the_app_policy(response)


def test_an_htmx_partial_has_the_policy(alice_client, alice):
    customer = project_with_phases(alice, 1, first_deadline=date(2027, 3, 5)).client
    response = alice_client.get(reverse("projects:client_list"), {"q": customer.name}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in response.content.decode(), "the partial, not the page"
    assert_the_app_policy(response)


def test_a_public_client_page_has_the_policy(alice):
    project = project_with_phases(alice, 2, first_deadline=date(2027, 3, 5))
    ContactFactory(client=project.client, name="Jan Jansen", email="jan@bakkerij.example")
    project.mark_contracted(alice)
    _, token = issue_project_page_link(project, actor=alice)
    response = Client().get(f"/l/{token}/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain, "the token left the address bar"
    assert project.name in response.content.decode()
    assert_the_app_policy(response)


def test_the_admin_has_the_policy(client, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.nl", "x")
    client.force_login(root)
    verify_second_factor(client, root)  # the operator reaches the admin only so
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert_the_app_policy(response)


def test_no_page_carries_inline_script_or_style(alice_client, alice):
    """What the policy would block must not be in the markup in the first place."""
    project = project_with_phases(alice, 3, first_deadline=date(2027, 3, 5))
    pages = {
        "dashboard": reverse("dashboard"),
        "clients": reverse("projects:client_list"),
        "project": reverse("projects:project_detail", args=[project.pk]),
        "plan": reverse("projects:project_plan", args=[project.pk]),
    }
    responses = {name: alice_client.get(url) for name, url in pages.items()}
    responses["login"] = Client().get(reverse("login"))
    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 200)
    bodies = {name: response.content.decode() for name, response in responses.items()}
    assert '<svg class="timeline"' in bodies["project"], "the timeline is there to be checked"
    for name, body in bodies.items():
        assert " style=" not in body and "<style" not in body, name
        assert body.count("<script") == body.count("<script src="), name
        assert not re.search(r"\son[a-z]+=", body), f"{name}: an inline event handler"


def test_the_policy_does_not_depend_on_debug():
    """`check --deploy` runs with DEBUG off: the same middleware and policy are there."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "EMAIL_URL")}
    env.update(
        DEBUG="false",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="mijlpaal.example.nl",
        SITE_URL="https://mijlpaal.example.nl",
        EMAIL_URL="smtp+tls://mailer:secret@smtp.example.nl:587",
    )
    script = (
        "import json, django; django.setup()\n"
        "from django.conf import settings; from django.test import Client\n"
        "response = Client().get('/', secure=True, HTTP_HOST='mijlpaal.example.nl')\n"
        "print(json.dumps([settings.DEBUG, settings.MIDDLEWARE, response.status_code,"
        " response.get('Content-Security-Policy')]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "freelance.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    debug, middleware, status, header = json.loads(result.stdout.strip().splitlines()[-1])
    assert debug is False
    assert "csp.middleware.CSPMiddleware" in middleware
    assert status == 302, "to the login page"
    policy = directives(header)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]


# -- a sent mail's HTML --------------------------------------------------------------------------


def test_the_mail_detail_page_frames_the_html_from_its_own_url(alice_client, alice):
    email = OutgoingEmailFactory(owner=alice, subject="<script>alert('subject')</script>", body_html=HOSTILE_HTML)
    response = alice_client.get(reverse("outbox:detail", args=[email.pk]))
    body = response.content.decode()
    html_url = reverse("outbox:html", args=[email.pk])
    assert f'<iframe class="mail-html" sandbox src="{html_url}"' in body
    assert "srcdoc" not in body, "srcdoc would inherit the page's policy, which blocks the mail's styles"
    assert "<script>" not in body and "onerror" not in body and "Hallo" not in body, "nothing of the mail's HTML"
    assert_the_app_policy(response)
    assert response["X-Frame-Options"] == "DENY"


def test_hostile_html_in_a_mail_cannot_run_script(alice_client, alice):
    email = OutgoingEmailFactory(owner=alice, body_html=HOSTILE_HTML)
    response = alice_client.get(reverse("outbox:html", args=[email.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response.content.decode() == HOSTILE_HTML, "the mail as it was sent"
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'none'"], "so no script-src: no script of any kind runs"
    assert "script-src" not in policy and "script-src-elem" not in policy and "script-src-attr" not in policy
    assert policy["style-src"] == ["'unsafe-inline'"], "the mail's own styles"
    assert policy["img-src"] == ["data:"]
    assert policy["form-action"] == ["'none'"]
    assert policy["sandbox"] == [], "a unique origin, no scripts, no forms, even when opened on its own"
    assert policy["frame-ancestors"] == ["'self'"]
    assert response["X-Frame-Options"] == "SAMEORIGIN", "framed by our detail page only"
    assert response["Referrer-Policy"] == "no-referrer", "a link in the mail does not leak the mail's URL"


def test_another_freelancers_mail_html_is_404(client, alice, bob):
    email = OutgoingEmailFactory(owner=alice, body_html=HOSTILE_HTML)
    client.force_login(bob)
    response = client.get(reverse("outbox:html", args=[email.pk]))
    assert response.status_code == 404
    assert "Hallo" not in response.content.decode()


def test_a_text_only_mail_has_no_html_to_show(alice_client, alice):
    email = OutgoingEmailFactory(owner=alice, body_html="")
    assert alice_client.get(reverse("outbox:html", args=[email.pk])).status_code == 404
    assert "<iframe" not in alice_client.get(reverse("outbox:detail", args=[email.pk])).content.decode()


def test_the_mail_html_needs_a_login(client, alice):
    email = OutgoingEmailFactory(owner=alice, body_html=HOSTILE_HTML)
    response = client.get(reverse("outbox:html", args=[email.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
