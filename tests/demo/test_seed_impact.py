"""The demo impact data: indicators of every kind in both workspaces, about two years of
periods, figures in every review state (and some missing), breakdowns that add up, a
history consistent with each figure, every derived status, health-check rounds with
enough respondents to compare sectors, idempotency and RLS safety."""

from __future__ import annotations

import zoneinfo
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Max, Sum
from django.test import Client
from django.utils import timezone

from demo.data import WORKSPACES
from demo.data_goals import GOALS
from demo.data_impact import (
    APPROVED,
    CORRECTED,
    FIGURE_CODES,
    HEALTH_ROUNDS,
    INDICATORS,
    REPORTING_PEOPLE,
)
from demo.data_partnerships import PARTNERSHIPS
from demo.management.commands.seed_demo import DEMO_PASSWORD
from demo.plan_impact import plan_indicator
from goals.models import GoalStatus, SharedGoal
from goals.services import goal_compute_status
from impact.models import (
    Aggregation,
    Dimension,
    DimensionCategory,
    Direction,
    Frequency,
    HealthCheckAnswer,
    HealthCheckResponse,
    HealthCheckRound,
    HealthFactor,
    Indicator,
    IndicatorReporter,
    Measurement,
    MeasurementBreakdown,
    MeasurementEvent,
    MeasurementEventKind,
    MeasurementStatus,
    ReportingPeriod,
    ResultLevel,
    ValueType,
)
from impact.periods import MONTHS_PER_PERIOD
from impact.progress import IndicatorStatus, indicators_progress
from partnerhub.models import ActivityEvent, Membership, Role, User, Workspace
from partnerhub.tenancy import workspace_context
from partners.models import PartnershipMember
from partners.services.partnerships import workspace_today
from tests.demo.seed_helpers import row_counts, run_seed

IMPACT_MODELS = (
    Indicator,
    IndicatorReporter,
    Dimension,
    DimensionCategory,
    ReportingPeriod,
    Measurement,
    MeasurementBreakdown,
    MeasurementEvent,
    HealthCheckRound,
    HealthCheckResponse,
    HealthCheckAnswer,
)
Kind = MeasurementEventKind


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def seeded(db):  # type: ignore[no-untyped-def]
    output = run_seed()
    return {w.slug: w for w in Workspace.objects.all()}, output


def impact_state() -> dict[str, object]:
    """Rows of every impact kind and their newest ``updated_at``, per workspace; the goals'
    derived status; the activity trail; users and memberships."""
    state: dict[str, object] = {
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
    }
    for workspace in Workspace.objects.order_by("slug"):
        with workspace_context(workspace):
            for model in IMPACT_MODELS:
                rows = model.objects.for_workspace(workspace)
                key = f"{model._meta.model_name}:{workspace.slug}"
                state[key] = rows.count()
                state[f"{key} updated"] = rows.aggregate(newest=Max("updated_at"))["newest"]
            state[f"goals:{workspace.slug}"] = sorted(
                SharedGoal.objects.for_workspace(workspace).values_list(
                    "pk", "status", "status_reason", "updated_at"
                )
            )
            state[f"events:{workspace.slug}"] = ActivityEvent.objects.for_workspace(
                workspace
            ).count()
            state[f"locks:{workspace.slug}"] = sorted(
                ReportingPeriod.objects.for_workspace(workspace)
                .filter(locked=True)
                .values_list("pk", "locked_at")
            )
    return state


# --- The data, without the database ------------------------------------------------------


