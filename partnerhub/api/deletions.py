"""/api/v1/w/<slug>/deletions/: what was deleted, for clients keeping a copy in sync."""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.filters import BaseFilterBackend

from partnerhub.api.activity import WORKSPACE_SLUG
from partnerhub.api.base import WorkspaceViewSet
from partnerhub.api.filters import UtcIsoDateTimeFilter
from partnerhub.api.pagination import CursorPagination
from partnerhub.models import ActivityEvent
from partnerhub.permissions import Action
from partnerhub.selectors_deletions import (
    IMPLIED_DELETIONS,
    RESOURCE_NAMES,
    deletions_visible_to,
)


class DeletionCursorPagination(CursorPagination):
    # Delete events never change once written, so DRF's cursor is stable on them.
    ordering = ("created_at", "id")  # type: ignore[assignment]  # DRF takes a sequence


class DeletionFilter(django_filters.FilterSet):
    since = UtcIsoDateTimeFilter(
        field_name="created_at",
        lookup_expr="gte",
        help_text="Only deletions at or after this ISO 8601 date-time.",
    )

    class Meta:
        model = ActivityEvent
        fields = ["since"]


class DeletionSerializer(serializers.Serializer):
    type = serializers.SerializerMethodField(help_text="The API resource name, e.g. milestone.")
    id = serializers.IntegerField(source="object_id", read_only=True)
    deleted_at = serializers.DateTimeField(source="created_at", read_only=True)

    def get_type(self, event: ActivityEvent) -> str:
        return RESOURCE_NAMES[event.object_type]


def _implied_text() -> str:
    lines = []
    for parent, children in IMPLIED_DELETIONS.items():
        parts = [
            f"{child} (by {field}){' set to null' if effect == 'null' else ''}"
            for child, field, effect in children
        ]
        lines.append(f"- {parent}: " + ", ".join(parts))
    return "\n".join(lines)


DESCRIPTION = f"""Tombstones of deleted objects: type (the API resource), id and when. Oldest
first, cursor-paginated on (deleted_at, id); kept for at least 90 days (in practice never
removed). An incremental sync pulls each list with `updated_since` and this endpoint with
`since`, both from its last sync time minus a safety margin of a minute.

A deletion lists only the object deleted: children removed with it are implied, and a client
removes them itself (and clears the references set to null):
{_implied_text()}

Reporting periods without figures that leave an indicator's schedule, and people removed
from the workspace (members), have no tombstone: these two lists are small, so pull them
in full at each sync. An indicator's `progress` derives from its figures without moving
the indicator's updated_at: re-read the indicator of every figure an incremental pull
returns."""


@extend_schema_view(
    list=extend_schema(
        operation_id="deletions_list",
        summary="Deleted objects since a moment, for incremental sync",
        description=DESCRIPTION,
        parameters=[WORKSPACE_SLUG],
        responses={200: DeletionSerializer(many=True)},
    )
)
class DeletionViewSet(mixins.ListModelMixin, WorkspaceViewSet):
    read_action = Action.VIEW_WORKSPACE
    write_action = Action.VIEW_WORKSPACE  # no write route exists: other methods are 405
    serializer_class = DeletionSerializer
    schema_model = ActivityEvent
    filterset_class = DeletionFilter
    pagination_class = DeletionCursorPagination
    filter_backends: list[type[BaseFilterBackend]] = [
        django_filters.rest_framework.DjangoFilterBackend,
    ]

    def workspace_queryset(self) -> Any:
        return deletions_visible_to(workspace=self.workspace, access=self.access)
