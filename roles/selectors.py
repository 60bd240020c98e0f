"""Reads of role assignments: the RACI matrix of a partnership, "My work", the list the
API serves, and the answer to goals' hook (who is Responsible or Accountable).

Every function takes the workspace as a keyword. Functions that start from the workspace
alone also take ``access`` and apply the partnership visibility rule of
``partners.selectors_partnerships`` (a partner sees only the partnerships their
organization currently belongs to); an object the caller may not see raises DoesNotExist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When

from goals.models import Milestone, MilestoneStatus, SharedGoal
from partnerhub.models import Membership, User, Workspace
from partnerhub.permissions import Action
from partners.models import Organization, Partnership, PartnershipMember
from partners.selectors_partnerships import PartnershipAccess, partnerships_visible_to
from roles.gaps import Gaps, find_gaps
from roles.models import Raci, RoleAssignment

MY_WORK_LIMIT = 300
RESPONSIBLE_OR_ACCOUNTABLE = (Raci.RESPONSIBLE, Raci.ACCOUNTABLE)


# --- The hook goals asks through ----------------------------------------------------------


def responsible_org_ids_for_milestones(
    *, workspace: Workspace, milestone_ids: Iterable[int]
) -> dict[int, set[int]]:
    """Organization ids that are Responsible or Accountable, per milestone id (one query;
    milestones without such an organization are absent)."""
    answer: dict[int, set[int]] = {}
    rows = (
        RoleAssignment.objects.for_workspace(workspace)
        .filter(milestone_id__in=list(milestone_ids), raci__in=RESPONSIBLE_OR_ACCOUNTABLE)
        .values_list("milestone_id", "organization_id")
    )
    for milestone_id, organization_id in rows:
        answer.setdefault(milestone_id, set()).add(organization_id)
    return answer


_LETTER_ORDER = {"R": 0, "A": 1, "C": 2, "I": 3}


def role_letters_for_items(
    *, workspace: Workspace, goal_ids: Iterable[int], milestone_ids: Iterable[int]
) -> dict[tuple[str, int], list[tuple[str, str]]]:
    """Each goal's and milestone's letters with the organization's name, R, A, C, I
    order (one query); the goals app shows them on the goal page through its hook."""
    rows = (
        RoleAssignment.objects.for_workspace(workspace)
        .filter(Q(goal_id__in=list(goal_ids)) | Q(milestone_id__in=list(milestone_ids)))
        .values_list("goal_id", "milestone_id", "raci", "organization__name")
    )
    answer: dict[tuple[str, int], list[tuple[str, str]]] = {}
    for goal_id, milestone_id, letter, name in rows:
        key = ("goal", goal_id) if goal_id is not None else ("milestone", milestone_id)
        answer.setdefault(key, []).append((letter, name))
    for letters in answer.values():
        letters.sort(key=lambda pair: (_LETTER_ORDER[pair[0]], pair[1].lower()))
    return answer


# --- Role assignments (the API's list and detail) ------------------------------------------


def role_assignment_list(
    *, workspace: Workspace, access: PartnershipAccess
) -> QuerySet[RoleAssignment]:
    """Role assignments of the partnerships this caller may see, with their organization."""
    return (
        RoleAssignment.objects.for_workspace(workspace)
        .filter(partnership__in=partnerships_visible_to(workspace=workspace, access=access))
        .select_related("organization")
    )


def role_assignment_get(
    *, workspace: Workspace, access: PartnershipAccess, pk: int
) -> RoleAssignment:
    return role_assignment_list(workspace=workspace, access=access).get(pk=pk)


def role_goal_get(*, workspace: Workspace, access: PartnershipAccess, pk: int) -> SharedGoal:
    """A goal the caller may see (DoesNotExist otherwise), for assigning roles on it."""
    return (
        SharedGoal.objects.for_workspace(workspace)
        .filter(partnership__in=partnerships_visible_to(workspace=workspace, access=access))
        .get(pk=pk)
    )


def role_milestone_get(*, workspace: Workspace, access: PartnershipAccess, pk: int) -> Milestone:
    return (
        Milestone.objects.for_workspace(workspace)
        .filter(partnership__in=partnerships_visible_to(workspace=workspace, access=access))
        .get(pk=pk)
    )


def matrix_item_get(
    *, workspace: Workspace, partnership: Partnership, kind: str, pk: int
) -> tuple[SharedGoal | None, Milestone | None]:
    """(goal, None) or (None, milestone) of this partnership; DoesNotExist otherwise."""
    if kind == GOAL:
        goal = SharedGoal.objects.for_workspace(workspace).get(partnership=partnership, pk=pk)
        return goal, None
    milestone = Milestone.objects.for_workspace(workspace).get(partnership=partnership, pk=pk)
    return None, milestone


def role_organization_get(*, workspace: Workspace, pk: int) -> Organization:
    return Organization.objects.for_workspace(workspace).get(pk=pk)


def role_person_get(*, workspace: Workspace, pk: int) -> User:
    """A person with a membership of this workspace (DoesNotExist otherwise)."""
    return User.objects.filter(pk=pk, memberships__workspace=workspace).distinct().get()


def person_represents(*, workspace: Workspace, person: User, organization: Organization) -> bool:
    return Membership.objects.filter(
        workspace=workspace, user=person, organization=organization
    ).exists()


def current_member_ids(*, workspace: Workspace, partnership: Partnership) -> set[int]:
    return set(
        PartnershipMember.objects.for_workspace(workspace)
        .filter(partnership=partnership, left_on__isnull=True)
        .values_list("organization_id", flat=True)
    )


# --- The matrix ----------------------------------------------------------------------------

GOAL = "goal"
MILESTONE = "milestone"


@dataclass
class MatrixColumn:
    organization: Organization
    is_member: bool
    gaps: list[str] = field(default_factory=list)


@dataclass
class MatrixCell:
    item_kind: str
    item_id: int
    column: MatrixColumn
    letter: str = ""

    @property
    def cell_id(self) -> str:
        return f"raci-{self.item_kind}-{self.item_id}-org-{self.column.organization.pk}"

    @property
    def letter_name(self) -> str:
        return str(Raci(self.letter).label) if self.letter else ""

    @property
    def item_value(self) -> str:
        return f"{self.item_kind}-{self.item_id}"


@dataclass
class MatrixRow:
    kind: str
    item: SharedGoal | Milestone
    cells: list[MatrixCell] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.item.pk)

    @property
    def is_milestone(self) -> bool:
        return self.kind == MILESTONE


@dataclass
class RaciMatrix:
    partnership: Partnership
    columns: list[MatrixColumn]
    rows: list[MatrixRow]
    gaps: Gaps[tuple[str, int]]
    gap_messages: list[str]

    def row(self, kind: str, item_id: int) -> MatrixRow | None:
        return next((r for r in self.rows if r.key == (kind, item_id)), None)

    def cell(self, kind: str, item_id: int, organization_id: int) -> MatrixCell | None:
        row = self.row(kind, item_id)
        if row is None:
            return None
        return next((c for c in row.cells if c.column.organization.pk == organization_id), None)


def _item_label(row: MatrixRow) -> str:
    return f"{'Milestone' if row.is_milestone else 'Goal'} “{row.item}”"


def raci_matrix(*, workspace: Workspace, partnership: Partnership) -> RaciMatrix:
    """Rows: the partnership's goals (by target date), each followed by its milestones (by
    due date). Columns: current member organizations by name, then organizations that left
    but still hold a letter. Four queries, whatever the size."""
    goals = list(
        SharedGoal.objects.for_workspace(workspace)
        .filter(partnership=partnership)
        .order_by("target_date", "id")
    )
    milestones_by_goal: dict[int, list[Milestone]] = {}
    for milestone in (
        Milestone.objects.for_workspace(workspace)
        .filter(partnership=partnership)
        .order_by("due_date", "id")
    ):
        milestones_by_goal.setdefault(milestone.goal_id, []).append(milestone)
    members = list(
        PartnershipMember.objects.for_workspace(workspace)
        .filter(partnership=partnership, left_on__isnull=True)
        .select_related("organization")
        .order_by("organization__name", "organization_id")
    )
    assignments = list(
        RoleAssignment.objects.for_workspace(workspace)
        .filter(partnership=partnership)
        .select_related("organization")
    )

    columns = [MatrixColumn(organization=m.organization, is_member=True) for m in members]
    member_ids = {column.organization.pk for column in columns}
    former = {a.organization_id: a.organization for a in assignments}
    for org_id in sorted(set(former) - member_ids, key=lambda pk: (former[pk].name, pk)):
        columns.append(MatrixColumn(organization=former[org_id], is_member=False))

    letters: dict[tuple[tuple[str, int], int], str] = {}
    for assignment in assignments:
        key: tuple[str, int] = (
            (GOAL, assignment.goal_id)  # type: ignore[assignment]
            if assignment.goal_id
            else (MILESTONE, assignment.milestone_id)
        )
        letters[(key, assignment.organization_id)] = assignment.raci

    rows: list[MatrixRow] = []
    for goal in goals:
        rows.append(MatrixRow(kind=GOAL, item=goal))
        rows.extend(MatrixRow(kind=MILESTONE, item=m) for m in milestones_by_goal.get(goal.pk, []))
    for row in rows:
        row.cells = [
            MatrixCell(
                item_kind=row.kind,
                item_id=row.item.pk,
                column=column,
                letter=letters.get((row.key, column.organization.pk), ""),
            )
            for column in columns
        ]

    gaps = find_gaps(
        items=[row.key for row in rows],
        members=[column.organization.pk for column in columns if column.is_member],
        letters=letters,
    )
    messages: list[str] = []
    by_key = {row.key: row for row in rows}
    for key in gaps.without_accountable:
        by_key[key].gaps.append("No Accountable")
        messages.append(f"{_item_label(by_key[key])} has no Accountable organization.")
    for key in gaps.without_responsible:
        by_key[key].gaps.append("No Responsible")
        messages.append(f"{_item_label(by_key[key])} has no Responsible organization.")
    by_org = {column.organization.pk: column for column in columns}
    for org_id in gaps.members_without_role:
        by_org[org_id].gaps.append("No role")
        messages.append(f"{by_org[org_id].organization.name} has no role on any goal or milestone.")
    if gaps.concentration:
        column = by_org[gaps.concentration.organization_id]
        column.gaps.append("Accountable for most items")
        messages.append(
            f"{column.organization.name} is Accountable for {gaps.concentration.count} of "
            f"{gaps.concentration.total} items: consider sharing accountability."
        )
    return RaciMatrix(
        partnership=partnership, columns=columns, rows=rows, gaps=gaps, gap_messages=messages
    )


# --- My work -------------------------------------------------------------------------------


@dataclass
class MyWork:
    milestones: list[Milestone]
    scope: str  # "organization" (a partner's) or "workspace" (coordinators and admins)
    truncated: bool


def _overdue(today: date) -> Case:
    return Case(
        When(Q(due_date__lt=today) & ~Q(status=MilestoneStatus.DONE), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def my_work(*, workspace: Workspace, access: PartnershipAccess, today: date) -> MyWork:
    """Open milestones (not done) to act on, overdue first, then by due date, each with
    its goal and partnership and ``is_overdue``; one query.

    - A partner: those their organization is Responsible or Accountable for, in the
      partnerships their organization currently belongs to (``my_letter`` says which).
    - Admins and coordinators: across the workspace, those without a Responsible
      organization or overdue (``has_responsible`` says which).
    """
    roles = RoleAssignment.objects.for_workspace(workspace).filter(milestone=OuterRef("pk"))
    milestones = (
        Milestone.objects.for_workspace(workspace)
        .exclude(status=MilestoneStatus.DONE)
        .select_related("goal", "partnership")
        .annotate(is_overdue=_overdue(today))
    )
    if access.can(Action.EDIT_CONTENT):
        scope = "workspace"
        milestones = milestones.annotate(
            has_responsible=Exists(roles.filter(raci=Raci.RESPONSIBLE))
        ).filter(Q(has_responsible=False) | Q(is_overdue=True))
    else:
        scope = "organization"
        if access.organization_id is None:
            return MyWork(milestones=[], scope=scope, truncated=False)
        mine = roles.filter(
            organization_id=access.organization_id, raci__in=RESPONSIBLE_OR_ACCOUNTABLE
        )
        milestones = milestones.filter(
            Exists(mine),
            partnership__in=partnerships_visible_to(workspace=workspace, access=access),
        ).annotate(
            my_letter=Case(
                When(Exists(mine.filter(raci=Raci.ACCOUNTABLE)), then=Value("A")),
                default=Value("R"),
            )
        )
    rows = list(milestones.order_by("-is_overdue", "due_date", "id")[: MY_WORK_LIMIT + 1])
    return MyWork(milestones=rows[:MY_WORK_LIMIT], scope=scope, truncated=len(rows) > MY_WORK_LIMIT)
