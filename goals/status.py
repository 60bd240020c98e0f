"""The derived status of a shared goal: the rule, as a pure function.

A goal's status is never typed in; it follows from its milestones (and, through the hooks
in ``goals.hooks``, from whatever apps above goals weigh in, such as impact indicators).
The first rule that applies wins:

1. **Not started** -- the goal has no milestones.
2. **Achieved** -- every milestone is done.
3. **Off track** -- a milestone is overdue by more than ``OFF_TRACK_AFTER_DAYS`` (14) days
   (its due date passed that long ago and it is not done), or a milestone is blocked and
   its due date has passed.
4. **At risk** -- a milestone is at risk or blocked, or overdue (due date passed, not
   done), or the goal's pace is behind (below).
5. **Not started** -- no milestone has started (all "not started" at 0 %).
6. **On track** -- otherwise.

Pace: with a target date after the goal's start (the day it was created), the *expected*
share is the part of that period elapsed by today (0 before the start, 1 from the target
date on); the *actual* share is the mean percent complete of the milestones (a done
milestone counts as 100 %). The pace is behind when the actual share is below the
expected share by more than ``PACE_TOLERANCE`` (20 percentage points) -- e.g. halfway to
the target date with less than 30 % done on average. Without a target date the pace is not
judged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from goals.models import GoalStatus, MilestoneStatus

OFF_TRACK_AFTER_DAYS = 14
PACE_TOLERANCE = 0.20


class MilestoneFacts(Protocol):
    """What the rule reads of a milestone (a Milestone instance fits)."""

    status: str
    due_date: date
    percent_complete: int


@dataclass(frozen=True)
class Verdict:
    status: str
    reason: str


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def expected_share(*, start: date | None, target: date | None, today: date) -> float | None:
    """The share of the period from start to target elapsed by today (None: not judged)."""
    if start is None or target is None or target <= start:
        return None
    elapsed = (today - start).days / (target - start).days
    return min(max(elapsed, 0.0), 1.0)


def actual_share(milestones: Sequence[MilestoneFacts]) -> float:
    """The mean completion of the milestones, 0..1 (done counts as complete)."""
    if not milestones:
        return 0.0
    total = sum(
        100 if m.status == MilestoneStatus.DONE else min(m.percent_complete, 100)
        for m in milestones
    )
    return total / (100 * len(milestones))


def derive_goal_status(
    milestones: Sequence[MilestoneFacts],
    *,
    today: date,
    target_date: date | None = None,
    start_date: date | None = None,
) -> Verdict:
    """The goal's status and a short reason, from its milestones (see the module's rule)."""
    if not milestones:
        return Verdict(GoalStatus.NOT_STARTED, "No milestones yet.")
    open_ = [m for m in milestones if m.status != MilestoneStatus.DONE]
    if not open_:
        return Verdict(GoalStatus.ACHIEVED, f"All {_plural(len(milestones), 'milestone')} done.")

    overdue = [m for m in open_ if m.due_date < today]
    long_overdue = [m for m in overdue if (today - m.due_date).days > OFF_TRACK_AFTER_DAYS]
    blocked = [m for m in open_ if m.status == MilestoneStatus.BLOCKED]
    blocked_late = [m for m in blocked if m.due_date < today]
    if long_overdue:
        return Verdict(
            GoalStatus.OFF_TRACK,
            f"{_plural(len(long_overdue), 'milestone')} overdue by more than "
            f"{OFF_TRACK_AFTER_DAYS} days.",
        )
    if blocked_late:
        return Verdict(
            GoalStatus.OFF_TRACK,
            f"{_plural(len(blocked_late), 'milestone')} blocked past the due date.",
        )

    at_risk = [m for m in open_ if m.status == MilestoneStatus.AT_RISK]
    reasons: list[str] = []
    if overdue:
        reasons.append(f"{_plural(len(overdue), 'milestone')} overdue")
    if blocked:
        reasons.append(f"{_plural(len(blocked), 'milestone')} blocked")
    if at_risk:
        reasons.append(f"{_plural(len(at_risk), 'milestone')} at risk")
    expected = expected_share(start=start_date, target=target_date, today=today)
    actual = actual_share(milestones)
    if expected is not None and actual < expected - PACE_TOLERANCE:
        reasons.append(
            f"behind pace ({round(actual * 100)}% done, {round(expected * 100)}% expected by now)"
        )
    if reasons:
        text = "; ".join(reasons)
        return Verdict(GoalStatus.AT_RISK, text[0].upper() + text[1:] + ".")

    started = any(
        m.status != MilestoneStatus.NOT_STARTED or m.percent_complete > 0 for m in milestones
    )
    if not started:
        return Verdict(GoalStatus.NOT_STARTED, "No milestone has started yet.")
    done = len(milestones) - len(open_)
    return Verdict(
        GoalStatus.ON_TRACK,
        f"{done} of {_plural(len(milestones), 'milestone')} done; none overdue or at risk.",
    )
