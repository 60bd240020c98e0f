"""The milestone reminder rules (due soon, overdue, no update), run through the engine's
sweep with the clock set by ``now``: each fires on its day and not the day before, once
(a second sweep creates nothing), to the people the RACI matrix names (Responsible, the
named person, Accountable and coordinators on escalation; never other organizations or
inactive users), stops when the milestone is done or updated, follows the workspace's
policy and time zone, reads in keyset batches and costs a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from goals.models import Milestone, MilestoneStatus
from goals.services import milestone_update
from goals.services_updates import progress_update_post
from partnerhub.models import (
    Reminder,
    ReminderKind,
    ReminderPolicy,
    Role,
    User,
)
from partnerhub.reminders import reminder_policy, reminders_sweep_workspace
from partnerhub.tenancy import workspace_context
from partners.models import Organization, Partnership, PartnershipMember
from partners.services.partnerships import partnership_member_remove
from roles.models import Raci
from roles.reminders import (
    MilestoneDueRule,
    MilestoneOverdueRule,
    MilestoneStaleRule,
    due_step,
    overdue_step,
)
from roles.services import role_assign
from tests.conftest import Cast
from tests.factories import MembershipFactory, UserFactory
from tests.goals.helpers import access_of
from tests.roles.helpers import add_member, make_goal, make_milestone, make_partnership

pytestmark = pytest.mark.django_db

DUE = date(2026, 6, 20)
DUE_KIND = ReminderKind.MILESTONE_DUE.value
OVERDUE_KIND = ReminderKind.MILESTONE_OVERDUE.value
STALE_KIND = ReminderKind.MILESTONE_STALE.value


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def sweep(cast: Cast, day: date, hour: int = 10) -> int:
    """Run the engine's sweep at ``hour`` UTC of ``day``; answers how many were created."""
    stats, _ = reminders_sweep_workspace(workspace=cast.workspace, now=at(day, hour))
    return stats.created


def sent(cast: Cast, kind: str) -> list[tuple[int, str]]:
    """(recipient id, occurrence) of the reminders of ``kind``, sorted."""
    with workspace_context(cast.workspace):
        return sorted(
            Reminder.objects.for_workspace(cast.workspace)
            .filter(kind=kind)
            .values_list("recipient_id", "occurrence")
        )


def person(cast: Cast, organization: Organization | None, role: str = Role.PARTNER, **kw) -> User:  # type: ignore[no-untyped-def]
    user = UserFactory(**kw)
    MembershipFactory(user=user, workspace=cast.workspace, role=role, organization=organization)
    return user


def assign(cast: Cast, milestone: Milestone, organization: Organization, raci: str, **kw) -> None:  # type: ignore[no-untyped-def]
    with workspace_context(cast.workspace):
        role_assign(
            workspace=cast.workspace,
            actor=cast.coordinator,
            milestone=milestone,
            organization=organization,
            raci=raci,
            **kw,
        )


def edit(cast: Cast, milestone: Milestone, **values) -> None:  # type: ignore[no-untyped-def]
    with workspace_context(cast.workspace):
        current = Milestone.objects.get(pk=milestone.pk)
        milestone_update(
            workspace=cast.workspace, actor=cast.coordinator, milestone=current, **values
        )


def set_policy(cast: Cast, **values) -> None:  # type: ignore[no-untyped-def]
    with workspace_context(cast.workspace):
        ReminderPolicy.objects.update_or_create(workspace=cast.workspace, defaults=values)


@dataclass
class World:
    cast: Cast
    partnership: Partnership
    milestone: Milestone
    responsible: Organization  # the cast's organization; cast.partner is its partner user
    accountable: Organization
    responsible_too: User  # a second partner user of the Responsible organization
    accountable_partner: User
    consulted_partner: User
    inactive: User  # a deactivated partner user of the Responsible organization


def build(cast: Cast, *, due: date = DUE, title: str = "Stock the shelters") -> World:
    """A partnership with three member organizations: R (the cast's), A and C."""
    partnership = make_partnership(cast, name=f"Shelter partnership {cast.workspace.slug}")
    add_member(cast, partnership, cast.other_organization)
    consulted = add_member(cast, partnership)
    milestone = make_milestone(cast, make_goal(cast, partnership), title=title, due=due)
    assign(cast, milestone, cast.organization, Raci.RESPONSIBLE)
    assign(cast, milestone, cast.other_organization, Raci.ACCOUNTABLE)
    assign(cast, milestone, consulted, Raci.CONSULTED)
    return World(
        cast=cast,
        partnership=partnership,
        milestone=milestone,
        responsible=cast.organization,
        accountable=cast.other_organization,
        responsible_too=person(cast, cast.organization),
        accountable_partner=person(cast, cast.other_organization),
        consulted_partner=person(cast, consulted),
        inactive=person(cast, cast.organization, is_active=False),
    )


