"""Shared set-up of the webhook tests."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.utils import timezone

from goals.models import Milestone
from goals.services import goal_create, milestone_create, milestone_update
from partnerhub.models import WebhookDelivery, WebhookEndpoint, Workspace
from partnerhub.services.webhooks import webhook_endpoint_create
from partnerhub.tenancy import workspace_context
from partners.services.partnerships import partnership_create
from tests.conftest import Cast


def unique(label: str) -> str:
    return f"{label} {secrets.token_hex(4)}"


def make_endpoint(
    cast: Cast, *, events: list[str], url: str = "http://127.0.0.1:9/hook"
) -> tuple[WebhookEndpoint, str]:
    """Needs WEBHOOK_ALLOW_PRIVATE_TARGETS (a loopback URL)."""
    with workspace_context(cast.workspace):
        return webhook_endpoint_create(
            workspace=cast.workspace, actor=cast.admin, url=url, events=events
        )


def make_milestone(cast: Cast) -> Milestone:
    with workspace_context(cast.workspace):
        goal = goal_create(
            workspace=cast.workspace,
            actor=cast.coordinator,
            partnership=partnership_create(
                workspace=cast.workspace,
                actor=cast.coordinator,
                name=unique("Hook partnership"),
                model="cross_sector",
            ),
            title=unique("Hook goal"),
        )
        return milestone_create(
            workspace=cast.workspace,
            actor=cast.coordinator,
            goal=goal,
            title=unique("Hook milestone"),
            due_date=timezone.localdate() + timedelta(days=30),
        )


def update_milestone(cast: Cast, milestone: Milestone, **changes: Any) -> Milestone:
    with workspace_context(cast.workspace):
        fresh = Milestone.objects.for_workspace(cast.workspace).get(pk=milestone.pk)
        return milestone_update(
            workspace=cast.workspace, actor=cast.coordinator, milestone=fresh, **changes
        )


def deliveries_of(workspace: Workspace, **filters: Any) -> list[WebhookDelivery]:
    with workspace_context(workspace):
        return list(
            WebhookDelivery.objects.for_workspace(workspace).filter(**filters).order_by("id")
        )
