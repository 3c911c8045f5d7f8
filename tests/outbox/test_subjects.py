"""Mail subjects: one line, no whitespace at either end, in every template and language.

A subject template that ends in a newline or starts with a tag on its own line renders a subject
with a stray space or line break; mail programs show it (" Graag uw beslissing: …").
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from freelance.outbox.models import OutgoingEmail
from freelance.outbox.queue import render_email

EMAILS = Path(settings.BASE_DIR) / "templates" / "emails"
SUBJECTS = sorted(p.name.removesuffix("-subject.txt") for p in EMAILS.glob("*-subject.txt"))


def context(nudge: bool) -> dict:
    client = SimpleNamespace(name="Bakkerij Één")
    project = SimpleNamespace(name="Webshop", client=client)
    return {
        "nudge": nudge,
        "project": project,
        "client": client,
        "client_name": client.name,
        "contact": SimpleNamespace(name="Jan"),
        "wish": SimpleNamespace(title="Newsletter signup"),
        "phase": SimpleNamespace(position=2, title="Design"),
        "version": SimpleNamespace(number=3),
        "acceptance": SimpleNamespace(decision="accepted"),
        "evidence": SimpleNamespace(get_decision_display="Pay"),
        "invoice": SimpleNamespace(number="2026-001", is_credit_note=False, project=project, total=Decimal("10.00")),
        "today": timezone.localdate(),
        "when": datetime.date(2026, 3, 1),
    }


def test_every_mail_template_has_a_subject():
    assert len(SUBJECTS) >= 20
    assert "change_request_beep" in SUBJECTS


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("nudge", [False, True])
@pytest.mark.parametrize("template", SUBJECTS)
def test_a_subject_template_renders_one_trimmed_line(template, language, nudge):
    with translation.override(language):
        raw = render_to_string(f"emails/{template}-subject.txt", context(nudge))
    assert raw, template
    assert raw == raw.strip(), f"{template} ({language}): {raw!r}"
    assert "\n" not in raw and "\r" not in raw, f"{template} ({language}): {raw!r}"


def test_the_builder_trims_a_subject_whatever_its_template_does(email_templates, mail_context):
    # The fixture's subject template starts with a newline and spreads over three lines.
    subject, _, _ = render_email(email_templates, mail_context, "en")
    assert subject == "Yes: Bakkerij Één & Zonen is ready"


@pytest.mark.django_db
def test_the_beep_in_dutch_starts_with_its_first_word(alice):
    from tests.projects.test_bucket import project_with_scope, waiting_wish

    project = project_with_scope(alice, [["8"]])
    project.client.language = "nl"
    project.client.save(update_fields=["language"])
    waiting_wish(project, alice)
    mail = OutgoingEmail.objects.get(kind="change_request_beep")
    assert mail.subject.startswith("Graag uw beslissing"), repr(mail.subject)
    assert mail.build_message().subject == mail.subject


@pytest.mark.django_db
def test_a_stored_subject_with_stray_whitespace_goes_out_trimmed(alice):
    mail = OutgoingEmail.objects.create(
        owner=alice, to=["jan@example.nl"], language="nl", subject=" Graag uw beslissing:\n “X”  ", body_text="x"
    )
    assert mail.build_message().subject == "Graag uw beslissing: “X”"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "subject",
    [
        "Graag uw beslissing: “Recepten op de productpagina’s” kost extra (Webshop)",  # the reported one
        "Graag uw beslissing: “X” kost extra (Webshop)",
        "Bevestiging: u hebt de overeenkomst voor Bakkerij Één geaccepteerd",
        "É" * 150,
        "Phase 1 of Webshop is ready: please accept or ask for changes, as the mail says",  # ASCII, folded
    ],
)
def test_the_subject_on_the_wire_reads_back_exactly(alice, subject):
    """What SMTP carries decodes to the stored subject: no leading space from a fold after "Subject:"."""
    from email import message_from_bytes, policy

    mail = OutgoingEmail.objects.create(
        owner=alice, to=["jan@example.nl"], language="nl", subject=subject, body_text="x"
    )
    wire = mail.build_message().message().as_bytes(linesep="\r\n")  # as Django's SMTP backend sends it
    assert message_from_bytes(wire, policy=policy.default)["Subject"] == subject
    assert b"Subject: \r\n" not in wire
