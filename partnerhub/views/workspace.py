"""Workspace admin pages: settings and members (admins only).

Thin views: parse the form, call a service, redirect with a message (POST/redirect/GET).
A service's ValidationError is shown on the form, never as a server error.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView

from partnerhub.access import user_has_mfa
from partnerhub.forms_workspace import MembershipForm, WorkspaceSettingsForm
from partnerhub.models import Membership
from partnerhub.permissions import Action, can
from partnerhub.selectors import member_get, member_list
from partnerhub.services.memberships import (
    membership_remove,
    membership_update,
    workspace_update_settings,
)
from partnerhub.web import WorkspaceViewMixin, attach_errors, get_or_404


class WorkspaceSettingsView(WorkspaceViewMixin, FormView):
    required_action = Action.MANAGE_WORKSPACE
    template_name = "partnerhub/workspace/settings.html"
    form_class = WorkspaceSettingsForm

    def get_initial(self) -> dict[str, Any]:
        return WorkspaceSettingsForm.initial_for(self.workspace)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        if self.request.method == "POST":
            kwargs["has_own_mfa"] = self.workspace.require_mfa or user_has_mfa(self.request.user)
        return kwargs

    def form_valid(self, form: WorkspaceSettingsForm) -> HttpResponse:
        try:
            workspace_update_settings(
                workspace=self.workspace,
                actor=self.request.user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
                timezone=form.cleaned_data["timezone"],
                require_mfa=form.cleaned_data["require_mfa"],
            )
        except ValidationError as exc:
            self.workspace.refresh_from_db()
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Workspace settings saved.")
        return redirect("workspace_settings", workspace_slug=self.workspace.slug)


class MemberListView(WorkspaceViewMixin, TemplateView):
    required_action = Action.MANAGE_WORKSPACE
    template_name = "partnerhub/workspace/members.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["members"] = list(member_list(workspace=self.workspace))
        return context


class _MemberMixin(WorkspaceViewMixin):
    """Fetches the member of the URL inside this workspace; any other pk is a 404."""

    required_action = Action.MANAGE_WORKSPACE
    template_name: str | None = "partnerhub/workspace/member_form.html"
    member: Membership

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.member_pk = kwargs["pk"]
        return super().dispatch(request, *args, **kwargs)

    def load_member(self) -> None:
        self.member = get_or_404(member_get, workspace=self.workspace, pk=self.member_pk)

    @property
    def is_self(self) -> bool:
        return self.member.user_id == self.request.user.pk  # type: ignore[attr-defined]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("remove_errors", [])
        context.update(member=self.member, is_self=self.is_self)
        return context


class MemberUpdateView(_MemberMixin, FormView):
    form_class = MembershipForm

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_member()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_member()
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["workspace"] = self.workspace
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        return {"role": self.member.role, "organization": self.member.organization_id}

    def form_valid(self, form: MembershipForm) -> HttpResponse:
        try:
            membership_update(
                workspace=self.workspace,
                actor=self.request.user,  # type: ignore[arg-type]
                membership=self.member,
                role=form.cleaned_data["role"],
                organization=form.cleaned_data["organization"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
            self.load_member()  # show what is saved, not the refused change
            return self.form_invalid(form)
        name, role = self.member.user.display_name, self.member.get_role_display().lower()
        messages.success(self.request, f"{name} is now {role}.")
        if self.is_self and not can(self.member.role, Action.MANAGE_WORKSPACE):
            # You just gave up admin rights: the members page is no longer yours to see.
            return redirect("workspace_overview", workspace_slug=self.workspace.slug)
        return redirect("workspace_members", workspace_slug=self.workspace.slug)


class MemberRemoveView(_MemberMixin, TemplateView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load_member()
        name, was_self = self.member.user.display_name, self.is_self
        try:
            membership_remove(
                workspace=self.workspace,
                actor=request.user,  # type: ignore[arg-type]
                membership=self.member,
            )
        except ValidationError as exc:
            # The edit page again, with the reason next to the remove button.
            form = MembershipForm(
                initial={"role": self.member.role, "organization": self.member.organization_id},
                workspace=self.workspace,
            )
            context = self.get_context_data(form=form, remove_errors=exc.messages)
            return self.render_to_response(context)
        if was_self:
            messages.success(request, f"You left {self.workspace.name}.")
            return HttpResponseRedirect(reverse("home") + "?stay=1")
        messages.success(request, f"{name} was removed from {self.workspace.name}.")
        return redirect("workspace_members", workspace_slug=self.workspace.slug)
