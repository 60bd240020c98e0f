"""The signed-in home page (your workspaces) and a workspace's landing page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.generic import TemplateView

from partnerhub.selectors import memberships_of_user
from partnerhub.web import WorkspaceViewMixin


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = list(memberships_of_user(user=request.user))
    if len(memberships) == 1 and request.GET.get("stay") is None:
        return redirect("workspace_overview", workspace_slug=memberships[0].workspace.slug)
    return render(request, "partnerhub/home.html", {"memberships": memberships})


class WorkspaceOverviewView(WorkspaceViewMixin, TemplateView):
    template_name = "partnerhub/workspace_overview.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(**kwargs)
