"""queue_email (rendering, storing, enqueueing after commit) and the sent mail pages."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from freelance.outbox.models import OutgoingEmail
from freelance.outbox.queue import queue_email
from freelance.outbox.tasks import send_email
from tests.conftest import verify_second_factor
from tests.outbox.conftest import PDF, TEXT_ONLY_TEMPLATE, OutgoingAttachmentFactory, OutgoingEmailFactory

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def queue(owner, template, mail_context, **overrides):
    arguments = {
        "owner": owner,
        "to": ["jan@bakkerij.example"],
        "template": template,
        "context": mail_context,
        "language": "nl",
        "kind": "phase_acceptance_request",
    }
    return queue_email(**{**arguments, **overrides})


# -- queue_email --------------------------------------------------------------------------


def test_it_renders_subject_text_and_html_in_the_requested_language(alice, email_templates, mail_context):
    email = queue(alice, email_templates, mail_context, language="nl", reply_to=["alice@example.nl"])
    email.refresh_from_db()
    assert email.subject == "Ja: Bakkerij Één & Zonen is ready", "one line, autoescape off in .txt"
    assert email.body_text.startswith("Ja, Jan <de baas>.")
    assert "Open http://127.0.0.1:8000/a/abc123/ to accept." in email.body_text
    assert "<p>Ja, Jan &lt;de baas&gt;.</p>" in email.body_html, "HTML templates keep autoescaping"
    assert email.to == ["jan@bakkerij.example"]
    assert email.reply_to == ["alice@example.nl"]
    assert (email.owner, email.kind, email.language) == (alice, "phase_acceptance_request", "nl")
    assert (email.status, email.attempts, email.sent_at) == (OutgoingEmail.Status.QUEUED, 0, None)

    english = queue(alice, email_templates, mail_context, language="en")
    assert english.subject.startswith("Yes: ")
    assert english.body_text.startswith("Yes, ")


def test_the_subject_is_cut_to_200_characters(alice, email_templates, mail_context):
    email = queue(alice, email_templates, {**mail_context, "project": "x" * 300})
    assert len(email.subject) == 200
    assert "\n" not in email.subject


def test_without_an_html_template_the_mail_is_text_only(alice, email_templates, mail_context):
    email = queue(alice, TEXT_ONLY_TEMPLATE, mail_context)
    assert email.body_html == ""
    assert email.body_text.startswith("Ja, ")


def test_it_stores_the_attachments(alice, email_templates, mail_context):
    email = queue(
        alice,
        email_templates,
        mail_context,
        attachments=[("factuur-2025-001.pdf", PDF, "application/pdf"), ("notes.txt", b"hallo", "text/plain")],
    )
    stored = [(a.filename, bytes(a.content), a.content_type) for a in email.attachments.order_by("pk")]
    assert stored == [("factuur-2025-001.pdf", PDF, "application/pdf"), ("notes.txt", b"hallo", "text/plain")]


@pytest.mark.parametrize(
    "overrides",
    [{"to": []}, {"to": ["not an address"]}, {"reply_to": ["nope"]}, {"language": "xx"}],
    ids=["no recipients", "bad recipient", "bad reply-to", "unknown language"],
)
def test_it_refuses_a_mail_it_cannot_send(alice, email_templates, mail_context, overrides):
    with pytest.raises(ValidationError):
        queue(alice, email_templates, mail_context, **overrides)
    assert not OutgoingEmail.objects.exists()


def test_the_task_is_enqueued_only_after_commit(
    alice, email_templates, mail_context, django_capture_on_commit_callbacks
):
    with mock.patch.object(send_email, "delay") as delay:
        with django_capture_on_commit_callbacks() as callbacks:
            email = queue(alice, email_templates, mail_context)
            assert delay.call_count == 0, "nothing is enqueued before the transaction commits"
        assert len(callbacks) == 1
        callbacks[0]()
    delay.assert_called_once_with(email.pk)


def test_a_rolled_back_transaction_leaves_no_mail_and_enqueues_nothing(
    alice, email_templates, mail_context, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(Rollback), transaction.atomic():
        queue(alice, email_templates, mail_context, attachments=[("a.pdf", PDF, "application/pdf")])
        raise Rollback
    assert callbacks == []
    assert not OutgoingEmail.objects.exists()


# -- the sent mail list ---------------------------------------------------------------------


def test_the_pages_need_login(client, alice):
    email = OutgoingAttachmentFactory(email__owner=alice).email
    for url in (reverse("outbox:list"), reverse("outbox:detail", args=[email.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_list_shows_own_mail_newest_first_with_status_and_error(alice_client, alice, bob):
    older = OutgoingEmailFactory(
        owner=alice,
        subject="Oudere mail",
        status=OutgoingEmail.Status.FAILED,
        attempts=6,
        last_error="ConnectionRefusedError: [Errno 111] Connection refused",
        created_at=timezone.now() - timedelta(days=1),
    )
    newer = OutgoingEmailFactory(
        owner=alice, subject="Nieuwere mail", status=OutgoingEmail.Status.SENT, sent_at=timezone.now()
    )
    OutgoingAttachmentFactory(email=newer)
    OutgoingEmailFactory(owner=bob, subject="Bobs geheime mail")

    response = alice_client.get(reverse("outbox:list"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("Nieuwere mail") < body.index("Oudere mail")
    assert "Bobs geheime mail" not in body
    assert reverse("outbox:detail", args=[newer.pk]) in body
    assert "jan@bakkerij.example" in body
    assert "phase_acceptance_request" in body
    assert "Connection refused" in body
    assert '<span class="badge badge-bad">Failed</span>' in body
    assert '<span class="badge badge-ok">Sent</span>' in body
    assert "1 attachment" in body
    assert older.attempts == 6 and '<td class="num">6</td>' in body
    assert f'href="{reverse("outbox:list")}" aria-current="page"' in body, "the nav link to this page"


def test_the_list_runs_the_same_queries_for_one_mail_and_a_hundred(alice_client, alice):
    url = reverse("outbox:list")
    OutgoingAttachmentFactory(email__owner=alice)
    with CaptureQueriesContext(connection) as one:
        assert alice_client.get(url).status_code == 200
    for _ in range(99):
        OutgoingAttachmentFactory(email__owner=alice)
    with CaptureQueriesContext(connection) as hundred:
        response = alice_client.get(url)
    assert response.status_code == 200
    assert len(response.context["rows"]) == 50, "paginated"
    assert len(one) == len(hundred), [q["sql"] for q in hundred]
    assert len(hundred) <= 3, "user, count, page (the session comes from Redis)"


def test_the_list_pages_by_fifty(alice_client, alice):
    OutgoingEmailFactory.create_batch(51, owner=alice)
    response = alice_client.get(reverse("outbox:list"), {"page": 2})
    assert len(response.context["rows"]) == 1


# -- one mail ------------------------------------------------------------------------------------


def test_the_detail_page_shows_the_text_with_clickable_links_and_the_attachments(alice_client, alice):
    attachment = OutgoingAttachmentFactory(email__owner=alice)
    email = attachment.email
    response = alice_client.get(reverse("outbox:detail", args=[email.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert f"<h1>{email.subject}</h1>" in body
    assert '<a href="http://127.0.0.1:8000/a/abc123/" rel="nofollow">http://127.0.0.1:8000/a/abc123/</a>' in body
    assert reverse("outbox:attachment", args=[email.pk, attachment.pk]) in body
    assert "factuur-2025-001.pdf" in body
    assert "Send again" not in body, "only for failed mail"


def test_html_in_a_mail_cannot_run_in_the_page(alice_client, alice):
    email = OutgoingEmailFactory(
        owner=alice,
        subject="<script>alert('subject')</script>",
        body_text="<script>alert('text')</script>",
        body_html='<p>Hallo</p><script>alert("html")</script><img src=x onerror="alert(1)">',
    )
    body = alice_client.get(reverse("outbox:detail", args=[email.pk])).content.decode()
    assert "<script>" not in body
    assert "<img src=x" not in body
    # The HTML comes from its own URL, under its own policy (tests/test_csp.py): not in the page at all.
    assert f'<iframe class="mail-html" sandbox src="{reverse("outbox:html", args=[email.pk])}"' in body
    assert "Hallo" not in body


def test_the_attachment_downloads_as_a_file(alice_client, alice):
    attachment = OutgoingAttachmentFactory(email__owner=alice)
    response = alice_client.get(reverse("outbox:attachment", args=[attachment.email_id, attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="factuur-2025-001.pdf"'
    assert b"".join(response.streaming_content) == PDF


def test_another_freelancers_mail_and_attachment_are_404(alice_client, bob):
    attachment = OutgoingAttachmentFactory(email__owner=bob, email__status=OutgoingEmail.Status.FAILED)
    email = attachment.email
    assert alice_client.get(reverse("outbox:detail", args=[email.pk])).status_code == 404
    assert alice_client.get(reverse("outbox:attachment", args=[email.pk, attachment.pk])).status_code == 404
    assert alice_client.post(reverse("outbox:send_again", args=[email.pk])).status_code == 404
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.FAILED


def test_an_attachment_only_downloads_under_its_own_mail(alice_client, alice):
    attachment = OutgoingAttachmentFactory(email__owner=alice)
    other = OutgoingEmailFactory(owner=alice)
    assert alice_client.get(reverse("outbox:attachment", args=[other.pk, attachment.pk])).status_code == 404


# -- send again ----------------------------------------------------------------------------------


def test_send_again_requeues_a_failed_mail(alice_client, alice, django_capture_on_commit_callbacks):
    email = OutgoingEmailFactory(owner=alice, status=OutgoingEmail.Status.FAILED, attempts=6, last_error="boom")
    page = alice_client.get(reverse("outbox:detail", args=[email.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Send again" in page

    with mock.patch.object(send_email, "delay") as delay, django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            reverse("outbox:send_again", args=[email.pk]), HTTP_ACCEPT_LANGUAGE="en", follow=True
        )
    assert response.redirect_chain == [(reverse("outbox:detail", args=[email.pk]), 302)]
    assert "The mail is queued and will be sent again." in response.content.decode()
    delay.assert_called_once_with(email.pk)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.QUEUED, 0)


@pytest.mark.parametrize("status", [OutgoingEmail.Status.SENT, OutgoingEmail.Status.QUEUED])
def test_send_again_is_refused_unless_the_mail_failed(alice_client, alice, status, django_capture_on_commit_callbacks):
    sent_at = timezone.now() if status == OutgoingEmail.Status.SENT else None
    email = OutgoingEmailFactory(owner=alice, status=status, sent_at=sent_at, attempts=1)
    with django_capture_on_commit_callbacks() as callbacks:
        response = alice_client.post(
            reverse("outbox:send_again", args=[email.pk]), HTTP_ACCEPT_LANGUAGE="en", follow=True
        )
    assert "Only a mail that failed can be sent again." in response.content.decode()
    assert callbacks == []
    email.refresh_from_db()
    assert (email.status, email.attempts) == (status, 1)


def test_send_again_needs_post(alice_client, alice):
    email = OutgoingEmailFactory(owner=alice, status=OutgoingEmail.Status.FAILED)
    assert alice_client.get(reverse("outbox:send_again", args=[email.pk])).status_code == 405


# -- admin ------------------------------------------------------------------------------------------


def test_the_admin_shows_mail_read_only(client, django_user_model, alice):
    admin = django_user_model.objects.create_superuser("root", "root@example.nl", "pw")
    client.force_login(admin)
    verify_second_factor(client, admin)  # the operator reaches the admin only so
    email = OutgoingAttachmentFactory(email__owner=alice).email
    assert client.get(reverse("admin:outbox_outgoingemail_changelist"), {"q": "bakkerij"}).status_code == 200
    assert client.get(reverse("admin:outbox_outgoingemail_changelist"), {"status__exact": "queued"}).status_code == 200
    change = client.get(reverse("admin:outbox_outgoingemail_change", args=[email.pk]))
    assert change.status_code == 200
    assert "factuur-2025-001.pdf" in change.content.decode()
    assert client.get(reverse("admin:outbox_outgoingemail_add")).status_code == 403
    assert client.post(reverse("admin:outbox_outgoingemail_delete", args=[email.pk])).status_code == 403
