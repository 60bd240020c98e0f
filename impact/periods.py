"""Reporting periods: which windows an indicator reports on, and keeping them in step.

Periods are calendar windows (months; quarters starting January, April, July, October;
half-years starting January and July; calendar years), the way funders and the IATI
standard count them. An indicator reports on every window after its baseline date up to
and including the window holding its target date: the first window is the one holding the
day after the baseline (the baseline itself was measured before reporting began). When
the baseline and target dates are the same day, that day's window is the only one.

``sync_periods`` brings the stored periods in line with the schedule. It never deletes a
period that holds a figure: such a period leaves the schedule (``in_schedule`` false) and
stays, with its figures, until someone moves them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from impact.models import Frequency, Indicator, Measurement, ReportingPeriod

MONTHS_PER_PERIOD = {
    Frequency.MONTHLY: 1,
    Frequency.QUARTERLY: 3,
    Frequency.HALF_YEARLY: 6,
    Frequency.ANNUAL: 12,
}

# Twenty years of monthly reporting; more is a typing error, not a plan.
MAX_PERIODS = 240


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def window_containing(day: date, frequency: str) -> tuple[date, date]:
    """The calendar window of ``frequency`` that holds ``day``."""
    months = MONTHS_PER_PERIOD[Frequency(frequency)]
    first_month = ((day.month - 1) // months) * months + 1
    start = date(day.year, first_month, 1)
    return start, _add_months(start, months) - timedelta(days=1)


# The last window must end, and the next one start, inside the calendar.
LAST_TARGET_DATE = date(9998, 12, 31)


def period_windows(
    frequency: str, baseline_date: date, target_date: date
) -> list[tuple[date, date]]:
    """The (start, end) windows an indicator reports on, oldest first."""
    if target_date < baseline_date:
        raise ValidationError(
            {"target_date": "The target date must be on or after the baseline date."}
        )
    if target_date > LAST_TARGET_DATE:
        raise ValidationError(
            {"target_date": f"Choose a target date up to {LAST_TARGET_DATE:%Y-%m-%d}."}
        )
    first_day = baseline_date if baseline_date == target_date else baseline_date + timedelta(1)
    months = MONTHS_PER_PERIOD[Frequency(frequency)]
    start, _ = window_containing(first_day, frequency)
    windows: list[tuple[date, date]] = []
    while start <= target_date:
        if len(windows) == MAX_PERIODS:
            raise ValidationError(
                f"This schedule would have more than {MAX_PERIODS} reporting periods; "
                "choose a less frequent schedule or closer dates."
            )
        following = _add_months(start, months)
        windows.append((start, following - timedelta(days=1)))
        start = following
    return windows


@dataclass(frozen=True)
class PeriodSync:
    created: int
    removed: int
    kept_off_schedule: int


@transaction.atomic
def sync_periods(*, indicator: Indicator) -> PeriodSync:
    """Create the missing periods of the indicator's schedule, delete empty periods the
    schedule no longer holds, and keep (out of schedule) those that hold figures.

    Idempotent: a second call with the same schedule writes nothing. Kept periods keep
    their lock and their period target; a kept period that is back in the schedule is
    flagged in schedule again.
    """
    windows = period_windows(indicator.frequency, indicator.baseline_date, indicator.target_date)
    wanted = set(windows)
    workspace_id = indicator.workspace_id
    # Two saves of the same indicator at once would both create the same windows (and
    # one would fail on the unique window): the indicator's row lock serializes them.
    Indicator.objects.select_for_update().filter(workspace_id=workspace_id, pk=indicator.pk).first()
    existing = {
        (p.start_date, p.end_date): p
        for p in ReportingPeriod.objects.filter(workspace_id=workspace_id, indicator=indicator)
    }
    with_data = set(
        Measurement.objects.filter(workspace_id=workspace_id, indicator=indicator)
        .values_list("period_id", flat=True)
        .distinct()
    )
    to_create = [
        ReportingPeriod(
            workspace_id=workspace_id, indicator=indicator, start_date=start, end_date=end
        )
        for start, end in windows
        if (start, end) not in existing
    ]
    ReportingPeriod.objects.bulk_create(to_create)
    now = timezone.now()
    back_in = [p.id for key, p in existing.items() if key in wanted and not p.in_schedule]
    if back_in:
        ReportingPeriod.objects.filter(workspace_id=workspace_id, id__in=back_in).update(
            in_schedule=True, updated_at=now
        )
    outside = [p for key, p in existing.items() if key not in wanted]
    removable = [p.id for p in outside if p.id not in with_data]
    kept = [p for p in outside if p.id in with_data]
    if removable:
        ReportingPeriod.objects.filter(workspace_id=workspace_id, id__in=removable).delete()
    # Only the periods leaving the schedule now are written: a repeated sync must not move
    # updated_at (incremental sync clients would download them again).
    leaving = [p.id for p in kept if p.in_schedule]
    if leaving:
        ReportingPeriod.objects.filter(workspace_id=workspace_id, id__in=leaving).update(
            in_schedule=False, updated_at=now
        )
    return PeriodSync(created=len(to_create), removed=len(removable), kept_off_schedule=len(kept))
