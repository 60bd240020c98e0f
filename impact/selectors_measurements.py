"""Reads of the figure pages: the report form's context, "My figures", the review queue,
one figure's breakdown and history.

Callers reach indicators, periods and figures through the access-checked getters of
``impact.selectors`` first; the functions here that take ``access`` apply the same rule
(a partner sees the partnerships their organization currently belongs to). Each list is
one query, whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from impact.models import (
    Dimension,
    DimensionCategory,
    Indicator,
    IndicatorReporter,
    Measurement,
    MeasurementBreakdown,
    MeasurementEvent,
    MeasurementStatus,
    ReportingPeriod,
)
from impact.selectors import indicators_visible_to
from partnerhub.models import Workspace
from partnerhub.permissions import Action
from partners.models import Organization, Partnership
from partners.selectors_partnerships import PartnershipAccess, partnerships_visible_to

FIGURES_DUE_LIMIT = 200
REVIEW_PAGE_SIZE = 50
DONE_STATUSES = (MeasurementStatus.SUBMITTED, MeasurementStatus.APPROVED)


# --- The report form ------------------------------------------------------------------


def reporting_organizations(*, workspace: Workspace, indicator: Indicator) -> list[Organization]:
    """The organizations that report the indicator, by name."""
    return list(
        Organization.objects.for_workspace(workspace)
        .filter(
            Exists(
                IndicatorReporter.objects.for_workspace(workspace).filter(
                    indicator=indicator, organization=OuterRef("pk")
                )
            )
        )
        .order_by("name", "id")
    )


@dataclass(frozen=True)
class DimensionCategories:
    dimension: Dimension
    categories: list[DimensionCategory]


def indicator_dimensions(
    *, workspace: Workspace, indicator: Indicator
) -> list[DimensionCategories]:
    """The indicator's dimensions with their categories, in display order (one query;
    dimensions without categories are left out)."""
    groups: dict[int, DimensionCategories] = {}
    categories = (
        DimensionCategory.objects.for_workspace(workspace)
        .filter(dimension__indicator=indicator)
        .select_related("dimension")
        .order_by("dimension__position", "dimension_id", "position", "id")
    )
    for category in categories:
        group = groups.setdefault(
            category.dimension_id, DimensionCategories(category.dimension, [])
        )
        group.categories.append(category)
    return list(groups.values())


def measurement_for(
    *, workspace: Workspace, indicator: Indicator, period: ReportingPeriod, organization_id: int
) -> Measurement | None:
    """The organization's figure for the period, if there is one."""
    return (
        Measurement.objects.for_workspace(workspace)
        .select_related("submitted_by", "submitted_by_key", "reviewed_by")
        .filter(indicator=indicator, period=period, organization_id=organization_id)
        .first()
    )


def measurement_breakdown(*, workspace: Workspace, measurement: Measurement) -> dict[int, Decimal]:
    """{category id: value} of a figure."""
    return dict(
        MeasurementBreakdown.objects.for_workspace(workspace)
        .filter(measurement=measurement)
        .values_list("category_id", "value")
    )


@dataclass(frozen=True)
class BreakdownRow:
    dimension: str
    exhaustive: bool
    parts: list[tuple[str, Decimal]]
    total: Decimal


def measurement_breakdown_rows(
    *, workspace: Workspace, measurement: Measurement
) -> list[BreakdownRow]:
    """A figure's breakdown grouped by dimension, in display order (one query)."""
    rows = (
        MeasurementBreakdown.objects.for_workspace(workspace)
        .filter(measurement=measurement)
        .select_related("category", "category__dimension")
        .order_by("category__dimension__position", "category__dimension_id", "category__position")
    )
    groups: dict[int, BreakdownRow] = {}
    for row in rows:
        dimension = row.category.dimension
        group = groups.get(dimension.pk)
        if group is None:
            group = groups[dimension.pk] = BreakdownRow(
                dimension.name, dimension.exhaustive, [], Decimal(0)
            )
        group.parts.append((row.category.name, row.value))
    return [
        BreakdownRow(g.dimension, g.exhaustive, g.parts, sum((v for _, v in g.parts), Decimal(0)))
        for g in groups.values()
    ]


def measurement_events(*, workspace: Workspace, measurement: Measurement) -> list[MeasurementEvent]:
    """A figure's history, newest first."""
    return list(
        MeasurementEvent.objects.for_workspace(workspace)
        .filter(measurement=measurement)
        .select_related("actor", "actor_key")
        .order_by("-created_at", "-id")
    )


# --- My figures -----------------------------------------------------------------------


@dataclass(frozen=True)
class FigureDue:
    """One figure owed: a period (with its indicator and partnership), the organization
    that owes it, and its draft or returned figure if there is one."""

    period: ReportingPeriod
    organization_id: int
    organization_name: str
    figure_id: int | None
    figure_status: str | None
    figure_version: int | None


@dataclass(frozen=True)
class FiguresDue:
    rows: list[FigureDue]
    scope: str  # "organization" or "workspace"
    truncated: bool


