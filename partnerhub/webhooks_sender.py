"""The webhook sender: claims due deliveries from the outbox, posts them, records the
outcome. Works like the reminders' email sender (``partnerhub.reminders``):

1. ``delivery_claim`` takes one due delivery with ``SELECT ... FOR UPDATE SKIP LOCKED``
   and leases it (``state = sending``, ``lease_until``, ``attempts + 1``) in its own short
   transaction; an expired lease (a crashed worker) makes it claimable again.
2. The body is posted with a short timeout to an address checked against the SSRF guard
   right before sending; the connection goes to that checked address (no second DNS
   lookup an attacker could answer differently), and redirects are not followed.
3. ``delivery_finish`` records status code, response time and error only if the lease is
   still ours (the attempt number is the fencing token). A 2xx is delivered; anything
   else is retried with exponential backoff and jitter (16 attempts from 30 s doubling,
   capped at 3 h: about 22 hours), then failed.
4. Each failure counts against the endpoint; after WEBHOOK_DISABLE_AFTER_FAILURES in a
   row the endpoint is disabled and the workspace admins get an email.
"""

from __future__ import annotations

import http.client
import logging
import random
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from partnerhub.models import (
    DeliveryState,
    Membership,
    Role,
    WebhookDelivery,
    WebhookEndpoint,
    Workspace,
)
from partnerhub.tenancy import workspace_context
from partnerhub.webhooks import checked_target, encode_body, signature_header

logger = logging.getLogger(__name__)

USER_AGENT = "PartnerHub-Webhooks/1"


@dataclass(frozen=True)
class Claim:
    delivery_id: int
    endpoint_id: int
    attempt: int
    url: str
    secret: str
    event_id: str
    event_type: str
    body: bytes


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    response_ms: int | None
    error: str

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def retry_delay(attempt: int, *, rng: Callable[[], float] = random.random) -> timedelta:
    """base x 2^(attempt-1), capped, times 0.5-1.5 (jitter spreads a thundering herd)."""
    base = settings.WEBHOOK_RETRY_BASE_SECONDS
    cap = settings.WEBHOOK_RETRY_MAX_SECONDS
    delay = min(cap, base * 2 ** max(attempt - 1, 0))
    return timedelta(seconds=delay * (0.5 + rng()))


def delivery_claim(*, workspace: Workspace, now: datetime | None = None) -> Claim | None:
    now = now or timezone.now()
    lease = timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
    with workspace_context(workspace):
        delivery = (
            WebhookDelivery.objects.for_workspace(workspace)
            .select_for_update(skip_locked=True, of=("self",))
            .filter(next_attempt_at__lte=now, endpoint__active=True)
            .filter(
                Q(state=DeliveryState.PENDING) | Q(state=DeliveryState.SENDING, lease_until__lt=now)
            )
            .select_related("endpoint")
            .order_by("next_attempt_at", "id")
            .first()
        )
        if delivery is None:
            return None
        delivery.state = DeliveryState.SENDING
        delivery.lease_until = now + lease
        delivery.attempts += 1
        delivery.save(update_fields=["state", "lease_until", "attempts"])
        return Claim(
            delivery_id=delivery.pk,
            endpoint_id=delivery.endpoint_id,
            attempt=delivery.attempts,
            url=delivery.endpoint.url,
            secret=delivery.endpoint.secret,
            event_id=str(delivery.event_id),
            event_type=delivery.event_type,
            body=encode_body(delivery.payload),
        )


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address already checked, whatever DNS says now."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the URL's host name (SNI too).
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def post(claim: Claim, *, timestamp: int | None = None) -> Outcome:
    """POST the signed body; never raises."""
    started = time.monotonic()
    try:
        scheme, host, port, addresses = checked_target(claim.url)
    except ValidationError as exc:
        return Outcome(None, None, "; ".join(exc.messages)[:500])
    url = urlsplit(claim.url)
    path = (url.path or "/") + (f"?{url.query}" if url.query else "")
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    conn = connection_class(host, port, addresses[0], timeout)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "PartnerHub-Event-Id": claim.event_id,
        "PartnerHub-Event-Type": claim.event_type,
        "PartnerHub-Signature": signature_header(
            secret=claim.secret, body=claim.body, timestamp=timestamp
        ),
    }
    try:
        conn.request("POST", path, body=claim.body, headers=headers)
        response = conn.getresponse()
        response.read(64 * 1024)  # a receiver's body is not kept; read a little, politely
        elapsed = int((time.monotonic() - started) * 1000)
        error = "" if 200 <= response.status < 300 else f"HTTP {response.status}"
        return Outcome(response.status, elapsed, error)
    except (OSError, http.client.HTTPException) as exc:
        elapsed = int((time.monotonic() - started) * 1000)
        return Outcome(None, elapsed, (f"{type(exc).__name__}: {exc}")[:500])
    finally:
        conn.close()


