"""Fixtures for the outbox: email templates in a temporary folder, and outbox rows."""

from __future__ import annotations

import socket

import factory
import pytest

from freelance.outbox.models import OutgoingAttachment, OutgoingEmail

TEMPLATE = "test-message"
TEXT_ONLY_TEMPLATE = "test-text-only"

SUBJECT_TXT = """{% load i18n %}{% autoescape off %}
{% translate "Yes" %}: {{ project }}
   is   ready
{% endautoescape %}
"""
BODY_TXT = """{% load i18n %}{% autoescape off %}{% translate "Yes" %}, {{ name }}.

Open {{ link }} to accept.
{% endautoescape %}
"""
BODY_HTML = """{% load i18n %}<p>{% translate "Yes" %}, {{ name }}.</p>
<p><a href="{{ link }}">{% translate "Open" %}</a></p>
"""

# Not a full PDF, but binary: bytes that break if anything decodes or re-encodes them.
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n\x00\xff\x80 trailer\n%%EOF\n"


@pytest.fixture
def email_templates(tmp_path, settings):
    """templates/emails/test-message-* (subject, text, HTML) and test-text-only-* (no HTML)."""
    folder = tmp_path / "emails"
    folder.mkdir()
    for name in (TEMPLATE, TEXT_ONLY_TEMPLATE):
        (folder / f"{name}-subject.txt").write_text(SUBJECT_TXT, encoding="utf-8")
        (folder / f"{name}-body.txt").write_text(BODY_TXT, encoding="utf-8")
    (folder / f"{TEMPLATE}-body.html").write_text(BODY_HTML, encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    return TEMPLATE


@pytest.fixture
def mail_context():
    return {"project": "Bakkerij Één & Zonen", "name": "Jan <de baas>", "link": "http://127.0.0.1:8000/a/abc123/"}


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OutgoingEmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutgoingEmail

    kind = "phase_acceptance_request"
    to = factory.LazyFunction(lambda: ["jan@bakkerij.example"])
    language = "nl"
    subject = factory.Sequence(lambda n: f"Fase {n} opgeleverd: graag uw akkoord")
    body_text = "Beste Jan,\n\nOpen http://127.0.0.1:8000/a/abc123/ om te accepteren."
    body_html = "<p>Beste Jan,</p>"


class OutgoingAttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutgoingAttachment

    email = factory.SubFactory(OutgoingEmailFactory)
    filename = "factuur-2025-001.pdf"
    content_type = "application/pdf"
    content = PDF
