from __future__ import annotations

from django.apps import AppConfig


class ExportConfig(AppConfig):
    """No models: the download view and the export_records, import_records and backup_database commands."""

    name = "freelance.export"
    label = "export"
    verbose_name = "Export and backup"  # no models: never shown, so not translated
