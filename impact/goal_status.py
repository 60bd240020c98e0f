"""A shared goal's status also weighs the indicators linked to it.

Registered with ``goals.hooks`` (goals sits below impact and never imports it). The
milestones' verdict stands unless an indicator with approved figures says otherwise:

* an indicator off track makes the goal off track;
* an indicator at risk makes an on-track (or not started) goal at risk;
* a goal whose milestones are all done is achieved only when every indicator with figures
  has reached its target; otherwise it is at risk;
* a goal not started (no milestone under way, or none yet) whose indicators have approved
  figures on track or achieved is on track: the figures show the work has begun.

Indicators that still need data leave the status alone (the missing-data board chases them).
"""

from __future__ import annotations

from datetime import date

from goals.models import GoalStatus, SharedGoal
from impact.models import Indicator
from impact.progress import IndicatorStatus, indicators_progress

_SEVERITY = {
    GoalStatus.ACHIEVED: 0,
    GoalStatus.NOT_STARTED: 0,
    GoalStatus.ON_TRACK: 0,
    GoalStatus.AT_RISK: 1,
    GoalStatus.OFF_TRACK: 2,
}


def _names(names: list[str]) -> str:
    ordered = sorted(names)
    shown = ", ".join(ordered[:2])
    return shown + (f" and {len(ordered) - 2} more" if len(ordered) > 2 else "")


def _sentence(singular: str, plural: str, names: list[str]) -> str:
    return f"{singular if len(names) == 1 else plural}: {_names(names)}."


def weigh_indicators(
    goal: SharedGoal, status: str, reason: str, today: date
) -> tuple[str, str] | None:
    indicators = dict(
        Indicator.objects.filter(workspace_id=goal.workspace_id, goal_id=goal.pk).values_list(
            "id", "name"
        )
    )
    if not indicators:
        return None
    progress = indicators_progress(workspace=goal.workspace, indicator_ids=indicators)
    by_status: dict[str, list[str]] = {}
    for indicator_id, result in progress.items():
        by_status.setdefault(result.status, []).append(indicators[indicator_id])
    off = by_status.get(IndicatorStatus.OFF_TRACK, [])
    risk = by_status.get(IndicatorStatus.AT_RISK, [])
    on = by_status.get(IndicatorStatus.ON_TRACK, [])
    severity = _SEVERITY[GoalStatus(status)]
    if off and severity < 2:
        return GoalStatus.OFF_TRACK, _sentence("Indicator off track", "Indicators off track", off)
    if risk and severity < 1:
        return GoalStatus.AT_RISK, _sentence("Indicator at risk", "Indicators at risk", risk)
    if status == GoalStatus.ACHIEVED and on:
        return GoalStatus.AT_RISK, _sentence(
            "All milestones done, but an indicator has not reached its target",
            "All milestones done, but indicators have not reached their targets",
            on,
        )
    under_way = on + by_status.get(IndicatorStatus.ACHIEVED, [])
    if status == GoalStatus.NOT_STARTED and under_way:
        return GoalStatus.ON_TRACK, _sentence(
            "Indicator on track", "Indicators on track", under_way
        )
    return None
