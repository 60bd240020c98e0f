"""Rate limits per API key and per user (429 with Retry-After)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


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