@pytest.fixture
def world(cast_a: Cast) -> World:
    return build(cast_a)


def r_people(w: World) -> list[int]:
    return sorted([w.cast.partner.pk, w.responsible_too.pk])


# --- The steps (pure) --------------------------------------------------------------------------


def test_due_step_picks_the_threshold_of_the_window_and_not_before_or_long_after():
    assert due_step(8, [7, 1]) is None
    assert [due_step(d, [7, 1]) for d in (7, 6, 2, 1, 0)] == [7, 7, 7, 1, 1]
    assert due_step(-1, [7, 1]) is None
    assert due_step(22, [30]) is None  # 8 days after the 30-day reminder's day: too late
    assert due_step(24, [30]) == 30


def test_overdue_steps_fall_on_day_1_then_every_repeat():
    assert overdue_step(0, 7) is None
    assert [overdue_step(d, 7) for d in (1, 7, 8, 14, 15)] == [
        (0, 1),
        (0, 1),
        (1, 8),
        (1, 8),
        (2, 15),
    ]
    # A long repeat: a step fires within the late-firing window of its day only.
    assert overdue_step(8, 30) is None and overdue_step(31, 30) == (1, 31)
    # No repeats: day 1 only.
    assert overdue_step(1, 0) == (0, 1) and overdue_step(9, 0) is None


# --- Due soon ----------------------------------------------------------------------------------


def test_due_in_7_and_in_1_day_reaches_the_responsible_organization_once(world):
    cast, m = world.cast, world.milestone
    assert sweep(cast, DUE - timedelta(days=8)) == 0
    assert sent(cast, DUE_KIND) == []

    sweep(cast, DUE - timedelta(days=7))
    seven = [(pk, "due:2026-06-20:7") for pk in r_people(world)]
    assert sent(cast, DUE_KIND) == seven
    assert sweep(cast, DUE - timedelta(days=7), hour=18) == 0  # the second sweep: nothing
    assert sweep(cast, DUE - timedelta(days=6)) == 0  # the day after: nothing new

    sweep(cast, DUE - timedelta(days=1))
    assert sent(cast, DUE_KIND) == sorted(
        seven + [(pk, "due:2026-06-20:1") for pk in r_people(world)]
    )

    with workspace_context(cast.workspace):
        reminder = Reminder.objects.for_workspace(cast.workspace).get(
            kind=DUE_KIND, recipient=cast.partner, occurrence="due:2026-06-20:7"
        )
        tomorrow = Reminder.objects.for_workspace(cast.workspace).get(
            kind=DUE_KIND, recipient=cast.partner, occurrence="due:2026-06-20:1"
        )
    assert reminder.title == "“Stock the shelters” is due in 7 days"
    assert tomorrow.title == "“Stock the shelters” is due tomorrow"
    assert reminder.path == reverse(
        "milestone_update", kwargs={"workspace_slug": cast.workspace.slug, "pk": m.pk}
    )
    assert reminder.partnership_id == world.partnership.pk
    assert reminder.subject_type == "milestone" and reminder.subject_id == m.pk
    assert "Goal “Clean river”" in reminder.detail


def test_due_reminders_skip_accountable_consulted_coordinators_and_inactive_users(world):
    cast = world.cast
    sweep(cast, DUE - timedelta(days=7))
    recipients = {pk for pk, _ in sent(cast, DUE_KIND)}
    for outsider in (
        world.accountable_partner,
        world.consulted_partner,
        world.inactive,
        cast.coordinator,
        cast.admin,
        cast.viewer,
    ):
        assert outsider.pk not in recipients


