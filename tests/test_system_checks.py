"""The deploy check in CI runs with --fail-level WARNING, so a check that warns
only at certain moments would fail CI at random. Pin the clock to those moments."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.core import checks
from django.db import models


def _time_fields():
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.DateField | models.TimeField) and field.has_default():
                yield field


@pytest.mark.parametrize("moment", ["18:00:00", "23:59:59", "00:00:00", "12:00:00"])
def test_no_date_or_time_default_trips_w161_at_any_moment(moment):
    fields = list(_time_fields())
    assert fields, "expected at least the surcharge rule's evening hours"
    hour, minute, second = map(int, moment.split(":"))
    for tz in ("Europe/Amsterdam", "UTC"):
        when = dt.datetime(2026, 11, 26, hour, minute, second, tzinfo=ZoneInfo(tz))
        with time_machine.travel(when, tick=False):
            problems = [m for f in fields for m in f.check() if m.level >= checks.WARNING]
        assert problems == [], f"{moment} {tz}: {problems}"
