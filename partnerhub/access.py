"""One access-checked fetch of the workspace, for HTML views and API views alike.

The tenant comes from the URL slug plus the user's membership (or the API key's own
workspace), never from a request body. Anything that is not yours is a 404 — the same
answer for "does not exist" and "not yours", so there is no existence oracle.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.http import Http404

from partnerhub.models import ApiKey, Membership, Workspace
from partnerhub.permissions import API_KEY_ROLES, Action, can
from partnerhub.prepared import ModelColumns, prepared_cursor
from partnerhub.selectors import membership_for, memberships_of_user
from partnerhub.tenancy import activate_workspace


@dataclass(frozen=True)
class WorkspaceAccess:
    workspace: Workspace
    role: str
    membership: Membership | None = None  # None when an API key acts
    api_key: ApiKey | None = None

    @property
    def organization_id(self) -> int | None:
        """The organization a partner acts for (None for every other role)."""
        return self.membership.organization_id if self.membership else None

    def can(self, action: Action) -> bool:
        return can(self.role, action)


def resolve_workspace_access(
    *, user, workspace_slug: str, api_key: ApiKey | None = None
) -> WorkspaceAccess:  # type: ignore[no-untyped-def]
    """Resolve and activate the workspace for this request, or raise Http404."""
    if api_key is not None:
        workspace = api_key.workspace
        if workspace.slug != workspace_slug:
            raise Http404("No such workspace.")
        access = WorkspaceAccess(
            workspace=workspace, role=API_KEY_ROLES[api_key.scope], api_key=api_key
        )
    else:
        membership = membership_for(user=user, workspace_slug=workspace_slug)
        if membership is None:
            raise Http404("No such workspace.")
        access = WorkspaceAccess(
            workspace=membership.workspace, role=membership.role, membership=membership
        )
    activate_workspace(access.workspace)
    return access


# Every membership of a person with its workspace, in the switcher's order
# (``memberships_of_user``: by workspace name; then by id, so that equal names keep one
# order). Constant SQL: every workspace page runs it, and building the queryset cost more
# than running it. Not joined to their organizations: those rows are under Row-Level
# Security and no workspace is set yet (the join would find none); the chosen
# membership's organization loads on first use, after ``activate_workspace``.
# Prepared once per connection (partnerhub.prepared).
_MEMBERSHIP = ModelColumns(Membership, "m")
_WORKSPACE = ModelColumns(Workspace, "w")
_MEMBERSHIPS_SQL = f"""
    SELECT {_MEMBERSHIP.sql}, {_WORKSPACE.sql}
      FROM {Membership._meta.db_table} m
      JOIN {Workspace._meta.db_table} w ON w.id = m.workspace_id
     WHERE m.user_id = %s
     ORDER BY w.name, m.id
"""  # noqa: S608 -- table and column names are the models'; the user id is a parameter


def _memberships_with_workspaces(user) -> list[Membership]:  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        # SQLite answers date-times as text, which only the ORM's converters turn back.
        return list(memberships_of_user(user=user))
    n = _MEMBERSHIP.count
    memberships = []
    with prepared_cursor() as cursor:
        cursor.execute(_MEMBERSHIPS_SQL, [user.pk])
        for row in cursor.fetchall():
            membership = _MEMBERSHIP.instance(row[:n])
            membership.workspace = _WORKSPACE.instance(row[n:])
            memberships.append(membership)
    return memberships


def resolve_member_access(  # type: ignore[no-untyped-def]
    *, user, workspace_slug: str
) -> tuple[WorkspaceAccess, list[Membership]]:
    """``resolve_workspace_access`` for a signed-in person on an HTML page, which also
    needs every workspace of theirs (the navigation's switcher): one query reads all
    their memberships, with workspace (``memberships_of_user``'s answer), and the one of
    ``workspace_slug`` is picked from them (Http404 when there is none). Returns the
    access and the memberships in the switcher's order."""
    memberships = _memberships_with_workspaces(user)
    membership = next((m for m in memberships if m.workspace.slug == workspace_slug), None)
    if membership is None:
        raise Http404("No such workspace.")
    access = WorkspaceAccess(
        workspace=membership.workspace, role=membership.role, membership=membership
    )
    activate_workspace(access.workspace)
    return access, memberships


def user_has_mfa(user) -> bool:  # type: ignore[no-untyped-def]
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
