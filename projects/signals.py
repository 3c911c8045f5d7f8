"""Moments other apps act on, sent inside the transaction that made them happen.

contracts listens to draft invoices ("invoice at delivery", or in advance); projects does
not import contracts, so the dependency points one way.
"""

from __future__ import annotations

from django.dispatch import Signal

phase_started = Signal()  # sender=Phase, phase=..., actor=...
phase_accepted = Signal()  # sender=Phase, phase=..., actor=...
