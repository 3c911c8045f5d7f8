"""Logging filter: a client link's token never reaches a log line."""

from __future__ import annotations

import logging
import re

TOKEN_PATH = re.compile(r"/l/[^/\s\"?]+")


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/l/" in message:
            record.msg = TOKEN_PATH.sub("/l/[redacted]", message)
            record.args = ()
        return True
