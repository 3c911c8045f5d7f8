import contextlib

import pytest
from django.core.cache import cache
from redis.exceptions import ConnectionError as RedisDown


def _forget_failed_lookups() -> None:
    """The failure counters live in Redis, which outlives a test (and a test run, for their 15
    minutes): start and end every test here with none, so no test inherits another's count.
    A test that points the cache at a stopped Redis has nothing to forget."""
    with contextlib.suppress(RedisDown):
        redis = cache._cache.get_client(write=True)
        for key in redis.scan_iter(match=cache.make_key("links:fail") + "*"):
            redis.delete(key)


@pytest.fixture(autouse=True)
def _no_inherited_rate_limit():
    _forget_failed_lookups()
    yield
    _forget_failed_lookups()
