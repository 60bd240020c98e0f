"""The progress rule as pure functions: combining figures, aggregating periods, progress
in both directions, the straight line, and the on-track thresholds. No database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from impact.models import Aggregation, Direction, ValueType
from impact.periods import period_windows
from impact.progress import (
    AT_RISK_GAP,
    OFF_TRACK_GAP,
    IndicatorProgress,
    IndicatorStatus,
    actual_to_date,
    combine_period_values,
    expected_share,
    indicator_verdict,
    period_target,
    progress_from_row,
    progress_share,
    straight_line_target,
)

# --- A period's actual from its organizations ---------------------------------------


@pytest.mark.parametrize("value_type", [ValueType.NUMBER, ValueType.CURRENCY])
def test_numbers_and_amounts_add_up_across_organizations(value_type):
    assert combine_period_values([D("10"), D("15.5"), D("4.5")], value_type) == D("30")


def test_percentages_average_across_organizations():
    # Two organizations at 80 % do not make 160 %.
    assert combine_period_values([D("80"), D("80")], ValueType.PERCENTAGE) == D("80")
    assert combine_period_values([D("70"), D("80"), D("90")], ValueType.PERCENTAGE) == D("80")


@pytest.mark.parametrize("value_type", list(ValueType))
def test_a_period_without_figures_has_no_actual(value_type):
    assert combine_period_values([], value_type) is None


# --- Actual to date by aggregation --------------------------------------------------

PAIRS = [(date(2025, 6, 30), D("20")), (date(2025, 3, 31), D("10")), (date(2025, 9, 30), D("3"))]


def test_sum_adds_every_period():
    assert actual_to_date(PAIRS, Aggregation.SUM) == D("33")


def test_latest_is_the_period_ending_last_not_the_last_listed():
    assert actual_to_date(PAIRS, Aggregation.LATEST) == D("3")
    assert actual_to_date(list(reversed(PAIRS)), Aggregation.LATEST) == D("3")


def test_average_is_over_periods_with_figures():
    assert actual_to_date(PAIRS, Aggregation.AVERAGE) == D("11")


@pytest.mark.parametrize("aggregation", list(Aggregation))
def test_no_period_with_figures_means_no_actual(aggregation):
    assert actual_to_date([], aggregation) is None


# --- Progress from baseline toward target -------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "target", "actual", "direction", "expected"),
    [
        # Increase is better: 0 -> 100.
        ("0", "100", "25", Direction.INCREASE, "0.25"),
        ("0", "100", "100", Direction.INCREASE, "1"),
        ("0", "100", "150", Direction.INCREASE, "1.5"),  # beyond the target
        ("20", "100", "10", Direction.INCREASE, "-0.125"),  # worse than the baseline
        ("20", "100", "20", Direction.INCREASE, "0"),
        # Decrease is better: 100 -> 20.
        ("100", "20", "60", Direction.DECREASE, "0.5"),
        ("100", "20", "20", Direction.DECREASE, "1"),
        ("100", "20", "0", Direction.DECREASE, "1.25"),  # beyond the target
        ("100", "20", "120", Direction.DECREASE, "-0.25"),  # worse than the baseline
        ("100", "20", "100", Direction.DECREASE, "0"),
    ],
)
def test_progress_in_both_directions(baseline, target, actual, direction, expected):
    share = progress_share(
        baseline=D(baseline), target=D(target), actual=D(actual), direction=direction
    )
    assert share == D(expected)


@pytest.mark.parametrize(
    ("actual", "direction", "expected"),
    [
        ("80", Direction.INCREASE, 1),
        ("95", Direction.INCREASE, 1),
        ("79.99", Direction.INCREASE, 0),
        ("80", Direction.DECREASE, 1),
        ("60", Direction.DECREASE, 1),
        ("80.01", Direction.DECREASE, 0),
    ],
)
def test_a_level_to_hold_is_met_or_not(actual, direction, expected):
    # Target equal to baseline: no span to divide by; the right side of the level counts.
    share = progress_share(baseline=D("80"), target=D("80"), actual=D(actual), direction=direction)
    assert share == expected


@pytest.mark.parametrize("direction", list(Direction))
def test_no_actual_means_no_progress(direction):
    assert progress_share(baseline=D("0"), target=D("10"), actual=None, direction=direction) is None


# --- The straight line --------------------------------------------------------------


def test_expected_share_along_the_line():
    kwargs = {"baseline_date": date(2024, 12, 31), "target_date": date(2026, 12, 31)}
    assert expected_share(**kwargs, as_of=date(2024, 12, 31)) == 0
    assert expected_share(**kwargs, as_of=date(2024, 6, 30)) == 0  # before the baseline
    assert expected_share(**kwargs, as_of=date(2025, 12, 31)) == D(365) / D(730)
    assert expected_share(**kwargs, as_of=date(2026, 12, 31)) == 1
    assert expected_share(**kwargs, as_of=date(2027, 3, 31)) == 1  # after the target


def test_expected_share_with_a_zero_length_date_span():
    # Baseline and target on the same day: nothing to divide; before it 0, from it on 1.
    day = date(2025, 6, 15)
    assert expected_share(baseline_date=day, target_date=day, as_of=date(2025, 6, 14)) == 0
    assert expected_share(baseline_date=day, target_date=day, as_of=day) == 1
    assert expected_share(baseline_date=day, target_date=day, as_of=date(2025, 6, 30)) == 1


def test_straight_line_target_in_both_directions():
    kwargs = {"baseline_date": date(2024, 12, 31), "target_date": date(2026, 12, 31)}
    halfway = date(2025, 12, 31)
    up = straight_line_target(baseline_value=D(0), target_value=D(730), on=halfway, **kwargs)
    down = straight_line_target(baseline_value=D(730), target_value=D(0), on=halfway, **kwargs)
    assert up == D(365)
    assert down == D(365)


def test_period_targets_of_a_sum_add_up_to_the_change():
    baseline_date, target_date = date(2024, 12, 31), date(2026, 12, 31)
    windows = period_windows("quarterly", baseline_date, target_date)
    targets = [
        period_target(
            aggregation=Aggregation.SUM,
            baseline_value=D(0),
            target_value=D(730),
            baseline_date=baseline_date,
            target_date=target_date,
            start_date=start,
            end_date=end,
        )
        for start, end in windows
    ]
    # Each quarter's share of the 730 follows its number of days.
    assert targets[0] == D(90)  # 2025 Q1: 90 days
    assert targets[1] == D(91)
    assert sum(targets) == D(730)


def test_period_targets_of_a_level_follow_the_line():
    baseline_date, target_date = date(2024, 12, 31), date(2026, 12, 31)
    for aggregation in (Aggregation.LATEST, Aggregation.AVERAGE):
        target = period_target(
            aggregation=aggregation,
            baseline_value=D(100),
            target_value=D(-630),
            baseline_date=baseline_date,
            target_date=target_date,
            start_date=date(2025, 10, 1),
            end_date=date(2025, 12, 31),
        )
        assert target == D(-265)  # halfway from 100 to -630


def test_period_target_of_a_one_day_span():
    day = date(2025, 2, 10)
    target = period_target(
        aggregation=Aggregation.SUM,
        baseline_value=D(0),
        target_value=D(50),
        baseline_date=day,
        target_date=day,
        start_date=date(2025, 1, 1),
        end_date=date(2025, 3, 31),
    )
    assert target == D(50)


# --- The status ---------------------------------------------------------------------


def verdict(progress, expected, **kwargs):
    return indicator_verdict(
        progress=None if progress is None else D(progress),
        expected=None if expected is None else D(expected),
        **kwargs,
    ).status


def test_thresholds_are_ten_and_twenty_five_points():
    assert (D("0.10"), D("0.25")) == (AT_RISK_GAP, OFF_TRACK_GAP)


@pytest.mark.parametrize(
    ("progress", "expected", "status"),
    [
        ("0.6", "0.5", IndicatorStatus.ON_TRACK),  # ahead of the line
        ("0.5", "0.5", IndicatorStatus.ON_TRACK),
        ("0.40", "0.50", IndicatorStatus.ON_TRACK),  # exactly 10 points behind
        ("0.3999", "0.50", IndicatorStatus.AT_RISK),
        ("0.25", "0.50", IndicatorStatus.AT_RISK),  # exactly 25 points behind
        ("0.2499", "0.50", IndicatorStatus.OFF_TRACK),
        ("-0.2", "0", IndicatorStatus.AT_RISK),  # worse than baseline, nothing expected yet
        ("-0.5", "0.5", IndicatorStatus.OFF_TRACK),
        ("0.99", "1", IndicatorStatus.ON_TRACK),
        ("1", "0.2", IndicatorStatus.ACHIEVED),  # reached early
        ("1.5", "1", IndicatorStatus.ACHIEVED),  # beyond the target
    ],
)
def test_status_against_the_line(progress, expected, status):
    assert verdict(progress, expected) == status


@pytest.mark.parametrize(("progress", "expected"), [(None, "0.5"), ("0.5", None), (None, None)])
def test_no_data_needs_data(progress, expected):
    result = indicator_verdict(
        progress=None if progress is None else D(progress),
        expected=None if expected is None else D(expected),
    )
    assert result.status == IndicatorStatus.NEEDS_DATA
    assert result.reason == "No approved figure yet"


def test_reason_says_how_far_and_how_far_expected():
    result = indicator_verdict(progress=D("0.3"), expected=D("0.5"))
    assert result.status == IndicatorStatus.AT_RISK
    assert result.reason == "30% of the way, 50% expected by now"


def test_a_level_to_hold_is_on_track_then_achieved_at_the_target_date():
    kwargs = {"level_to_hold": True}
    assert verdict("1", "0.5", **kwargs, target_reached_in_time=False) == "on_track"
    assert verdict("1", "1", **kwargs, target_reached_in_time=True) == "achieved"
    assert verdict("0", "0.5", **kwargs, target_reached_in_time=False) == "off_track"
    assert verdict("0", "1", **kwargs, target_reached_in_time=True) == "off_track"


# --- The rule end to end, as the database read applies it ---------------------------


def row(**overrides):
    values = {
        "indicator_id": 1,
        "direction": Direction.INCREASE,
        "baseline_value": D("0"),
        "target_value": D("100"),
        "baseline_date": date(2024, 12, 31),
        "target_date": date(2026, 12, 31),
        "actual": D("25"),
        "as_of": date(2025, 6, 30),
        "periods_with_data": 2,
    } | overrides
    return progress_from_row(**values)


def test_expected_share_is_taken_at_the_end_of_the_latest_period_with_figures():
    result = row(actual=D("40"), as_of=date(2025, 12, 31))
    assert result.expected == D("0.5")
    assert result.status == IndicatorStatus.ON_TRACK  # 40 % of the way, 50 % expected


def test_no_actual_needs_data_whatever_the_dates():
    result = row(actual=None, as_of=None, periods_with_data=0)
    assert (result.progress, result.expected) == (None, None)
    assert result.status == IndicatorStatus.NEEDS_DATA
    assert result.percent is None
    assert result.bar_percent == 0
    assert result.status_label == "Needs data"


def test_decrease_is_better_end_to_end():
    result = row(
        direction=Direction.DECREASE,
        baseline_value=D("50"),
        target_value=D("10"),
        actual=D("30"),
        as_of=date(2025, 12, 31),
    )
    assert result.progress == D("0.5")
    assert result.status == IndicatorStatus.ON_TRACK
    worse = row(
        direction=Direction.DECREASE,
        baseline_value=D("50"),
        target_value=D("10"),
        actual=D("60"),
        as_of=date(2025, 12, 31),
    )
    assert worse.progress == D("-0.25")
    assert worse.percent == -25
    assert worse.bar_percent == 0
    assert worse.status == IndicatorStatus.OFF_TRACK


def test_beyond_target_is_achieved_and_the_bar_is_full():
    result = row(actual=D("130"))
    assert result.percent == 130
    assert result.bar_percent == 100
    assert result.status == IndicatorStatus.ACHIEVED
    assert result.status_label == "Achieved"


@pytest.mark.parametrize("direction", list(Direction))
def test_level_to_hold_end_to_end(direction):
    hold = {"baseline_value": D("95"), "target_value": D("95"), "direction": direction}
    right_side = D("97") if direction == Direction.INCREASE else D("93")
    wrong_side = D("93") if direction == Direction.INCREASE else D("97")
    early = row(**hold, actual=right_side, as_of=date(2025, 12, 31))
    assert (early.progress, early.status) == (1, IndicatorStatus.ON_TRACK)
    done = row(**hold, actual=right_side, as_of=date(2026, 12, 31))
    assert done.status == IndicatorStatus.ACHIEVED
    slipping = row(**hold, actual=wrong_side, as_of=date(2025, 12, 31))
    assert (slipping.progress, slipping.status) == (0, IndicatorStatus.OFF_TRACK)


def test_one_day_span_judged_at_its_only_period():
    day = date(2025, 5, 20)
    result = row(baseline_date=day, target_date=day, actual=D("60"), as_of=date(2025, 6, 30))
    assert result.expected == 1
    assert result.status == IndicatorStatus.OFF_TRACK  # 60 % when 100 % was due
    assert row(baseline_date=day, target_date=day, actual=D("100")).status == "achieved"


def test_percent_rounds_to_whole_points():
    assert IndicatorProgress(
        indicator_id=1,
        actual=D("1"),
        as_of=None,
        periods_with_data=1,
        progress=D("0.125"),
        expected=None,
        status=IndicatorStatus.ON_TRACK,
        reason="",
    ).percent in (12, 13)
