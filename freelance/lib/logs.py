"""Logging filter: a client link's token never reaches a log line."""

from __future__ import annotations

import logging
import re

# A client link's token; a password reset link's user id and token; an invitation's token.
TOKEN_PATH = re.compile(r"/l/[^/\s\"?]+")
RESET_PATH = re.compile(r"/password/reset/[^/\s\"?]+/[^/\s\"?]+")
INVITATION_PATH = re.compile(r"/accounts/invitation/[^/\s\"?]+")


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/l/" in message or "/password/reset/" in message or "/invitation/" in message:
            message = TOKEN_PATH.sub("/l/[redacted]", message)
            message = INVITATION_PATH.sub("/accounts/invitation/[redacted]", message)
            record.msg = RESET_PATH.sub("/password/reset/[redacted]", message)
            record.args = ()
        return True
