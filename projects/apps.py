from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projects")

    def ready(self) -> None:
        # Register the client's pages: phase acceptance, the decision on a wish, the project page.
        from projects.public import acceptance, decision, project_page  # noqa: F401