def figures_due(*, workspace: Workspace, access: PartnershipAccess, today: date) -> FiguresDue:
    """The figures still owed: every period that has started (closed or current) and is
    not locked (a locked period takes no figure) of an indicator a reporting organization
    reports, without a submitted or approved figure of that organization -- including
    drafts and returned figures -- oldest first. One row per period and organization.

    A partner sees their own organization's, in partnerships it belongs to; admins and
    coordinators every reporting organization's. One query."""
    scope = "workspace" if access.can(Action.EDIT_CONTENT) else "organization"
    indicators = indicators_visible_to(workspace=workspace, access=access)
    periods = ReportingPeriod.objects.for_workspace(workspace).filter(
        start_date__lte=today, locked=False
    )
    if scope == "organization":
        if access.organization_id is None or not access.can(Action.REPORT_PROGRESS):
            return FiguresDue(rows=[], scope=scope, truncated=False)
        periods = periods.filter(indicator__reporters__organization_id=access.organization_id)
    else:
        periods = periods.filter(indicator__reporters__isnull=False)
    periods = periods.filter(indicator__in=indicators.values("id")).annotate(
        org_id=F("indicator__reporters__organization_id"),
        org_name=F("indicator__reporters__organization__name"),
    )
    figures = Measurement.objects.for_workspace(workspace).filter(
        period=OuterRef("pk"), organization=OuterRef("org_id")
    )
    periods = (
        periods.annotate(
            figure_id=Subquery(figures.values("id")[:1]),
            figure_status=Subquery(figures.values("status")[:1]),
            figure_version=Subquery(figures.values("version")[:1]),
        )
        .filter(~Exists(figures.filter(status__in=DONE_STATUSES)))
        # Periods that left the schedule matter only where the organization has a figure.
        .filter(Q(in_schedule=True) | Q(figure_id__isnull=False))
        .select_related("indicator", "indicator__partnership")
        .order_by("end_date", "indicator__name", "org_name", "id")
    )
    found = list(periods[: FIGURES_DUE_LIMIT + 1])
    rows = [
        FigureDue(
            period=period,
            organization_id=period.org_id,  # type: ignore[attr-defined]
            organization_name=period.org_name,  # type: ignore[attr-defined]
            figure_id=period.figure_id,  # type: ignore[attr-defined]
            figure_status=period.figure_status,  # type: ignore[attr-defined]
            figure_version=period.figure_version,  # type: ignore[attr-defined]
        )
        for period in found[:FIGURES_DUE_LIMIT]
    ]
    return FiguresDue(rows=rows, scope=scope, truncated=len(found) > FIGURES_DUE_LIMIT)


# --- The review queue -----------------------------------------------------------------


@dataclass(frozen=True)
class ReviewPage:
    figures: list[Measurement]
    next_cursor: str | None


def encode_cursor(measurement: Measurement) -> str:
    at = measurement.submitted_at.isoformat() if measurement.submitted_at else ""
    return f"{at}~{measurement.pk}"


def decode_cursor(cursor: str | None) -> tuple[datetime | None, int] | None:
    """(submitted_at, id) of the last row seen, or None for a missing or broken cursor."""
    if not cursor or "~" not in cursor:
        return None
    at_text, _, id_text = cursor.rpartition("~")
    try:
        pk = int(id_text)
        at = datetime.fromisoformat(at_text) if at_text else None
    except ValueError:
        return None
    if at is not None and at.tzinfo is None:
        return None
    return at, pk


def review_queue(
    *,
    workspace: Workspace,
    partnership_id: int | None = None,
    after: str | None = None,
    limit: int | None = None,
) -> ReviewPage:
    """Submitted figures waiting for review, oldest submission first, ``limit`` at a time
    (keyset pagination on submitted_at and id: no OFFSET, no count). One query."""
    limit = limit or REVIEW_PAGE_SIZE
    figures = (
        Measurement.objects.for_workspace(workspace)
        .filter(status=MeasurementStatus.SUBMITTED)
        .select_related(
            "indicator",
            "period",
            "organization",
            "partnership",
            "submitted_by",
            "submitted_by_key",
        )
    )
    if partnership_id:
        figures = figures.filter(partnership_id=partnership_id)
    position = decode_cursor(after)
    if position is not None:
        at, pk = position
        if at is None:  # NULLs sort last: only NULL rows with a higher id remain
            figures = figures.filter(submitted_at__isnull=True, id__gt=pk)
        else:
            figures = figures.filter(
                Q(submitted_at__gt=at)
                | Q(submitted_at=at, id__gt=pk)
                | Q(submitted_at__isnull=True)
            )
    rows = list(figures.order_by("submitted_at", "id")[: limit + 1])
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return ReviewPage(figures=rows[:limit], next_cursor=next_cursor)


def review_partnerships(
    *, workspace: Workspace, access: PartnershipAccess
) -> QuerySet[Partnership]:
    """The partnerships to filter the review queue by."""
    return partnerships_visible_to(workspace=workspace, access=access).order_by("name", "id")
