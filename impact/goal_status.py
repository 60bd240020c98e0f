"""A shared goal's status also weighs the indicators linked to it.

Registered with ``goals.hooks`` (goals sits below impact and never imports it). The
milestones' verdict stands unless an indicator with approved figures says worse:

* an indicator off track makes the goal off track;
* an indicator at risk makes an on-track (or not started) goal at risk;
* a goal whose milestones are all done is achieved only when every indicator with figures
  has reached its target; otherwise it is at risk.

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
    shown = ", ".join(names[:2])
    return shown + (f" and {len(names) - 2} more" if len(names) > 2 else "")


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
    off, risk = (
        by_status.get(IndicatorStatus.OFF_TRACK, []),
        by_status.get(IndicatorStatus.AT_RISK, []),
    )
    if off and _SEVERITY[GoalStatus(status)] < 2:
        return GoalStatus.OFF_TRACK, f"indicator off track: {_names(sorted(off))}"
    if risk and _SEVERITY[GoalStatus(status)] < 1:
        return GoalStatus.AT_RISK, f"indicator at risk: {_names(sorted(risk))}"
    if status == GoalStatus.ACHIEVED:
        unmet = sorted(by_status.get(IndicatorStatus.ON_TRACK, []))
        if unmet:
            return GoalStatus.AT_RISK, f"milestones done but target not reached: {_names(unmet)}"
    return None