def test_the_data_is_consistent():
    """Codes per reporter, reporters and respondents that are current members, goals that
    exist, locked periods that hold only approved figures."""
    for slug, specs in INDICATORS.items():
        partnerships = {p.name: p for p in PARTNERSHIPS[slug]}
        goal_titles = {g.title for g in GOALS.get(slug, ())}
        names = Counter((s.partnership, s.name) for s in specs)
        assert max(names.values()) == 1, names
        for spec in specs:
            current = {
                m.organization for m in partnerships[spec.partnership].members if m.left_day is None
            }
            assert set(spec.reporters) <= current, spec.name
            for row in spec.recent:
                assert len(row) == len(spec.reporters) and set(row) <= FIGURE_CODES, spec.name
            assert not spec.weights or len(spec.weights) == len(spec.reporters), spec.name
            assert spec.goal is None or spec.goal in goal_titles, spec.name
            assert all(back >= len(spec.recent) for back, _ in spec.old_missing), spec.name
            assert (spec.value_type == ValueType.CURRENCY) == bool(spec.currency), spec.name
            for dimension in spec.dimensions:
                shares = sum(share for _, share in dimension.categories)
                assert (abs(shares - 1) < 1e-9) == dimension.exhaustive, dimension.name
        people = {p.email: p.organization for p in REPORTING_PEOPLE[slug]}
        people |= {p.email: p.organization for s in WORKSPACES if s.slug == slug for p in s.people}
        for health in HEALTH_ROUNDS[slug]:
            members = {
                m.organization
                for m in partnerships[health.partnership].members
                if m.left_day is None
            }
            assert all(people[email] in members for email in health.respondents), health.title
            assert set(health.scores) == set(HealthFactor.values)


@pytest.mark.parametrize("days", [0, *range(11, 400, 23)])
def test_the_figures_tell_the_same_story_whatever_the_day(days):
    """The plan depends on the day the demo is built; each indicator ends where its spec
    says on any day, locked periods hold only approved figures, and every figure belongs
    to a period that has closed."""
    zone = zoneinfo.ZoneInfo("America/Chicago")
    today = date(2026, 11, 27) + timedelta(days=days)
    now = datetime.combine(today, time(7, 30), tzinfo=zone)
    for specs in INDICATORS.values():
        for spec in specs:
            plan = plan_indicator(spec, today=today, now=now, zone=zone)
            assert plan.status == spec.status, (today, spec.name, plan.progress)
            assert plan.baseline_date < today - timedelta(days=25) < today < plan.target_date
            for figure in plan.figures:
                assert figure.window in plan.closed
                stamps = [at for _, at in figure.events]
                assert stamps == sorted(stamps) and stamps[-1] < now, spec.name
                assert stamps[0].date() >= figure.window[1]
                if figure.window in plan.locked:
                    assert figure.code in (APPROVED, CORRECTED), spec.name
            if spec.locked:
                locked = {f.window for f in plan.figures if f.window in plan.locked}
                assert len(locked) == spec.locked


# --- What the seeder writes ---------------------------------------------------------------


def test_indicators_of_every_kind_in_each_workspace_and_every_status(seeded):
    workspaces, _ = seeded
    for slug, workspace in workspaces.items():
        today = workspace_today(workspace)
        with workspace_context(workspace):
            indicators = list(
                Indicator.objects.for_workspace(workspace).select_related("partnership", "goal")
            )
            progress = indicators_progress(
                workspace=workspace, indicator_ids=[i.pk for i in indicators]
            )
            reporters = defaultdict(set)
            for indicator_id, org_id in IndicatorReporter.objects.for_workspace(
                workspace
            ).values_list("indicator_id", "organization_id"):
                reporters[indicator_id].add(org_id)
            current = set(
                PartnershipMember.objects.for_workspace(workspace)
                .filter(left_on__isnull=True)
                .values_list("partnership_id", "organization_id")
            )
            dimensions = set(
                Dimension.objects.for_workspace(workspace).values_list("name", "exhaustive")
            )
            goals = {g.pk: g for g in SharedGoal.objects.for_workspace(workspace).order_by("pk")}
            computed = {
                pk: goal_compute_status(workspace=workspace, goal=goal)
                for pk, goal in goals.items()
            }
        specs = {s.name: s for s in INDICATORS[slug]}
        assert {i.name for i in indicators} == set(specs)
        assert {i.value_type for i in indicators} == set(ValueType.values), slug
        assert {i.frequency for i in indicators} == set(Frequency.values), slug
        assert {i.direction for i in indicators} == set(Direction.values), slug
        assert {i.result_level for i in indicators} == set(ResultLevel.values), slug
        assert {i.aggregation for i in indicators} == set(Aggregation.values), slug
        assert {p.status for p in progress.values()} == set(IndicatorStatus.values), slug
        assert ("Gender", True) in dimensions and ("District", False) in dimensions, slug
        assert any(i.goal_id for i in indicators) and any(not i.goal_id for i in indicators)
        for indicator in indicators:
            spec = specs[indicator.name]
            assert progress[indicator.pk].status == spec.status, indicator.name
            assert (indicator.currency == "USD") == (indicator.value_type == ValueType.CURRENCY)
            assert len(reporters[indicator.pk]) == len(spec.reporters), indicator.name
            assert {(indicator.partnership_id, org) for org in reporters[indicator.pk]} <= current
            assert indicator.target_date > today, indicator.name
            if spec.baseline_months == 24:  # about two years of periods behind
                window = MONTHS_PER_PERIOD[Frequency(indicator.frequency)] * 31
                assert 700 <= (today - indicator.baseline_date).days <= 731 + window
            if indicator.goal_id:
                assert indicator.goal.partnership_id == indicator.partnership_id
        # The goals weigh their indicators: the stored status is the derived one, and a
        # goal with an indicator off track is off track.
        for pk, goal in goals.items():
            assert (goal.status, goal.status_reason) == (computed[pk].status, computed[pk].reason)
            linked = [i for i in indicators if i.goal_id == pk]
            if any(progress[i.pk].status == IndicatorStatus.OFF_TRACK for i in linked):
                assert goal.status == GoalStatus.OFF_TRACK, goal.title