def test_the_named_person_is_reminded_even_without_the_partner_role(cast_a):
    w = build(cast_a)
    named = person(cast_a, cast_a.organization, role=Role.VIEWER)
    unnamed = person(cast_a, cast_a.organization, role=Role.VIEWER)
    assign(cast_a, w.milestone, cast_a.organization, Raci.RESPONSIBLE, person=named)
    sweep(cast_a, DUE - timedelta(days=7))
    recipients = {pk for pk, _ in sent(cast_a, DUE_KIND)}
    assert named.pk in recipients and unnamed.pk not in recipients
    assert set(r_people(w)) <= recipients


def test_a_responsible_organization_that_left_the_partnership_is_not_reminded(world):
    cast = world.cast
    with workspace_context(cast.workspace):
        member = PartnershipMember.objects.for_workspace(cast.workspace).get(
            partnership=world.partnership, organization=world.responsible, left_on__isnull=True
        )
        partnership_member_remove(workspace=cast.workspace, actor=cast.coordinator, member=member)
    sweep(cast, DUE - timedelta(days=7))
    assert sent(cast, DUE_KIND) == []


def test_a_changed_due_date_fires_again_and_a_done_milestone_never(world):
    cast = world.cast
    sweep(cast, DUE - timedelta(days=7))
    new_due = DUE + timedelta(days=3)
    edit(
        cast,
        world.milestone,
        due_date=new_due,
    )
    sweep(cast, new_due - timedelta(days=7))
    occurrences = {occurrence for _, occurrence in sent(cast, DUE_KIND)}
    assert occurrences == {"due:2026-06-20:7", "due:2026-06-23:7"}

    edit(
        cast,
        world.milestone,
        status=MilestoneStatus.DONE,
        percent_complete=100,
    )
    assert sweep(cast, new_due - timedelta(days=1)) == 0


def test_a_missed_due_day_is_caught_up_with_the_real_count(world):
    """The sweep first runs 5 days before (workers were down): the 7-day step still
    fires, saying 5 days; the 1-day step follows on its day."""
    cast = world.cast
    sweep(cast, DUE - timedelta(days=5))
    with workspace_context(cast.workspace):
        titles = set(
            Reminder.objects.for_workspace(cast.workspace)
            .filter(kind=DUE_KIND)
            .values_list("occurrence", "title")
        )
    assert titles == {("due:2026-06-20:7", "“Stock the shelters” is due in 5 days")}
    assert sweep(cast, DUE - timedelta(days=2)) == 0
    sweep(cast, DUE - timedelta(days=1))
    assert {o for _, o in sent(cast, DUE_KIND)} == {"due:2026-06-20:7", "due:2026-06-20:1"}


def test_policy_due_days_and_disabled_kinds_are_respected(world):
    cast = world.cast
    set_policy(cast, milestone_due_days=[3])
    sweep(cast, DUE - timedelta(days=7))
    assert sent(cast, DUE_KIND) == []
    sweep(cast, DUE - timedelta(days=3))
    assert {o for _, o in sent(cast, DUE_KIND)} == {"due:2026-06-20:3"}

    set_policy(
        cast,
        milestone_due_days=[3, 1],
        enabled_kinds=[k for k in ReminderKind.values if k != DUE_KIND],
    )
    sweep(cast, DUE - timedelta(days=1))
    assert {o for _, o in sent(cast, DUE_KIND)} == {"due:2026-06-20:3"}


def test_the_workspace_time_zone_decides_which_day_it_is(cast_a, cast_b):
    """At 12:00 UTC on 13 June it is already 14 June (00:00) in Auckland but still
    13 June (05:00) in Los Angeles: only Auckland's milestone is 7 days away."""
    for cast, zone in ((cast_a, "Pacific/Auckland"), (cast_b, "America/Los_Angeles")):
        cast.workspace.timezone = zone
        cast.workspace.save(update_fields=["timezone"])
    due = date(2026, 6, 21)
    auckland, los_angeles = build(cast_a, due=due), build(cast_b, due=due)

    before_midnight = at(date(2026, 6, 13), 11, 59)
    midnight = at(date(2026, 6, 13), 12, 0)
    for world in (auckland, los_angeles):
        reminders_sweep_workspace(workspace=world.cast.workspace, now=before_midnight)
    assert sent(cast_a, DUE_KIND) == [] and sent(cast_b, DUE_KIND) == []
    for world in (auckland, los_angeles):
        reminders_sweep_workspace(workspace=world.cast.workspace, now=midnight)
    assert {o for _, o in sent(cast_a, DUE_KIND)} == {"due:2026-06-21:7"}
    assert sent(cast_b, DUE_KIND) == []
    # Los Angeles reaches 14 June at 07:00 UTC the next day.
    reminders_sweep_workspace(workspace=cast_b.workspace, now=at(date(2026, 6, 14), 7, 0))
    assert {o for _, o in sent(cast_b, DUE_KIND)} == {"due:2026-06-21:7"}
    # Nothing crosses workspaces.
    assert {pk for pk, _ in sent(cast_a, DUE_KIND)} == set(r_people(auckland))


