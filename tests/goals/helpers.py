"""Builders shared by the goal tests (through the services, as the app does)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from secrets import token_hex

from django.utils import timezone

from goals.models import Milestone, SharedGoal
from goals.services import goal_create, milestone_create
from partnerhub.access import WorkspaceAccess
from partnerhub.models import ApiKey, Membership
from partners.models import MemberRole, Organization, Partnership, PartnershipModel
from partners.services.partnerships import partnership_create, partnership_member_add
from tests.conftest import Cast


def access_of(cast: Cast, role: str) -> WorkspaceAccess:
    membership = Membership.objects.select_related("workspace").get(
        workspace=cast.workspace, user=cast.user(role)
    )
    return WorkspaceAccess(workspace=cast.workspace, role=membership.role, membership=membership)


def key_access(cast: Cast, api_key: ApiKey, role: str) -> WorkspaceAccess:
    return WorkspaceAccess(workspace=cast.workspace, role=role, api_key=api_key)


def make_partnership(
    cast: Cast, members: Iterable[Organization] | None = None, name: str = ""
) -> Partnership:
    """A partnership with the cast's partner organization as a member (or ``members``)."""
    partnership = partnership_create(
        workspace=cast.workspace,
        actor=cast.coordinator,
        name=name or f"Partnership {token_hex(3)}",
        model=PartnershipModel.CROSS_SECTOR,
    )
    for organization in [cast.organization] if members is None else members:
        partnership_member_add(
            workspace=cast.workspace,
            actor=cast.coordinator,
            partnership=partnership,
            organization=organization,
            roles=[MemberRole.IMPLEMENTER],
        )
    return partnership


def make_goal(cast: Cast, partnership: Partnership | None = None, **values) -> SharedGoal:  # type: ignore[no-untyped-def]
    values.setdefault("title", f"Goal {token_hex(3)}")
    return goal_create(
        workspace=cast.workspace,
        actor=cast.coordinator,
        partnership=partnership or make_partnership(cast),
        **values,
    )


def make_milestone(cast: Cast, goal: SharedGoal, days: int = 30, **values) -> Milestone:  # type: ignore[no-untyped-def]
    values.setdefault("title", f"Milestone {token_hex(3)}")
    due: date = values.pop("due_date", None) or timezone.localdate() + timedelta(days=days)
    return milestone_create(
        workspace=cast.workspace, actor=cast.coordinator, goal=goal, due_date=due, **values
    )
