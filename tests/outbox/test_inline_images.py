"""Inline images in outbox mail: an attachment the HTML body shows as ``cid:<filename>`` goes out
as an inline part with that Content-ID; every other attachment goes out as before. Sent over real
SMTP (aiosmtpd on loopback) and read back with the ``email`` package."""

from __future__ import annotations

import io

import pytest
import segno

from freelance.outbox.tasks import send_email
from tests.outbox.conftest import PDF, OutgoingAttachmentFactory, OutgoingEmailFactory

pytestmark = pytest.mark.django_db


def png() -> bytes:
    buffer = io.BytesIO()
    segno.make("hello").save(buffer, kind="png", scale=4)
    return buffer.getvalue()


PNG = png()


def mail_with(owner, html: str, *files: tuple[str, bytes, str], text: str = "Beste Jan,\n\nZie de bijlage."):
    email = OutgoingEmailFactory(owner=owner, body_text=text, body_html=html)
    for filename, content, content_type in files:
        OutgoingAttachmentFactory(email=email, filename=filename, content=content, content_type=content_type)
    return email


def sent(mailbox, email):
    assert send_email(email.pk) == "sent"
    assert len(mailbox) == 1
    return mailbox[0]


def shape(message) -> list[tuple[str, str | None, str | None]]:
    """(content type, disposition, Content-ID) of every part, depth first."""
    return [(part.get_content_type(), part.get_content_disposition(), part["Content-ID"]) for part in message.walk()]


def test_an_image_the_html_shows_as_cid_goes_inline_with_its_content_id(mailbox, alice):
    email = mail_with(
        alice,
        '<p>Beste Jan,</p><p><img src="cid:betaal-qr.png" alt="QR" width="160" height="160"></p>',
        ("factuur-2026-0001.pdf", PDF, "application/pdf"),
        ("betaal-qr.png", PNG, "image/png"),
    )
    received = sent(mailbox, email)

    assert shape(received) == [
        ("multipart/mixed", None, None),
        ("multipart/alternative", None, None),
        ("text/plain", None, None),
        ("text/html", None, None),
        ("application/pdf", "attachment", None),
        ("image/png", "inline", "<betaal-qr.png>"),
    ]
    assert "Zie de bijlage." in received.get_body(preferencelist=("plain",)).get_content()
    assert 'src="cid:betaal-qr.png"' in received.get_body(preferencelist=("html",)).get_content()
    image = next(part for part in received.walk() if part.get_content_type() == "image/png")
    assert image.get_filename() == "betaal-qr.png"
    assert image["Content-Transfer-Encoding"] == "base64"
    assert image.get_content() == PNG  # byte for byte
    pdf = next(part for part in received.walk() if part.get_content_type() == "application/pdf")
    assert pdf.get_filename() == "factuur-2026-0001.pdf" and pdf.get_content() == PDF


def test_other_mails_keep_their_attachments_as_attachments(mailbox, alice):
    email = mail_with(
        alice,
        '<p>Beste Jan,</p><img src="https://example.nl/betaal-qr.png">',  # not a cid: reference
        ("factuur-2026-0001.pdf", PDF, "application/pdf"),
        ("betaal-qr.png", PNG, "image/png"),
    )
    received = sent(mailbox, email)
    assert shape(received) == [
        ("multipart/mixed", None, None),
        ("multipart/alternative", None, None),
        ("text/plain", None, None),
        ("text/html", None, None),
        ("application/pdf", "attachment", None),
        ("image/png", "attachment", None),
    ]
    image = next(part for part in received.walk() if part.get_content_type() == "image/png")
    assert image.get_filename() == "betaal-qr.png" and image.get_content() == PNG


def test_a_text_only_mail_never_inlines_even_when_its_text_says_cid(mailbox, alice):
    email = mail_with(alice, "", ("betaal-qr.png", PNG, "image/png"), text="Zie cid:betaal-qr.png")
    received = sent(mailbox, email)
    assert shape(received) == [
        ("multipart/mixed", None, None),
        ("text/plain", None, None),
        ("image/png", "attachment", None),
    ]


@pytest.mark.parametrize(
    "html",
    [
        '<img src="cid:betaal-qr.png.old">',  # another name that starts with this one
        '<img src="cid:xbetaal-qr.png">',
        "<p>betaal-qr.png</p>",  # named, not shown
    ],
)
def test_only_an_exact_cid_reference_makes_an_attachment_inline(mailbox, alice, html):
    received = sent(mailbox, mail_with(alice, html, ("betaal-qr.png", PNG, "image/png")))
    assert ("image/png", "attachment", None) in shape(received)
    assert not [part for part in received.walk() if part["Content-ID"]]


def test_a_file_name_that_cannot_be_a_content_id_stays_an_attachment(mailbox, alice):
    name = "qr>.png"
    received = sent(mailbox, mail_with(alice, f'<img src="cid:{name}">', (name, PNG, "image/png")))
    assert ("image/png", "attachment", None) in shape(received)
    assert not [part for part in received.walk() if part["Content-ID"]]


def test_an_inline_part_that_is_not_an_image_keeps_its_own_type(mailbox, alice):
    received = sent(
        mailbox, mail_with(alice, '<a href="cid:terms.pdf">terms</a>', ("terms.pdf", PDF, "application/pdf"))
    )
    part = next(part for part in received.walk() if part.get_content_type() == "application/pdf")
    assert (part.get_content_disposition(), part["Content-ID"]) == ("inline", "<terms.pdf>")
    assert part.get_content() == PDF
