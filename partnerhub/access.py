"""One access-checked fetch of the workspace, for HTML views and API views alike.

The tenant comes from the URL slug plus the user's membership (or the API key's own
workspace), never from a request body. Anything that is not yours is a 404 — the same
answer for "does not exist" and "not yours", so there is no existence oracle.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from partnerhub.models import ApiKey, Membership, Workspace
from partnerhub.permissions import API_KEY_ROLES, Action, can
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


def resolve_member_access(  # type: ignore[no-untyped-def]
    *, user, workspace_slug: str
) -> tuple[WorkspaceAccess, list[Membership]]:
    """``resolve_workspace_access`` for a signed-in person on an HTML page, which also
    needs every workspace of theirs (the navigation's switcher): one query reads all
    their memberships, with workspace and organization, and the one of ``workspace_slug``
    is picked from them (Http404 when there is none). Returns the access and the
    memberships in the switcher's order."""
    # Not joined to their organizations: those rows are under Row-Level Security and no
    # workspace is set yet (the join would find none). The chosen membership's
    # organization loads on first use, after activate_workspace below.
    memberships = list(memberships_of_user(user=user))
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
