"""``bench_seed``: the benchmark data set in PostgreSQL.

A tiny scale (two workspaces, a handful of rows each) is generated into the test
database: the rows satisfy the schema and Row-Level Security (the app role sees them only
with the workspace set), the app's own reads work on them, the same scale gives the same
rows, and the marker makes a second run a no-op while refusing foreign data.

Transactional: the generator connects as the owner role, commits, and vacuums.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse

import goals.services as goal_services
from bench.scale import ANCHOR_DATE, SCALES, SEED, Scale, coordinator_email, partner_email
from bench.seed import (
    SeedRefused,
    check_rls_forced,
    checkpoint,
    clear_marker,
    read_marker,
    seed_bench,
)
from bench.seed_plan import (
    UNUSABLE_PASSWORD,
    build_plan,
    measurement_chunks,
    reporting_windows,
)
from goals.models import Milestone, MilestoneStatus, SharedGoal
from impact.models import (
    Indicator,
    IndicatorReporter,
    Measurement,
    MeasurementStatus,
    ReportingPeriod,
)
from impact.periods import period_windows
from impact.progress import IndicatorStatus, indicators_progress
from partnerhub.db import owner_connection
from partnerhub.models import Membership, Role, User, Workspace
from partnerhub.tenancy import workspace_context
from partners.models import Organization, Partnership, PartnershipMember
from roles.models import RoleAssignment
from tests.factories import WorkspaceFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# 2 workspaces x 6 organizations; 4 indicators with 5 reporters each over 22 closed months.
TINY = Scale(
    name="tiny",
    workspaces=2,
    organizations=12,
    partnerships=6,
    goals=10,
    milestones=20,
    role_assignments=36,
    indicators=4,
    measurements=440,
)
TINY_OTHER = Scale(**{**TINY.__dict__, "name": "tiny-other", "milestones": 24})

TENANT_MODELS = (
    Organization,
    Partnership,
    PartnershipMember,
    SharedGoal,
    Milestone,
    RoleAssignment,
    Indicator,
    IndicatorReporter,
    ReportingPeriod,
    Measurement,
)


@pytest.fixture(autouse=True)
def _no_marker_left():  # type: ignore[no-untyped-def]
    """The marker is a comment on the (shared) test database: never leave one behind."""
    yield
    connection.close()
    with owner_connection():
        clear_marker()


def seed(scale: Scale = TINY, **kwargs):  # type: ignore[no-untyped-def]
    result = seed_bench(scale, **kwargs)
    connection.close()  # back to the application role with a fresh connection
    return result


def per_workspace_counts() -> Counter[str]:
    counts: Counter[str] = Counter()
    for workspace in Workspace.objects.order_by("pk"):
        with workspace_context(workspace):
            for model in TENANT_MODELS:
                counts[model._meta.db_table] += model.objects.count()
    return counts


def checksum() -> str:
    """A digest of every generated row's key columns, read as the application role."""
    digest = hashlib.sha256()
    queries = {
        "partnerhub_user": "SELECT id, email, password, full_name FROM partnerhub_user",
        "partnerhub_membership": "SELECT id, workspace_id, user_id, role, organization_id "
        "FROM partnerhub_membership",
        "partners_organization": "SELECT id, workspace_id, name, sector FROM partners_organization",
        "partners_partnership": "SELECT id, name, status, lead_organization_id, start_date "
        "FROM partners_partnership",
        "partners_partnershipmember": "SELECT id, partnership_id, organization_id, roles "
        "FROM partners_partnershipmember",
        "goals_sharedgoal": "SELECT id, partnership_id, title, status, status_reason, created_at "
        "FROM goals_sharedgoal",
        "goals_milestone": "SELECT id, goal_id, due_date, status, percent_complete, completed_on "
        "FROM goals_milestone",
        "roles_roleassignment": "SELECT id, milestone_id, organization_id, person_id, raci "
        "FROM roles_roleassignment",
        "impact_indicator": "SELECT id, partnership_id, goal_id, name, baseline_value, "
        "target_value FROM impact_indicator",
        "impact_indicatorreporter": "SELECT id, indicator_id, organization_id "
        "FROM impact_indicatorreporter",
        "impact_reportingperiod": "SELECT id, indicator_id, start_date, end_date "
        "FROM impact_reportingperiod",
        "impact_measurement": "SELECT id, indicator_id, period_id, organization_id, value, "
        "status, submitted_at, submitted_by_id, reviewed_at, reviewed_by_id, created_at, "
        "updated_at FROM impact_measurement",
    }
    workspaces = list(Workspace.objects.order_by("pk").values_list("pk", "slug", "name"))
    digest.update(repr(workspaces).encode())
    for workspace_id, _, _ in workspaces:
        with workspace_context(workspace_id), connection.cursor() as cursor:
            for _, sql in sorted(queries.items()):
                cursor.execute(f"{sql} ORDER BY id")
                digest.update(repr(cursor.fetchall()).encode())
    return digest.hexdigest()


