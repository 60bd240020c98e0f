"""Figure (measurement) endpoints under /api/v1/w/<workspace_slug>/: reporting figures and
reviewing them.

Thin views over ``impact.services_measurements``, as the HTML pages. Everyone who may see
a partnership reads its figures (a partner only their organization's partnerships).
Admins, coordinators and write keys report for any reporting organization of an
indicator; a partner (signed in) only for their own organization. Approving and returning
stay with people: coordinators and admins signed in; an API key gets a 403 problem.
Objects are looked up before a request body or header is read, so someone who may not
see a figure gets a 404 whatever they send.

A figure's ETag is derived from its version (every change bumps it). A change (PATCH)
names the version it was written against: ``If-Match`` with the ETag (412 when stale) or
``expected_version`` in the body (a 409 problem carrying the current figure); with
neither it is a 428. The review and submit actions take the same preconditions, which
are optional there. Lists read a page as plain rows, turned into MeasurementSerializer's
representation by ``impact.api_fast`` (the busiest read of the API, and of a full export,
without a serializer per row): the figures alone in one query, the periods,
organizations, people and API keys they name in one more, their breakdowns in one more,
whatever the number of rows.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import prefetch_related_objects
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from impact.api_fast import (
    WorkspaceFigures,
    measurement_rows_data,
    measurement_values,
    plain_sql,
)
from impact.api_filters import MeasurementFilter
from impact.api_indicators import (
    PRECONDITIONS,
    ImpactAPIMixin,
    PreconditionFailed,
    PreconditionRequired,
    validated_input,
)
from impact.models import Measurement, MeasurementStatus
from impact.selectors import (
    indicator_get,
    measurement_get,
    measurements_visible_to,
    period_get,
)
from impact.serializers import (
    MeasurementConflictSerializer,
    MeasurementReviewBulkSerializer,
    MeasurementReviewOutcomeSerializer,
    MeasurementSerializer,
    MeasurementWriteSerializer,
    ReturnSerializer,
    ReviewSerializer,
    SubmitSerializer,
)
from impact.services_measurements import (
    PEOPLE_REVIEW,
    MeasurementConflict,
    measurement_approve,
    measurement_return,
    measurement_save,
    measurement_submit,
    measurements_review_bulk,
)
from partnerhub.api.base import WorkspaceViewSet, etag_matches, if_match_passes
from partnerhub.api.errors import PROBLEM_CONTENT_TYPE, problem
from partnerhub.api.fast import (
    SkipIdleFilterSetMixin,
    cursor_reads_datetimes,
    datetimes_as_sql_text,
)
from partnerhub.permissions import Action
from partners.api.partnerships import CSV_NOTE, FORMAT, IF_NONE_MATCH, WORKSPACE_SLUG
from partners.selectors import organization_get

MEASUREMENT_ID = OpenApiParameter(
    "id", int, OpenApiParameter.PATH, description="The figure's (measurement's) id."
)
IF_MATCH_REQUIRED = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="The figure's current ETag (from GET): 412 when stale. A change needs it "
    "or `expected_version` in the body (428 with neither).",
)
IF_MATCH_OPTIONAL = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Optional: the figure's ETag as you reviewed it; 412 when it changed since.",
)
CONFLICT = {409: OpenApiResponse(MeasurementConflictSerializer, description="Stale version.")}
REVIEW_ACTIONS = ("approve", "return_figure", "review_bulk")
# Everything a figure's representation reads beyond its own row (details, conflicts).
RELATED = ("period", "organization", "submitted_by", "submitted_by_key", "reviewed_by")


def measurement_etag(measurement: Measurement) -> str:
    """Stable for as long as the figure's version (every change bumps it)."""
    return f'"measurement-{measurement.pk}-v{measurement.version}"'


class ReviewByPeopleOnly(exceptions.PermissionDenied):
    default_detail = PEOPLE_REVIEW


# Query parameters that leave the figures list unfiltered and in id order.
UNFILTERED_PARAMS = frozenset({"cursor", "page_size", "format"})


