"""A shared goal's status weighs the indicators linked to it (impact.goal_status, through
the goals hook): worse indicators pull the status down, indicators without approved
figures change nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from goals.models import GoalStatus, MilestoneStatus, SharedGoal
from goals.services import goal_compute_status, goal_refresh_status
from impact.goal_status import weigh_indicators
from impact.models import Measurement, MeasurementStatus
from partnerhub.tenancy import workspace_context
from tests.goals.helpers import make_goal, make_milestone
from tests.impact.helpers import make_indicator, make_measurement, periods_of

pytestmark = pytest.mark.django_db

# The builder's indicator runs 2024-12-31 -> 2026-12-31 from 0 to 100; a figure for the
# last quarter of 2025 is judged halfway: 50 % expected.
ON_TRACK, AT_RISK, OFF_TRACK, ACHIEVED = 50, 30, 10, 100


def indicator_for(cast, goal, value=None, name=None, status=MeasurementStatus.APPROVED):
    """An indicator of the goal, with one figure for 2025 Q4 unless ``value`` is None."""
    indicator = make_indicator(cast, partnership=goal.partnership, goal=goal, name=name or "KPI")
    if value is not None:
        q4 = periods_of(indicator)[3]
        make_measurement(cast, indicator=indicator, period=q4, value=value, status=status)
    return indicator


def goal_with(cast, milestone_status=MilestoneStatus.IN_PROGRESS, days=30, **milestone):
    goal = make_goal(cast)
    make_milestone(cast, goal, days=days, status=milestone_status, **milestone)
    return goal


def verdict_of(cast, goal):
    """(status, reason) of the goal as computed now (nothing saved)."""
    verdict = goal_compute_status(workspace=cast.workspace, goal=goal)
    return verdict.status, verdict.reason


def test_an_off_track_indicator_makes_the_goal_off_track(cast_a):
    with workspace_context(cast_a.workspace):
        goal = goal_with(cast_a, percent_complete=40)
        assert verdict_of(cast_a, goal)[0] == GoalStatus.ON_TRACK
        indicator_for(cast_a, goal, OFF_TRACK, name="Families housed")
        verdict = verdict_of(cast_a, goal)
    assert verdict == (GoalStatus.OFF_TRACK, "Indicator off track: Families housed.")


@pytest.mark.parametrize("milestone_status", [MilestoneStatus.IN_PROGRESS, "not_started"])
def test_an_at_risk_indicator_makes_an_on_track_or_new_goal_at_risk(cast_a, milestone_status):
    with workspace_context(cast_a.workspace):
        goal = goal_with(cast_a, milestone_status=milestone_status)
        before = verdict_of(cast_a, goal)[0]
        indicator_for(cast_a, goal, AT_RISK, name="Trees planted")
        verdict = verdict_of(cast_a, goal)
    assert before in (GoalStatus.ON_TRACK, GoalStatus.NOT_STARTED)
    assert verdict == (GoalStatus.AT_RISK, "Indicator at risk: Trees planted.")


def test_indicators_never_soften_the_milestones_verdict(cast_a):
    with workspace_context(cast_a.workspace):
        # Overdue by a month: off track by the milestones.
        late = goal_with(cast_a, days=-30)
        late_before = verdict_of(cast_a, late)
        indicator_for(cast_a, late, ON_TRACK)
        indicator_for(cast_a, late, AT_RISK, name="Second")
        late_after = verdict_of(cast_a, late)
        # A milestone at risk: an at-risk indicator leaves the reason to the milestones,
        # an off-track one makes it worse.
        shaky = goal_with(cast_a, milestone_status=MilestoneStatus.AT_RISK)
        shaky_before = verdict_of(cast_a, shaky)
        indicator_for(cast_a, shaky, AT_RISK)
        shaky_after_risk = verdict_of(cast_a, shaky)
        indicator_for(cast_a, shaky, OFF_TRACK, name="Worse")
        shaky_after_off = verdict_of(cast_a, shaky)
    assert late_before[0] == GoalStatus.OFF_TRACK
    assert late_after == late_before
    assert shaky_before[0] == GoalStatus.AT_RISK
    assert shaky_after_risk == shaky_before
    assert shaky_after_off == (GoalStatus.OFF_TRACK, "Indicator off track: Worse.")


def test_done_milestones_with_an_unmet_indicator_are_at_risk(cast_a):
    with workspace_context(cast_a.workspace):
        goal = goal_with(cast_a, milestone_status=MilestoneStatus.DONE)
        assert verdict_of(cast_a, goal)[0] == GoalStatus.ACHIEVED
        met = indicator_for(cast_a, goal, ACHIEVED, name="Met")
        indicator_for(cast_a, goal, None, name="No figures yet")
        with_met = verdict_of(cast_a, goal)
        indicator_for(cast_a, goal, ON_TRACK, name="Halfway")
        with_unmet = verdict_of(cast_a, goal)
    assert with_met[0] == GoalStatus.ACHIEVED  # met + needs data: still achieved
    assert met.goal_id == goal.pk
    assert with_unmet == (
        GoalStatus.AT_RISK,
        "All milestones done, but an indicator has not reached its target: Halfway.",
    )


@pytest.mark.parametrize(
    ("milestone_status", "days"),
    [
        (MilestoneStatus.IN_PROGRESS, 30),
        (MilestoneStatus.NOT_STARTED, 30),
        (MilestoneStatus.DONE, 30),
        (MilestoneStatus.AT_RISK, 30),
        (MilestoneStatus.IN_PROGRESS, -30),
    ],
)
def test_indicators_that_need_data_change_nothing(cast_a, milestone_status, days):
    with workspace_context(cast_a.workspace):
        goal = goal_with(cast_a, milestone_status=milestone_status, days=days)
        before = verdict_of(cast_a, goal)
        indicator_for(cast_a, goal, None, name="Empty")
        # Figures not approved yet: still no data.
        indicator_for(cast_a, goal, OFF_TRACK, name="Waiting", status=MeasurementStatus.SUBMITTED)
        indicator_for(cast_a, goal, OFF_TRACK, name="Returned", status=MeasurementStatus.RETURNED)
        after = verdict_of(cast_a, goal)
    assert after == before


def test_a_goal_not_started_with_figures_on_track_is_on_track(cast_a):
    with workspace_context(cast_a.workspace):
        empty = make_goal(cast_a)  # no milestones at all
        assert verdict_of(cast_a, empty)[0] == GoalStatus.NOT_STARTED
        indicator_for(cast_a, empty, ON_TRACK, name="Meals served")
        indicator_for(cast_a, empty, ACHIEVED, name="Kitchens open")
        indicator_for(cast_a, empty, None, name="Later")
        verdict = verdict_of(cast_a, empty)
    assert verdict == (GoalStatus.ON_TRACK, "Indicators on track: Kitchens open, Meals served.")


def test_only_the_goals_own_indicators_count(cast_a):
    with workspace_context(cast_a.workspace):
        goal = goal_with(cast_a)
        other = make_goal(cast_a, partnership=goal.partnership)
        indicator_for(cast_a, other, OFF_TRACK, name="Someone else's")
        unlinked = make_indicator(cast_a, partnership=goal.partnership, name="Unlinked")
        make_measurement(cast_a, indicator=unlinked, period=periods_of(unlinked)[3], value=1)
        verdict = verdict_of(cast_a, goal)
    assert verdict[0] == GoalStatus.ON_TRACK


def test_the_reason_names_at_most_two_indicators(cast_a):
    with workspace_context(cast_a.workspace):
        goal = goal_with(cast_a)
        for name in ("Cobalt", "Amber", "Birch"):
            indicator_for(cast_a, goal, OFF_TRACK, name=name)
        verdict = verdict_of(cast_a, goal)
    assert verdict == (GoalStatus.OFF_TRACK, "Indicators off track: Amber, Birch and 1 more.")


def test_weighing_takes_the_same_queries_for_one_or_many_indicators(
    cast_a, django_assert_num_queries
):
    with workspace_context(cast_a.workspace):
        one, many = goal_with(cast_a), goal_with(cast_a)
        indicator_for(cast_a, one, ON_TRACK, name="Only")
        for index in range(6):
            indicator_for(cast_a, many, ON_TRACK, name=f"Indicator {index}")
        today = timezone.localdate()
        for goal in (one, many):
            goal = SharedGoal.objects.select_related("workspace").get(pk=goal.pk)
            # The goal's indicators, then their progress in one aggregate.
            with django_assert_num_queries(2):
                assert weigh_indicators(goal, GoalStatus.ON_TRACK, "", today) is None


def test_after_approval_the_refreshed_goal_reflects_the_figure(cast_a):
    with workspace_context(cast_a.workspace):
        goal = goal_with(cast_a, percent_complete=50)
        indicator = indicator_for(cast_a, goal, None, name="Wells dug")
        figure = make_measurement(
            cast_a,
            indicator=indicator,
            period=periods_of(indicator)[3],
            value=Decimal(OFF_TRACK),
            status=MeasurementStatus.SUBMITTED,
        )
        goal_refresh_status(workspace=cast_a.workspace, goal=goal)
        waiting = SharedGoal.objects.get(pk=goal.pk)
        # The coordinator approves the figure (as the review service records it).
        Measurement.objects.filter(pk=figure.pk).update(
            status=MeasurementStatus.APPROVED,
            reviewed_by=cast_a.coordinator,
            reviewed_at=timezone.now() + timedelta(seconds=1),
        )
        goal_refresh_status(workspace=cast_a.workspace, goal=goal)
        approved = SharedGoal.objects.get(pk=goal.pk)
    assert waiting.status == GoalStatus.ON_TRACK
    assert (approved.status, approved.status_reason) == (
        GoalStatus.OFF_TRACK,
        "Indicator off track: Wells dug.",
    )
