"""Commitment endpoints under /api/v1/w/<workspace_slug>/: commitments, their deliveries,
and a partnership's commitment totals per member and overall.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from partnerhub.api.base import (
    ETagRetrieveMixin,
    WorkspaceGenericAPIView,
    WorkspaceViewSet,
    etag_for,
    etag_matches,
)
from partnerhub.api.filters import IdFilter
from partners.api.partnerships import (
    COMMITMENT_ID,
    COMMITMENT_PK,
    CSV_NOTE,
    FORMAT,
    IF_NONE_MATCH,
    PARTNERSHIP_ID,
    WORKSPACE_SLUG,
    PartnershipAPIMixin,
    detail_response,
    validated_input,
)
from partners.api.serializers_partnerships import (
    CommitmentCreateSerializer,
    CommitmentSerializer,
    CommitmentTotalsSerializer,
    CommitmentUpdateSerializer,
    DeliveryCreateSerializer,
    DeliverySerializer,
)
from partners.models import Commitment, CommitmentDelivery, CommitmentKind, Partnership
from partners.selectors_partnerships import (
    commitment_get,
    commitment_list,
    commitment_totals,
    delivery_list,
    member_list,
    partnership_member_get,
)
from partners.services.commitments import commitment_create, commitment_update, delivery_record


class CommitmentFilter(django_filters.FilterSet):
    partnership = IdFilter(field_name="partnership", help_text="Partnership id.")
    member = IdFilter(field_name="member", help_text="Membership id.")
    organization = IdFilter(
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
        return detail_response(CommitmentSerializer(fresh).data, **kwargs)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated_input(CommitmentCreateSerializer, request, self)
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
        data = validated_input(CommitmentUpdateSerializer, request, self, partial=True)
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
        data = validated_input(DeliveryCreateSerializer, request, self)
        delivery = delivery_record(
            workspace=self.workspace, actor=self.actor(), commitment=commitment, **data
        )
        return detail_response(
            DeliverySerializer(delivery).data, status_code=status.HTTP_201_CREATED
        )


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