def test_figures_in_every_review_state_with_missing_ones_and_a_consistent_history(seeded):
    workspaces, _ = seeded
    now = timezone.now()
    for slug, workspace in workspaces.items():
        today = workspace_today(workspace)
        zone = zoneinfo.ZoneInfo(workspace.timezone)
        coordinator = Membership.objects.get(workspace=workspace, role=Role.COORDINATOR).user_id
        partner_orgs = dict(
            Membership.objects.filter(workspace=workspace, role=Role.PARTNER).values_list(
                "user_id", "organization_id"
            )
        )
        with workspace_context(workspace):
            figures = list(Measurement.objects.for_workspace(workspace).select_related("period"))
            events = defaultdict(list)
            for event in MeasurementEvent.objects.for_workspace(workspace).order_by(
                "created_at", "id"
            ):
                events[event.measurement_id].append(event)
            periods = list(ReportingPeriod.objects.for_workspace(workspace))
            reporters = defaultdict(set)
            for indicator_id, org_id in IndicatorReporter.objects.for_workspace(
                workspace
            ).values_list("indicator_id", "organization_id"):
                reporters[indicator_id].add(org_id)
        owed = {
            (p.indicator_id, p.pk, org)
            for p in periods
            if p.end_date < today and not p.locked
            for org in reporters[p.indicator_id]
        }
        statuses = Counter(f.status for f in figures)
        assert statuses[MeasurementStatus.APPROVED] > len(figures) / 2, slug
        assert statuses[MeasurementStatus.SUBMITTED] >= 3, slug
        assert statuses[MeasurementStatus.RETURNED] >= 1, slug
        assert statuses[MeasurementStatus.DRAFT] >= 1, slug
        reported = {(f.indicator_id, f.period_id, f.organization_id) for f in figures}
        missing = owed - reported
        assert missing, slug  # the missing-data board has something to chase
        ends = {p.pk: p.end_date for p in periods}
        assert any((today - ends[period]).days > 60 for _, period, _ in missing), slug
        # About two years of periods, some ahead; one or two old quarters locked.
        assert min(p.start_date for p in periods) <= today - timedelta(days=700)
        assert max(p.end_date for p in periods) > today
        locked = [p for p in periods if p.locked]
        assert 1 <= len(locked) <= 2, slug
        assert all(p.locked_by_id == coordinator and p.locked_at < now for p in locked)
        assert all((today - p.end_date).days > 365 for p in locked), slug
        for figure in figures:
            assert figure.period.end_date < today  # figures only for closed periods
            if figure.period.locked:
                assert figure.status == MeasurementStatus.APPROVED
            history = events[figure.pk]
            kinds = [e.kind for e in history]
            stamps = [e.created_at for e in history]
            assert stamps == sorted(stamps) and stamps[-1] < now
            assert timezone.localtime(stamps[0], zone).date() >= figure.period.end_date
            assert (figure.created_at, figure.updated_at) == (stamps[0], stamps[-1])
            assert figure.version == len(history)
            for event in history:
                if event.kind in (Kind.SAVED, Kind.SUBMITTED):
                    assert partner_orgs[event.actor_id] == figure.organization_id
                else:
                    assert event.actor_id == coordinator
            if figure.status == MeasurementStatus.DRAFT:
                assert kinds == [Kind.SAVED] and figure.submitted_at is None
            elif figure.status == MeasurementStatus.SUBMITTED:
                assert kinds == [Kind.SUBMITTED] and figure.reviewed_at is None
            elif figure.status == MeasurementStatus.RETURNED:
                assert kinds == [Kind.SUBMITTED, Kind.RETURNED]
                assert figure.review_note and history[-1].note == figure.review_note
            else:
                assert kinds in (
                    [Kind.SUBMITTED, Kind.APPROVED],
                    [Kind.SUBMITTED, Kind.RETURNED, Kind.SUBMITTED, Kind.APPROVED],
                )
                assert history[-1].value == figure.value
                assert figure.reviewed_by_id == coordinator
                assert figure.reviewed_at == stamps[-1]
            if figure.status != MeasurementStatus.DRAFT:
                submitted = [e for e in history if e.kind == Kind.SUBMITTED][-1]
                assert figure.submitted_by_id == submitted.actor_id
                assert figure.submitted_at == submitted.created_at
        corrected = [h for h in events.values() if len(h) == 4]
        assert corrected and all(h[0].value != h[-1].value for h in corrected), slug


