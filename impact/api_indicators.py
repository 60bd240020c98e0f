"""Indicator endpoints under /api/v1/w/<workspace_slug>/: indicators, their reporting
periods, and their derived progress.

Thin views over the impact selectors and services, as the HTML pages. Everyone who may see
a partnership reads its indicators and periods (a partner only their organization's
partnerships); admins, coordinators and write keys create and change them. Objects are
looked up before a request body or header is read, so someone who may not see an object
gets a 404 whatever they send.

Progress is derived, never written: the list computes it for the whole page in one
aggregate query (``impact.progress.indicators_progress``), the detail of one indicator
adds the per-period actuals in one more.

Writes of an indicator (PATCH, PUT, DELETE) and of a period (PATCH) need ``If-Match`` with
the current ETag (from GET): 428 without it, 412 when it is stale. An ETag covers the whole
representation, progress included, so after figures were approved GET again. The check
runs under the partnership's (or the period's) row lock, so two writers cannot both pass
it with the same ETag.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import prefetch_related_objects
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from goals.selectors import goal_get
from goals.serializers import PreconditionProblemSerializer
from impact.api_filters import IndicatorFilter, IndicatorProgressFilter, PeriodFilter
from impact.models import Aggregation, Direction, Indicator, ReportingPeriod, ResultLevel
from impact.progress import indicators_progress, period_actuals
from impact.selectors import indicator_get, indicators_visible_to, period_get, periods_visible_to
from impact.serializers import (
    IndicatorProgressDetailSerializer,
    IndicatorProgressSerializer,
    IndicatorSerializer,
    IndicatorWriteSerializer,
    PeriodSerializer,
    PeriodWriteSerializer,
)
from impact.services_indicators import (
    indicator_create,
    indicator_delete,
    indicator_update,
    period_lock,
    period_set_target,
)
from partnerhub.api.base import (
    WorkspaceViewSet,
    acting_user,
    etag_for,
    etag_matches,
    if_match_passes,
)
from partnerhub.api.renderers import CSVRenderer, FastJSONRenderer
from partnerhub.models import ApiKey, User
from partnerhub.permissions import Action
from partners.api.partnerships import CSV_NOTE, FORMAT, IF_NONE_MATCH, WORKSPACE_SLUG
from partners.selectors_partnerships import partnership_get
from partners.services.partnerships import lock_partnership


def _path(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, int, OpenApiParameter.PATH, description=description)


INDICATOR_ID = _path("id", "The indicator's id.")
PERIOD_ID = _path("id", "The reporting period's id.")


def if_match(what: str) -> OpenApiParameter:
    return OpenApiParameter(
        "If-Match",
        str,
        OpenApiParameter.HEADER,
        required=True,
        description=f"The {what}'s current ETag (from GET): 428 without it, 412 when stale.",
    )


PRECONDITIONS = {
    412: OpenApiResponse(
        PreconditionProblemSerializer, description="If-Match is not the current ETag."
    ),
    428: OpenApiResponse(PreconditionProblemSerializer, description="If-Match is missing."),
}


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = "Send If-Match with the current ETag (from GET)."
    default_code = "precondition-required"


class PreconditionFailed(exceptions.APIException):
    status_code = 412
    default_detail = "It changed since you read it: GET it again and re-apply your change."
    default_code = "precondition-failed"


def check_if_match(request: Request, etag: str) -> None:
    """428 without If-Match, 412 when it does not name ``etag`` (strongly, no ``*``)."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired()
    if not if_match_passes(header, etag):
        raise PreconditionFailed()


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


# The services name a field as the Python call does; the API as its body does.
SERVICE_FIELD_NAMES = {"reporter_ids": "reporting_organizations"}


@contextmanager
def api_field_names() -> Iterator[None]:
    """Re-key a service's ValidationError by the API's field names."""
    try:
        yield
    except DjangoValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise DjangoValidationError(
            {SERVICE_FIELD_NAMES.get(k, k): v for k, v in exc.error_dict.items()}
        ) from exc


class ImpactAPIMixin:
    """What every impact endpoint shares: the actor, and CSV output of list actions."""

    def actor(self) -> User | ApiKey | None:
        request: Request = self.request  # type: ignore[attr-defined]
        return acting_user(request) or self.access.api_key  # type: ignore[attr-defined]

    def get_renderers(self) -> list[BaseRenderer]:
        if getattr(self, "action", None) == "list":
            return [FastJSONRenderer(), CSVRenderer()]
        return [FastJSONRenderer()]

    def visible_indicator(self, pk: Any) -> Indicator:
        return self.get_object_or_404(  # type: ignore[attr-defined,no-any-return]
            indicator_get,
            workspace=self.workspace,  # type: ignore[attr-defined]
            access=self.access,  # type: ignore[attr-defined]
            indicator_id=pk,
        )


