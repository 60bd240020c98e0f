"""Services of goals, milestones, progress updates and comments: rules, permissions,
optimistic concurrency and the activity events they record."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from goals import hooks
from goals.models import GoalStatus, Milestone, MilestoneStatus, ProgressUpdate, SharedGoal
from goals.selectors import milestone_get, milestone_list
from goals.services import (
    MilestoneConflict,
    goal_delete,
    goal_refresh_status,
    goal_update,
    milestone_delete,
    milestone_update,
)
from goals.services_updates import comment_post, progress_update_post
from partnerhub.models import ActivityEvent, ApiKeyScope, Role
from partnerhub.services.api_keys import api_key_create
from tests.goals.helpers import access_of, key_access, make_goal, make_milestone, make_partnership

pytestmark = pytest.mark.django_db


def _events(workspace, object_type: str) -> list[ActivityEvent]:  # type: ignore[no-untyped-def]
    return list(
        ActivityEvent.objects.filter(workspace=workspace, object_type=object_type).order_by("id")
    )


def _post(cast, milestone, role: str = "coordinator", **values):  # type: ignore[no-untyped-def]
    values.setdefault("expected_version", milestone.version)
    values.setdefault("status", MilestoneStatus.IN_PROGRESS)
    values.setdefault("percent_complete", 30)
    values.setdefault("narrative", "Workshops held in two districts.")
    return progress_update_post(
        workspace=cast.workspace,
        actor=cast.user(role),
        access=access_of(cast, role),
        milestone=milestone,
        **values,
    )


# --- Goals --------------------------------------------------------------------------------


def test_goal_create_update_delete_record_events(cast_a, tenant):
    with tenant(cast_a.workspace):
        goal = make_goal(cast_a, sdgs=[4, 4, 17], target_date=timezone.localdate())
        assert goal.sdgs == [4, 17]
        assert goal.status == GoalStatus.NOT_STARTED
        goal_update(workspace=cast_a.workspace, actor=cast_a.admin, goal=goal, title="Literacy")
        goal_id, partnership_id = goal.pk, goal.partnership_id
        goal_delete(workspace=cast_a.workspace, actor=cast_a.admin, goal=goal)
        events = _events(cast_a.workspace, "goals.sharedgoal")
        assert not SharedGoal.objects.filter(pk=goal_id).exists()
    assert [e.action for e in events] == ["create", "update", "delete"]
    assert all(e.object_id == goal_id and e.partnership_id == partnership_id for e in events)
    assert events[0].actor_user == cast_a.coordinator
    assert events[1].changes["title"][1] == "Literacy"
    assert events[2].actor_user == cast_a.admin


def test_goal_refuses_bad_input(cast_a, tenant):
    with tenant(cast_a.workspace), pytest.raises(ValidationError) as exc:
        make_goal(cast_a, title="  ", sdgs=[18])
    assert set(exc.value.message_dict) == {"title", "sdgs"}


def test_goal_of_another_workspace_partnership_is_refused(cast_a, cast_b, tenant):
    with tenant(cast_b.workspace):
        other = make_partnership(cast_b, members=[])
    with tenant(cast_a.workspace), pytest.raises(ValidationError):
        make_goal(cast_a, partnership=other)


def test_goal_status_follows_its_milestones(cast_a, tenant):
    with tenant(cast_a.workspace):
        goal = make_goal(cast_a)
        milestone = make_milestone(cast_a, goal, days=10)
        goal.refresh_from_db()
        assert goal.status == GoalStatus.NOT_STARTED
        assert goal.status_reason == "No milestone has started yet."
        milestone_update(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            milestone=milestone,
            due_date=timezone.localdate() - timedelta(days=20),
        )
        goal.refresh_from_db()
        assert goal.status == GoalStatus.OFF_TRACK
        milestone = Milestone.objects.get(pk=milestone.pk)
        _post(cast_a, milestone, status=MilestoneStatus.DONE, percent_complete=40)
        goal.refresh_from_db()
    assert goal.status == GoalStatus.ACHIEVED


def test_status_adjusters_may_weigh_in(cast_a, tenant):
    def adjuster(goal, status, reason, today):  # type: ignore[no-untyped-def]
        return GoalStatus.AT_RISK, "Indicator below baseline."

    hooks.register_goal_status_adjuster(adjuster)
    try:
        with tenant(cast_a.workspace):
            goal = make_goal(cast_a)
            goal_refresh_status(workspace=cast_a.workspace, goal=goal)
    finally:
        hooks.unregister_goal_status_adjuster(adjuster)
    assert (goal.status, goal.status_reason) == (GoalStatus.AT_RISK, "Indicator below baseline.")


# --- Milestones ---------------------------------------------------------------------------


def test_milestone_versions_and_completion(cast_a, tenant):
    with tenant(cast_a.workspace):
        goal = make_goal(cast_a)
        milestone = make_milestone(cast_a, goal)
        assert (milestone.version, milestone.partnership_id) == (1, goal.partnership_id)
        updated = milestone_update(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            milestone=milestone,
            status=MilestoneStatus.DONE,
        )
        assert (updated.version, updated.percent_complete) == (2, 100)
        assert updated.completed_on == timezone.localdate()
        reopened = milestone_update(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            milestone=updated,
            status=MilestoneStatus.IN_PROGRESS,
            percent_complete=90,
        )
        events = _events(cast_a.workspace, "goals.milestone")
    assert (reopened.version, reopened.completed_on) == (3, None)
    assert [e.action for e in events] == ["create", "update", "update"]
    assert events[1].changes["status"] == ["not_started", "done"]
    assert events[1].changes["version"] == [1, 2]


def test_hundred_percent_without_done_is_refused(cast_a, tenant):
    with tenant(cast_a.workspace):
        milestone = make_milestone(cast_a, make_goal(cast_a))
        with pytest.raises(ValidationError) as exc:
            _post(cast_a, milestone, status=MilestoneStatus.IN_PROGRESS, percent_complete=100)
        assert "percent_complete" in exc.value.message_dict
        assert Milestone.objects.get(pk=milestone.pk).version == 1


def test_milestone_edit_against_an_old_version_conflicts(cast_a, tenant):
    with tenant(cast_a.workspace):
        milestone = make_milestone(cast_a, make_goal(cast_a))
        _post(cast_a, milestone)
        with pytest.raises(MilestoneConflict) as exc:
            milestone_update(
                workspace=cast_a.workspace,
                actor=cast_a.coordinator,
                milestone=milestone,
                expected_version=1,
                title="Renamed",
            )
        with pytest.raises(MilestoneConflict):
            milestone_delete(
                workspace=cast_a.workspace,
                actor=cast_a.coordinator,
                milestone=milestone,
                expected_version=1,
            )
        assert Milestone.objects.get(pk=milestone.pk).title != "Renamed"
    assert exc.value.milestone.version == 2
    assert [u.version_after for u in exc.value.updates_since] == [2]


def test_milestone_delete_records_event(cast_a, tenant):
    with tenant(cast_a.workspace):
        milestone = make_milestone(cast_a, make_goal(cast_a))
        pk = milestone.pk
        milestone_delete(workspace=cast_a.workspace, actor=cast_a.admin, milestone=milestone)
        events = _events(cast_a.workspace, "goals.milestone")
        assert not Milestone.objects.filter(pk=pk).exists()
    assert events[-1].action == "delete" and events[-1].object_id == pk


# --- Progress updates ---------------------------------------------------------------------


def test_coordinator_posts_update_with_before_and_after(cast_a, tenant):
    with tenant(cast_a.workspace):
        milestone = make_milestone(cast_a, make_goal(cast_a))
        update = _post(cast_a, milestone, blockers="Need a venue.")
        stored = Milestone.objects.get(pk=milestone.pk)
        events = _events(cast_a.workspace, "goals.progressupdate")
    assert (update.status_before, update.status_after) == ("not_started", "in_progress")
    assert (update.percent_before, update.percent_after) == (0, 30)
    assert update.version_after == stored.version == 2
    assert update.author == cast_a.coordinator and update.author_key is None
    assert stored.last_update_at is not None
    assert milestone.version == 2  # the object given follows the stored row
    assert len(events) == 1 and events[0].partnership_id == milestone.partnership_id
    assert events[0].changes["narrative"] == "Workshops held in two districts."


def test_stale_version_conflicts_and_writes_nothing(cast_a, tenant):
    with tenant(cast_a.workspace):
        milestone = make_milestone(cast_a, make_goal(cast_a))
        first = _post(cast_a, milestone, expected_version=1)
        with pytest.raises(MilestoneConflict) as exc:
            _post(cast_a, milestone, expected_version=1, percent_complete=60)
        assert ProgressUpdate.objects.filter(milestone=milestone).count() == 1
        assert Milestone.objects.get(pk=milestone.pk).percent_complete == 30
    assert exc.value.expected_version == 1
    assert exc.value.milestone.version == 2
    assert [u.pk for u in exc.value.updates_since] == [first.pk]


def test_write_key_is_recorded_as_author_key(cast_a, tenant):
    api_key, _ = api_key_create(
        workspace=cast_a.workspace, actor=cast_a.admin, name="sync", scope=ApiKeyScope.WRITE
    )
    with tenant(cast_a.workspace):
        milestone = make_milestone(cast_a, make_goal(cast_a))
        update = progress_update_post(
            workspace=cast_a.workspace,
            actor=api_key,
            access=key_access(cast_a, api_key, Role.COORDINATOR),
            milestone=milestone,
            expected_version=1,
            status=MilestoneStatus.IN_PROGRESS,
            percent_complete=5,
            narrative="Synced from the field tool.",
        )
        event = _events(cast_a.workspace, "goals.progressupdate")[0]
    assert (update.author, update.author_key) == (None, api_key)
    assert (event.actor_user, event.actor_key) == (None, api_key)


def test_read_key_and_viewer_may_not_post(cast_a, tenant):
    api_key, _ = api_key_create(
        workspace=cast_a.workspace, actor=cast_a.admin, name="read", scope=ApiKeyScope.READ
    )
    with tenant(cast_a.workspace):
        milestone = make_milestone(cast_a, make_goal(cast_a))
        with pytest.raises(PermissionDenied):
            _post(cast_a, milestone, role="viewer")
        with pytest.raises(PermissionDenied):
            progress_update_post(
                workspace=cast_a.workspace,
                actor=api_key,
                access=key_access(cast_a, api_key, Role.VIEWER),
                milestone=milestone,
                expected_version=1,
                status=MilestoneStatus.IN_PROGRESS,
                percent_complete=5,
                narrative="No.",
            )


def test_partner_reads_but_posts_only_where_responsible(cast_a, tenant, responsible):
    with tenant(cast_a.workspace):
        goal = make_goal(cast_a)
        mine = make_milestone(cast_a, goal)
        not_mine = make_milestone(cast_a, goal)
        responsible(
            {mine.pk: {cast_a.organization.pk}, not_mine.pk: {cast_a.other_organization.pk}}
        )
        partner = access_of(cast_a, "partner")
        # The partner reads both milestones of its partnership...
        assert milestone_get(workspace=cast_a.workspace, access=partner, pk=not_mine.pk)
        # ...but posts only on the one its organization is Responsible or Accountable for.
        with pytest.raises(PermissionDenied):
            _post(cast_a, not_mine, role="partner")
        update = _post(cast_a, mine, role="partner")
    assert update.organization_id == cast_a.organization.pk
    assert update.author == cast_a.partner


def test_without_roles_only_coordinators_post(cast_a, tenant, monkeypatch):
    monkeypatch.setattr(hooks, "_responsible_orgs_provider", hooks._no_responsible_orgs)
    with tenant(cast_a.workspace):
        milestone = make_milestone(cast_a, make_goal(cast_a))
        with pytest.raises(PermissionDenied):
            _post(cast_a, milestone, role="partner")
        assert _post(cast_a, milestone, role="admin").version_after == 2


def test_partner_cannot_see_another_partnerships_milestone(cast_a, tenant, responsible):
    with tenant(cast_a.workspace):
        elsewhere = make_partnership(cast_a, members=[cast_a.other_organization])
        milestone = make_milestone(cast_a, make_goal(cast_a, partnership=elsewhere))
        responsible({milestone.pk: {cast_a.organization.pk}})  # even if named, not a member
        partner = access_of(cast_a, "partner")
        with pytest.raises(Milestone.DoesNotExist):
            milestone_get(workspace=cast_a.workspace, access=partner, pk=milestone.pk)
        assert not milestone_list(workspace=cast_a.workspace, access=partner).exists()
        with pytest.raises(PermissionDenied):
            _post(cast_a, milestone, role="partner")


# --- Comments -----------------------------------------------------------------------------


def test_comments_by_members_not_viewers(cast_a, tenant):
    with tenant(cast_a.workspace):
        milestone = make_milestone(cast_a, make_goal(cast_a))
        update = _post(cast_a, milestone)
        for role in ("partner", "coordinator"):
            comment_post(
                workspace=cast_a.workspace,
                actor=cast_a.user(role),
                access=access_of(cast_a, role),
                milestone=milestone,
                body=f"From the {role}.",
                progress_update=update if role == "partner" else None,
            )
        with pytest.raises(PermissionDenied):
            comment_post(
                workspace=cast_a.workspace,
                actor=cast_a.viewer,
                access=access_of(cast_a, "viewer"),
                milestone=milestone,
                body="Viewers only read.",
            )
        with pytest.raises(ValidationError):
            comment_post(
                workspace=cast_a.workspace,
                actor=cast_a.admin,
                access=access_of(cast_a, "admin"),
                milestone=milestone,
                body="   ",
            )
        events = _events(cast_a.workspace, "goals.comment")
    assert len(events) == 2
    assert all(e.partnership_id == milestone.partnership_id for e in events)


def test_partner_may_not_comment_outside_its_partnerships(cast_a, tenant):
    with tenant(cast_a.workspace):
        elsewhere = make_partnership(cast_a, members=[cast_a.other_organization])
        milestone = make_milestone(cast_a, make_goal(cast_a, partnership=elsewhere))
        with pytest.raises(PermissionDenied):
            comment_post(
                workspace=cast_a.workspace,
                actor=cast_a.partner,
                access=access_of(cast_a, "partner"),
                milestone=milestone,
                body="Not my partnership.",
            )


def test_nightly_refresh_follows_the_calendar(cast_a, tenant, time_machine):
    from goals.tasks import refresh_goal_statuses

    with tenant(cast_a.workspace):
        goal = make_goal(cast_a)
        milestone = make_milestone(cast_a, goal, days=2)
        _post(cast_a, milestone)
        goal.refresh_from_db()
        assert goal.status == GoalStatus.ON_TRACK
    time_machine.move_to(timezone.now() + timedelta(days=20))
    assert refresh_goal_statuses() == 1
    with tenant(cast_a.workspace):
        goal.refresh_from_db()
    assert goal.status == GoalStatus.OFF_TRACK
    assert refresh_goal_statuses() == 0
