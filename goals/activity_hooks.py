"""Where the goals app's objects are shown, for the core's activity trail. Registered
from ``GoalsConfig.ready()``.

Every link is built from the event alone (no query): a goal or milestone event names its
object, and the events of progress updates and comments carry their milestone's id in
``changes`` (the services record it). A page of events therefore costs no extra query,
however many goal events it holds.
"""

from __future__ import annotations

from typing import Any

from partnerhub.links import workspace_url
from partnerhub.models import ActivityEvent, EventAction
from partnerhub.selectors_activity import register_object_link


def _id(value: Any) -> int | None:
    """An id stored in an event's ``changes`` ([before, after] for updates), or None."""
    if isinstance(value, list) and len(value) == 2:
        value = value[1]
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _goal_list(event: ActivityEvent, workspace_slug: str) -> str | None:
    if event.partnership_id is None:
        return None
    return workspace_url("goal_list", workspace_slug, event.partnership_id)


def _goal_link(event: ActivityEvent, workspace_slug: str) -> str | None:
    if event.action == EventAction.DELETE:  # gone: its partnership's goals instead
        return _goal_list(event, workspace_slug)
    return workspace_url("goal_detail", workspace_slug, event.object_id)


def _milestone_link(event: ActivityEvent, workspace_slug: str) -> str | None:
    if event.action == EventAction.DELETE:  # gone: its partnership's goals instead
        return _goal_list(event, workspace_slug)
    return workspace_url("milestone_detail", workspace_slug, event.object_id)


def _on_milestone_link(event: ActivityEvent, workspace_slug: str) -> str | None:
    """A progress update or comment: on its milestone's page."""
    milestone_id = _id((event.changes or {}).get("milestone"))
    if milestone_id is None:
        return _goal_list(event, workspace_slug)
    return workspace_url("milestone_detail", workspace_slug, milestone_id)


def register() -> None:
    register_object_link("goals.sharedgoal", _goal_link)
    register_object_link("goals.milestone", _milestone_link)
    register_object_link("goals.progressupdate", _on_milestone_link)
    register_object_link("goals.comment", _on_milestone_link)
