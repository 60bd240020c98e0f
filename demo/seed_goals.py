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
Responsible or Accountable for) or by the coordinator, as ``demo.data_goals`` says. The
services stamp updates and comments with the time they run: the demo's history is as old
as the seeding, and the narratives tell the months.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

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


class _GoalsSeed:
    """The goals of one partnership, with the people who write them."""

    def __init__(self, seed: WorkspaceSeed, run: SeedRun, partnership: Partnership) -> None:
        self.seed = seed
        self.run = run
        self.workspace = seed.workspace
        self.partnership = partnership
        self.today = workspace_today(seed.workspace)
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
        for update in spec.updates:
            created = not posted
            if created:
                author, access = self.who(update.by)
                progress_update_post(
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
            self.run.record("progress update", created=created)

    def seed_comments(self, milestone: Milestone, spec: MilestoneSpec) -> None:
        written = set(
            Comment.objects.for_workspace(self.workspace)
            .filter(milestone=milestone)
            .values_list("body", flat=True)
        )
        for comment in spec.comments:
            created = comment.body not in written
            if created:
                author, access = self.who(comment.by)
                comment_post(
                    workspace=self.workspace,
                    actor=author,
                    access=access,
                    milestone=milestone,
                    body=comment.body,
                    progress_update=self._replied(milestone, spec, comment),
                )
            self.run.record("comment", created=created)

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
