"""Invitations: the admin's page (list, invite, resend, revoke) and the public accept flow."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View
from django.views.generic import FormView

from partnerhub.accounts import PENDING_INVITATION_SESSION_KEY
from partnerhub.forms_invitations import InvitationForm
from partnerhub.models import Invitation
from partnerhub.permissions import Action
from partnerhub.selectors import invitation_list
from partnerhub.services.invitations import (
    WRONG_EMAIL,
    InvitationError,
    invitation_accept,
    invitation_create,
    invitation_email_matches,
    invitation_get_by_token,
    invitation_problem,
    invitation_resend,
    invitation_revoke,
)
from partnerhub.tenancy import activate_workspace
from partnerhub.web import WorkspaceViewMixin, get_or_404

# --- Admin pages: /w/<slug>/invitations/ ------------------------------------------------


class InvitationListView(WorkspaceViewMixin, FormView):
    required_action = Action.MANAGE_WORKSPACE
    template_name = "partnerhub/invitations/list.html"
    form_class = InvitationForm

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["workspace"] = self.workspace
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["invitations"] = list(invitation_list(workspace=self.workspace))
        context["ttl_days"] = settings.INVITATION_TTL_DAYS
        return context

    def form_valid(self, form: InvitationForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            invitation, _raw_token = invitation_create(
                workspace=self.workspace,
                actor=self.request.user,  # type: ignore[arg-type]
                email=data["email"],
                role=data["role"],
                organization=data.get("organization"),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Invitation sent to {invitation.email}.")
        return redirect("workspace_invitations", workspace_slug=self.workspace.slug)


class _InvitationActionView(WorkspaceViewMixin, View):
    """A POST on one invitation of this workspace (another workspace's id is a 404)."""

    required_action = Action.MANAGE_WORKSPACE
    http_method_names = ["post"]

    def act(self, invitation: Invitation) -> str:
        raise NotImplementedError

    def post(self, request: HttpRequest, workspace_slug: str, pk: int) -> HttpResponse:
        invitation = get_or_404(invitation_list(workspace=self.workspace).get, pk=pk)
        try:
            messages.success(request, self.act(invitation))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("workspace_invitations", workspace_slug=self.workspace.slug)


class InvitationResendView(_InvitationActionView):
    def act(self, invitation: Invitation) -> str:
        invitation_resend(
            workspace=self.workspace,
            actor=self.request.user,  # type: ignore[arg-type]
            invitation=invitation,
        )
        return f"Invitation sent again to {invitation.email}; the earlier link no longer works."


class InvitationRevokeView(_InvitationActionView):
    def act(self, invitation: Invitation) -> str:
        invitation_revoke(
            workspace=self.workspace,
            actor=self.request.user,  # type: ignore[arg-type]
            invitation=invitation,
        )
        return f"Invitation of {invitation.email} revoked."


# --- Public accept flow: /invitations/<token>/ ------------------------------------------

_STATUS = {
    InvitationError.EXPIRED: 410,
    InvitationError.REVOKED: 410,
    InvitationError.USED: 410,
    InvitationError.WRONG_EMAIL: 403,
}


def _problem_page(
    request: HttpRequest,
    *,
    status: int,
    message: str,
    invitation: Invitation | None = None,
) -> HttpResponse:
    request.session.pop(PENDING_INVITATION_SESSION_KEY, None)
    context = {"message": message, "invitation": invitation, "status": status}
    return render(request, "partnerhub/invitations/problem.html", context, status=status)


def _error_page(request: HttpRequest, exc: ValidationError, invitation: Invitation) -> HttpResponse:
    status = _STATUS.get(getattr(exc, "code", None) or "", 400)
    return _problem_page(request, status=status, message=exc.messages[0], invitation=invitation)


class InvitationAcceptView(View):
    """Anyone holding the emailed link may open it; only the invited address may accept."""

    template_name = "partnerhub/invitations/accept.html"

    def _lookup(self, request: HttpRequest, token: str) -> Invitation | HttpResponse:
        try:
            invitation = invitation_get_by_token(raw_token=token)
        except Invitation.DoesNotExist:
            return _problem_page(
                request,
                status=404,
                message="This invitation link is not valid. Check that you copied all of it.",
            )
        problem = invitation_problem(invitation)
        if problem is not None:
            return _error_page(request, problem, invitation)
        return invitation

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        found = self._lookup(request, token)
        if isinstance(found, HttpResponse):
            return found
        invitation = found
        # The organization a partner will represent is a tenant row.
        activate_workspace(invitation.workspace)
        context: dict[str, Any] = {"invitation": invitation, "token": token}
        if not request.user.is_authenticated:
            # Sign-up or log-in brings the person back here.
            request.session[PENDING_INVITATION_SESSION_KEY] = token
            # The token arrived by email, which proves the address: sign-up needs no
            # separate confirmation when it uses this address.
            get_adapter(request).stash_verified_email(request, invitation.email)
            return render(request, self.template_name, context)
        if not invitation_email_matches(invitation=invitation, user=request.user):  # type: ignore[arg-type]
            return _problem_page(
                request,
                status=403,
                message=WRONG_EMAIL,
                invitation=invitation,
            )
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        found = self._lookup(request, token)
        if isinstance(found, HttpResponse):
            return found
        invitation = found
        if not request.user.is_authenticated:
            request.session[PENDING_INVITATION_SESSION_KEY] = token
            return redirect_to_login(request.get_full_path())
        try:
            membership = invitation_accept(raw_token=token, user=request.user)  # type: ignore[arg-type]
        except ValidationError as exc:
            if getattr(exc, "code", None) == InvitationError.ALREADY_MEMBER:
                request.session.pop(PENDING_INVITATION_SESSION_KEY, None)
                messages.info(request, exc.messages[0])
                return redirect("workspace_overview", workspace_slug=invitation.workspace.slug)
            return _error_page(request, exc, invitation)
        request.session.pop(PENDING_INVITATION_SESSION_KEY, None)
        role = membership.get_role_display().lower()
        messages.success(request, f"Welcome to {membership.workspace.name}. You joined as {role}.")
        return redirect("workspace_overview", workspace_slug=membership.workspace.slug)
