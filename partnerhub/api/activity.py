"""/api/v1/w/<slug>/activity/: the activity trail (audit events), read-only for every
member and key. Oldest first with cursor pagination on (created_at, id), so an external
tool can pull the trail incrementally; a partner sees only the events of the partnerships
their organization belongs to."""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers
from rest_framework.filters import BaseFilterBackend

from partnerhub.api.base import WorkspaceViewSet
from partnerhub.api.filters import IdFilter, UpdatedSinceFilter, UtcIsoDateTimeFilter
from partnerhub.api.pagination import CursorPagination
from partnerhub.models import ActivityEvent, EventAction
from partnerhub.permissions import Action
from partnerhub.selectors_activity import events_visible_to

WORKSPACE_SLUG = OpenApiParameter(
    "workspace_slug",
    str,
    OpenApiParameter.PATH,
    description="The workspace's slug, as in its web address /w/<slug>/.",
)


class ActivityCursorPagination(CursorPagination):
    ordering = ("created_at", "id")  # type: ignore[assignment]  # DRF takes a sequence


class ActivityFilter(django_filters.FilterSet):
    partnership = IdFilter(
        field_name="partnership_id", help_text="Only events of this partnership (id)."
    )
    object_type = django_filters.CharFilter(
        help_text="Only events about this type of object, as app_label.model "
        "(e.g. partners.partnership)."
    )
    object_id = IdFilter(help_text="Only events about the object with this id (with object_type).")
    action = django_filters.ChoiceFilter(choices=EventAction.choices, help_text="Only this action.")
    actor_user = IdFilter(
        field_name="actor_user_id", help_text="Only events by this person (user id)."
    )
    actor_key = IdFilter(field_name="actor_key_id", help_text="Only events by this API key (id).")
    since = UtcIsoDateTimeFilter(
        field_name="created_at",
        lookup_expr="gte",
        help_text="Only events at or after this ISO 8601 date-time.",
    )
    until = UtcIsoDateTimeFilter(
        field_name="created_at",
        lookup_expr="lt",
        help_text="Only events before this ISO 8601 date-time.",
    )

    class Meta:
        model = ActivityEvent
        fields = [
            "partnership",
            "object_type",
            "object_id",
            "action",
            "actor_user",
            "actor_key",
            "since",
            "until",
        ]


ACTOR_SCHEMA = {
    "type": "object",
    "description": "Who acted: a person, an API key, or PartnerHub itself.",
    "properties": {
        "type": {"type": "string", "enum": ["user", "api_key", "system"]},
        "user": {"type": "integer", "nullable": True, "description": "The person's user id."},
        "api_key": {"type": "integer", "nullable": True, "description": "The API key's id."},
        "label": {"type": "string", "description": "Who, as shown at the time."},
    },
    "required": ["type", "user", "api_key", "label"],
}


class ActivityEventSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True, help_text="When (UTC).")
    action = serializers.ChoiceField(choices=EventAction.choices, read_only=True)
    object_type = serializers.CharField(read_only=True, help_text="app_label.model")
    object_id = serializers.IntegerField(read_only=True)
    object_repr = serializers.CharField(read_only=True, help_text="The object's name then.")
    partnership = serializers.IntegerField(source="partnership_id", read_only=True, allow_null=True)
    actor = serializers.SerializerMethodField()
    changes = serializers.SerializerMethodField()

    @extend_schema_field(ACTOR_SCHEMA)
    def get_actor(self, event: ActivityEvent) -> dict[str, Any]:
        if event.actor_user_id is not None:
            kind = "user"
        elif event.actor_key_id is not None:
            kind = "api_key"
        else:
            kind = "system"
        return {
            "type": kind,
            "user": event.actor_user_id,
            "api_key": event.actor_key_id,
            "label": event.actor_label,
        }

    @extend_schema_field(
        {
            "type": "object",
            "additionalProperties": {},
            "description": "Updates: {field: [before, after]} of the fields that changed. "
            "Creations: {field: value}. Deletions: {field: last value}.",
        }
    )
    def get_changes(self, event: ActivityEvent) -> dict[str, Any]:
        return event.changes or {}


@extend_schema_view(
    list=extend_schema(
        operation_id="activity_list",
        summary="The activity trail (a partner: only their organization's partnerships)",
        description="Every create, update and delete of the workspace's objects: who (a person "
        "or an API key), when (UTC), what, and the before/after of changed fields. Oldest first, "
        "cursor-paginated on (created_at, id); events never change once written.",
        parameters=[WORKSPACE_SLUG],
        responses={200: ActivityEventSerializer(many=True)},
    )
)
class ActivityEventViewSet(mixins.ListModelMixin, WorkspaceViewSet):
    read_action = Action.VIEW_WORKSPACE
    write_action = Action.VIEW_WORKSPACE  # no write route exists: other methods are 405
    serializer_class = ActivityEventSerializer
    schema_model = ActivityEvent
    filterset_class = ActivityFilter
    pagination_class = ActivityCursorPagination
    filter_backends: list[type[BaseFilterBackend]] = [
        UpdatedSinceFilter,
        django_filters.rest_framework.DjangoFilterBackend,
    ]

    def workspace_queryset(self) -> Any:
        return events_visible_to(workspace=self.workspace, access=self.access)
