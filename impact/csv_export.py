"""CSV files of a partnership's indicators: the export of targets and actuals per period,
and the template a person fills in to import figures.

The export has one row per indicator and reporting period. Its numbers are those of
``impact.progress``: a period's *actual* and *period target* come from
``progress.period_actuals_of`` (every indicator of the partnership in one query); *actual
to date* combines the periods up to this one by the indicator's aggregation
(``progress.actual_to_date``). Figures *waiting* are submitted and not yet reviewed.

Cells a spreadsheet would run as a formula are prefixed with ``'`` (as every CSV file of
the application does); a byte-order mark in front makes spreadsheets read UTF-8.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count

from impact.imports_analysis import partnership_index
from impact.imports_file import category_key, number_text, period_label
from impact.models import (
    Indicator,
    Measurement,
    MeasurementBreakdown,
    MeasurementStatus,
)
from impact.progress import PeriodActual, actual_to_date, period_actuals_of
from partnerhub.api.renderers import spreadsheet_safe
from partnerhub.models import Workspace
from partnerhub.permissions import Action
from partnerhub.tenancy import workspace_context
from partners.models import Partnership
from partners.selectors_partnerships import PartnershipAccess
from partners.services.partnerships import workspace_today

CHUNK_ROWS = 500  # CSV rows per piece of the streaming response

EXPORT_COLUMNS = (
    "partnership",
    "indicator_id",
    "indicator",
    "unit",
    "value_type",
    "currency",
    "direction",
    "result_level",
    "goal",
    "baseline_value",
    "baseline_date",
    "target_value",
    "target_date",
    "frequency",
    "aggregation",
    "period",
    "period_start",
    "period_end",
    "period_in_schedule",
    "period_locked",
    "period_target",
    "period_target_source",
    "actual",
    "actual_to_date",
    "figures_approved",
    "figures_waiting",
)


@dataclass(frozen=True)
class IndicatorPeriodRow:
    """One indicator and one of its periods (the period fields are None for an indicator
    without periods), with the period's approved actual, target and figure counts."""

    indicator_id: int
    name: str
    unit: str
    value_type: str
    currency: str
    direction: str
    result_level: str
    goal: str | None
    baseline_value: Decimal
    baseline_date: date
    target_value: Decimal
    target_date: date
    frequency: str
    aggregation: str
    period_id: int | None
    start_date: date | None
    end_date: date | None
    target: Decimal | None  # the period's own target, else the straight line's
    set_target: Decimal | None  # the period's own target only
    locked: bool | None
    in_schedule: bool | None
    actual: Decimal | None
    approved: int
    waiting: int


def _row(indicator: Indicator, period: PeriodActual | None, waiting: int) -> IndicatorPeriodRow:
    return IndicatorPeriodRow(
        indicator_id=indicator.pk,
        name=indicator.name,
        unit=indicator.unit,
        value_type=indicator.value_type,
        currency=indicator.currency,
        direction=indicator.direction,
        result_level=indicator.result_level,
        goal=indicator.goal.title if indicator.goal else None,
        baseline_value=indicator.baseline_value,
        baseline_date=indicator.baseline_date,
        target_value=indicator.target_value,
        target_date=indicator.target_date,
        frequency=indicator.frequency,
        aggregation=indicator.aggregation,
        period_id=period.period_id if period else None,
        start_date=period.start_date if period else None,
        end_date=period.end_date if period else None,
        target=period.target if period else None,
        set_target=period.target if period and period.target_is_set else None,
        locked=period.locked if period else None,
        in_schedule=period.in_schedule if period else None,
        actual=period.actual if period else None,
        approved=period.figures if period else 0,
        waiting=waiting,
    )


def indicator_period_rows(
    *, workspace: Workspace, partnership: Partnership
) -> Iterator[IndicatorPeriodRow]:
    """Every indicator of the partnership (by name) and each of its periods, oldest
    first, with the period's actual, target and figure counts. Three queries: the
    indicators, their periods' actuals (``progress.period_actuals_of``), the figures
    waiting per period."""
    indicators = list(
        Indicator.objects.for_workspace(workspace)
        .filter(partnership=partnership)
        .select_related("goal")
        .order_by("name", "id")
    )
    actuals = period_actuals_of(workspace=workspace, indicator_ids=[i.pk for i in indicators])
    waiting = dict(
        Measurement.objects.for_workspace(workspace)
        .filter(partnership=partnership, status=MeasurementStatus.SUBMITTED)
        .order_by()
        .values("period_id")
        .annotate(n=Count("*"))
        .values_list("period_id", "n")
    )
    for indicator in indicators:
        periods = actuals[indicator.pk]
        if not periods:
            yield _row(indicator, None, 0)
        for period in periods:
            yield _row(indicator, period, waiting.get(period.period_id, 0))


