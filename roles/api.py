"""Role assignment endpoints under /api/v1/w/<workspace_slug>/.

Thin views over roles.selectors and roles.services: every member and key reads (a partner
only the partnerships their organization belongs to); admins, coordinators and write keys
assign, change and remove roles. A second Accountable is refused with a 400 problem
naming the organization that holds it (or moved with ``replace_accountable``).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from partnerhub.api.base import ETagRetrieveMixin, WorkspaceViewSet, acting_user, etag_for
from partnerhub.api.filters import IdFilter
from partnerhub.models import ApiKey, User
from partnerhub.permissions import Action
from roles.models import Raci, RoleAssignment
from roles.selectors import (
    role_assignment_get,
    role_assignment_list,
    role_goal_get,
    role_milestone_get,
    role_organization_get,
    role_person_get,
)
from roles.serializers import (
    RoleAssignmentCreateSerializer,
    RoleAssignmentSerializer,
    RoleAssignmentUpdateSerializer,
)
from roles.services import role_assign, role_remove

WORKSPACE_SLUG = OpenApiParameter(
    "workspace_slug",
    str,
    OpenApiParameter.PATH,
    description="The workspace's slug, as in its web address /w/<slug>/.",
)
ROLE_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The assignment's id.")
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="An ETag from an earlier response: 304 Not Modified while it still matches.",
)


class RoleAssignmentFilter(django_filters.FilterSet):
    partnership = IdFilter(
        field_name="partnership", help_text="Only roles in this partnership (id)."
    )
    goal = IdFilter(field_name="goal", help_text="Only roles on this goal.")
    milestone = IdFilter(field_name="milestone", help_text="Only roles on this milestone (id).")
    organization = IdFilter(
        field_name="organization", help_text="Only roles of this organization (id)."
    )
    raci = django_filters.ChoiceFilter(choices=Raci.choices, help_text="Only this letter.")

    class Meta:
        model = RoleAssignment
        fields = ["partnership", "goal", "milestone", "organization", "raci"]


def _resolve(fetch: Any, field: str, message: str, **kwargs: Any) -> Any:
    """An id from the body as an object, or a 400 on that field (not a 404: the URL is
    fine, the body names something that is not there)."""
    try:
        return fetch(**kwargs)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise ValidationError({field: message}) from exc


@extend_schema_view(
    list=extend_schema(
        operation_id="role_assignments_list",
        summary="RACI role assignments (a partner: only their partnerships')",
        description="Cursor-paginated; filter by partnership, goal, milestone, organization "
        "and letter; `updated_since` for incremental sync.",
        parameters=[WORKSPACE_SLUG],
        responses={200: RoleAssignmentSerializer(many=True)},
    ),
    retrieve=extend_schema(
        operation_id="role_assignments_retrieve",
        summary="One role assignment",
        parameters=[WORKSPACE_SLUG, ROLE_ID, IF_NONE_MATCH],
        responses={200: RoleAssignmentSerializer, 304: None},
    ),
    create=extend_schema(
        operation_id="role_assignments_create",
        summary="Give an organization a letter on a goal or milestone (coordinators, admins, "
        "write keys)",
        description="Only current member organizations of the item's partnership may hold a "
        "role; an organization's earlier letter on the item is replaced. A second "
        "Accountable is refused (400) unless `replace_accountable` is true.",
        parameters=[WORKSPACE_SLUG],
        request=RoleAssignmentCreateSerializer,
        responses={201: RoleAssignmentSerializer},
    ),
    partial_update=extend_schema(
        operation_id="role_assignments_partial_update",
        summary="Change the letter or the named person",
        parameters=[WORKSPACE_SLUG, ROLE_ID],
        request=RoleAssignmentUpdateSerializer,
        responses={200: RoleAssignmentSerializer},
    ),
    destroy=extend_schema(
        operation_id="role_assignments_destroy",
        summary="Remove an organization's role on the item",
        parameters=[WORKSPACE_SLUG, ROLE_ID],
        responses={204: None},
    ),
)
class RoleAssignmentViewSet(ETagRetrieveMixin, mixins.ListModelMixin, WorkspaceViewSet):
    read_action = Action.VIEW_WORKSPACE
    write_action = Action.EDIT_CONTENT
    serializer_class = RoleAssignmentSerializer
    schema_model = RoleAssignment
    filterset_class = RoleAssignmentFilter
    ordering_fields = ["id", "created_at", "updated_at", "raci"]
    ordering = ["id"]

    def get_serializer_class(self) -> type:
        if self.action == "create":
            return RoleAssignmentCreateSerializer
        if self.action == "partial_update":
            return RoleAssignmentUpdateSerializer
        return RoleAssignmentSerializer

    def actor(self) -> User | ApiKey | None:
        return acting_user(self.request) or self.access.api_key

    def workspace_queryset(self) -> Any:
        return role_assignment_list(workspace=self.workspace, access=self.access)

    def get_object(self) -> RoleAssignment:
        return self.get_object_or_404(  # type: ignore[no-any-return]
            role_assignment_get, workspace=self.workspace, access=self.access, pk=self.kwargs["pk"]
        )

    def _answer(
        self, assignment: RoleAssignment, status_code: int = 200, **headers: str
    ) -> Response:
        fresh = role_assignment_get(workspace=self.workspace, access=self.access, pk=assignment.pk)
        data = RoleAssignmentSerializer(fresh).data
        return Response(data, status=status_code, headers={"ETag": etag_for(data), **headers})

    def _person(self, person_id: int | None) -> User | None:
        if person_id is None:
            return None
        return _resolve(  # type: ignore[no-any-return]
            role_person_get,
            "person",
            "Choose a person of this workspace.",
            workspace=self.workspace,
            pk=person_id,
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = RoleAssignmentCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        goal = milestone = None
        if data.get("goal") is not None:
            goal = _resolve(
                role_goal_get,
                "goal",
                "Choose a goal of this workspace.",
                workspace=self.workspace,
                access=self.access,
                pk=data["goal"],
            )
        else:
            milestone = _resolve(
                role_milestone_get,
                "milestone",
                "Choose a milestone of this workspace.",
                workspace=self.workspace,
                access=self.access,
                pk=data["milestone"],
            )
        organization = _resolve(
            role_organization_get,
            "organization",
            "Choose an organization of this workspace.",
            workspace=self.workspace,
            pk=data["organization"],
        )
        assignment = role_assign(
            workspace=self.workspace,
            actor=self.actor(),
            goal=goal,
            milestone=milestone,
            organization=organization,
            raci=data["raci"],
            person=self._person(data.get("person")),
            replace_accountable=data["replace_accountable"],
        )
        location = reverse(
            "api_role_assignment-detail",
            kwargs={"workspace_slug": self.workspace.slug, "pk": assignment.pk},
        )
        return self._answer(assignment, status.HTTP_201_CREATED, Location=location)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assignment = self.get_object()
        payload = RoleAssignmentUpdateSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        person = self._person(data["person"]) if "person" in data else assignment.person
        assignment = role_assign(
            workspace=self.workspace,
            actor=self.actor(),
            goal=assignment.goal,
            milestone=assignment.milestone,
            organization=assignment.organization,
            raci=data.get("raci", assignment.raci),
            person=person,
            replace_accountable=data.get("replace_accountable", False),
        )
        return self._answer(assignment)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assignment = self.get_object()
        role_remove(workspace=self.workspace, actor=self.actor(), assignment=assignment)
        return Response(status=status.HTTP_204_NO_CONTENT)
