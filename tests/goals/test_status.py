"""The derived status rule of a shared goal (goals.status)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from goals.models import GoalStatus, MilestoneStatus
from goals.status import actual_share, derive_goal_status, expected_share

TODAY = date(2026, 6, 1)


@dataclass
class M:
    status: str
    due_date: date
    percent_complete: int = 0


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def status_of(*milestones: M, target: date | None = None, start: date | None = None) -> str:
    return derive_goal_status(
        list(milestones), today=TODAY, target_date=target, start_date=start
    ).status


def test_no_milestones_is_not_started():
    verdict = derive_goal_status([], today=TODAY)
    assert verdict.status == GoalStatus.NOT_STARTED
    assert verdict.reason == "No milestones yet."


def test_every_milestone_done_is_achieved_even_when_late():
    verdict = derive_goal_status(
        [M(MilestoneStatus.DONE, days(-100), 100), M(MilestoneStatus.DONE, days(5), 100)],
        today=TODAY,
    )
    assert verdict.status == GoalStatus.ACHIEVED
    assert verdict.reason == "All 2 milestones done."


def test_none_started_and_nothing_late_is_not_started():
    assert status_of(M(MilestoneStatus.NOT_STARTED, days(10))) == GoalStatus.NOT_STARTED


def test_started_in_time_is_on_track():
    verdict = derive_goal_status(
        [M(MilestoneStatus.IN_PROGRESS, days(10), 40), M(MilestoneStatus.DONE, days(-3), 100)],
        today=TODAY,
    )
    assert verdict.status == GoalStatus.ON_TRACK
    assert verdict.reason == "1 of 2 milestones done; none overdue or at risk."


@pytest.mark.parametrize(
    ("milestone", "expected"),
    [
        (M(MilestoneStatus.IN_PROGRESS, days(-14), 50), GoalStatus.AT_RISK),  # exactly 14 days
        (M(MilestoneStatus.IN_PROGRESS, days(-15), 50), GoalStatus.OFF_TRACK),
        (M(MilestoneStatus.NOT_STARTED, days(-1)), GoalStatus.AT_RISK),  # overdue, unstarted
        (M(MilestoneStatus.AT_RISK, days(20), 30), GoalStatus.AT_RISK),
        (M(MilestoneStatus.BLOCKED, days(20), 30), GoalStatus.AT_RISK),
        (M(MilestoneStatus.BLOCKED, days(0), 30), GoalStatus.AT_RISK),  # due today: not past
        (M(MilestoneStatus.BLOCKED, days(-1), 30), GoalStatus.OFF_TRACK),
    ],
)
def test_lateness_and_trouble(milestone, expected):
    assert status_of(milestone, M(MilestoneStatus.DONE, days(-30), 100)) == expected


def test_off_track_wins_over_at_risk_and_reason_counts():
    verdict = derive_goal_status(
        [
            M(MilestoneStatus.AT_RISK, days(10), 20),
            M(MilestoneStatus.IN_PROGRESS, days(-20), 20),
            M(MilestoneStatus.NOT_STARTED, days(-30)),
        ],
        today=TODAY,
    )
    assert verdict.status == GoalStatus.OFF_TRACK
    assert verdict.reason == "2 milestones overdue by more than 14 days."


def test_at_risk_reason_lists_every_cause():
    verdict = derive_goal_status(
        [M(MilestoneStatus.AT_RISK, days(10), 20), M(MilestoneStatus.IN_PROGRESS, days(-2), 20)],
        today=TODAY,
    )
    assert verdict.reason == "1 milestone overdue; 1 milestone at risk."


def test_pace_behind_is_at_risk():
    # Halfway from start to target, 25% done on average: more than 20 points behind.
    start, target = days(-50), days(50)
    milestones = [
        M(MilestoneStatus.IN_PROGRESS, days(20), 25),
        M(MilestoneStatus.IN_PROGRESS, days(40), 25),
    ]
    verdict = derive_goal_status(milestones, today=TODAY, target_date=target, start_date=start)
    assert verdict.status == GoalStatus.AT_RISK
    assert verdict.reason == "Behind pace (25% done, 50% expected by now)."


def test_pace_within_tolerance_is_on_track():
    start, target = days(-50), days(50)
    milestones = [
        M(MilestoneStatus.IN_PROGRESS, days(20), 30),
        M(MilestoneStatus.IN_PROGRESS, days(40), 31),
    ]
    assert status_of(*milestones, target=target, start=start) == GoalStatus.ON_TRACK


def test_unstarted_goal_behind_pace_is_at_risk_not_not_started():
    assert (
        status_of(M(MilestoneStatus.NOT_STARTED, days(30)), target=days(10), start=days(-90))
        == GoalStatus.AT_RISK
    )


def test_shares():
    assert expected_share(start=days(-10), target=days(10), today=TODAY) == 0.5
    assert expected_share(start=days(10), target=days(20), today=TODAY) == 0.0
    assert expected_share(start=days(-20), target=days(-10), today=TODAY) == 1.0
    assert expected_share(start=days(0), target=days(0), today=TODAY) is None
    assert expected_share(start=None, target=days(3), today=TODAY) is None
    assert (
        actual_share([M(MilestoneStatus.DONE, TODAY, 0), M(MilestoneStatus.IN_PROGRESS, TODAY, 50)])
        == 0.75
    )