# --- Overdue -----------------------------------------------------------------------------------


def test_overdue_fires_on_day_1_and_every_7_days_then_escalates(world):
    cast = world.cast
    assert sweep(cast, DUE) >= 0
    assert sent(cast, OVERDUE_KIND) == []  # due today is not overdue

    sweep(cast, DUE + timedelta(days=1))
    step0 = [(pk, "overdue:2026-06-20:0") for pk in r_people(world)]
    assert sent(cast, OVERDUE_KIND) == step0
    assert sweep(cast, DUE + timedelta(days=1), hour=20) == 0
    for day in range(2, 8):
        sweep(cast, DUE + timedelta(days=day))
    assert sent(cast, OVERDUE_KIND) == step0

    sweep(cast, DUE + timedelta(days=8))
    step1 = [(pk, "overdue:2026-06-20:1") for pk in r_people(world)]
    assert sent(cast, OVERDUE_KIND) == sorted(step0 + step1)

    sweep(cast, DUE + timedelta(days=15))  # the first step on or after day 14 escalates
    escalated = sorted([*r_people(world), world.accountable_partner.pk, cast.coordinator.pk])
    step2 = [(pk, "overdue:2026-06-20:2") for pk in escalated]
    assert sent(cast, OVERDUE_KIND) == sorted(step0 + step1 + step2)
    assert cast.admin.pk not in escalated  # coordinators, not admins, when there are some

    with workspace_context(cast.workspace):
        reminder = Reminder.objects.for_workspace(cast.workspace).get(
            kind=OVERDUE_KIND, recipient=cast.coordinator
        )
    assert reminder.title == "“Stock the shelters” is 15 days overdue"
    assert "Accountable" in reminder.detail


def test_escalation_goes_to_admins_when_the_workspace_has_no_coordinator(world):
    cast = world.cast
    cast.coordinator.is_active = False
    cast.coordinator.save(update_fields=["is_active"])
    sweep(cast, DUE + timedelta(days=15))
    recipients = {pk for pk, _ in sent(cast, OVERDUE_KIND)}
    assert cast.admin.pk in recipients and cast.coordinator.pk not in recipients


def test_a_progress_update_after_the_due_date_stops_the_repeats(world):
    cast = world.cast
    sweep(cast, DUE + timedelta(days=1))
    with (
        time_machine.travel(at(DUE + timedelta(days=3)), tick=False),
        workspace_context(cast.workspace),
    ):
        progress_update_post(
            workspace=cast.workspace,
            actor=cast.partner,
            access=access_of(cast, "partner"),
            milestone=world.milestone,
            expected_version=Milestone.objects.get(pk=world.milestone.pk).version,
            status=MilestoneStatus.IN_PROGRESS,
            percent_complete=80,
            narrative="Two of three shelters stocked.",
        )
    for day in (8, 15, 22):
        sweep(cast, DUE + timedelta(days=day))
    assert {o for _, o in sent(cast, OVERDUE_KIND)} == {"overdue:2026-06-20:0"}


def test_an_update_on_the_due_date_itself_does_not_stop_them(world):
    cast = world.cast
    with workspace_context(cast.workspace):
        Milestone.objects.filter(pk=world.milestone.pk).update(last_update_at=at(DUE, 9))
    sweep(cast, DUE + timedelta(days=1))
    assert {o for _, o in sent(cast, OVERDUE_KIND)} == {"overdue:2026-06-20:0"}


def test_done_stops_overdue_reminders(world):
    cast = world.cast
    sweep(cast, DUE + timedelta(days=1))
    edit(
        cast,
        world.milestone,
        status=MilestoneStatus.DONE,
        percent_complete=100,
    )
    sweep(cast, DUE + timedelta(days=8))
    assert {o for _, o in sent(cast, OVERDUE_KIND)} == {"overdue:2026-06-20:0"}


