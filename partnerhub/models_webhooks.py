"""Webhooks: endpoints a workspace admin registers, and the delivery outbox.

* ``WebhookEndpoint`` -- a URL, the secret deliveries are signed with (shown once to the
  admin, stored because signing needs it), the event types it subscribes to.
* ``WebhookDelivery`` -- one event for one endpoint, written in the same transaction as
  the change it describes (the payload is a snapshot taken then). The sender claims it
  with a lease (``FOR UPDATE SKIP LOCKED``), posts it, and records the outcome only if the
  lease is still its own (the attempt number is the fencing token). See
  ``partnerhub.webhooks``.

Imported by ``partnerhub.models``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from partnerhub.models import TenantModel


def _no_events() -> list[str]:
    return []


class WebhookEndpoint(TenantModel):
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=_no_events, help_text="Event types delivered")
    active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(TenantModel.Meta):
        ordering = ["id"]
        indexes = [models.Index(fields=["workspace", "active"], name="webhook_ep_ws_active")]

    def __str__(self) -> str:
        return self.url


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(TenantModel):
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField(default=uuid.uuid4)
    event_type = models.CharField(max_length=60)
    payload = models.JSONField()
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["-id"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_once"),
        ]
        indexes = [
            # The sender's claim: due rows of a workspace in time order.
            models.Index(
                fields=["workspace", "state", "next_attempt_at", "id"],
                name="webhook_dl_claim",
            ),
            # The delivery log of one endpoint, newest first (keyset on id).
            models.Index(fields=["endpoint", "id"], name="webhook_dl_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} -> endpoint {self.endpoint_id}"
