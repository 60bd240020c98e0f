"""Goals' objects in webhook payloads, exactly as the API returns them."""

from __future__ import annotations

from typing import Any

from goals.models import Milestone, ProgressUpdate, SharedGoal
from goals.selectors import goal_get, milestone_get, progress_update_get
from goals.serializers import GoalSerializer, MilestoneSerializer, ProgressUpdateSerializer
from partnerhub.access import WorkspaceAccess
from partnerhub.models import Role, Workspace
from partnerhub.webhooks import register_webhook_resource


def _everything(workspace: Workspace) -> WorkspaceAccess:
    # A webhook goes to the workspace's own integration: it sees what an admin sees.
    return WorkspaceAccess(workspace=workspace, role=Role.ADMIN)


def goal_data(workspace: Workspace, pk: int) -> dict[str, Any] | None:
    try:
        goal = goal_get(workspace=workspace, access=_everything(workspace), pk=pk)
    except SharedGoal.DoesNotExist:
        return None
    return GoalSerializer(goal).data


def milestone_data(workspace: Workspace, pk: int) -> dict[str, Any] | None:
    try:
        milestone = milestone_get(workspace=workspace, access=_everything(workspace), pk=pk)
    except Milestone.DoesNotExist:
        return None
    return MilestoneSerializer(milestone).data


def progress_update_data(workspace: Workspace, pk: int) -> dict[str, Any] | None:
    try:
        update = progress_update_get(workspace=workspace, access=_everything(workspace), pk=pk)
    except ProgressUpdate.DoesNotExist:
        return None
    return ProgressUpdateSerializer(update).data


def register() -> None:
    register_webhook_resource("goals.sharedgoal", goal_data)
    register_webhook_resource("goals.milestone", milestone_data)
    register_webhook_resource("goals.progressupdate", progress_update_data)