# --- The rows ---------------------------------------------------------------------------


def _checkpoints_forced() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT checkpoints_req FROM pg_stat_bgwriter")
        return int(cursor.fetchone()[0])


def test_generation_ends_with_a_checkpoint_when_the_owner_may():
    """scripts/pg_roles.sql lets the owner force one (pg_checkpoint): the rows reach the
    disk before anything is measured. The application role may not, and is told so."""
    before = _checkpoints_forced()
    result = seed()
    assert "checkpoint" in result.steps
    for _ in range(50):  # the checkpointer's counters may reach the view a moment later
        if _checkpoints_forced() > before:
            break
        time.sleep(0.1)
    assert _checkpoints_forced() > before
    assert checkpoint() is False  # as the application role: nothing forced, no error


def test_generates_the_scale_under_row_level_security():
    result = seed()
    plan = build_plan(TINY)
    assert result.generated
    assert Workspace.objects.count() == 2
    assert list(Workspace.objects.order_by("pk").values_list("slug", flat=True)) == [
        "bench-00",
        "bench-01",
    ]
    # Per workspace: admin, coordinator, viewer and one partner per organization.
    assert User.objects.count() == 2 * (3 + 6) == result.counts["partnerhub_user"]
    assert not any(user.has_usable_password() for user in User.objects.all())
    assert set(User.objects.values_list("password", flat=True)) == {UNUSABLE_PASSWORD}
    roles = Counter(Membership.objects.values_list("role", flat=True))
    assert roles == {Role.PARTNER: 12, Role.ADMIN: 2, Role.COORDINATOR: 2, Role.VIEWER: 2}

    counts = per_workspace_counts()
    assert counts["partners_organization"] == TINY.organizations
    assert counts["partners_partnership"] == TINY.partnerships
    assert counts["goals_sharedgoal"] == TINY.goals
    assert counts["goals_milestone"] == TINY.milestones
    assert counts["roles_roleassignment"] == TINY.role_assignments
    assert counts["impact_indicator"] == TINY.indicators
    assert counts["impact_reportingperiod"] == TINY.indicators * 24
    assert counts["impact_indicatorreporter"] == 20
    # 4 indicators x 5 reporters x 22 closed periods, a few missing in the last two.
    assert 400 <= counts["impact_measurement"] <= 440
    for table, count in counts.items():
        assert result.counts[table] == count, table
    assert result.counts["impact_measurement"] == counts["impact_measurement"]
    assert len(plan.indicators) == TINY.indicators

    # The application role sees no tenant row without a workspace set...
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] != "partnerhub_owner"
        for model in TENANT_MODELS:
            cursor.execute(f"SELECT count(*) FROM {model._meta.db_table}")
            assert cursor.fetchone()[0] == 0, model
    # ...and RLS is still enabled and forced on every tenant table.
    check_rls_forced()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relname = ANY(%s) "
            "AND relrowsecurity AND relforcerowsecurity",
            [[model._meta.db_table for model in TENANT_MODELS]],
        )
        assert cursor.fetchone()[0] == len(TENANT_MODELS)


