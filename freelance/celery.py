from __future__ import annotations

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "freelance.settings")

app = Celery("freelance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["freelance.dashboard", "freelance.outbox", "freelance.reminders", "projects", "contracts"])


# Each task's writes outdate stored pages once, when it ends (freelance/lib/pagecache.py).
_write_scopes: dict[str, object] = {}


@signals.task_prerun.connect
def _open_write_scope(task_id=None, **kwargs) -> None:
    from freelance.lib import pagecache

    _write_scopes[task_id] = pagecache.begin()


@signals.task_postrun.connect
def _close_write_scope(task_id=None, **kwargs) -> None:
    from freelance.lib import pagecache

    token = _write_scopes.pop(task_id, None)
    if token is not None:
        pagecache.end(token)
