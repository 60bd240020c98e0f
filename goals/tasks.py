"""Celery tasks of the goals app: thin, they call a service per workspace."""

from __future__ import annotations

import logging

from celery import shared_task

from partnerhub.models import Workspace
from partnerhub.tenancy import tenant_task

logger = logging.getLogger(__name__)


@tenant_task
def _refresh_workspace(workspace_id: int) -> int:
    from goals.services import goals_refresh_statuses

    return goals_refresh_statuses(workspace=Workspace.objects.get(pk=workspace_id))


@shared_task(name="goals.tasks.refresh_goal_statuses")
def refresh_goal_statuses() -> int:
    """Nightly: goals' derived statuses follow the calendar (overdue milestones, pace)."""
    changed = 0
    for workspace_id in Workspace.objects.order_by("id").values_list("pk", flat=True):
        changed += _refresh_workspace(workspace_id)
    logger.info("goal statuses refreshed: %s changed", changed)
    return changed