def test_rows_follow_the_app_rules():
    seed()
    baseline_date, target_date, windows = reporting_windows()
    closed = [window for window in windows if window[1] < ANCHOR_DATE]
    assert len(closed) == 22
    for workspace in Workspace.objects.order_by("pk"):
        with workspace_context(workspace):
            members = {
                (m.partnership_id, m.organization_id)
                for m in PartnershipMember.objects.filter(left_on__isnull=True)
            }
            # Every milestone has exactly one Accountable organization, and every letter
            # goes to a current member of the milestone's partnership.
            letters = Counter(
                RoleAssignment.objects.filter(raci="A").values_list("milestone_id", flat=True)
            )
            milestones = set(Milestone.objects.values_list("pk", flat=True))
            assert set(letters) == milestones and set(letters.values()) == {1}
            for role in RoleAssignment.objects.all():
                assert (role.partnership_id, role.organization_id) in members
            for partnership in Partnership.objects.all():
                assert (partnership.pk, partnership.lead_organization_id) in members
            # Periods are what impact.periods gives for each indicator's schedule.
            for indicator in Indicator.objects.all():
                periods = list(
                    ReportingPeriod.objects.filter(indicator=indicator)
                    .order_by("start_date")
                    .values_list("start_date", "end_date", "in_schedule", "locked")
                )
                expected = period_windows(
                    indicator.frequency, indicator.baseline_date, indicator.target_date
                )
                assert [(s, e) for s, e, _, _ in periods] == expected == windows
                assert all(in_schedule and not locked for _, _, in_schedule, locked in periods)
                reporters = set(
                    IndicatorReporter.objects.filter(indicator=indicator).values_list(
                        "organization_id", flat=True
                    )
                )
                assert all((indicator.partnership_id, org) in members for org in reporters)
            # Figures: closed periods only, by reporters, consistent with their status.
            partner_of = dict(
                Membership.objects.filter(workspace=workspace, role=Role.PARTNER).values_list(
                    "organization_id", "user_id"
                )
            )
            for figure in Measurement.objects.select_related("period"):
                assert figure.period.end_date < ANCHOR_DATE
                assert figure.version == 1
                if figure.status == MeasurementStatus.DRAFT:
                    assert figure.submitted_at is None and figure.submitted_by_id is None
                else:
                    assert figure.submitted_by_id == partner_of[figure.organization_id]
                    assert figure.submitted_at.date() > figure.period.end_date
                reviewed = figure.status in (MeasurementStatus.APPROVED, MeasurementStatus.RETURNED)
                assert (figure.reviewed_at is not None) == reviewed
                assert (figure.review_note != "") == (figure.status == MeasurementStatus.RETURNED)
                assert figure.updated_at.date() < ANCHOR_DATE
            # Missing figures only in the last two closed periods.
            for indicator in Indicator.objects.all():
                reporters = IndicatorReporter.objects.filter(indicator=indicator).count()
                per_period = Counter(
                    Measurement.objects.filter(indicator=indicator).values_list(
                        "period__start_date", flat=True
                    )
                )
                for start, _ in closed[:-2]:
                    assert per_period[start] == reporters
    assert baseline_date < windows[0][0] and target_date == windows[-1][1]


def test_the_app_reads_the_generated_data():
    seed()
    workspace = Workspace.objects.get(slug="bench-00")
    with workspace_context(workspace):
        indicator_ids = list(Indicator.objects.values_list("pk", flat=True))
        progress = indicators_progress(workspace=workspace, indicator_ids=indicator_ids)
        partnership_id = Indicator.objects.values_list("partnership_id", flat=True).first()
        milestone_titles = set(Milestone.objects.values_list("title", flat=True))
    assert set(progress) == set(indicator_ids)
    assert all(p.status != IndicatorStatus.NEEDS_DATA for p in progress.values())

    coordinator = Client()
    coordinator.force_login(User.objects.get(email=coordinator_email(0)))
    dashboard = reverse(
        "partnership_dashboard", kwargs={"workspace_slug": "bench-00", "pk": partnership_id}
    )
    response = coordinator.get(dashboard)
    assert response.status_code == 200
    assert coordinator.get(reverse("impact_portfolio", args=["bench-00"])).status_code == 200

    # The partner with the most Responsible/Accountable letters has work to do.
    with workspace_context(workspace):
        busiest = Counter(
            RoleAssignment.objects.filter(
                raci__in=["R", "A"],
                milestone__status__in=[MilestoneStatus.IN_PROGRESS, MilestoneStatus.AT_RISK],
            ).values_list("organization_id", flat=True)
        ).most_common(1)[0][0]
        position = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
    partner = Client()
    partner.force_login(User.objects.get(email=partner_email(0, position.index(busiest))))
    response = partner.get(reverse("my_work", kwargs={"workspace_slug": "bench-00"}))
    assert response.status_code == 200
    html = response.content.decode()
    assert any(title in html for title in milestone_titles)


