"""Through real Redis to a real `celery worker` process and back."""

from __future__ import annotations

import pytest

from freelance.dashboard.models import Heartbeat
from freelance.dashboard.tasks import heartbeat, ping

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_task_goes_through_redis_to_the_worker_and_its_result_comes_back(celery_worker):
    result = ping.delay("hallo wereld €")
    assert result.get(timeout=30) == "hallo wereld €"
    assert result.successful()


def test_the_heartbeat_records_when_it_was_published_and_when_the_worker_ran(celery_worker):
    assert not Heartbeat.objects.exists()
    heartbeat.delay().get(timeout=30)

    beat = Heartbeat.objects.get(component=Heartbeat.Component.BEAT)
    worker = Heartbeat.objects.get(component=Heartbeat.Component.WORKER)
    assert beat.last_seen <= worker.last_seen
    assert (worker.last_seen - beat.last_seen).total_seconds() < 30
    assert worker.detail.startswith("test-"), "recorded by the test worker, not this process"
    assert worker.is_fresh


def test_running_the_heartbeat_twice_keeps_one_row_per_component(celery_worker):
    heartbeat.delay().get(timeout=30)
    heartbeat.delay().get(timeout=30)
    assert Heartbeat.objects.count() == 2
