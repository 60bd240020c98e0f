"""Where the roles app's objects are shown, for the core's activity trail. Registered
from ``RolesConfig.ready()``: a role assignment is a cell of its partnership's RACI
matrix, and its event carries the partnership's id (no query)."""

from __future__ import annotations

from partnerhub.links import workspace_url
from partnerhub.models import ActivityEvent
from partnerhub.selectors_activity import register_object_link


def _matrix_link(event: ActivityEvent, workspace_slug: str) -> str | None:
    if event.partnership_id is None:
        return None
    return workspace_url("raci_matrix", workspace_slug, event.partnership_id)


def register() -> None:
    register_object_link("roles.roleassignment", _matrix_link)
