"""The demo goals: milestones at every status (overdue ones, ones due this week), progress
updates by the demo partner users spread over past months, a RACI matrix with exactly one
deliberate gap per partnership, comments, a partner's non-empty "My work", idempotency
and RLS safety."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from demo.data import WORKSPACES
from demo.data_goals import GOALS, MAIN_PARTNERSHIPS, PARTNER
from demo.management.commands.seed_demo import DEMO_PASSWORD
from demo.seed_goals import HISTORY_DAYS, update_days_ago
from goals.models import Comment, Milestone, MilestoneStatus, ProgressUpdate, SharedGoal
from partnerhub.access import WorkspaceAccess
from partnerhub.models import ActivityEvent, Membership, Role, Workspace
from partnerhub.tenancy import workspace_context
from partners.models import Organization, Partnership
from partners.services.partnerships import workspace_today
from roles.models import Raci, RoleAssignment
from roles.selectors import MILESTONE, my_work, raci_matrix
from roles.services import role_assign, role_remove
from tests.demo.seed_helpers import demo_partner, run_seed

GOAL_MODELS = (SharedGoal, Milestone, ProgressUpdate, Comment, RoleAssignment)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def seeded(db):  # type: ignore[no-untyped-def]
    run_seed()
    return {w.slug: w for w in Workspace.objects.all()}


def goal_counts() -> dict[str, int]:
    """Rows of every goals and roles kind, and activity events, per workspace."""
    counts: dict[str, int] = {}
    for workspace in Workspace.objects.order_by("slug"):
        with workspace_context(workspace):
            for model in (*GOAL_MODELS, ActivityEvent):
                key = f"{model._meta.model_name}:{workspace.slug}"
                counts[key] = model.objects.for_workspace(workspace).count()
            versions = Milestone.objects.for_workspace(workspace).values_list("version", flat=True)
            counts[f"milestone versions:{workspace.slug}"] = sum(versions)
    return counts


def partner_access(workspace: Workspace) -> WorkspaceAccess:
    membership = demo_partner(workspace)
    return WorkspaceAccess(workspace=workspace, role=Role.PARTNER, membership=membership)


def test_every_goal_milestone_update_and_comment_of_the_data_is_seeded(seeded):
    for slug, specs in GOALS.items():
        workspace = seeded[slug]
        with workspace_context(workspace):
            partnership = Partnership.objects.for_workspace(workspace).get(
                name=MAIN_PARTNERSHIPS[slug]
            )
            goals = SharedGoal.objects.for_workspace(workspace)
            assert set(goals.values_list("partnership_id", flat=True)) == {partnership.pk}
            assert sorted(goals.values_list("title", flat=True)) == sorted(s.title for s in specs)
            for goal in goals:
                assert goal.sdgs and goal.target_date and goal.description
            milestones = [m for s in specs for m in s.milestones]
            assert Milestone.objects.for_workspace(workspace).count() == len(milestones)
            assert ProgressUpdate.objects.for_workspace(workspace).count() == sum(
                len(m.updates) for m in milestones
            )
            assert Comment.objects.for_workspace(workspace).count() == sum(
                len(m.comments) for m in milestones
            )
            letters = sum(len(s.roles.by_organization()) for s in specs) + sum(
                len(m.roles.by_organization()) for m in milestones
            )
            assert RoleAssignment.objects.for_workspace(workspace).count() == letters
            assert (
                Comment.objects.for_workspace(workspace)
                .filter(progress_update__isnull=False)
                .exists()
            )


def test_milestones_at_every_status_some_overdue_some_due_this_week(seeded):
    for slug in GOALS:
        workspace = seeded[slug]
        today = workspace_today(workspace)
        with workspace_context(workspace):
            milestones = list(Milestone.objects.for_workspace(workspace))
        assert {m.status for m in milestones} == set(MilestoneStatus.values), slug
        open_ones = [m for m in milestones if m.status != MilestoneStatus.DONE]
        assert any(m.due_date < today for m in open_ones), slug  # overdue
        assert any(today <= m.due_date <= today + timedelta(days=6) for m in open_ones), slug
        for m in milestones:  # the services kept done and 100 % together
            assert (m.status == MilestoneStatus.DONE) == (m.percent_complete == 100), m.title
            assert (m.completed_on is not None) == (m.status == MilestoneStatus.DONE), m.title


def test_updates_are_posted_by_the_partner_user_and_the_coordinator(seeded):
    for slug in GOALS:
        workspace = seeded[slug]
        partner = demo_partner(workspace)
        coordinator = Membership.objects.get(workspace=workspace, role=Role.COORDINATOR)
        expected = Counter(u.by for g in GOALS[slug] for m in g.milestones for u in m.updates)
        with workspace_context(workspace):
            updates = list(ProgressUpdate.objects.for_workspace(workspace))
            responsible = set(
                RoleAssignment.objects.for_workspace(workspace)
                .filter(
                    organization_id=partner.organization_id,
                    raci__in=[Raci.RESPONSIBLE, Raci.ACCOUNTABLE],
                    milestone__isnull=False,
                )
                .values_list("milestone_id", flat=True)
            )
            events = ActivityEvent.objects.for_workspace(workspace).filter(
                object_type="goals.progressupdate"
            )
            event_actors = Counter(events.values_list("actor_user_id", flat=True))
        by_partner = [u for u in updates if u.author_id == partner.user_id]
        assert len(by_partner) == expected[PARTNER] > 0
        for update in by_partner:
            assert update.organization_id == partner.organization_id
            assert update.milestone_id in responsible
        by_coordinator = [u for u in updates if u.author_id == coordinator.user_id]
        assert len(by_coordinator) == len(updates) - len(by_partner)
        assert all(u.organization_id is None for u in by_coordinator)
        assert any(u.blockers for u in updates)
        # Each update is in the activity trail under the person who posted it.
        assert event_actors == Counter(u.author_id for u in updates)


def test_the_matrix_has_exactly_the_deliberate_gap(seeded):
    for slug in GOALS:
        workspace = seeded[slug]
        with workspace_context(workspace):
            partnership = Partnership.objects.for_workspace(workspace).get(
                name=MAIN_PARTNERSHIPS[slug]
            )
            matrix = raci_matrix(workspace=workspace, partnership=partnership)
        gap_titles = [
            m.title for g in GOALS[slug] for m in g.milestones if m.roles.accountable is None
        ]
        assert len(gap_titles) == 1
        assert len(matrix.gaps.without_accountable) == 1
        kind, item_id = matrix.gaps.without_accountable[0]
        row = matrix.row(kind, item_id)
        assert kind == MILESTONE and row is not None and row.item.title == gap_titles[0]
        assert row.gaps == ["No Accountable"]
        assert matrix.gaps.without_responsible == []
        assert matrix.gaps.members_without_role == []
        assert matrix.gaps.concentration is None
        assert matrix.gaps.count == 1
        assert len(matrix.gap_messages) == 1 and gap_titles[0] in matrix.gap_messages[0]


def test_the_partners_my_work_has_overdue_and_due_soon_work(seeded):
    for slug in GOALS:
        workspace = seeded[slug]
        today = workspace_today(workspace)
        with workspace_context(workspace):
            work = my_work(workspace=workspace, access=partner_access(workspace), today=today)
        assert work.scope == "organization"
        assert len(work.milestones) >= 3, slug
        assert work.milestones[0].is_overdue
        assert any(today <= m.due_date <= today + timedelta(days=6) for m in work.milestones)
        assert {m.my_letter for m in work.milestones} == {"R", "A"}


def test_the_partner_sees_my_work_and_posts_from_it(seeded):
    spec = next(s for s in WORKSPACES if s.slug == "riverside-youth")
    email = next(p.email for p in spec.people if p.role == Role.PARTNER)
    client = Client()
    assert client.login(email=email, password=DEMO_PASSWORD)
    response = client.get(reverse("my_work", kwargs={"workspace_slug": spec.slug}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Financial coaching for every participant of the spring cohort" in page
    assert "Launch a youth savings account with no minimum balance" in page
    assert "overdue by" in page
    assert "Post an update" in page
    # Work of other organizations is not on it.
    assert "Free transit passes for every participant" not in page


def timestamps() -> dict[str, dict[int, tuple[datetime, datetime]]]:
    """(created_at, updated_at) of every update and comment, and each milestone's
    last_update_at, per workspace."""
    stamps: dict[str, dict[int, tuple[datetime, datetime]]] = {}
    for workspace in Workspace.objects.order_by("slug"):
        with workspace_context(workspace):
            for model in (ProgressUpdate, Comment):
                rows = model.objects.for_workspace(workspace).values_list(
                    "pk", "created_at", "updated_at"
                )
                stamps[f"{model._meta.model_name}:{workspace.slug}"] = {
                    pk: (created, updated) for pk, created, updated in rows
                }
            milestones = Milestone.objects.for_workspace(workspace).values_list(
                "pk", "last_update_at", "updated_at"
            )
            stamps[f"milestone:{workspace.slug}"] = {
                pk: (last, updated) for pk, last, updated in milestones
            }
    return stamps


def test_updates_and_comments_are_spread_over_past_months(seeded):
    now = timezone.now()
    for slug, specs in GOALS.items():
        workspace = seeded[slug]
        with workspace_context(workspace):
            updates = list(
                ProgressUpdate.objects.for_workspace(workspace).select_related("milestone")
            )
            comments = list(
                Comment.objects.for_workspace(workspace).select_related("progress_update")
            )
            update_events = ActivityEvent.objects.for_workspace(workspace).filter(
                object_type="goals.progressupdate"
            )
            event_times = list(update_events.values_list("created_at", flat=True))
        stamps = [u.created_at for u in updates]
        assert max(stamps) - min(stamps) > timedelta(days=60), slug
        assert min(stamps) >= now - timedelta(days=HISTORY_DAYS + 1), slug
        assert all(u.updated_at == u.created_at for u in updates)
        for comment in comments:
            assert comment.updated_at == comment.created_at < now
            if comment.progress_update is not None:  # after the update it answers
                assert comment.created_at > comment.progress_update.created_at
        # Newer than any back-dated row: the trail keeps the real time of the seeding.
        assert min(event_times) > max(stamps)
        assert min(event_times) > max(c.created_at for c in comments)
        by_milestone: dict[str, list[ProgressUpdate]] = {}
        for update in sorted(updates, key=lambda u: u.pk):  # in the order they were posted
            by_milestone.setdefault(update.milestone.title, []).append(update)
        for spec in (m for g in specs for m in g.milestones if m.updates):
            posted = by_milestone[spec.title]
            assert [u.narrative for u in posted] == [u.narrative for u in spec.updates]
            times = [u.created_at for u in posted]
            assert times == sorted(times) and len(set(times)) == len(times), spec.title
            assert all(t < now - timedelta(days=1) for t in times), spec.title
            # The milestone's last update is its newest one.
            assert posted[-1].milestone.last_update_at == times[-1], spec.title
            comment_times = [
                c.created_at for c in comments if c.milestone_id == posted[0].milestone_id
            ]
            assert comment_times == sorted(comment_times), spec.title


def test_update_days_ago():
    assert update_days_ago(due_day=-12, count=2) == [57, 15]  # a few days before it was due
    assert update_days_ago(due_day=4, count=2) == [44, 2]  # not due yet: recently
    assert update_days_ago(due_day=-150, count=2) == [120, 100]  # within four months
    assert update_days_ago(due_day=-5, count=1) == [8]
    assert update_days_ago(due_day=0, count=0) == []
    many = update_days_ago(due_day=-90, count=5)
    assert many == sorted(many, reverse=True) and many[0] <= HISTORY_DAYS


def test_running_twice_creates_nothing_new(db):
    run_seed()
    before = goal_counts()
    stamps = timestamps()
    assert all(before.values()), before
    output = run_seed()
    assert goal_counts() == before
    assert timestamps() == stamps  # nothing moved back in time twice
    assert "nothing new" in output


def test_roles_changed_in_the_app_are_kept(seeded):
    """A rerun gives no letter back that the coordinator took away, and adds no second
    Accountable where the coordinator chose another one."""
    workspace = seeded["coastal-preparedness"]
    coordinator = Membership.objects.get(workspace=workspace, role=Role.COORDINATOR).user
    with workspace_context(workspace):
        milestone = Milestone.objects.for_workspace(workspace).get(
            title="Storm-surge risk maps for each town"
        )
        roles = RoleAssignment.objects.for_workspace(workspace).filter(milestone=milestone)
        accountable = roles.get(raci=Raci.ACCOUNTABLE)
        role_remove(workspace=workspace, actor=coordinator, assignment=accountable)
        city = Organization.objects.for_workspace(workspace).get(name="City of Port Alder")
        role_assign(
            workspace=workspace,
            actor=coordinator,
            milestone=milestone,
            organization=city,
            raci=Raci.ACCOUNTABLE,
        )
        before = dict(roles.values_list("organization__name", "raci"))
    run_seed()
    with workspace_context(workspace):
        after = dict(roles.values_list("organization__name", "raci"))
    assert after == before
    assert after["City of Port Alder"] == Raci.ACCOUNTABLE
    assert "Bay County Emergency Management Agency" not in after


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_seeded_goals_work_under_row_level_security():
    run_seed()
    tables = [model._meta.db_table for model in GOAL_MODELS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT usesuper FROM pg_user WHERE usename = current_user")
        assert cursor.fetchone()[0] is False
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")
            assert cursor.fetchone()[0] == 0, table  # no workspace set: RLS hides every row
    for slug in GOALS:
        workspace = Workspace.objects.get(slug=slug)
        with workspace_context(workspace), connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"SELECT count(*), count(DISTINCT workspace_id) FROM {table}")
                count, workspaces = cursor.fetchone()
                assert count > 0 and workspaces == 1, table
    before, stamps = goal_counts(), timestamps()
    for slug in GOALS:  # back-dated under RLS too
        with workspace_context(Workspace.objects.get(slug=slug)), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT max(created_at) - min(created_at) FROM {ProgressUpdate._meta.db_table}"
            )
            assert cursor.fetchone()[0] > timedelta(days=60), slug
    run_seed()
    assert goal_counts() == before
    assert timestamps() == stamps


def test_the_goal_pages_render_the_demo_data(seeded):
    """The coordinator's pages over the seeded goals: all of them answer, the matrix
    flags the gap, the activity names the partner's update."""
    for spec in WORKSPACES:
        workspace = seeded[spec.slug]
        email = next(p.email for p in spec.people if p.role == Role.COORDINATOR)
        client = Client()
        assert client.login(email=email, password=DEMO_PASSWORD)
        with workspace_context(workspace):
            partnership = Partnership.objects.for_workspace(workspace).get(
                name=MAIN_PARTNERSHIPS[spec.slug]
            )
            goal_ids = list(
                SharedGoal.objects.for_workspace(workspace).values_list("pk", flat=True)
            )
            milestone_ids = list(
                Milestone.objects.for_workspace(workspace).values_list("pk", flat=True)
            )
            gap = next(
                m.title for g in GOALS[spec.slug] for m in g.milestones if not m.roles.accountable
            )
            updated = (
                ProgressUpdate.objects.for_workspace(workspace)
                .filter(organization__isnull=False)
                .values_list("milestone__title", flat=True)
                .first()
            )
        slug = {"workspace_slug": spec.slug}
        pages = [
            reverse("my_work", kwargs=slug),
            reverse("workspace_activity", kwargs=slug),
            reverse("goal_list", kwargs={**slug, "pk": partnership.pk}),
            *(reverse("goal_detail", kwargs={**slug, "pk": pk}) for pk in goal_ids),
            *(reverse("milestone_detail", kwargs={**slug, "pk": pk}) for pk in milestone_ids),
        ]
        for url in pages:
            assert client.get(url).status_code == 200, url
        matrix = client.get(reverse("raci_matrix", kwargs={**slug, "pk": partnership.pk}))
        assert matrix.status_code == 200
        assert f"“{gap}” has no Accountable organization." in matrix.content.decode()
        activity = client.get(
            reverse("partnership_activity", kwargs={**slug, "pk": partnership.pk})
        )
        assert activity.status_code == 200
        assert updated and f"Update on {updated}" in activity.content.decode()
