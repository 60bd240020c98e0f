"""Goal pages: visibility (404 for what a caller may not see), roles (403), the timeline,
the conflict flow of the update form, and constant query counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from goals.models import Milestone, MilestoneStatus, ProgressUpdate, SharedGoal
from goals.services_updates import comment_post, progress_update_post
from partnerhub.models import ActivityEvent
from tests.goals.helpers import access_of, make_goal, make_milestone, make_partnership

pytestmark = pytest.mark.django_db


def url(name: str, cast, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, kwargs={"workspace_slug": cast.workspace.slug, **kwargs})


@pytest.fixture
def setup(cast_a, tenant):  # type: ignore[no-untyped-def]
    with tenant(cast_a.workspace):
        goal = make_goal(cast_a, title="Every child reads", target_date=timezone.localdate())
        first = make_milestone(cast_a, goal, days=-3, title="Baseline survey")
        second = make_milestone(cast_a, goal, days=40, title="Reading clubs open")
    return goal, first, second


def _update_form(milestone: Milestone, **values):  # type: ignore[no-untyped-def]
    data = {
        "status": MilestoneStatus.IN_PROGRESS,
        "percent_complete": "40",
        "narrative": "Clubs opened in 3 schools.",
        "blockers": "",
        "version": str(milestone.version),
    }
    data.update(values)
    return data


# --- Pages --------------------------------------------------------------------------------


def test_goal_page_shows_milestones_in_due_order_timeline_and_table(cast_a, setup):
    goal, _, _ = setup
    html = cast_a.client("viewer").get(url("goal_detail", cast_a, pk=goal.pk)).content.decode()
    assert html.index("Baseline survey") < html.index("Reading clubs open")
    assert 'role="img"' in html and '<title id="timeline-title">' in html
    assert re.search(r"<desc id=\"timeline-desc\">2 milestones", html)
    assert '<caption id="milestones-caption">Milestones in due-date order</caption>' in html
    assert "(overdue)" in html  # the baseline survey is 3 days late
    assert "At risk" in html
    assert "style=" not in html
    assert "Edit goal" not in html  # viewers do not edit


def test_partnership_goal_list_and_link(cast_a, setup):
    goal, _, _ = setup
    partnership_url = url("partnership_detail", cast_a, pk=goal.partnership_id)
    goals_url = url("goal_list", cast_a, pk=goal.partnership_id)
    assert goals_url in cast_a.client("viewer").get(partnership_url).content.decode()
    html = cast_a.client("partner").get(goals_url).content.decode()
    assert "Every child reads" in html and "0 of 2" in html


def test_coordinator_creates_goal_and_milestone(cast_a, tenant):
    with tenant(cast_a.workspace):
        partnership = make_partnership(cast_a)
    client = cast_a.client("coordinator")
    response = client.post(
        url("goal_create", cast_a, pk=partnership.pk),
        {"title": "Clean water", "description": "", "target_date": "", "sdgs": ["6"]},
    )
    assert response.status_code == 302
    with tenant(cast_a.workspace):
        goal = SharedGoal.objects.get(title="Clean water")
    assert goal.sdgs == [6]
    due = (timezone.localdate() + timedelta(days=9)).isoformat()
    response = client.post(
        url("milestone_create", cast_a, pk=goal.pk),
        {"title": "Wells dug", "due_date": due, "status": "not_started", "percent_complete": "0"},
    )
    assert response.status_code == 302
    with tenant(cast_a.workspace):
        assert Milestone.objects.filter(goal=goal, title="Wells dug").exists()


FIELD = re.compile(r"<(input|select|textarea)\b([^>]*)>")


def test_forms_label_every_field(cast_a, setup):
    goal, first, _ = setup
    pages = [
        ("goal_edit", goal.pk),
        ("milestone_create", goal.pk),
        ("milestone_update", first.pk),
        ("milestone_edit", first.pk),
    ]
    for name, pk in pages:
        html = cast_a.client("coordinator").get(url(name, cast_a, pk=pk)).content.decode()
        form = html.split('<form method="post" class="stacked-form"', 1)[1].split("</form>")[0]
        fields = [
            re.search(r'\bid="([^"]+)"', attrs).group(1)  # type: ignore[union-attr]
            for _, attrs in FIELD.findall(form)
            if 'type="hidden"' not in attrs
        ]
        assert fields, name
        for field_id in fields:
            assert f'for="{field_id}"' in form, (name, field_id)


def test_viewer_and_partner_may_not_edit(cast_a, setup):
    goal, first, _ = setup
    for role in ("viewer", "partner"):
        client = cast_a.client(role)
        assert client.get(url("goal_edit", cast_a, pk=goal.pk)).status_code == 403
        assert client.post(url("milestone_delete", cast_a, pk=first.pk)).status_code == 403
        assert client.get(url("milestone_update", cast_a, pk=first.pk)).status_code == 403


def test_partner_gets_404_outside_its_partnerships(cast_a, tenant):
    with tenant(cast_a.workspace):
        elsewhere = make_partnership(cast_a, members=[cast_a.other_organization])
        goal = make_goal(cast_a, partnership=elsewhere)
        milestone = make_milestone(cast_a, goal)
    client = cast_a.client("partner")
    assert client.get(url("goal_list", cast_a, pk=elsewhere.pk)).status_code == 404
    assert client.get(url("goal_detail", cast_a, pk=goal.pk)).status_code == 404
    assert client.get(url("milestone_detail", cast_a, pk=milestone.pk)).status_code == 404
    assert client.get(url("milestone_update", cast_a, pk=milestone.pk)).status_code == 404
    response = client.post(url("milestone_comment", cast_a, pk=milestone.pk), {"body": "Hi"})
    assert response.status_code == 404


def test_other_workspace_gets_404(cast_a, cast_b, setup):
    goal, first, _ = setup
    client = cast_b.client("admin")
    for name, pk in (("goal_detail", goal.pk), ("milestone_detail", first.pk)):
        assert client.get(url(name, cast_a, pk=pk)).status_code == 404
        assert client.get(url(name, cast_b, pk=pk)).status_code == 404


# --- Progress updates and comments ----------------------------------------------------------


def test_partner_posts_update_when_responsible(cast_a, setup, responsible, tenant):
    _, first, _ = setup
    responsible({first.pk: {cast_a.organization.pk}})
    client = cast_a.client("partner")
    detail = client.get(url("milestone_detail", cast_a, pk=first.pk)).content.decode()
    assert url("milestone_update", cast_a, pk=first.pk) in detail
    form = client.get(url("milestone_update", cast_a, pk=first.pk)).content.decode()
    assert 'name="version" value="1"' in form
    assert "<script" not in form.split("<main", 1)[1]  # the form needs no JavaScript
    response = client.post(url("milestone_update", cast_a, pk=first.pk), _update_form(first))
    assert response.status_code == 302
    with tenant(cast_a.workspace):
        update = ProgressUpdate.objects.get(milestone=first)
    assert update.organization_id == cast_a.organization.pk
    assert update.percent_after == 40


def test_conflict_shows_what_changed_and_reapplies_in_one_click(cast_a, setup, tenant):
    _, first, _ = setup
    coordinator = cast_a.client("coordinator")
    admin = cast_a.client("admin")
    stale = _update_form(first, narrative="My visit to the clubs.", percent_complete="55")
    # Someone else posts first.
    other = _update_form(first, narrative="Funding arrived.", status=MilestoneStatus.AT_RISK)
    assert admin.post(url("milestone_update", cast_a, pk=first.pk), other).status_code == 302

    response = coordinator.post(url("milestone_update", cast_a, pk=first.pk), stale)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone changed this milestone while you were writing" in html
    assert "Funding arrived." in html  # the update made meanwhile
    assert "My visit to the clubs." in html  # the person's own words, kept
    assert 'name="version" value="2"' in html
    assert "Apply my update on top" in html
    with tenant(cast_a.workspace):
        assert ProgressUpdate.objects.filter(milestone=first).count() == 1

    again = coordinator.post(
        url("milestone_update", cast_a, pk=first.pk), {**stale, "version": "2"}
    )
    assert again.status_code == 302
    with tenant(cast_a.workspace):
        stored = Milestone.objects.get(pk=first.pk)
        narratives = list(
            ProgressUpdate.objects.filter(milestone=first)
            .order_by("version_after")
            .values_list("narrative", flat=True)
        )
    assert (stored.version, stored.percent_complete) == (3, 55)
    assert narratives == ["Funding arrived.", "My visit to the clubs."]


def test_update_form_errors_stay_on_the_form(cast_a, setup):
    _, first, _ = setup
    response = cast_a.client("coordinator").post(
        url("milestone_update", cast_a, pk=first.pk), _update_form(first, percent_complete="100")
    )
    assert response.status_code == 200
    assert "100% means done" in response.content.decode()


def test_comment_on_milestone(cast_a, setup, tenant):
    _, first, _ = setup
    response = cast_a.client("partner").post(
        url("milestone_comment", cast_a, pk=first.pk), {"body": "We can host the next one."}
    )
    assert response.status_code == 302
    html = (
        cast_a.client("viewer").get(url("milestone_detail", cast_a, pk=first.pk)).content.decode()
    )
    assert "We can host the next one." in html
    assert 'action="' + url("milestone_comment", cast_a, pk=first.pk) not in html  # viewer
    assert (
        cast_a.client("viewer")
        .post(url("milestone_comment", cast_a, pk=first.pk), {"body": "x"})
        .status_code
        == 403
    )
    with tenant(cast_a.workspace):
        assert ActivityEvent.objects.filter(object_type="goals.comment").count() == 1


def test_milestone_edit_conflict(cast_a, setup):
    _, first, _ = setup
    client = cast_a.client("coordinator")
    data = {
        "title": "Baseline survey v2",
        "description": "",
        "due_date": first.due_date.isoformat(),
        "status": "in_progress",
        "percent_complete": "10",
        "version": "1",
    }
    assert client.post(url("milestone_edit", cast_a, pk=first.pk), data).status_code == 302
    response = client.post(url("milestone_edit", cast_a, pk=first.pk), {**data, "title": "Late"})
    assert response.status_code == 409
    assert "Save my changes on top" in response.content.decode()


# --- Query counts -------------------------------------------------------------------------


def _goal_page_queries(cast, goal) -> int:  # type: ignore[no-untyped-def]
    client = cast.client("partner")
    client.get(url("goal_detail", cast, pk=goal.pk))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("goal_detail", cast, pk=goal.pk))
    assert response.status_code == 200
    return len(queries)


def test_goal_page_query_count_does_not_grow(cast_a, tenant):
    with tenant(cast_a.workspace):
        few = make_goal(cast_a)
        many = make_goal(cast_a, partnership=few.partnership)
        make_milestone(cast_a, few)
        coordinator = access_of(cast_a, "coordinator")
        for index in range(8):
            milestone = make_milestone(cast_a, many, days=index)
            progress_update_post(
                workspace=cast_a.workspace,
                actor=cast_a.coordinator,
                access=coordinator,
                milestone=milestone,
                expected_version=1,
                status=MilestoneStatus.IN_PROGRESS,
                percent_complete=5,
                narrative="Step",
            )
            comment_post(
                workspace=cast_a.workspace,
                actor=cast_a.coordinator,
                access=coordinator,
                milestone=milestone,
                body="Noted",
            )
    # session, membership, goal, milestones, updates, comments (+ the request's tenant set-up)
    assert _goal_page_queries(cast_a, few) == _goal_page_queries(cast_a, many)


def test_goal_page_shows_who_does_what(cast_a, setup, tenant):
    """The goal page shows the RACI letters of the goal and of each milestone (filled in
    by the roles app through goals.hooks), and links to the full matrix."""
    from roles.models import Raci
    from roles.services import role_assign

    goal, first, _ = setup
    with tenant(cast_a.workspace):
        role_assign(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            goal=goal,
            organization=cast_a.organization,
            raci=Raci.ACCOUNTABLE,
        )
        role_assign(
            workspace=cast_a.workspace,
            actor=cast_a.coordinator,
            milestone=first,
            organization=cast_a.organization,
            raci=Raci.RESPONSIBLE,
        )
    html = cast_a.client("viewer").get(url("goal_detail", cast_a, pk=goal.pk)).content.decode()
    assert f"{cast_a.organization.name}: Accountable for this goal" in html
    assert f'<abbr title="Responsible">R</abbr>: {cast_a.organization.name}' in html
    assert url("raci_matrix", cast_a, pk=goal.partnership_id) in html
