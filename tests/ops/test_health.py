"""/health/: 200 with each dependency's state, 503 when one is down."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client

from partnerhub.tasks import heartbeat
from partnerhub.views import health

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def get_health(client: Client):  # type: ignore[no-untyped-def]
    response = client.get("/health/")
    assert response["Content-Type"] == "application/json"
    return response, response.json()


@pytest.mark.django_db
def test_healthy_when_every_dependency_answers(client):
    response, body = get_health(client)
    assert response.status_code == 200
    assert body["status"] == "ok"
    for name in ("database", "cache", "broker"):
        assert body["checks"][name]["status"] == "ok", body
    assert body["checks"]["database"]["vendor"] == (
        "postgresql" if django_settings.IS_POSTGRES else "sqlite"
    )
    expected_transport = (
        "redis" if django_settings.CELERY_BROKER_URL.startswith("redis") else "filesystem"
    )
    assert body["checks"]["broker"]["transport"] == expected_transport
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_needs_no_login_and_answers_only_get(client):
    assert client.get("/health/").status_code == 200
    assert client.post("/health/").status_code == 405


@pytest.mark.django_db
def test_unavailable_when_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = DEAD_REDIS
    response, body = get_health(client)
    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["checks"]["broker"]["status"] == "error"
    assert "ConnectionError" in body["checks"]["broker"]["detail"]
    assert body["checks"]["database"]["status"] == "ok"


@pytest.mark.django_db
def test_unavailable_when_the_filesystem_broker_folder_is_missing(client, settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_FOLDER = tmp_path / "gone"
    response, body = get_health(client)
    assert response.status_code == 503
    assert body["checks"]["broker"] == {
        "status": "error",
        "detail": "RuntimeError: broker folder missing",
    }


@pytest.mark.django_db
def test_unavailable_when_the_database_is_down(client, monkeypatch):
    def database_down() -> dict[str, object]:
        raise OSError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", database_down)
    response, body = get_health(client)
    assert response.status_code == 503
    assert body["checks"]["database"] == {
        "status": "error",
        "detail": "OSError: connection refused",
    }
    assert body["checks"]["cache"]["status"] == "ok"


@pytest.mark.django_db
def test_unavailable_when_the_cache_loses_writes(client, monkeypatch):
    monkeypatch.setattr(health.cache, "get", lambda *args, **kwargs: None)
    response, body = get_health(client)
    assert response.status_code == 503
    assert body["checks"]["cache"]["status"] == "error"


@pytest.mark.django_db
def test_worker_heartbeat_is_reported_but_never_fails_the_check(client):
    _, body = get_health(client)
    assert body["checks"]["worker"]["status"] == "unknown"
    heartbeat()  # what the worker runs when beat sends the task
    response, body = get_health(client)
    assert response.status_code == 200
    assert body["checks"]["worker"]["status"] == "ok"
    assert body["checks"]["worker"]["last_heartbeat_seconds_ago"] < 60


@pytest.mark.django_db
def test_health_is_exempt_from_the_https_redirect(client, settings):
    """A load balancer probes over plain HTTP; everything else is redirected."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    assert client.get("/health/").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


@pytest.mark.redis
@pytest.mark.django_db
def test_broker_check_pings_the_real_redis(client, settings):
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    response, body = get_health(client)
    assert response.status_code == 200
    assert body["checks"]["broker"] == {"status": "ok", "transport": "redis"}
    assert body["checks"]["cache"]["backend"] == "RedisCache"
