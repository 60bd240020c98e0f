"""What every page's navigation needs: the user's workspaces and the current one."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from partnerhub.permissions import Action
from partnerhub.selectors import memberships_of_user
from partnerhub.selectors_reminders import UNREAD_COUNT_CAP, unread_count


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool


class NavLinks(list[NavLink]):
    """The workspace navigation's links; ``html`` is their ``<li>`` items, written once
    per distinct list (labels, URLs and the current one) in the process rather than
    through the template's loop on every page."""

    @property
    def html(self) -> SafeString:
        return _nav_items_html(tuple((link.label, link.url, link.current) for link in self))


@functools.lru_cache(maxsize=4096)
def _nav_items_html(links: tuple[tuple[str, str, bool], ...]) -> SafeString:
    return SafeString(
        "".join(
            format_html(
                '\n          <li><a href="{}"{}>{}</a></li>',
                url,
                SafeString(' aria-current="page"') if current else "",
                label,
            )
            for label, url, current in links
        )
    )


# The site's own pages every page links to (the brand, the account menu), reversed once
# per URLconf and script prefix.
_SITE_URL_NAMES = ("home", "account_email", "mfa_index", "account_logout", "account_login")


def site_url(name: str) -> str:
    """``reverse(name)`` for one of ``_SITE_URL_NAMES``, from the process's copy."""
    return _site_urls(_resolving())[name]


@functools.lru_cache(maxsize=64)
def _site_urls(resolving: tuple[str, str]) -> dict[str, str]:
    return {name: reverse(name, urlconf=resolving[0]) for name in _SITE_URL_NAMES}


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
            "indicator_list",
            "indicator_create",
            "indicator_detail",
            "indicator_edit",
            "indicator_delete",
            "period_target",
            "measurement_detail",
            "measurement_import",
            "measurement_import_detail",
            "health_round_list",
            "health_round_create",
            "health_round_edit",
            "health_round_answer",
            "health_round_results",
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
    ("Settings", "workspace_settings", Action.MANAGE_WORKSPACE, ("reminder_policy",)),
    (
        "Members",
        "workspace_members",
        Action.MANAGE_WORKSPACE,
        ("workspace_member", "workspace_member_remove"),
    ),
    ("Invitations", "workspace_invitations", Action.MANAGE_WORKSPACE, ()),
    ("API keys", "workspace_api_keys", Action.MANAGE_WORKSPACE, ()),
)


@functools.lru_cache(maxsize=2048)
def _link_urls(
    slug: str, resolving: tuple[str, str]
) -> tuple[tuple[str, str, Action, tuple[str, ...], str], ...]:
    """The workspace's links with their URLs, reversed once per workspace (and URLconf)
    rather than on every page: (label, URL name, action, inside, URL)."""
    links = []
    for label, url_name, action, inside in _WORKSPACE_LINKS:
        try:
            url = reverse(url_name, urlconf=resolving[0], kwargs={"workspace_slug": slug})
        except NoReverseMatch:
            continue
        links.append((label, url_name, action, inside, url))
    return tuple(links)


def _resolving() -> tuple[str, str]:
    """What a reversed URL depends on besides its arguments (the cache keys' part)."""
    return get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()


def _workspace_links(request: HttpRequest) -> NavLinks:
    workspace = getattr(request, "workspace", None)
    access = getattr(request, "access", None)
    if workspace is None or access is None:
        return NavLinks()
    match = getattr(request, "resolver_match", None)
    current_name = match.url_name if match else None
    return NavLinks(
        NavLink(label=label, url=url, current=current_name == url_name or current_name in inside)
        for label, url_name, action, inside, url in _link_urls(workspace.slug, _resolving())
        if access.can(action)
    )


class NotificationsLink:
    """The navigation's "Notifications (3)": the unread count is one query on the partial
    index of unread reminders, run only when a page renders it, and at most once; none
    when the page read it with its own reads (``request.nav_unread``, the dashboard)."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request
        workspace = request.workspace  # type: ignore[attr-defined]
        self.url = _notifications_url(workspace.slug, _resolving())
        match = getattr(request, "resolver_match", None)
        self.current = bool(match) and match.url_name in (  # type: ignore[union-attr]
            "notification_list",
            "notification_settings",
        )

    @cached_property
    def unread(self) -> int:
        known = getattr(self._request, "nav_unread", None)
        if known is not None:
            return int(known)
        return unread_count(
            workspace=self._request.workspace,  # type: ignore[attr-defined]
            user=self._request.user,  # type: ignore[arg-type]
        )

    @cached_property
    def unread_label(self) -> str:
        """The count as shown: empty for none, "99+" past the counting cap."""
        count = self.unread
        if count >= UNREAD_COUNT_CAP:
            return f"{UNREAD_COUNT_CAP - 1}+"
        return str(count) if count else ""


@functools.lru_cache(maxsize=2048)
def _notifications_url(slug: str, resolving: tuple[str, str]) -> str:
    return reverse("notification_list", urlconf=resolving[0], kwargs={"workspace_slug": slug})


def _notifications_link(request: HttpRequest) -> NotificationsLink | None:
    # A person's own reminders: only for a member (not an API key) inside a workspace.
    if getattr(request, "workspace", None) is None or getattr(request, "membership", None) is None:
        return None
    try:
        return NotificationsLink(request)
    except NoReverseMatch:
        return None


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # A workspace page read them with its membership (partnerhub.web); elsewhere the
    # queryset is evaluated only by a page that renders the switcher.
    memberships = getattr(request, "nav_memberships", None)
    return {
        "nav_memberships": memberships_of_user(user=user) if memberships is None else memberships,
        "current_workspace": getattr(request, "workspace", None),
        "current_membership": getattr(request, "membership", None),
        "workspace_nav": _workspace_links(request),
        "nav_notifications": _notifications_link(request),
    }
