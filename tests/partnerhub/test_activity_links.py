"""Activity entries of goals, milestones, progress updates, comments and role assignments
link to the pages that show them, and linking them costs no query per event."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from goals.models import MilestoneStatus
from goals.services import goal_delete, goal_update, milestone_delete
from goals.services_updates import comment_post, progress_update_post
from partnerhub.models import ActivityEvent, EventAction
from partnerhub.selectors_activity import event_object_url
from partnerhub.tenancy import workspace_context
from roles.models import Raci
from roles.services import role_assign
from tests.conftest import Cast
from tests.goals.helpers import access_of
from tests.partnerhub.activity_helpers import events_of
from tests.roles.helpers import make_goal, make_milestone, setup_matrix

pytestmark = pytest.mark.django_db


def post_update_and_comment(cast: Cast, milestone, number: int) -> None:  # type: ignore[no-untyped-def]
    """A progress update (two events: the update, the milestone) and a comment on it."""
    access = access_of(cast, "coordinator")
    with workspace_context(cast.workspace):
        update = progress_update_post(
            workspace=cast.workspace,
            actor=cast.coordinator,
            access=access,
            milestone=milestone,
            expected_version=milestone.version,
            status=MilestoneStatus.IN_PROGRESS,
            percent_complete=number % 99,
            narrative=f"Step {number}",
        )
        comment_post(
            workspace=cast.workspace,
            actor=cast.coordinator,
            access=access,
            milestone=milestone,
            body=f"Thanks for step {number}",
            progress_update=update,
        )


def url_of(cast: Cast, event: ActivityEvent) -> str | None:
    return event_object_url(event, cast.workspace.slug)


def only(cast: Cast, object_type: str, action: str = EventAction.CREATE) -> ActivityEvent:
    (event,) = events_of(cast.workspace, object_type=object_type, action=action)
    return event


def test_each_goal_and_role_event_links_to_its_page(cast_a: Cast):
    partnership, goal, milestone = setup_matrix(cast_a)
    with workspace_context(cast_a.workspace):
        role_assign(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            milestone=milestone,
            organization=cast_a.organization,
            raci=Raci.RESPONSIBLE,
        )
        goal_update(
            workspace=cast_a.workspace, actor=cast_a.coordinator, goal=goal, title="Cleaner river"
        )
    post_update_and_comment(cast_a, milestone, 1)
    slug = cast_a.workspace.slug
    goal_url = reverse("goal_detail", kwargs={"workspace_slug": slug, "pk": goal.pk})
    milestone_url = reverse("milestone_detail", kwargs={"workspace_slug": slug, "pk": milestone.pk})
    matrix_url = reverse("raci_matrix", kwargs={"workspace_slug": slug, "pk": partnership.pk})
    assert url_of(cast_a, only(cast_a, "goals.sharedgoal")) == goal_url
    assert url_of(cast_a, only(cast_a, "goals.sharedgoal", EventAction.UPDATE)) == goal_url
    assert url_of(cast_a, only(cast_a, "goals.milestone")) == milestone_url
    assert url_of(cast_a, only(cast_a, "goals.milestone", EventAction.UPDATE)) == milestone_url
    assert url_of(cast_a, only(cast_a, "goals.progressupdate")) == milestone_url
    assert url_of(cast_a, only(cast_a, "goals.comment")) == milestone_url
    assert url_of(cast_a, only(cast_a, "roles.roleassignment")) == matrix_url

    # The activity page shows them as links, and every link opens.
    client = cast_a.client("coordinator")
    body = client.get(f"/w/{slug}/activity/").content.decode()
    for url in (goal_url, milestone_url, matrix_url):
        assert f'<a href="{url}">' in body
        assert client.get(url).status_code == 200, url
    assert body.count(f'<a href="{milestone_url}">') == 4  # created, updated, update, comment


def test_deleted_goals_and_milestones_link_to_the_partnerships_goals(cast_a: Cast):
    partnership, goal, milestone = setup_matrix(cast_a)
    with workspace_context(cast_a.workspace):
        milestone_delete(workspace=cast_a.workspace, actor=cast_a.coordinator, milestone=milestone)
        goal_delete(workspace=cast_a.workspace, actor=cast_a.coordinator, goal=goal)
    goal_list = reverse(
        "goal_list", kwargs={"workspace_slug": cast_a.workspace.slug, "pk": partnership.pk}
    )
    assert url_of(cast_a, only(cast_a, "goals.milestone", EventAction.DELETE)) == goal_list
    assert url_of(cast_a, only(cast_a, "goals.sharedgoal", EventAction.DELETE)) == goal_list
    assert cast_a.client("coordinator").get(goal_list).status_code == 200


def test_an_update_event_without_its_milestone_id_links_to_the_goals(cast_a: Cast):
    """Events are never rewritten: one whose changes lack the milestone still links."""
    partnership, _, milestone = setup_matrix(cast_a)
    post_update_and_comment(cast_a, milestone, 1)
    event = only(cast_a, "goals.progressupdate")
    event.changes = {"narrative": "Step 1"}  # in memory only
    assert url_of(cast_a, event) == reverse(
        "goal_list", kwargs={"workspace_slug": cast_a.workspace.slug, "pk": partnership.pk}
    )
    event.partnership_id = None
    assert url_of(cast_a, event) is None


def _count_queries(client, url: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


@pytest.mark.parametrize("partnership_page", [False, True])
def test_query_count_does_not_grow_with_goal_events(cast_a: Cast, partnership_page: bool):
    """Goal, milestone, update, comment and role events on the page: linking them costs
    nothing per event: one or ten updates with their comments (3 or 30 events of these
    kinds, next to the goal and role events) read the same number of queries."""
    partnership, _, milestone = setup_matrix(cast_a)
    with workspace_context(cast_a.workspace):
        role_assign(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            milestone=milestone,
            organization=cast_a.organization,
            raci=Raci.RESPONSIBLE,
        )
        gone = make_goal(cast_a, partnership, title="Dropped")
        make_milestone(cast_a, gone, title="Dropped step")
        goal_delete(workspace=cast_a.workspace, actor=cast_a.coordinator, goal=gone)
    client = cast_a.client("partner")
    slug = cast_a.workspace.slug
    url = (
        f"/w/{slug}/partnerships/{partnership.pk}/activity/"
        if partnership_page
        else f"/w/{slug}/activity/"
    )
    milestone_url = reverse("milestone_detail", kwargs={"workspace_slug": slug, "pk": milestone.pk})
    matrix_url = reverse("raci_matrix", kwargs={"workspace_slug": slug, "pk": partnership.pk})

    post_update_and_comment(cast_a, milestone, 0)
    few, body = _count_queries(client, url)
    assert body.count(f'<a href="{milestone_url}">') == 4
    for number in range(1, 10):
        post_update_and_comment(cast_a, milestone, number)
    many, body = _count_queries(client, url)
    assert body.count(f'<a href="{milestone_url}">') == 4 + 3 * 9
    assert f'<a href="{matrix_url}">' in body
    assert few == many