@extend_schema_view(
    list=extend_schema(
        operation_id="measurements_list",
        summary="Figures (a partner: their organization's partnerships only)",
        description="Cursor-paginated, with each figure's breakdown." + CSV_NOTE,
        parameters=[WORKSPACE_SLUG, FORMAT],
        responses={200: MeasurementSerializer(many=True)},
    ),
    retrieve=extend_schema(
        operation_id="measurements_retrieve",
        summary="One figure, with its ETag (derived from its version)",
        parameters=[WORKSPACE_SLUG, MEASUREMENT_ID, IF_NONE_MATCH],
        responses={200: MeasurementSerializer, 304: None},
    ),
    create=extend_schema(
        operation_id="measurements_create",
        summary="Report a figure for a period (submitted for review unless submit is false)",
        description="Admins, coordinators and write keys for any reporting organization of "
        "the indicator; a partner for their own organization. One figure per indicator, "
        "period and organization: when it exists already (and is not approved) it is "
        "changed (200) — send `expected_version: 0` to create only (409 when one exists). "
        "A locked period refuses figures. With an exhaustive dimension, the breakdown adds "
        "up to the value.",
        parameters=[WORKSPACE_SLUG],
        request=MeasurementWriteSerializer,
        responses={201: MeasurementSerializer, 200: MeasurementSerializer, **CONFLICT},
    ),
    partial_update=extend_schema(
        operation_id="measurements_partial_update",
        summary="Change a figure's value, breakdown, note or evidence link",
        description="Needs If-Match or `expected_version`. A submitted figure stays "
        "submitted; a draft or returned one becomes a draft unless `submit` is true. "
        "Approved figures are not changed (a coordinator returns them first).",
        parameters=[WORKSPACE_SLUG, MEASUREMENT_ID, IF_MATCH_REQUIRED],
        request=MeasurementWriteSerializer,
        responses={200: MeasurementSerializer, **PRECONDITIONS, **CONFLICT},
    ),
)
class MeasurementViewSet(
    SkipIdleFilterSetMixin, ImpactAPIMixin, mixins.ListModelMixin, WorkspaceViewSet
):
    read_action = Action.VIEW_WORKSPACE
    write_action = Action.REPORT_PROGRESS
    serializer_class = MeasurementSerializer
    schema_model = Measurement
    filterset_class = MeasurementFilter
    # Nullable columns (submitted_at, reviewed_at) would break the cursor: not offered.
    ordering_fields = ["id", "created_at", "updated_at"]
    ordering = ["id"]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if self.action in REVIEW_ACTIONS:
            if self.access.api_key is not None:
                raise ReviewByPeopleOnly()
            if not self.access.can(Action.REVIEW_MEASUREMENTS):
                raise exceptions.PermissionDenied(
                    "Only coordinators and admins approve or return figures."
                )

    def get_serializer_class(self) -> type:
        return {
            "create": MeasurementWriteSerializer,
            "partial_update": MeasurementWriteSerializer,
            "submit": SubmitSerializer,
            "approve": ReviewSerializer,
            "return_figure": ReturnSerializer,
            "review_bulk": MeasurementReviewBulkSerializer,
        }.get(self.action, MeasurementSerializer)

    def workspace_queryset(self) -> Any:
        return measurements_visible_to(workspace=self.workspace, access=self.access)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Queries: the page's figures (1); the periods, organizations, people and API keys
        # they name (1) and their breakdowns (1), neither for an empty page.
        if self._reads_whole_workspace(request):
            page = self.paginate_queryset(WorkspaceFigures(self.workspace.pk))
            if page is not None:
                data = measurement_rows_data(page, workspace=self.workspace)
                return self.get_paginated_response(data)
        rows = measurement_values(
            self.filter_queryset(self.get_queryset()),
            raw_datetimes=cursor_reads_datetimes(request),
        )
        page = self.paginate_queryset(rows)
        if page is None:
            return Response(measurement_rows_data(list(rows), workspace=self.workspace))
        return self.get_paginated_response(measurement_rows_data(page, workspace=self.workspace))

    def _reads_whole_workspace(self, request: Request) -> bool:
        """Whether this page is the workspace's figures in id order, unfiltered: the query
        names nothing but the cursor, the page size and the format, and this reader sees
        every partnership's figures. Such a page is read by one constant statement
        (``WorkspaceFigures``) instead of a queryset (same rows; see its tests)."""
        return (
            plain_sql()
            and datetimes_as_sql_text()
            and set(request.query_params) <= UNFILTERED_PARAMS
            and self.access.can(Action.VIEW_ALL_PARTNERSHIPS)
        )

    def get_object(self) -> Measurement:
        measurement = self.get_object_or_404(
            measurement_get,
            workspace=self.workspace,
            access=self.access,
            measurement_id=self.kwargs["pk"],
        )
        return measurement  # type: ignore[no-any-return]

    def _detail(self, measurement: Measurement, status_code: int = 200, **headers: str) -> Response:
        fresh = self.get_object_or_404(
            measurement_get,
            workspace=self.workspace,
            access=self.access,
            measurement_id=measurement.pk,
        )
        prefetch_related_objects([fresh], *RELATED[2:], "breakdown")
        return Response(
            MeasurementSerializer(fresh).data,
            status=status_code,
            headers={"ETag": measurement_etag(fresh), **headers},
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        measurement = self.get_object()
        etag = measurement_etag(measurement)
        if etag_matches(request.headers.get("If-None-Match"), etag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return self._detail(measurement)

    # --- Writing ------------------------------------------------------------------------

    def _in_body(self, fetch: Any, field: str, message: str, **kwargs: Any) -> Any:
        try:
            return fetch(workspace=self.workspace, **kwargs)
        except ObjectDoesNotExist as exc:
            raise serializers.ValidationError({field: [message]}) from exc

    def _conflict(self, request: Request, conflict: MeasurementConflict) -> Response:
        current = conflict.measurement
        body = problem(
            409,
            f"The figure is at version {current.version}, not {conflict.expected_version}: "
            "nothing was written. GET it again and re-apply your change.",
            code="conflict",
            instance=request.path,
        )
        prefetch_related_objects([current], *RELATED, "breakdown")
        body["current"] = MeasurementSerializer(current).data
        return Response(
            body,
            status=409,
            content_type=PROBLEM_CONTENT_TYPE,
            headers={"ETag": measurement_etag(current)},
        )

    @staticmethod
    def _breakdown(rows: list[dict[str, Any]]) -> dict[int, Any]:
        return {row["category"]: row["value"] for row in rows}

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated_input(MeasurementWriteSerializer, request, self)
        for field in ("indicator", "period"):
            if data.get(field) is None:
                raise serializers.ValidationError({field: ["This field is required."]})
        indicator = self._in_body(
            indicator_get,
            "indicator",
            "Choose an indicator of this workspace.",
            access=self.access,
            indicator_id=data["indicator"],
        )
        period = self._in_body(
            period_get,
            "period",
            "Choose a reporting period of this indicator.",
            access=self.access,
            period_id=data["period"],
        )
        organization_id = data.get("organization") or self.access.organization_id
        if organization_id is None:
            raise serializers.ValidationError(
                {"organization": ["Name the reporting organization (id)."]}
            )
        organization = self._in_body(
            organization_get,
            "organization",
            "Choose an organization of this workspace.",
            pk=organization_id,
        )
        existed = (
            measurements_visible_to(workspace=self.workspace, access=self.access)
            .filter(indicator=indicator, period=period, organization=organization)
            .exists()
        )
        try:
            measurement = measurement_save(
                workspace=self.workspace,
                actor=self.actor(),
                access=self.access,
                indicator=indicator,
                period=period,
                organization=organization,
                value=data["value"],
                breakdown=self._breakdown(data.get("breakdown", [])),
                note=data.get("note", ""),
                evidence_link=data.get("evidence_link", ""),
                submit=data.get("submit", True),
                expected_version=data.get("expected_version"),
            )
        except MeasurementConflict as conflict:
            return self._conflict(request, conflict)
        if existed:
            return self._detail(measurement)
        location = reverse(
            "api_measurement-detail",
            kwargs={"workspace_slug": self.workspace.slug, "pk": measurement.pk},
        )
        return self._detail(measurement, status.HTTP_201_CREATED, Location=location)

    def _precondition(
        self,
        request: Request,
        measurement: Measurement,
        body_version: int | None,
        *,
        required: bool,
    ) -> tuple[int | None, bool]:
        """The version to write against, and whether it came from If-Match (a conflict is
        then a 412, not a 409)."""
        header = request.headers.get("If-Match")
        if header:
            if not if_match_passes(header, measurement_etag(measurement)):
                raise PreconditionFailed()
            return measurement.version, True
        if body_version is None and required:
            raise PreconditionRequired(
                "Send If-Match with the figure's ETag, or expected_version in the body."
            )
        return body_version, False

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        measurement = self.get_object()
        data = validated_input(MeasurementWriteSerializer, request, self, partial=True)
        expected, from_header = self._precondition(
            request, measurement, data.get("expected_version"), required=True
        )
        for field, current in (
            ("indicator", measurement.indicator_id),
            ("period", measurement.period_id),
            ("organization", measurement.organization_id),
        ):
            if data.get(field, current) != current:
                raise serializers.ValidationError(
                    {field: ["A figure keeps its indicator, period and organization."]}
                )
        if "breakdown" in data:
            breakdown = self._breakdown(data["breakdown"])
        else:
            breakdown = {part.category_id: part.value for part in measurement.breakdown.all()}
        try:
            updated = measurement_save(
                workspace=self.workspace,
                actor=self.actor(),
                access=self.access,
                indicator=measurement.indicator,
                period=measurement.period,
                organization=measurement.organization,
                value=data.get("value", measurement.value),
                breakdown=breakdown,
                note=data.get("note", measurement.note),
                evidence_link=data.get("evidence_link", ""),
                submit=data.get("submit", measurement.status == MeasurementStatus.SUBMITTED),
                expected_version=expected,
            )
        except MeasurementConflict as conflict:
            if from_header:
                raise PreconditionFailed() from conflict
            return self._conflict(request, conflict)
        return self._detail(updated)

    def _act(self, request: Request, serializer_class: type, act: Any) -> Response:
        measurement = self.get_object()
        data = validated_input(serializer_class, request, self)
        expected, from_header = self._precondition(
            request, measurement, data.pop("expected_version", None), required=False
        )
        try:
            updated = act(measurement, expected, data)
        except MeasurementConflict as conflict:
            if from_header:
                raise PreconditionFailed() from conflict
            return self._conflict(request, conflict)
        except Measurement.DoesNotExist as exc:  # deleted while this request ran
            raise exceptions.NotFound() from exc
        return self._detail(updated)

    @extend_schema(
        operation_id="measurements_submit_create",
        summary="Send a draft or returned figure to review",
        description="Whoever may report the figure's organization. A submitted figure stays "
        "as it is; an approved one is refused.",
        parameters=[WORKSPACE_SLUG, MEASUREMENT_ID, IF_MATCH_OPTIONAL],
        request=SubmitSerializer,
        responses={200: MeasurementSerializer, 412: PRECONDITIONS[412], **CONFLICT},
    )
    def submit(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._act(
            request,
            SubmitSerializer,
            lambda measurement, expected, data: measurement_submit(
                workspace=self.workspace,
                actor=self.actor(),
                access=self.access,
                measurement=measurement,
                expected_version=expected,
            ),
        )

    @extend_schema(
        operation_id="measurements_approve_create",
        summary="Approve a submitted figure (coordinators and admins, signed in)",
        description="From then on it counts in progress. API keys get a 403 problem: "
        "approval stays with people.",
        parameters=[WORKSPACE_SLUG, MEASUREMENT_ID, IF_MATCH_OPTIONAL],
        request=ReviewSerializer,
        responses={200: MeasurementSerializer, 412: PRECONDITIONS[412], **CONFLICT},
    )
    def approve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._act(
            request,
            ReviewSerializer,
            lambda measurement, expected, data: measurement_approve(
                workspace=self.workspace,
                actor=self.actor(),
                measurement=measurement,
                expected_version=expected,
                note=data.get("note", ""),
            ),
        )

    @extend_schema(
        operation_id="measurements_return_create",
        summary="Return a submitted or approved figure with a note (people only)",
        description="The reporter corrects and resubmits it. A locked period must be "
        "unlocked first. API keys get a 403 problem: review stays with people.",
        parameters=[WORKSPACE_SLUG, MEASUREMENT_ID, IF_MATCH_OPTIONAL],
        request=ReturnSerializer,
        responses={200: MeasurementSerializer, 412: PRECONDITIONS[412], **CONFLICT},
    )
    def return_figure(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._act(
            request,
            ReturnSerializer,
            lambda measurement, expected, data: measurement_return(
                workspace=self.workspace,
                actor=self.actor(),
                measurement=measurement,
                expected_version=expected,
                note=data["note"],
            ),
        )

    @extend_schema(
        operation_id="measurements_review_create",
        summary="Approve or return many submitted figures at once (people only)",
        description="In one transaction; figures no longer waiting for review, or not "
        "found, are skipped with the reason.",
        parameters=[WORKSPACE_SLUG],
        request=MeasurementReviewBulkSerializer,
        responses={200: MeasurementReviewOutcomeSerializer},
    )
    def review_bulk(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated_input(MeasurementReviewBulkSerializer, request, self)
        visible = set(
            measurements_visible_to(workspace=self.workspace, access=self.access)
            .filter(pk__in=data["ids"])
            .values_list("pk", flat=True)
        )
        outcome = measurements_review_bulk(
            workspace=self.workspace,
            actor=self.actor(),
            measurement_ids=[pk for pk in data["ids"] if pk in visible],
            approve=data["decision"] == "approve",
            note=data.get("note", ""),
        )
        skipped = outcome.skipped + [(pk, "Not found.") for pk in data["ids"] if pk not in visible]
        return Response(
            MeasurementReviewOutcomeSerializer(
                {
                    "done": outcome.done,
                    "skipped": [{"id": pk, "reason": reason} for pk, reason in skipped],
                }
            ).data
        )
