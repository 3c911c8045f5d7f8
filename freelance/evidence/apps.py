from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "freelance.evidence"
    label = "evidence"
    verbose_name = _("Evidence")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from freelance.evidence import chain  # noqa: F401  (connects the receiver that chains new evidence)
