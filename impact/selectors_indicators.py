"""Reads of the indicator pages: a partnership's indicators with their progress, and the
parts of the indicator page (reporters, dimensions, breakdown to date, history).

Each function is one query (two for prefetched dimensions), whatever the number of
indicators, periods, figures or events; functions taking an ``indicator`` expect it to
come from the access-checked ``impact.selectors.indicator_get``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet

from impact.models import (
    Aggregation,
    Dimension,
    Indicator,
    IndicatorReporter,
    Measurement,
    MeasurementEvent,
    MeasurementEventKind,
    MeasurementStatus,
    ReportingPeriod,
    ValueType,
)
from impact.progress import IndicatorProgress, indicators_progress
from impact.selectors import indicators_visible_to
from partnerhub.models import Workspace
from partners.models import Organization, Partnership, PartnershipMember
from partners.selectors_partnerships import PartnershipAccess

HISTORY_LENGTH = 25
# The submission and review history leaves out drafts: a draft is the reporting
# organization's work in progress until it is submitted.
HISTORY_KINDS = (
    MeasurementEventKind.SUBMITTED,
    MeasurementEventKind.APPROVED,
    MeasurementEventKind.RETURNED,
    MeasurementEventKind.IMPORTED,
)


@dataclass(frozen=True)
class IndicatorRow:
    indicator: Indicator
    progress: IndicatorProgress


def indicator_rows(
    *, workspace: Workspace, access: PartnershipAccess, partnership: Partnership
) -> list[IndicatorRow]:
    """The partnership's indicators by name with their goal and derived progress: two
    queries for any number of indicators."""
    indicators = list(
        indicators_visible_to(workspace=workspace, access=access)
        .filter(partnership=partnership)
        .select_related("goal")
        .order_by("name", "id")
    )
    progress = indicators_progress(
        workspace=workspace, indicator_ids=[indicator.pk for indicator in indicators]
    )
    return [IndicatorRow(indicator, progress[indicator.pk]) for indicator in indicators]


def reporters_of(*, workspace: Workspace, indicator: Indicator) -> list[IndicatorReporter]:
    return list(
        IndicatorReporter.objects.for_workspace(workspace)
        .filter(indicator=indicator)
        .select_related("organization")
        .order_by("organization__name", "id")
    )


def dimensions_of(*, workspace: Workspace, indicator: Indicator) -> list[Dimension]:
    """Dimensions in order with their categories prefetched (``categories.all()`` is in
    position order)."""
    return list(
        Dimension.objects.for_workspace(workspace)
        .filter(indicator=indicator)
        .prefetch_related("categories")
        .order_by("position", "id")
    )


def reporter_choices(
    *, workspace: Workspace, partnership: Partnership, indicator: Indicator | None = None
) -> QuerySet[Organization]:
    """The organizations an indicator's form offers as reporters: the partnership's
    current members, and the indicator's present reporters (one may have left since)."""
    current = PartnershipMember.objects.for_workspace(workspace).filter(
        partnership=partnership, left_on__isnull=True
    )
    wanted = Q(pk__in=current.values("organization_id"))
    if indicator is not None:
        reporters = IndicatorReporter.objects.for_workspace(workspace).filter(indicator=indicator)
        wanted |= Q(pk__in=reporters.values("organization_id"))
    return Organization.objects.for_workspace(workspace).filter(wanted).order_by("name", "id")


# Per category and period, the approved values combined like the indicator's figures
# (summed, averaged for percentages); then per category across periods by the
# indicator's aggregation, as ``impact.progress`` does for the totals (the latest period
# picked as it picks it: of two ending the same day, the one starting later).
_BREAKDOWN_SQL = """
    WITH per_period AS (
        SELECT b.category_id, p.id AS period_id, p.start_date, p.end_date,
               CASE WHEN %(percentage)s THEN avg(b.value) ELSE sum(b.value) END AS value,
               count(*) AS figures
          FROM impact_measurementbreakdown b
          JOIN impact_measurement m
            ON m.id = b.measurement_id AND m.workspace_id = b.workspace_id
          JOIN impact_reportingperiod p
            ON p.id = m.period_id AND p.workspace_id = m.workspace_id
         WHERE b.workspace_id = %(workspace)s AND m.indicator_id = %(indicator)s
           AND m.status = %(approved)s
         GROUP BY b.category_id, p.id, p.start_date, p.end_date
    )
    SELECT category_id,
           CASE %(aggregation)s
               WHEN %(latest)s THEN (array_agg(value
                   ORDER BY end_date DESC, start_date DESC, period_id DESC))[1]
               WHEN %(average)s THEN avg(value)
               ELSE sum(value)
           END,
           sum(figures)
      FROM per_period
     GROUP BY category_id
"""


@dataclass(frozen=True)
class CategoryTotal:
    value: Decimal
    figures: int


def breakdown_to_date(*, workspace: Workspace, indicator: Indicator) -> dict[int, CategoryTotal]:
    """Category id -> the approved breakdown values to date, combined by the indicator's
    aggregation, and how many figures gave one. One query."""
    params: dict[str, Any] = {
        "workspace": workspace.pk,
        "indicator": indicator.pk,
        "approved": MeasurementStatus.APPROVED.value,
        "percentage": indicator.value_type == ValueType.PERCENTAGE,
        "aggregation": indicator.aggregation,
        "latest": Aggregation.LATEST.value,
        "average": Aggregation.AVERAGE.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(_BREAKDOWN_SQL, params)
        return {
            category_id: CategoryTotal(Decimal(value), int(figures))
            for category_id, value, figures in cursor.fetchall()
        }


def indicator_history(
    *, workspace: Workspace, indicator: Indicator, limit: int = HISTORY_LENGTH
) -> list[MeasurementEvent]:
    """The latest submissions and reviews of the indicator's figures, newest first, with
    who acted, for which organization and period. One query."""
    return list(
        MeasurementEvent.objects.for_workspace(workspace)
        .filter(indicator=indicator, kind__in=HISTORY_KINDS)
        .select_related("actor", "actor_key", "measurement__organization", "measurement__period")
        .order_by("-created_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class IndicatorContents:
    periods: int
    figures: int
    approved: int


def indicator_contents(*, workspace: Workspace, indicator: Indicator) -> IndicatorContents:
    """What deleting the indicator takes with it (two queries)."""
    figures = (
        Measurement.objects.for_workspace(workspace)
        .filter(indicator=indicator)
        .aggregate(
            total=Count("id"), approved=Count("id", filter=Q(status=MeasurementStatus.APPROVED))
        )
    )
    periods = ReportingPeriod.objects.for_workspace(workspace).filter(indicator=indicator).count()
    return IndicatorContents(
        periods=periods, figures=figures["total"], approved=figures["approved"]
    )