def _with_details(indicators: Any) -> Any:
    """Reporters and dimensions with their categories: three queries for any number."""
    return indicators.prefetch_related("reporters", "dimensions__categories")


# --- Indicators -------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        operation_id="indicators_list",
        summary="Indicators (a partner: only their organization's partnerships)",
        description="Cursor-paginated, each with its derived progress (computed for the "
        "page in one query). To filter by status use /indicator-progress/." + CSV_NOTE,
        parameters=[WORKSPACE_SLUG, FORMAT],
        responses={200: IndicatorSerializer(many=True)},
    ),
    retrieve=extend_schema(
        operation_id="indicators_retrieve",
        summary="One indicator, with its ETag",
        parameters=[WORKSPACE_SLUG, INDICATOR_ID, IF_NONE_MATCH],
        responses={200: IndicatorSerializer, 304: None},
    ),
    create=extend_schema(
        operation_id="indicators_create",
        summary="Create an indicator in a partnership (coordinators, admins, write keys)",
        description="Its reporting periods are generated from the frequency between the "
        "baseline and target dates.",
        parameters=[WORKSPACE_SLUG],
        request=IndicatorWriteSerializer,
        responses={201: IndicatorSerializer},
    ),
    partial_update=extend_schema(
        operation_id="indicators_partial_update",
        summary="Change an indicator (If-Match required)",
        description="The periods follow the new schedule; a period holding figures is "
        "never deleted. `reporting_organizations` and `dimensions`, when given, replace the "
        "current ones.",
        parameters=[WORKSPACE_SLUG, INDICATOR_ID, if_match("indicator")],
        request=IndicatorWriteSerializer,
        responses={200: IndicatorSerializer, **PRECONDITIONS},
    ),
    update=extend_schema(
        operation_id="indicators_update",
        summary="Replace an indicator's fields (If-Match required)",
        description="Fields left out take their defaults (no goal, no reporting "
        "organizations, no dimensions).",
        parameters=[WORKSPACE_SLUG, INDICATOR_ID, if_match("indicator")],
        request=IndicatorWriteSerializer,
        responses={200: IndicatorSerializer, **PRECONDITIONS},
    ),
    destroy=extend_schema(
        operation_id="indicators_destroy",
        summary="Delete an indicator with its periods and figures (If-Match required)",
        parameters=[WORKSPACE_SLUG, INDICATOR_ID, if_match("indicator")],
        responses={204: None, **PRECONDITIONS},
    ),
)
class IndicatorViewSet(ImpactAPIMixin, mixins.ListModelMixin, WorkspaceViewSet):
    read_action = Action.VIEW_WORKSPACE
    write_action = Action.EDIT_CONTENT
    serializer_class = IndicatorSerializer
    schema_model = Indicator
    filterset_class = IndicatorFilter
    ordering_fields = ["id", "name", "target_date", "created_at", "updated_at"]
    ordering = ["id"]

    def get_serializer_class(self) -> type:
        if self.action in ("create", "update", "partial_update"):
            return IndicatorWriteSerializer
        return IndicatorSerializer

    def workspace_queryset(self) -> Any:
        return _with_details(indicators_visible_to(workspace=self.workspace, access=self.access))

    def get_object(self) -> Indicator:
        indicator = self.visible_indicator(self.kwargs["pk"])
        prefetch_related_objects([indicator], "reporters", "dimensions__categories")
        return indicator

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Queries: the page (1), reporters, dimensions, categories (3), progress (1).
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        progress = indicators_progress(
            workspace=self.workspace, indicator_ids=[indicator.pk for indicator in page]
        )
        context = self.get_serializer_context() | {"progress": progress}
        data = IndicatorSerializer(page, many=True, context=context).data
        return self.get_paginated_response(data)

    def detail_data(self, indicator: Indicator) -> dict[str, Any]:
        progress = indicators_progress(workspace=self.workspace, indicator_ids=[indicator.pk])
        return IndicatorSerializer(indicator, context={"progress": progress}).data

    def _detail(self, indicator: Indicator, status_code: int = 200, **headers: str) -> Response:
        fresh = self.get_object_or_404(
            indicator_get, workspace=self.workspace, access=self.access, indicator_id=indicator.pk
        )
        prefetch_related_objects([fresh], "reporters", "dimensions__categories")
        data = self.detail_data(fresh)
        return Response(data, status=status_code, headers={"ETag": etag_for(data), **headers})

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.detail_data(self.get_object())
        etag = etag_for(data)
        if etag_matches(request.headers.get("If-None-Match"), etag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return Response(data, headers={"ETag": etag})

    def _related(self, data: dict[str, Any]) -> dict[str, Any]:
        """The body's ids as the services take them: a goal row, reporter ids."""
        changes = dict(data)
        if "goal" in changes and changes["goal"] is not None:
            try:
                changes["goal"] = goal_get(
                    workspace=self.workspace, access=self.access, pk=changes["goal"]
                )
            except ObjectDoesNotExist as exc:
                raise serializers.ValidationError(
                    {"goal": ["Choose a shared goal of this partnership."]}
                ) from exc
        if "reporting_organizations" in changes:
            changes["reporter_ids"] = changes.pop("reporting_organizations")
        if "dimensions" in changes:
            changes["dimensions"] = [dict(spec) for spec in changes["dimensions"]]
        return changes

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated_input(IndicatorWriteSerializer, request, self)
        partnership_id = data.pop("partnership", None)
        if partnership_id is None:
            raise serializers.ValidationError({"partnership": ["This field is required."]})
        try:
            partnership = partnership_get(
                workspace=self.workspace, access=self.access, pk=partnership_id
            )
        except ObjectDoesNotExist as exc:
            raise serializers.ValidationError(
                {"partnership": ["Choose a partnership of this workspace."]}
            ) from exc
        changes = self._related(data)
        with api_field_names():
            indicator = indicator_create(
                workspace=self.workspace, actor=self.actor(), partnership=partnership, **changes
            )
        location = reverse(
            "api_indicator-detail",
            kwargs={"workspace_slug": self.workspace.slug, "pk": indicator.pk},
        )
        return self._detail(indicator, status.HTTP_201_CREATED, Location=location)

    def _checked(self, request: Request) -> Indicator:
        """The indicator (404 first), then If-Match (428, 412) under the partnership's lock:
        every writer of an indicator takes it first, so the ETag cannot move meanwhile."""
        indicator = self.get_object()
        if not request.headers.get("If-Match"):
            raise PreconditionRequired()
        lock_partnership(workspace=self.workspace, partnership=indicator.partnership)
        current = self.get_object()
        check_if_match(request, etag_for(self.detail_data(current)))
        return current

    def _write(self, request: Request, *, partial: bool) -> Response:
        indicator = self._checked(request)
        data = validated_input(IndicatorWriteSerializer, request, self, partial=partial)
        if data.pop("partnership", indicator.partnership_id) != indicator.partnership_id:
            raise serializers.ValidationError(
                {"partnership": ["An indicator stays in its partnership."]}
            )
        if not partial:
            defaults = {
                "goal": None,
                "definition": "",
                "unit": "",
                "currency": "",
                "direction": Direction.INCREASE,
                "result_level": ResultLevel.OUTPUT,
                "aggregation": Aggregation.SUM,
                "reporting_organizations": [],
                "dimensions": [],
            }
            data = defaults | data
        changes = self._related(data)
        with api_field_names():
            indicator_update(
                workspace=self.workspace, actor=self.actor(), indicator=indicator, **changes
            )
        return self._detail(indicator)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._write(request, partial=False)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._write(request, partial=True)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        indicator = self._checked(request)
        indicator_delete(workspace=self.workspace, actor=self.actor(), indicator=indicator)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="indicators_progress_retrieve",
        summary="An indicator's derived progress with its actual per period",
        description="Only approved figures count. A period's actual combines its "
        "organizations' figures (summed; averaged for percentages); the actual to date "
        "combines the periods by the indicator's aggregation.",
        parameters=[WORKSPACE_SLUG, INDICATOR_ID, IF_NONE_MATCH],
        responses={200: IndicatorProgressDetailSerializer, 304: None},
    )
    def progress(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        indicator = self.visible_indicator(kwargs["pk"])
        progress = indicators_progress(workspace=self.workspace, indicator_ids=[indicator.pk])
        indicator.period_actuals = period_actuals(  # type: ignore[attr-defined]
            workspace=self.workspace, indicator_id=indicator.pk
        )
        data = IndicatorProgressDetailSerializer(indicator, context={"progress": progress}).data
        etag = etag_for(data)
        if etag_matches(request.headers.get("If-None-Match"), etag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return Response(data, headers={"ETag": etag})


# --- Progress per indicator -------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        operation_id="indicator_progress_list",
        summary="Derived progress per indicator (a partner: their partnerships' only)",
        description="Cursor-paginated. Progress is computed in one query for the page; "
        "with `status`, it is computed in one query for every indicator matching the other "
        "filters, and the list holds those with that status (narrow large workspaces with "
        "`partnership` or `goal`)." + CSV_NOTE,
        parameters=[WORKSPACE_SLUG, FORMAT],
        responses={200: IndicatorProgressSerializer(many=True)},
    ),
)
class IndicatorProgressViewSet(ImpactAPIMixin, mixins.ListModelMixin, WorkspaceViewSet):
    read_action = Action.VIEW_WORKSPACE
    write_action = Action.EDIT_CONTENT
    serializer_class = IndicatorProgressSerializer
    schema_model = Indicator
    filterset_class = IndicatorProgressFilter
    ordering_fields = ["id", "name", "target_date"]
    ordering = ["id"]
    # Set by the status filter: the progress of every indicator it looked at.
    computed_progress: dict[int, Any] | None = None

    def workspace_queryset(self) -> Any:
        return indicators_visible_to(workspace=self.workspace, access=self.access)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Queries: the page (1) and progress (1); with ?status=, the matching ids (1) and
        # their progress (1) before the page, and none after it.
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        progress = self.computed_progress
        if progress is None:
            progress = indicators_progress(
                workspace=self.workspace, indicator_ids=[indicator.pk for indicator in page]
            )
        context = self.get_serializer_context() | {"progress": progress}
        data = IndicatorProgressSerializer(page, many=True, context=context).data
        return self.get_paginated_response(data)


