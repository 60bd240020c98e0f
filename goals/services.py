"""Writes of shared goals and their milestones, and the goal's derived status.

Keyword-only arguments; the workspace and the acting user (or API key) are explicit; each
function runs in its own transaction (a savepoint inside a request's), records one
activity event with the partnership's id, and raises Django's ValidationError, keyed by
field, for input it refuses. Who may call them (admins, coordinators, write keys) is
checked by the views with ``Action.EDIT_CONTENT``.

Milestones carry a ``version`` that grows by one on every change. A change made against
a version that is no longer current is refused with ``MilestoneConflict`` (carrying the
current milestone and the progress updates made since): nothing is silently overwritten.
A milestone deleted meanwhile raises ``Milestone.DoesNotExist`` (views answer 404).

Percent complete and "done" go together: a milestone marked done is 100 % complete (its
percentage is set to 100), and 100 % with any other status is refused -- mark it done, or
give a lower percentage. ``completed_on`` is the day (workspace time zone) a milestone
became done, and is cleared when it is reopened.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from goals import hooks
from goals.models import GoalStatus, Milestone, MilestoneStatus, ProgressUpdate, SharedGoal
from goals.status import Verdict, derive_goal_status
from partnerhub.models import EventAction, Workspace
from partnerhub.services.activity import diff, record_event, snapshot
from partners.models import Partnership
from partners.services.partnerships import UNSET, _Unset, check_in_workspace, workspace_today

if TYPE_CHECKING:
    from collections.abc import Sequence

logger = logging.getLogger(__name__)

TITLE_MAX_LENGTH = 200
GOAL_FIELDS = ("partnership", "title", "description", "target_date", "sdgs")
MILESTONE_FIELDS = (
    "goal",
    "title",
    "description",
    "due_date",
    "status",
    "percent_complete",
    "completed_on",
    "version",
)
DONE_PERCENT_MESSAGE = "100% means done: mark the milestone done, or give a lower percentage."


class MilestoneConflict(Exception):
    """A change made against an older version of a milestone. ``milestone`` is the
    current one; ``updates_since`` the progress updates made after ``expected_version``
    (oldest first)."""

    def __init__(
        self,
        *,
        milestone: Milestone,
        expected_version: int,
        updates_since: Sequence[ProgressUpdate],
    ) -> None:
        self.milestone = milestone
        self.expected_version = expected_version
        self.updates_since = list(updates_since)
        super().__init__(
            f"Milestone {milestone.pk} is at version {milestone.version}, not {expected_version}."
        )


# --- Status of a goal ---------------------------------------------------------------------


def goal_compute_status(*, workspace: Workspace, goal: SharedGoal) -> Verdict:
    """The goal's status as the rule of goals.status and the registered adjusters see it
    today (nothing saved)."""
    milestones = list(
        Milestone.objects.for_workspace(workspace)
        .filter(goal=goal)
        .only("status", "due_date", "percent_complete")
    )
    today = workspace_today(workspace)
    start = timezone.localdate(goal.created_at) if goal.created_at else today
    verdict = derive_goal_status(
        milestones, today=today, target_date=goal.target_date, start_date=start
    )
    status, reason = verdict.status, verdict.reason
    for adjust in list(hooks.goal_status_adjusters):
        adjusted = adjust(goal, status, reason, today)
        if adjusted is not None:
            status, reason = adjusted
    if status not in GoalStatus.values:
        raise ValueError(f"unknown goal status {status!r}")
    return Verdict(status, reason[:300])


def goal_refresh_status(*, workspace: Workspace, goal: SharedGoal) -> SharedGoal:
    """Recompute and store the goal's derived status (called whenever one of its
    milestones changes). Saves only when the status or its reason changed."""
    check_in_workspace(workspace, goal, "goal", "Choose a goal of this workspace.")
    verdict = goal_compute_status(workspace=workspace, goal=goal)
    if (goal.status, goal.status_reason) != (verdict.status, verdict.reason):
        goal.status, goal.status_reason = verdict.status, verdict.reason
        goal.save(update_fields=["status", "status_reason", "updated_at"])
    return goal


# --- Goals --------------------------------------------------------------------------------


def _clean_goal(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    title = (values.get("title") or "").strip()
    if not title:
        errors["title"] = "Give the goal a title."
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = f"Use at most {TITLE_MAX_LENGTH} characters."
    sdgs: list[int] = []
    for value in values.get("sdgs") or []:
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 0
        if not 1 <= number <= 17:
            errors["sdgs"] = "SDGs are numbered 1 to 17."
            break
        if number not in sdgs:
            sdgs.append(number)
    if errors:
        raise ValidationError(errors)
    values.update(title=title, description=(values.get("description") or "").strip())
    values["sdgs"] = sorted(sdgs)
    return values


def goal_create(
    *,
    workspace: Workspace,
    actor: Any,
    partnership: Partnership,
    title: str,
    description: str = "",
    target_date: date | None = None,
    sdgs: Iterable[int] = (),
) -> SharedGoal:
    """A shared goal in a partnership of this workspace."""
    check_in_workspace(
        workspace, partnership, "partnership", "Choose a partnership of this workspace."
    )
    values = _clean_goal(
        {"title": title, "description": description, "target_date": target_date, "sdgs": sdgs}
    )
    with transaction.atomic():
        goal = SharedGoal.objects.create(workspace=workspace, partnership=partnership, **values)
        goal_refresh_status(workspace=workspace, goal=goal)
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.CREATE,
            target=goal,
            changes=snapshot(goal, GOAL_FIELDS),
            partnership_id=partnership.pk,
        )
    logger.info("goal %s created", goal.pk, extra={"workspace": workspace.slug})
    return goal


def goal_update(
    *,
    workspace: Workspace,
    actor: Any,
    goal: SharedGoal,
    title: str | _Unset = UNSET,
    description: str | _Unset = UNSET,
    target_date: date | _Unset | None = UNSET,
    sdgs: Iterable[int] | _Unset = UNSET,
) -> SharedGoal:
    """Change a goal's details (its partnership stays; its status is derived)."""
    check_in_workspace(workspace, goal, "goal", "Choose a goal of this workspace.")
    given = {"title": title, "description": description, "target_date": target_date, "sdgs": sdgs}
    values = {k: getattr(goal, k) if v is UNSET else v for k, v in given.items()}
    values = _clean_goal(values)
    with transaction.atomic():
        before = snapshot(goal, GOAL_FIELDS)
        for key, value in values.items():
            setattr(goal, key, value)
        goal.save(update_fields=[*values, "updated_at"])
        goal_refresh_status(workspace=workspace, goal=goal)  # the target date moves the pace
        changes = diff(before, snapshot(goal, GOAL_FIELDS))
        if changes:
            record_event(
                workspace=workspace,
                actor=actor,
                action=EventAction.UPDATE,
                target=goal,
                changes=changes,
                partnership_id=goal.partnership_id,
            )
    return goal


