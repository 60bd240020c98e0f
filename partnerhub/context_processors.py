"""What every page's navigation needs: the user's workspaces and the current one."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from partnerhub.permissions import Action
from partnerhub.selectors import memberships_of_user


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool


# (label, URL name, the action the link needs, URL names that count as "inside" it).
# Links whose URL is not (yet) part of the project are left out rather than breaking pages.
_WORKSPACE_LINKS: tuple[tuple[str, str, Action, tuple[str, ...]], ...] = (
    ("Overview", "workspace_overview", Action.VIEW_WORKSPACE, ()),
    ("My work", "my_work", Action.REPORT_PROGRESS, ("milestone_update",)),
    (
        "Organizations",
        "organization_list",
        Action.VIEW_DIRECTORY,
        (
            "organization_detail",
            "organization_create",
            "organization_edit",
            "organization_delete",
            "organization_import",
            "organization_import_detail",
        ),
    ),
    (
        "Partnerships",
        "partnership_list",
        Action.VIEW_WORKSPACE,
        (
            "partnership_detail",
            "partnership_create",
            "partnership_edit",
            "partnership_status",
            "partnership_member_add",
            "partnership_member_edit",
            "partnership_conditions",
            "commitment_create",
            "commitment_delivery_add",
            "document_upload",
            "partnership_suggestions",
            "goal_list",
            "goal_create",
            "goal_detail",
            "goal_edit",
            "goal_delete",
            "milestone_create",
            "milestone_detail",
            "milestone_edit",
            "milestone_delete",
            "raci_matrix",
        ),
    ),
    ("My figures", "my_figures", Action.REPORT_PROGRESS, ("measurement_report",)),
    (
        "Portfolio",
        "impact_portfolio",
        Action.VIEW_ALL_PARTNERSHIPS,
        ("partnership_dashboard", "impact_report"),
    ),
    ("Review figures", "measurement_review_queue", Action.REVIEW_MEASUREMENTS, ()),
    ("Missing data", "missing_data", Action.REVIEW_MEASUREMENTS, ()),
    ("Activity", "workspace_activity", Action.VIEW_WORKSPACE, ("partnership_activity",)),
    ("Settings", "workspace_settings", Action.MANAGE_WORKSPACE, ()),
    (
        "Members",
        "workspace_members",
        Action.MANAGE_WORKSPACE,
        ("workspace_member", "workspace_member_remove"),
    ),
    ("Invitations", "workspace_invitations", Action.MANAGE_WORKSPACE, ()),
    ("API keys", "workspace_api_keys", Action.MANAGE_WORKSPACE, ()),
)


def _workspace_links(request: HttpRequest) -> list[NavLink]:
    workspace = getattr(request, "workspace", None)
    access = getattr(request, "access", None)
    if workspace is None or access is None:
        return []
    match = getattr(request, "resolver_match", None)
    current_name = match.url_name if match else None
    links = []
    for label, url_name, action, inside in _WORKSPACE_LINKS:
        if not access.can(action):
            continue
        try:
            url = reverse(url_name, kwargs={"workspace_slug": workspace.slug})
        except NoReverseMatch:
            continue
        is_current = current_name == url_name or current_name in inside
        links.append(NavLink(label=label, url=url, current=is_current))
    return links


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        # Lazily evaluated: pages that do not render the switcher run no query.
        "nav_memberships": memberships_of_user(user=user),
        "current_workspace": getattr(request, "workspace", None),
        "current_membership": getattr(request, "membership", None),
        "workspace_nav": _workspace_links(request),
    }