def _bool(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


def _export_line(partnership: Partnership, row: IndicatorPeriodRow, to_date: Any) -> list[str]:
    has_period = row.start_date is not None and row.end_date is not None
    return [
        spreadsheet_safe(partnership.name),
        str(row.indicator_id),
        spreadsheet_safe(row.name),
        spreadsheet_safe(row.unit),
        row.value_type,
        row.currency,
        row.direction,
        row.result_level,
        spreadsheet_safe(row.goal or ""),
        number_text(row.baseline_value),
        row.baseline_date.isoformat(),
        number_text(row.target_value),
        row.target_date.isoformat(),
        row.frequency,
        row.aggregation,
        period_label(row.start_date, row.end_date) if has_period else "",  # type: ignore[arg-type]
        row.start_date.isoformat() if row.start_date else "",
        row.end_date.isoformat() if row.end_date else "",
        _bool(row.in_schedule),
        _bool(row.locked),
        number_text(row.target),
        ("set" if row.set_target is not None else "straight line") if has_period else "",
        number_text(row.actual),
        number_text(to_date),
        str(row.approved),
        str(row.waiting),
    ]


class _LineBuffer:
    """A file-like sink for csv.writer whose lines are taken out as they are written."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts.clear()
        return text


def indicator_export_lines(*, workspace: Workspace, partnership: Partnership) -> Iterator[str]:
    """The export's CSV text, in pieces, for a streaming response.

    A streaming response runs after the view has returned and its transaction has ended,
    so the generator opens its own and sets the workspace again (under Row-Level Security
    it would otherwise see no rows).
    """
    buffer = _LineBuffer()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield "\ufeff"
    writer.writerow(EXPORT_COLUMNS)
    yield buffer.take()
    with workspace_context(workspace):
        current: int | None = None
        seen: list[tuple[date, Decimal]] = []
        for count, row in enumerate(
            indicator_period_rows(workspace=workspace, partnership=partnership), start=1
        ):
            if row.indicator_id != current:
                current, seen = row.indicator_id, []
            if row.actual is not None and row.end_date is not None:
                seen.append((row.end_date, row.actual))
            to_date = actual_to_date(seen, row.aggregation) if seen else None
            writer.writerow(_export_line(partnership, row, to_date))
            if count % CHUNK_ROWS == 0:
                yield buffer.take()
        yield buffer.take()


# --- The import template --------------------------------------------------------------

OWED_STATUSES = (MeasurementStatus.DRAFT, MeasurementStatus.RETURNED)


def import_template_rows(
    *, workspace: Workspace, access: PartnershipAccess, partnership: Partnership
) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a CSV file to fill in: one row per indicator, period that has
    begun, is in the schedule and is not locked, and reporting organization (a partner's
    own only) whose figure is still owed: none yet, or a draft or a returned one (those
    rows carry the figure as it stands). Six queries, whatever the size."""
    index = partnership_index(workspace=workspace, partnership=partnership)
    today = workspace_today(workspace)
    own_only = not access.can(Action.EDIT_CONTENT)
    category_columns: dict[str, str] = {}  # key -> the header as people named it
    for info in sorted(index.by_id.values(), key=lambda i: (i.indicator.name, i.indicator.pk)):
        for category in info.categories.values():
            key = category_key(category.dimension.name, category.name)
            category_columns.setdefault(key, f"{category.dimension.name}: {category.name}")
    figures = {
        (m.indicator_id, m.period_id, m.organization_id): m
        for m in Measurement.objects.for_workspace(workspace).filter(
            indicator_id__in=list(index.by_id)
        )
    }
    owed_ids = [m.pk for m in figures.values() if m.status in OWED_STATUSES]
    parts: dict[int, dict[int, Decimal]] = {}
    for measurement_id, category_id, value in (
        MeasurementBreakdown.objects.for_workspace(workspace)
        .filter(measurement_id__in=owed_ids)
        .values_list("measurement_id", "category_id", "value")
    ):
        parts.setdefault(measurement_id, {})[category_id] = value
    header = ["indicator", "period", "organization", "value", *category_columns.values(), "note"]
    rows: list[list[str]] = []
    for info in sorted(index.by_id.values(), key=lambda i: (i.indicator.name, i.indicator.pk)):
        by_key = {key: c.pk for key, c in info.categories.items()}
        reporters = sorted(
            (index.organizations[oid] for oid in info.reporter_ids),
            key=lambda org: org.name.casefold(),
        )
        for period in info.periods:
            if period.start_date > today or period.locked or not period.in_schedule:
                continue
            for organization in reporters:
                if own_only and organization.pk != access.organization_id:
                    continue
                figure = figures.get((info.indicator.pk, period.pk, organization.pk))
                if figure is not None and figure.status not in OWED_STATUSES:
                    continue
                breakdown = parts.get(figure.pk, {}) if figure else {}
                rows.append(
                    [
                        spreadsheet_safe(info.indicator.name),
                        period_label(period.start_date, period.end_date),
                        spreadsheet_safe(organization.name),
                        number_text(figure.value) if figure else "",
                        *(
                            number_text(breakdown.get(by_key[key])) if key in by_key else ""
                            for key in category_columns
                        ),
                        spreadsheet_safe(figure.note) if figure else "",
                    ]
                )
    return header, rows


def import_template_text(
    *, workspace: Workspace, access: PartnershipAccess, partnership: Partnership
) -> str:
    header, rows = import_template_rows(workspace=workspace, access=access, partnership=partnership)
    buffer = _LineBuffer()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(cell) for cell in header])
    writer.writerows(rows)
    return "\ufeff" + buffer.take()