def goal_delete(*, workspace: Workspace, actor: Any, goal: SharedGoal) -> None:
    """Delete a goal with its milestones, their updates and comments."""
    check_in_workspace(workspace, goal, "goal", "Choose a goal of this workspace.")
    with transaction.atomic():
        goal_id, partnership_id = goal.pk, goal.partnership_id
        values = snapshot(goal, GOAL_FIELDS)
        goal.delete()
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.DELETE,
            target=goal,
            changes=values,
            partnership_id=partnership_id,
            object_id=goal_id,
        )


# --- Milestones ---------------------------------------------------------------------------


def consistent_progress(
    *, status: str, percent_complete: int, field_prefix: str = ""
) -> tuple[str, int]:
    """Status and percent following the module's rule (done <-> 100 %), or ValidationError."""
    if status not in MilestoneStatus.values:
        raise ValidationError({f"{field_prefix}status": "Choose a milestone status."})
    try:
        percent = int(percent_complete)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"percent_complete": "Enter a whole number from 0 to 100."}) from exc
    if not 0 <= percent <= 100:
        raise ValidationError({"percent_complete": "Enter a whole number from 0 to 100."})
    if status == MilestoneStatus.DONE:
        return status, 100
    if percent == 100:
        raise ValidationError({"percent_complete": DONE_PERCENT_MESSAGE})
    return status, percent