def test_breakdowns_add_up_for_exhaustive_dimensions(seeded):
    workspaces, _ = seeded
    for slug, workspace in workspaces.items():
        with workspace_context(workspace):
            sums = list(
                MeasurementBreakdown.objects.for_workspace(workspace)
                .values(
                    "measurement_id",
                    "measurement__value",
                    "category__dimension_id",
                    "category__dimension__exhaustive",
                )
                .annotate(total=Sum("value"), parts=Sum(1))
            )
            expected_pairs = {
                (m, d)
                for m, d in Measurement.objects.for_workspace(workspace)
                .filter(indicator__dimensions__isnull=False)
                .values_list("pk", "indicator__dimensions")
            }
            categories = Counter(
                DimensionCategory.objects.for_workspace(workspace).values_list(
                    "dimension_id", flat=True
                )
            )
        assert sums, slug
        # Every figure of a disaggregated indicator is broken down by each dimension.
        assert {(row["measurement_id"], row["category__dimension_id"]) for row in sums} == (
            expected_pairs
        )
        for row in sums:
            assert row["parts"] == categories[row["category__dimension_id"]]
            if row["category__dimension__exhaustive"]:
                assert row["total"] == row["measurement__value"], row
            else:
                assert Decimal(0) < row["total"] <= row["measurement__value"], row