def test_goal_statuses_are_the_rule_on_the_anchor_day(monkeypatch):
    seed()
    # goal_compute_status reads "today" through workspace_today: pin it to the anchor.
    monkeypatch.setattr(goal_services, "workspace_today", lambda workspace: ANCHOR_DATE)
    weighed = 0
    for workspace in Workspace.objects.all():
        with workspace_context(workspace):
            linked = set(Indicator.objects.values_list("goal_id", flat=True))
            for goal in SharedGoal.objects.all():
                verdict = goal_services.goal_compute_status(workspace=workspace, goal=goal)
                assert (goal.status, goal.status_reason) == (verdict.status, verdict.reason)
                weighed += goal.pk in linked
    assert weighed  # some goals also weigh their indicators' figures


def test_sequences_continue_after_the_generated_ids():
    seed()
    workspace = Workspace.objects.create(name="Bench extra", slug="bench-99")
    assert workspace.pk == 3
    with workspace_context(workspace):
        organization = Organization.objects.create(
            workspace=workspace, name="Late joiner", sector="nonprofit"
        )
    assert organization.pk == TINY.organizations + 1


# --- Determinism, marker and refusals ------------------------------------------------------


def test_same_scale_gives_the_same_rows():
    seed()
    first = checksum()
    marker = read_marker_as_owner()
    seed(force=True)
    assert checksum() == first
    assert read_marker_as_owner() == marker
    seed(TINY_OTHER)
    assert checksum() != first


def read_marker_as_owner():  # type: ignore[no-untyped-def]
    connection.close()
    with owner_connection():
        marker = read_marker()
    return marker


def test_marker_makes_a_second_run_a_no_op():
    first = seed(vacuum=False)
    marker = read_marker_as_owner()
    assert marker is not None
    assert marker["partnerhub_bench"] == 1
    assert (marker["scale"], marker["seed"]) == ("tiny", SEED)
    assert marker["counts"] == first.counts
    before = checksum()

    again = seed()
    assert not again.generated
    assert again.counts == first.counts
    assert checksum() == before

    # A different scale regenerates; --force regenerates the same one.
    assert seed(TINY_OTHER, vacuum=False).generated
    assert read_marker_as_owner()["scale"] == "tiny-other"
    assert seed(TINY_OTHER, force=True, vacuum=False).generated


def test_refuses_a_database_with_other_data():
    WorkspaceFactory(slug="real-workspace")
    with pytest.raises(SeedRefused, match="not the benchmark's"):
        seed(vacuum=False)
    assert Workspace.objects.filter(slug="real-workspace").exists()
    assert read_marker_as_owner() is None
    with pytest.raises(CommandError, match="not the benchmark's"):
        call_command("bench_seed", "--scale", "small", stdout=StringIO())


def test_refuses_foreign_accounts_even_with_force():
    User.objects.create_user("someone@example.org")
    with pytest.raises(SeedRefused, match="account"):
        seed(force=True, vacuum=False)
    assert User.objects.filter(email="someone@example.org").exists()


def test_command_generates_then_reports_the_data_present():
    out = StringIO()
    call_command("bench_seed", "--scale", "small", stdout=out)
    text = out.getvalue()
    assert "bench data generated (scale small" in text
    assert "impact_measurement" in text and "time:" in text
    small = SCALES["small"]
    assert Workspace.objects.count() == small.workspaces
    out = StringIO()
    call_command("bench_seed", "--scale", "small", stdout=out)
    assert "bench data present" in out.getvalue()


def test_a_failed_load_leaves_the_database_as_it_was(monkeypatch):
    def indexes() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = 'impact_measurement'::regclass "
                "UNION ALL SELECT indexname FROM pg_indexes WHERE tablename = 'impact_measurement' "
                "ORDER BY 1"
            )
            return [row[0] for row in cursor.fetchall()]

    before = indexes()
    assert "measurement_ws_approved" in before
    assert "impact_measurement_indicator_id_same_ws" in before

    def broken(plan):  # type: ignore[no-untyped-def]
        # Some figures go in, then the load fails halfway.
        yield next(measurement_chunks(plan, rows_per_chunk=50))
        raise RuntimeError("the figures ran out")

    monkeypatch.setattr("bench.seed.measurement_chunks", broken)
    with pytest.raises(RuntimeError, match="the figures ran out"):
        seed(vacuum=False)
    # One transaction: no row, no marker; indexes, foreign keys and forced RLS are back.
    assert not Workspace.objects.exists()
    assert not User.objects.exists()
    assert read_marker_as_owner() is None
    assert indexes() == before
    check_rls_forced()
