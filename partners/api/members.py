"""Partnership membership endpoints under /api/v1/w/<workspace_slug>/: every visible
membership (for sync), one membership, and a partnership's members (list and add).
Leaving keeps the membership and its history.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from partnerhub.api.base import ETagRetrieveMixin, WorkspaceViewSet
from partnerhub.api.filters import IdFilter
from partners.api.partnerships import (
    CSV_NOTE,
    FORMAT,
    IF_NONE_MATCH,
    MEMBERSHIP_ID,
    PARTNERSHIP_PK,
    WORKSPACE_SLUG,
    PartnershipAPIMixin,
    detail_response,
    validated_input,
)
from partners.api.serializers_partnerships import (
    PartnershipMemberCreateSerializer,
    PartnershipMemberSerializer,
    PartnershipMemberUpdateSerializer,
)
from partners.models import PartnershipMember
from partners.selectors_partnerships import (
    member_list,
    partnership_member_get,
    partnership_member_list,
)
from partners.services.partnerships import (
    partnership_member_add,
    partnership_member_remove,
    partnership_member_update,
)


class PartnershipMemberFilter(django_filters.FilterSet):
    partnership = IdFilter(
        field_name="partnership", help_text="Only memberships of this partnership (id)."
    )
    organization = IdFilter(
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
        data = validated_input(PartnershipMemberCreateSerializer, request, self)
        member = partnership_member_add(
            workspace=self.workspace, actor=self.actor(), partnership=partnership, **data
        )
        location = reverse(
            "api_partnership_member-detail",
            kwargs={"workspace_slug": self.workspace.slug, "pk": member.pk},
        )
        return detail_response(
            PartnershipMemberSerializer(member).data,
            status_code=status.HTTP_201_CREATED,
            Location=location,
        )

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        member = self.get_object()
        data = validated_input(PartnershipMemberUpdateSerializer, request, self, partial=True)
        member = partnership_member_update(
            workspace=self.workspace, actor=self.actor(), member=member, **data
        )
        return detail_response(PartnershipMemberSerializer(member).data)

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
