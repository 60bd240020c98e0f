"""Webhooks: which events exist, how a delivery is built, signed and guarded.

Every change passes ``partnerhub.services.activity.record_event``; it calls
``webhooks_on_event`` in the same transaction. When an active endpoint of the workspace
subscribes to the event's type, one ``WebhookDelivery`` row per endpoint is written with
the change (atomically: a rollback leaves no delivery), holding a snapshot of the payload,
and the sender is enqueued on commit. The beat also sends due deliveries every minute, so
a lost enqueue only delays a delivery. The sender lives in ``partnerhub.webhooks_sender``.

Event types (object_type is the activity trail's ``app_label.model``):

=============================  ===========================  ===========================
event type                     object_type                  when
=============================  ===========================  ===========================
organization.created/updated/  partners.organization        create / update / delete
deleted
partnership.created/updated/   partners.partnership         create / update (no status
deleted                                                     change) / delete
partnership.status_changed     partners.partnership         update with ``status``
member.added                   partners.partnershipmember   create
member.updated                 partners.partnershipmember   update (not leaving)
member.removed                 partners.partnershipmember   delete, or ``left_on`` set
goal.created/updated/deleted   goals.sharedgoal             create / update / delete
milestone.created/updated/     goals.milestone              create / update / delete
deleted
progress_update.posted         goals.progressupdate         create
indicator.created/updated/     impact.indicator             create / update / delete
deleted
measurement.created/updated/   impact.measurement           create (draft) / update
deleted                                                     without a review / delete
measurement.submitted          impact.measurement           status becomes submitted
measurement.approved           impact.measurement           status becomes approved
measurement.returned           impact.measurement           status becomes returned
ping                           (none)                       the admin's test-send button
=============================  ===========================  ===========================

Payload: ``{"id": <event uuid>, "type", "created_at", "workspace": <slug>, "data": <the
resource as the API returns it, or {"id": ...} for deletions>}``. The apps register how
to serialize their objects with ``register_webhook_resource`` from ``AppConfig.ready()``
(this core imports no domain app).

Signature (receivers: see README "Webhooks")::

    PartnerHub-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>
    PartnerHub-Event-Id: <uuid>        PartnerHub-Event-Type: <type>

A receiver recomputes the HMAC over the raw body, compares in constant time, refuses a
timestamp older than 5 minutes and an event id it has already processed.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from partnerhub.models import (
    ActivityEvent,
    DeliveryState,
    EventAction,
    WebhookDelivery,
    WebhookEndpoint,
    Workspace,
)

logger = logging.getLogger(__name__)

PING = "ping"

# object_type -> the name used in event types.
_RESOURCE_NAMES: dict[str, str] = {
    "partners.organization": "organization",
    "partners.partnership": "partnership",
    "partners.partnershipmember": "member",
    "goals.sharedgoal": "goal",
    "goals.milestone": "milestone",
    "goals.progressupdate": "progress_update",
    "impact.indicator": "indicator",
    "impact.measurement": "measurement",
}

EVENT_TYPES: dict[str, str] = {
    "organization.created": "Organization created",
    "organization.updated": "Organization updated",
    "organization.deleted": "Organization deleted",
    "partnership.created": "Partnership created",
    "partnership.updated": "Partnership updated",
    "partnership.status_changed": "Partnership status changed",
    "partnership.deleted": "Partnership deleted",
    "member.added": "Partnership member added",
    "member.updated": "Partnership member updated",
    "member.removed": "Partnership member removed",
    "goal.created": "Shared goal created",
    "goal.updated": "Shared goal updated",
    "goal.deleted": "Shared goal deleted",
    "milestone.created": "Milestone created",
    "milestone.updated": "Milestone updated",
    "milestone.deleted": "Milestone deleted",
    "progress_update.posted": "Progress update posted",
    "indicator.created": "Indicator created",
    "indicator.updated": "Indicator updated",
    "indicator.deleted": "Indicator deleted",
    "measurement.created": "Figure created (draft)",
    "measurement.updated": "Figure changed",
    "measurement.submitted": "Figure submitted",
    "measurement.approved": "Figure approved",
    "measurement.returned": "Figure returned",
    "measurement.deleted": "Figure deleted",
}

_PAST = {
    EventAction.CREATE: "created",
    EventAction.UPDATE: "updated",
    EventAction.DELETE: "deleted",
}


def event_type_for(*, object_type: str, action: str, changes: dict[str, Any]) -> str | None:
    """The webhook event type of one activity event, or None when none is offered."""
    name = _RESOURCE_NAMES.get(object_type)
    if name is None:
        return None
    status = changes.get("status")
    if name == "measurement" and action != EventAction.DELETE and status is not None:
        new_status = status[-1] if isinstance(status, list) else status
        if new_status in ("submitted", "approved", "returned"):
            return f"measurement.{new_status}"
    if name == "partnership" and action == EventAction.UPDATE and "status" in changes:
        return "partnership.status_changed"
    if name == "member":
        left = changes.get("left_on")
        if action == EventAction.CREATE:
            return "member.added"
        if action == EventAction.DELETE or (isinstance(left, list) and left[-1] is not None):
            return "member.removed"
        return "member.updated"
    if name == "progress_update":
        return "progress_update.posted" if action == EventAction.CREATE else None
    event_type = f"{name}.{_PAST[EventAction(action)]}"
    return event_type if event_type in EVENT_TYPES else None


# --- The apps' serializers ---------------------------------------------------------------

SerializerFn = Callable[[Workspace, int], dict[str, Any] | None]
_resources: dict[str, SerializerFn] = {}


def register_webhook_resource(object_type: str, serializer_fn: SerializerFn) -> None:
    """``serializer_fn(workspace, object_id)`` answers the object as the API returns it
    (or None when it no longer exists). Called inside the workspace's context."""
    _resources[object_type] = serializer_fn


