"""Builders for the health check tests: people of organizations of a given sector, rounds
open now or moved into the past, and answers given through the service (as people give
them). Each builder sets the workspace's Row-Level Security context itself."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from impact.models import HealthCheckRound, HealthFactor
from impact.services_health import health_response_submit
from partnerhub.access import WorkspaceAccess
from partnerhub.models import Membership, Role, User
from partnerhub.tenancy import workspace_context
from partners.models import MemberRole, Organization, Partnership, PartnershipMember
from partners.services.partnerships import workspace_today
from tests.conftest import Cast
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.impact.helpers import make_health_round, make_partnership


def today(cast: Cast) -> date:
    return workspace_today(cast.workspace)


def organization(cast: Cast, sector: str, name: str = "") -> Organization:
    with workspace_context(cast.workspace):
        extra = {"name": name} if name else {}
        return OrganizationFactory(workspace=cast.workspace, sector=sector, **extra)


def join(cast: Cast, partnership: Partnership, member: Organization) -> None:
    with workspace_context(cast.workspace):
        PartnershipMember.objects.create(
            workspace=cast.workspace,
            partnership=partnership,
            organization=member,
            roles=[MemberRole.IMPLEMENTER],
            joined_on=date(2025, 1, 1),
        )


def person(cast: Cast, member: Organization | None, role: str = Role.PARTNER) -> User:
    user = UserFactory()
    MembershipFactory(user=user, workspace=cast.workspace, role=role, organization=member)
    return user


def access_for(cast: Cast, user: User) -> WorkspaceAccess:
    membership = Membership.objects.select_related("workspace").get(
        workspace=cast.workspace, user=user
    )
    return WorkspaceAccess(workspace=cast.workspace, role=membership.role, membership=membership)


def open_round(
    cast: Cast, partnership: Partnership | None = None, **fields: Any
) -> HealthCheckRound:
    """A round open today (a week in, a week to go)."""
    values = {
        "opens_on": today(cast) - timedelta(days=7),
        "closes_on": today(cast) + timedelta(days=7),
    }
    with workspace_context(cast.workspace):
        return make_health_round(
            cast, partnership=partnership or make_partnership(cast), **(values | fields)
        )


def move_round(cast: Cast, health_round: HealthCheckRound, *, closed_days_ago: int) -> None:
    """Let time pass: the round ran for a week and closed ``closed_days_ago`` days ago."""
    closes_on = today(cast) - timedelta(days=closed_days_ago)
    with workspace_context(cast.workspace):
        HealthCheckRound.objects.filter(pk=health_round.pk).update(
            opens_on=closes_on - timedelta(days=7), closes_on=closes_on
        )
    health_round.refresh_from_db()


def scores(value: int | dict[str, int]) -> dict[str, int]:
    """Every factor at ``value``, or the given factors over a base of 4."""
    if isinstance(value, int):
        return dict.fromkeys(HealthFactor.values, value)
    return dict.fromkeys(HealthFactor.values, 4) | value


def answer(
    cast: Cast,
    health_round: HealthCheckRound,
    user: User,
    value: int | dict[str, int] = 4,
    comments: dict[str, str] | None = None,
) -> Any:
    comments = comments or {}
    with workspace_context(cast.workspace):
        return health_response_submit(
            workspace=cast.workspace,
            actor=user,
            access=access_for(cast, user),
            health_round=health_round,
            answers={
                factor: (score, comments.get(factor, "")) for factor, score in scores(value).items()
            },
        )


def respondents(
    cast: Cast,
    health_round: HealthCheckRound,
    sector: str,
    values: list[int | dict[str, int]],
    comments: list[dict[str, str]] | None = None,
) -> list[User]:
    """One new member organization of ``sector`` whose people answer with ``values``."""
    member = organization(cast, sector)
    join(cast, health_round.partnership, member)
    people = []
    for index, value in enumerate(values):
        user = person(cast, member)
        answer(cast, health_round, user, value, (comments or [{}] * len(values))[index])
        people.append(user)
    return people
