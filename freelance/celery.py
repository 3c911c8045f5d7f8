from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "freelance.settings")

app = Celery("freelance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["freelance.dashboard", "freelance.outbox", "freelance.reminders", "projects", "contracts"])
