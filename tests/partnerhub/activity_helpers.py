"""Reading the activity trail in tests."""

from __future__ import annotations

from partnerhub.models import ActivityEvent, Workspace
from partnerhub.tenancy import workspace_context


def events_of(workspace: Workspace, **filters: object) -> list[ActivityEvent]:
    """The workspace's events, oldest first."""
    with workspace_context(workspace):
        return list(
            ActivityEvent.objects.for_workspace(workspace)
            .filter(**filters)
            .select_related("actor_user", "actor_key")
            .order_by("created_at", "id")
        )


def last_event_id(workspace: Workspace) -> int:
    events = events_of(workspace)
    return events[-1].pk if events else 0
