"""Rate limits per API key and per user (429 with Retry-After).

The limit is DRF's sliding log: at most N requests in any window of the rate's duration,
only allowed requests counted, and Retry-After telling when the oldest counted request
leaves the window. DRF keeps the log as a pickled list in the cache, which costs two round
trips (read, write) and a list of up to N timestamps copied both ways on every request.
On the Redis cache the same log is a sorted set changed by one Lua script: one round trip,
nothing copied, and atomic (two workers cannot both take the last place). Other cache
backends (tests without Redis, the development file cache) keep DRF's own code.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache import cache as default_cache
from django.core.exceptions import ImproperlyConfigured
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from partnerhub.cache import RedisCache

# KEYS[1]: the log. ARGV: now, the window (seconds), the limit, a unique member.
# Drops what left the window (score <= now - window, as DRF drops it), then either records
# this request (allowed: {1, count}) or answers the oldest entry's time (refused:
# {0, count, oldest}); times travel as text, since Redis truncates Lua numbers to integers.
SLIDING_LOG_LUA = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count < limit then
    redis.call('ZADD', key, ARGV[1], ARGV[4])
    redis.call('PEXPIRE', key, math.ceil(window * 1000))
    return {1, count + 1}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {0, count, oldest[2]}
"""


class PrincipalRateThrottle(SimpleRateThrottle):
    """One bucket per API key, one per signed-in user, one per address otherwise.

    A key and the person who created it are separate principals: a busy integration does
    not lock its admin out of the API.
    """

    scope = "principal"

    def get_rate(self) -> str | None:
        # DRF copies the rates onto the class at import time. Read the setting now instead,
        # so a changed setting (tests, a reloaded configuration) takes effect; a rates dict
        # assigned to this class explicitly still wins.
        assigned = type(self).THROTTLE_RATES
        if assigned is not SimpleRateThrottle.THROTTLE_RATES and self.scope in assigned:
            return assigned[self.scope]
        current: dict[str, Any] = api_settings.DEFAULT_THROTTLE_RATES or {}
        if self.scope not in current:
            raise ImproperlyConfigured(f"No throttle rate set for scope {self.scope!r}.")
        return current[self.scope]

    def get_cache_key(self, request: Request, view: object) -> str:
        api_key = getattr(request.user, "api_key", None)
        if api_key is not None:
            ident = f"key:{api_key.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request: Request, view: Any) -> bool:
        backend = caches[DEFAULT_CACHE_ALIAS] if self.cache is default_cache else self.cache
        self._logged_in_redis = isinstance(backend, RedisCache)
        if not self._logged_in_redis:
            return bool(super().allow_request(request, view))
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        client = backend._cache.get_client(self.key, write=True)
        script = getattr(client, "_partnerhub_sliding_log", None)
        if script is None:
            script = client.register_script(SLIDING_LOG_LUA)
            client._partnerhub_sliding_log = script
        answer = script(
            keys=[backend.make_and_validate_key(self.key)],
            args=[repr(self.now), self.duration, self.num_requests, secrets.token_hex(8)],
        )
        self._count = int(answer[1])
        self._oldest = float(answer[2]) if len(answer) > 2 else self.now
        return bool(int(answer[0]))

    def wait(self) -> float | None:
        if not getattr(self, "_logged_in_redis", False):
            return super().wait()  # type: ignore[no-any-return]
        # DRF's wait() on the same log: the oldest entry's time left, shared out over the
        # places that frees.
        remaining = self.duration - (self.now - self._oldest) if self._count else self.duration
        available = self.num_requests - self._count + 1
        if available <= 0:
            return None
        return remaining / float(available)
