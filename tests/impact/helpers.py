"""Builders of impact objects for tests, straight through the ORM (no services), so that
any test can set up indicators, periods and figures in any state in a few lines.

Call them inside ``workspace_context(cast.workspace)`` (Row-Level Security)."""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from impact.models import (
    Aggregation,
    Dimension,
    DimensionCategory,
    Direction,
    Frequency,
    HealthCheckRound,
    Indicator,
    IndicatorReporter,
    Measurement,
    MeasurementBreakdown,
    MeasurementStatus,
    ReportingPeriod,
    ValueType,
)
from impact.periods import sync_periods
from partners.models import (
    MemberRole,
    Organization,
    Partnership,
    PartnershipMember,
    PartnershipModel,
)
from tests.conftest import Cast


def unique(prefix: str) -> str:
    return f"{prefix} {secrets.token_hex(3)}"


def make_partnership(cast: Cast, *, members: list[Organization] | None = None) -> Partnership:
    partnership = Partnership.objects.create(
        workspace=cast.workspace,
        name=unique("Impact partnership"),
        model=PartnershipModel.CROSS_SECTOR,
        status="active",
    )
    for organization in members if members is not None else [cast.organization]:
        PartnershipMember.objects.create(
            workspace=cast.workspace,
            partnership=partnership,
            organization=organization,
            roles=[MemberRole.IMPLEMENTER],
            joined_on=date(2025, 1, 1),
        )
    return partnership


def make_indicator(
    cast: Cast,
    *,
    partnership: Partnership | None = None,
    reporters: list[Organization] | None = None,
    dimensions: dict[str, list[str]] | None = None,
    exhaustive: bool = True,
    **fields: Any,
) -> Indicator:
    """A quarterly indicator from 2025-01-01 to 2026-12-31 (8 periods), 0 -> 100 people,
    reported by ``cast.organization`` unless told otherwise."""
    partnership = partnership or make_partnership(cast)
    values: dict[str, Any] = {
        "name": unique("Indicator"),
        "unit": "people",
        "value_type": ValueType.NUMBER,
        "direction": Direction.INCREASE,
        "baseline_value": Decimal("0"),
        "baseline_date": date(2024, 12, 31),
        "target_value": Decimal("100"),
        "target_date": date(2026, 12, 31),
        "frequency": Frequency.QUARTERLY,
        "aggregation": Aggregation.SUM,
    } | fields
    indicator = Indicator.objects.create(
        workspace=cast.workspace, partnership=partnership, **values
    )
    for organization in reporters if reporters is not None else [cast.organization]:
        IndicatorReporter.objects.create(
            workspace=cast.workspace, indicator=indicator, organization=organization
        )
    for position, (name, categories) in enumerate((dimensions or {}).items()):
        dimension = Dimension.objects.create(
            workspace=cast.workspace,
            indicator=indicator,
            name=name,
            exhaustive=exhaustive,
            position=position,
        )
        for index, category in enumerate(categories):
            DimensionCategory.objects.create(
                workspace=cast.workspace, dimension=dimension, name=category, position=index
            )
    sync_periods(indicator=indicator)
    return indicator


def periods_of(indicator: Indicator) -> list[ReportingPeriod]:
    return list(
        ReportingPeriod.objects.filter(
            workspace_id=indicator.workspace_id, indicator=indicator
        ).order_by("start_date")
    )


def make_measurement(
    cast: Cast,
    *,
    indicator: Indicator,
    period: ReportingPeriod,
    value: Decimal | int | str,
    status: str = MeasurementStatus.APPROVED,
    organization: Organization | None = None,
    breakdown: dict[str, Decimal | int | str] | None = None,
    note: str = "",
) -> Measurement:
    """A figure in any state; ``breakdown`` maps category names to values."""
    now = timezone.now()
    submitted = status != MeasurementStatus.DRAFT
    measurement = Measurement.objects.create(
        workspace=cast.workspace,
        partnership_id=indicator.partnership_id,
        indicator=indicator,
        period=period,
        organization=organization or cast.organization,
        value=Decimal(str(value)),
        note=note,
        status=status,
        submitted_at=now if submitted else None,
        submitted_by=cast.partner if submitted else None,
        reviewed_at=now
        if status in (MeasurementStatus.APPROVED, MeasurementStatus.RETURNED)
        else None,
        reviewed_by=cast.coordinator
        if status in (MeasurementStatus.APPROVED, MeasurementStatus.RETURNED)
        else None,
        review_note="Please check" if status == MeasurementStatus.RETURNED else "",
    )
    if breakdown:
        categories = {
            c.name: c
            for c in DimensionCategory.objects.filter(
                workspace_id=indicator.workspace_id, dimension__indicator=indicator
            )
        }
        MeasurementBreakdown.objects.bulk_create(
            MeasurementBreakdown(
                workspace_id=indicator.workspace_id,
                measurement=measurement,
                category=categories[name],
                value=Decimal(str(amount)),
            )
            for name, amount in breakdown.items()
        )
    return measurement


def make_health_round(
    cast: Cast, *, partnership: Partnership | None = None, **fields: Any
) -> HealthCheckRound:
    values: dict[str, Any] = {
        "title": unique("Health check"),
        "opens_on": timezone.localdate(),
        "closes_on": timezone.localdate() + timezone.timedelta(days=14),
        "created_by": cast.coordinator,
    } | fields
    return HealthCheckRound.objects.create(
        workspace=cast.workspace, partnership=partnership or make_partnership(cast), **values
    )
