"""/health/: each dependency's state as JSON; 503 when one is down."""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

HEARTBEAT_KEY = "partnerhub:worker-heartbeat"


def _check_database() -> dict[str, object]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": "ok", "vendor": connection.vendor}


def _check_cache() -> dict[str, object]:
    key = "partnerhub:health-probe"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was written")
    return {"status": "ok", "backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}


def _check_broker() -> dict[str, object]:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folder = Path(settings.CELERY_BROKER_FOLDER)
        if not folder.is_dir():
            raise RuntimeError("broker folder missing")
        return {"status": "ok", "transport": "filesystem"}
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return {"status": "ok", "transport": "redis"}


def _worker_state() -> dict[str, object]:
    last = cache.get(HEARTBEAT_KEY)
    if last is None:
        return {"status": "unknown", "detail": "no heartbeat from a worker yet"}
    age = time.time() - float(last)
    return {"status": "ok" if age < 180 else "stale", "last_heartbeat_seconds_ago": round(age, 1)}


CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


@never_cache
@require_GET
@transaction.non_atomic_requests
def health(request: HttpRequest) -> JsonResponse:
    report: dict[str, object] = {}
    healthy = True
    for name, check in CHECKS.items():
        try:
            report[name] = check()
        except Exception as exc:  # any failure of a dependency is reported, not raised
            healthy = False
            report[name] = {"status": "error", "detail": f"{type(exc).__name__}: {exc}"[:300]}
    try:
        report["worker"] = _worker_state()  # informative only: never fails the check
    except Exception as exc:
        report["worker"] = {"status": "unknown", "detail": type(exc).__name__}
    body = {"status": "ok" if healthy else "error", "checks": report}
    return JsonResponse(body, status=200 if healthy else 503)
