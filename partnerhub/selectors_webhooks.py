"""Reads of the admin's webhook pages."""

from __future__ import annotations

from django.db.models import QuerySet

from partnerhub.models import WebhookDelivery, WebhookEndpoint, Workspace

LOG_PAGE_SIZE = 50


def webhook_endpoint_list(*, workspace: Workspace) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.for_workspace(workspace).order_by("id")


def webhook_endpoint_get(*, workspace: Workspace, pk: int) -> WebhookEndpoint:
    """The endpoint, or WebhookEndpoint.DoesNotExist (also when it is not yours)."""
    return webhook_endpoint_list(workspace=workspace).get(pk=pk)


def webhook_delivery_get(
    *, workspace: Workspace, endpoint: WebhookEndpoint, pk: int
) -> WebhookDelivery:
    return WebhookDelivery.objects.for_workspace(workspace).get(endpoint=endpoint, pk=pk)


def webhook_delivery_page(
    *,
    workspace: Workspace,
    endpoint: WebhookEndpoint,
    before: int | None = None,
    size: int = LOG_PAGE_SIZE,
) -> tuple[list[WebhookDelivery], int | None]:
    """One page of the delivery log, newest first (keyset on id), and the cursor of the
    next page (None on the last). One query, whatever the number of rows."""
    deliveries = (
        WebhookDelivery.objects.for_workspace(workspace)
        .filter(endpoint=endpoint)
        .defer("payload")
        .order_by("-id")
    )
    if before is not None:
        deliveries = deliveries.filter(id__lt=before)
    rows = list(deliveries[: size + 1])
    next_before = rows[size - 1].pk if len(rows) > size else None
    return rows[:size], next_before