def test_overdue_policy_repeat_and_escalation_days(world):
    cast = world.cast
    set_policy(cast, overdue_repeat_days=3, overdue_escalate_days=4)
    for day in range(1, 5):
        sweep(cast, DUE + timedelta(days=day))
    assert {o for _, o in sent(cast, OVERDUE_KIND)} == {
        "overdue:2026-06-20:0",
        "overdue:2026-06-20:1",
    }
    assert cast.coordinator.pk in {pk for pk, o in sent(cast, OVERDUE_KIND) if o.endswith(":1")}


# --- No update -----------------------------------------------------------------------------------


def test_an_in_progress_milestone_without_updates_for_30_days(cast_a):
    created = at(date(2026, 3, 2), 9)
    with time_machine.travel(created, tick=False):
        w = build(cast_a, due=date(2026, 12, 31))
    sweep(cast_a, date(2026, 3, 31))  # 29 days
    assert sent(cast_a, STALE_KIND) == []
    sweep(cast_a, date(2026, 4, 1))  # 30 days
    first = [(pk, "stale:2026-03-02") for pk in r_people(w)]
    assert sent(cast_a, STALE_KIND) == first
    assert sweep(cast_a, date(2026, 4, 2)) == 0
    with workspace_context(cast_a.workspace):
        reminder = Reminder.objects.for_workspace(cast_a.workspace).filter(kind=STALE_KIND)[0]
    assert reminder.title == "“Stock the shelters” has had no update for 30 days"
    assert "No update since it was added on 2 Mar 2026" in reminder.detail

    # An update re-arms it: 30 days after the update, again.
    with (
        time_machine.travel(at(date(2026, 4, 5)), tick=False),
        workspace_context(cast_a.workspace),
    ):
        progress_update_post(
            workspace=cast_a.workspace,
            actor=cast_a.partner,
            access=access_of(cast_a, "partner"),
            milestone=w.milestone,
            expected_version=Milestone.objects.get(pk=w.milestone.pk).version,
            status=MilestoneStatus.IN_PROGRESS,
            percent_complete=60,
            narrative="Halfway.",
        )
    sweep(cast_a, date(2026, 5, 4))
    assert sent(cast_a, STALE_KIND) == first
    sweep(cast_a, date(2026, 5, 5))
    again = [(pk, "stale:2026-04-05") for pk in r_people(w)]
    assert sent(cast_a, STALE_KIND) == sorted(first + again)


def test_only_in_progress_milestones_go_stale(cast_a):
    with time_machine.travel(at(date(2026, 3, 2), 9), tick=False):
        w = build(cast_a, due=date(2026, 12, 31))
        with workspace_context(cast_a.workspace):
            Milestone.objects.filter(pk=w.milestone.pk).update(status=MilestoneStatus.BLOCKED)
    sweep(cast_a, date(2026, 4, 1))
    assert sent(cast_a, STALE_KIND) == []


def test_stale_days_follow_the_policy(cast_a):
    with time_machine.travel(at(date(2026, 3, 2), 9), tick=False):
        build(cast_a, due=date(2026, 12, 31))
    set_policy(cast_a, stale_update_days=10)
    sweep(cast_a, date(2026, 3, 11))
    assert sent(cast_a, STALE_KIND) == []
    sweep(cast_a, date(2026, 3, 12))
    assert {o for _, o in sent(cast_a, STALE_KIND)} == {"stale:2026-03-02"}


# --- Batches and queries -----------------------------------------------------------------------


def collect_all(rule, cast: Cast, today: date, limit: int):  # type: ignore[no-untyped-def]
    specs, batches, after = [], [], 0
    with workspace_context(cast.workspace):
        policy = reminder_policy(workspace=cast.workspace)
        while True:
            batch = rule.collect(
                workspace=cast.workspace,
                policy=policy,
                now=at(today),
                today=today,
                after=after,
                limit=limit,
            )
            specs += batch.specs
            batches.append((batch.rows_read, batch.last_key))
            if batch.last_key is None:
                return specs, batches
            after = batch.last_key


def five_milestones(cast: Cast) -> World:
    w = build(cast)
    goal = w.milestone.goal
    for index in range(4):
        milestone = make_milestone(cast, goal, title=f"Step {index}", due=DUE)
        assign(cast, milestone, cast.organization, Raci.RESPONSIBLE)
        assign(cast, milestone, cast.other_organization, Raci.ACCOUNTABLE)
    return w