def test_health_check_rounds_with_enough_respondents_to_compare_sectors(seeded):
    workspaces, output = seeded
    for slug, workspace in workspaces.items():
        today = workspace_today(workspace)
        zone = zoneinfo.ZoneInfo(workspace.timezone)
        now = timezone.now()
        memberships = {
            m.user_id: m.organization_id
            for m in Membership.objects.filter(workspace=workspace, role=Role.PARTNER)
        }
        with workspace_context(workspace):
            rounds = list(HealthCheckRound.objects.for_workspace(workspace).order_by("opens_on"))
            responses = list(
                HealthCheckResponse.objects.for_workspace(workspace).select_related("organization")
            )
            answers = Counter(
                HealthCheckAnswer.objects.for_workspace(workspace).values_list(
                    "response_id", flat=True
                )
            )
            scores = set(
                HealthCheckAnswer.objects.for_workspace(workspace).values_list("score", flat=True)
            )
            current = set(
                PartnershipMember.objects.for_workspace(workspace)
                .filter(left_on__isnull=True)
                .values_list("partnership_id", "organization_id")
            )
        assert len(rounds) == 2 and len({r.partnership_id for r in rounds}) == 1
        closed, recent = rounds
        assert closed.closes_on < today and 150 <= (today - closed.opens_on).days <= 220
        assert (today - recent.opens_on).days <= 30
        assert scores <= {1, 2, 3, 4, 5} and len(scores) >= 4
        compared = False
        for health_round in rounds:
            mine = [r for r in responses if r.round_id == health_round.pk]
            assert len(mine) >= 3, health_round.title
            sectors = Counter(r.sector for r in mine)
            compared = compared or sum(1 for n in sectors.values() if n >= 3) >= 2
            for response in mine:
                assert answers[response.pk] == len(HealthFactor.values)
                assert response.sector == response.organization.sector
                assert memberships[response.respondent_id] == response.organization_id
                assert (health_round.partnership_id, response.organization_id) in current
                answered_on = timezone.localtime(response.created_at, zone).date()
                assert health_round.opens_on <= answered_on <= health_round.closes_on
                assert response.created_at < now
        assert compared, slug  # two sectors with three respondents each in one round
    # The demo partner user of Riverside has the open round still to answer.
    riverside = workspaces["riverside-youth"]
    partner = User.objects.get(email="partner@riverside.example")
    with workspace_context(riverside):
        open_round = HealthCheckRound.objects.for_workspace(riverside).order_by("-opens_on").first()
        assert not (
            HealthCheckResponse.objects.for_workspace(riverside)
            .filter(round=open_round, respondent=partner)
            .exists()
        )
    assert open_round is not None and open_round.closes_on >= workspace_today(riverside)
    # The reporting partner users are printed with the other logins and can log in.
    for people in REPORTING_PEOPLE.values():
        for person in people:
            line = next(line for line in output.splitlines() if person.email in line)
            assert "partner" in line and str(person.organization) in line
    client = Client()
    assert client.login(
        email=REPORTING_PEOPLE["coastal-preparedness"][0].email, password=DEMO_PASSWORD
    )


def test_running_twice_changes_nothing(db):
    first = run_seed()
    before, counts = impact_state(), row_counts()
    assert all(before.values()), before
    output = run_seed()
    assert impact_state() == before
    assert row_counts() == counts
    assert "nothing new" in output and "nothing new" not in first
    assert "figure" in first and "health check response" in first


def test_figures_changed_in_the_app_are_kept(seeded):
    workspaces, _ = seeded
    workspace = workspaces["coastal-preparedness"]
    with workspace_context(workspace):
        draft = Measurement.objects.for_workspace(workspace).filter(status="draft").first()
        assert draft is not None
        draft.value += 7
        draft.save()
        indicator = Indicator.objects.for_workspace(workspace).get(name="Shelter managers trained")
        indicator.target_value = Decimal("60")
        indicator.save()
    run_seed()
    with workspace_context(workspace):
        assert Measurement.objects.for_workspace(workspace).get(pk=draft.pk).value == draft.value
        indicator.refresh_from_db()
        assert indicator.target_value == Decimal("60")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_seeded_impact_rows_work_under_row_level_security():
    run_seed()
    tables = [model._meta.db_table for model in IMPACT_MODELS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT usesuper FROM pg_user WHERE usename = current_user")
        assert cursor.fetchone()[0] is False
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")
            assert cursor.fetchone()[0] == 0, table  # no workspace set: RLS hides every row
    for slug in INDICATORS:
        with workspace_context(Workspace.objects.get(slug=slug)), connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"SELECT count(*), count(DISTINCT workspace_id) FROM {table}")
                count, workspaces = cursor.fetchone()
                assert count > 0 and workspaces == 1, table
    before = impact_state()
    run_seed()
    assert impact_state() == before
