"""API keys: ``Authorization: Bearer <key>``; never in a query string.

The key format and its verification live in ``partnerhub.services.api_keys``; this module
plugs them into Django REST framework.
"""

from __future__ import annotations

from rest_framework import authentication, exceptions
from rest_framework.request import Request

from partnerhub.models import ApiKey
from partnerhub.services.api_keys import (
    KEY_PREFIX,
    ApiKeyRejected,
    api_key_authenticate,
    hash_secret,
    split_key,
)

__all__ = [
    "KEY_PREFIX",
    "QUERY_KEY_PARAMS",
    "ApiKeyAuthentication",
    "ApiKeyPrincipal",
    "hash_secret",
    "split_key",
]

# Query-string parameters a client might put a key in; any of them is refused with 401
# (keys in URLs end up in logs, browser history and proxies).
QUERY_KEY_PARAMS = ("api_key", "apikey", "key", "token", "access_token", "bearer")


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

    def authenticate(self, request: Request) -> tuple[ApiKeyPrincipal, ApiKey] | None:
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
        try:
            api_key = api_key_authenticate(raw_key=raw.strip())
        except ApiKeyRejected as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from exc
        return ApiKeyPrincipal(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'
