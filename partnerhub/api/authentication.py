"""API keys: ``Authorization: Bearer <key>``; never in a query string."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework import authentication, exceptions

from partnerhub.models import ApiKey

KEY_PREFIX = "phk"
# Query-string parameters a client might put a key in; any of them is refused with 401
# (keys in URLs end up in logs, browser history and proxies).
QUERY_KEY_PARAMS = ("api_key", "apikey", "key", "token", "access_token", "bearer")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_key(raw: str) -> tuple[str, str] | None:
    """'phk_<prefix>_<secret>' -> (prefix, raw); None when malformed."""
    parts = raw.split("_")
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], raw


class ApiKeyPrincipal:
    """request.user when an API key authenticates: no person, a workspace's key."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key

    def __str__(self) -> str:
        return f"API key {self.api_key.prefix}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):  # type: ignore[no-untyped-def]
        for param in QUERY_KEY_PARAMS:
            if param in request.query_params:
                raise exceptions.AuthenticationFailed(
                    "API keys are accepted only in the Authorization header, never in the URL."
                )
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        raw = raw.strip()
        parsed = split_key(raw)
        if parsed is None:
            raise exceptions.AuthenticationFailed("Malformed API key.")
        prefix, full = parsed
        api_key = ApiKey.objects.select_related("workspace").filter(prefix=prefix).first()
        if api_key is None or not hmac.compare_digest(api_key.key_hash, hash_secret(full)):
            raise exceptions.AuthenticationFailed("Invalid API key.")
        if api_key.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This API key has been revoked.")
        if api_key.expires_at is not None and api_key.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed("This API key has expired.")
        self._touch(api_key)
        return ApiKeyPrincipal(api_key), api_key

    @staticmethod
    def _touch(api_key: ApiKey) -> None:
        # At most one write per key per resolution window, not one per request.
        now = timezone.now()
        window = timedelta(seconds=settings.API_KEY_LAST_USED_RESOLUTION_SECONDS)
        if api_key.last_used_at is None or api_key.last_used_at < now - window:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
            api_key.last_used_at = now

    def authenticate_header(self, request):  # type: ignore[no-untyped-def]
        return f'{self.keyword} realm="api"'
