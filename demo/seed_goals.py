"""The goals step of the demo seeder: shared goals, milestones, the RACI matrix, progress
updates and comments, through the goals and roles services.

Every row is written by the service a person would use in the app and found again on
the next run by its natural key:

- a goal by (partnership, title); a milestone by (goal, title);
- a role by (goal or milestone, organization): a letter is given only to an organization
  holding none there, and an Accountable only where nobody is Accountable yet, so that
  changes made in the matrix are kept;
- a milestone's progress updates are posted only while it has none: they are its history,
  and posting one again after the milestone changed in the app would rewind it;
- a comment by (milestone, body).

Goals, milestones and roles are written by the workspace's demo coordinator; progress
updates and comments by the demo partner user (on milestones their organization is
Responsible or Accountable for) or by the coordinator, as ``demo.data_goals`` says.

The services stamp updates and comments with the time they run. So that the demo shows
work that went on for months, the seeder then moves each new update and comment back in
time (its ``created_at`` and ``updated_at``, by a queryset ``update()`` in the same
workspace context): a milestone's updates are spread over the past four months, oldest
first, the newest a few days before the milestone's due date (or a few days ago for the
ones not due yet), and the milestone's ``last_update_at`` follows its newest update. A
comment comes a day or so after the update it answers (or the milestone's newest one).
Rows already there are never moved again, so a rerun changes nothing.

The activity trail is not back-dated: its events are append-only (on PostgreSQL the
application's role may not UPDATE them), so they keep the real time of the seeding. That
is the honest record of when the rows were written; the back-dated times are the story
the demo tells.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from demo.data_goals import (
    COORDINATOR,
    GOALS,
    MAIN_PARTNERSHIPS,
    CommentSpec,
    GoalSpec,
    Letters,
    MilestoneSpec,
)
from goals.models import Comment, Milestone, ProgressUpdate, SharedGoal
from goals.services import goal_create, milestone_create
from goals.services_updates import comment_post, progress_update_post
from partnerhub.access import WorkspaceAccess
from partnerhub.models import Membership, Role, User
from partners.models import Partnership
from partners.services.partnerships import workspace_today
from roles.models import Raci, RoleAssignment
from roles.services import role_assign

if TYPE_CHECKING:
    from demo.seed import SeedRun, WorkspaceSeed

# How far back the demo's progress updates go, and how they are spaced (in days).
HISTORY_DAYS = 120
UPDATE_SPACING_DAYS = 42
NEWEST_UPDATE_LEAD_DAYS = 3  # the newest update comes this long before the due date
NEWEST_UPDATE_MIN_DAYS_AGO = 2
NEWEST_UPDATE_MAX_DAYS_AGO = 100


def update_days_ago(*, due_day: int, count: int) -> list[int]:
    """How many days ago each of a milestone's ``count`` updates was posted, oldest first.

    The newest comes a few days before the due date (at least two days ago, at most 100),
    the others every six weeks or so before it, all within the past ``HISTORY_DAYS``.
    """
    if count <= 0:
        return []
    newest = min(
        max(NEWEST_UPDATE_LEAD_DAYS - due_day, NEWEST_UPDATE_MIN_DAYS_AGO),
        NEWEST_UPDATE_MAX_DAYS_AGO,
    )
    if count == 1:
        return [newest]
    oldest = min(newest + UPDATE_SPACING_DAYS * (count - 1), HISTORY_DAYS)
    step = (oldest - newest) / (count - 1)
    return [round(oldest - step * index) for index in range(count)]


class _GoalsSeed:
    """The goals of one partnership, with the people who write them."""

    def __init__(self, seed: WorkspaceSeed, run: SeedRun, partnership: Partnership) -> None:
        self.seed = seed
        self.run = run
        self.workspace = seed.workspace
        self.partnership = partnership
        self.today = workspace_today(seed.workspace)
        self.now = timezone.now()
        try:
            self.zone = zoneinfo.ZoneInfo(seed.workspace.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.zone = zoneinfo.ZoneInfo("UTC")
        self.people = {role: _person(seed, role) for role in (Role.COORDINATOR, Role.PARTNER)}
        self.access = {
            role: WorkspaceAccess(workspace=self.workspace, role=role, membership=membership)
            for role, (_, membership) in self.people.items()
        }

    def who(self, by: str) -> tuple[User, WorkspaceAccess]:
        role = Role.COORDINATOR if by == COORDINATOR else Role.PARTNER
        return self.people[role][0], self.access[role]

    @property
    def coordinator(self) -> User:
        return self.people[Role.COORDINATOR][0]

    def seed_goal(self, spec: GoalSpec) -> None:
        goal = (
            SharedGoal.objects.for_workspace(self.workspace)
            .filter(partnership=self.partnership, title=spec.title)
            .first()
        )
        self.run.record("goal", created=goal is None)
        if goal is None:
            goal = goal_create(
                workspace=self.workspace,
                actor=self.coordinator,
                partnership=self.partnership,
                title=spec.title,
                description=spec.description,
                target_date=self.today + timedelta(days=spec.target_day),
                sdgs=spec.sdgs,
            )
        self.seed_roles(spec.roles, goal=goal)
        for milestone_spec in spec.milestones:
            milestone = self.seed_milestone(goal, milestone_spec)
            self.seed_roles(milestone_spec.roles, milestone=milestone)
            self.seed_updates(milestone, milestone_spec)
            self.seed_comments(milestone, milestone_spec)

    def seed_milestone(self, goal: SharedGoal, spec: MilestoneSpec) -> Milestone:
        milestone = (
            Milestone.objects.for_workspace(self.workspace)
            .filter(goal=goal, title=spec.title)
            .first()
        )
        self.run.record("milestone", created=milestone is None)
        if milestone is None:
            milestone = milestone_create(
                workspace=self.workspace,
                actor=self.coordinator,
                goal=goal,
                title=spec.title,
                description=spec.description,
                due_date=self.today + timedelta(days=spec.due_day),
                status=spec.status,
                percent_complete=spec.percent,
            )
        return milestone

    def seed_roles(
        self,
        letters: Letters,
        *,
        goal: SharedGoal | None = None,
        milestone: Milestone | None = None,
    ) -> None:
        on_item = RoleAssignment.objects.for_workspace(self.workspace).filter(
            **({"goal": goal} if goal is not None else {"milestone": milestone})
        )
        held = dict(on_item.values_list("organization__name", "raci"))
        has_accountable = Raci.ACCOUNTABLE in held.values()
        for name, letter in letters.by_organization():
            created = name not in held and not (letter == Raci.ACCOUNTABLE and has_accountable)
            if created:
                role_assign(
                    workspace=self.workspace,
                    actor=self.coordinator,
                    goal=goal,
                    milestone=milestone,
                    organization=self.seed.organizations[name],
                    raci=letter,
                )
            self.run.record("role assignment", created=created)

    def seed_updates(self, milestone: Milestone, spec: MilestoneSpec) -> None:
        posted = (
            ProgressUpdate.objects.for_workspace(self.workspace)
            .filter(milestone=milestone)
            .exists()
        )
        days_ago = update_days_ago(due_day=spec.due_day, count=len(spec.updates))
        previous: datetime | None = None
        for index, update in enumerate(spec.updates):
            created = not posted
            if created:
                author, access = self.who(update.by)
                posted_update = progress_update_post(
                    workspace=self.workspace,
                    actor=author,
                    access=access,
                    milestone=milestone,
                    expected_version=milestone.version,  # the service keeps it current
                    status=update.status,
                    percent_complete=update.percent,
                    narrative=update.narrative,
                    blockers=update.blockers,
                )
                # Oldest first: the last one posted leaves last_update_at at the newest.
                stamp = self.working_hours(days_ago[index], index)
                if previous is not None and stamp <= previous:
                    stamp = previous + timedelta(minutes=1)
                previous = stamp
                self._back_date(ProgressUpdate, posted_update.pk, stamp)
                Milestone.objects.for_workspace(self.workspace).filter(pk=milestone.pk).update(
                    last_update_at=stamp
                )
            self.run.record("progress update", created=created)

    def working_hours(self, days_ago: int, index: int) -> datetime:
        """A time of day people work at (in the workspace's zone), ``days_ago`` days ago."""
        day = self.today - timedelta(days=days_ago)
        minutes = 9 * 60 + (index * 97 + days_ago * 23) % (8 * 60)
        local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.zone)
        return min(local, self.now - timedelta(hours=1))

    def _back_date(
        self, model: type[ProgressUpdate] | type[Comment], pk: int, at: datetime
    ) -> None:
        model.objects.for_workspace(self.workspace).filter(pk=pk).update(
            created_at=at, updated_at=at
        )

    def seed_comments(self, milestone: Milestone, spec: MilestoneSpec) -> None:
        written = set(
            Comment.objects.for_workspace(self.workspace)
            .filter(milestone=milestone)
            .values_list("body", flat=True)
        )
        for index, comment in enumerate(spec.comments):
            created = comment.body not in written
            if created:
                author, access = self.who(comment.by)
                replied = self._replied(milestone, spec, comment)
                posted_comment = comment_post(
                    workspace=self.workspace,
                    actor=author,
                    access=access,
                    milestone=milestone,
                    body=comment.body,
                    progress_update=replied,
                )
                self._back_date(
                    Comment, posted_comment.pk, self._comment_time(milestone, replied, index)
                )
            self.run.record("comment", created=created)

    def _comment_time(
        self, milestone: Milestone, replied: ProgressUpdate | None, index: int
    ) -> datetime:
        """A day after the update it answers (or the milestone's newest update), the next
        comment a day later; never in the future, always in order."""
        if replied is not None:
            anchor = replied.created_at
        else:
            newest = (
                ProgressUpdate.objects.for_workspace(self.workspace)
                .filter(milestone=milestone)
                .order_by("-created_at")
                .values_list("created_at", flat=True)
                .first()
            )
            anchor = newest or self.working_hours(NEWEST_UPDATE_MIN_DAYS_AGO + 2, index)
        # Capped an hour before the seeding, a minute apart, so that order is kept.
        latest = self.now - timedelta(minutes=60 - min(index, 59))
        return min(anchor + timedelta(days=index + 1), latest)

    def _replied(
        self, milestone: Milestone, spec: MilestoneSpec, comment: CommentSpec
    ) -> ProgressUpdate | None:
        if comment.reply_to is None:
            return None
        narrative = spec.updates[comment.reply_to].narrative
        return (
            ProgressUpdate.objects.for_workspace(self.workspace)
            .filter(milestone=milestone, narrative=narrative)
            .first()
        )


def _person(seed: WorkspaceSeed, role: Role) -> tuple[User, Membership]:
    email = next(p.email for p in seed.spec.people if p.role == role)
    user = seed.people[email]
    return user, Membership.objects.get(workspace=seed.workspace, user=user)


def seed_goals(seed: WorkspaceSeed, run: SeedRun) -> None:
    """The shared goals of the workspace's main partnership, with everything in them."""
    specs = GOALS.get(seed.spec.slug, ())
    if not specs:
        return
    partnership = (
        Partnership.objects.for_workspace(seed.workspace)
        .filter(name=MAIN_PARTNERSHIPS[seed.spec.slug])
        .first()
    )
    if partnership is None:  # renamed or deleted in the app: leave it alone
        return
    goals = _GoalsSeed(seed, run, partnership)
    for spec in specs:
        goals.seed_goal(spec)
