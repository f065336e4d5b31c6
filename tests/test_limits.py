"""Shared counters for abuse limits (proftiket.limits) on the database cache and on Redis."""

import pytest
import redis
from django.core.cache import cache

from proftiket import limits

RATE = limits.Rate(limit=3, window=600)
REDIS_TEST_DB = 13  # a database number of its own on the shared Redis; flushed after


@pytest.fixture(params=["database", "redis"])
def shared_cache(request, settings, db):
    """Each test runs against the database cache and against a real Redis."""
    if request.param == "redis":
        url = f"redis://127.0.0.1:6379/{REDIS_TEST_DB}"
        try:
            redis.Redis.from_url(url).ping()
        except redis.ConnectionError:
            pytest.skip("no Redis on 127.0.0.1:6379")
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
        }
        yield request.param
        redis.Redis.from_url(url).flushdb()
    else:
        assert "DatabaseCache" in settings.CACHES["default"]["BACKEND"]
        yield request.param


def test_takes_up_to_the_limit_then_refuses_without_counting(shared_cache):
    assert [limits.take("t", "a@b.test", RATE, now=1000) for _ in range(4)] == [
        True, True, True, False,
    ]  # fmt: skip
    assert limits.used("t", "a@b.test", RATE, now=1000) == 3


def test_an_amount_that_does_not_fit_is_refused_whole(shared_cache):
    bytes_rate = limits.Rate(limit=100, window=600)
    assert limits.take("bytes", "u1", bytes_rate, amount=60, now=0)
    assert not limits.take("bytes", "u1", bytes_rate, amount=41, now=1)
    assert limits.take("bytes", "u1", bytes_rate, amount=40, now=2)


def test_the_window_starts_with_the_first_event_and_a_new_one_follows_it(shared_cache):
    for at in (1000, 1100, 1500):
        limits.take("t", "x", RATE, now=at)
    assert not limits.take("t", "x", RATE, now=1599)
    assert limits.retry_after("t", "x", RATE, now=1599) == 1
    assert limits.take("t", "x", RATE, now=1600)  # 600 s after the first: a fresh window
    assert limits.used("t", "x", RATE, now=1600) == 1


def test_counters_are_separate_per_name_and_identifier_whatever_the_letter_case(shared_cache):
    limits.add("t", "Boss@Alpha.test", RATE, amount=3, now=0)
    assert limits.used("t", "boss@alpha.test", RATE, now=1) == 3
    assert limits.used("t", "other@alpha.test", RATE, now=1) == 0
    assert limits.used("u", "boss@alpha.test", RATE, now=1) == 0


def test_add_counts_past_the_limit_and_clear_forgets(shared_cache):
    for _ in range(5):
        total = limits.add("t", "k", RATE, now=0)
    assert total == 5
    limits.clear("t", "k")
    assert limits.used("t", "k", RATE, now=0) == 0


def test_the_database_cache_table_comes_from_a_migration(db):
    # No `createcachetable` step anywhere: migrate creates it, like every other table.
    cache.set("probe", 1, 60)
    assert cache.get("probe") == 1
