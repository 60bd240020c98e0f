"""The organization directory's endpoints, under /api/v1/w/<workspace_slug>/organizations/.

Every member and key reads; coordinators, admins and write keys create, change and
delete, through the same services as the HTML pages. Contacts are part of the
organization: read in the detail, written through the ``contacts`` field of a create or
update (the whole list; see ``OrganizationWriteSerializer``).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from partnerhub.api.base import ETagRetrieveMixin, WorkspaceViewSet, acting_user, etag_for
from partnerhub.api.renderers import CSVRenderer, FastJSONRenderer
from partnerhub.permissions import Action
from partners.api.serializers_organizations import (
    OrganizationDetailSerializer,
    OrganizationSerializer,
    OrganizationWriteSerializer,
)
from partners.models import SDG_NAMES, Organization, Resource, Sector
from partners.selectors.organizations import (
    DirectoryQuery,
    organization_filter,
    organization_get_detail,
    organization_search,
)
from partners.services.organizations import (
    organization_create,
    organization_delete,
    organization_update,
    organization_values,
)

WORKSPACE_SLUG = OpenApiParameter(
    "workspace_slug",
    str,
    OpenApiParameter.PATH,
    description="The workspace's slug, as in its web address /w/<slug>/.",
)
ORGANIZATION_ID = OpenApiParameter(
    "id", int, OpenApiParameter.PATH, description="The organization's id."
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
    description="`csv` for a spreadsheet (as `Accept: text/csv`): one row per organization, "
    "lists joined with `;`; the next page's address is in the `Link` header.",
)


class OrganizationFilter(django_filters.FilterSet):
    """The directory's filters; what each means is decided by the directory's selector."""

    q = django_filters.CharFilter(
        method="noop", help_text="Words in the name or mission (each word, as a prefix)."
    )
    sector = django_filters.MultipleChoiceFilter(
        choices=Sector.choices, method="noop", help_text="Any of these sectors (repeatable)."
    )
    sdg = django_filters.MultipleChoiceFilter(
        choices=[(str(n), f"SDG {n}") for n in SDG_NAMES],
        method="noop",
        help_text="Works on all of these SDGs (repeatable).",
    )
    tag = django_filters.CharFilter(method="noop", help_text="Has this focus tag.")
    offers = django_filters.MultipleChoiceFilter(
        choices=Resource.choices, method="noop", help_text="Offers all of these (repeatable)."
    )
    needs = django_filters.MultipleChoiceFilter(
        choices=Resource.choices, method="noop", help_text="Needs all of these (repeatable)."
    )
    country = django_filters.CharFilter(method="noop", help_text="ISO 3166-1 alpha-2 country code.")
    region = django_filters.CharFilter(method="noop", help_text="Part of the region or city.")

    class Meta:
        model = Organization
        fields: list[str] = []

    def noop(self, queryset: Any, name: str, value: Any) -> Any:
        return queryset  # applied all at once in filter_queryset

    def filter_queryset(self, queryset: Any) -> Any:
        data = self.form.cleaned_data
        query = DirectoryQuery(
            q=data.get("q") or "",
            sectors=tuple(data.get("sector") or ()),
            sdgs=tuple(int(n) for n in data.get("sdg") or ()),
            tags=(data["tag"],) if data.get("tag") else (),
            offers=tuple(data.get("offers") or ()),
            needs=tuple(data.get("needs") or ()),
            countries=(data["country"],) if data.get("country") else (),
            region=data.get("region") or "",
        )
        view = self.request.parser_context["view"]  # type: ignore[union-attr]
        return organization_filter(workspace=view.workspace, query=query, queryset=queryset)


def _detail_response(
    organization: Organization, *, status_code: int = 200, **headers: str
) -> Response:
    data = OrganizationDetailSerializer(organization).data
    return Response(data, status=status_code, headers={"ETag": etag_for(data), **headers})


@extend_schema_view(
    list=extend_schema(
        operation_id="organizations_list",
        summary="The organization directory",
        description="Cursor-paginated; filter, search and order as below. "
        "`?format=csv` or `Accept: text/csv` answers CSV.",
        parameters=[WORKSPACE_SLUG, FORMAT],
        responses={200: OrganizationSerializer(many=True)},
    ),
    retrieve=extend_schema(
        operation_id="organizations_retrieve",
        summary="One organization, with its contacts",
        parameters=[WORKSPACE_SLUG, ORGANIZATION_ID, IF_NONE_MATCH],
        responses={200: OrganizationDetailSerializer, 304: None},
    ),
    create=extend_schema(
        operation_id="organizations_create",
        summary="Add an organization (coordinators, admins, write keys)",
        parameters=[WORKSPACE_SLUG],
        request=OrganizationWriteSerializer,
        responses={201: OrganizationDetailSerializer},
    ),
    partial_update=extend_schema(
        operation_id="organizations_partial_update",
        summary="Change an organization (coordinators, admins, write keys)",
        description="Fields left out keep their values; a list given (sdgs, tags, offers, "
        "needs, contacts) replaces the current one.",
        parameters=[WORKSPACE_SLUG, ORGANIZATION_ID],
        request=OrganizationWriteSerializer,
        responses={200: OrganizationDetailSerializer},
    ),
    destroy=extend_schema(
        operation_id="organizations_destroy",
        summary="Delete an organization (refused while partnerships or partners use it)",
        parameters=[WORKSPACE_SLUG, ORGANIZATION_ID],
        responses={204: None},
    ),
)
class OrganizationViewSet(ETagRetrieveMixin, mixins.ListModelMixin, WorkspaceViewSet):
    read_action = Action.VIEW_DIRECTORY
    write_action = Action.EDIT_CONTENT
    serializer_class = OrganizationSerializer
    schema_model = Organization
    filterset_class = OrganizationFilter
    ordering_fields = ["id", "name", "sector", "created_at", "updated_at"]
    ordering = ["id"]

    def get_renderers(self) -> list[BaseRenderer]:
        if getattr(self, "action", None) == "list":
            return [FastJSONRenderer(), CSVRenderer()]
        return [FastJSONRenderer()]

    def get_serializer_class(self) -> type:
        if self.action == "list":
            return OrganizationSerializer
        if self.action in ("create", "partial_update"):
            return OrganizationWriteSerializer
        return OrganizationDetailSerializer

    def workspace_queryset(self) -> Any:
        return organization_search(workspace=self.workspace, query=DirectoryQuery())

    def get_object(self) -> Organization:
        return self.get_object_or_404(
            organization_get_detail, workspace=self.workspace, pk=self.kwargs["pk"]
        )

    def _location(self, organization: Organization) -> str:
        return reverse(
            "api_organization-detail",
            kwargs={"workspace_slug": self.workspace.slug, "pk": organization.pk},
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = OrganizationWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        organization = organization_create(
            workspace=self.workspace,
            actor=acting_user(request) or self.access.api_key,
            **payload.validated_data,
        )
        fresh = organization_get_detail(workspace=self.workspace, pk=organization.pk)
        return _detail_response(
            fresh, status_code=status.HTTP_201_CREATED, Location=self._location(fresh)
        )

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        organization = self.get_object()
        payload = OrganizationWriteSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        changes = dict(payload.validated_data)
        contacts = changes.pop("contacts", None)
        values = {**organization_values(organization), **changes}
        organization_update(
            workspace=self.workspace,
            actor=acting_user(request) or self.access.api_key,
            organization=organization,
            contacts=contacts,
            **values,
        )
        fresh = organization_get_detail(workspace=self.workspace, pk=organization.pk)
        return _detail_response(fresh)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        organization = self.get_object()
        organization_delete(
            workspace=self.workspace,
            actor=acting_user(request) or self.access.api_key,
            organization=organization,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