# --- Periods ----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        operation_id="periods_list",
        summary="Reporting periods (a partner: their partnerships' only)",
        description="Cursor-paginated; generated from each indicator's frequency between "
        "its baseline and target dates." + CSV_NOTE,
        parameters=[WORKSPACE_SLUG, FORMAT],
        responses={200: PeriodSerializer(many=True)},
    ),
    retrieve=extend_schema(
        operation_id="periods_retrieve",
        summary="One reporting period, with its ETag",
        parameters=[WORKSPACE_SLUG, PERIOD_ID, IF_NONE_MATCH],
        responses={200: PeriodSerializer, 304: None},
    ),
    partial_update=extend_schema(
        operation_id="periods_partial_update",
        summary="Set a period's own target or lock it (If-Match required)",
        description="Coordinators, admins and write keys. A locked period refuses new or "
        "changed figures.",
        parameters=[WORKSPACE_SLUG, PERIOD_ID, if_match("period")],
        request=PeriodWriteSerializer,
        responses={200: PeriodSerializer, **PRECONDITIONS},
    ),
)
class PeriodViewSet(ImpactAPIMixin, mixins.ListModelMixin, WorkspaceViewSet):
    read_action = Action.VIEW_WORKSPACE
    write_action = Action.EDIT_CONTENT
    serializer_class = PeriodSerializer
    schema_model = ReportingPeriod
    filterset_class = PeriodFilter
    ordering_fields = ["id", "start_date", "end_date", "created_at", "updated_at"]
    ordering = ["id"]

    def get_serializer_class(self) -> type:
        if self.action == "partial_update":
            return PeriodWriteSerializer
        return PeriodSerializer

    def workspace_queryset(self) -> Any:
        return periods_visible_to(workspace=self.workspace, access=self.access).select_related(
            "indicator"
        )

    def get_object(self) -> ReportingPeriod:
        return self.get_object_or_404(  # type: ignore[no-any-return]
            period_get, workspace=self.workspace, access=self.access, period_id=self.kwargs["pk"]
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = PeriodSerializer(self.get_object()).data
        etag = etag_for(data)
        if etag_matches(request.headers.get("If-None-Match"), etag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return Response(data, headers={"ETag": etag})

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        period = self.get_object()
        if not request.headers.get("If-Match"):
            raise PreconditionRequired()
        # The period's row lock (the services take the same one) holds the ETag still.
        period = (
            periods_visible_to(workspace=self.workspace, access=self.access)
            .select_for_update(of=("self",))
            .select_related("indicator")
            .get(pk=period.pk)
        )
        check_if_match(request, etag_for(PeriodSerializer(period).data))
        data = validated_input(PeriodWriteSerializer, request, self, partial=True)
        if "target_value" in data:
            period_set_target(
                workspace=self.workspace,
                actor=self.actor(),
                period=period,
                target_value=data["target_value"],
            )
        if "locked" in data:
            period_lock(
                workspace=self.workspace, actor=self.actor(), period=period, locked=data["locked"]
            )
        data = PeriodSerializer(self.get_object()).data
        return Response(data, headers={"ETag": etag_for(data)})
