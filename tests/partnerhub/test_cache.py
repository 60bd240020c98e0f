"""The Redis cache keeps one client per connection pool (partnerhub.cache)."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCacheClient as DjangoClient

from partnerhub.cache import RedisCache

pytestmark = pytest.mark.redis


def test_one_client_per_pool_and_the_cache_still_works():
    backend = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": "cache-test"})
    client = backend._cache.get_client("a", write=True)
    assert backend._cache.get_client("b") is client
    assert backend._cache.get_client("c", write=True) is client
    # Django's own client builds a new one on every call (what this module avoids).
    django_client = DjangoClient([settings.REDIS_URL])
    assert django_client.get_client() is not django_client.get_client()

    backend.set("k", {"n": 1}, timeout=30)
    assert backend.get("k") == {"n": 1}
    assert backend.add("counter", 0) is True
    assert backend.incr("counter") == 1
    backend.delete_many(["k", "counter"])
    assert backend.get("k") is None and backend.get("counter") is None


def test_the_configured_cache_is_this_backend_and_works_from_threads():
    assert isinstance(caches["default"], RedisCache)
    clients: list[object] = []

    def use(n: int) -> None:
        backend = caches["default"]
        backend.set(f"thread-{n}", n)
        clients.append(backend._cache.get_client())

    threads = [threading.Thread(target=use, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(clients) == 4
    assert [caches["default"].get(f"thread-{n}") for n in range(4)] == [0, 1, 2, 3]
