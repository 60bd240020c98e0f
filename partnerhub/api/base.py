"""The base of every workspace API view (``/api/v1/w/<workspace_slug>/...``).

Authentication and throttling run first (DRF), then the workspace is resolved once:
a session user must be a member, an API key must belong to this workspace — anything
else is a 404. The tenant is set for the request's transaction, and the view's
``read_action`` / ``write_action`` are checked against the access table (403).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from rest_framework import exceptions, generics, mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from partnerhub.access import WorkspaceAccess, resolve_workspace_access, user_has_mfa
from partnerhub.models import User, Workspace
from partnerhub.permissions import Action

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def acting_user(request: Request) -> User | None:
    """The person behind a request, for services' ``actor``; None when an API key acts."""
    user = request.user
    return user if isinstance(user, User) else None


class WorkspaceAPIMixin:
    read_action: Action = Action.VIEW_WORKSPACE
    write_action: Action = Action.EDIT_CONTENT
    # The model a list or detail view serves. Only the schema generator uses it (it has no
    # request and so no workspace); the data always comes from a selector.
    schema_model: type[models.Model] | None = None
    access: WorkspaceAccess
    workspace: Workspace

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        api_key = getattr(request.user, "api_key", None)
        self.access = resolve_workspace_access(
            user=request.user, workspace_slug=kwargs["workspace_slug"], api_key=api_key
        )
        self.workspace = self.access.workspace
        if api_key is None and self.workspace.require_mfa and not user_has_mfa(request.user):
            raise exceptions.PermissionDenied(
                "This workspace requires two-factor authentication; set it up first."
            )
        action = self.read_action if request.method in SAFE_METHODS else self.write_action
        if not self.access.can(action):
            raise exceptions.PermissionDenied("Your role or key scope does not allow this.")

    def get_object_or_404(self, fetch, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return fetch(**kwargs)
        except (ObjectDoesNotExist, ValueError, TypeError) as exc:
            raise exceptions.NotFound() from exc

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        # Lists carry an ETag of the page as served (its bytes, so its format too), so a
        # poller's If-None-Match is answered 304 while nothing on that page changed. The
        # body is rendered here once (rendering later finds it done) and hashed.
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if (
            request.method in ("GET", "HEAD")
            and getattr(self, "action", None) == "list"
            and isinstance(response, Response)
            and response.status_code == status.HTTP_200_OK
            and response.data is not None
            and not response.has_header("ETag")
        ):
            response.render()
            etag = etag_of_bytes(response.content)
            if etag_matches(request.headers.get("If-None-Match"), etag):
                not_modified = Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
                return super().finalize_response(request, not_modified, *args, **kwargs)  # type: ignore[misc]
            response["ETag"] = etag
        return response

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()  # type: ignore[misc]
        context["access"] = getattr(self, "access", None)
        context["workspace"] = getattr(self, "workspace", None)
        return context

    def get_queryset(self) -> models.QuerySet:
        if getattr(self, "swagger_fake_view", False) and self.schema_model is not None:
            # Schema generation: an empty queryset of the right model, never executed.
            return self.schema_model._default_manager.none()
        return self.workspace_queryset()

    def workspace_queryset(self) -> models.QuerySet:
        """This workspace's rows, from a selector taking ``workspace=self.workspace``."""
        raise NotImplementedError(f"{type(self).__name__} must implement workspace_queryset().")


def etag_of_bytes(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def etag_for(data: Any) -> str:
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    return f'"{digest[:32]}"'


def etag_matches(header: str | None, etag: str) -> bool:
    """If-None-Match: weak comparison (``W/`` ignored), ``*`` matches any current object."""
    if not header:
        return False
    candidates = [part.strip().removeprefix("W/") for part in header.split(",")]
    return "*" in candidates or etag in candidates


def if_match_passes(header: str | None, etag: str) -> bool:
    """If-Match on a write: strong comparison, and ``*`` is refused (alone or in a list),
    so a writer must name the exact version it read. A weak ``W/`` tag never matches."""
    if not header:
        return False
    candidates = [part.strip() for part in header.split(",")]
    if "*" in candidates:
        return False
    return not etag.startswith("W/") and etag in candidates


class ETagRetrieveMixin(mixins.RetrieveModelMixin):
    """Details carry an ETag; If-None-Match with it answers 304 Not Modified."""

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()  # type: ignore[attr-defined]
        data = self.get_serializer(instance).data  # type: ignore[attr-defined]
        etag = etag_for(data)
        if etag_matches(request.headers.get("If-None-Match"), etag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return Response(data, headers={"ETag": etag})


class WorkspaceGenericAPIView(WorkspaceAPIMixin, generics.GenericAPIView):
    pass


class WorkspaceViewSet(WorkspaceAPIMixin, viewsets.GenericViewSet):
    """Subclasses implement workspace_queryset() through a selector taking workspace=
    (and set schema_model for the OpenAPI document)."""
