"""Derived progress of an indicator: the rule as pure functions, and the database reads.

Only approved figures count.

* **Actual of a period** -- the figures of its reporting organizations combined: added up
  for numbers and currency amounts, averaged for percentages (two organizations each
  reaching 80 % do not reach 160 %).
* **Actual to date** -- the period actuals combined by the indicator's aggregation: the
  sum of all periods, the latest period with figures (the one ending last; of two ending
  the same day, the one starting later, i.e. the shorter), or the average of the periods
  with figures. Periods out of the schedule still count: their figures are approved data.
* **Progress** -- how far the actual to date has moved from the baseline toward the
  target: ``(actual - baseline) / (target - baseline)``. The same formula serves both
  directions (for "decrease is better" the target lies below the baseline). Below 0 means
  worse than the baseline; above 1 means beyond the target. When target equals baseline
  (a level to hold) progress is 1 while the actual is at or on the right side of the
  target and 0 otherwise.
* **Expected share** -- a straight line from the baseline date to the target date: the
  share of that span elapsed at the *as-of date*, which is the end of the latest period
  with an approved figure (a figure speaks for its period, not for today).
* **Status** -- ``needs_data`` without an approved figure; ``achieved`` when progress
  reaches 1 (for a level to hold: once the target date is reached); ``on_track`` when
  progress is no more than ``AT_RISK_GAP`` (10 points) behind the expected share;
  ``at_risk`` up to ``OFF_TRACK_GAP`` (25 points) behind; ``off_track`` beyond.
* **Period target** -- the one set on the period, else the straight line's: the line's
  value at the period's end for the latest and average aggregations, the period's part of
  the change for a sum (``period_target``).

The reads aggregate in PostgreSQL (one query for any number of indicators) from the
partial index ``measurement_ws_approved``; nothing loops over figures in Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import TextChoices

from impact.models import (
    VALUE_DECIMALS,
    Aggregation,
    Direction,
    MeasurementStatus,
    ValueType,
)
from partnerhub.models import Workspace

AT_RISK_GAP = Decimal("0.10")
OFF_TRACK_GAP = Decimal("0.25")
# Derived period targets are rounded like stored ones.
_TARGET_PLACES = Decimal(1).scaleb(-VALUE_DECIMALS)


class IndicatorStatus(TextChoices):
    NEEDS_DATA = "needs_data", "Needs data"
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"
    ACHIEVED = "achieved", "Achieved"


# --- The rule --------------------------------------------------------------------------


def combine_period_values(values: Sequence[Decimal], value_type: str) -> Decimal | None:
    """A period's actual from its organizations' approved figures."""
    if not values:
        return None
    total = sum(values, Decimal(0))
    return total / len(values) if value_type == ValueType.PERCENTAGE else total


def actual_to_date(
    period_actuals: Sequence[tuple[date, Decimal]], aggregation: str
) -> Decimal | None:
    """Combine (period end, actual) pairs by the indicator's aggregation."""
    if not period_actuals:
        return None
    if aggregation == Aggregation.LATEST:
        return max(period_actuals, key=lambda pair: pair[0])[1]
    total = sum((actual for _, actual in period_actuals), Decimal(0))
    if aggregation == Aggregation.AVERAGE:
        return total / len(period_actuals)
    return total


def progress_share(
    *, baseline: Decimal, target: Decimal, actual: Decimal | None, direction: str
) -> Decimal | None:
    """Progress from baseline (0) to target (1); None without an actual."""
    if actual is None:
        return None
    span = target - baseline
    if span == 0:
        meets = actual >= target if direction == Direction.INCREASE else actual <= target
        return Decimal(1) if meets else Decimal(0)
    return (actual - baseline) / span


def expected_share(*, baseline_date: date, target_date: date, as_of: date) -> Decimal:
    """The share of the baseline-to-target span elapsed at ``as_of`` (0..1)."""
    if as_of >= target_date:
        return Decimal(1)
    if as_of <= baseline_date:
        return Decimal(0)
    return Decimal((as_of - baseline_date).days) / Decimal((target_date - baseline_date).days)


