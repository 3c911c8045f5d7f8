"""Client links keep working when Redis is down, and no log path prints a token."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from freelance.links import views as link_views
from tests.links.test_links import issued  # noqa: F401 - the fixture: a link and its token

pytestmark = pytest.mark.django_db

DEAD_REDIS = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
}


def test_with_redis_down_a_valid_link_opens_and_a_junk_one_gets_its_page(settings, issued, caplog, monkeypatch):  # noqa: F811
    _link, token = issued
    settings.CACHES = DEAD_REDIS
    monkeypatch.setattr(link_views, "_cache_down_logged", False)
    browser = Client(raise_request_exception=False)
    opened = browser.get(f"/l/{token}/")
    assert opened.status_code == 302  # the rate limiter fails open
    for _ in range(3):
        assert browser.get("/l/" + "x" * 43 + "/").status_code == 404
    warnings = [r for r in caplog.records if "link rate limit off" in r.getMessage()]
    assert len(warnings) == 1, "logged once, not per request"


def test_every_handler_that_django_request_reaches_redacts_the_token(settings):
    settings.DEBUG = True  # Django's own console handler prints only with DEBUG on: as on a laptop
    token = "A" * 43
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s", (f"/l/{token}/",), None
    )
    logger = logging.getLogger("django.request")
    handlers = []
    while logger is not None:
        handlers += logger.handlers
        logger = logger.parent if logger.propagate else None
    assert handlers, "django.request reaches at least one handler"
    for handler in handlers:
        if type(handler).__module__.startswith("_pytest"):
            continue  # pytest's capture, not the app's configuration
        copy = logging.makeLogRecord(record.__dict__)
        if handler.filter(copy):
            assert token not in handler.format(copy), handler
