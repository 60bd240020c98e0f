"""Reads of shared goals, milestones, progress updates and comments.

Every function takes the workspace as a keyword; those starting from the workspace also
take ``access`` and apply the partnership visibility rule of
``partners.selectors_partnerships.partnerships_visible_to``: a partner sees only the goals,
milestones, updates and comments of partnerships their organization currently belongs
to. Objects a caller may not see raise DoesNotExist, like objects that do not exist.
Each function is one query (or a fixed number), whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from goals import hooks
from goals.models import Comment, Milestone, MilestoneStatus, ProgressUpdate, SharedGoal
from partnerhub.models import Workspace
from partners.selectors_partnerships import (
    PartnershipAccess,
    partnerships_visible_to,
    sees_all_partnerships,
)
from partners.services.partnerships import workspace_today

M = TypeVar("M", SharedGoal, Milestone, ProgressUpdate, Comment)


def _visible(rows: QuerySet[M], *, workspace: Workspace, access: PartnershipAccess) -> QuerySet[M]:
    if sees_all_partnerships(access):
        return rows
    visible = partnerships_visible_to(workspace=workspace, access=access)
    return rows.filter(partnership__in=visible.values("pk"))


# --- Goals --------------------------------------------------------------------------------


def _milestone_count(done: bool = False) -> Coalesce:
    milestones = Milestone.objects.filter(goal=OuterRef("pk"))
    if done:
        milestones = milestones.filter(status=MilestoneStatus.DONE)
    counts = milestones.order_by().values("goal").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def goal_list(
    *,
    workspace: Workspace,
    access: PartnershipAccess,
    partnership: int | object | None = None,
    status: str | None = None,
) -> QuerySet[SharedGoal]:
    """Visible goals with their partnership, ``milestone_count`` and ``milestones_done``,
    by target date (undated last). One query."""
    goals = _visible(
        SharedGoal.objects.for_workspace(workspace), workspace=workspace, access=access
    )
    if partnership is not None:
        goals = goals.filter(partnership=partnership)
    if status:
        goals = goals.filter(status=status)
    return (
        goals.select_related("partnership")
        .annotate(milestone_count=_milestone_count(), milestones_done=_milestone_count(done=True))
        .order_by("target_date", "id")
    )


def goal_get(*, workspace: Workspace, access: PartnershipAccess, pk: int) -> SharedGoal:
    return goal_list(workspace=workspace, access=access).get(pk=pk)


# --- Milestones ---------------------------------------------------------------------------


def milestone_list(
    *,
    workspace: Workspace,
    access: PartnershipAccess,
    partnership: int | object | None = None,
    goal: int | object | None = None,
    status: str | None = None,
    responsible_organization: int | None = None,
    due_before: date | None = None,
    due_after: date | None = None,
    overdue: bool | None = None,
) -> QuerySet[Milestone]:
    """Visible milestones in due-date order with their goal and partnership.

    ``due_before`` / ``due_after`` are inclusive; ``overdue`` means due before today
    (workspace time zone) and not done (``False``: the others). ``responsible_organization``
    keeps the milestones that organization is Responsible or Accountable for (through the
    roles hook: two more queries, whatever the number of rows)."""
    milestones = _visible(
        Milestone.objects.for_workspace(workspace), workspace=workspace, access=access
    )
    if partnership is not None:
        milestones = milestones.filter(partnership=partnership)
    if goal is not None:
        milestones = milestones.filter(goal=goal)
    if status:
        milestones = milestones.filter(status=status)
    if due_before is not None:
        milestones = milestones.filter(due_date__lte=due_before)
    if due_after is not None:
        milestones = milestones.filter(due_date__gte=due_after)
    if overdue is not None:
        late = Q(due_date__lt=workspace_today(workspace)) & ~Q(status=MilestoneStatus.DONE)
        milestones = milestones.filter(late) if overdue else milestones.exclude(late)
    if responsible_organization is not None:
        candidates = list(milestones.order_by().values_list("pk", flat=True))
        mine = hooks.milestone_ids_for_responsible_org(
            workspace=workspace,
            organization_id=int(responsible_organization),
            milestone_ids=candidates,
        )
        milestones = milestones.filter(pk__in=sorted(mine))
    return milestones.select_related("goal", "partnership").order_by("due_date", "id")


def milestone_get(*, workspace: Workspace, access: PartnershipAccess, pk: int) -> Milestone:
    return milestone_list(workspace=workspace, access=access).get(pk=pk)


def milestones_of_goal(*, workspace: Workspace, goal: SharedGoal) -> QuerySet[Milestone]:
    """A goal's milestones in due-date order (the goal comes from an access-checked getter)."""
    updates = (
        ProgressUpdate.objects.filter(milestone=OuterRef("pk"))
        .order_by()
        .values("milestone")
        .annotate(n=Count("*"))
        .values("n")
    )
    milestones: QuerySet[Milestone] = Milestone.objects.for_workspace(workspace)
    return (
        milestones.filter(goal=goal)
        .annotate(update_count=Coalesce(Subquery(updates, output_field=IntegerField()), Value(0)))
        .order_by("due_date", "id")
    )


