from __future__ import annotations

import socket

from celery import shared_task
from celery.signals import before_task_publish
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from freelance.dashboard import digest
from freelance.dashboard.models import Heartbeat

HEARTBEAT_TASK = "freelance.dashboard.tasks.heartbeat"
PUBLISHED_AT_HEADER = "mijlpaal_published_at"


@before_task_publish.connect
def stamp_heartbeat_publish_time(sender: str | None = None, headers: dict | None = None, **kwargs) -> None:
    """Runs in the publishing process (beat): note when the heartbeat was sent."""
    if sender == HEARTBEAT_TASK and headers is not None:
        headers[PUBLISHED_AT_HEADER] = timezone.now().isoformat()


@shared_task(bind=True, acks_late=True)
def heartbeat(self) -> None:
    """Record that beat sent and a worker ran this task. Safe to run any number of times."""
    now = timezone.now()
    published = parse_datetime(getattr(self.request, PUBLISHED_AT_HEADER, None) or "")
    if published is not None:
        Heartbeat.record(Heartbeat.Component.BEAT, published)
    Heartbeat.record(Heartbeat.Component.WORKER, now, detail=self.request.hostname or socket.gethostname())


@shared_task
def ping(value: str = "pong") -> str:
    """Echo a value back: the cheapest proof that broker, worker and result backend work."""
    return value


@shared_task(acks_late=True)
def sweep_nudges() -> int:
    """The freelancer's day: nudges, rate review and digest (freelance.dashboard.digest)."""
    return digest.sweep_all()
