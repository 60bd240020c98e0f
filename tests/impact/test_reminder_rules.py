"""The figure and health-check reminder rules, run through the engine's sweep with the
clock set by ``now``: missing figures (day 1 after the close, then 7 and 14 days, the
coordinators from 14; the same definition as the missing-data board), returned figures
(their submitter), figures waiting for review (coordinators, daily per partnership) and
health checks (people who have not answered, 3 days before the close). Each fires on its
day and not the day before, once, to the right people, stops when the figure is
submitted or the person answered, follows the policy and the workspace's time zone,
reads in keyset batches and costs a fixed number of queries per batch."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from impact.models import (
    HealthCheckResponse,
    Indicator,
    Measurement,
    MeasurementStatus,
    ReportingPeriod,
)
from impact.reminders import (
    FigureMissingRule,
    FigureReturnedRule,
    FiguresWaitingRule,
    HealthCheckRule,
    missing_step,
)
from impact.selectors_missing import missing_board
from partnerhub.models import Reminder, ReminderKind, ReminderPolicy, Role, User
from partnerhub.reminders import reminder_policy, reminders_sweep_workspace
from partnerhub.tenancy import workspace_context
from partners.models import Organization, PartnershipMember
from tests.conftest import Cast
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.impact.helpers import (
    make_health_round,
    make_indicator,
    make_measurement,
    make_partnership,
)

pytestmark = pytest.mark.django_db

CLOSED = date(2026, 3, 31)  # the end of the first quarter of 2026
MISSING = ReminderKind.FIGURE_MISSING.value
RETURNED = ReminderKind.FIGURE_RETURNED.value
WAITING = ReminderKind.FIGURES_WAITING.value
HEALTH = ReminderKind.HEALTH_CHECK.value


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def after_close(days: int) -> date:
    return CLOSED + timedelta(days=days)


def sweep(cast: Cast, day: date, hour: int = 10) -> int:
    stats, _ = reminders_sweep_workspace(workspace=cast.workspace, now=at(day, hour))
    return stats.created


def sent(cast: Cast, kind: str) -> list[tuple[int, str]]:
    with workspace_context(cast.workspace):
        return sorted(
            Reminder.objects.for_workspace(cast.workspace)
            .filter(kind=kind)
            .values_list("recipient_id", "occurrence")
        )


def reminder(cast: Cast, kind: str, recipient: User, **filters) -> Reminder:  # type: ignore[no-untyped-def]
    with workspace_context(cast.workspace):
        return Reminder.objects.for_workspace(cast.workspace).get(
            kind=kind, recipient=recipient, **filters
        )


def person(cast: Cast, organization: Organization | None, role: str = Role.PARTNER, **kw) -> User:  # type: ignore[no-untyped-def]
    user = UserFactory(**kw)
    MembershipFactory(user=user, workspace=cast.workspace, role=role, organization=organization)
    return user


def set_policy(cast: Cast, **values) -> None:  # type: ignore[no-untyped-def]
    with workspace_context(cast.workspace):
        ReminderPolicy.objects.update_or_create(workspace=cast.workspace, defaults=values)


def q1_period(indicator: Indicator) -> ReportingPeriod:
    return ReportingPeriod.objects.get(indicator=indicator, end_date=CLOSED)


def report_path(cast: Cast, indicator: Indicator, period: ReportingPeriod) -> str:
    return reverse(
        "measurement_report",
        kwargs={
            "workspace_slug": cast.workspace.slug,
            "indicator_pk": indicator.pk,
            "period_pk": period.pk,
        },
    )


# --- Missing figures ---------------------------------------------------------------------------


class Figures:
    """A quarterly indicator reported by the cast's organization and a second one, each
    with a partner user besides the cast's partner; an inactive partner user; and a
    partner of an organization that does not report."""

    def __init__(self, cast: Cast, name: str = "People sheltered") -> None:
        self.cast = cast
        with workspace_context(cast.workspace):
            self.second = OrganizationFactory(workspace=cast.workspace, name=f"Second {name}")
            self.partnership = make_partnership(cast, members=[cast.organization, self.second])
            self.indicator = make_indicator(
                cast,
                partnership=self.partnership,
                reporters=[cast.organization, self.second],
                name=name,
            )
            self.period = q1_period(self.indicator)
            self.bystander_org = OrganizationFactory(workspace=cast.workspace)
        self.second_partner = person(cast, self.second)
        self.inactive = person(cast, cast.organization, is_active=False)
        self.bystander = person(cast, self.bystander_org)

    def occurrence(self, organization: Organization, step: int) -> str:
        return f"missing:{self.period.pk}:{organization.pk}:{step}"

    def partners(self, step: int) -> list[tuple[int, str]]:
        return sorted(
            [
                (self.cast.partner.pk, self.occurrence(self.cast.organization, step)),
                (self.second_partner.pk, self.occurrence(self.second, step)),
            ]
        )


@pytest.fixture
def figures(cast_a: Cast) -> Figures:
    return Figures(cast_a)


def test_missing_steps_are_day_1_then_7_and_14():
    assert [missing_step(d, [7, 14]) for d in (0, 1, 6, 7, 13, 14, 20, 21)] == [
        None,
        1,
        1,
        7,
        7,
        14,
        14,
        None,
    ]
    assert missing_step(3, []) == 1 and missing_step(8, []) is None


def test_a_missing_figure_reminds_the_reporting_organizations_then_the_coordinators(figures):
    cast = figures.cast
    assert sweep(cast, CLOSED) == 0  # the period's last day: not closed yet
    assert sent(cast, MISSING) == []

    sweep(cast, after_close(1))
    assert sent(cast, MISSING) == figures.partners(1)  # only this quarter: older ones are long past
    assert sweep(cast, after_close(1), hour=21) == 0
    for days in range(2, 7):
        sweep(cast, after_close(days))
    assert sent(cast, MISSING) == figures.partners(1)

    sweep(cast, after_close(7))
    assert sent(cast, MISSING) == sorted(figures.partners(1) + figures.partners(7))

    sweep(cast, after_close(14))
    coordinators = [
        (cast.coordinator.pk, figures.occurrence(org, 14))
        for org in (cast.organization, figures.second)
    ]
    assert sent(cast, MISSING) == sorted(
        figures.partners(1) + figures.partners(7) + figures.partners(14) + coordinators
    )
    everyone = {pk for pk, _ in sent(cast, MISSING)}
    for outsider in (figures.inactive, figures.bystander, cast.admin, cast.viewer):
        assert outsider.pk not in everyone

    path = report_path(cast, figures.indicator, figures.period)
    mine = reminder(
        cast, MISSING, cast.partner, occurrence=figures.occurrence(cast.organization, 1)
    )
    assert mine.path == path
    assert mine.title == "Your figure for “People sheltered”, 1 Jan 2026 to 31 Mar 2026, is missing"
    assert mine.partnership_id == figures.partnership.pk
    assert mine.subject_type == "period" and mine.subject_id == figures.period.pk
    theirs = reminder(
        cast, MISSING, cast.coordinator, occurrence=figures.occurrence(figures.second, 14)
    )
    assert theirs.path == f"{path}?organization={figures.second.pk}"
    assert theirs.title.startswith(f"{figures.second.name} has not submitted “People sheltered”")


def test_a_submitted_figure_stops_the_reminders_and_a_draft_does_not(figures):
    cast = figures.cast
    sweep(cast, after_close(1))
    with workspace_context(cast.workspace):
        make_measurement(
            cast,
            indicator=figures.indicator,
            period=figures.period,
            value=5,
            status=MeasurementStatus.SUBMITTED,
        )
        make_measurement(
            cast,
            indicator=figures.indicator,
            period=figures.period,
            value=5,
            status=MeasurementStatus.DRAFT,
            organization=figures.second,
        )
    sweep(cast, after_close(7))
    assert sent(cast, MISSING) == sorted(
        [*figures.partners(1), (figures.second_partner.pk, figures.occurrence(figures.second, 7))]
    )


def test_a_locked_period_is_not_reminded(figures):
    cast = figures.cast
    with workspace_context(cast.workspace):
        ReportingPeriod.objects.filter(pk=figures.period.pk).update(locked=True)
    sweep(cast, after_close(1))
    assert sent(cast, MISSING) == []


def test_reminders_and_the_missing_data_board_agree(figures):
    cast = figures.cast
    with workspace_context(cast.workspace):
        make_measurement(
            cast,
            indicator=figures.indicator,
            period=figures.period,
            value=5,
            status=MeasurementStatus.RETURNED,
            organization=figures.second,
        )
        make_measurement(
            cast,
            indicator=figures.indicator,
            period=figures.period,
            value=5,
            status=MeasurementStatus.APPROVED,
        )
    day = after_close(1)
    sweep(cast, day)
    with workspace_context(cast.workspace):
        board = missing_board(workspace=cast.workspace, today=day)
    owed_now = {
        (row.period_id, row.organization_id) for row in board.rows if row.period_end == CLOSED
    }
    assert owed_now == {(figures.period.pk, figures.second.pk)}
    assert sent(cast, MISSING) == [
        (figures.second_partner.pk, figures.occurrence(figures.second, 1))
    ]


def test_missing_policy_days_escalation_and_disabled_kind(figures):
    cast = figures.cast
    set_policy(cast, missing_repeat_days=[3], missing_escalate_days=3)
    sweep(cast, after_close(2))  # day 1's step, caught up on day 2
    assert sent(cast, MISSING) == figures.partners(1)
    sweep(cast, after_close(3))
    coordinators = [
        (cast.coordinator.pk, figures.occurrence(org, 3))
        for org in (cast.organization, figures.second)
    ]
    assert sent(cast, MISSING) == sorted(figures.partners(1) + figures.partners(3) + coordinators)

    set_policy(cast, enabled_kinds=[k for k in ReminderKind.values if k != MISSING])
    with workspace_context(cast.workspace):
        Reminder.objects.for_workspace(cast.workspace).filter(kind=MISSING).delete()
    sweep(cast, after_close(3))
    assert sent(cast, MISSING) == []


def test_the_workspace_time_zone_decides_when_a_period_has_closed(cast_a, cast_b):
    """At 12:00 UTC on 31 March it is already 1 April (01:00) in Auckland but still
    31 March (05:00) in Los Angeles."""
    for cast, zone in ((cast_a, "Pacific/Auckland"), (cast_b, "America/Los_Angeles")):
        cast.workspace.timezone = zone
        cast.workspace.save(update_fields=["timezone"])
    auckland, los_angeles = Figures(cast_a), Figures(cast_b)
    for world in (auckland, los_angeles):
        reminders_sweep_workspace(workspace=world.cast.workspace, now=at(CLOSED, 10, 59))
    assert sent(cast_a, MISSING) == [] and sent(cast_b, MISSING) == []
    for world in (auckland, los_angeles):
        reminders_sweep_workspace(workspace=world.cast.workspace, now=at(CLOSED, 11, 0))
    assert sent(cast_a, MISSING) == auckland.partners(1)
    assert sent(cast_b, MISSING) == []
    reminders_sweep_workspace(workspace=cast_b.workspace, now=at(after_close(1), 7, 0))
    assert sent(cast_b, MISSING) == los_angeles.partners(1)


# --- Returned figures --------------------------------------------------------------------------


def test_a_returned_figure_reminds_its_submitter_once_per_return(figures):
    cast = figures.cast
    with workspace_context(cast.workspace):
        figure = make_measurement(
            cast,
            indicator=figures.indicator,
            period=figures.period,
            value=5,
            status=MeasurementStatus.RETURNED,
            note="",
            organization=cast.organization,
        )
        Measurement.objects.filter(pk=figure.pk).update(review_note="Add the\nsource, please.")
    sweep(cast, after_close(20))
    assert sent(cast, RETURNED) == [(cast.partner.pk, "returned:1")]
    assert sweep(cast, after_close(21)) == 0
    mine = reminder(cast, RETURNED, cast.partner)
    assert mine.title == (
        "Your figure for “People sheltered”, 1 Jan 2026 to 31 Mar 2026, was returned for changes"
    )
    assert mine.detail == "Reviewer's note: Add the source, please."
    path = report_path(cast, figures.indicator, figures.period)
    assert mine.path == f"{path}?organization={cast.organization.pk}"
    assert mine.subject_type == "figure" and mine.subject_id == figure.pk

    # Resubmitted: nothing; returned again (a new version): once more.
    with workspace_context(cast.workspace):
        Measurement.objects.filter(pk=figure.pk).update(
            status=MeasurementStatus.SUBMITTED, version=2
        )
    sweep(cast, after_close(22))
    assert sent(cast, RETURNED) == [(cast.partner.pk, "returned:1")]
    with workspace_context(cast.workspace):
        Measurement.objects.filter(pk=figure.pk).update(
            status=MeasurementStatus.RETURNED, version=3
        )
    sweep(cast, after_close(23))
    assert sent(cast, RETURNED) == [
        (cast.partner.pk, "returned:1"),
        (cast.partner.pk, "returned:3"),
    ]


def test_returned_figures_of_inactive_submitters_or_locked_periods_are_skipped(figures):
    cast = figures.cast
    with workspace_context(cast.workspace):
        make_measurement(
            cast,
            indicator=figures.indicator,
            period=figures.period,
            value=5,
            status=MeasurementStatus.RETURNED,
        )
        Measurement.objects.filter(indicator=figures.indicator).update(
            submitted_by=figures.inactive
        )
    sweep(cast, after_close(20))
    assert sent(cast, RETURNED) == []
    with workspace_context(cast.workspace):
        Measurement.objects.filter(indicator=figures.indicator).update(submitted_by=cast.partner)
        ReportingPeriod.objects.filter(pk=figures.period.pk).update(locked=True)
    sweep(cast, after_close(20))
    assert sent(cast, RETURNED) == []


# --- Figures waiting for review ----------------------------------------------------------------


def test_figures_waiting_remind_the_coordinators_daily_per_partnership(figures):
    cast = figures.cast
    with workspace_context(cast.workspace):
        for organization in (cast.organization, figures.second):
            make_measurement(
                cast,
                indicator=figures.indicator,
                period=figures.period,
                value=5,
                status=MeasurementStatus.SUBMITTED,
                organization=organization,
            )
    day = after_close(20)
    sweep(cast, day)
    assert sent(cast, WAITING) == [(cast.coordinator.pk, "waiting:2026-04-20")]
    assert sweep(cast, day, hour=20) == 0
    mine = reminder(cast, WAITING, cast.coordinator)
    queue = reverse("measurement_review_queue", kwargs={"workspace_slug": cast.workspace.slug})
    assert mine.path == f"{queue}?partnership={figures.partnership.pk}"
    assert mine.title == f"2 figures of “{figures.partnership.name}” are waiting for review"
    assert mine.subject_type == "partnership" and mine.subject_id == figures.partnership.pk

    sweep(cast, day + timedelta(days=1))
    assert [o for _, o in sent(cast, WAITING)] == ["waiting:2026-04-20", "waiting:2026-04-21"]

    with workspace_context(cast.workspace):
        Measurement.objects.filter(indicator=figures.indicator).update(
            status=MeasurementStatus.APPROVED
        )
    sweep(cast, day + timedelta(days=2))
    assert len(sent(cast, WAITING)) == 2


def test_figures_waiting_go_to_admins_when_there_is_no_coordinator(figures):
    cast = figures.cast
    cast.coordinator.memberships.filter(workspace=cast.workspace).update(role=Role.VIEWER)
    with workspace_context(cast.workspace):
        make_measurement(
            cast,
            indicator=figures.indicator,
            period=figures.period,
            value=5,
            status=MeasurementStatus.SUBMITTED,
        )
    sweep(cast, after_close(20))
    assert sent(cast, WAITING) == [(cast.admin.pk, "waiting:2026-04-20")]


# --- Health check -----------------------------------------------------------------------------


OPENS, CLOSES = date(2026, 4, 1), date(2026, 4, 20)


class Health:
    def __init__(self, cast: Cast) -> None:
        self.cast = cast
        with workspace_context(cast.workspace):
            self.member = OrganizationFactory(workspace=cast.workspace)
            self.former = OrganizationFactory(workspace=cast.workspace)
            self.partnership = make_partnership(
                cast, members=[cast.organization, self.member, self.former]
            )
            PartnershipMember.objects.filter(
                partnership=self.partnership, organization=self.former
            ).update(left_on=date(2026, 2, 1))
            self.round = make_health_round(
                cast,
                partnership=self.partnership,
                title="Spring check",
                opens_on=OPENS,
                closes_on=CLOSES,
            )
        self.member_partner = person(cast, self.member)
        self.answered = person(cast, self.member)
        self.member_viewer = person(cast, self.member, role=Role.VIEWER)
        self.former_partner = person(cast, self.former)
        self.inactive = person(cast, cast.organization, is_active=False)
        with workspace_context(cast.workspace):
            HealthCheckResponse.objects.create(
                workspace=cast.workspace,
                round=self.round,
                respondent=self.answered,
                organization=self.member,
                sector=self.member.sector,
            )

    def expected(self) -> list[tuple[int, str]]:
        occurrence = f"health:{self.round.pk}"
        return sorted([(self.cast.partner.pk, occurrence), (self.member_partner.pk, occurrence)])


@pytest.fixture
def health(cast_a: Cast) -> Health:
    return Health(cast_a)


def test_health_check_reminds_who_has_not_answered_3_days_before_the_close(health):
    cast = health.cast
    sweep(cast, CLOSES - timedelta(days=4))
    assert sent(cast, HEALTH) == []
    sweep(cast, CLOSES - timedelta(days=3))
    assert sent(cast, HEALTH) == health.expected()
    assert sweep(cast, CLOSES - timedelta(days=3), hour=20) == 0
    for days in (2, 1, 0):
        sweep(cast, CLOSES - timedelta(days=days))
    assert sent(cast, HEALTH) == health.expected()
    mine = reminder(cast, HEALTH, cast.partner)
    assert mine.title == "The health check “Spring check” closes in 3 days"
    assert mine.path == reverse(
        "health_round_answer",
        kwargs={"workspace_slug": cast.workspace.slug, "pk": health.round.pk},
    )
    assert mine.partnership_id == health.partnership.pk
    assert f"Answer for {cast.organization.name}" in mine.detail


def test_health_check_first_seen_on_its_last_days_still_reminds_and_a_closed_one_not(cast_a):
    health = Health(cast_a)
    sweep(cast_a, CLOSES + timedelta(days=1))
    assert sent(cast_a, HEALTH) == []
    sweep(cast_a, CLOSES)
    assert sent(cast_a, HEALTH) == health.expected()
    assert reminder(cast_a, HEALTH, cast_a.partner).title == (
        "The health check “Spring check” closes today"
    )


def test_health_check_policy_days_and_answers_given_before(health):
    cast = health.cast
    set_policy(cast, health_check_days_before_close=5)
    with workspace_context(cast.workspace):
        HealthCheckResponse.objects.create(
            workspace=cast.workspace,
            round=health.round,
            respondent=cast.partner,
            organization=cast.organization,
            sector=cast.organization.sector,
        )
    sweep(cast, CLOSES - timedelta(days=6))
    assert sent(cast, HEALTH) == []
    sweep(cast, CLOSES - timedelta(days=5))
    assert sent(cast, HEALTH) == [(health.member_partner.pk, f"health:{health.round.pk}")]


def test_health_check_in_two_time_zones(cast_a, cast_b):
    for cast, zone in ((cast_a, "Pacific/Auckland"), (cast_b, "America/Los_Angeles")):
        cast.workspace.timezone = zone
        cast.workspace.save(update_fields=["timezone"])
    auckland, los_angeles = Health(cast_a), Health(cast_b)
    # 16 April 12:00 UTC: 17 April 00:00 in Auckland (3 days to go), 16 April in LA.
    for world in (auckland, los_angeles):
        reminders_sweep_workspace(workspace=world.cast.workspace, now=at(date(2026, 4, 16), 12))
    assert sent(cast_a, HEALTH) == auckland.expected()
    assert sent(cast_b, HEALTH) == []


# --- Batches and queries ---------------------------------------------------------------------


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
            batches.append(batch)
            if batch.last_key is None:
                return specs, batches
            after = batch.last_key


def subjects(cast: Cast, rule, count: int) -> date:  # type: ignore[no-untyped-def]
    """``count`` subjects of the rule (periods, figures, partnerships or rounds); answers
    the day on which all of them fire."""
    if isinstance(rule, HealthCheckRule):
        for _ in range(count):
            Health(cast)
        return CLOSES - timedelta(days=3)
    figures = [Figures(cast, name=f"Indicator {index}") for index in range(count)]
    if isinstance(rule, FigureMissingRule):
        return after_close(14)
    status = (
        MeasurementStatus.RETURNED
        if isinstance(rule, FigureReturnedRule)
        else MeasurementStatus.SUBMITTED
    )
    # One returned figure per subject; two waiting figures per partnership.
    reporting = [cast.organization] if status == MeasurementStatus.RETURNED else None
    with workspace_context(cast.workspace):
        for world in figures:
            for organization in reporting or [cast.organization, world.second]:
                make_measurement(
                    cast,
                    indicator=world.indicator,
                    period=world.period,
                    value=1,
                    status=status,
                    organization=organization,
                )
    return after_close(20)


RULES = [FigureMissingRule(), FigureReturnedRule(), FiguresWaitingRule(), HealthCheckRule()]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.kind)
def test_keyset_batches_of_two_give_the_same_specs_as_one_batch(cast_a, rule):
    day = subjects(cast_a, rule, 5)
    whole, batches = collect_all(rule, cast_a, day, limit=1000)
    assert len(batches) == 1 and batches[0].last_key is None and whole
    in_twos, batches = collect_all(rule, cast_a, day, limit=2)
    assert in_twos == whole
    assert [b.last_key is None for b in batches] == [False, False, True]


def count_queries(rule, cast: Cast, day: date) -> int:  # type: ignore[no-untyped-def]
    with workspace_context(cast.workspace):
        policy = reminder_policy(workspace=cast.workspace)
        with CaptureQueriesContext(connection) as queries:
            batch = rule.collect(
                workspace=cast.workspace, policy=policy, now=at(day), today=day, after=0, limit=100
            )
    assert batch.specs
    return len(queries)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        # whether a period closed on a step day, the owed (period, organization) pairs,
        # the organizations' people, coordinators
        (FigureMissingRule(), 4),
        # the returned figures, their submitters' memberships
        (FigureReturnedRule(), 2),
        # the partnerships with waiting figures, the coordinators
        (FiguresWaitingRule(), 2),
        # the rounds, the people of their member organizations, who answered
        (HealthCheckRule(), 3),
    ],
    ids=lambda value: getattr(value, "kind", str(value)),
)
def test_a_batch_costs_a_constant_number_of_queries(cast_a, cast_b, rule, expected):
    day = subjects(cast_a, rule, 1)
    assert subjects(cast_b, rule, 5) == day
    assert count_queries(rule, cast_a, day) == expected
    assert count_queries(rule, cast_b, day) == expected


def test_missing_figures_cost_one_query_on_a_day_no_period_closed_on_a_step(cast_a):
    """Past the last step (and its late days) no period is owed a reminder: the rule
    looks at the periods alone and skips the owed figures' statement."""
    day = subjects(cast_a, FigureMissingRule(), 2)
    quiet_day = day + timedelta(days=30)
    with workspace_context(cast_a.workspace):
        policy = reminder_policy(workspace=cast_a.workspace)
        with CaptureQueriesContext(connection) as queries:
            batch = FigureMissingRule().collect(
                workspace=cast_a.workspace,
                policy=policy,
                now=at(quiet_day),
                today=quiet_day,
                after=0,
                limit=100,
            )
    assert (batch.specs, batch.rows_read, batch.last_key) == ([], 0, None)
    assert len(queries) == 1