@dataclass(frozen=True)
class Verdict:
    status: str
    reason: str


def _points(share: Decimal) -> str:
    return f"{(share * 100).quantize(Decimal(1))}%"


def indicator_verdict(
    *,
    progress: Decimal | None,
    expected: Decimal | None,
    level_to_hold: bool = False,
    target_reached_in_time: bool = False,
) -> Verdict:
    """The on-track status from progress and the expected share at the as-of date."""
    if progress is None or expected is None:
        return Verdict(IndicatorStatus.NEEDS_DATA, "No approved figure yet")
    if progress >= 1 and (not level_to_hold or target_reached_in_time):
        return Verdict(IndicatorStatus.ACHIEVED, "Target reached")
    if level_to_hold:
        if progress >= 1:
            return Verdict(IndicatorStatus.ON_TRACK, "Holding the target level")
        return Verdict(IndicatorStatus.OFF_TRACK, "Not at the target level")
    gap = expected - progress
    reason = f"{_points(progress)} of the way, {_points(expected)} expected by now"
    if gap <= AT_RISK_GAP:
        return Verdict(IndicatorStatus.ON_TRACK, reason)
    if gap <= OFF_TRACK_GAP:
        return Verdict(IndicatorStatus.AT_RISK, reason)
    return Verdict(IndicatorStatus.OFF_TRACK, reason)


# --- The reads -------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorProgress:
    indicator_id: int
    actual: Decimal | None
    as_of: date | None
    periods_with_data: int
    progress: Decimal | None
    expected: Decimal | None
    status: str
    reason: str

    @property
    def percent(self) -> int | None:
        """Progress in whole percent (may be below 0 or above 100)."""
        if self.progress is None:
            return None
        return int((self.progress * 100).to_integral_value())

    @property
    def bar_percent(self) -> int:
        """Progress clamped to 0..100, for a progress bar."""
        return max(0, min(100, self.percent or 0))

    @property
    def status_label(self) -> str:
        return str(IndicatorStatus(self.status).label)


# One row per period with approved figures: the partial index ``measurement_ws_approved``
# holds every column read here (an index-only scan). Both combinations are computed; the
# outer query picks one by the indicator's value type.
_FIGURES_SQL = """
    SELECT m.indicator_id, m.period_id,
           sum(m.value) AS total, avg(m.value) AS mean, count(*) AS figures
      FROM impact_measurement m
     WHERE m.workspace_id = %(workspace)s AND m.status = %(approved)s
       AND m.indicator_id = ANY(%(ids)s::bigint[])
     GROUP BY m.indicator_id, m.period_id
"""

# The same with the period's dates. The period filter repeats the indicator ids so that
# only those indicators' periods are read (through ``period_ws_indicator``).
_PER_PERIOD_SQL = f"""
    SELECT f.indicator_id, f.period_id, p.start_date, p.end_date, f.total, f.mean, f.figures
      FROM ({_FIGURES_SQL}) f
      JOIN impact_reportingperiod p ON p.id = f.period_id AND p.indicator_id = f.indicator_id
     WHERE p.workspace_id = %(workspace)s AND p.indicator_id = ANY(%(ids)s::bigint[])
"""  # noqa: S608 -- constant SQL; every value is a parameter

_PERIOD_ACTUAL = "CASE WHEN i.value_type = %(percentage)s THEN pp.mean ELSE pp.total END"

