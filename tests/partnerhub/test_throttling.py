"""The rate limit's Redis log (one Lua script) decides exactly as DRF's cache log does:
the same answers and the same Retry-After, request by request, on a fake clock."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache

from partnerhub.api.throttling import PrincipalRateThrottle
from partnerhub.cache import RedisCache

pytestmark = pytest.mark.redis

# (tenths of the minute since start, key): bursts, waits shorter and longer than the
# window (3 requests a minute), two keys.
SCHEDULE = [
    (0.0, 1), (0.5, 1), (1.0, 1), (1.2, 1), (2.0, 2), (3.0, 1), (9.9, 1), (10.0, 1),
    (10.01, 1), (10.6, 1), (10.7, 1), (11.1, 1), (11.1, 2), (11.2, 2), (11.3, 2), (11.4, 2),
    (25.0, 1), (25.0, 1), (25.0, 1), (25.0, 1), (40.0, 2),
]  # fmt: skip


def _run(cache: Any, settings: Any) -> list[tuple[bool, float | None]]:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"principal": "3/min"},
    }
    answers = []
    clock = {"now": 1_000_000.0}
    for at, key in SCHEDULE:
        throttle = PrincipalRateThrottle()
        throttle.cache = cache
        throttle.timer = lambda: clock["now"]  # type: ignore[method-assign]
        clock["now"] = 1_000_000.0 + at * 6
        request = SimpleNamespace(user=SimpleNamespace(api_key=SimpleNamespace(pk=key)))
        allowed = throttle.allow_request(request, None)  # type: ignore[arg-type]
        wait = None if allowed else throttle.wait()
        answers.append((allowed, None if wait is None else round(wait, 6)))
    return answers


def test_redis_log_answers_as_drfs_cache_log(settings):
    redis_cache = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": "throttle-test"})
    redis_cache.clear()
    local = LocMemCache("throttle-test", {})
    expected = _run(local, settings)
    assert _run(redis_cache, settings) == expected
    # The schedule exercised both answers, and waits shorter than the window.
    assert {allowed for allowed, _ in expected} == {True, False}
    assert any(wait is not None and 0 < wait < 59 for _, wait in expected)
    assert isinstance(caches["default"], RedisCache)


def test_a_refused_request_is_not_counted(settings):
    redis_cache = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": "throttle-test-2"})
    redis_cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"principal": "2/min"},
    }
    clock = {"now": 500.0}
    results = []
    for at in (0, 1, 2, 30, 59, 60.5, 61.5):
        throttle = PrincipalRateThrottle()
        throttle.cache = redis_cache
        throttle.timer = lambda: clock["now"]  # type: ignore[method-assign]
        clock["now"] = 500.0 + at
        request = SimpleNamespace(user=SimpleNamespace(api_key=SimpleNamespace(pk=7)))
        results.append(throttle.allow_request(request, None))  # type: ignore[arg-type]
    # Refusals at 2, 30 and 59 s do not keep the key locked: at 60.5 s the first request
    # has left the window, at 61.5 s the second.
    assert results == [True, True, False, False, False, True, True]
