from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinksConfig(AppConfig):
    name = "freelance.links"
    label = "links"
    verbose_name = _("Client links")
