"""The signed-in home page (your workspaces) and a workspace's landing page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.generic import TemplateView

from partnerhub.models import Membership, Role
from partnerhub.organizations import organization_list
from partnerhub.permissions import Action
from partnerhub.selectors import invitation_pending_list, member_list, memberships_of_user
from partnerhub.web import WorkspaceViewMixin


def landing_url(membership: Membership) -> str:
    """Where a member lands in a workspace: partners on their work (the roles app's
    "My work" page, when installed), everyone else on the overview."""
    slug = membership.workspace.slug
    if membership.role == Role.PARTNER:
        try:
            return reverse("my_work", kwargs={"workspace_slug": slug})
        except NoReverseMatch:
            pass
    return reverse("workspace_overview", kwargs={"workspace_slug": slug})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = list(memberships_of_user(user=request.user))  # type: ignore[arg-type]
    if len(memberships) == 1 and request.GET.get("stay") is None:
        return redirect(landing_url(memberships[0]))
    return render(request, "partnerhub/home.html", {"memberships": memberships})


class WorkspaceOverviewView(WorkspaceViewMixin, TemplateView):
    """What the workspace holds, in counts, and for admins the ways to manage it."""

    template_name = "partnerhub/workspace_overview.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        is_admin = self.access.can(Action.MANAGE_WORKSPACE)
        context.update(
            is_admin=is_admin,
            organization_count=organization_list(workspace=self.workspace).count(),
            member_count=member_list(workspace=self.workspace).count(),
            pending_invitation_count=(
                invitation_pending_list(workspace=self.workspace).count() if is_admin else None
            ),
        )
        return context