def delivery_finish(
    *, workspace: Workspace, claim: Claim, outcome: Outcome, now: datetime | None = None
) -> bool:
    """Record the outcome if the lease is still ours; answers whether it was."""
    now = now or timezone.now()
    with workspace_context(workspace):
        ours = WebhookDelivery.objects.for_workspace(workspace).filter(
            pk=claim.delivery_id, state=DeliveryState.SENDING, attempts=claim.attempt
        )
        recorded = {
            "last_status_code": outcome.status_code,
            "last_response_ms": outcome.response_ms,
            "last_error": outcome.error[:500],
            "lease_until": None,
            "updated_at": now,
        }
        endpoints = WebhookEndpoint.objects.for_workspace(workspace).filter(pk=claim.endpoint_id)
        if outcome.ok:
            updated = ours.update(state=DeliveryState.DELIVERED, delivered_at=now, **recorded)
            if updated:
                endpoints.filter(consecutive_failures__gt=0).update(consecutive_failures=0)
            return bool(updated)
        if claim.attempt >= settings.WEBHOOK_MAX_ATTEMPTS:
            updated = ours.update(state=DeliveryState.FAILED, **recorded)
        else:
            updated = ours.update(
                state=DeliveryState.PENDING,
                next_attempt_at=now + retry_delay(claim.attempt),
                **recorded,
            )
        if updated:
            endpoints.update(consecutive_failures=F("consecutive_failures") + 1, updated_at=now)
            _disable_if_failing(workspace=workspace, endpoint_id=claim.endpoint_id, now=now)
        return bool(updated)


def _disable_if_failing(*, workspace: Workspace, endpoint_id: int, now: datetime) -> None:
    limit = settings.WEBHOOK_DISABLE_AFTER_FAILURES
    disabled = (
        WebhookEndpoint.objects.for_workspace(workspace)
        .filter(pk=endpoint_id, active=True, consecutive_failures__gte=limit)
        .update(
            active=False,
            disabled_at=now,
            disabled_reason=f"{limit} deliveries in a row failed.",
            updated_at=now,
        )
    )
    if disabled:
        endpoint = WebhookEndpoint.objects.for_workspace(workspace).get(pk=endpoint_id)
        transaction.on_commit(
            lambda: endpoint_disabled_email(workspace=workspace, endpoint=endpoint)
        )


def endpoint_disabled_email(*, workspace: Workspace, endpoint: WebhookEndpoint) -> int:
    admins = list(
        Membership.objects.filter(
            workspace=workspace, role=Role.ADMIN, user__is_active=True
        ).values_list("user__email", flat=True)
    )
    if not admins:
        return 0
    path = reverse(
        "workspace_webhook_detail", kwargs={"workspace_slug": workspace.slug, "pk": endpoint.pk}
    )
    context = {
        "workspace": workspace,
        "endpoint": endpoint,
        "url": settings.SITE_URL.rstrip("/") + path,
    }
    return send_mail(
        subject=f"[{workspace.name}] Webhook disabled: {endpoint.url}"[:200],
        message=render_to_string("emails/webhooks/endpoint_disabled.txt", context),
        from_email=None,
        recipient_list=admins,
    )


def webhooks_send_due(
    *,
    workspace: Workspace,
    limit: int = 100,
    now: Callable[[], datetime] = timezone.now,
    sender: Callable[[Claim], Outcome] = post,
) -> int:
    """Send up to ``limit`` due deliveries of the workspace; answers how many were tried."""
    tried = 0
    for _ in range(limit):
        claim = delivery_claim(workspace=workspace, now=now())
        if claim is None:
            break
        outcome = sender(claim)
        if not outcome.ok:
            logger.info("webhook delivery %s failed: %s", claim.delivery_id, outcome.error)
        delivery_finish(workspace=workspace, claim=claim, outcome=outcome, now=now())
        tried += 1
    return tried


def workspaces_with_due_deliveries(
    *, after: int, limit: int, now: datetime | None = None
) -> tuple[list[int], int | None]:
    """Among up to ``limit`` workspaces with ids greater than ``after`` (keyset): those
    with a due delivery, and the last id looked at (None when none is left).

    Row-Level Security hides other workspaces' rows, so each workspace is asked in its
    own short transaction (one probe of the claim index)."""
    now = now or timezone.now()
    ids = list(
        Workspace.objects.filter(id__gt=after).order_by("id").values_list("id", flat=True)[:limit]
    )
    if not ids:
        return [], None
    due = []
    for workspace_id in ids:
        with workspace_context(workspace_id):
            if (
                WebhookDelivery.objects.for_workspace(workspace_id)
                .filter(
                    Q(state=DeliveryState.PENDING, next_attempt_at__lte=now)
                    | Q(state=DeliveryState.SENDING, lease_until__lt=now)
                )
                .exists()
            ):
                due.append(workspace_id)
    return due, ids[-1]