def resource_data(*, workspace: Workspace, object_type: str, object_id: int) -> dict[str, Any]:
    serializer_fn = _resources.get(object_type)
    data = serializer_fn(workspace, object_id) if serializer_fn else None
    if data is None:
        return {"id": object_id}
    # Exactly the API's JSON: decimals, dates and UUIDs rendered as the API renders them.
    return json.loads(JSONRenderer().render(data))


def build_payload(
    *, workspace: Workspace, event_id: uuid.UUID, event_type: str, created_at: datetime, data: Any
) -> dict[str, Any]:
    return {
        "id": str(event_id),
        "type": event_type,
        "created_at": created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "workspace": workspace.slug,
        "data": data,
    }


# --- The fan-out (inside the change's transaction) ---------------------------------------


def subscribed_endpoint_ids(*, workspace: Workspace, event_type: str) -> list[int]:
    """One query: the workspace's active endpoints (few), filtered by their event list."""
    rows = (
        WebhookEndpoint.objects.for_workspace(workspace)
        .filter(active=True)
        .values_list("id", "events")
    )
    return [pk for pk, events in rows if event_type in (events or [])]


def webhooks_on_event(*, workspace: Workspace, event: ActivityEvent) -> int:
    """Write the deliveries of one activity event; answers how many."""
    event_type = event_type_for(
        object_type=event.object_type, action=event.action, changes=event.changes or {}
    )
    if event_type is None:
        return 0
    endpoint_ids = subscribed_endpoint_ids(workspace=workspace, event_type=event_type)
    if not endpoint_ids:
        return 0
    if event.action == EventAction.DELETE:
        data: dict[str, Any] = {"id": event.object_id, "deleted": True}
    else:
        data = resource_data(
            workspace=workspace, object_type=event.object_type, object_id=event.object_id
        )
    return deliveries_create(
        workspace=workspace,
        endpoint_ids=endpoint_ids,
        event_type=event_type,
        data=data,
        created_at=event.created_at,
    )


def deliveries_create(
    *,
    workspace: Workspace,
    endpoint_ids: list[int],
    event_type: str,
    data: Any,
    created_at: datetime | None = None,
) -> int:
    """One delivery per endpoint of one event (one shared event id), sent on commit."""
    now = timezone.now()
    event_id = uuid.uuid4()
    payload = build_payload(
        workspace=workspace,
        event_id=event_id,
        event_type=event_type,
        created_at=created_at or now,
        data=data,
    )
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                workspace=workspace,
                endpoint_id=endpoint_id,
                event_id=event_id,
                event_type=event_type,
                payload=payload,
                state=DeliveryState.PENDING,
                next_attempt_at=now,
            )
            for endpoint_id in endpoint_ids
        ]
    )
    enqueue_sender(workspace.pk)
    return len(endpoint_ids)


def enqueue_sender(workspace_id: int) -> None:
    """Enqueue the workspace's sender after commit. A broker outage only delays the
    deliveries: the beat's sweep sends due rows every minute."""

    def send() -> None:
        from partnerhub.tasks import webhooks_send_workspace

        try:
            webhooks_send_workspace.delay(workspace_id)
        except Exception:  # the outbox row is safe; the beat picks it up
            logger.exception("could not enqueue webhook sender for workspace %s", workspace_id)

    transaction.on_commit(send)


# --- Secrets and signatures ------------------------------------------------------------


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature_header(*, secret: str, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    signed = f"{t}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def encode_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


# --- Server-side request forgery guard -------------------------------------------------


def allow_private_targets() -> bool:
    return bool(settings.WEBHOOK_ALLOW_PRIVATE_TARGETS)


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


Resolver = Callable[..., list[Any]]


def checked_target(
    url: str, *, resolver: Resolver = socket.getaddrinfo
) -> tuple[str, str, int, list[str]]:
    """(scheme, host, port, addresses) of an allowed target, else ValidationError.

    In production only https to hosts whose every address is public; with
    WEBHOOK_ALLOW_PRIVATE_TARGETS (development, tests) http and private addresses too.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    allow_private = allow_private_targets()
    allowed_schemes = ("https", "http") if allow_private else ("https",)
    if scheme not in allowed_schemes:
        raise ValidationError({"url": "The URL must start with https://."})
    host = parts.hostname
    if not host or parts.username or parts.password:
        raise ValidationError({"url": "Give a host name, without a user name or password."})
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise ValidationError({"url": "The port is not valid."}) from exc
    try:
        infos = resolver(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise ValidationError({"url": f"The host {host} could not be resolved."}) from exc
    addresses = sorted({str(info[4][0]) for info in infos})
    if not addresses:
        raise ValidationError({"url": f"The host {host} could not be resolved."})
    if not allow_private and not all(_public(address) for address in addresses):
        raise ValidationError(
            {"url": "The URL points to a private, loopback or reserved address; not allowed."}
        )
    return scheme, host, port, addresses
