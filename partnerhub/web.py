"""The base of every workspace HTML view (``/w/<workspace_slug>/...``).

It resolves the workspace and membership once (404 to non-members), sets the tenant for
the request's transaction (ATOMIC_REQUESTS), enforces the workspace's MFA requirement,
and checks the view's ``required_action`` against the access table (403 to members
whose role lacks it). Views then read through selectors with ``workspace=self.workspace``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.response import SimpleTemplateResponse

from partnerhub.access import WorkspaceAccess, resolve_member_access, user_has_mfa
from partnerhub.models import Membership, Workspace
from partnerhub.permissions import Action

T = TypeVar("T")


def attach_errors(form: Any, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on each field it names, and on the
    form as a whole for the rest (a dict naming no field, or a plain message)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def get_or_404(fetch: Callable[..., T], **kwargs: Any) -> T:
    """Call a selector that raises DoesNotExist; answer 404 instead."""
    try:
        return fetch(**kwargs)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Not found.") from exc


class WorkspaceViewMixin(LoginRequiredMixin):
    required_action: Action | None = Action.VIEW_WORKSPACE
    access: WorkspaceAccess
    workspace: Workspace
    membership: Membership | None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        # One query for the membership and the navigation's workspace switcher.
        self.access, memberships = resolve_member_access(
            user=request.user, workspace_slug=kwargs["workspace_slug"]
        )
        self.workspace = self.access.workspace
        self.membership = self.access.membership
        request.workspace = self.workspace  # type: ignore[attr-defined]
        request.membership = self.membership  # type: ignore[attr-defined]
        request.access = self.access  # type: ignore[attr-defined]
        request.nav_memberships = memberships  # type: ignore[attr-defined]
        if self.workspace.require_mfa and not user_has_mfa(request.user):
            return render(
                request, "partnerhub/mfa_required.html", {"workspace": self.workspace}, status=403
            )
        if self.required_action is not None and not self.access.can(self.required_action):
            raise PermissionDenied("Your role in this workspace does not allow this.")
        response = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        # Render inside the request's transaction: the workspace setting ends with it, so
        # a TemplateResponse rendered later would run its lazy tenant querysets (a form's
        # organization choices, say) after the commit and, under RLS, see no rows.
        if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
            response.render()
        return response  # type: ignore[no-any-return,return-value]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.update(workspace=self.workspace, membership=self.membership, access=self.access)
        return context
