"""Reminder rules about milestones: due soon, overdue, and in progress without an update.

They live here rather than in ``goals`` because who is reminded comes from the RACI
matrix: the partner users of the milestone's Responsible organizations and the person
named on that assignment; for an overdue milestone after ``overdue_escalate_days`` also
the Accountable organization's people and the workspace's coordinators. Only
organizations that are still members of the partnership are reminded (the others cannot
open the link any more).

Each rule reads milestones in keyset order by id, in batches, and costs a fixed number of
queries per batch: the milestones, and the coordinators when an overdue step escalates.
The people behind the letters (``MilestonePeople``) are found once per transaction for
the batches of all three rules: one query on PostgreSQL, two elsewhere.

Days are whole days in the workspace's time zone (``today`` comes from the engine). A
step of a rule may fire later than its day, up to ``LATE_FIRING_DAYS`` (sweeps were down,
the rule was off): the occurrence key makes it fire once, and the title gives the real
numbers of the day it fires. Never later, so that switching reminders on does not flood
people about long-past events.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import (
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Value,
)
from django.db.models.functions import Coalesce, Mod, TruncDate

from goals.models import Milestone, MilestoneStatus
from partnerhub.links import RowLinks
from partnerhub.models import Membership, ReminderKind, ReminderPolicy, Role, Workspace
from partnerhub.reminders import (
    Candidates,
    ReminderRule,
    ReminderTexts,
    RuleBatch,
    register_reminder_rule,
    reminder_days,
)
from partnerhub.selectors_reminders import coordinator_ids, policy_days
from partners.models import PartnershipMember
from roles.models import Raci, RoleAssignment

LATE_FIRING_DAYS = 7
SUBJECT = "milestone"
RESPONSIBLE: tuple[str, ...] = (Raci.RESPONSIBLE.value,)
ESCALATED: tuple[str, ...] = (Raci.RESPONSIBLE.value, Raci.ACCOUNTABLE.value)

# The columns each rule reads (S-ref in bench/sweep.py reads the same ones).
DUE_FIELDS = ("id", "title", "due_date", "partnership_id", "goal__title")
OVERDUE_FIELDS = ("id", "title", "due_date", "partnership_id")
STALE_FIELDS = ("id", "title", "partnership_id", "last_update_at", "created_at")


# --- When (pure functions of the policy and the day) -------------------------------------


def due_step(days_left: int, thresholds: Iterable[int]) -> int | None:
    """The "due in N days" reminder (its N) to send when the milestone is ``days_left``
    days away: the smallest threshold at or above ``days_left``, within
    ``LATE_FIRING_DAYS`` of its day. None when nothing is due (or the date has passed)."""
    if days_left < 0:
        return None
    step = min((t for t in thresholds if t >= days_left), default=None)
    if step is None or step - days_left >= LATE_FIRING_DAYS:
        return None
    return step


def overdue_step(days_overdue: int, repeat_days: int) -> tuple[int, int] | None:
    """(n, day n fell on) of the overdue reminder to send ``days_overdue`` days after the
    due date: day 1, then every ``repeat_days`` (0: no repeats). None when no step is
    due today."""
    if days_overdue < 1:
        return None
    if repeat_days <= 0:
        n, span = 0, LATE_FIRING_DAYS
    else:
        n, span = (days_overdue - 1) // repeat_days, min(repeat_days, LATE_FIRING_DAYS)
    start = 1 + n * max(repeat_days, 0)
    return (n, start) if days_overdue - start < span else None


def _due_day_windows(thresholds: list[int]) -> list[int]:
    """Every ``days_left`` for which some due reminder may fire."""
    if not thresholds:
        return []
    return [d for d in range(max(thresholds) + 1) if due_step(d, thresholds) is not None]


def _when(day: int) -> str:
    if day == 0:
        return "today"
    if day == 1:
        return "tomorrow"
    return f"in {day} days"


def _plural_days(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"


# --- Who ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Owners:
    """Per milestone id and letter, the people to remind."""

    people: dict[tuple[int, str], set[int]]

    def of(self, milestone_id: int, *letters: str) -> set[int]:
        found: set[int] = set()
        for letter in letters:
            found |= self.people.get((milestone_id, letter), set())
        return found


def milestone_owners(
    *, workspace: Workspace, milestone_ids: Iterable[int], letters: Iterable[str]
) -> _Owners:
    """The people behind the given letters of each milestone: active partner users of
    the organization (while it is a current member of the partnership) and the person
    named on the assignment, if they still belong to the workspace. One query on
    PostgreSQL, two elsewhere."""
    ids, wanted = list(milestone_ids), list(letters)
    if not ids:
        return _Owners({})
    if connection.vendor == "postgresql":
        return _owners_sql(workspace=workspace, milestone_ids=ids, letters=wanted)
    current = PartnershipMember.objects.for_workspace(workspace).filter(
        partnership_id=OuterRef("partnership_id"),
        organization_id=OuterRef("organization_id"),
        left_on__isnull=True,
    )
    assignments = list(
        RoleAssignment.objects.for_workspace(workspace)
        .filter(milestone_id__in=ids, raci__in=wanted)
        .filter(Exists(current))
        .order_by()
        .values_list("milestone_id", "raci", "organization_id", "person_id")
    )
    if not assignments:
        return _Owners({})
    organization_ids = {row[2] for row in assignments}
    person_ids = {row[3] for row in assignments if row[3] is not None}
    by_organization: dict[int, set[int]] = {}
    present: set[int] = set()
    for user_id, role, organization_id in (
        Membership.objects.filter(
            Q(role=Role.PARTNER, organization_id__in=organization_ids) | Q(user_id__in=person_ids),
            workspace=workspace,
            user__is_active=True,
        )
        .order_by()
        .values_list("user_id", "role", "organization_id")
    ):
        present.add(user_id)
        if role == Role.PARTNER and organization_id in organization_ids:
            by_organization.setdefault(organization_id, set()).add(user_id)
    people: dict[tuple[int, str], set[int]] = {}
    for milestone_id, letter, organization_id, person_id in assignments:
        found = people.setdefault((milestone_id, letter), set())
        found |= by_organization.get(organization_id, set())
        if person_id is not None and person_id in present:
            found.add(person_id)
    return _Owners(people)


@functools.cache
def _owners_statement() -> str:
    assignments = RoleAssignment._meta.db_table
    members = PartnershipMember._meta.db_table
    memberships = Membership._meta.db_table
    users = Membership._meta.get_field("user").related_model._meta.db_table
    return f"""
        WITH a AS MATERIALIZED (
            SELECT a.milestone_id, a.raci, a.organization_id, a.person_id
              FROM {assignments} a
             WHERE a.workspace_id = %(workspace)s AND a.milestone_id = ANY(%(ids)s::bigint[])
               AND a.raci = ANY(%(letters)s::text[])
               AND EXISTS (
                   SELECT 1 FROM {members} pm
                    WHERE pm.workspace_id = a.workspace_id
                      AND pm.partnership_id = a.partnership_id
                      AND pm.organization_id = a.organization_id AND pm.left_on IS NULL)
        )
        SELECT a.milestone_id, a.raci, m.user_id
          FROM a
          JOIN {memberships} m
            ON m.workspace_id = %(workspace)s AND m.role = %(partner)s
           AND m.organization_id = a.organization_id
          JOIN {users} u ON u.id = m.user_id AND u.is_active
        UNION ALL
        SELECT a.milestone_id, a.raci, a.person_id
          FROM a
         WHERE a.person_id IS NOT NULL AND EXISTS (
               SELECT 1 FROM {memberships} m JOIN {users} u ON u.id = m.user_id
                WHERE m.workspace_id = %(workspace)s AND m.user_id = a.person_id
                  AND u.is_active)
    """  # noqa: S608 -- table names from the models; every value is a parameter


def _owners_sql(*, workspace: Workspace, milestone_ids: list[int], letters: list[str]) -> _Owners:
    """``milestone_owners`` in one statement: the assignments (organization still a
    member), then their organizations' active partner users and the named people who are
    still active members."""
    people: dict[tuple[int, str], set[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            _owners_statement(),
            {
                "workspace": workspace.pk,
                # Array literals: the driver adapts a list element by element.
                "ids": "{" + ",".join(map(str, milestone_ids)) + "}",
                "letters": "{" + ",".join(letters) + "}",
                "partner": Role.PARTNER.value,
            },
        )
        for milestone_id, letter, user_id in cursor.fetchall():
            found = people.get((milestone_id, letter))
            if found is None:
                found = people[(milestone_id, letter)] = set()
            found.add(user_id)
    return _Owners(people)


# A milestone's want: (milestone id, letters, more recipients) -- the people behind the
# letters, and the coordinators when an overdue step escalates.
MilestoneWant = tuple[int, tuple[str, ...], tuple[int, ...]]


class MilestonePeople:
    """The recipients of the milestone rules (``partnerhub.reminders.Recipients``): all
    the rules of a transaction share one ``milestone_owners`` query (three rules each
    asking for their own batch cost three)."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.key = ("milestone people", workspace.pk)

    def resolve(self, wants: Collection[Hashable]) -> dict[Hashable, list[int]]:
        milestone_wants = cast("Collection[MilestoneWant]", wants)
        owners = milestone_owners(
            workspace=self.workspace,
            milestone_ids=sorted({want[0] for want in milestone_wants}),
            letters=sorted({letter for want in milestone_wants for letter in want[1]}),
        )
        return {
            want: sorted(owners.of(want[0], *want[1]).union(want[2])) for want in milestone_wants
        }


