"""Reporting periods: the calendar windows of each frequency between baseline and target,
and keeping stored periods in step when the frequency or the dates change."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from impact.models import Frequency, Measurement, MeasurementStatus, ReportingPeriod
from impact.periods import MAX_PERIODS, PeriodSync, period_windows, sync_periods, window_containing
from partnerhub.tenancy import workspace_context
from tests.impact.helpers import make_indicator, make_measurement, periods_of

D = date

# --- The windows (no database) --------------------------------------------------------


def test_monthly_windows_are_calendar_months():
    windows = period_windows(Frequency.MONTHLY, D(2024, 12, 31), D(2025, 12, 31))
    assert len(windows) == 12
    assert windows[0] == (D(2025, 1, 1), D(2025, 1, 31))
    assert windows[1] == (D(2025, 2, 1), D(2025, 2, 28))
    assert windows[-1] == (D(2025, 12, 1), D(2025, 12, 31))


def test_quarterly_windows_start_in_january_april_july_october():
    windows = period_windows(Frequency.QUARTERLY, D(2024, 12, 31), D(2025, 12, 31))
    assert windows == [
        (D(2025, 1, 1), D(2025, 3, 31)),
        (D(2025, 4, 1), D(2025, 6, 30)),
        (D(2025, 7, 1), D(2025, 9, 30)),
        (D(2025, 10, 1), D(2025, 12, 31)),
    ]


def test_half_yearly_windows_are_january_to_june_and_july_to_december():
    windows = period_windows(Frequency.HALF_YEARLY, D(2024, 12, 31), D(2026, 12, 31))
    assert windows == [
        (D(2025, 1, 1), D(2025, 6, 30)),
        (D(2025, 7, 1), D(2025, 12, 31)),
        (D(2026, 1, 1), D(2026, 6, 30)),
        (D(2026, 7, 1), D(2026, 12, 31)),
    ]


def test_annual_windows_are_calendar_years():
    windows = period_windows(Frequency.ANNUAL, D(2024, 12, 31), D(2027, 6, 30))
    assert windows == [
        (D(2025, 1, 1), D(2025, 12, 31)),
        (D(2026, 1, 1), D(2026, 12, 31)),
        (D(2027, 1, 1), D(2027, 12, 31)),  # the window holding the target date
    ]


def test_baseline_on_the_last_day_of_a_window_starts_with_the_next_window():
    windows = period_windows(Frequency.QUARTERLY, D(2025, 3, 31), D(2025, 12, 31))
    assert windows[0] == (D(2025, 4, 1), D(2025, 6, 30))
    assert len(windows) == 3


def test_baseline_in_the_middle_of_a_window_reports_on_that_window():
    windows = period_windows(Frequency.QUARTERLY, D(2025, 2, 15), D(2025, 12, 31))
    assert windows[0] == (D(2025, 1, 1), D(2025, 3, 31))
    assert len(windows) == 4


def test_target_in_the_middle_of_a_window_includes_that_whole_window():
    windows = period_windows(Frequency.HALF_YEARLY, D(2024, 12, 31), D(2025, 8, 15))
    assert windows[-1] == (D(2025, 7, 1), D(2025, 12, 31))
    assert len(windows) == 2


@pytest.mark.parametrize(
    ("frequency", "day", "window"),
    [
        (Frequency.MONTHLY, D(2025, 5, 17), (D(2025, 5, 1), D(2025, 5, 31))),
        (Frequency.QUARTERLY, D(2025, 5, 17), (D(2025, 4, 1), D(2025, 6, 30))),
        (Frequency.HALF_YEARLY, D(2025, 5, 17), (D(2025, 1, 1), D(2025, 6, 30))),
        (Frequency.ANNUAL, D(2025, 5, 17), (D(2025, 1, 1), D(2025, 12, 31))),
        # On the last day of a window the same day's window is the one, not the next.
        (Frequency.QUARTERLY, D(2025, 3, 31), (D(2025, 1, 1), D(2025, 3, 31))),
        (Frequency.ANNUAL, D(2025, 12, 31), (D(2025, 1, 1), D(2025, 12, 31))),
    ],
)
def test_baseline_equal_to_target_gives_that_days_window_only(frequency, day, window):
    assert period_windows(frequency, day, day) == [window]


def test_target_the_day_after_a_baseline_at_a_window_end_gives_one_period():
    windows = period_windows(Frequency.QUARTERLY, D(2024, 12, 31), D(2025, 1, 1))
    assert windows == [(D(2025, 1, 1), D(2025, 3, 31))]


def test_target_before_baseline_is_refused_on_the_target_date():
    with pytest.raises(ValidationError) as caught:
        period_windows(Frequency.MONTHLY, D(2025, 6, 1), D(2025, 5, 31))
    assert "target_date" in caught.value.message_dict


def test_february_in_leap_and_common_years():
    leap = period_windows(Frequency.MONTHLY, D(2024, 1, 31), D(2024, 2, 29))
    assert leap == [(D(2024, 2, 1), D(2024, 2, 29))]
    common = period_windows(Frequency.MONTHLY, D(2023, 1, 31), D(2023, 2, 28))
    assert common == [(D(2023, 2, 1), D(2023, 2, 28))]
    # Baseline on the 28th of a leap February: the 29th is still in February.
    assert period_windows(Frequency.MONTHLY, D(2024, 2, 28), D(2024, 3, 31))[0] == (
        D(2024, 2, 1),
        D(2024, 2, 29),
    )
    # Baseline on the 29th: reporting starts in March.
    assert period_windows(Frequency.MONTHLY, D(2024, 2, 29), D(2024, 3, 31)) == [
        (D(2024, 3, 1), D(2024, 3, 31))
    ]
    assert window_containing(D(2024, 2, 29), Frequency.QUARTERLY) == (D(2024, 1, 1), D(2024, 3, 31))


def test_windows_cross_year_boundaries():
    monthly = period_windows(Frequency.MONTHLY, D(2024, 11, 30), D(2025, 2, 10))
    assert [start for start, _ in monthly] == [D(2024, 12, 1), D(2025, 1, 1), D(2025, 2, 1)]
    quarterly = period_windows(Frequency.QUARTERLY, D(2024, 11, 15), D(2025, 1, 15))
    assert quarterly == [(D(2024, 10, 1), D(2024, 12, 31)), (D(2025, 1, 1), D(2025, 3, 31))]
    half = period_windows(Frequency.HALF_YEARLY, D(2025, 6, 30), D(2026, 1, 1))
    assert half == [(D(2025, 7, 1), D(2025, 12, 31)), (D(2026, 1, 1), D(2026, 6, 30))]


def test_max_periods_guard():
    assert MAX_PERIODS == 240
    exactly = period_windows(Frequency.MONTHLY, D(2004, 12, 31), D(2024, 12, 31))
    assert len(exactly) == MAX_PERIODS
    with pytest.raises(ValidationError, match="more than 240 reporting periods"):
        period_windows(Frequency.MONTHLY, D(2004, 12, 31), D(2025, 1, 1))
    # Far-off dates are refused quickly, not walked through window by window.
    with pytest.raises(ValidationError):
        period_windows(Frequency.MONTHLY, D(2000, 1, 1), D(9998, 12, 31))


def test_dates_at_the_end_of_the_calendar_are_refused_not_crashed_on():
    # The window after the last one would start in the year 10000.
    assert len(period_windows(Frequency.ANNUAL, D(9990, 12, 31), D(9998, 12, 31))) == 8
    for frequency in Frequency:
        with pytest.raises(ValidationError) as caught:
            period_windows(frequency, D(9999, 6, 1), D(9999, 12, 31))
        assert "target_date" in caught.value.message_dict
        with pytest.raises(ValidationError):
            period_windows(frequency, D(9999, 12, 31), D(9999, 12, 31))


MONTHS = {
    Frequency.MONTHLY: 1,
    Frequency.QUARTERLY: 3,
    Frequency.HALF_YEARLY: 6,
    Frequency.ANNUAL: 12,
}


def test_windows_tile_the_span_for_random_dates():
    rng = random.Random(20250105)
    for _ in range(400):
        frequency = rng.choice(list(Frequency))
        baseline = D(2020, 1, 1) + timedelta(days=rng.randrange(0, 2000))
        target = baseline + timedelta(days=rng.choice([0, 1, rng.randrange(0, 1500)]))
        windows = period_windows(frequency, baseline, target)
        first_day = baseline if baseline == target else baseline + timedelta(days=1)
        assert windows[0][0] <= first_day <= windows[0][1]
        assert windows[-1][0] <= target <= windows[-1][1]
        for (start, end), (next_start, _) in itertools.pairwise(windows):
            assert next_start == end + timedelta(days=1)
        for start, end in windows:
            assert start.day == 1 and (start.month - 1) % MONTHS[frequency] == 0
            assert (end + timedelta(days=1)).day == 1
            assert window_containing(start, frequency) == (start, end)


# --- Keeping stored periods in step (database) ---------------------------------------

database = pytest.mark.django_db


def windows_of(indicator):
    return [(p.start_date, p.end_date, p.in_schedule) for p in periods_of(indicator)]


def change(indicator, **fields):
    for name, value in fields.items():
        setattr(indicator, name, value)
    indicator.save()
    return sync_periods(indicator=indicator)


@database
def test_sync_creates_the_schedule_and_is_idempotent(cast_a, django_assert_num_queries):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a)  # quarterly 2025-2026, synced by the builder
        before = {p.pk: p.updated_at for p in periods_of(indicator)}
        assert len(before) == 8
        # SAVEPOINT, lock the indicator, read its periods, read the periods with figures,
        # RELEASE SAVEPOINT: no write.
        with django_assert_num_queries(5):
            again = sync_periods(indicator=indicator)
        after = {p.pk: p.updated_at for p in periods_of(indicator)}
    assert again == PeriodSync(created=0, removed=0, kept_off_schedule=0)
    assert after == before


@database
def test_frequency_change_keeps_periods_with_figures_off_schedule(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a)
        q1, q2, q3 = periods_of(indicator)[:3]
        make_measurement(cast_a, indicator=indicator, period=q1, value=10)
        # A draft is data too: never lost.
        make_measurement(
            cast_a, indicator=indicator, period=q3, value=4, status=MeasurementStatus.DRAFT
        )
        ReportingPeriod.objects.filter(pk=q1.pk).update(locked=True, target_value=Decimal("12"))
        ReportingPeriod.objects.filter(pk=q2.pk).update(locked=True, target_value=Decimal("25"))
        ReportingPeriod.objects.filter(pk=q3.pk).update(target_value=Decimal("37"))

        result = change(indicator, frequency=Frequency.MONTHLY)

        periods = periods_of(indicator)
        kept = {p.pk: p for p in periods if not p.in_schedule}
        monthly = [p for p in periods if p.in_schedule]
        figures = Measurement.objects.filter(indicator=indicator).count()
    assert result == PeriodSync(created=24, removed=6, kept_off_schedule=2)
    assert len(monthly) == 24
    assert all(p.start_date.month == p.end_date.month for p in monthly)
    assert set(kept) == {q1.pk, q3.pk}  # the empty Q2 went, even though it was locked
    assert (kept[q1.pk].locked, kept[q1.pk].target_value) == (True, Decimal("12"))
    assert (kept[q3.pk].locked, kept[q3.pk].target_value) == (False, Decimal("37"))
    assert figures == 2


@database
def test_resync_after_a_change_writes_nothing(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a)
        make_measurement(cast_a, indicator=indicator, period=periods_of(indicator)[0], value=1)
        change(indicator, frequency=Frequency.HALF_YEARLY)
        before = {p.pk: (p.updated_at, p.in_schedule) for p in periods_of(indicator)}
        again = sync_periods(indicator=indicator)
        after = {p.pk: (p.updated_at, p.in_schedule) for p in periods_of(indicator)}
    assert again == PeriodSync(created=0, removed=0, kept_off_schedule=1)
    assert after == before


@database
def test_periods_back_in_the_schedule_flip_back_with_lock_and_target(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a)
        q1 = periods_of(indicator)[0]
        make_measurement(cast_a, indicator=indicator, period=q1, value=10)
        ReportingPeriod.objects.filter(pk=q1.pk).update(locked=True, target_value=Decimal("9"))
        change(indicator, frequency=Frequency.ANNUAL)
        january = None
        for period in periods_of(indicator):
            if (period.start_date, period.end_date) == (D(2025, 1, 1), D(2025, 12, 31)):
                january = period
        make_measurement(cast_a, indicator=indicator, period=january, value=40)

        result = change(indicator, frequency=Frequency.QUARTERLY)
        periods = {p.pk: p for p in periods_of(indicator)}
    assert result == PeriodSync(created=7, removed=1, kept_off_schedule=1)
    assert periods[q1.pk].in_schedule is True
    assert (periods[q1.pk].locked, periods[q1.pk].target_value) == (True, Decimal("9"))
    assert periods[january.pk].in_schedule is False  # the 2025 annual period holds a figure
    assert sum(p.in_schedule for p in periods.values()) == 8


@database
def test_date_changes_keep_figures_and_drop_empty_periods(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a)
        periods = periods_of(indicator)
        make_measurement(cast_a, indicator=indicator, period=periods[6], value=5)  # 2026 Q3
        ReportingPeriod.objects.filter(pk=periods[1].pk).update(
            locked=True, target_value=Decimal("20")
        )

        # Target moves a year earlier: 2026 empties go, 2026 Q3 stays off schedule.
        earlier = change(indicator, target_date=D(2025, 12, 31))
        after_earlier = windows_of(indicator)
        q2 = ReportingPeriod.objects.get(pk=periods[1].pk)

        # Baseline moves half a year later: 2025 H1 quarters leave (empty ones deleted).
        later = change(indicator, baseline_date=D(2025, 6, 30))
        after_later = windows_of(indicator)
    assert earlier == PeriodSync(created=0, removed=3, kept_off_schedule=1)
    assert after_earlier == [
        (D(2025, 1, 1), D(2025, 3, 31), True),
        (D(2025, 4, 1), D(2025, 6, 30), True),
        (D(2025, 7, 1), D(2025, 9, 30), True),
        (D(2025, 10, 1), D(2025, 12, 31), True),
        (D(2026, 7, 1), D(2026, 9, 30), False),
    ]
    assert (q2.locked, q2.target_value, q2.in_schedule) == (True, Decimal("20"), True)
    assert later == PeriodSync(created=0, removed=2, kept_off_schedule=1)
    assert after_later == [
        (D(2025, 7, 1), D(2025, 9, 30), True),
        (D(2025, 10, 1), D(2025, 12, 31), True),
        (D(2026, 7, 1), D(2026, 9, 30), False),
    ]


@database
def test_extending_the_target_adds_periods_and_leaves_the_rest_alone(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a)
        first = periods_of(indicator)[0]
        ReportingPeriod.objects.filter(pk=first.pk).update(locked=True, target_value=Decimal("3"))
        stamp = ReportingPeriod.objects.get(pk=first.pk).updated_at
        result = change(indicator, target_date=D(2027, 5, 1))
        refreshed = ReportingPeriod.objects.get(pk=first.pk)
        count = len(periods_of(indicator))
    assert result == PeriodSync(created=2, removed=0, kept_off_schedule=0)
    assert count == 10
    assert (refreshed.locked, refreshed.target_value, refreshed.updated_at) == (
        True,
        Decimal("3"),
        stamp,
    )


@database
def test_a_refused_schedule_changes_no_period(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a)
        before = windows_of(indicator)
        indicator.frequency = Frequency.MONTHLY
        indicator.baseline_date = D(1990, 1, 1)  # 37 years of months
        with pytest.raises(ValidationError):
            sync_periods(indicator=indicator)
        after = windows_of(indicator)
    assert after == before


@database
def test_one_day_indicator_has_one_period(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(
            cast_a,
            frequency=Frequency.MONTHLY,
            baseline_date=D(2025, 4, 30),
            target_date=D(2025, 4, 30),
        )
        assert windows_of(indicator) == [(D(2025, 4, 1), D(2025, 4, 30), True)]
