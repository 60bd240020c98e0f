"""Builders for the roles tests: partnerships with members, goals and milestones, made
through the services as the app makes them."""

from __future__ import annotations

from datetime import date, timedelta

from goals.models import Milestone, MilestoneStatus, SharedGoal
from goals.services import goal_create, milestone_create
from partnerhub.tenancy import workspace_context
from partners.models import MemberRole, Organization, Partnership
from partners.services.partnerships import partnership_member_add
from tests.conftest import Cast
from tests.factories import OrganizationFactory
from tests.partners.partnership_helpers import make_partnership

__all__ = ["add_member", "make_goal", "make_milestone", "make_partnership", "setup_matrix"]


def add_member(cast: Cast, partnership: Partnership, organization: Organization | None = None):  # type: ignore[no-untyped-def]
    with workspace_context(cast.workspace):
        organization = organization or OrganizationFactory(workspace=cast.workspace)
        partnership_member_add(
            workspace=cast.workspace,
            actor=cast.coordinator,
            partnership=partnership,
            organization=organization,
            roles=[MemberRole.IMPLEMENTER],
        )
    return organization


def make_goal(cast: Cast, partnership: Partnership, title: str = "Clean river") -> SharedGoal:
    with workspace_context(cast.workspace):
        return goal_create(
            workspace=cast.workspace,
            actor=cast.coordinator,
            partnership=partnership,
            title=title,
            target_date=date(2027, 12, 31),
        )


def make_milestone(
    cast: Cast,
    goal: SharedGoal,
    *,
    title: str = "Survey",
    due: date | None = None,
    status: str = MilestoneStatus.IN_PROGRESS,
) -> Milestone:
    with workspace_context(cast.workspace):
        return milestone_create(
            workspace=cast.workspace,
            actor=cast.coordinator,
            goal=goal,
            title=title,
            due_date=due or date.today() + timedelta(days=30),
            status=status,
            percent_complete=50 if status == MilestoneStatus.IN_PROGRESS else 0,
        )


def setup_matrix(
    cast: Cast, name: str = "River Partnership"
) -> tuple[Partnership, SharedGoal, Milestone]:
    """A partnership with the cast's two organizations as members, a goal, a milestone."""
    partnership = make_partnership(cast, name=name)
    add_member(cast, partnership, cast.other_organization)
    goal = make_goal(cast, partnership)
    milestone = make_milestone(cast, goal)
    return partnership, goal, milestone
