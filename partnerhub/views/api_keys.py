"""The admin's API keys page: list, create (the key is shown once), revoke."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views import View
from django.views.generic import FormView

from partnerhub.forms_api_keys import ApiKeyCreateForm
from partnerhub.models import ApiKey, User
from partnerhub.permissions import Action
from partnerhub.selectors import api_key_list
from partnerhub.services.api_keys import api_key_create, api_key_revoke
from partnerhub.web import WorkspaceViewMixin, attach_errors, get_or_404


@dataclass(frozen=True)
class ApiKeyRow:
    key: ApiKey
    status: str  # active, expired, revoked

    @property
    def is_active(self) -> bool:
        return self.status == "active"


def _rows(keys: list[ApiKey]) -> list[ApiKeyRow]:
    now = timezone.now()
    rows = []
    for key in keys:
        if key.revoked_at is not None:
            status = "revoked"
        elif key.expires_at is not None and key.expires_at <= now:
            status = "expired"
        else:
            status = "active"
        rows.append(ApiKeyRow(key=key, status=status))
    return rows


def _zone(name: str) -> tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC


class ApiKeyListView(WorkspaceViewMixin, FormView):
    """GET lists the keys with an empty form; a valid POST creates a key and shows it once.

    The new key is rendered into this one response only: no redirect, no session, no URL
    carries it, so reloading or going back cannot show it again.
    """

    required_action = Action.MANAGE_WORKSPACE
    template_name = "partnerhub/api_keys/list.html"
    form_class = ApiKeyCreateForm

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["workspace"] = self.workspace
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["rows"] = _rows(list(api_key_list(workspace=self.workspace)))
        context["display_zone"] = _zone(self.workspace.timezone)
        return context

    def form_valid(self, form: ApiKeyCreateForm) -> HttpResponse:
        try:
            api_key, raw_key = api_key_create(
                workspace=self.workspace,
                actor=cast(User, self.request.user),
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_at=form.expires_at,
            )
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        context = self.get_context_data(
            form=self.form_class(workspace=self.workspace),
            new_key=api_key,
            raw_key=raw_key,
        )
        response = self.render_to_response(context)
        # The page holds a secret: no cache may keep it.
        response["Cache-Control"] = "no-store"
        return response


class ApiKeyRevokeView(WorkspaceViewMixin, View):
    required_action = Action.MANAGE_WORKSPACE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, workspace_slug: str, pk: int) -> HttpResponse:
        api_key = get_or_404(api_key_list(workspace=self.workspace).get, pk=pk)
        was_active = api_key.revoked_at is None
        api_key_revoke(workspace=self.workspace, actor=cast(User, request.user), api_key=api_key)
        if was_active:
            messages.success(request, f"API key “{api_key.name}” ({api_key.prefix}) revoked.")
        else:
            messages.info(request, f"API key “{api_key.name}” was already revoked.")
        return redirect("workspace_api_keys", workspace_slug=self.workspace.slug)
