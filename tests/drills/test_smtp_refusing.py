"""Drill: the SMTP server refuses every mail for a while (421, then 451), then accepts again.

Injected: aiosmtpd answers RCPT with "421 4.3.2" and then "451 4.3.0" for 5 s, through the
real worker. Protection: a refused send is put back in the queue and retried with back-off
(EMAIL_RETRY_BASE_SECONDS * 2**attempt); the row shows the attempt and the server's answer in
Sent mail meanwhile. The real schedule (base 30 s, 5 retries) retries after 1, 2, 4, 8 and 16
minutes: SMTP may refuse for half an hour before a mail is failed; the drill runs it with a
base of 1 s (2, 4, 8… s).
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from freelance.outbox.models import OutgoingEmail
from freelance.outbox.tasks import send_email
from tests.helpers import wait_until
from tests.outbox.conftest import OutgoingEmailFactory

pytestmark = [pytest.mark.worker, pytest.mark.drill, pytest.mark.django_db(transaction=True)]

Status = OutgoingEmail.Status


def test_mail_refused_for_a_while_goes_out_exactly_once_when_smtp_accepts_again(
    drill_workers, drill_smtp, alice, client
):
    drill_workers.start()
    drill_smtp.refuse_code = "421 4.3.2 Service not available, try again later"
    emails = [OutgoingEmailFactory(owner=alice, subject=f"Drill refused {n}") for n in range(5)]
    started = time.monotonic()
    for email in emails:
        send_email.delay(email.pk)

    def all_refused_once() -> bool:
        return OutgoingEmail.objects.filter(status=Status.QUEUED, attempts__gte=1).count() == len(emails)

    assert wait_until(all_refused_once, timeout=30), drill_workers.logs()
    drill_smtp.refuse_code = "451 4.3.0 Mailbox temporarily unavailable"
    # Meanwhile the freelancer sees each mail waiting, with the server's answer.
    client.force_login(alice)
    page = client.get("/mail/", headers={"accept-language": "en"}).content.decode()
    assert page.count("421") >= len(emails), "Sent mail shows why each mail waits"
    time.sleep(max(0.0, 5 - (time.monotonic() - started)))
    refused = drill_smtp.refused
    drill_smtp.refuse_code = None

    assert wait_until(lambda: not OutgoingEmail.objects.exclude(status=Status.SENT).exists(), timeout=60), (
        drill_workers.logs()
    )
    recovered = time.monotonic() - started
    time.sleep(1.5)  # a duplicate task would have sent by now
    assert drill_smtp.subjects() == Counter({email.subject: 1 for email in emails}), "each mail exactly once"
    for email in emails:
        email.refresh_from_db()
        assert email.attempts >= 2, "it was refused first"
        assert drill_smtp.copies()[email.message_id] == 1
    print(f"SMTP refusing drill: {refused} refusals over 5 s, all {len(emails)} sent {recovered:.1f} s after queueing")