_TO_DATE_SQL = f"""
    WITH per_period AS ({_PER_PERIOD_SQL})
    SELECT i.id, i.aggregation, i.direction, i.baseline_value, i.target_value,
           i.baseline_date, i.target_date,
           CASE i.aggregation
               WHEN %(latest)s THEN (array_agg({_PERIOD_ACTUAL}
                   ORDER BY pp.end_date DESC, pp.start_date DESC, pp.period_id DESC))[1]
               WHEN %(average)s THEN avg({_PERIOD_ACTUAL})
               ELSE sum({_PERIOD_ACTUAL})
           END AS actual,
           max(pp.end_date) AS as_of,
           count(pp.period_id) AS periods_with_data
      FROM impact_indicator i
      LEFT JOIN per_period pp ON pp.indicator_id = i.id
     WHERE i.workspace_id = %(workspace)s AND i.id = ANY(%(ids)s::bigint[])
     GROUP BY i.id
"""  # noqa: S608 -- constant SQL; every value is a parameter


def _params(workspace: Workspace, ids: list[int]) -> dict[str, Any]:
    return {
        "workspace": workspace.pk,
        "ids": ids,
        "approved": MeasurementStatus.APPROVED.value,
        "percentage": ValueType.PERCENTAGE.value,
        "latest": Aggregation.LATEST.value,
        "average": Aggregation.AVERAGE.value,
    }


def progress_from_row(
    *,
    indicator_id: int,
    direction: str,
    baseline_value: Decimal,
    target_value: Decimal,
    baseline_date: date,
    target_date: date,
    actual: Decimal | None,
    as_of: date | None,
    periods_with_data: int,
) -> IndicatorProgress:
    progress = progress_share(
        baseline=baseline_value, target=target_value, actual=actual, direction=direction
    )
    expected = (
        expected_share(baseline_date=baseline_date, target_date=target_date, as_of=as_of)
        if as_of is not None
        else None
    )
    verdict = indicator_verdict(
        progress=progress,
        expected=expected,
        level_to_hold=baseline_value == target_value,
        target_reached_in_time=as_of is not None and as_of >= target_date,
    )
    return IndicatorProgress(
        indicator_id=indicator_id,
        actual=actual,
        as_of=as_of,
        periods_with_data=periods_with_data,
        progress=progress,
        expected=expected,
        status=verdict.status,
        reason=verdict.reason,
    )


def indicators_progress(
    *, workspace: Workspace, indicator_ids: Iterable[int]
) -> dict[int, IndicatorProgress]:
    """Derived progress of each indicator, in one query."""
    ids = sorted(set(indicator_ids))
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_TO_DATE_SQL, _params(workspace, ids))
        return progress_from_rows(cursor.fetchall())


def progress_from_rows(rows: Iterable[tuple[Any, ...]]) -> dict[int, IndicatorProgress]:
    """Indicator id -> its progress, from ``_TO_DATE_SQL``'s rows (however they were run)."""
    answer: dict[int, IndicatorProgress] = {}
    for (
        indicator_id,
        _aggregation,
        direction,
        baseline_value,
        target_value,
        baseline_date,
        target_date,
        actual,
        as_of,
        periods_with_data,
    ) in rows:
        answer[indicator_id] = progress_from_row(
            indicator_id=indicator_id,
            direction=direction,
            baseline_value=baseline_value,
            target_value=target_value,
            baseline_date=baseline_date,
            target_date=target_date,
            actual=actual,
            as_of=as_of,
            periods_with_data=periods_with_data,
        )
    return answer


@dataclass(frozen=True)
class PeriodActual:
    period_id: int
    start_date: date
    end_date: date
    target: Decimal | None
    locked: bool
    in_schedule: bool
    actual: Decimal | None
    figures: int
    # False when ``target`` is the straight-line value rather than one set for the period.
    target_is_set: bool = False


