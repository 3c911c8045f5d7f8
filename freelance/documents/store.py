"""Get a document's bytes: stored if its inputs are unchanged, else rendered now and stored.

Call this outside any transaction that holds a lock. Rendering twice at once (two workers,
or a worker and a download) is harmless: both render the same bytes and the store is an
upsert on the unique reference.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from freelance.documents.models import StoredDocument
from freelance.documents.registry import DocumentUnavailable, Source, reference, source_for
from freelance.lib.evidence import snapshot_hash

logger = logging.getLogger(__name__)

__all__ = ["Document", "DocumentUnavailable", "get", "reference"]


@dataclass(frozen=True)
class Document:
    filename: str
    content: bytes
    content_type: str


def get(ref: str) -> Document:
    """The document for ``ref``; raises DocumentUnavailable if its object is gone."""
    source = source_for(ref)
    if source.stored is not None:
        return Document(source.filename, bytes(source.stored), source.content_type)
    digest = snapshot_hash(source.inputs) if source.store is None else ""
    if source.store is None:
        stored = StoredDocument.objects.filter(reference=ref, inputs_sha256=digest).first()
        if stored is not None:
            return Document(source.filename, bytes(stored.content), source.content_type)
    content = source.render()
    _store(ref, source, digest, content)
    return Document(source.filename, content, source.content_type)


def _store(ref: str, source: Source, digest: str, content: bytes) -> None:
    if source.store is not None:
        source.store(content)
        return
    values = {
        "owner": source.owner,
        "inputs_sha256": digest,
        "filename": source.filename,
        "content_type": source.content_type,
        "content": content,
        "rendered_at": timezone.now(),
    }
    try:
        with transaction.atomic():
            StoredDocument.objects.update_or_create(reference=ref, defaults=values)
    except IntegrityError:  # another process stored it first: the same bytes
        logger.info("document %s was stored by another process", ref)
