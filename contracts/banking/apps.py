from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BankingConfig(AppConfig):
    name = "contracts.banking"
    label = "banking"
    verbose_name = _("Bank statements")