# Every period of the given indicators with its approved actual: ``_FIGURES_SQL`` per
# period, joined to all the periods (those without figures too).
_PERIOD_ACTUALS_SQL = f"""
    WITH per_period AS ({_FIGURES_SQL})
    SELECT p.indicator_id, p.id, p.start_date, p.end_date, p.target_value, p.locked,
           p.in_schedule, {_PERIOD_ACTUAL}, coalesce(pp.figures, 0),
           i.aggregation, i.baseline_value, i.target_value, i.baseline_date, i.target_date
      FROM impact_reportingperiod p
      JOIN impact_indicator i ON i.id = p.indicator_id AND i.workspace_id = p.workspace_id
      LEFT JOIN per_period pp ON pp.period_id = p.id
     WHERE p.workspace_id = %(workspace)s AND p.indicator_id = ANY(%(ids)s::bigint[])
     ORDER BY p.indicator_id, p.start_date, p.end_date, p.id
"""  # noqa: S608 -- constant SQL; every value is a parameter


def period_actuals_of(
    *, workspace: Workspace, indicator_ids: Iterable[int]
) -> dict[int, list[PeriodActual]]:
    """Every period of each indicator, oldest first, with its approved actual (or None)
    and its target: the one set for the period, else the straight line's
    (``period_target``). One query for any number of indicators; an indicator without
    periods maps to an empty list."""
    ids = sorted(set(indicator_ids))
    answer: dict[int, list[PeriodActual]] = {i: [] for i in ids}
    if not ids:
        return answer
    with connection.cursor() as cursor:
        cursor.execute(_PERIOD_ACTUALS_SQL, _params(workspace, ids))
        rows = cursor.fetchall()
    for (
        indicator_id,
        period_id,
        start_date,
        end_date,
        set_target,
        locked,
        in_schedule,
        actual,
        figures,
        aggregation,
        baseline_value,
        target_value,
        baseline_date,
        target_date,
    ) in rows:
        target = set_target
        if target is None:
            target = period_target(
                aggregation=aggregation,
                baseline_value=baseline_value,
                target_value=target_value,
                baseline_date=baseline_date,
                target_date=target_date,
                start_date=start_date,
                end_date=end_date,
            )
        answer[indicator_id].append(
            PeriodActual(
                period_id=period_id,
                start_date=start_date,
                end_date=end_date,
                target=target,
                locked=locked,
                in_schedule=in_schedule,
                actual=actual,
                figures=figures,
                target_is_set=set_target is not None,
            )
        )
    return answer


def period_actuals(*, workspace: Workspace, indicator_id: int) -> list[PeriodActual]:
    """``period_actuals_of`` for one indicator."""
    return period_actuals_of(workspace=workspace, indicator_ids=[indicator_id])[indicator_id]


def straight_line_target(
    *,
    baseline_value: Decimal,
    target_value: Decimal,
    baseline_date: date,
    target_date: date,
    on: date,
) -> Decimal:
    """The value the straight line from baseline to target reaches on ``on``."""
    share = expected_share(baseline_date=baseline_date, target_date=target_date, as_of=on)
    return baseline_value + (target_value - baseline_value) * share


def period_target(
    *,
    aggregation: str,
    baseline_value: Decimal,
    target_value: Decimal,
    baseline_date: date,
    target_date: date,
    start_date: date,
    end_date: date,
) -> Decimal:
    """A period's straight-line target, comparable with the period's own actual.

    For the latest and average aggregations a period reports a level: the target is the
    line's value at the period's end. For a sum each period adds to the total: the target
    is the part of the change from baseline to target that falls inside the period
    (the periods of the schedule add up to ``target - baseline``). Rounded to the places a
    stored period target has.
    """
    if aggregation != Aggregation.SUM:
        line = straight_line_target(
            baseline_value=baseline_value,
            target_value=target_value,
            baseline_date=baseline_date,
            target_date=target_date,
            on=end_date,
        )
        return line.quantize(_TARGET_PLACES)
    before = start_date - timedelta(days=1)
    covered = expected_share(
        baseline_date=baseline_date, target_date=target_date, as_of=end_date
    ) - expected_share(baseline_date=baseline_date, target_date=target_date, as_of=before)
    return ((target_value - baseline_value) * covered).quantize(_TARGET_PLACES)
