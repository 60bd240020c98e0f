"""The progress reads in PostgreSQL: ``indicators_progress`` (one query for any number of
indicators) and ``period_actuals`` agree with the pure rule, count approved figures only,
and never cross workspaces."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from impact.models import (
    Aggregation,
    Direction,
    Frequency,
    Indicator,
    Measurement,
    MeasurementStatus,
    ReportingPeriod,
    ValueType,
)
from impact.periods import sync_periods
from impact.progress import (
    IndicatorStatus,
    actual_to_date,
    combine_period_values,
    indicators_progress,
    period_actuals,
    progress_from_row,
)
from partnerhub.tenancy import workspace_context
from tests.factories import OrganizationFactory
from tests.impact.helpers import make_indicator, make_measurement, make_partnership, periods_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

APPROVED, SUBMITTED, DRAFT, RETURNED = (
    MeasurementStatus.APPROVED,
    MeasurementStatus.SUBMITTED,
    MeasurementStatus.DRAFT,
    MeasurementStatus.RETURNED,
)
TINY = D("1e-12")


def progress_of(cast, *indicators):
    return indicators_progress(workspace=cast.workspace, indicator_ids=[i.pk for i in indicators])


# --- SQL against the pure rule on random data -----------------------------------------


def random_indicator(cast, rng, partnership, reporters, index):
    direction = rng.choice(list(Direction))
    baseline = D(rng.randint(0, 400))
    change = D(rng.choice([0, rng.randint(1, 1000), rng.randint(1, 1000)]))  # some to hold
    target = baseline + change if direction == Direction.INCREASE else baseline - change
    baseline_date = date(2023, 1, 1) + timedelta(days=rng.randrange(0, 900))
    span = rng.choice([0, rng.randrange(1, 40), rng.randrange(60, 1100), rng.randrange(60, 1100)])
    value_type = rng.choice(list(ValueType))
    return make_indicator(
        cast,
        partnership=partnership,
        reporters=reporters,
        name=f"Random {index}",
        value_type=value_type,
        currency="EUR" if value_type == ValueType.CURRENCY else "",
        direction=direction,
        aggregation=rng.choice(list(Aggregation)),
        frequency=rng.choice(list(Frequency)),
        baseline_value=baseline,
        target_value=target,
        baseline_date=baseline_date,
        target_date=baseline_date + timedelta(days=span),
    )


def random_value(rng, indicator, organizations):
    """A figure around the straight line (so that every status occurs), two decimals."""
    change = indicator.target_value - indicator.baseline_value or D(50)
    share = D(rng.randint(-40, 160)) / 100
    if indicator.aggregation == Aggregation.SUM:
        periods = ReportingPeriod.objects.filter(indicator=indicator).count()
        value = change * share / periods
    else:
        value = indicator.baseline_value + change * share
    if indicator.value_type != ValueType.PERCENTAGE:
        value /= organizations  # added up across organizations
    return value.quantize(D("0.01"))


def python_progress(indicator, figures):
    """The rule recomputed in Python from every figure of the indicator."""
    per_period = defaultdict(list)
    ends = {}
    for figure in figures:
        if figure.status == APPROVED:
            per_period[figure.period_id].append(figure.value)
            ends[figure.period_id] = figure.period.end_date
    pairs = [
        (ends[period_id], combine_period_values(values, indicator.value_type))
        for period_id, values in per_period.items()
    ]
    return progress_from_row(
        indicator_id=indicator.pk,
        direction=indicator.direction,
        baseline_value=indicator.baseline_value,
        target_value=indicator.target_value,
        baseline_date=indicator.baseline_date,
        target_date=indicator.target_date,
        actual=actual_to_date(pairs, indicator.aggregation),
        as_of=max((end for end, _ in pairs), default=None),
        periods_with_data=len(pairs),
    )


def same(left, right):
    if left is None or right is None:
        return left is right
    return abs(left - right) <= TINY * max(1, abs(right))


def test_sql_matches_the_rule_on_random_figures(cast_a):
    rng = random.Random(5005)
    statuses = [APPROVED] * 5 + [SUBMITTED, DRAFT, RETURNED]
    with workspace_context(cast_a.workspace):
        third = OrganizationFactory(workspace=cast_a.workspace, name="Org A3")
        organizations = [cast_a.organization, cast_a.other_organization, third]
        partnership = make_partnership(cast_a, members=organizations)
        indicators = [
            random_indicator(cast_a, rng, partnership, organizations, index) for index in range(40)
        ]
        rows = []
        for indicator in indicators:
            filled = rng.choice([0.0, 0.3, 0.7, 1.0])
            for period in periods_of(indicator):
                if rng.random() >= filled:
                    continue
                for organization in rng.sample(organizations, rng.randint(1, 3)):
                    value = random_value(rng, indicator, len(organizations))
                    rows.append(
                        Measurement(
                            workspace=cast_a.workspace,
                            partnership=partnership,
                            indicator=indicator,
                            period=period,
                            organization=organization,
                            value=value,
                            status=rng.choice(statuses),
                        )
                    )
        Measurement.objects.bulk_create(rows)
        figures = defaultdict(list)
        for figure in Measurement.objects.filter(indicator__in=indicators).select_related("period"):
            figures[figure.indicator_id].append(figure)
        got = progress_of(cast_a, *indicators)

    assert set(got) == {i.pk for i in indicators}
    statuses_seen = set()
    for indicator in indicators:
        want = python_progress(indicator, figures[indicator.pk])
        result = got[indicator.pk]
        assert (result.as_of, result.periods_with_data) == (want.as_of, want.periods_with_data)
        assert same(result.actual, want.actual), indicator.name
        assert same(result.progress, want.progress), indicator.name
        assert result.expected == want.expected
        assert result.status == want.status, indicator.name
        statuses_seen.add(result.status)
    # The data set exercises every outcome of the rule.
    assert statuses_seen == set(IndicatorStatus.values)


# --- What counts ------------------------------------------------------------------


def test_only_approved_figures_count(cast_a):
    with workspace_context(cast_a.workspace):
        reporters = [cast_a.organization, cast_a.other_organization]
        indicator = make_indicator(cast_a, reporters=reporters)
        waiting = make_indicator(cast_a, reporters=reporters)
        q1, q2, q3, q4 = periods_of(indicator)[:4]
        make_measurement(cast_a, indicator=indicator, period=q1, value=10)
        make_measurement(
            cast_a,
            indicator=indicator,
            period=q1,
            value=99,
            status=SUBMITTED,
            organization=cast_a.other_organization,
        )
        make_measurement(cast_a, indicator=indicator, period=q2, value=50, status=DRAFT)
        make_measurement(cast_a, indicator=indicator, period=q3, value=50, status=RETURNED)
        make_measurement(cast_a, indicator=indicator, period=q4, value=50, status=SUBMITTED)
        for period, status in zip(periods_of(waiting), [DRAFT, SUBMITTED, RETURNED], strict=False):
            make_measurement(cast_a, indicator=waiting, period=period, value=80, status=status)
        got = progress_of(cast_a, indicator, waiting)
        rows = period_actuals(workspace=cast_a.workspace, indicator_id=indicator.pk)
    assert (got[indicator.pk].actual, got[indicator.pk].periods_with_data) == (D(10), 1)
    assert got[indicator.pk].as_of == q1.end_date
    assert [(r.actual, r.figures) for r in rows[:4]] == [
        (D(10), 1),
        (None, 0),
        (None, 0),
        (None, 0),
    ]
    idle = got[waiting.pk]
    assert (idle.actual, idle.as_of, idle.periods_with_data) == (None, None, 0)
    assert (idle.progress, idle.expected, idle.status) == (None, None, "needs_data")


@pytest.mark.parametrize(
    ("value_type", "aggregation", "actual"),
    [
        # Q1: 60 and 80 from two organizations; Q2: 90 and 70.
        (ValueType.PERCENTAGE, Aggregation.LATEST, D(80)),  # Q2 averaged
        (ValueType.PERCENTAGE, Aggregation.AVERAGE, D(75)),  # (70 + 80) / 2
        (ValueType.PERCENTAGE, Aggregation.SUM, D(150)),  # 70 + 80
        (ValueType.NUMBER, Aggregation.SUM, D(300)),
        (ValueType.NUMBER, Aggregation.LATEST, D(160)),
        (ValueType.NUMBER, Aggregation.AVERAGE, D(150)),
        (ValueType.CURRENCY, Aggregation.SUM, D(300)),
    ],
)
def test_organizations_combine_by_type_then_periods_by_aggregation(
    cast_a, value_type, aggregation, actual
):
    orgs = [cast_a.organization, cast_a.other_organization]
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(
            cast_a,
            reporters=orgs,
            value_type=value_type,
            currency="USD" if value_type == ValueType.CURRENCY else "",
            aggregation=aggregation,
        )
        q1, q2 = periods_of(indicator)[:2]
        for period, values in ((q1, (60, 80)), (q2, (90, 70))):
            for organization, value in zip(orgs, values, strict=True):
                make_measurement(
                    cast_a,
                    indicator=indicator,
                    period=period,
                    value=value,
                    organization=organization,
                )
        got = progress_of(cast_a, indicator)[indicator.pk]
        rows = period_actuals(workspace=cast_a.workspace, indicator_id=indicator.pk)
    assert got.actual == actual
    assert got.periods_with_data == 2
    per_period = [r.actual for r in rows[:2]]
    if value_type == ValueType.PERCENTAGE:
        assert per_period == [D(70), D(80)]
    else:
        assert per_period == [D(140), D(160)]
    assert [r.figures for r in rows[:3]] == [2, 2, 0]


def test_latest_is_the_period_with_the_latest_end_that_has_approved_figures(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a, aggregation=Aggregation.LATEST)
        q1, _, q3, q4 = periods_of(indicator)[:4]
        # Created out of order: the answer follows the period, not the row.
        make_measurement(cast_a, indicator=indicator, period=q3, value=30)
        make_measurement(cast_a, indicator=indicator, period=q1, value=70)
        make_measurement(cast_a, indicator=indicator, period=q4, value=99, status=SUBMITTED)
        got = progress_of(cast_a, indicator)[indicator.pk]
    assert (got.actual, got.as_of, got.periods_with_data) == (D(30), q3.end_date, 2)


def test_latest_between_periods_ending_the_same_day_takes_the_later_start(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a, aggregation=Aggregation.LATEST)
        q1 = periods_of(indicator)[0]
        make_measurement(cast_a, indicator=indicator, period=q1, value=10)
        indicator.frequency = Frequency.MONTHLY
        indicator.save()
        sync_periods(indicator=indicator)
        march = ReportingPeriod.objects.get(indicator=indicator, start_date=date(2025, 3, 1))
        assert march.end_date == q1.end_date
        make_measurement(cast_a, indicator=indicator, period=march, value=12)
        got = progress_of(cast_a, indicator)[indicator.pk]
    assert (got.actual, got.as_of, got.periods_with_data) == (D(12), march.end_date, 2)


def test_figures_of_periods_off_the_schedule_still_count(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a)
        q1 = periods_of(indicator)[0]
        make_measurement(cast_a, indicator=indicator, period=q1, value=25)
        indicator.frequency = Frequency.ANNUAL
        indicator.save()
        sync_periods(indicator=indicator)
        got = progress_of(cast_a, indicator)[indicator.pk]
        rows = period_actuals(workspace=cast_a.workspace, indicator_id=indicator.pk)
    assert (got.actual, got.periods_with_data) == (D(25), 1)
    assert [(r.start_date, r.end_date, r.in_schedule, r.actual) for r in rows] == [
        (date(2025, 1, 1), date(2025, 3, 31), False, D(25)),  # the old Q1, with its figure
        (date(2025, 1, 1), date(2025, 12, 31), True, None),
        (date(2026, 1, 1), date(2026, 12, 31), True, None),
    ]


@pytest.mark.parametrize(
    ("value", "status"),
    [
        (40, IndicatorStatus.ON_TRACK),  # exactly 10 points behind 50 %
        (39, IndicatorStatus.AT_RISK),
        (25, IndicatorStatus.AT_RISK),  # exactly 25 points behind
        (24, IndicatorStatus.OFF_TRACK),
        (-5, IndicatorStatus.OFF_TRACK),
        (100, IndicatorStatus.ACHIEVED),
    ],
)
def test_status_boundaries_through_the_database(cast_a, value, status):
    with workspace_context(cast_a.workspace):
        # 2024-12-31 -> 2026-12-31: the end of 2025 is exactly halfway (365 of 730 days).
        indicator = make_indicator(cast_a, aggregation=Aggregation.LATEST)
        q4 = periods_of(indicator)[3]
        make_measurement(cast_a, indicator=indicator, period=q4, value=value)
        got = progress_of(cast_a, indicator)[indicator.pk]
    assert got.expected == D("0.5")
    assert got.status == status


def test_decrease_and_level_to_hold_through_the_database(cast_a):
    with workspace_context(cast_a.workspace):
        down = make_indicator(
            cast_a,
            direction=Direction.DECREASE,
            aggregation=Aggregation.LATEST,
            baseline_value=D(200),
            target_value=D(100),
        )
        hold = make_indicator(
            cast_a,
            direction=Direction.DECREASE,
            aggregation=Aggregation.AVERAGE,
            value_type=ValueType.PERCENTAGE,
            baseline_value=D(5),
            target_value=D(5),
        )
        make_measurement(cast_a, indicator=down, period=periods_of(down)[3], value=150)
        make_measurement(cast_a, indicator=hold, period=periods_of(hold)[0], value="4.5")
        make_measurement(cast_a, indicator=hold, period=periods_of(hold)[1], value="5.5")
        got = progress_of(cast_a, down, hold)
    assert (got[down.pk].progress, got[down.pk].status) == (D("0.5"), IndicatorStatus.ON_TRACK)
    assert got[hold.pk].actual == D(5)
    assert (got[hold.pk].progress, got[hold.pk].status) == (1, IndicatorStatus.ON_TRACK)


# --- Boundaries of the read -------------------------------------------------------


def test_another_workspaces_indicator_is_never_answered(cast_a, cast_b):
    with workspace_context(cast_b.workspace):
        theirs = make_indicator(cast_b)
        make_measurement(cast_b, indicator=theirs, period=periods_of(theirs)[0], value=10)
    with workspace_context(cast_a.workspace):
        ours = make_indicator(cast_a)
        make_measurement(cast_a, indicator=ours, period=periods_of(ours)[0], value=5)
        asked_alone = indicators_progress(workspace=cast_a.workspace, indicator_ids=[theirs.pk])
        mixed = indicators_progress(workspace=cast_a.workspace, indicator_ids=[ours.pk, theirs.pk])
        # Even naming workspace B while the transaction sees A answers nothing.
        wrong_context = indicators_progress(workspace=cast_b.workspace, indicator_ids=[theirs.pk])
        their_periods = period_actuals(workspace=cast_a.workspace, indicator_id=theirs.pk)
    assert asked_alone == {}
    assert set(mixed) == {ours.pk}
    assert mixed[ours.pk].actual == D(5)
    assert wrong_context == {}
    assert their_periods == []


@pytest.mark.parametrize("count", [1, 12])
def test_one_query_whatever_the_number_of_indicators(cast_a, django_assert_num_queries, count):
    with workspace_context(cast_a.workspace):
        partnership = make_partnership(cast_a)
        indicators = [make_indicator(cast_a, partnership=partnership) for _ in range(count)]
        for indicator in indicators:
            for period in periods_of(indicator)[:3]:
                make_measurement(cast_a, indicator=indicator, period=period, value=3)
        with django_assert_num_queries(1):  # the aggregate, nothing else
            got = progress_of(cast_a, *indicators)
        with django_assert_num_queries(1):
            rows = period_actuals(workspace=cast_a.workspace, indicator_id=indicators[-1].pk)
        with django_assert_num_queries(0):
            assert indicators_progress(workspace=cast_a.workspace, indicator_ids=[]) == {}
    assert len(got) == count
    assert all(result.actual == D(9) for result in got.values())
    assert len(rows) == 8


def test_period_actuals_order_targets_and_empty_periods(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a, target_value=D(730))
        periods = periods_of(indicator)
        make_measurement(cast_a, indicator=indicator, period=periods[2], value=120)
        ReportingPeriod.objects.filter(pk=periods[1].pk).update(target_value=D("88.5"), locked=True)
        rows = period_actuals(workspace=cast_a.workspace, indicator_id=indicator.pk)
        nothing = period_actuals(workspace=cast_a.workspace, indicator_id=0)
    assert [r.period_id for r in rows] == [p.pk for p in periods]
    assert [r.start_date for r in rows] == sorted(r.start_date for r in rows)
    assert [r.actual for r in rows] == [None, None, D(120), None, None, None, None, None]
    assert [r.figures for r in rows] == [0, 0, 1, 0, 0, 0, 0, 0]
    assert [r.locked for r in rows] == [False, True, False, False, False, False, False, False]
    # A set target stands; the others are the period's share of the 730 (its days).
    assert (rows[1].target, rows[1].target_is_set) == (D("88.5"), True)
    assert (rows[0].target, rows[0].target_is_set) == (D(90), False)
    assert rows[2].target == D(92)
    assert nothing == []


def test_period_actuals_order_by_start_then_end_with_periods_off_schedule(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(cast_a, frequency=Frequency.ANNUAL)
        year = periods_of(indicator)[0]
        make_measurement(cast_a, indicator=indicator, period=year, value=40)
        indicator.frequency = Frequency.QUARTERLY
        indicator.save()
        sync_periods(indicator=indicator)
        rows = period_actuals(workspace=cast_a.workspace, indicator_id=indicator.pk)
    assert [(r.start_date, r.end_date, r.in_schedule) for r in rows[:5]] == [
        (date(2025, 1, 1), date(2025, 3, 31), True),
        (date(2025, 1, 1), date(2025, 12, 31), False),  # the old year, with its figure
        (date(2025, 4, 1), date(2025, 6, 30), True),
        (date(2025, 7, 1), date(2025, 9, 30), True),
        (date(2025, 10, 1), date(2025, 12, 31), True),
    ]
    assert [r.actual for r in rows[:3]] == [None, D(40), None]
    assert len(rows) == 9


def test_period_actuals_of_a_level_follow_the_line(cast_a):
    with workspace_context(cast_a.workspace):
        indicator = make_indicator(
            cast_a,
            frequency=Frequency.ANNUAL,
            aggregation=Aggregation.LATEST,
            baseline_value=D(10),
            target_value=D(30),
        )
        rows = period_actuals(workspace=cast_a.workspace, indicator_id=indicator.pk)
    assert [(r.end_date, r.target) for r in rows] == [
        (date(2025, 12, 31), D(20)),
        (date(2026, 12, 31), D(30)),
    ]


def test_indicator_rows_are_not_needed_beyond_the_ids(cast_a):
    # Asking for ids that do not exist answers nothing rather than failing.
    with workspace_context(cast_a.workspace):
        assert indicators_progress(workspace=cast_a.workspace, indicator_ids=[0, 10**12]) == {}
        assert not Indicator.objects.filter(pk=10**12).exists()
