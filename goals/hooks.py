"""Extension points that apps above ``goals`` fill in from their ``AppConfig.ready()``.

``goals`` sits below ``roles`` and ``impact`` in the layering and never imports them.
Where goals needs an answer only those apps know, it asks through a hook registered here:

* ``responsible_org_ids_for_milestones`` -- which organizations are Responsible or
  Accountable for each milestone (roles registers it with
  ``register_responsible_orgs_provider``). Without a provider the answer is ``{}``: only
  coordinators, admins and write API keys may then post progress updates.
* ``goal_status_adjusters`` -- functions that may weigh further evidence (for instance
  impact indicators) into a goal's derived status. Each receives the goal, the status and
  reason computed from its milestones and today's date and returns a (status, reason)
  pair, or ``None`` to leave it alone. They run in registration order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from goals.models import SharedGoal
    from partnerhub.models import Workspace


class ResponsibleOrgsProvider(Protocol):
    def __call__(
        self, *, workspace: Workspace, milestone_ids: Iterable[int]
    ) -> dict[int, set[int]]: ...


def _no_responsible_orgs(
    *, workspace: Workspace, milestone_ids: Iterable[int]
) -> dict[int, set[int]]:
    return {}


_responsible_orgs_provider: ResponsibleOrgsProvider = _no_responsible_orgs


def register_responsible_orgs_provider(provider: ResponsibleOrgsProvider | None) -> None:
    """Install the function answering ``responsible_org_ids_for_milestones``; ``None``
    restores the default (nobody is Responsible or Accountable)."""
    global _responsible_orgs_provider
    _responsible_orgs_provider = provider if provider is not None else _no_responsible_orgs


def responsible_org_ids_for_milestones(
    *, workspace: Workspace, milestone_ids: Iterable[int]
) -> dict[int, set[int]]:
    """Organization ids that are Responsible or Accountable, per milestone id. Milestones
    without any such organization may be missing from the answer."""
    ids = list(milestone_ids)
    if not ids:
        return {}
    return _responsible_orgs_provider(workspace=workspace, milestone_ids=ids)


def milestone_ids_for_responsible_org(
    *, workspace: Workspace, organization_id: int, milestone_ids: Iterable[int]
) -> set[int]:
    """Those of ``milestone_ids`` the organization is Responsible or Accountable for."""
    answer = responsible_org_ids_for_milestones(workspace=workspace, milestone_ids=milestone_ids)
    return {mid for mid, orgs in answer.items() if organization_id in orgs}


# --- Who holds which RACI letter (for the goal page) --------------------------------------


class RoleLettersProvider(Protocol):
    def __call__(
        self, *, workspace: Workspace, goal_ids: Iterable[int], milestone_ids: Iterable[int]
    ) -> dict[tuple[str, int], list[tuple[str, str]]]: ...


def _no_role_letters(
    *, workspace: Workspace, goal_ids: Iterable[int], milestone_ids: Iterable[int]
) -> dict[tuple[str, int], list[tuple[str, str]]]:
    return {}


_role_letters_provider: RoleLettersProvider = _no_role_letters


def register_role_letters_provider(provider: RoleLettersProvider | None) -> None:
    """Install the function answering ``role_letters``; ``None`` restores the default."""
    global _role_letters_provider
    _role_letters_provider = provider if provider is not None else _no_role_letters


def role_letters(
    *, workspace: Workspace, goal_ids: Iterable[int], milestone_ids: Iterable[int]
) -> dict[tuple[str, int], list[tuple[str, str]]]:
    """{("goal", id) or ("milestone", id): [(letter, organization name), ...]} in R, A, C,
    I order — what the goal page shows of the RACI matrix. Empty without the roles app."""
    goals, milestones = list(goal_ids), list(milestone_ids)
    if not goals and not milestones:
        return {}
    return _role_letters_provider(workspace=workspace, goal_ids=goals, milestone_ids=milestones)


StatusAdjuster = Callable[["SharedGoal", str, str, date], "tuple[str, str] | None"]

goal_status_adjusters: list[StatusAdjuster] = []


def register_goal_status_adjuster(adjuster: StatusAdjuster) -> None:
    """Add a function weighing more evidence into a goal's derived status (idempotent)."""
    if adjuster not in goal_status_adjusters:
        goal_status_adjusters.append(adjuster)


def unregister_goal_status_adjuster(adjuster: StatusAdjuster) -> None:
    if adjuster in goal_status_adjusters:
        goal_status_adjusters.remove(adjuster)


__all__ = [
    "ResponsibleOrgsProvider",
    "StatusAdjuster",
    "goal_status_adjusters",
    "milestone_ids_for_responsible_org",
    "register_goal_status_adjuster",
    "register_responsible_orgs_provider",
    "register_role_letters_provider",
    "responsible_org_ids_for_milestones",
    "role_letters",
    "unregister_goal_status_adjuster",
]
