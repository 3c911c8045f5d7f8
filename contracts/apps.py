from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from contracts import gate, receivers  # noqa: F401 - receivers: invoice at delivery
        from contracts.models import HourlyRate
        from contracts.public import contract  # noqa: F401 - register the client's contract page
        from contracts.views import project_page
        from projects import gate as project_gate
        from projects import pages, rates

        project_gate.register(gate.check)  # no new work while an invoice is overdue
        pages.register_section(project_page.hours_and_profit)
        pages.register_section(project_page.gate_log)
        rates.register_history(HourlyRate.for_client)  # a project without its own rate uses the rate history
