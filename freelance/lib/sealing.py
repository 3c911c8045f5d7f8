"""Seal short secrets at rest with a key derived from SECRET_KEY (Fernet: AES-128-CBC + HMAC).

Used by the outbox for client-link tokens between queueing a mail and handing it to SMTP.
Rotating SECRET_KEY makes sealed values unreadable: ``unseal`` then raises ``Unsealable``.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

PURPOSE = b"mijlpaal.sealing.v1:"


class Unsealable(Exception):
    """Sealed with another key (SECRET_KEY changed), or tampered with."""


def _fernet() -> Fernet:
    key = hashlib.sha256(PURPOSE + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(values: list[str]) -> str:
    return _fernet().encrypt(json.dumps(values).encode()).decode()


def unseal(sealed: str) -> list[str]:
    try:
        return json.loads(_fernet().decrypt(sealed.encode()))
    except (InvalidToken, ValueError) as error:
        raise Unsealable from error