def completed_on_for(
    *, workspace: Workspace, old_status: str, old: date | None, new_status: str
) -> date | None:
    """The day a milestone became done (kept while it stays done), None when open."""
    if new_status != MilestoneStatus.DONE:
        return None
    if old_status == MilestoneStatus.DONE and old is not None:
        return old
    return workspace_today(workspace)


def _clean_milestone_text(values: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    title = (values.get("title") or "").strip()
    if not title:
        errors["title"] = "Give the milestone a title."
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = f"Use at most {TITLE_MAX_LENGTH} characters."
    if values.get("due_date") is None:
        errors["due_date"] = "Give the due date."
    if errors:
        raise ValidationError(errors)
    values["title"] = title
    values["description"] = (values.get("description") or "").strip()


def updates_since(
    *, workspace: Workspace, milestone: Milestone | int, version: int
) -> list[ProgressUpdate]:
    """The progress updates that moved the milestone past ``version``, oldest first."""
    return list(
        ProgressUpdate.objects.for_workspace(workspace)
        .filter(milestone=milestone, version_after__gt=version)
        .select_related("author", "author_key", "organization")
        .order_by("version_after", "id")
    )


def current_milestone(*, workspace: Workspace, milestone_id: int) -> Milestone:
    """The milestone as stored now; ``Milestone.DoesNotExist`` when it was deleted
    meanwhile (callers answer 404)."""
    current = Milestone.objects.for_workspace(workspace).filter(pk=milestone_id).first()
    if current is None:
        raise Milestone.DoesNotExist(f"Milestone {milestone_id} was deleted meanwhile.")
    return current


def raise_conflict(*, workspace: Workspace, milestone_id: int, expected_version: int) -> None:
    """MilestoneConflict with the current milestone, or Milestone.DoesNotExist if it is
    gone."""
    current = current_milestone(workspace=workspace, milestone_id=milestone_id)
    raise MilestoneConflict(
        milestone=current,
        expected_version=expected_version,
        updates_since=updates_since(
            workspace=workspace, milestone=milestone_id, version=expected_version
        ),
    )


def apply_milestone_change(
    *, workspace: Workspace, milestone_id: int, expected_version: int, values: dict[str, Any]
) -> Milestone:
    """``UPDATE ... WHERE id = %s AND version = expected_version`` with ``version + 1``;
    MilestoneConflict when no row changed (someone else changed it first). Call inside a
    transaction; returns the milestone as now stored."""
    now = timezone.now()
    changed = (
        Milestone.objects.for_workspace(workspace)
        .filter(pk=milestone_id, version=expected_version)
        .update(**values, version=F("version") + 1, updated_at=now)
    )
    if changed != 1:
        raise_conflict(
            workspace=workspace, milestone_id=milestone_id, expected_version=expected_version
        )
    return Milestone.objects.for_workspace(workspace).select_related("goal").get(pk=milestone_id)


def milestone_create(
    *,
    workspace: Workspace,
    actor: Any,
    goal: SharedGoal,
    title: str,
    due_date: date,
    description: str = "",
    status: str = MilestoneStatus.NOT_STARTED,
    percent_complete: int = 0,
) -> Milestone:
    """A milestone of a goal (in the goal's partnership)."""
    check_in_workspace(workspace, goal, "goal", "Choose a goal of this workspace.")
    values: dict[str, Any] = {"title": title, "description": description, "due_date": due_date}
    _clean_milestone_text(values)
    status, percent = consistent_progress(status=status, percent_complete=percent_complete)
    with transaction.atomic():
        milestone = Milestone.objects.create(
            workspace=workspace,
            partnership_id=goal.partnership_id,
            goal=goal,
            status=status,
            percent_complete=percent,
            completed_on=workspace_today(workspace) if status == MilestoneStatus.DONE else None,
            **values,
        )
        goal_refresh_status(workspace=workspace, goal=goal)
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.CREATE,
            target=milestone,
            changes=snapshot(milestone, MILESTONE_FIELDS),
            partnership_id=goal.partnership_id,
        )
    return milestone