def is_overdue(milestone: Milestone, today: date) -> bool:
    return milestone.status != MilestoneStatus.DONE and milestone.due_date < today


# --- Progress updates and comments --------------------------------------------------------


def progress_update_list(
    *,
    workspace: Workspace,
    access: PartnershipAccess,
    milestone: int | object | None = None,
    goal: int | object | None = None,
    partnership: int | object | None = None,
) -> QuerySet[ProgressUpdate]:
    """Visible progress updates, newest first, with author, key, organization and
    milestone. One query."""
    updates = _visible(
        ProgressUpdate.objects.for_workspace(workspace), workspace=workspace, access=access
    )
    if milestone is not None:
        updates = updates.filter(milestone=milestone)
    if goal is not None:
        updates = updates.filter(milestone__goal=goal)
    if partnership is not None:
        updates = updates.filter(partnership=partnership)
    return updates.select_related("author", "author_key", "organization", "milestone").order_by(
        "-created_at", "-id"
    )


def progress_update_get(
    *, workspace: Workspace, access: PartnershipAccess, pk: int
) -> ProgressUpdate:
    return progress_update_list(workspace=workspace, access=access).get(pk=pk)


def comment_list(
    *,
    workspace: Workspace,
    access: PartnershipAccess,
    milestone: int | object | None = None,
    goal: int | object | None = None,
) -> QuerySet[Comment]:
    """Visible comments, oldest first, with author, key, milestone and the update they
    reply to (if any). One query."""
    comments = _visible(
        Comment.objects.for_workspace(workspace), workspace=workspace, access=access
    )
    if milestone is not None:
        comments = comments.filter(milestone=milestone)
    if goal is not None:
        comments = comments.filter(milestone__goal=goal)
    return comments.select_related("author", "author_key", "milestone", "progress_update").order_by(
        "created_at", "id"
    )


@dataclass(frozen=True)
class GoalPage:
    """Everything the goal page shows, read in a fixed number of queries."""

    goal: SharedGoal
    milestones: list[Milestone]
    recent_updates: list[ProgressUpdate]
    recent_comments: list[Comment]
    today: date


RECENT = 10


def goal_page(*, workspace: Workspace, access: PartnershipAccess, pk: int) -> GoalPage:
    """The goal (DoesNotExist when not visible), its milestones in due-date order, its
    ten latest updates and comments. Four queries."""
    goal = goal_get(workspace=workspace, access=access, pk=pk)
    updates = progress_update_list(workspace=workspace, access=access, goal=goal)[:RECENT]
    comments = comment_list(workspace=workspace, access=access, goal=goal).order_by(
        "-created_at", "-id"
    )[:RECENT]
    return GoalPage(
        goal=goal,
        milestones=list(milestones_of_goal(workspace=workspace, goal=goal)),
        recent_updates=list(updates),
        recent_comments=list(reversed(list(comments))),
        today=workspace_today(workspace),
    )
