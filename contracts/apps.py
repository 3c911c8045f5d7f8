from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from contracts import (
            public,  # noqa: F401 - register the client's contract page
            receivers,  # noqa: F401 - invoice at delivery
        )
