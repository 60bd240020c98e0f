"""Partnership endpoints under /api/v1/w/<workspace_slug>/: partnerships and their status
changes, conditions, members, commitments with deliveries and totals, and agreement
documents (metadata, upload, authorized download).

Thin views over the same selectors and services as the HTML pages: every member and key
reads (a partner only the partnerships their organization belongs to, through the
access-aware selectors); admins, coordinators and write keys change. Objects are looked up
before a request body is read, so someone who may not see an object gets a 404 whatever
they send.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import django_filters
from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from partnerhub.api.base import (
    ETagRetrieveMixin,
    WorkspaceGenericAPIView,
    WorkspaceViewSet,
    acting_user,
    etag_for,
    etag_matches,
)
from partnerhub.api.renderers import CSVRenderer
from partnerhub.models import ApiKey, User
from partnerhub.permissions import Action
from partners.api.serializers_partnerships import (
    CommitmentCreateSerializer,
    CommitmentSerializer,
    CommitmentTotalsSerializer,
    CommitmentUpdateSerializer,
    ConditionSerializer,
    ConditionUpdateSerializer,
    DeliveryCreateSerializer,
    DeliverySerializer,
    DocumentSerializer,
    DocumentUploadSerializer,
    PartnershipMemberCreateSerializer,
    PartnershipMemberSerializer,
    PartnershipMemberUpdateSerializer,
    PartnershipSerializer,
    PartnershipWriteSerializer,
    StatusChangeInputSerializer,
    StatusChangeSerializer,
)
from partners.models import (
    AgreementDocument,
    CollectiveImpactCondition,
    Commitment,
    CommitmentDelivery,
    CommitmentKind,
    Condition,
    DocumentKind,
    Partnership,
    PartnershipMember,
    PartnershipModel,
    PartnershipStatus,
    PartnershipStatusChange,
)
from partners.selectors_partnerships import (
    commitment_get,
    commitment_list,
    commitment_totals,
    condition_list,
    delivery_list,
    document_get,
    document_list,
    member_list,
    partnership_get,
    partnership_list,
    partnership_member_get,
    partnership_member_list,
    status_history,
)
from partners.services.commitments import commitment_create, commitment_update, delivery_record
from partners.services.documents import document_delete, document_upload
from partners.services.partnerships import (
    condition_update,
    partnership_change_status,
    partnership_create,
    partnership_member_add,
    partnership_member_remove,
    partnership_member_update,
    partnership_update,
)
from partners.uploads import attachment_response


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


def _detail(data: dict[str, Any], *, status_code: int = 200, **headers: str) -> Response:
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
            return [JSONRenderer(), CSVRenderer()]
        return [JSONRenderer()]


def _validated(
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
    organization = django_filters.NumberFilter(
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
        return _detail(PartnershipSerializer(fresh).data, **kwargs)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _validated(PartnershipWriteSerializer, request, self)
        partnership = partnership_create(workspace=self.workspace, actor=self.actor(), **data)
        location = reverse(
            "api_partnership-detail",
            kwargs={"workspace_slug": self.workspace.slug, "pk": partnership.pk},
        )
        return self._fresh(partnership, status_code=status.HTTP_201_CREATED, Location=location)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partnership = self.get_object()
        data = _validated(PartnershipWriteSerializer, request, self, partial=True)
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
        data = _validated(StatusChangeInputSerializer, request, self)
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
        data = _validated(ConditionUpdateSerializer, request, self)
        row = condition_update(
            workspace=self.workspace,
            actor=self.actor(),
            partnership=partnership,
            condition=kwargs["condition"],
            in_place=data["in_place"],
            evidence=data.get("evidence", ""),
        )
        return _detail(ConditionSerializer(row).data)


# --- Members --------------------------------------------------------------------------------


class PartnershipMemberFilter(django_filters.FilterSet):
    partnership = django_filters.NumberFilter(
        field_name="partnership", help_text="Only memberships of this partnership (id)."
    )
    organization = django_filters.NumberFilter(
        field_name="organization", help_text="Only memberships of this organization (id)."
    )
    current = django_filters.BooleanFilter(
        field_name="left_on",
        lookup_expr="isnull",
        help_text="true: current members only; false: past memberships only.",
    )

    class Meta:
        model = PartnershipMember
        fields = ["partnership", "organization", "current"]


@extend_schema_view(
    list=extend_schema(
        operation_id="partnership_members_list",
        summary="Memberships of every visible partnership",
        description="For incremental sync (with updated_since) across partnerships." + CSV_NOTE,
        parameters=[WORKSPACE_SLUG, FORMAT],
        responses={200: PartnershipMemberSerializer(many=True)},
    ),
    retrieve=extend_schema(
        operation_id="partnership_members_retrieve",
        summary="One membership",
        parameters=[WORKSPACE_SLUG, MEMBERSHIP_ID, IF_NONE_MATCH],
        responses={200: PartnershipMemberSerializer, 304: None},
    ),
    partial_update=extend_schema(
        operation_id="partnership_members_partial_update",
        summary="Change a member's roles (or its joining date)",
        parameters=[WORKSPACE_SLUG, MEMBERSHIP_ID],
        request=PartnershipMemberUpdateSerializer,
        responses={200: PartnershipMemberSerializer},
    ),
    destroy=extend_schema(
        operation_id="partnership_members_destroy",
        summary="The organization leaves the partnership (its history stays)",
        description="Sets the leaving date to today; the membership, its commitments and "
        "deliveries stay. Refused for the lead organization while it leads.",
        parameters=[WORKSPACE_SLUG, MEMBERSHIP_ID],
        responses={204: None},
    ),
)
class PartnershipMemberViewSet(
    PartnershipAPIMixin, ETagRetrieveMixin, mixins.ListModelMixin, WorkspaceViewSet
):
    """Memberships: organizations in partnerships, with roles and joined/left dates. Leaving
    keeps the membership (with its leaving date); an organization may join again."""

    serializer_class = PartnershipMemberSerializer
    schema_model = PartnershipMember
    filterset_class = PartnershipMemberFilter
    ordering_fields = ["id", "joined_on", "updated_at"]
    ordering = ["id"]

    def workspace_queryset(self) -> Any:
        if "partnership_pk" in self.kwargs:
            partnership = self.visible_partnership(self.kwargs["partnership_pk"])
            return member_list(workspace=self.workspace, partnership=partnership)
        return partnership_member_list(workspace=self.workspace, access=self.access)

    def get_object(self) -> PartnershipMember:
        return self.get_object_or_404(  # type: ignore[no-any-return]
            partnership_member_get,
            workspace=self.workspace,
            access=self.access,
            pk=self.kwargs["pk"],
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partnership = self.visible_partnership(kwargs["partnership_pk"])
        data = _validated(PartnershipMemberCreateSerializer, request, self)
        member = partnership_member_add(
            workspace=self.workspace, actor=self.actor(), partnership=partnership, **data
        )
        location = reverse(
            "api_partnership_member-detail",
            kwargs={"workspace_slug": self.workspace.slug, "pk": member.pk},
        )
        return _detail(
            PartnershipMemberSerializer(member).data,
            status_code=status.HTTP_201_CREATED,
            Location=location,
        )

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        member = self.get_object()
        data = _validated(PartnershipMemberUpdateSerializer, request, self, partial=True)
        member = partnership_member_update(
            workspace=self.workspace, actor=self.actor(), member=member, **data
        )
        return _detail(PartnershipMemberSerializer(member).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        member = self.get_object()
        partnership_member_remove(workspace=self.workspace, actor=self.actor(), member=member)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        operation_id="partnerships_members_list",
        summary="A partnership's members, current and past",
        description="Filter `current=true` for current members only." + CSV_NOTE,
        parameters=[WORKSPACE_SLUG, PARTNERSHIP_PK, FORMAT],
        responses={200: PartnershipMemberSerializer(many=True)},
    ),
    create=extend_schema(
        operation_id="partnerships_members_create",
        summary="Add an organization as a member",
        description="It must not be a current member; an organization that left may join again.",
        parameters=[WORKSPACE_SLUG, PARTNERSHIP_PK],
        request=PartnershipMemberCreateSerializer,
        responses={201: PartnershipMemberSerializer},
    ),
)
class PartnershipMembersNestedViewSet(PartnershipMemberViewSet):
    """The same memberships, under their partnership (list and add)."""


# --- Commitments ----------------------------------------------------------------------------


class CommitmentFilter(django_filters.FilterSet):
    partnership = django_filters.NumberFilter(field_name="partnership", help_text="Partnership id.")
    member = django_filters.NumberFilter(field_name="member", help_text="Membership id.")
    organization = django_filters.NumberFilter(
        field_name="member__organization", help_text="Organization id of the member."
    )
    kind = django_filters.ChoiceFilter(choices=CommitmentKind.choices, help_text="Only this kind.")

    class Meta:
        model = Commitment
        fields = ["partnership", "member", "organization", "kind"]


@extend_schema_view(
    list=extend_schema(
        operation_id="commitments_list",
        summary="Commitments: what members pledged, and delivered so far",
        description="Cursor-paginated; filter and order as below." + CSV_NOTE,
        parameters=[WORKSPACE_SLUG, FORMAT],
        responses={200: CommitmentSerializer(many=True)},
    ),
    retrieve=extend_schema(
        operation_id="commitments_retrieve",
        summary="One commitment",
        parameters=[WORKSPACE_SLUG, COMMITMENT_ID, IF_NONE_MATCH],
        responses={200: CommitmentSerializer, 304: None},
    ),
    create=extend_schema(
        operation_id="commitments_create",
        summary="Record a commitment of a current member",
        description="Cash needs a currency; in kind a description, an estimated value and its "
        "currency; staff time is in hours without currency.",
        parameters=[WORKSPACE_SLUG],
        request=CommitmentCreateSerializer,
        responses={201: CommitmentSerializer},
    ),
    partial_update=extend_schema(
        operation_id="commitments_partial_update",
        summary="Correct a commitment",
        description="Kind and currency no longer change once something was delivered.",
        parameters=[WORKSPACE_SLUG, COMMITMENT_ID],
        request=CommitmentUpdateSerializer,
        responses={200: CommitmentSerializer},
    ),
)
class CommitmentViewSet(
    PartnershipAPIMixin, ETagRetrieveMixin, mixins.ListModelMixin, WorkspaceViewSet
):
    serializer_class = CommitmentSerializer
    schema_model = Commitment
    filterset_class = CommitmentFilter
    ordering_fields = ["id", "pledged_on", "due_on", "updated_at"]
    ordering = ["id"]

    def get_serializer_class(self) -> type:
        if self.action == "create":
            return CommitmentCreateSerializer
        if self.action == "partial_update":
            return CommitmentUpdateSerializer
        return CommitmentSerializer

    def workspace_queryset(self) -> Any:
        return commitment_list(workspace=self.workspace, access=self.access)

    def get_object(self) -> Commitment:
        return self.get_object_or_404(  # type: ignore[no-any-return]
            commitment_get, workspace=self.workspace, access=self.access, pk=self.kwargs["pk"]
        )

    def _fresh(self, commitment: Commitment, **kwargs: Any) -> Response:
        fresh = commitment_get(workspace=self.workspace, access=self.access, pk=commitment.pk)
        return _detail(CommitmentSerializer(fresh).data, **kwargs)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _validated(CommitmentCreateSerializer, request, self)
        try:
            member = partnership_member_get(
                workspace=self.workspace, access=self.access, pk=data.pop("member")
            )
        except ObjectDoesNotExist as exc:
            raise serializers.ValidationError(
                {"member": ["Choose a current member of a partnership of this workspace."]}
            ) from exc
        commitment = commitment_create(
            workspace=self.workspace, actor=self.actor(), member=member, **data
        )
        location = reverse(
            "api_commitment-detail",
            kwargs={"workspace_slug": self.workspace.slug, "pk": commitment.pk},
        )
        return self._fresh(commitment, status_code=status.HTTP_201_CREATED, Location=location)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        commitment = self.get_object()
        data = _validated(CommitmentUpdateSerializer, request, self, partial=True)
        commitment_update(
            workspace=self.workspace, actor=self.actor(), commitment=commitment, **data
        )
        return self._fresh(commitment)


@extend_schema_view(
    list=extend_schema(
        operation_id="commitments_deliveries_list",
        summary="What was delivered on a commitment",
        description="Oldest first by default." + CSV_NOTE,
        parameters=[WORKSPACE_SLUG, COMMITMENT_PK, FORMAT],
        responses={200: DeliverySerializer(many=True)},
    ),
    create=extend_schema(
        operation_id="commitments_deliveries_create",
        summary="Record a delivery",
        description="A positive amount on a date that has passed (default today). Delivering "
        "more than pledged is allowed; the commitment then shows `over_delivered`.",
        parameters=[WORKSPACE_SLUG, COMMITMENT_PK],
        request=DeliveryCreateSerializer,
        responses={201: DeliverySerializer},
    ),
)
class DeliveryViewSet(PartnershipAPIMixin, mixins.ListModelMixin, WorkspaceViewSet):
    serializer_class = DeliverySerializer
    schema_model = CommitmentDelivery
    ordering_fields = ["id", "delivered_on", "updated_at"]
    ordering = ["id"]

    def get_serializer_class(self) -> type:
        return DeliveryCreateSerializer if self.action == "create" else DeliverySerializer

    def commitment(self) -> Commitment:
        return self.get_object_or_404(  # type: ignore[no-any-return]
            commitment_get,
            workspace=self.workspace,
            access=self.access,
            pk=self.kwargs["commitment_pk"],
        )

    def workspace_queryset(self) -> Any:
        return delivery_list(workspace=self.workspace, commitment=self.commitment())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        commitment = self.commitment()
        data = _validated(DeliveryCreateSerializer, request, self)
        delivery = delivery_record(
            workspace=self.workspace, actor=self.actor(), commitment=commitment, **data
        )
        return _detail(DeliverySerializer(delivery).data, status_code=status.HTTP_201_CREATED)


@extend_schema(tags=["partnerships"])
class CommitmentTotalsView(PartnershipAPIMixin, WorkspaceGenericAPIView):
    """Pledged and delivered, summed by the database per member and for the partnership."""

    serializer_class = CommitmentTotalsSerializer
    schema_model = Partnership

    @extend_schema(
        operation_id="partnerships_commitment_totals_retrieve",
        summary="A partnership's commitment totals, per member and overall",
        description="One entry per kind and currency (amounts in different currencies are "
        "never added; staff time is in hours).",
        parameters=[WORKSPACE_SLUG, PARTNERSHIP_ID, IF_NONE_MATCH],
        responses={200: CommitmentTotalsSerializer, 304: None},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partnership = self.visible_partnership(kwargs["pk"])
        totals = commitment_totals(workspace=self.workspace, partnership=partnership)
        members = list(member_list(workspace=self.workspace, partnership=partnership))
        data = CommitmentTotalsSerializer(
            {
                "partnership": partnership.pk,
                "totals": totals.totals,
                "members": [
                    {
                        "member": m.pk,
                        "organization": m.organization,
                        "is_current": m.is_current,
                        "amounts": totals.for_member(m.pk),
                    }
                    for m in members
                    if totals.for_member(m.pk)
                ],
            }
        ).data
        etag = etag_for(data)
        if etag_matches(request.headers.get("If-None-Match"), etag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return Response(data, headers={"ETag": etag})


# --- Documents ------------------------------------------------------------------------------


class DocumentFilter(django_filters.FilterSet):
    partnership = django_filters.NumberFilter(field_name="partnership", help_text="Partnership id.")
    kind = django_filters.ChoiceFilter(choices=DocumentKind.choices, help_text="Only this kind.")

    class Meta:
        model = AgreementDocument
        fields = ["partnership", "kind"]


class FileRenderer(BaseRenderer):
    """Lets a download answer whatever file type the client asks for (``Accept: */*``,
    ``application/pdf``...); errors are still problem+json."""

    media_type = "*/*"
    format = "file"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return JSONRenderer().render(data, "application/json", renderer_context)


@extend_schema_view(
    list=extend_schema(
        operation_id="documents_list",
        summary="Agreement documents (metadata)",
        description="Each has a `download_url` answering the file itself." + CSV_NOTE,
        parameters=[WORKSPACE_SLUG, FORMAT],
        responses={200: DocumentSerializer(many=True)},
    ),
    retrieve=extend_schema(
        operation_id="documents_retrieve",
        summary="One agreement document (metadata)",
        parameters=[WORKSPACE_SLUG, DOCUMENT_ID, IF_NONE_MATCH],
        responses={200: DocumentSerializer, 304: None},
    ),
    create=extend_schema(
        operation_id="documents_create",
        summary="Upload an agreement document (multipart/form-data)",
        description="PDF, DOCX or ODT up to 10 MB; the type is checked from the file's content, "
        "never its name.",
        parameters=[WORKSPACE_SLUG],
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentSerializer},
    ),
    destroy=extend_schema(
        operation_id="documents_destroy",
        summary="Delete an agreement document and its file",
        parameters=[WORKSPACE_SLUG, DOCUMENT_ID],
        responses={204: None},
    ),
)
class DocumentViewSet(
    PartnershipAPIMixin, ETagRetrieveMixin, mixins.ListModelMixin, WorkspaceViewSet
):
    serializer_class = DocumentSerializer
    schema_model = AgreementDocument
    filterset_class = DocumentFilter
    parser_classes = [MultiPartParser]
    ordering_fields = ["id", "created_at", "updated_at"]
    ordering = ["id"]

    def get_serializer_class(self) -> type:
        return DocumentUploadSerializer if self.action == "create" else DocumentSerializer

    def get_renderers(self) -> list[BaseRenderer]:
        if getattr(self, "action", None) == "download":
            return [JSONRenderer(), FileRenderer()]
        return super().get_renderers()

    def workspace_queryset(self) -> Any:
        return document_list(workspace=self.workspace, access=self.access)

    def get_object(self) -> AgreementDocument:
        return self.get_object_or_404(  # type: ignore[no-any-return]
            document_get, workspace=self.workspace, access=self.access, pk=self.kwargs["pk"]
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _validated(DocumentUploadSerializer, request, self)
        try:
            partnership = partnership_get(
                workspace=self.workspace, access=self.access, pk=data.pop("partnership")
            )
        except ObjectDoesNotExist as exc:
            raise serializers.ValidationError(
                {"partnership": ["Choose a partnership of this workspace."]}
            ) from exc
        document = document_upload(
            workspace=self.workspace, actor=self.actor(), partnership=partnership, **data
        )
        location = reverse(
            "api_document-detail",
            kwargs={"workspace_slug": self.workspace.slug, "pk": document.pk},
        )
        serializer = DocumentSerializer(document, context=self.get_serializer_context())
        return _detail(serializer.data, status_code=status.HTTP_201_CREATED, Location=location)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        document = self.get_object()
        document_delete(workspace=self.workspace, actor=self.actor(), document=document)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="documents_download",
        summary="Download the file (as an attachment)",
        parameters=[WORKSPACE_SLUG, DOCUMENT_ID],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                response=OpenApiTypes.BINARY,
                description="The file, with Content-Disposition: attachment and its detected "
                "Content-Type (application/pdf, DOCX or ODT).",
            )
        },
    )
    def download(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return attachment_response(self.get_object())
