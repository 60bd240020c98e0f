"""Who may do what inside a workspace: the access table of DESIGN.md, once.

HTML views and API views both ask ``can(role, action)``; nothing else decides access.
API keys act with a role too: a read key as a viewer, a write key as a coordinator
(keys never manage the workspace itself).
"""

from __future__ import annotations

from enum import StrEnum

from partnerhub.models import ApiKeyScope, Role


class Action(StrEnum):
    MANAGE_WORKSPACE = "manage_workspace"  # settings, members, invitations, API keys, webhooks
    EDIT_CONTENT = (
        "edit_content"  # organizations, partnerships, goals, milestones, indicators, roles
    )
    REPORT_PROGRESS = "report_progress"  # progress updates and measurements (own org for partners)
    REVIEW_MEASUREMENTS = "review_measurements"
    VIEW_DIRECTORY = "view_directory"
    VIEW_ALL_PARTNERSHIPS = "view_all_partnerships"  # partners see only their own
    VIEW_WORKSPACE = "view_workspace"


_TABLE: dict[Action, frozenset[str]] = {
    Action.MANAGE_WORKSPACE: frozenset({Role.ADMIN}),
    Action.EDIT_CONTENT: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Action.REPORT_PROGRESS: frozenset({Role.ADMIN, Role.COORDINATOR, Role.PARTNER}),
    Action.REVIEW_MEASUREMENTS: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Action.VIEW_DIRECTORY: frozenset({Role.ADMIN, Role.COORDINATOR, Role.PARTNER, Role.VIEWER}),
    Action.VIEW_ALL_PARTNERSHIPS: frozenset({Role.ADMIN, Role.COORDINATOR, Role.VIEWER}),
    Action.VIEW_WORKSPACE: frozenset({Role.ADMIN, Role.COORDINATOR, Role.PARTNER, Role.VIEWER}),
}

API_KEY_ROLES: dict[str, str] = {
    ApiKeyScope.READ: Role.VIEWER,
    ApiKeyScope.WRITE: Role.COORDINATOR,
}


def can(role: str | None, action: Action) -> bool:
    return role is not None and role in _TABLE[action]


def allowed_actions(role: str | None) -> frozenset[Action]:
    return frozenset(action for action in Action if can(role, action))