# --- Reading milestones ------------------------------------------------------------------


class _DaysBetween(Func):
    """``later - earlier`` of two dates, in days (PostgreSQL's date subtraction)."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()


def _zone(workspace: Workspace) -> ZoneInfo:
    return ZoneInfo(workspace.timezone or "UTC")


def _open_milestones(workspace: Workspace):  # type: ignore[no-untyped-def]
    return Milestone.objects.for_workspace(workspace).exclude(status=MilestoneStatus.DONE)


def _read(  # type: ignore[no-untyped-def]
    queryset, fields: tuple[str, ...], *, after: int, limit: int
) -> tuple[list[tuple[Any, ...]], int | None]:
    """At most ``limit`` rows (``fields``, the id first) with an id above ``after``."""
    rows = list(queryset.filter(id__gt=after).order_by("id").values_list(*fields)[:limit])
    last_key = rows[-1][0] if len(rows) == limit and rows else None
    return rows, last_key


def _paths(workspace: Workspace) -> RowLinks:
    """Milestone id -> the page where its progress is updated."""
    return RowLinks("milestone_update", workspace=workspace, ids=("pk",))


# --- The rules ---------------------------------------------------------------------------


class MilestoneDueRule:
    """A milestone not done, due in one of ``policy.milestone_due_days`` days -> its
    Responsible organizations' people. Occurrence ``due:<due date>:<days>``, so a changed
    due date fires again."""

    kind: str = ReminderKind.MILESTONE_DUE.value

    def collect(
        self,
        *,
        workspace: Workspace,
        policy: ReminderPolicy,
        now: datetime,
        today: date,
        after: int,
        limit: int,
    ) -> RuleBatch:
        thresholds = policy_days(policy.milestone_due_days, minimum=0)
        windows = _due_day_windows(thresholds)
        if not windows:
            return RuleBatch([], None, 0)
        rows, last_key = _read(
            _open_milestones(workspace).filter(
                due_date__in=[today + timedelta(days=d) for d in windows]
            ),
            DUE_FIELDS,
            after=after,
            limit=limit,
        )
        paths, day = _paths(workspace), reminder_days()

        def texts(row: tuple[Any, ...]) -> ReminderTexts:
            milestone_id, title, due_date, partnership_id, goal_title = row
            return (
                f"“{title}” is due {_when((due_date - today).days)}",
                f"Goal “{goal_title}”; due {day(due_date)}.",
                paths(milestone_id),
                partnership_id,
            )

        candidates = Candidates(
            kind=self.kind, subject_type=SUBJECT, texts=texts, recipients=MilestonePeople(workspace)
        )
        add_for = candidates.add_for
        for row in rows:
            milestone_id, due_date = row[0], row[2]
            step = due_step((due_date - today).days, thresholds)
            if step is None:
                continue
            occurrence = f"due:{due_date.isoformat()}:{step}"
            add_for((milestone_id, RESPONSIBLE, ()), milestone_id, occurrence, row)
        return RuleBatch(last_key=last_key, rows_read=len(rows), candidates=candidates)


class MilestoneOverdueRule:
    """A milestone not done whose due date has passed, with no progress update since ->
    its Responsible organizations' people on day 1 and every ``overdue_repeat_days``;
    steps from day ``overdue_escalate_days`` on also go to the Accountable organization's
    people and the coordinators. Occurrence ``overdue:<due date>:<n>``."""

    kind: str = ReminderKind.MILESTONE_OVERDUE.value

    def collect(
        self,
        *,
        workspace: Workspace,
        policy: ReminderPolicy,
        now: datetime,
        today: date,
        after: int,
        limit: int,
    ) -> RuleBatch:
        repeat = int(policy.overdue_repeat_days)
        escalate = int(policy.overdue_escalate_days)
        queryset = (
            _open_milestones(workspace)
            .filter(due_date__lt=today)
            .alias(
                # "Updated" means a progress update on a day after the due date (local).
                update_day=TruncDate("last_update_at", tzinfo=_zone(workspace)),
                days_overdue=_DaysBetween(Value(today, output_field=DateField()), F("due_date")),
            )
            .filter(Q(last_update_at__isnull=True) | Q(update_day__lte=F("due_date")))
        )
        if repeat > LATE_FIRING_DAYS and connection.vendor == "postgresql":
            # Only the days a step may fire on (the others would be read for nothing);
            # elsewhere (the embedded SQLite default) ``overdue_step`` drops them below.
            queryset = queryset.alias(into_step=Mod(F("days_overdue") - 1, Value(repeat))).filter(
                into_step__lt=LATE_FIRING_DAYS
            )
        elif repeat <= 0:
            queryset = queryset.filter(due_date__gte=today - timedelta(days=LATE_FIRING_DAYS))
        rows, last_key = _read(queryset, OVERDUE_FIELDS, after=after, limit=limit)

        steps: dict[int, tuple[int, bool]] = {}
        for milestone_id, _, due_date, _ in rows:
            step = overdue_step((today - due_date).days, repeat)
            if step is not None:
                steps[milestone_id] = (step[0], step[1] >= escalate)
        escalating = any(escalated for _, escalated in steps.values())
        coordinators = tuple(coordinator_ids(workspace=workspace)) if escalating else ()
        paths, day = _paths(workspace), reminder_days()

        def texts(item: tuple[tuple[Any, ...], bool]) -> ReminderTexts:
            (milestone_id, title, due_date, partnership_id), escalated = item
            detail = (
                f"Due {day(due_date)}, with no update since. Sent to the Responsible and "
                "Accountable organizations and the coordinators."
                if escalated
                else f"Due {day(due_date)}. Post an update or mark it done."
            )
            return (
                f"“{title}” is {_plural_days((today - due_date).days)} overdue",
                detail,
                paths(milestone_id),
                partnership_id,
            )

        candidates = Candidates(
            kind=self.kind, subject_type=SUBJECT, texts=texts, recipients=MilestonePeople(workspace)
        )
        add_for = candidates.add_for
        for row in rows:
            milestone_id = row[0]
            if milestone_id not in steps:
                continue
            n, escalated = steps[milestone_id]
            want: MilestoneWant = (
                (milestone_id, ESCALATED, coordinators)
                if escalated
                else (milestone_id, RESPONSIBLE, ())
            )
            occurrence = f"overdue:{row[2].isoformat()}:{n}"
            add_for(want, milestone_id, occurrence, (row, escalated))
        return RuleBatch(last_key=last_key, rows_read=len(rows), candidates=candidates)


class MilestoneStaleRule:
    """A milestone in progress without an update for ``stale_update_days`` (since its
    last progress update, or since it was created) -> its Responsible organizations'
    people. Occurrence ``stale:<day of the last update>``: a new update re-arms it."""

    kind: str = ReminderKind.MILESTONE_STALE.value

    def collect(
        self,
        *,
        workspace: Workspace,
        policy: ReminderPolicy,
        now: datetime,
        today: date,
        after: int,
        limit: int,
    ) -> RuleBatch:
        stale = max(int(policy.stale_update_days), 1)
        queryset = (
            Milestone.objects.for_workspace(workspace)
            .filter(status=MilestoneStatus.IN_PROGRESS)
            .alias(
                last_day=TruncDate(
                    Coalesce("last_update_at", "created_at"), tzinfo=_zone(workspace)
                )
            )
            .filter(
                last_day__lte=today - timedelta(days=stale),
                last_day__gt=today - timedelta(days=stale + LATE_FIRING_DAYS),
            )
        )
        rows, last_key = _read(queryset, STALE_FIELDS, after=after, limit=limit)
        zone = _zone(workspace)
        paths, day = _paths(workspace), reminder_days()

        def texts(item: tuple[tuple[Any, ...], date]) -> ReminderTexts:
            (milestone_id, title, partnership_id, updated, _), last_day = item
            since = (
                f"Last update on {day(last_day)}."
                if updated
                else f"No update since it was added on {day(last_day)}."
            )
            return (
                f"“{title}” has had no update for {(today - last_day).days} days",
                f"{since} Say where it stands.",
                paths(milestone_id),
                partnership_id,
            )

        candidates = Candidates(
            kind=self.kind, subject_type=SUBJECT, texts=texts, recipients=MilestonePeople(workspace)
        )
        add_for = candidates.add_for
        for row in rows:
            milestone_id, updated, created = row[0], row[3], row[4]
            last_day = (updated or created).astimezone(zone).date()
            occurrence = f"stale:{last_day.isoformat()}"
            add_for((milestone_id, RESPONSIBLE, ()), milestone_id, occurrence, (row, last_day))
        return RuleBatch(last_key=last_key, rows_read=len(rows), candidates=candidates)


MILESTONE_RULES: tuple[ReminderRule, ...] = (
    MilestoneDueRule(),
    MilestoneOverdueRule(),
    MilestoneStaleRule(),
)


def register() -> None:
    for rule in MILESTONE_RULES:
        register_reminder_rule(rule)
