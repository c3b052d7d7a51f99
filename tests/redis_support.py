"""Redis for the tests that need the production rate-limit store.

``TEST_REDIS_URL`` (default redis://127.0.0.1:6379/5) names a scratch database (the next
ones for pytest-xdist's workers gw1, gw2...: 6 databases in all): the tests delete its
rate-limit keys (``LIMITS*``) before and after. Without Redis those tests are
skipped with a message, or fail when TYMPANUM_REQUIRE_REDIS=1 (CI sets it).
"""

from __future__ import annotations

import os

import pytest
import redis


def _scratch_url() -> str:
    """One database per pytest-xdist worker (5, 6, ... 10): the tests clear their keys
    before and after, which must not empty the counts of a test running in another
    worker at the same time."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1, ...
    base, _, number = url.rpartition("/")
    if worker[:2] == "gw" and worker[2:].isdigit() and number.isdigit():
        return f"{base}/{int(number) + int(worker[2:]) % 6}"
    return url


REDIS_URL = _scratch_url()
REQUIRED = os.environ.get("TYMPANUM_REQUIRE_REDIS") == "1"


def require_redis() -> redis.Redis:
    """A client of the test database, or a skip (a failure in CI) when Redis is down."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        client.close()
        message = (
            f"Redis is not reachable at {REDIS_URL} ({error}): start redis-server, or point "
            "TEST_REDIS_URL at one"
        )
        if REQUIRED:
            pytest.fail(f"{message} (TYMPANUM_REQUIRE_REDIS=1)")
        pytest.skip(message)
    return client


def clear_limits(client: redis.Redis) -> None:
    """Delete the rate-limit counters (the keys the ``limits`` library writes)."""
    keys = list(client.scan_iter(match="LIMITS*", count=1000))
    if keys:
        client.delete(*keys)
