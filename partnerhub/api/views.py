"""The core endpoints: who am I, the workspace, its members, and the API's own docs.

Thin views: the base classes resolve the workspace and check access once, selectors read,
services write, serializers shape. Services' ValidationErrors and selectors'
DoesNotExist become 400 and 404 problems in ``partnerhub.api.errors``.
"""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions, mixins, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from partnerhub.api.base import (
    ETagRetrieveMixin,
    WorkspaceGenericAPIView,
    WorkspaceViewSet,
    acting_user,
    etag_for,
)
from partnerhub.api.filters import IdFilter
from partnerhub.api.serializers import (
    MeApiKeySerializer,
    MemberSerializer,
    MemberUpdateSerializer,
    MeUserSerializer,
    WorkspaceSerializer,
    WorkspaceUpdateSerializer,
)
from partnerhub.models import Membership, Role, User, Workspace
from partnerhub.permissions import Action
from partnerhub.selectors import member_get, member_list, memberships_of_user
from partnerhub.services.memberships import (
    membership_remove,
    membership_update,
    workspace_update_settings,
)

WORKSPACE_SLUG = OpenApiParameter(
    "workspace_slug",
    str,
    OpenApiParameter.PATH,
    description="The workspace's slug, as in its web address /w/<slug>/.",
)
MEMBER_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The membership id.")
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="An ETag from an earlier response: 304 Not Modified while it still matches.",
)


def _person(request: Request) -> User:
    """The person acting (views that an API key reaches only by mistake)."""
    user = acting_user(request)
    if user is None:
        raise exceptions.PermissionDenied("This needs a signed-in person, not an API key.")
    return user


def _detail(data: dict[str, Any], *, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(data, status=status_code, headers={"ETag": etag_for(data)})


# --- /api/v1/me/ ------------------------------------------------------------------------


class MeView(APIView):
    """Who is calling: a person with their workspaces, or a workspace's API key."""

    @extend_schema(
        operation_id="me_retrieve",
        summary="The caller: a signed-in person or an API key",
        responses={
            200: PolymorphicProxySerializer(
                component_name="Me",
                serializers={"user": MeUserSerializer, "api_key": MeApiKeySerializer},
                resource_type_field_name="kind",
            ),
        },
        examples=[
            OpenApiExample(
                "An API key",
                value={
                    "kind": "api_key",
                    "prefix": "Ab3dE5gH7k",
                    "scope": "read",
                    "workspace": "youth-jobs",
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        api_key = getattr(request.user, "api_key", None)
        if api_key is not None:
            body: dict[str, Any] = {
                "kind": "api_key",
                "prefix": api_key.prefix,
                "scope": api_key.scope,
                "workspace": api_key.workspace.slug,
            }
            return Response(MeApiKeySerializer(body).data)
        user = _person(request)
        body = {
            "kind": "user",
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "workspaces": memberships_of_user(user=user),
        }
        return Response(MeUserSerializer(body).data)


# --- /api/v1/w/<slug>/ ------------------------------------------------------------------


@extend_schema(parameters=[WORKSPACE_SLUG], tags=["workspace"])
class WorkspaceDetailView(ETagRetrieveMixin, WorkspaceGenericAPIView):
    """The workspace: every member and key reads it; only admins change it."""

    read_action = Action.VIEW_WORKSPACE
    write_action = Action.MANAGE_WORKSPACE
    serializer_class = WorkspaceSerializer
    schema_model = Workspace

    def get_object(self) -> Workspace:
        return self.workspace

    @extend_schema(
        operation_id="workspace_retrieve",
        summary="The workspace",
        parameters=[IF_NONE_MATCH],
        responses={200: WorkspaceSerializer, 304: None},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.retrieve(request, *args, **kwargs)

    @extend_schema(
        operation_id="workspace_partial_update",
        summary="Change the workspace's settings (admins)",
        request=WorkspaceUpdateSerializer,
        responses={200: WorkspaceSerializer},
    )
    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        changes = WorkspaceUpdateSerializer(data=request.data, partial=True)
        changes.is_valid(raise_exception=True)
        workspace = self.workspace
        values = {
            "name": workspace.name,
            "timezone": workspace.timezone,
            "require_mfa": workspace.require_mfa,
            **changes.validated_data,
        }
        workspace = workspace_update_settings(workspace=workspace, actor=_person(request), **values)
        return _detail(WorkspaceSerializer(workspace).data)


# --- /api/v1/w/<slug>/members/ ----------------------------------------------------------


class MemberFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(
        choices=Role.choices, help_text="Only members with this role."
    )
    organization = IdFilter(
        field_name="organization", help_text="Only partners representing this organization (id)."
    )

    class Meta:
        model = Membership
        fields = ["role", "organization"]


@extend_schema_view(
    list=extend_schema(
        operation_id="members_list",
        summary="The workspace's members",
        parameters=[WORKSPACE_SLUG],
        responses={200: MemberSerializer(many=True)},
    ),
    retrieve=extend_schema(
        operation_id="members_retrieve",
        summary="One member",
        parameters=[WORKSPACE_SLUG, MEMBER_ID, IF_NONE_MATCH],
        responses={200: MemberSerializer, 304: None},
    ),
    partial_update=extend_schema(
        operation_id="members_partial_update",
        summary="Change a member's role or organization (admins)",
        parameters=[WORKSPACE_SLUG, MEMBER_ID],
        request=MemberUpdateSerializer,
        responses={200: MemberSerializer},
    ),
    destroy=extend_schema(
        operation_id="members_destroy",
        summary="Remove a member from the workspace (admins)",
        parameters=[WORKSPACE_SLUG, MEMBER_ID],
        responses={204: None},
    ),
)
class MemberViewSet(ETagRetrieveMixin, mixins.ListModelMixin, WorkspaceViewSet):
    """Members: read by every member and key; changed by admins only."""

    read_action = Action.VIEW_WORKSPACE
    write_action = Action.MANAGE_WORKSPACE
    serializer_class = MemberSerializer
    schema_model = Membership
    filterset_class = MemberFilter
    ordering_fields = ["id", "created_at", "updated_at"]
    ordering = ["id"]

    def workspace_queryset(self) -> Any:
        return member_list(workspace=self.workspace)

    def get_object(self) -> Membership:
        return self.get_object_or_404(member_get, workspace=self.workspace, pk=self.kwargs["pk"])

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        changes = MemberUpdateSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        changes.is_valid(raise_exception=True)
        data = changes.validated_data
        membership = membership_update(
            workspace=self.workspace,
            actor=_person(request),
            membership=membership,
            role=data.get("role", membership.role),
            organization=data.get("organization", membership.organization),
        )
        return _detail(MemberSerializer(membership).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        membership_remove(workspace=self.workspace, actor=_person(request), membership=membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- /api/v1/docs/ ----------------------------------------------------------------------


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI from the vendored sidecar files: no CDN, no inline script or style."""

    template_name = "partnerhub/api_keys/api_docs.html"