def milestone_update(
    *,
    workspace: Workspace,
    actor: Any,
    milestone: Milestone,
    expected_version: int | None = None,
    title: str | _Unset = UNSET,
    description: str | _Unset = UNSET,
    due_date: date | _Unset = UNSET,
    status: str | _Unset = UNSET,
    percent_complete: int | _Unset = UNSET,
) -> Milestone:
    """Edit a milestone against ``expected_version`` (default: the version of the object
    given); MilestoneConflict when it changed meanwhile."""
    check_in_workspace(workspace, milestone, "milestone", "Choose a milestone of this workspace.")
    version = milestone.version if expected_version is None else expected_version
    with transaction.atomic():
        current = current_milestone(workspace=workspace, milestone_id=milestone.pk)
        if current.version != version:
            raise_conflict(workspace=workspace, milestone_id=current.pk, expected_version=version)
        given: dict[str, Any] = {
            "title": title,
            "description": description,
            "due_date": due_date,
            "status": status,
            "percent_complete": percent_complete,
        }
        values: dict[str, Any] = {
            k: getattr(current, k) if v is UNSET else v for k, v in given.items()
        }
        _clean_milestone_text(values)
        values["status"], values["percent_complete"] = consistent_progress(
            status=values["status"], percent_complete=values["percent_complete"]
        )
        values["completed_on"] = completed_on_for(
            workspace=workspace,
            old_status=current.status,
            old=current.completed_on,
            new_status=values["status"],
        )
        before = snapshot(current, MILESTONE_FIELDS)
        updated = apply_milestone_change(
            workspace=workspace, milestone_id=current.pk, expected_version=version, values=values
        )
        goal_refresh_status(workspace=workspace, goal=updated.goal)
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.UPDATE,
            target=updated,
            changes=diff(before, snapshot(updated, MILESTONE_FIELDS)),
            partnership_id=updated.partnership_id,
        )
    return updated


def milestone_delete(
    *,
    workspace: Workspace,
    actor: Any,
    milestone: Milestone,
    expected_version: int | None = None,
) -> None:
    """Delete a milestone (with its updates and comments) if it is still at
    ``expected_version`` (default: the object's); MilestoneConflict otherwise."""
    check_in_workspace(workspace, milestone, "milestone", "Choose a milestone of this workspace.")
    version = milestone.version if expected_version is None else expected_version
    with transaction.atomic():
        current = (
            Milestone.objects.for_workspace(workspace)
            .select_related("goal")
            .filter(pk=milestone.pk, version=version)
            .first()
        )
        if current is None:
            raise_conflict(workspace=workspace, milestone_id=milestone.pk, expected_version=version)
            return
        values = snapshot(current, MILESTONE_FIELDS)
        goal, pk = current.goal, current.pk
        deleted, _ = (
            Milestone.objects.for_workspace(workspace).filter(pk=pk, version=version).delete()
        )
        if not deleted:
            raise_conflict(workspace=workspace, milestone_id=pk, expected_version=version)
        goal_refresh_status(workspace=workspace, goal=goal)
        record_event(
            workspace=workspace,
            actor=actor,
            action=EventAction.DELETE,
            target=current,
            changes=values,
            partnership_id=current.partnership_id,
            object_id=pk,
        )


def goals_refresh_statuses(*, workspace: Workspace) -> int:
    """Recompute the derived status of every goal not yet achieved (time alone makes a
    milestone overdue or a pace fall behind); returns how many changed. For the nightly
    task."""
    changed = 0
    goals = SharedGoal.objects.for_workspace(workspace).exclude(status=GoalStatus.ACHIEVED)
    for goal in goals.order_by("id").iterator(chunk_size=500):
        before = (goal.status, goal.status_reason)
        with transaction.atomic():
            goal_refresh_status(workspace=workspace, goal=goal)
        changed += (goal.status, goal.status_reason) != before
    return changed
