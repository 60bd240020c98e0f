"""Settings under production: the deploy check passes, a missing SECRET_KEY stops start-up,
and every page carries a strict Content-Security-Policy.

The production checks run ``manage.py`` in a subprocess, because settings are read once
per process (and this one runs under the test settings).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION_HOST = "partnerhub.example.org"

# Variables a developer's shell or the test run (the browser tests allow Django's async
# unsafe mode) may set that a production deployment does not have.
_NOT_IN_PRODUCTION = (
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def production_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _NOT_IN_PRODUCTION}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=PRODUCTION_HOST,
        SITE_URL=f"https://{PRODUCTION_HOST}",
        CSRF_TRUSTED_ORIGINS=f"https://{PRODUCTION_HOST}",
        DJANGO_SETTINGS_MODULE="partnerhub.settings",
    )
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_settings(**overrides: str) -> dict[str, Any]:
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'hsts': s.SECURE_HSTS_SECONDS, 'hsts_sub': s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "'ssl_redirect': s.SECURE_SSL_REDIRECT, 'proxy_header': s.SECURE_PROXY_SSL_HEADER, "
        "'session_secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE, "
        "'session_httponly': s.SESSION_COOKIE_HTTPONLY, 'csrf_httponly': s.CSRF_COOKIE_HTTPONLY, "
        "'nosniff': s.SECURE_CONTENT_TYPE_NOSNIFF, 'referrer': s.SECURE_REFERRER_POLICY, "
        "'x_frame': s.X_FRAME_OPTIONS, 'debug': s.DEBUG, "
        "'static': s.STORAGES['staticfiles']['BACKEND'], "
        "'conn_max_age': s.DATABASES['default'].get('CONN_MAX_AGE', 0), "
        "'conn_health': s.DATABASES['default'].get('CONN_HEALTH_CHECKS', False), "
        "'atomic': s.DATABASES['default']['ATOMIC_REQUESTS']}))"
    )
    result = run(["-c", code], production_env(**overrides))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_missing_secret_key_with_debug_off_is_a_start_up_error():
    result = run(["manage.py", "check"], production_env(SECRET_KEY=""))
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_deploy_check_passes_under_production_settings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_fails_when_production_defaults_are_weakened():
    """The check above can fail: switching HSTS off is reported."""
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_env(SECURE_HSTS_SECONDS="0"),
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr


def test_production_security_settings():
    s = production_settings()
    assert s["debug"] is False
    assert s["hsts"] >= 365 * 24 * 3600
    assert s["hsts_sub"] is True
    assert s["ssl_redirect"] is True
    assert s["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["session_secure"] is True and s["csrf_secure"] is True
    assert s["session_httponly"] is True and s["csrf_httponly"] is True
    assert s["nosniff"] is True
    assert s["referrer"] == "same-origin"
    assert s["x_frame"] == "DENY"
    assert s["static"] == "partnerhub.staticfiles.StaticFilesStorage"
    assert s["atomic"] is True


def test_postgresql_connections_persist_with_health_checks():
    s = production_settings(DATABASE_URL="postgres://app:secret@db.internal:5432/partnerhub")
    assert s["conn_max_age"] > 0
    assert s["conn_health"] is True


# --- Content-Security-Policy on a page -------------------------------------------------


def csp_directives(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.django_db
def test_pages_carry_a_strict_csp_with_a_nonce(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    header = response["Content-Security-Policy"]
    directives = csp_directives(header)

    assert "'unsafe-inline'" not in header
    assert "'unsafe-eval'" not in header
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["default-src"] == ["'self'"]
    nonces = [v for v in directives["script-src"] if v.startswith("'nonce-")]
    assert len(nonces) == 1
    nonce = nonces[0][len("'nonce-") : -1]
    assert len(nonce) >= 16

    # Every script on the page is an external file under /static/ carrying that nonce.
    html = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts, "the base template loads htmx"
    for tag in scripts:
        assert f'nonce="{nonce}"' in tag, tag
        assert 'src="/static/' in tag, tag


@pytest.mark.django_db
def test_each_response_gets_a_fresh_nonce(client):
    first = csp_directives(client.get("/accounts/login/")["Content-Security-Policy"])
    second = csp_directives(client.get("/accounts/login/")["Content-Security-Policy"])
    assert first["script-src"] != second["script-src"]
