"""``{% load evidence %}{% evidence_chain acceptance as chain %}``: what a certificate prints."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.conf import settings
from django.urls import reverse

from freelance.evidence.chain import entry_for

register = template.Library()


@dataclass(frozen=True)
class ChainReference:
    hash: str  # the chain hash of the row's ledger entry
    verify_url: str  # the public page where anyone can check it, absolute


@register.simple_tag
def evidence_chain(evidence) -> ChainReference | None:
    """The chain hash of an evidence row and where to check it; None for a row not in the chain."""
    entry = entry_for(evidence) if evidence is not None and evidence.pk else None
    if entry is None:
        return None
    return ChainReference(entry.chain_hash, settings.SITE_URL + reverse("evidence:verify"))
