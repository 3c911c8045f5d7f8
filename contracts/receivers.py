"""Invoice at delivery: a draft invoice appears when a phase is accepted (or starts, in advance)."""

from __future__ import annotations

from django.dispatch import receiver

from projects.signals import phase_accepted, phase_started


@receiver(phase_accepted, dispatch_uid="contracts.draft_on_acceptance")
def draft_on_acceptance(sender, phase, **kwargs) -> None:
    from contracts.invoices import on_phase_accepted

    on_phase_accepted(phase)


@receiver(phase_started, dispatch_uid="contracts.draft_on_start")
def draft_on_start(sender, phase, **kwargs) -> None:
    from contracts.invoices import on_phase_started

    on_phase_started(phase)
