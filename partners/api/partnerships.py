"""Partnership endpoints under /api/v1/w/<workspace_slug>/: partnerships, their status
changes and conditions, and what every partnership endpoint shares (path parameters, the
actor, the visible partnership of the URL, CSV output of list actions). Members, commitments
and documents have their own modules (partners.api.members, .commitments, .documents).

Thin views over the same selectors and services as the HTML pages: every member and key
reads (a partner only the partnerships their organization belongs to, through the
access-aware selectors); admins, coordinators and write keys change. Objects are looked up
before a request body is read, so someone who may not see an object gets a 404 whatever
they send.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from partnerhub.api.base import ETagRetrieveMixin, WorkspaceViewSet, acting_user, etag_for
from partnerhub.api.filters import IdFilter
from partnerhub.api.renderers import CSVRenderer, FastJSONRenderer
from partnerhub.models import ApiKey, User
from partnerhub.permissions import Action
from partners.api.serializers_partnerships import (
    ConditionSerializer,
    ConditionUpdateSerializer,
    PartnershipSerializer,
    PartnershipWriteSerializer,
    StatusChangeInputSerializer,
    StatusChangeSerializer,
)
from partners.models import (
    CollectiveImpactCondition,
    Condition,
    Partnership,
    PartnershipModel,
    PartnershipStatus,
    PartnershipStatusChange,
)
from partners.selectors_partnerships import (
    condition_list,
    partnership_get,
    partnership_list,
    status_history,
)
from partners.services.partnerships import (
    condition_update,
    partnership_change_status,
    partnership_create,
    partnership_update,
)


def _path(name: str, description: str, kind: type = int) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.PATH, description=description)


WORKSPACE_SLUG = _path(
    "workspace_slug", "The workspace's slug, as in its web address /w/<slug>/.", str
)
PARTNERSHIP_ID = _path("id", "The partnership's id.")
PARTNERSHIP_PK = _path("partnership_pk", "The partnership's id.")
MEMBERSHIP_ID = _path("id", "The membership's id.")
COMMITMENT_ID = _path("id", "The commitment's id.")
COMMITMENT_PK = _path("commitment_pk", "The commitment's id.")
DOCUMENT_ID = _path("id", "The document's id.")
CONDITION = OpenApiParameter(
    "condition",
    str,
    OpenApiParameter.PATH,
    enum=list(Condition.values),
    description="One of the five conditions of collective impact.",
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="An ETag from an earlier response: 304 Not Modified while it still matches.",
)
FORMAT = OpenApiParameter(
    "format",
    str,
    OpenApiParameter.QUERY,
    required=False,
    enum=["json", "csv"],
    description="`csv` for a spreadsheet (as `Accept: text/csv`): one row per result, lists "
    "joined with `;`; the next page's address is in the `Link` header.",
)
CSV_NOTE = " `?format=csv` or `Accept: text/csv` answers CSV."


def detail_response(data: dict[str, Any], *, status_code: int = 200, **headers: str) -> Response:
    return Response(data, status=status_code, headers={"ETag": etag_for(data), **headers})


class PartnershipAPIMixin:
    """What every endpoint here shares: the actor, the visible partnership of the URL, and
    CSV output of list actions."""

    def actor(self) -> User | ApiKey | None:
        request: Request = self.request  # type: ignore[attr-defined]
        return acting_user(request) or self.access.api_key  # type: ignore[attr-defined]

    def visible_partnership(self, pk: Any) -> Partnership:
        return self.get_object_or_404(  # type: ignore[attr-defined,no-any-return]
            partnership_get,
            workspace=self.workspace,  # type: ignore[attr-defined]
            access=self.access,  # type: ignore[attr-defined]
            pk=pk,
        )

    def get_renderers(self) -> list[BaseRenderer]:
        if getattr(self, "action", None) == "list":
            return [FastJSONRenderer(), CSVRenderer()]
        return [FastJSONRenderer()]


def validated_input(
    serializer_class: type[serializers.Serializer],
    request: Request,
    view: Any,
    *,
    partial: bool = False,
) -> dict[str, Any]:
    payload = serializer_class(
        data=request.data, partial=partial, context=view.get_serializer_context()
    )
    payload.is_valid(raise_exception=True)
    return dict(payload.validated_data)


# --- Partnerships -----------------------------------------------------------------------


class PartnershipFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=PartnershipStatus.choices, help_text="Only this status."
    )
    model = django_filters.ChoiceFilter(
        choices=PartnershipModel.choices, help_text="Only this model."
    )
    organization = IdFilter(
        method="filter_organization",
        help_text="Only partnerships this organization (id) is a current member of.",
    )

    class Meta:
        model = Partnership
        fields = ["status", "model", "organization"]

    def filter_organization(self, queryset: Any, name: str, value: Any) -> Any:
        # One current membership per organization and partnership: the join adds no duplicates.
        return queryset.filter(members__organization_id=value, members__left_on__isnull=True)


@extend_schema_view(
    list=extend_schema(
        operation_id="partnerships_list",
        summary="Partnerships (a partner key or user: only their organization's)",
        description="Cursor-paginated; filter and order as below." + CSV_NOTE,
        parameters=[WORKSPACE_SLUG, FORMAT],
        responses={200: PartnershipSerializer(many=True)},
    ),
    retrieve=extend_schema(
        operation_id="partnerships_retrieve",
        summary="One partnership",
        parameters=[WORKSPACE_SLUG, PARTNERSHIP_ID, IF_NONE_MATCH],
        responses={200: PartnershipSerializer, 304: None},
    ),
    create=extend_schema(
        operation_id="partnerships_create",
        summary="Create a partnership (coordinators, admins, write keys)",
        description="A collective impact initiative gets its five conditions; the lead "
        "organization becomes a member with the lead role.",
        parameters=[WORKSPACE_SLUG],
        request=PartnershipWriteSerializer,
        responses={201: PartnershipSerializer},
    ),
    partial_update=extend_schema(
        operation_id="partnerships_partial_update",
        summary="Change a partnership's details (not its status)",
        parameters=[WORKSPACE_SLUG, PARTNERSHIP_ID],
        request=PartnershipWriteSerializer,
        responses={200: PartnershipSerializer},
    ),
)
class PartnershipViewSet(
    PartnershipAPIMixin, ETagRetrieveMixin, mixins.ListModelMixin, WorkspaceViewSet
):
    read_action = Action.VIEW_WORKSPACE
    write_action = Action.EDIT_CONTENT
    serializer_class = PartnershipSerializer
    schema_model = Partnership
    filterset_class = PartnershipFilter
    ordering_fields = ["id", "name", "status", "start_date", "created_at", "updated_at"]
    ordering = ["id"]

    def get_serializer_class(self) -> type:
        if self.action in ("create", "partial_update"):
            return PartnershipWriteSerializer
        if self.action == "change_status":
            return StatusChangeInputSerializer
        return PartnershipSerializer

    def workspace_queryset(self) -> Any:
        return partnership_list(workspace=self.workspace, access=self.access)

    def get_object(self) -> Partnership:
        return self.visible_partnership(self.kwargs["pk"])

    def _fresh(self, partnership: Partnership, **kwargs: Any) -> Response:
        fresh = partnership_get(workspace=self.workspace, access=self.access, pk=partnership.pk)
        return detail_response(PartnershipSerializer(fresh).data, **kwargs)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated_input(PartnershipWriteSerializer, request, self)
        partnership = partnership_create(workspace=self.workspace, actor=self.actor(), **data)
        location = reverse(
            "api_partnership-detail",
            kwargs={"workspace_slug": self.workspace.slug, "pk": partnership.pk},
        )
        return self._fresh(partnership, status_code=status.HTTP_201_CREATED, Location=location)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partnership = self.get_object()
        data = validated_input(PartnershipWriteSerializer, request, self, partial=True)
        partnership_update(
            workspace=self.workspace, actor=self.actor(), partnership=partnership, **data
        )
        return self._fresh(partnership)

    @extend_schema(
        operation_id="partnerships_status_create",
        summary="Change a partnership's status",
        description="Any status may move to any other except itself; completed and dissolved "
        "are final and can only be reopened as active. Pausing, dissolving and reopening need "
        "a reason. The change is recorded with who made it (person or API key).",
        parameters=[WORKSPACE_SLUG, PARTNERSHIP_ID],
        request=StatusChangeInputSerializer,
        responses={201: StatusChangeSerializer},
    )
    def change_status(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partnership = self.get_object()
        data = validated_input(StatusChangeInputSerializer, request, self)
        change = partnership_change_status(
            workspace=self.workspace,
            actor=self.actor(),
            partnership=partnership,
            status=data["status"],
            reason=data.get("reason", ""),
        )
        return Response(StatusChangeSerializer(change).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        operation_id="partnerships_status_changes_list",
        summary="A partnership's status history",
        description="Who changed the status, when and why." + CSV_NOTE,
        parameters=[WORKSPACE_SLUG, PARTNERSHIP_PK, FORMAT],
        responses={200: StatusChangeSerializer(many=True)},
    ),
)
class StatusChangeViewSet(PartnershipAPIMixin, mixins.ListModelMixin, WorkspaceViewSet):
    serializer_class = StatusChangeSerializer
    schema_model = PartnershipStatusChange
    ordering_fields = ["id", "created_at"]
    ordering = ["id"]

    def workspace_queryset(self) -> Any:
        partnership = self.visible_partnership(self.kwargs["partnership_pk"])
        return status_history(workspace=self.workspace, partnership=partnership)


@extend_schema_view(
    list=extend_schema(
        operation_id="partnerships_conditions_list",
        summary="The five conditions of a collective impact initiative",
        description="Empty for other partnership models." + CSV_NOTE,
        parameters=[WORKSPACE_SLUG, PARTNERSHIP_PK, FORMAT],
        responses={200: ConditionSerializer(many=True)},
    ),
    partial_update=extend_schema(
        operation_id="partnerships_conditions_partial_update",
        summary="Mark a condition in place or not, with evidence",
        parameters=[WORKSPACE_SLUG, PARTNERSHIP_PK, CONDITION],
        request=ConditionUpdateSerializer,
        responses={200: ConditionSerializer},
    ),
)
class ConditionViewSet(PartnershipAPIMixin, WorkspaceViewSet):
    serializer_class = ConditionSerializer
    schema_model = CollectiveImpactCondition
    pagination_class = None
    filter_backends: list[type] = []

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partnership = self.visible_partnership(kwargs["partnership_pk"])
        if partnership.model != PartnershipModel.COLLECTIVE_IMPACT:
            return Response([])
        rows = condition_list(workspace=self.workspace, partnership=partnership)
        return Response(ConditionSerializer(rows, many=True).data)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partnership = self.visible_partnership(kwargs["partnership_pk"])
        if kwargs["condition"] not in Condition.values:
            raise exceptions.NotFound()
        data = validated_input(ConditionUpdateSerializer, request, self)
        row = condition_update(
            workspace=self.workspace,
            actor=self.actor(),
            partnership=partnership,
            condition=kwargs["condition"],
            in_place=data["in_place"],
            evidence=data.get("evidence", ""),
        )
        return detail_response(ConditionSerializer(row).data)
