"""Health check endpoints under /api/v1/w/<workspace_slug>/: the rounds, and each round's
results in aggregate. Read-only: people answer in the browser, and no endpoint returns a
response or an answer, only counts and averages (``impact.selectors_health`` decides what
is withheld). Everyone who sees a partnership reads its rounds; read keys too.
"""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from impact.models import HealthCheckRound
from impact.selectors_health import RoundState, health_round_get, health_round_list
from impact.selectors_health_results import health_results
from impact.serializers_health import (
    HealthResultsSerializer,
    HealthRoundSerializer,
    results_payload,
)
from partnerhub.api.base import ETagRetrieveMixin, WorkspaceViewSet, etag_for, etag_matches
from partnerhub.api.filters import IdFilter
from partnerhub.api.renderers import CSVRenderer, FastJSONRenderer
from partnerhub.permissions import Action
from partners.api.partnerships import (
    CSV_NOTE,
    FORMAT,
    IF_NONE_MATCH,
    WORKSPACE_SLUG,
    detail_response,
)
from partners.services.partnerships import workspace_today

ROUND_ID = OpenApiParameter(
    "id", int, OpenApiParameter.PATH, description="The health check round's id."
)


class HealthRoundFilter(django_filters.FilterSet):
    partnership = IdFilter(
        field_name="partnership", help_text="Only rounds of this partnership (id)."
    )
    state = django_filters.ChoiceFilter(
        choices=RoundState.choices,
        field_name="state",
        help_text="Only rounds in this state today (workspace time zone).",
    )

    class Meta:
        model = HealthCheckRound
        fields = ["partnership", "state"]


@extend_schema_view(
    list=extend_schema(
        operation_id="health_rounds_list",
        summary="Health check rounds (a partner: only their organization's partnerships)",
        description="Cursor-paginated, with response counts (never who answered)." + CSV_NOTE,
        parameters=[WORKSPACE_SLUG, FORMAT],
        responses={200: HealthRoundSerializer(many=True)},
    ),
    retrieve=extend_schema(
        operation_id="health_rounds_retrieve",
        summary="One health check round",
        parameters=[WORKSPACE_SLUG, ROUND_ID, IF_NONE_MATCH],
        responses={200: HealthRoundSerializer, 304: None},
    ),
)
class HealthRoundViewSet(ETagRetrieveMixin, mixins.ListModelMixin, WorkspaceViewSet):
    read_action = Action.VIEW_WORKSPACE
    serializer_class = HealthRoundSerializer
    schema_model = HealthCheckRound
    filterset_class = HealthRoundFilter
    ordering_fields = ["id", "opens_on", "closes_on", "created_at", "updated_at"]
    ordering = ["id"]

    def get_renderers(self) -> list[BaseRenderer]:
        if getattr(self, "action", None) == "list":
            return [FastJSONRenderer(), CSVRenderer()]
        return [FastJSONRenderer()]

    def workspace_queryset(self) -> Any:
        return health_round_list(
            workspace=self.workspace, access=self.access, today=workspace_today(self.workspace)
        )

    def get_object(self) -> HealthCheckRound:
        return self.get_object_or_404(  # type: ignore[no-any-return]
            health_round_get,
            workspace=self.workspace,
            access=self.access,
            pk=self.kwargs["pk"],
            today=workspace_today(self.workspace),
        )

    @extend_schema(
        operation_id="health_rounds_results_retrieve",
        summary="A round's results, in aggregate only",
        description="Per factor the average and the distribution over the 1-5 scale; averages "
        "per sector group and the spread between groups; comments without names, ordered by "
        "text; and the trend across the partnership's rounds. Withheld (`suppressed`) until "
        "the round has closed with at least `min_respondents` respondents; a sector group "
        "needs as many, smaller sectors are merged into `other`. Individual answers are "
        "never returned.",
        parameters=[WORKSPACE_SLUG, ROUND_ID, IF_NONE_MATCH],
        responses={200: HealthResultsSerializer, 304: None},
    )
    def results(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        health_round = self.get_object()
        results = health_results(
            workspace=self.workspace,
            health_round=health_round,
            today=workspace_today(self.workspace),
        )
        data = HealthResultsSerializer(results_payload(results)).data
        etag = etag_for(data)
        if etag_matches(request.headers.get("If-None-Match"), etag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return detail_response(data)