@pytest.mark.parametrize(
    ("rule", "day"),
    [
        (MilestoneDueRule(), DUE - timedelta(days=7)),
        (MilestoneOverdueRule(), DUE + timedelta(days=15)),
    ],
)
def test_keyset_batches_give_the_same_specs_as_one_batch(cast_a, rule, day):
    five_milestones(cast_a)
    whole, batches = collect_all(rule, cast_a, day, limit=1000)
    assert batches == [(5, None)]
    in_twos, batches = collect_all(rule, cast_a, day, limit=2)
    assert [rows for rows, _ in batches] == [2, 2, 1]
    assert batches[-1][1] is None and all(key is not None for _, key in batches[:-1])
    assert in_twos == whole and len(whole) >= 10


def test_stale_rule_reads_in_batches_too(cast_a):
    with time_machine.travel(at(date(2026, 3, 2), 9), tick=False):
        five_milestones(cast_a)
    whole, _ = collect_all(MilestoneStaleRule(), cast_a, date(2026, 4, 1), limit=1000)
    in_twos, batches = collect_all(MilestoneStaleRule(), cast_a, date(2026, 4, 1), limit=2)
    assert in_twos == whole and len(whole) == 10 and len(batches) == 3


def count_queries(rule, cast: Cast, day: date) -> int:  # type: ignore[no-untyped-def]
    """Queries of one batch alone: the rule's, then its recipients' (which the engine
    asks once per transaction for every milestone rule: see the next test)."""
    with workspace_context(cast.workspace):
        policy = reminder_policy(workspace=cast.workspace)
        with CaptureQueriesContext(connection) as queries:
            batch = rule.collect(
                workspace=cast.workspace, policy=policy, now=at(day), today=day, after=0, limit=100
            )
            assert batch.specs
    return len(queries)


@pytest.mark.parametrize(
    ("rule", "day", "expected"),
    [
        # milestones, their R assignments with their people (on PostgreSQL one statement,
        # elsewhere the assignments, then the organizations' people)
        (MilestoneDueRule(), DUE - timedelta(days=7), 2),
        # milestones, R and A assignments with their people, the coordinators
        (MilestoneOverdueRule(), DUE + timedelta(days=15), 3),
    ],
)
def test_a_batch_costs_a_constant_number_of_queries(cast_a, cast_b, rule, day, expected):
    build(cast_a)
    five_milestones(cast_b)
    if connection.vendor != "postgresql":
        expected += 1
    assert count_queries(rule, cast_a, day) == expected
    assert count_queries(rule, cast_b, day) == expected


def test_the_milestone_rules_of_a_sweep_share_one_query_for_their_people(cast_a):
    """Due, overdue (escalated) and stale milestones in one transaction: the people
    behind their letters come from one query for the three rules (each rule asking for
    its own batch cost one query each), and each rule reminds the same people as when
    it runs alone."""
    day = DUE - timedelta(days=7)
    w = build(cast_a)
    goal = w.milestone.goal
    with time_machine.travel(at(day - timedelta(days=35), 9), tick=False):
        stale = make_milestone(cast_a, goal, title="Stale one", due=DUE + timedelta(days=90))
    overdue = make_milestone(cast_a, goal, title="Late one", due=day - timedelta(days=16))
    for milestone in (stale, overdue):
        assign(cast_a, milestone, cast_a.organization, Raci.RESPONSIBLE)
        assign(cast_a, milestone, cast_a.other_organization, Raci.ACCOUNTABLE)
    with workspace_context(cast_a.workspace):
        Milestone.objects.filter(pk=stale.pk).update(status=MilestoneStatus.IN_PROGRESS)
    alone = {
        rule.kind: sorted(
            (s.recipient_id, s.occurrence) for s in collect_all(rule, cast_a, day, 1000)[0]
        )
        for rule in (MilestoneDueRule(), MilestoneOverdueRule(), MilestoneStaleRule())
    }
    assert all(alone.values())
    assert len(alone[OVERDUE_KIND]) > len(r_people(w))  # escalated beyond Responsible

    with CaptureQueriesContext(connection) as queries:
        reminders_sweep_workspace(workspace=cast_a.workspace, now=at(day))
    assert len([q for q in queries if "roles_roleassignment" in q["sql"]]) == 1
    assert {kind: sent(cast_a, kind) for kind in alone} == alone
