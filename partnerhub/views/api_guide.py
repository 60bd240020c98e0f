"""/w/<slug>/api-guide/: the integrator guide, written for this workspace.

A workspace page rather than a public one: every example carries the workspace's real
slug and the site's real address, so an integrator can copy them as they are. The
webhook verification snippet is a constant here so the page shows exactly the code the
tests run against the real signer (``partnerhub.webhooks.signature_header``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.views.generic import TemplateView

from partnerhub.web import WorkspaceViewMixin

WEBHOOK_TOLERANCE_SECONDS = 300

VERIFY_SNIPPET = '''\
import hashlib
import hmac
import time

TOLERANCE_SECONDS = 300  # refuse deliveries signed more than 5 minutes ago (replays)


def verify_partnerhub_signature(secret, header, body, now=None):
    """True when `header` (PartnerHub-Signature) signs the raw request `body` (bytes)
    with `secret` and its timestamp is recent. Never parse the JSON before this."""
    try:
        parts = dict(item.strip().split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        received = parts["v1"]
    except (KeyError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return False  # too old (or from the future): a replay
    signed = str(timestamp).encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received)
'''


class ApiGuideView(WorkspaceViewMixin, TemplateView):
    """Any member may read it: the API keys themselves are created by admins."""

    template_name = "partnerhub/api_guide.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        base_url = self.request.build_absolute_uri("/").rstrip("/")
        context.update(
            base_url=base_url,
            api_base=f"{base_url}/api/v1/w/{self.workspace.slug}",
            rate_limit=settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["principal"],
            verify_snippet=VERIFY_SNIPPET,
            tolerance_seconds=WEBHOOK_TOLERANCE_SECONDS,
        )
        return context
