"""Writes of the admin's webhook pages: endpoints, secrets, test-sends, redeliveries.

Each runs inside the caller's transaction (the request's, with the workspace set) and
sends its side effects on commit.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from partnerhub.models import (
    DeliveryState,
    User,
    WebhookDelivery,
    WebhookEndpoint,
    Workspace,
)
from partnerhub.webhooks import (
    EVENT_TYPES,
    PING,
    checked_target,
    deliveries_create,
    enqueue_sender,
    new_secret,
)


def _clean_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown:
        raise ValidationError({"events": f"Unknown event types: {', '.join(unknown)}."})
    if not events:
        raise ValidationError({"events": "Choose at least one event."})
    return sorted(set(events))


def webhook_endpoint_create(
    *, workspace: Workspace, actor: User, url: str, events: list[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; answers it and its secret (to show the admin once)."""
    checked_target(url)
    secret = new_secret()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            workspace=workspace,
            url=url,
            description=description,
            events=_clean_events(events),
            secret=secret,
            created_by=actor,
        )
    return endpoint, secret


def webhook_endpoint_update(
    *,
    workspace: Workspace,
    actor: User,
    endpoint: WebhookEndpoint,
    url: str,
    events: list[str],
    active: bool,
    description: str = "",
) -> WebhookEndpoint:
    if endpoint.workspace_id != workspace.pk:
        raise ValidationError("This endpoint belongs to another workspace.")
    if url != endpoint.url:
        checked_target(url)
    fields: dict[str, Any] = {
        "url": url,
        "events": _clean_events(events),
        "description": description,
        "active": active,
    }
    if active and not endpoint.active:
        # Turned back on: a fresh count, and what waited is sent now.
        fields.update(consecutive_failures=0, disabled_at=None, disabled_reason="")
        enqueue_sender(workspace.pk)
    elif not active and endpoint.active:
        fields.update(disabled_at=timezone.now(), disabled_reason="Turned off by an admin.")
    with transaction.atomic():
        for name, value in fields.items():
            setattr(endpoint, name, value)
        endpoint.save(update_fields=list(fields))
    return endpoint


def webhook_endpoint_rotate_secret(
    *, workspace: Workspace, actor: User, endpoint: WebhookEndpoint
) -> str:
    """A new secret (answered once); deliveries from now on are signed with it."""
    if endpoint.workspace_id != workspace.pk:
        raise ValidationError("This endpoint belongs to another workspace.")
    secret = new_secret()
    endpoint.secret = secret
    endpoint.save(update_fields=["secret"])
    return secret


def webhook_endpoint_delete(
    *, workspace: Workspace, actor: User, endpoint: WebhookEndpoint
) -> None:
    if endpoint.workspace_id != workspace.pk:
        raise ValidationError("This endpoint belongs to another workspace.")
    endpoint.delete()


def webhook_test_send(*, workspace: Workspace, actor: User, endpoint: WebhookEndpoint) -> int:
    """Queue a ``ping`` to this endpoint (whatever it subscribes to, even if off)."""
    if endpoint.workspace_id != workspace.pk:
        raise ValidationError("This endpoint belongs to another workspace.")
    if not endpoint.active:
        raise ValidationError("Turn the endpoint on before sending a test.")
    return deliveries_create(
        workspace=workspace,
        endpoint_ids=[endpoint.pk],
        event_type=PING,
        data={"message": "A test delivery from PartnerHub.", "endpoint": endpoint.pk},
    )


def webhook_delivery_redeliver(
    *, workspace: Workspace, actor: User, delivery: WebhookDelivery
) -> WebhookDelivery:
    """Send the same delivery again (same event id and payload), from attempt one."""
    if delivery.workspace_id != workspace.pk:
        raise ValidationError("This delivery belongs to another workspace.")
    updated = (
        WebhookDelivery.objects.for_workspace(workspace)
        .filter(pk=delivery.pk)
        .exclude(state=DeliveryState.SENDING, lease_until__gt=timezone.now())
        .update(
            state=DeliveryState.PENDING,
            attempts=0,
            next_attempt_at=timezone.now(),
            lease_until=None,
            updated_at=timezone.now(),
        )
    )
    if not updated:
        raise ValidationError("This delivery is being sent right now; try again in a moment.")
    enqueue_sender(workspace.pk)
    delivery.refresh_from_db()
    return delivery
